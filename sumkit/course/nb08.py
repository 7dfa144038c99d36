"""The capstone (notebook 08): design a deployment for a data set the course has not used, and defend it.

The learner writes ``design(chain, X, y) -> sk.Trainer``: given a fresh chain and the initial training data,
it chooses the model, the incentive mechanism and its parameters, and deploys. The checker then runs the
simulation itself, on its own split of the data, against a fixed mix of honest agents and attackers, and
grades the measured outcomes, one point per criterion. Under the grader it does so again on other seeds.

>>> from sumkit.course import nb08
>>> outcome = nb08.capstone_trial(design, seed=0)     # doctest: +SKIP
>>> outcome.criteria                                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import Partial, Wrong, exercise, grading

SEEDS = (0, 1, 2)  # data split and simulation seeds; the first is the visible one
INITIAL_FRACTION = 0.1  # of the training split, given to design() to train the model off chain
DAYS, SETTLE_DAYS = 2, 1  # agents add for 2 days, then only claim for one more
ACCURACY_MARGIN = 0.05  # the final test accuracy may be at most 5 points below the start
GAS_BUDGET = 150_000  # mean gas of one addData


def diabetes(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's bundled diabetes data (442 patients, 10 features), binarised: label 1 when the disease
    progression a year later is above the median. Returns ``X_train, X_test, y_train, y_test`` (70/30,
    stratified, features standardised on the train split)."""
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, target = load_diabetes(return_X_y=True)
    y = (target > np.median(target)).astype(int)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def agents() -> list[Any]:
    """The population the deployment must survive: two honest contributors and two attackers."""
    import sumkit as sk
    from sumkit import sim

    return [
        sim.Honest("honest_a", deposit_mean=50, deposit_std=10, wait_mean=sk.minutes(30), wait_std=sk.minutes(5)),
        sim.Honest("honest_b", deposit_mean=50, deposit_std=10, wait_mean=sk.hours(1), wait_std=sk.minutes(10)),
        sim.LabelFlipper("flipper", deposit_mean=100, deposit_std=3, burst=10, wait_mean=sk.hours(2),
                         wait_std=sk.minutes(20)),
        sim.Spammer("spammer", deposit_mean=200, deposit_std=5, burst=5, wait_mean=sk.hours(1),
                    wait_std=sk.minutes(10)),
    ]


@dataclass
class CapstoneOutcome:
    """What one trial measured: the simulation's result, the mean addData gas and each criterion's verdict."""

    result: Any
    gas_per_add: float
    criteria: dict[str, tuple[bool, str]]

    @property
    def points(self) -> int:
        return sum(ok for ok, _ in self.criteria.values())


def capstone_trial(design: Callable[..., Any], seed: int = 0, progress: bool = False) -> CapstoneOutcome:
    """Deploy with ``design(chain, X_initial, y_initial)`` on a fresh chain, run :func:`agents` on it for
    ``DAYS`` days plus ``SETTLE_DAYS`` of claims (seeded), and measure the four criteria."""
    import sumkit as sk
    from sumkit import sim

    X_train, X_test, y_train, y_test = diabetes(seed)
    n_initial = round(INITIAL_FRACTION * len(y_train))
    chain = sk.Chain()
    trainer = design(chain, X_train[:n_initial].copy(), y_train[:n_initial].copy())
    _check_trainer(trainer, chain)
    population = agents()
    result = sim.Simulation(trainer, population, data=(X_train[n_initial:], y_train[n_initial:]),
                            test=(X_test, y_test), days=DAYS, settle_days=SETTLE_DAYS, seed=seed,
                            progress=progress).run()
    events = result.events
    adds = events[(events.action == "add") & events.error.isna()]
    gas = float(adds.gas.mean()) if len(adds) else 0.0
    honest = [a.name for a in population if isinstance(a, sim.Honest)]
    attackers = [a.name for a in population if not isinstance(a, sim.Honest)]
    change = {n: (result.final_balances[n] - result.start_balances[n]) / result.start_balances[n] * 100
              for n in honest + attackers}

    def together(names: list[str]) -> int:
        return sum(result.final_balances[n] - result.start_balances[n] for n in names)

    def describe(names: list[str]) -> str:
        return ", ".join(f"{n} {change[n]:+.1f}%" for n in names)

    drop = result.start_accuracy - result.final_accuracy
    criteria = {
        "accuracy kept": (drop <= ACCURACY_MARGIN,
                          f"test accuracy {result.start_accuracy:.3f} -> {result.final_accuracy:.3f} "
                          f"(at most {ACCURACY_MARGIN:.2f} below the start)"),
        "honest ahead": (together(honest) > 0,
                         f"honest balances {describe(honest)}, together {together(honest) / sim.UNIT:+,.0f} units "
                         "(must gain together)"),
        "attackers behind": (all(change[n] < 0 for n in attackers),
                             f"attackers {describe(attackers)} (must lose)"),
        "gas per contribution": (0 < gas <= GAS_BUDGET,
                                 f"mean addData gas {gas:,.0f} over {len(adds)} contributions "
                                 f"(budget {GAS_BUDGET:,})"),
    }
    return CapstoneOutcome(result, gas, criteria)


def _check_trainer(trainer: Any, chain: Any) -> None:
    import sumkit as sk

    if not isinstance(trainer, sk.Trainer):
        raise Wrong(f"design must return the trainer sk.deploy gave you, got {type(trainer).__name__}")
    if trainer.chain is not chain:
        raise Wrong("design must deploy on the chain it is given (its first argument), not on a chain of its own")
    if not isinstance(trainer.incentive, (sk.incentives.DepositRefundTake, sk.incentives.Points)):
        raise Wrong(f"the simulator plays Deposit, Refund and Take or Points, not {type(trainer.incentive).__name__}")
    if getattr(trainer.model, "sparse", False):
        raise Wrong("the diabetes features are dense: deploy a dense model (the simulator sends rows of 10 floats)")


ADVICE = {
    "accuracy kept": "the attackers moved the model: how far does one wrong label move it (the learning rate), "
                     "and how many can they afford to send?",
    "honest ahead": "the honest agents lost money together: can they afford the deposit at their rhythm (30 min, "
                    "1 h; budget ~50 units), do their refunds come back within the run, and is there bad data to "
                    "take? (an honest label the model disagrees with is lost like a bad one)",
    "attackers behind": "an attacker did not lose: are its deposits large enough to hurt, and taken before the "
                        "run ends (the refund wait)?",
    "gas per contribution": "contributions cost too much gas (or none were made): which model updates cheaply?",
}


@exercise(
    "08.1",
    title="Capstone: a deployment that survives its attackers",
    points=4,
    hints=[
        "Start from what worked in notebook 04 and check each number against this population: the honest agents "
        "act every 30 min and every hour with budgets of about 50 units (sim.UNIT wei); the flipper has about "
        "100 and the spammer about 200 per deposit, and both try floods. trainer.incentive.deposit(seconds) "
        "prices a contribution before you deploy.",
        "Each criterion has its own lever: the learning rate decides how far one wrong label moves the model; "
        "cost_weight decides who can afford to add at which rhythm; refund_wait decides when deposits can come "
        "back and be taken (the run lasts 2 days plus 1 of claims); the model decides the gas.",
        "A deployment is defended when honest data is cheap at an honest rhythm, bad data is expensive at an "
        "attacker's, and the model changes slowly enough for the mechanism to act before it is ruined.",
    ],
)
def _capstone(design: Callable[..., Any]) -> Partial | None:
    if not callable(design):
        raise Wrong(f"design must be a function design(chain, X, y) -> trainer, got {type(design).__name__}")
    seeds = SEEDS if grading() else SEEDS[:1]
    worst: CapstoneOutcome | None = None
    worst_seed = seeds[0]
    for seed in seeds:
        outcome = capstone_trial(design, seed)
        if worst is None or outcome.points < worst.points:
            worst, worst_seed = outcome, seed
    assert worst is not None
    lines = [f"{'✔' if ok else '✘'} {name}: {text}" + ("" if ok else f"; {ADVICE[name]}")
             for name, (ok, text) in worst.criteria.items()]
    where = "" if worst_seed == seeds[0] else f"on another seed (hidden check, seed {worst_seed}): "
    return Partial(worst.points, where + "; ".join(lines))  # all four points: "correct", with the measurements
