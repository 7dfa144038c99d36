"""Hidden variants come from the grading secret: for every exercise with hidden cases, two secrets give different
hidden inputs and no secret gives the public default (the seeds written in the checker), which the grader says it
uses; the reference answers pass under other secrets; an answer special-cased to the public default's inputs fails
under a secret; and each hidden variant is recorded with how it went.

The inputs are compared through each checker module's ``*_case`` functions (what a hidden case draws from its
seed), which the checkers call; the end-to-end tests below run the checkers themselves.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import sumkit as sk
from sumkit import course, grade
from sumkit.course import nb00, nb01, nb02, nb03, nb05, nb06, nb07
from tests.answers import reference_answers

SECRETS = ("room-204", "spring-term")

TABLE = pd.DataFrame({"chain accuracy": [0.972, 0.963, 0.944], "deploy gas": [2_592_263, 2_877_101, 3_036_458],
                      "update gas": [234_559, 130_998, 122_978]},
                     index=["DensePerceptron", "SparsePerceptron", "NaiveBayes"])


def _corpus(seed):
    nb, docs, what = nb02.hidden_corpus(seed)
    return nb.feature_log_prob_.shape, docs[0][:20], what


# exercise -> (the public default's seeds, variant_seeds options, the hidden inputs drawn from a list of seeds)
HIDDEN = {
    "00.1": ((1, 2), {}, lambda seeds: [nb00.payment_case(s) for s in seeds]),
    "00.2": ((1, 2), {}, lambda seeds: [nb00.fee_cases(s) for s in seeds]),
    "00.3": ((1,), {}, lambda seeds: [nb00.ballot_case(s) for s in seeds]),
    "01.1": (nb01.DEPOSIT_SEEDS, {}, lambda seeds: [nb01.deposit_case(s) for s in seeds]),
    "01.2": (nb01.TAKE_SEEDS, {}, lambda seeds: [nb01.take_case(s, n % 2 == 1) for n, s in enumerate(seeds)]),
    "02.1": ((0, 1, 2), {"below": 2**32}, lambda seeds: [nb02.hidden_table(TABLE, s).to_dict() for s in seeds]),
    "02.2": ((11,), {}, lambda seeds: [_corpus(s) for s in seeds]),
    "03.2": (nb03.SWEEP_SEEDS, {}, lambda seeds: [nb03.sweep_hour(s, n) for n, s in enumerate(seeds)]),
    **{f"05.{n}": (nb05.PLAYER_SEEDS, {}, lambda seeds: [nb05.player_case(s) for s in seeds]) for n in range(1, 5)},
    "06.1": (nb06.CHEAP_SEEDS, {}, lambda seeds: [nb06.cheap_case(s, n % 2 == 0) for n, s in enumerate(seeds)]),
    "07.1": ((1, 2), {}, lambda seeds: [nb07.contribution_case(s) for s in seeds]),
    "07.2": ((1,), {}, lambda seeds: [nb07.contributions_case(s) for s in seeds]),
    "07.3": ((1,), {}, lambda seeds: [nb07.revert_case(s) for s in seeds]),
}


@pytest.fixture
def grading(monkeypatch):
    monkeypatch.setenv(course.GRADING_ENV, "1")
    monkeypatch.delenv(course.SECRET_ENV, raising=False)
    return monkeypatch


def hidden_inputs(monkeypatch, id, secret):
    public, options, draw = HIDDEN[id]
    monkeypatch.setenv(course.SECRET_ENV, secret)
    seeds = list(course.variant_seeds(id, public, visible=0, **options))
    assert len(seeds) == len(public)
    return seeds, draw(seeds)


@pytest.mark.parametrize("id", HIDDEN)
def test_two_secrets_draw_different_hidden_inputs_and_none_the_public_default(grading, id):
    seeds_a, inputs_a = hidden_inputs(grading, id, SECRETS[0])
    seeds_b, inputs_b = hidden_inputs(grading, id, SECRETS[1])
    assert seeds_a != seeds_b and repr(inputs_a) != repr(inputs_b)
    public, _, draw = HIDDEN[id]
    seeds, inputs = hidden_inputs(grading, id, "")  # no secret: the seeds written in the checker
    assert seeds == list(public) and repr(inputs) == repr(draw(public))
    assert repr(inputs) not in (repr(inputs_a), repr(inputs_b))
    grading.delenv(course.GRADING_ENV)
    assert course.variant_seeds(id, public, visible=0) == []  # a learner's notebook runs no hidden case


def test_without_a_secret_the_grader_says_it_uses_the_public_default(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv(course.SECRET_ENV, raising=False)
    assert grade.main([str(tmp_path), "--out", str(tmp_path / "grades.csv"), "--jobs", "1"]) == 0
    assert "hidden variants use the public default secret" in capsys.readouterr().err
    assert grade.main([str(tmp_path), "--out", str(tmp_path / "grades.csv"), "--secret", "s"]) == 0
    assert "public default" not in capsys.readouterr().err


# -- the draws are fair: what a correct answer needs holds for every seed ----------------------------------------

def test_the_drawn_cases_keep_their_corner_cases():
    for seed in range(300):
        cost_weight, good = nb01.take_case(seed, rounds_to_zero=True)
        deposit = cost_weight * 3600 // math.isqrt(31 * 86_400)  # Mallory's, a month after the last update at least
        first, *others = good.values()
        assert 0 < deposit and deposit * first // sum(good.values()) == 0  # the first reporter's share rounds to 0
        cases = nb00.fee_cases(seed)
        base = cases[0][1]
        assert [c[2] < base for c in cases] == [base > 0, False, False, False]  # a cap below the base fee, then not
        assert all(21_000 <= c[0] <= 16_777_216 for c in cases)
        cost_weight, budget, deadline = nb06.cheap_case(seed, patient=seed % 2 == 0)
        # the wait after which a deposit is at most a third of the budget, in 10-minute steps as the reference waits
        needed = next(t for t in range(1, 20_000) if cost_weight * 3600 // math.isqrt(t) <= budget // 3)
        assert 3 * (600 * math.ceil(needed / 600) + 60) < deadline
        if seed % 2:  # an impatient case: a fixed hour between adds is too late
            assert 3 * 3600 > deadline
        else:  # a patient one: an hour between adds is over budget
            assert needed > 3600
        hours = [nb03.sweep_hour(seed, window) for window in range(3)]
        assert (hours[0] >= 12.25 or hours[0] < 7.75) and 8.25 < hours[1] < 9.75 and 10.25 < hours[2] < 11.75


@pytest.mark.parametrize("secret", SECRETS)
def test_the_reference_answers_pass_under_other_secrets(grading, secret):
    """The exercises whose answers are functions of the checker's own deployment (the rest: test_grade_secret)."""
    import eth_abi
    from eth_account import Account
    from eth_utils import keccak

    grading.setenv(course.SECRET_ENV, secret)
    ns = {**reference_answers("00", Account=Account), **reference_answers("06"), **reference_answers("07", eth_abi=eth_abi, keccak=keccak)}
    for id, answer in [("00.1", {"pay": ns["pay"]}), ("00.2", {"fee_split": ns["fee_split"]}),
                       ("06.1", {"add_cheaply": ns["add_cheaply"]}),
                       ("07.1", {"contribute": ns["contribute"]}), ("07.2", {"deposits_by_contributor":
                                                                             ns["deposits_by_contributor"]}),
                       ("07.3", {"decode_error": ns["decode_error"]})]:
        course.begin_variants()
        result = course.evaluate(id, **answer)
        variants = course.end_variants(result.status)
        assert result.status == "correct", (id, result.feedback)
        assert len(variants) == len(HIDDEN[id][0]) and {v["status"] for v in variants} == {"passed"}, variants
        assert [v["seed"] for v in variants] == hidden_inputs(grading, id, secret)[0]


# -- an answer special-cased to the public default's inputs -------------------------------------------------------

def replay(reference):
    """An answer that remembers what ``reference`` returned for each input it was called with, and returns that
    for those inputs only (else a plausible wrong value): special-cased to the inputs it has seen."""
    seen = {}

    def record(*args):
        seen[repr(args)] = reference(*args)
        return seen[repr(args)]

    def lookup(*args):
        return seen.get(repr(args), (1, 1))

    return record, lookup


@pytest.mark.parametrize("id, name, reference", [
    ("00.2", "fee_split", nb00.fee_split),
    ("01.1", "deposit_rule", lambda w, s: w * 3600 // (math.isqrt(s) if s > 1 else 1)),
])
def test_an_answer_special_cased_to_the_public_default_fails_under_a_secret(grading, id, name, reference):
    record, lookup = replay(reference)
    assert course.evaluate(id, **{name: record}).status == "correct"  # learns the public default's hidden inputs
    course.begin_variants()
    assert course.evaluate(id, **{name: lookup}).status == "correct"  # so it passes without a secret
    assert [v["status"] for v in course.end_variants("correct")] == ["passed"] * len(HIDDEN[id][0])
    grading.setenv(course.SECRET_ENV, SECRETS[0])
    course.begin_variants()
    result = course.evaluate(id, **{name: lookup})
    variants = course.end_variants(result.status)
    assert result.status == "wrong" and result.points == 0, result
    # recorded for the feedback: the first hidden variant ran and failed (the check stops there)
    assert variants[0]["status"] == "failed" and variants[0]["seed"] == hidden_inputs(grading, id, SECRETS[0])[0][0]


def test_a_lab_exploit_for_the_public_default_player_fails_under_a_secret(grading):
    """An exploit that sends as the address the public default's hidden player has, instead of level.player."""
    public_player = nb05.hidden_player(sk.Chain(), nb05.PLAYER_SEEDS[0])

    def forge(level):
        me = level.chain.mallory if level.player == level.chain.mallory else public_player
        loot = level.chain.balance(level.contract.address)
        fake = level.handler.transact("record", me, list(sk.lab.POSITIVE), 1, loot, sender=me).output
        level.chain.travel(days=1)
        level.contract.transact("refund", fake, sender=me)

    course.begin_variants()
    assert course.evaluate("05.3", forge=forge).status == "correct"
    assert [v["status"] for v in course.end_variants("correct")] == ["passed"]
    grading.setenv(course.SECRET_ENV, SECRETS[0])
    course.begin_variants()
    result = course.evaluate("05.3", forge=forge)
    assert result.points == 0 and result.status in ("wrong", "error"), result
    assert [v["status"] for v in course.end_variants(result.status)] == ["failed"]
    course.begin_variants()
    assert course.evaluate("05.3", forge=reference_answers("05")["forge"]).status == "correct"  # level.player: any player
    assert [v["status"] for v in course.end_variants("correct")] == ["passed"]


def test_solution_notebooks_get_full_marks_under_a_secret(tmp_path):
    """Through the command line, as an instructor grades: notebooks 05 and 07 (whose hidden players, contributions
    and reverts the secret draws; 01 under a secret: test_grade_integrity; all of them: the closing notes)."""
    import csv
    import shutil

    from sumkit.course import build

    for number in ("05", "07"):
        shutil.copy(next(build.SOLUTIONS.glob(f"{number}_*.ipynb")), tmp_path)
    out = tmp_path / "grades.csv"
    assert grade.main([str(tmp_path), "--out", str(out), "--jobs", "2", "--secret", SECRETS[1],
                       "--timeout", "600"]) == 0
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["exercise"] for r in rows] == [e.id for n in ("05", "07") for e in course.exercises(n)]
    for r in rows:
        assert r["points"] == r["max_points"], r
        of = len(HIDDEN[r["exercise"]][0])
        assert r["feedback"].endswith(f"[hidden variants: {of} of {of} ran, {of} passed]"), r
