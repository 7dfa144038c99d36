"""Notebook 07's exercises: the reference answers pass (also under the grader's hidden cases), and typical
mistakes get feedback that says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

import sumkit as sk

ANSWERS = Path(__file__).resolve().parent.parent / "notebooks" / "solutions" / "answers" / "07.py"


@pytest.fixture(scope="module")
def answers() -> dict:
    namespace: dict = {}
    exec(compile(ANSWERS.read_text(), str(ANSWERS), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("grading", [False, True], ids=["student", "grader"])
def test_the_reference_answers_are_correct(answers, monkeypatch, grading):
    if grading:
        monkeypatch.setenv(sk.course.GRADING_ENV, "1")
    assert sk.course.evaluate("07.1", contribute=answers["contribute"]).status == "correct"
    assert sk.course.evaluate("07.2", deposits_by_contributor=answers["deposits_by_contributor"]).status == "correct"


def test_a_contribution_that_returns_the_hash_is_told_to_wait_for_the_receipt():
    def returns_hash(w3, trainer, x, label, sender):
        return trainer.functions.addData(x, label).transact({"from": sender, "value": trainer.functions.nextDeposit().call()})

    result = sk.course.evaluate("07.1", contribute=returns_hash)
    assert result.status == "wrong" and "wait_for_transaction_receipt" in result.feedback


def test_a_contribution_with_a_fixed_deposit_fails_with_the_contracts_words():
    def fixed(w3, trainer, x, label, sender):
        return w3.eth.wait_for_transaction_receipt(trainer.functions.addData(x, label).transact({"from": sender}))

    result = sk.course.evaluate("07.1", contribute=fixed)
    assert result.status == "wrong" and "DepositTooLow" in result.feedback


def test_totals_that_keep_only_the_last_deposit_are_wrong():
    def last_only(w3, trainer):
        return {log["args"]["contributor"]: log["args"]["deposit"]
                for log in trainer.events.ContributionAdded().get_logs(from_block=0)}

    result = sk.course.evaluate("07.2", deposits_by_contributor=last_only)
    assert result.status == "wrong" and "total" in result.feedback


def test_totals_from_every_trainer_on_the_chain_are_wrong():
    def every_trainer(w3, trainer):
        totals: dict = {}
        event = trainer.events.ContributionAdded()
        for log in w3.eth.get_logs({"fromBlock": 0, "topics": [event.topic]}):
            args = event.process_log(log)["args"]
            totals[args["contributor"]] = totals.get(args["contributor"], 0) + args["deposit"]
        return totals

    result = sk.course.evaluate("07.2", deposits_by_contributor=every_trainer)
    assert result.status == "wrong"
