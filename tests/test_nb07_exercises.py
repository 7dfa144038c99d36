"""Notebook 07's exercises: the reference answers pass (also under the grader's hidden cases), and typical
mistakes get feedback that says what is wrong."""

from __future__ import annotations

import re

import pytest

import sumkit as sk
from tests.answers import reference_answers


@pytest.fixture(scope="module")
def answers() -> dict:
    import eth_abi
    from eth_utils import keccak

    return reference_answers("07", eth_abi=eth_abi, keccak=keccak)  # what notebook 07 imports before the exercises


@pytest.mark.parametrize("grading", [False, True], ids=["student", "grader"])
def test_the_reference_answers_are_correct(answers, monkeypatch, grading):
    if grading:
        monkeypatch.setenv(sk.course.GRADING_ENV, "1")
    first = sk.course.evaluate("07.1", contribute=answers["contribute"])
    assert first.status == "correct"
    assert f"{4 if grading else 2} contributions, each with the deposit quoted" in first.feedback
    assert re.search(r"bob paid ([\d,]+) wei \(quoted \1\), label 1, receipt status 1, [\d,]+ gas", first.feedback)
    totals = sk.course.evaluate("07.2", deposits_by_contributor=answers["deposits_by_contributor"])
    assert totals.status == "correct" and re.search(r"alice [\d,]+ wei, bob [\d,]+ wei", totals.feedback)
    decoded = sk.course.evaluate("07.3", decode_error=answers["decode_error"])
    assert decoded.status == "correct", decoded.feedback
    assert f"{6 if grading else 3} reverts decoded" in decoded.feedback
    assert "addData paying 1 wei: DepositTooLow(required=" in decoded.feedback and ", sent=1)" in decoded.feedback


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


def test_a_decoder_that_reads_only_the_trainers_own_errors_is_told_which_error_it_missed(answers):
    def trainer_only(abi, data):  # DepositTooLow is the incentive mechanism's error, bubbled up through the trainer
        return answers["decode_error"]([item for item in abi if item.get("name") != "DepositTooLow"], data)

    result = sk.course.evaluate("07.3", decode_error=trainer_only)
    assert result.status == "wrong" and "the ABI has the error DepositTooLow" in result.feedback


def test_a_decoder_with_spaces_in_signatures_or_without_names_is_wrong(answers):
    import eth_abi
    from eth_utils import keccak

    def spaced(abi, data):
        raw = bytes.fromhex(data[2:])
        for item in (i for i in abi if i.get("type") == "error"):
            types = [i["type"] for i in item["inputs"]]
            if keccak(text=f"{item['name']}({', '.join(types)})")[:4] == raw[:4]:
                return item["name"], dict(zip([i["name"] for i in item["inputs"]], eth_abi.decode(types, raw[4:])))
        return None

    assert "returned None" in sk.course.evaluate("07.3", decode_error=spaced).feedback

    def positional(abi, data):
        name, args = answers["decode_error"](abi, data)
        return name, dict(enumerate(args.values()))

    assert "but its arguments are" in sk.course.evaluate("07.3", decode_error=positional).feedback
    always = lambda abi, data: ("DepositTooLow", {})  # noqa: E731
    assert sk.course.evaluate("07.3", decode_error=always).status == "wrong"
