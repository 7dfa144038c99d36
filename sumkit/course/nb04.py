"""Exercises of notebook 04 (attack and defend): attacks that Deposit, Refund and Take does not stop.

Each checker replays the learner's answer on a fresh chain of its own (real transactions), so a result
cannot be typed in; under the grader it replays it on other data splits and seeds too.

>>> from sumkit.course import nb04
>>> nb04.boundary_attack(lambda model, X, y, n: [0, 1, 2])["refunded"]   # doctest: +SKIP
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from . import Partial, Wrong, exercise, variant_seeds

# 04.1: notebook 01's deployment (a perceptron trained on 10% of the training split, learning rate 1).
BOUNDARY_SPLITS = (0, 1, 2)  # data splits (seeds of sk.datasets.breast_cancer); the first is the visible one
MALLORY_ROWS = 3
# 04.2: this notebook's deployment (8% of the training split, learning rate 0.01, the paper's agents at PACE 6).
AGENT_SEEDS = (1, 2, 3)  # simulation seeds; the first is the visible one
AGENT_POOL = (*range(10, 25), 26, 27, *range(29, 34))  # what a grading secret draws from: the reference solution passes on each (measured 2026-12-06, seeds 10-33 tried)
AGENT_PACE = 6
AGENT_DAYS = 2
MIN_WRONG_LABELS = 3


def _deploy(seed: int, fraction: float, learning_rate: float, cost_weight: int) -> tuple[Any, Any, tuple, tuple]:
    """A fresh chain with a breast-cancer perceptron (trained off chain on ``fraction`` of the training split)
    under Deposit, Refund and Take; returns the trainer, the data set, the pool and the test set."""
    from sklearn.linear_model import Perceptron

    import sumkit as sk

    data = sk.datasets.breast_cancer(seed=seed)
    n_start = round(fraction * data.n_train)
    estimator = Perceptron(random_state=0).fit(data.X_train[:n_start], data.y_train[:n_start])
    model = sk.models.DensePerceptron.from_sklearn(estimator, learning_rate=learning_rate)
    incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                any_address_claim_wait=sk.days(9), cost_weight=cost_weight)
    trainer = sk.deploy(sk.Chain(), model, incentive, name="breast cancer")
    pool = (data.X_train[n_start:], data.y_train[n_start:])
    return trainer, data, pool, (data.X_test, data.y_test)


# -- 04.1 --------------------------------------------------------------------------------------------------
def boundary_attack(pick: Callable[..., Any], seed: int = 0) -> dict[str, Any]:
    """Mallory's attack of notebook 01, on the rows ``pick(model, X_pool, y_pool, 3)`` chooses: she sends each
    with its label flipped, 10 minutes apart, waits the refund day and asks for every deposit back.

    Returns the rows, whether each changed the model, which were refunded, and the test accuracy before and
    after (measured by the on-chain model's mirror, bit-exact with the contract).
    """
    import sumkit as sk

    trainer, data, (X_pool, y_pool), (X_test, y_test) = _deploy(seed, 0.1, 1.0, 10**14)
    chain = trainer.chain
    rows = pick(trainer.model.copy(), X_pool.copy(), y_pool.copy(), MALLORY_ROWS)
    rows = _check_rows(rows, len(y_pool))
    accuracy_before = float(np.mean(trainer.model.predict_many(X_test) == y_test))
    contributions, changed = [], []
    for i in rows:
        chain.travel(minutes=10)
        before = list(trainer.model.weights)
        contributions.append(trainer.add_data(X_pool[i], 1 - y_pool[i], sender=chain.mallory))
        changed.append(trainer.model.weights != before)
    chain.travel(days=1)
    refunded = []
    for c in contributions:
        try:
            refunded.append(trainer.refund(c, sender=chain.mallory) == c.deposit)
        except sk.Reverted:
            refunded.append(False)
    accuracy_after = float(np.mean(trainer.model.predict_many(X_test) == y_test))
    return {"rows": rows, "changed": changed, "refunded": refunded, "deposits": [c.deposit for c in contributions],
            "accuracy_before": accuracy_before, "accuracy_after": accuracy_after}


def _ether_of(outcome: dict[str, Any]) -> str:
    """The deposits refunded, in ether, out of all Mallory paid."""
    from ..plumbing.units import format_ether

    back = sum(d for d, ok in zip(outcome["deposits"], outcome["refunded"]) if ok)
    return f"{format_ether(back)} of {format_ether(sum(outcome['deposits']))} back"



def _check_rows(rows: Any, n_pool: int) -> list[int]:
    if rows is None:
        raise Wrong("near_boundary returned None: end it with `return` and the list of row numbers")
    try:
        rows = [int(r) for r in np.asarray(rows).ravel()]
    except (TypeError, ValueError):
        raise Wrong(f"near_boundary must return {MALLORY_ROWS} row numbers of X_pool (ints), got {rows!r}") from None
    if len(rows) != MALLORY_ROWS:
        raise Wrong(f"near_boundary must return exactly n = {MALLORY_ROWS} row numbers, got {len(rows)}")
    if len(set(rows)) != len(rows):
        raise Wrong(f"near_boundary returned the same row twice ({rows}): Mallory sends {MALLORY_ROWS} different rows")
    if not all(0 <= r < n_pool for r in rows):
        raise Wrong(f"near_boundary returned {rows}: rows must be positions in X_pool, from 0 to {n_pool - 1}")
    return rows


@exercise(
    "04.1",
    title="Near the boundary: Mallory gets her deposits back",
    points=3,
    hints=[
        "The model's score for a row x is w·x + b (weights and intercept over sk.encoding.SCALE); the boundary is "
        "score 0. A perceptron update with Mallory's flipped label moves that score by |x|² + 1 toward her side "
        "(learning rate 1). Rows the model gets right with a small |score| compared to |x|² + 1 flip.",
        "Mallory sends her rows one after the other, and each one she sends moves the model. A row that her "
        "earlier rows already flipped is one the model now labels her way: it does not update, so it does no "
        "damage. Simulate her on a copy: `m = model.copy(); m.update(X[i], 1 - y[i])`, and pick the next row with m.",
        "The contract judges data by the model's own opinion a day later. Mallory wins when each of her wrong "
        "labels is just enough to make the model agree with it, and her later rows keep it agreeing.",
    ],
)
def _near_boundary(near_boundary: Callable[..., Any]) -> Partial | None:
    if not callable(near_boundary):
        raise Wrong("near_boundary must be a function near_boundary(model, X, y, n), "
                    f"got {type(near_boundary).__name__}")
    if len(inspect.signature(near_boundary).parameters) < 4:
        raise Wrong("near_boundary must take four arguments: (model, X, y, n)")
    seeds = variant_seeds("04.1", BOUNDARY_SPLITS, pool=range(10, 34))
    worst: tuple[float, str] | None = None
    for seed in seeds:
        outcome = boundary_attack(near_boundary, seed)
        points, message = _score_boundary(outcome)
        if seed != seeds[0]:
            message = f"on another data split (hidden check, seed {seed}): {message}"
        if worst is None or points < worst[0]:
            worst = (points, message)
    assert worst is not None
    return Partial(*worst)  # full marks too: the feedback says what was measured


def _score_boundary(outcome: dict[str, Any]) -> tuple[float, str]:
    rows, changed, refunded = outcome["rows"], outcome["changed"], outcome["refunded"]
    damage = (f"test accuracy {outcome['accuracy_before']:.3f} before Mallory, "
              f"{outcome['accuracy_after']:.3f} after her refunds")
    problems = []
    idle = [r for r, c in zip(rows, changed) if not c]
    if idle:
        problems.append(
            f"row(s) {idle}: the model already gave Mallory's wrong label when she sent it, so it did not learn from "
            "it (no damage, and a refund she did not need to earn): choose rows the model gets right at the moment "
            "she sends them (her earlier rows moved it)")
    kept = [r for r, ok in zip(rows, refunded) if not ok]
    if kept:
        problems.append(
            f"row(s) {kept}: a day later the model still disagreed with her label, so the refund was refused "
            "(ModelDisagrees): too far from the boundary for one update, or moved back by her later rows")
    points = (1.0 if not idle else 0.0) + 2.0 * sum(refunded) / len(rows)
    if not problems:
        return 3.0, (f"{len(rows)}/{len(rows)} deposits refunded ({_ether_of(outcome)}) and every row changed the "
                     f"model; {damage}")
    return points, f"{sum(refunded)}/{len(rows)} deposits refunded ({_ether_of(outcome)}); " + "; ".join(problems) + f" ({damage})"


# -- 04.2 --------------------------------------------------------------------------------------------------
def agent_trial(agent_class: type, seed: int = 1) -> dict[str, Any]:
    """Run this notebook's good agent against an attacker of ``agent_class`` for two days plus a day of claims,
    and (on the same seed) against a plain ``sim.LabelFlipper``; returns both results and every (sample, label)
    the attacker chose."""
    chosen: list[tuple[Any, Any]] = []
    result, pool = _attack_run(agent_class, seed, chosen)
    return {"mine": {"result": result, "chosen": chosen, "pool": pool}, "flipper": {"result": _flipper_run(seed)}}


@functools.lru_cache(maxsize=None)
def _flipper_run(seed: int) -> Any:
    from sumkit import sim

    return _attack_run(sim.LabelFlipper, seed, [])[0]


def _attack_run(cls: type, seed: int, chosen: list[tuple[Any, Any]]) -> tuple[Any, tuple]:
    import sumkit as sk
    from sumkit import sim

    cost_weight = round(sim.UNIT * 0.2 * AGENT_PACE**0.5)
    trainer, _, pool, test = _deploy(0, 0.08, 0.01, cost_weight)
    good = sim.Honest("good", balance=10_000, deposit_mean=50, deposit_std=10, mistake_prob=0.0001,
                      wait_mean=sk.minutes(10) * AGENT_PACE, wait_std=sk.minutes(2) * AGENT_PACE)
    try:
        attacker = cls("mallory", balance=10_000, deposit_mean=100, deposit_std=3,
                       wait_mean=sk.hours(1) * AGENT_PACE, wait_std=sk.minutes(10) * AGENT_PACE)
    except TypeError as e:
        raise Wrong(f"{cls.__name__}('mallory', balance=..., deposit_mean=..., ...) failed: {e}. Write it as a "
                    "@dataclass subclass of sim.LabelFlipper (or sim.Agent) so it takes the agents' fields") from None
    choose = attacker.choose

    def recording_choose(simulation: Any, rng: Any) -> Any:
        choice = choose(simulation, rng)
        if choice is not None:
            chosen.append(choice)
        return choice

    attacker.choose = recording_choose  # type: ignore[method-assign]
    result = sim.Simulation(trainer, [good, attacker], data=pool, test=test, days=AGENT_DAYS, settle_days=1,
                            seed=seed, progress=False).run()
    return result, pool


def _loss_per_label(result: Any) -> tuple[int, float]:
    events = result.events
    adds = int(((events.agent == "mallory") & (events.action == "add") & events.error.isna()).sum())
    from sumkit.sim import UNIT

    lost = (result.start_balances["mallory"] - result.final_balances["mallory"]) / UNIT
    return adds, (lost / adds if adds else 0.0)


@exercise(
    "04.2",
    title="An attacker agent of your own",
    points=3,
    hints=[
        "Subclass sim.LabelFlipper with @dataclass(eq=False, repr=False) and override choose(self, sim, rng): "
        "it returns (x, label) or None to skip. sim.draw(rng) and sim.draw_where(wanted, rng) give pool samples "
        "with their true labels; sim.other_label(y, rng) a wrong one; sim.trainer.model is the model now.",
        "Two things decide what a wrong label costs: the deposit when it is sent (the price falls with the time "
        "since the last update: sim.trainer.next_deposit(); an agent may also return None and wait), and whether "
        "the model agrees with it a day later (then it is refunded). Attack one of them.",
        "Deposit, Refund and Take charges for disagreeing with the model after a day, at the price of the moment: "
        "an attacker pays less by being patient, or by sending wrong labels the model will come to share.",
    ],
)
def _agent(MyAttacker: Any) -> Partial | None:
    from sumkit import sim

    if not (isinstance(MyAttacker, type) and issubclass(MyAttacker, sim.Agent)):
        raise Wrong(f"MyAttacker must be a class that subclasses sim.LabelFlipper (or sim.Agent), got {MyAttacker!r}")
    seeds = variant_seeds("04.2", AGENT_SEEDS, pool=AGENT_POOL)
    worst: tuple[float, str] | None = None
    for seed in seeds:
        points, message = _score_agent(agent_trial(MyAttacker, seed))
        if seed != seeds[0]:
            message = f"with another seed (hidden check, seed {seed}): {message}"
        if worst is None or points < worst[0]:
            worst = (points, message)
    assert worst is not None
    return Partial(*worst)  # full marks too: the feedback says what was measured


def _score_agent(outcomes: dict[str, Any]) -> tuple[float, str]:
    mine = outcomes["mine"]
    X_pool, y_pool = mine["pool"]
    truth = {tuple(np.asarray(x, dtype=float)): label for x, label in zip(X_pool, y_pool)}
    for x, label in mine["chosen"]:
        true = truth.get(tuple(np.asarray(x, dtype=float)))
        if true is None:
            raise Wrong("your agent chose a sample that is not in the pool: take samples with sim.draw or "
                        "sim.draw_where")
        if label == true:
            raise Wrong("your agent sent a TRUE label: an attacker here sends only wrong labels "
                        "(sim.other_label(y, rng))")
    adds, per_label = _loss_per_label(mine["result"])
    flipper_adds, flipper_per_label = _loss_per_label(outcomes["flipper"]["result"])
    accuracy = f"accuracy {mine['result'].start_accuracy:.3f} -> {mine['result'].final_accuracy:.3f}"
    measured = (f"it added {adds} wrong labels and lost {per_label:.1f} units per label; the LabelFlipper, same seed, "
                f"lost {flipper_per_label:.1f} per label ({flipper_adds} labels); {accuracy}")
    if adds < MIN_WRONG_LABELS:
        return 0.0, (f"{measured}. An attack needs at least {MIN_WRONG_LABELS} wrong labels in {AGENT_DAYS} days: "
                     "your agent (almost) never contributed; check what choose returns and how often")
    if per_label >= flipper_per_label:
        return 1.0, (f"{measured}. It sends wrong labels, but does not lose less per label than the plain "
                     "LabelFlipper: look at what a deposit costs when it is sent, and at which labels come back")
    return 3.0, f"{measured}: less per wrong label than the LabelFlipper"
