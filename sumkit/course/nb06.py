"""Exercises of notebook 06 (the playground): drive the panel from code, as notebook 06's scenario does.

Each answer is a function of a panel (``sk.widgets.Playground``); the checker builds a fresh deployment and
panel of its own, calls the function, and reads what happened from the panel's log and from the chain. Under
the grader it does so again with other settings (another price, budget and deadline; another data split).

>>> from sumkit.course import nb06
>>> panel = nb06.fresh_panel(seed=0)           # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import Partial, Wrong, exercise, variant_seeds

# 06.1: (cost_weight, budget for three adds, deadline) of the visible check.
CHEAP_CASE = (10**14, 3 * 10**16, 6 * 3600)
CHEAP_SEEDS = (1, 2)  # 06.1's hidden cases under the public default (see cheap_case); a grading secret draws others
TAKE_SPLITS = (0, 3, 7)  # 06.2: data splits (seeds of sk.datasets.breast_cancer); the first is the visible one
N_SAMPLES = 40  # the panel offers the first 40 test samples, as in the notebook


def fresh_panel(seed: int = 0, cost_weight: int = 10**14) -> Any:
    """Notebook 06's deployment on a fresh chain (a perceptron trained on a fifth of the breast-cancer training
    split, learning rate 1, Deposit, Refund and Take) and a panel over its first 40 test samples."""
    from sklearn.linear_model import Perceptron

    import sumkit as sk

    chain = sk.Chain()
    data = sk.datasets.breast_cancer(seed=seed)
    first = len(data.X_train) // 5
    estimator = Perceptron(random_state=0).fit(data.X_train[:first], data.y_train[:first])
    model = sk.models.DensePerceptron.from_sklearn(estimator)
    incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                any_address_claim_wait=sk.days(9), cost_weight=cost_weight)
    trainer = sk.deploy(chain, model, incentive, name="playground")
    return sk.widgets.Playground(trainer, data.X_test[:N_SAMPLES], data.y_test[:N_SAMPLES])


def _call(function: Callable[..., Any], name: str, *args: Any) -> None:
    if not callable(function):
        raise Wrong(f"{name} must be a function, got {type(function).__name__}")
    function(*args)


def _ether(wei: float) -> str:
    from ..plumbing.units import format_ether

    return format_ether(int(wei))


# -- 06.1 ---------------------------------------------------------------------------------------------------
@exercise(
    "06.1",
    title="Three wrong labels on a budget",
    points=2,
    hints=[
        "Before each add, the panel shows the deposit due now (panel.trainer.next_deposit(), a free call). "
        "Set panel.wait.value (600 for 10 minutes, 3600 for an hour, ...) and click panel.travel_button to let "
        "time pass; set panel.account.value = panel.chain.mallory and click panel.add_button to add.",
        "The deposit is cost_weight x 1 hour / sqrt(seconds since the LAST update), whoever made it: four times "
        "the wait halves the price. Waiting until each add costs at most a third of the budget is enough; "
        "waiting a day each time is not needed and misses the deadline.",
        "The price of data is a price of time, not of volume: the same sender pays little after a quiet spell "
        "and the most right after anyone's update. Spend the budget by spacing the adds just enough.",
    ],
)
def _cheap(add_cheaply: Callable[..., Any]) -> Partial | None:
    measured = _cheap_run(add_cheaply, *CHEAP_CASE, hidden=False)
    if isinstance(measured, Partial):  # three adds in time, but too expensive: half the marks
        return measured
    measured = [measured]
    for n, seed in enumerate(variant_seeds("06.1", CHEAP_SEEDS, visible=0)):
        measured.append(_cheap_run(add_cheaply, *cheap_case(seed, patient=n % 2 == 0), hidden=True))
        if isinstance(measured[-1], Partial):
            return measured[-1]
    return Partial(2, "three adds on budget and in time: " + "; ".join(measured))


def cheap_case(seed: int, patient: bool = True) -> tuple[int, int, int]:
    """06.1's hidden case ``seed``: (cost_weight, budget, deadline). The budget pays three adds each made once
    ``t`` seconds have passed since the one before (deposits of at most a third of it); the deadline leaves
    1.25 to 2 times what three such waits take, rounded up to a quarter of an hour. A ``patient`` case needs
    ``t`` of 70 min to 3 h, the other 10 to 25 min with a deadline under 3 h: no one fixed wait fits both."""
    rng = np.random.default_rng(seed)
    cost_weight = int(10 ** rng.uniform(13, 15))
    t = int(rng.integers(4_200, 10_800)) if patient else int(rng.integers(600, 1_500))
    budget = 3 * (cost_weight * 3600 // math.isqrt(t))
    slack = rng.uniform(1.25, 2.0) if patient else rng.uniform(1.25, 1.6)
    deadline = math.ceil(3 * (600 * math.ceil(t / 600) + 120) * slack / 900) * 900
    return cost_weight, budget, deadline


def _cheap_run(add_cheaply: Callable[..., Any], cost_weight: int, budget: int, deadline: int,
               hidden: bool) -> str | Partial:
    """Play 06.1 once on a fresh panel: what was measured; a :class:`Partial` when three adds came in time but
    over budget; :class:`Wrong` otherwise."""
    panel = fresh_panel(0, cost_weight)
    start = panel.chain.now
    _call(add_cheaply, "add_cheaply", panel, budget, deadline)
    problem = _cheap_problem(panel, start, budget, deadline)
    if not problem:
        return _cheap_measure(panel, start, budget, deadline)
    where = "" if not hidden else (f" (hidden check with cost_weight {cost_weight}, budget {_ether(budget)}, "
                                   f"deadline {deadline / 3600:g} h)")
    if problem.startswith("over budget"):
        return Partial(1, problem + where)
    raise Wrong(problem + where)


def _mallory_adds(panel: Any) -> Any:
    log = panel.history
    return log[(log.action == "add") & log.error.isna() & (log.account == "mallory")]


def _cheap_measure(panel: Any, start: int, budget: int, deadline: int) -> str:
    """What 06.1 measured: each deposit Mallory paid, the total against the budget, the last add's time."""
    adds = _mallory_adds(panel)
    paid = [int(-a) for a in adds.amount]
    late = int(adds.time.iloc[-1]) - start
    return (f"deposits {', '.join(_ether(p) for p in paid)} = {_ether(sum(paid))} (budget {_ether(budget)}), "
            f"the third {late / 3600:.1f} h after the start (deadline {deadline / 3600:g} h)")


def _cheap_problem(panel: Any, start: int, budget: int, deadline: int) -> str | None:
    log = panel.history
    adds = log[(log.action == "add") & log.error.isna() & (log.account == "mallory")]
    others = log[(log.action == "add") & log.error.isna() & (log.account != "mallory")]
    if len(others):
        return f"only Mallory adds here, but {', '.join(sorted(set(others.account)))} added data through the panel"
    if len(adds) != 3:
        refused = log[(log.action == "add") & log.error.notna()]
        why = f" ({len(refused)} add(s) refused: {refused.message.iloc[-1]})" if len(refused) else ""
        return (f"Mallory added {len(adds)} samples through the panel; she must add exactly 3 (set panel.account, "
                f"click panel.add_button){why}")
    paid = int(-adds.amount.sum())
    late = int(adds.time.iloc[-1]) - start
    if paid > budget:
        return (f"over budget: the three deposits cost {_ether(paid)}, more than {_ether(budget)}; each add "
                "costs less the longer the chain has gone without an update before it")
    if late > deadline:
        return (f"the third add came {late / 3600:.1f} h after the start, later than the deadline of "
                f"{deadline / 3600:g} h: you waited longer than the budget needs")
    return None


# -- 06.2 ---------------------------------------------------------------------------------------------------
@exercise(
    "06.2",
    title="Take from bad data",
    points=3,
    hints=[
        "Three things must be true when Alice reports: the refund wait (1 day) is over, Alice has good data "
        "(a contribution of her own refunded: add one the model already gets right, travel, refund it), and the "
        "model disagrees with Mallory's label at that moment.",
        "If the report is refused with ModelAgrees, Mallory's own update taught the model her label: with "
        "learning rate 1, one update moves the score of her sample by |x|² + 1. Choose her sample where the model "
        "is sure: try it first on a copy, m = panel.trainer.model.copy(); m.update(panel.rows[i], wrong).",
        "Deposit, Refund and Take judges data by the model's opinion after the wait, not by the truth: bad data "
        "can only be taken when the model still disagrees with it.",
    ],
)
def _take(take_from_mallory: Callable[..., Any]) -> Partial | None:
    splits = variant_seeds("06.2", TAKE_SPLITS, pool=range(10, 34))
    taken = ""
    for n, seed in enumerate(splits):
        panel = fresh_panel(seed)
        _call(take_from_mallory, "take_from_mallory", panel)
        points, problem = _take_problem(panel)
        if problem:
            if n:
                problem = f"on another data split (hidden check, seed {seed}): {problem}"
            if points == 0:
                raise Wrong(problem)
            return Partial(points, problem)
        taken = taken or _take_measure(panel)
    return Partial(3, taken)


def _take_measure(panel: Any) -> str:
    """What 06.2 measured: Alice's reports that paid, and what they paid out of Mallory's deposits."""
    log = panel.history
    reports = log[(log.action == "report") & (log.account == "alice")]
    taken = reports[reports.error.isna() & (reports.amount > 0)]
    deposits = _mallory_adds(panel)
    return (f"Alice's report took {_ether(int(taken.amount.sum()))} ({len(taken)} report(s) paid, "
            f"{len(reports) - len(taken)} refused) from Mallory, who deposited {_ether(int(-deposits.amount.sum()))} "
            f"in {len(deposits)} contribution(s)")


def _take_problem(panel: Any) -> tuple[float, str | None]:
    trainer, model = panel.trainer, panel.trainer.model
    truth = {tuple(model.encode(row)): model.encode_label(label) for row, label in zip(panel.rows, panel.y)}
    contributions = [c for _, c in panel.contribution.options]
    wrong = [c for c in contributions if panel.chain.name_of(c.contributor) == "mallory"
             and truth.get(tuple(c.x)) is not None and truth[tuple(c.x)] != model.encode_label(c.label)]
    if not wrong:
        return 0, ("Mallory has no contribution with a WRONG label: as Mallory, choose a sample, set panel.label "
                   "to the other class and click panel.add_button")
    log = panel.history
    reports = log[(log.action == "report") & (log.account == "alice")]
    taken = reports[reports.error.isna() & (reports.amount > 0)]
    on_chain = sum(c.deposit - trainer.contract.call("records", c.key)[1] for c in wrong
                   if trainer.contract.call("records", c.key)[2])
    if len(taken) and on_chain > 0:
        return 3, None
    if len(reports):
        errors = ", ".join(sorted(set(reports.error.dropna())))
        return 1, (f"Mallory's wrong label is on chain, but Alice's report was refused ({errors}): read the hint "
                   "in panel.history.message; each refusal names what was missing")
    return 1, ("Mallory's wrong label is on chain, but Alice never reported it through the panel: choose it in "
               "panel.contribution and click panel.report_button as Alice")
