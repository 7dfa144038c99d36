"""The exercises of notebooks 04, 06 and 08 (sumkit.course.nb04, nb06, nb08), checker by checker: the reference
answer (notebooks/solutions/answers/NN.py) is correct, typical wrong answers get specific feedback, ``...`` is
"not answered yet", and the hidden checks (SUMKIT_GRADING=1) catch an answer hard-coded for the visible case."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest

import sumkit as sk
from sumkit import course, sim
from sumkit.course import build, nb04, nb06, nb08
from tests.answers import reference_answers

ANSWERS = build.ANSWERS


def answers(notebook: str) -> dict[str, object]:
    """The names each reference answer defines, run in a notebook-like namespace."""
    return reference_answers(notebook, sim=sim)


@pytest.fixture
def grading(monkeypatch):
    monkeypatch.setenv(course.GRADING_ENV, "1")


def test_answer_files_have_one_section_per_exercise():
    for notebook in ("04", "06", "08"):
        sections = re.findall(r"^# %% (\d\d\.\d+)$", (ANSWERS / f"{notebook}.py").read_text(), flags=re.M)
        assert sections == [e.id for e in course.exercises(notebook)]


@pytest.mark.parametrize("id, name", [("04.1", "near_boundary"), ("04.2", "MyAttacker"), ("06.1", "add_cheaply"),
                                      ("06.2", "take_from_mallory"), ("08.1", "choose_model"),
                                      ("08.2", "design")])
def test_unanswered_is_not_answered_yet(id, name):
    result = course.evaluate(id, **{name: ...})
    assert result.status == "not answered" and "not answered yet" in result.feedback and result.points == 0


@pytest.mark.parametrize("id", ["04.1", "04.2", "06.1", "06.2", "08.1", "08.2"])
def test_hints_come_one_at_a_time(id, capsys):
    ex = course.get(id)
    ex.hints_shown = 0
    first = course.hint(id)
    assert first.startswith(f"Hint 1/{len(ex.hints)}") and len(ex.hints) >= 3
    assert ex.hints[1] not in first
    ex.hints_shown = 0


# -- 04.1 --------------------------------------------------------------------------------------------------
def static_nearest(model, X, y, n):
    """The rows nearest the boundary, all chosen before Mallory sends any: her first row moves the model."""
    w, b = np.array(model.weights) / sk.encoding.SCALE, model.intercept / sk.encoding.SCALE
    closeness = np.abs(X @ w + b) / ((X**2).sum(axis=1) + 1)
    right = np.flatnonzero(model.predict_many(X) == y)
    return right[np.argsort(closeness[right])][:n]


def farthest(model, X, y, n):
    """Notebook 01's choice: the rows the model is surest about."""
    w, b = np.array(model.weights) / sk.encoding.SCALE, model.intercept / sk.encoding.SCALE
    closeness = np.abs(X @ w + b) / ((X**2).sum(axis=1) + 1)
    right = np.flatnonzero(model.predict_many(X) == y)
    return right[np.argsort(-closeness[right])][:n]


def test_04_1_reference_gets_every_deposit_back_and_damages_the_model():
    played = nb04.boundary_attack(answers("04")["near_boundary"])
    assert played["changed"] == [True] * 3 and played["refunded"] == [True] * 3
    # the numbers the notebook's prose states after the exercise
    assert round(played["accuracy_before"], 3) == 0.889 and round(played["accuracy_after"], 3) == 0.573
    result = course.evaluate("04.1", near_boundary=answers("04")["near_boundary"])
    assert result.status == "correct"  # and its feedback says what it measured: refunds and accuracy
    assert "3/3 deposits refunded" in result.feedback
    assert f"{sk.format_ether(sum(played['deposits']))} of {sk.format_ether(sum(played['deposits']))} back" in result.feedback
    assert "test accuracy 0.889 before Mallory, 0.573 after her refunds" in result.feedback


def test_04_1_rows_far_from_the_boundary_lose_their_deposits():
    result = course.evaluate("04.1", near_boundary=farthest)
    assert result.status in ("partial", "wrong") and result.points < 2
    assert "ModelDisagrees" in result.feedback and "too far from the boundary" in result.feedback


def test_04_1_rows_chosen_all_at_once_do_no_damage_after_the_first():
    result = course.evaluate("04.1", near_boundary=static_nearest)
    assert result.status == "partial" and result.points == 2
    assert "did not learn from it" in result.feedback and "earlier rows moved it" in result.feedback


@pytest.mark.parametrize("rows, message", [([1, 2], "exactly n = 3"), ([1, 1, 2], "same row twice"),
                                           ([0, 1, 10_000], "positions in X_pool"), (None, "returned None")])
def test_04_1_bad_return_values_say_what_is_expected(rows, message):
    result = course.evaluate("04.1", near_boundary=lambda model, X, y, n: rows)
    assert result.status == "wrong" and message in result.feedback


def test_04_1_hidden_splits_catch_hard_coded_rows(grading):
    rows = nb04.boundary_attack(answers("04")["near_boundary"])["rows"]
    result = course.evaluate("04.1", near_boundary=lambda model, X, y, n: rows)
    assert result.status != "correct" and "hidden check" in result.feedback
    assert course.evaluate("04.1", near_boundary=answers("04")["near_boundary"]).status == "correct"


# -- 04.2 --------------------------------------------------------------------------------------------------
@dataclass(eq=False, repr=False)
class Truthful(sim.LabelFlipper):
    def choose(self, simulation, rng):
        return simulation.draw(rng)


def test_04_2_reference_loses_less_per_wrong_label_than_the_label_flipper():
    result = course.evaluate("04.2", MyAttacker=answers("04")["MyAttacker"])
    assert result.status == "correct", result.feedback
    adds, per_label = nb04._loss_per_label(nb04._flipper_run(nb04.AGENT_SEEDS[0]))  # cached: the run it compared
    assert f"the LabelFlipper, same seed, lost {per_label:.1f} per label ({adds} labels)" in result.feedback
    mine = re.search(r"it added (\d+) wrong labels and lost (-?[\d.]+) units per label", result.feedback)
    assert mine and float(mine.group(2)) < per_label and "accuracy " in result.feedback


def test_04_2_a_plain_label_flipper_is_not_enough():
    result = course.evaluate("04.2", MyAttacker=sim.LabelFlipper)
    assert result.status == "partial" and result.points == 1 and "does not lose less per label" in result.feedback


def test_04_2_true_labels_and_non_agents_are_refused():
    assert "TRUE label" in course.evaluate("04.2", MyAttacker=Truthful).feedback
    assert "subclasses sim.LabelFlipper" in course.evaluate("04.2", MyAttacker=sim.LabelFlipper("x")).feedback


# -- 06.1 --------------------------------------------------------------------------------------------------
def adds_every(seconds):
    def add(panel, budget, deadline):
        panel.account.value = panel.chain.mallory
        for _ in range(3):
            if seconds:
                panel.wait.value = seconds
                panel.travel_button.click()
            panel.add_button.click()
    return add


def test_06_1_reference_is_correct_on_every_case(grading):
    result = course.evaluate("06.1", add_cheaply=answers("06")["add_cheaply"])
    assert result.status == "correct"
    # one measurement per case: the three deposits against the budget, the last add's time against the deadline
    assert result.feedback.count("(budget ") == 1 + len(nb06.CHEAP_SEEDS)
    assert f"(budget {sk.format_ether(nb06.CHEAP_CASE[1])}), the third " in result.feedback
    assert re.search(r"deposits [\d.]+ ETH, [\d.]+ ETH, [\d.]+ ETH = [\d.]+ ETH", result.feedback)


def test_06_1_adding_at_once_is_over_budget():
    result = course.evaluate("06.1", add_cheaply=adds_every(0))
    assert result.status == "partial" and "over budget" in result.feedback


def test_06_1_waiting_a_day_misses_the_deadline():
    result = course.evaluate("06.1", add_cheaply=adds_every(sk.days(1)))
    assert result.status == "wrong" and "deadline" in result.feedback


def test_06_1_other_accounts_and_missing_adds_are_named():
    assert "exactly 3" in course.evaluate("06.1", add_cheaply=lambda panel, budget, deadline: None).feedback

    def as_alice(panel, budget, deadline):
        panel.account.value = panel.chain.alice
        panel.add_button.click()
    assert "only Mallory adds" in course.evaluate("06.1", add_cheaply=as_alice).feedback


def test_06_1_hidden_cases_catch_a_fixed_wait(monkeypatch):
    assert course.evaluate("06.1", add_cheaply=adds_every(3600)).status == "correct"  # right for the visible case
    monkeypatch.setenv(course.GRADING_ENV, "1")
    result = course.evaluate("06.1", add_cheaply=adds_every(3600))
    assert result.status != "correct" and "hidden check" in result.feedback


# -- 06.2 --------------------------------------------------------------------------------------------------
def take_without_good_data(panel):
    panel.account.value = panel.chain.mallory
    panel.label.value = 1 - panel.y[0]
    panel.add_button.click()
    panel.wait.value = sk.days(1)
    panel.travel_button.click()
    panel.account.value = panel.chain.alice
    panel.report_button.click()


def test_06_2_reference_takes_on_every_split(grading):
    result = course.evaluate("06.2", take_from_mallory=answers("06")["take_from_mallory"])
    assert result.status == "correct"
    panel = _played(answers("06")["take_from_mallory"], nb06.TAKE_SPLITS[0])  # the visible case, replayed
    taken = panel.history.query("action == 'report' and account == 'alice'").amount.sum()
    assert f"Alice's report took {sk.format_ether(int(taken))} (1 report(s) paid" in result.feedback


def test_06_2_a_refused_take_names_the_contract_error():
    result = course.evaluate("06.2", take_from_mallory=take_without_good_data)
    assert result.status == "partial" and result.points == 1 and "refused (NoGoodData)" in result.feedback


def test_06_2_without_a_wrong_label_there_is_nothing_to_take():
    def honest_mallory(panel):
        panel.account.value = panel.chain.mallory
        panel.add_button.click()  # the true label is preselected
    result = course.evaluate("06.2", take_from_mallory=honest_mallory)
    assert result.status == "wrong" and "WRONG label" in result.feedback


def test_06_2_hidden_splits_catch_hard_coded_samples(grading):
    """Samples chosen for the visible split (Mallory's the first the model stays sure about there) are not
    right on every other split: the grader's hidden splits notice."""
    panel = nb06.fresh_panel(0)
    model = panel.trainer.model
    agrees = [i for i in range(len(panel.y)) if model.predict(panel.rows[i]) == panel.y[i]]
    fixed = {"alice": agrees[0], "mallory": None}

    def hard_coded(panel):  # the reference's clicks, with samples fixed for split 0
        panel.account.value = panel.chain.alice
        panel.sample.value = fixed["alice"]
        panel.add_button.click()
        alice = panel.contribution.value
        panel.account.value = panel.chain.mallory
        panel.sample.value = fixed["mallory"]
        panel.label.value = 1 - panel.y[fixed["mallory"]]
        panel.add_button.click()
        mallory = panel.contribution.value
        panel.wait.value = sk.days(1)
        panel.travel_button.click()
        panel.account.value = panel.chain.alice
        panel.contribution.value = alice
        panel.refund_button.click()
        panel.contribution.value = mallory
        panel.report_button.click()

    # on split 0, a sample the model stays sure about; pick the one that fails on a hidden split
    for i in agrees[1:]:
        m = model.copy()
        m.update(panel.rows[i], 1 - panel.y[i])
        if m.predict(panel.rows[i]) != panel.y[i]:
            continue
        fixed["mallory"] = i
        visible = nb06._take_problem(_played(hard_coded, 0))
        if visible[1] is None and any(nb06._take_problem(_played(hard_coded, s))[1] for s in nb06.TAKE_SPLITS[1:]):
            break
    else:
        pytest.fail("every fixed choice of samples works on every split: the hidden check cannot tell")
    result = course.evaluate("06.2", take_from_mallory=hard_coded)
    assert result.status != "correct" and "hidden check" in result.feedback


def _played(function, seed):
    panel = nb06.fresh_panel(seed)
    function(panel)
    return panel


# -- 08.1 --------------------------------------------------------------------------------------------------
def test_08_1_reference_scores_every_point_with_its_measurements():
    result = course.evaluate("08.1", choose_model=answers("08")["choose_model"])
    assert result.status == "correct" and result.points == 3, result.feedback
    assert result.feedback.count("✔") == 3 and "on-chain test accuracy" in result.feedback
    assert "mean addData gas" in result.feedback


def test_08_1_measures_on_chain():
    outcome = nb08.model_trial(answers("08")["choose_model"], seed=0)
    sklearn_accuracy, bar = nb08.sklearn_bar(0)
    assert outcome.sklearn_accuracy == sklearn_accuracy and bar == pytest.approx(sklearn_accuracy - nb08.MODEL_MARGIN)
    assert outcome.accuracy >= bar and 0 < outcome.gas_per_add <= nb08.GAS_BUDGET


def test_08_1_a_scikit_learn_estimator_is_told_to_use_from_sklearn():
    from sklearn.linear_model import LogisticRegression

    result = course.evaluate("08.1", choose_model=lambda X, y: LogisticRegression().fit(X, y))
    assert result.status == "wrong" and result.points == 0
    assert "LogisticRegression" in result.feedback and "from_sklearn" in result.feedback


def test_08_1_wrong_models_get_specific_feedback():
    from sklearn.linear_model import Perceptron

    def few_features(X, y):
        return sk.models.DensePerceptron.from_sklearn(Perceptron(random_state=0).fit(X[:, :4], y))

    assert "expects 4 features but the diabetes rows have 10" in course.evaluate("08.1", choose_model=few_features).feedback
    assert "must be a function" in course.evaluate("08.1", choose_model=42).feedback
    assert "must return a sumkit model" in course.evaluate("08.1", choose_model=lambda X, y: "perceptron").feedback


def test_08_1_a_model_that_cannot_generalise_loses_the_accuracy_point_and_is_told_the_bar():
    from sklearn.linear_model import Perceptron

    def one_row_per_class(X, y):  # fitted on two rows only
        rows = [int(np.argmax(y == 0)), int(np.argmax(y == 1))]
        return sk.models.DensePerceptron.from_sklearn(Perceptron(random_state=0).fit(X[rows], y[rows]))

    outcome = nb08.model_trial(one_row_per_class, seed=0)
    result = course.evaluate("08.1", choose_model=one_row_per_class)
    assert outcome.accuracy < outcome.bar  # measured, so the claim below is about a model that really is poor
    assert result.status == "partial" and result.points == 2
    assert f"on-chain test accuracy {outcome.accuracy:.3f}, bar {outcome.bar:.3f}" in result.feedback
    assert "✘ accuracy" in result.feedback and "generalise" in result.feedback


def test_08_1_grading_catches_a_model_fitted_elsewhere(grading):
    """A model fitted once on the visible split (train and test rows) and returned whatever the input: the hidden
    splits permute the features, so it loses the accuracy point there."""
    from sklearn.linear_model import Perceptron

    X_train, X_test, y_train, y_test = nb08.diabetes(0)
    fixed = sk.models.DensePerceptron.from_sklearn(
        Perceptron(random_state=0).fit(np.vstack([X_train, X_test]), np.concatenate([y_train, y_test])))
    result = course.evaluate("08.1", choose_model=lambda X, y: fixed)
    assert result.status == "partial" and result.points == 2
    assert "hidden check" in result.feedback and "✘ accuracy" in result.feedback


def test_08_1_grading_passes_a_model_fitted_on_what_it_is_given(grading):
    result = course.evaluate("08.1", choose_model=answers("08")["choose_model"])
    assert result.status == "correct", result.feedback


# -- 08.2 --------------------------------------------------------------------------------------------------
def test_08_2_reference_meets_every_criterion():
    result = course.evaluate("08.2", design=answers("08")["design"])
    assert result.status == "correct", result.feedback
    assert result.feedback.count("✔") == 4


def naive(chain, X, y):
    from sklearn.linear_model import Perceptron

    model = sk.models.DensePerceptron.from_sklearn(Perceptron(random_state=0).fit(X, y))
    incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                any_address_claim_wait=sk.days(9), cost_weight=10**14)
    return sk.deploy(chain, model, incentive)


def test_08_2_a_price_nobody_can_pay_gets_partial_credit_with_advice():
    def too_expensive(chain, X, y):
        from sklearn.linear_model import Perceptron

        model = sk.models.DensePerceptron.from_sklearn(Perceptron(random_state=0).fit(X, y), learning_rate=0.01)
        incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                    any_address_claim_wait=sk.days(9), cost_weight=sk.ether(1))
        return sk.deploy(chain, model, incentive)

    result = course.evaluate("08.2", design=too_expensive)
    assert result.status == "partial" and result.points == 1  # only the accuracy is kept: nobody could add
    assert "✔ accuracy kept" in result.feedback
    assert "✘ honest ahead" in result.feedback and "can they afford the deposit" in result.feedback
    assert "✘ attackers behind" in result.feedback and "✘ gas per contribution" in result.feedback
    assert "over 0 contributions" in result.feedback


def test_08_2_designs_that_cannot_be_simulated_are_refused():
    def own_chain(chain, X, y):
        return naive(sk.Chain(), X, y)

    assert "on the chain it is given" in course.evaluate("08.2", design=own_chain).feedback
    assert "sk.deploy gave you" in course.evaluate("08.2", design=lambda chain, X, y: None).feedback
    assert "must be a function" in course.evaluate("08.2", design=42).feedback


def test_08_2_grading_runs_the_hidden_seeds(grading, monkeypatch):
    seen = []

    def trial(design, seed=0, progress=False):
        seen.append(seed)
        ok = seed == 0  # a design that only works on the visible seed
        return nb08.CapstoneOutcome(None, 1.0, {name: (ok, "measured") for name in nb08.ADVICE})

    monkeypatch.setattr(nb08, "capstone_trial", trial)
    result = course.evaluate("08.2", design=naive)
    assert seen == list(nb08.SEEDS) and result.points == 0 and "hidden check" in result.feedback


# -- sim: the contributions of a run ---------------------------------------------------------------------------
def test_simulation_result_lists_its_contributions():
    trainer, _, pool, test = nb04._deploy(0, 0.08, 0.01, round(sim.UNIT * 0.5))
    result = sim.Simulation(trainer, [sim.Honest("good"), sim.LabelFlipper("bad")], data=pool, test=test, days=1,
                            settle_days=1, seed=0, progress=False).run()
    adds = result.events[(result.events.action == "add") & result.events.error.isna()]
    assert len(result.contributions) == len(adds) > 0
    assert [c.deposit for c in result.contributions] == list(adds.amount)
    bad = [c for c in result.contributions if trainer.chain.name_of(c.contributor) == "bad"]
    assert bad and all(isinstance(c, sk.Contribution) for c in bad)
