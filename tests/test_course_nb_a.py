"""The exercises of notebooks 01 to 03, checker by checker: a correct answer passes, typical wrong answers get
specific feedback, ``...`` is "not answered yet", and the grader's hidden checks catch answers hard-coded for the
visible cases. Also ``sumkit.solc.artifacts.source_of``, which the notebooks use to print Solidity."""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

import sumkit as sk
from sumkit.solc.artifacts import source_of
from sumkit.course import GRADING_ENV, evaluate


ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {"01": "01_deploy_and_contribute.ipynb", "02": "02_model_zoo.ipynb", "03": "03_incentives.ipynb"}


def cells(number):
    return nbformat.read(ROOT / "notebooks" / NOTEBOOKS[number], as_version=4).cells


@pytest.fixture
def grading(monkeypatch):
    monkeypatch.setenv(GRADING_ENV, "1")


def assert_wrong(result, *phrases):
    assert result.status == "wrong" and result.points == 0, result
    for phrase in phrases:
        assert phrase in result.feedback, (phrase, result.feedback)


@pytest.mark.parametrize("exercise, names", [
    ("01.1", ["deposit_rule"]), ("01.2", ["take_share", "trainer", "contribution"]),
    ("01.3", ["choose_rows", "trainer", "X_unused", "y_unused", "X_test", "y_test"]),
    ("02.1", ["pick_model", "table"]), ("02.2", ["score_classes", "nb", "docs"]),
    ("03.1", ["cost_weight"]), ("03.2", ["owner_claim_wait"]),
])
def test_unanswered_is_not_answered_yet(exercise, names):
    result = evaluate(exercise, **{name: ... for name in names})
    assert result.status == "not answered" and result.feedback.startswith("not answered yet")


@pytest.mark.parametrize("number", NOTEBOOKS)
def test_notebook_follows_the_exercise_conventions(number):
    nb = nbformat.read(ROOT / "notebooks" / NOTEBOOKS[number], as_version=4)
    assert nb.metadata["sumkit"] == {"notebook": number}
    exercises = sk.course.exercises(number)
    assert 2 <= len(exercises) <= 4
    text = (ROOT / "notebooks" / "solutions" / "answers" / f"{number}.py").read_text()
    assert re.findall(r"^# %% (\d\d\.\d+)$", text, flags=re.M) == [e.id for e in exercises]

    def position(kind, ex):
        hits = [i for i, c in enumerate(nb.cells)
                if c.metadata.get("sumkit", {}).get("exercise") == ex.id and kind in c.metadata.get("tags", [])]
        assert len(hits) == 1, (ex.id, kind, hits)
        return hits[0]

    for ex in exercises:
        turn = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                and c.source.startswith(f"### Your turn {ex.id}: {ex.title}\n")]
        assert len(turn) == 1, ex.id
        assert f'Stuck? `sk.course.hint("{ex.id}")` reveals one hint at a time' in nb.cells[turn[0]].source
        scaffold, check = position("answer", ex), position("check", ex)
        assert turn[0] < scaffold < check
        assert "= ..." in nb.cells[scaffold].source  # the learner replaces the ... (unanswered until then)
        names = list(inspect.signature(ex.checker).parameters)
        assert nb.cells[check].source == f'sk.course.check("{ex.id}", {", ".join(f"{n}={n}" for n in names)})'
        assert len(ex.hints) >= 3
    checks_left = [c for c in nb.cells if "**Check yourself.**" in c.source]
    assert len(checks_left) == (1 if number == "03" else 0)  # 03's prediction-market check belongs to the market


def test_learner_walk_fixes_of_notebooks_01_and_02():
    text01 = "\n".join(c.source for c in cells("01"))
    assert "four transactions" not in text01 and "len(chain.gas_log)} transactions" in text01
    for function in ("addData", "refund", "report"):
        assert f'source_of("CollaborativeTrainer", "{function}")' in text01
    assert 'chain.events("ContributionAdded"' in text01 and 'chain.events("GoodDataCounted"' in text01
    assert "public forever" in text01 and "medical data" in text01
    text02 = "\n".join(c.source for c in cells("02"))
    assert "(the data\n  handler," not in text02 and "which is also the data handler" in text02


# -- source_of -------------------------------------------------------------------------------------------------

def test_source_of_prints_one_function_with_its_natspec():
    text = source_of("CollaborativeTrainer", "refund")
    assert text.startswith("/// @notice Claims back the deposit")
    assert "function refund(int64[] calldata x" in text and text.rstrip().endswith("}")
    assert "function report" not in text  # exactly one function
    assert text.count("{") == text.count("}")
    assert "sqrt(" in source_of("DepositRefundTake", "nextDeposit")  # the rule, in its NatSpec


def test_source_of_says_what_exists():
    with pytest.raises(ValueError, match="no function 'refnud'.*refund"):
        source_of("CollaborativeTrainer", "refnud")
    with pytest.raises(FileNotFoundError, match="no contract 'Nope'"):
        source_of("Nope", "refund")


# -- 01.1 A deposit by hand ------------------------------------------------------------------------------------

def deposit_by_hand(cost_weight, seconds):
    return cost_weight * 3600 // (math.isqrt(seconds) if seconds > 1 else 1)


def test_01_1_correct_rule_passes_hidden_checks(grading):
    result = evaluate("01.1", deposit_rule=deposit_by_hand)
    assert result.status == "correct"
    # the feedback shows the values compared, as the chain charged them
    assert f"cost_weight={10**14}, 600 s: {deposit_by_hand(10**14, 600):,} wei" in result.feedback
    assert f"{10**14 * 3600:,}" in result.feedback  # 3 waits x 2 cost weights visible, 5 x 2 hidden
    assert "in all 16 cases on chain" in result.feedback


@pytest.mark.parametrize("rule, phrase", [
    (lambda w, s: int(w * 3600 / math.sqrt(s)) if s > 1 else w * 3600, "integer square root, rounded down"),
    (lambda w, s: w * 3600 / math.isqrt(s) if s > 1 else w * 3600, "whole numbers of wei"),
    (lambda w, s: w * 60 // math.isqrt(s) if s > 1 else w * 60, "one hour counted in seconds"),
    (lambda w, s: w * 3600 // s if s > 1 else w * 3600, "square root of the wait"),
    (lambda w, s: w * 3600 // math.isqrt(s), "`elapsed > 1`"),  # divides by 0 or 1 for tiny waits
    (lambda w, s: None, "forget to `return`"),
    (42, "should be a function"),
])
def test_01_1_wrong_rules_get_specific_feedback(rule, phrase):
    assert_wrong(evaluate("01.1", deposit_rule=rule), phrase)


def test_01_1_hidden_checks_catch_a_lookup_table(grading, monkeypatch):
    seen = {(w, s): deposit_by_hand(w, s) for w in (10**14, 3 * 10**13 + 7) for s in (600, 7_200, 86_413, 0, 1)}
    lookup = lambda w, s: seen.get((w, s), 10**15)  # noqa: E731
    monkeypatch.delenv(GRADING_ENV)
    assert evaluate("01.1", deposit_rule=lookup).status == "correct"  # the visible cases alone pass
    monkeypatch.setenv(GRADING_ENV, "1")
    assert_wrong(evaluate("01.1", deposit_rule=lookup), "trainer.next_deposit() says")


# -- 01.2 Predict the take -------------------------------------------------------------------------------------

@pytest.fixture
def mallory_story():
    """Alice with 2 good contributions, Bob with 1, and one bad contribution of Mallory's, a day old."""
    chain = sk.Chain()
    incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                any_address_claim_wait=sk.days(9), cost_weight=10**14 + 1)
    trainer = sk.deploy(chain, sk.models.DensePerceptron.from_floats([10.0]), incentive, name="test")
    good = []
    for who in (chain.alice, chain.alice, chain.bob):
        chain.travel(hours=3)
        good.append(trainer.add_data([1.0], 1, sender=who))
    chain.travel(days=1)
    for c in good:
        trainer.refund(c, sender=c.contributor)
    chain.travel(minutes=7)
    bad = trainer.add_data([1.0], 0, sender=chain.mallory)
    chain.travel(days=1)
    return trainer, bad


def my_take(initial_deposit, good_reporter, good_total, claimable):
    share = initial_deposit * good_reporter // good_total
    return claimable if share == 0 or share > claimable else share


def test_01_2_correct_rule_passes_and_leaves_the_chain_alone(mallory_story, grading):
    trainer, bad = mallory_story
    before = trainer.contributions()
    result = evaluate("01.2", take_share=my_take, trainer=trainer, contribution=bad)
    assert result.status == "correct"
    alice = my_take(bad.deposit, 2, 3, bad.deposit)  # the values compared: Alice first, then Bob on what is left
    assert (f"alice (good data 2 of 3, deposit {bad.deposit:,} wei, {bad.deposit:,} wei left) took {alice:,} wei"
            in result.feedback)
    assert f"bob (good data 1 of 3, deposit {bad.deposit:,} wei, {bad.deposit - alice:,} wei left)" in result.feedback
    pd.testing.assert_frame_equal(trainer.contributions(), before)  # the reports ran inside a snapshot


@pytest.mark.parametrize("rule, phrase", [
    (lambda d, g, t, c: round(d * g / t), "rounds the division down"),
    (lambda d, g, t, c: d - d * g // t, "what stays behind"),
    (lambda d, g, t, c: d * g / t, "whole numbers of wei"),
])
def test_01_2_wrong_rules_get_specific_feedback(mallory_story, rule, phrase):
    trainer, bad = mallory_story
    assert_wrong(evaluate("01.2", take_share=rule, trainer=trainer, contribution=bad), phrase)


def test_01_2_hidden_checks_catch_the_rounding_case(mallory_story, grading, monkeypatch):
    trainer, bad = mallory_story
    plain = lambda d, g, t, c: d * g // t  # noqa: E731  right whenever the share neither rounds to 0 nor overdraws
    monkeypatch.delenv(GRADING_ENV)
    assert evaluate("01.2", take_share=plain, trainer=trainer, contribution=bad).status == "correct"
    monkeypatch.setenv(GRADING_ENV, "1")
    assert_wrong(evaluate("01.2", take_share=plain, trainer=trainer, contribution=bad), "a hidden case",
                 "what does the contract do then?")


# -- 01.3 Mallory near the boundary ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def boundary_story():
    from sklearn.linear_model import Perceptron

    data = sk.datasets.breast_cancer(seed=5)
    n = data.n_train // 10
    est = Perceptron(random_state=0).fit(data.X_train[:n], data.y_train[:n])
    chain = sk.Chain()
    trainer = sk.deploy(chain, sk.models.DensePerceptron.from_sklearn(est), sk.incentives.DepositRefundTake(
        refund_wait=sk.days(1), owner_claim_wait=sk.days(9), any_address_claim_wait=sk.days(9)), name="test")
    return dict(trainer=trainer, X_unused=data.X_train[n:], y_unused=data.y_train[n:], X_test=data.X_test,
                y_test=data.y_test)


def sureness(model, X):
    w, b = np.array(model.weights) / sk.encoding.SCALE, model.intercept / sk.encoding.SCALE
    return np.abs(X @ w + b) / ((X ** 2).sum(axis=1) + 1)


def pick_rows(model, X, y):
    right = np.flatnonzero(model.predict_many(X) == y)
    chosen = []
    for i in right[np.argsort(sureness(model, X)[right])]:
        trial = model.copy()
        for j in [*chosen, i]:
            trial.update(X[j], 1 - y[j])
        if all(trial.predict(X[j]) == 1 - y[j] for j in [*chosen, i]):
            chosen.append(int(i))
        if len(chosen) == 3:
            return chosen


def test_01_3_rows_near_the_boundary_get_every_refund(boundary_story, grading):
    result = evaluate("01.3", choose_rows=pick_rows, **boundary_story)
    assert result.status == "correct" and "all 3" in result.feedback and "test accuracy" in result.feedback
    assert boundary_story["trainer"].check_model() and not boundary_story["trainer"].contributions().size


def test_01_3_sure_rows_lose_their_deposits(boundary_story):
    def sure_rows(model, X, y):
        right = np.flatnonzero(model.predict_many(X) == y)
        return right[np.argsort(-sureness(model, X)[right])][:3]

    result = evaluate("01.3", choose_rows=sure_rows, **boundary_story)
    assert result.status == "wrong" and result.points == 0 and "0 of 3 deposits came back" in result.feedback
    assert "too far from the decision boundary" in result.feedback


@pytest.mark.parametrize("rows, phrase", [
    (lambda m, X, y: [0, 0, 1], "3 different row numbers"),
    (lambda m, X, y: [0, 1, 10**6], "positions in X"),
    (lambda m, X, y: "abc", "3 row numbers"),
    (lambda m, X, y: np.flatnonzero(m.predict_many(X) != y)[:3], "already gets rows"),
])
def test_01_3_bad_choices_get_specific_feedback(boundary_story, rows, phrase):
    assert_wrong(evaluate("01.3", choose_rows=rows, **boundary_story), phrase)


def test_01_3_hidden_checks_catch_hard_coded_rows(boundary_story, grading, monkeypatch):
    fixed = pick_rows(boundary_story["trainer"].model, boundary_story["X_unused"], boundary_story["y_unused"])
    monkeypatch.delenv(GRADING_ENV)
    assert evaluate("01.3", choose_rows=lambda m, X, y: fixed, **boundary_story).status == "correct"
    monkeypatch.setenv(GRADING_ENV, "1")
    result = evaluate("01.3", choose_rows=lambda m, X, y: fixed, **boundary_story)
    assert result.status == "partial" and result.points == 2 and "On another model" in result.feedback


# -- 02.1 A model for a budget ---------------------------------------------------------------------------------

TABLE = pd.DataFrame({"chain accuracy": [0.972, 0.963, 0.944, 0.954, 0.954],
                      "deploy gas": [2_592_263, 2_877_101, 3_036_458, 3_029_517, 3_069_798],
                      "update gas": [234_559, 130_998, 122_978, 211_164, 109_509]},
                     index=["DensePerceptron", "SparsePerceptron", "NaiveBayes", "NearestCentroid",
                            "SparseNearestCentroid"])


def cheapest(table, n_updates, min_accuracy):
    ok = table[table["chain accuracy"] >= min_accuracy]
    return None if ok.empty else (ok["deploy gas"] + n_updates * ok["update gas"]).idxmin()


def test_02_1_correct_choice_passes_hidden_tables(grading):
    result = evaluate("02.1", pick_model=cheapest, table=TABLE)
    assert result.status == "correct"
    life = TABLE["deploy gas"] + 1_000 * TABLE["update gas"]  # the numbers compared, for 1,000 updates
    assert (f"for 1,000 updates and min_accuracy=0.0: {life.idxmin()}, {life.min():,} gas over its life"
            in result.feedback)


@pytest.mark.parametrize("pick, phrase", [
    (lambda t, n, a: t[t["chain accuracy"] >= a]["update gas"].idxmin() if (t["chain accuracy"] >= a).any() else None,
     "cheapest update, but with so few updates"),
    (lambda t, n, a: t[t["chain accuracy"] >= a]["deploy gas"].idxmin() if (t["chain accuracy"] >= a).any() else None,
     "cheapest to deploy, but with so many updates"),
    (lambda t, n, a: (t["deploy gas"] + n * t["update gas"]).idxmin(), "below the bar"),
    (lambda t, n, a: "DensePerceptron", "another model that reaches the accuracy costs"),
    (lambda t, n, a: 3, "return a model's name"),
])
def test_02_1_wrong_choices_get_specific_feedback(pick, phrase):
    assert_wrong(evaluate("02.1", pick_model=pick, table=TABLE), phrase)


def test_02_1_none_when_nothing_is_accurate_enough():
    always = lambda t, n, a: cheapest(t, n, a) or "SparseNearestCentroid"  # noqa: E731
    assert_wrong(evaluate("02.1", pick_model=always, table=TABLE), "no model reaches that accuracy: return None")


def test_02_1_hidden_tables_catch_a_lookup(grading, monkeypatch):
    answers = {}

    def record(t, n, a):
        answers[(n, a)] = cheapest(t, n, a)
        return answers[(n, a)]

    monkeypatch.delenv(GRADING_ENV)
    assert evaluate("02.1", pick_model=record, table=TABLE).status == "correct"
    lookup = lambda t, n, a: answers.get((n, a), "DensePerceptron")  # noqa: E731
    assert evaluate("02.1", pick_model=lookup, table=TABLE).status == "correct"
    monkeypatch.setenv(GRADING_ENV, "1")
    assert evaluate("02.1", pick_model=lookup, table=TABLE).status == "wrong"


# -- 02.2 Scores in log space ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def topics():
    from sklearn.naive_bayes import MultinomialNB

    rng = np.random.default_rng(0)
    words = [rng.dirichlet(np.ones(400)) for _ in range(2)]
    docs = [sorted(set(rng.choice(400, size=600, p=words[t]).tolist())) for t in (0, 1) * 30]
    nb = MultinomialNB().fit(sk.datasets.to_binary_matrix(docs, 400), [0, 1] * 30)
    return nb, docs


def log_scores(nb, doc):
    return nb.class_log_prior_ + nb.feature_log_prob_[:, doc].sum(axis=1)


def test_02_2_log_scores_pass_hidden_documents(topics, grading):
    nb, docs = topics
    result = evaluate("02.2", score_classes=log_scores, nb=nb, docs=docs)
    assert result.status == "correct" and f"on {len(docs) + 15} documents (largest difference" in result.feedback
    first = np.round(log_scores(nb, docs[0]), 3).tolist()
    assert f"a document of {len(docs[0])} words: yours {first}" in result.feedback


@pytest.mark.parametrize("score, phrase", [
    (lambda nb, d: np.log(np.exp(nb.class_log_prior_) * np.exp(nb.feature_log_prob_[:, d]).prod(axis=1)), "-inf"),
    (lambda nb, d: nb.feature_log_prob_[:, d].sum(axis=1), "miss the class prior"),
    (lambda nb, d: 2 * nb.class_log_prior_ + nb.feature_log_prob_[:, d].sum(axis=1), "prior log P(c) twice"),
    (lambda nb, d: nb.class_log_prior_ + nb.feature_log_prob_[:, d].mean(axis=1), "sum log P(j | c)"),
    (lambda nb, d: log_scores(nb, d)[:1], "one log score per class"),
    (lambda nb, d: None, "forget to `return`"),
])
def test_02_2_wrong_scores_get_specific_feedback(topics, score, phrase):
    nb, docs = topics
    with np.errstate(divide="ignore"):
        assert_wrong(evaluate("02.2", score_classes=score, nb=nb, docs=docs), phrase)


def test_02_2_hidden_documents_catch_a_lookup(topics, grading, monkeypatch):
    nb, docs = topics
    table = {tuple(d): log_scores(nb, d) for d in docs}
    lookup = lambda nb, d: table[tuple(d)]  # noqa: E731
    monkeypatch.delenv(GRADING_ENV)
    assert evaluate("02.2", score_classes=lookup, nb=nb, docs=docs).status == "correct"
    monkeypatch.setenv(GRADING_ENV, "1")
    assert evaluate("02.2", score_classes=lookup, nb=nb, docs=docs).status == "error"  # KeyError, reported


# -- 03.1 A cost weight that pays for the gas ------------------------------------------------------------------

def test_03_1_a_weight_with_margin_passes_every_split(grading):
    result = evaluate("03.1", cost_weight=13 * 10**14)
    assert result.status == "correct"
    net = sk.course.nb03._play_for_money(13 * 10**14, seed=5)  # cached: the balances the check measured
    for name in ("alice", "bob", "mallory"):
        assert f"{name} {sk.course.nb03._signed(net[name])}" in result.feedback


@pytest.mark.parametrize("weight, phrase", [
    (2 * 10**14, "honest contributors end behind"),
    (3 * 10**15, "more than the 0.1 ether"),
    (1.5e15, "a whole number"),
    (-5, "positive"),
])
def test_03_1_wrong_weights_get_specific_feedback(weight, phrase):
    assert_wrong(evaluate("03.1", cost_weight=weight), phrase)


def test_03_1_hidden_splits_catch_a_weight_without_margin(grading, monkeypatch):
    monkeypatch.delenv(GRADING_ENV)
    assert evaluate("03.1", cost_weight=45 * 10**13).status == "correct"  # just enough for the notebook's story
    monkeypatch.setenv(GRADING_ENV, "1")
    result = evaluate("03.1", cost_weight=45 * 10**13)
    assert result.status == "partial" and result.points == 1 and "not with a margin" in result.feedback


# -- 03.2 The owner before the free rider ----------------------------------------------------------------------

def test_03_2_a_wait_between_the_turns_passes_every_hour(grading):
    result = evaluate("03.2", owner_claim_wait=sk.days(5))
    assert result.status == "correct" and "on 28 contributions" in result.feedback
    hours = [15] + [sk.course.nb03.sweep_hour(seed, n) for n, seed in enumerate(sk.course.nb03.SWEEP_SEEDS)]
    swept = [h for hour in hours for h in sk.course.nb03._sweep_story(sk.days(5), hour)[1]]
    assert f"the owner's sweep came {min(swept)} to {max(swept)} hours after" in result.feedback


@pytest.mark.parametrize("wait, phrase", [
    (sk.days(2), "the owner swept the whole deposit before Alice"),
    (sk.days(9), "Carol, who never sent any data, took"),
    (sk.days(1), "order of waits"),
    (sk.days(2) - 1, "refund window"),  # issue 19, finding 6: a refund window shorter than refund_wait
    (sk.days(15), "order of waits"),
    (2.5, "a whole number"),
])
def test_03_2_wrong_waits_get_specific_feedback(wait, phrase):
    assert_wrong(evaluate("03.2", owner_claim_wait=wait), phrase)


def test_03_2_hidden_hours_catch_a_wait_that_fits_one_schedule(grading, monkeypatch):
    monkeypatch.delenv(GRADING_ENV)
    assert evaluate("03.2", owner_claim_wait=sk.days(3)).status == "correct"  # right for contributions at 15:00
    monkeypatch.setenv(GRADING_ENV, "1")
    assert_wrong(evaluate("03.2", owner_claim_wait=sk.days(3)), "before Alice")
