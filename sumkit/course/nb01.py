"""Exercises of notebook 01 (deploy and contribute): the deposit rule, the take, and data near the boundary.

Each checker runs the learner's code against the real contracts, on the notebook's chain inside a snapshot
(undone afterwards) or on a fresh chain of its own; under the grader it also runs hidden cases.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import Partial, Wrong, exercise, grading, require_function, variant_seeds


def require_wei(value: Any, what: str) -> int:
    """``value`` as an int of wei, else :class:`Wrong` saying why wei are whole numbers."""
    if value is None:
        raise Wrong(f"{what} returned None: did the function forget to `return` its result?")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise Wrong(f"{what} returned {value!r} ({type(value).__name__}); amounts are whole numbers of wei, an int: "
                    "contracts have no fractions, so use integer division // (and math.isqrt for a square root)")
    return int(value)


def _tiny_deployment(cost_weight: int, weight: float = 10.0):
    """A fresh chain with a one-feature perceptron that predicts 1 for positive x, under Deposit-Refund-Take."""
    import sumkit as sk

    chain = sk.Chain()
    model = sk.models.DensePerceptron.from_floats([weight])
    incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                any_address_claim_wait=sk.days(9), cost_weight=cost_weight)
    return chain, sk.deploy(chain, model, incentive, name="exercise")


# -- 01.1 ------------------------------------------------------------------------------------------------------

@exercise("01.1", title="A deposit by hand", points=2, hints=[
    "Start from the formula above: cost_weight times one hour (in seconds), divided by a square root.",
    "Contracts have no floating point: every step is an integer. Python's math.isqrt(n) is the integer square "
    "root, rounded down, and // divides rounding down, as the EVM does.",
    "Look at what nextDeposit (printed above) does when less than 2 seconds have passed: dividing by 0 would revert.",
    "The deposit is a price on impatience: wait four times longer and it halves. The chain charges it in whole "
    "wei, so every step of the price rounds the way the EVM does.",
])
def check_deposit_rule(deposit_rule):
    rule = require_function(deposit_rule, "deposit_rule", "def deposit_by_hand(cost_weight, seconds): ...")
    compared: list[tuple[int, int, int]] = []  # (cost_weight, seconds, wei) where the rule matched the chain
    weights = [10**14, 3 * 10**13 + 7]
    for cost_weight in weights:
        compared += _compare_deposits(rule, cost_weight, [600, 7_200, 86_400 + 13])
    # Hidden cases: a cost weight from 1 wei to 10**16 and waits from a block to months, drawn from the secret.
    for seed in variant_seeds("01.1", DEPOSIT_SEEDS, visible=0):
        cost_weight, waits = deposit_case(seed)
        weights.append(cost_weight)
        compared += _compare_deposits(rule, cost_weight, waits)
    shown = "; ".join(f"cost_weight={w}, {s:,} s: {wei:,} wei" for w, s, wei in compared[:3])
    return Partial(2, f"your rule gave the same wei as trainer.next_deposit() in all {len(compared)} cases on chain "
                      f"({shown}; ...) and cost_weight * 3600 for waits of 0 and 1 s "
                      f"({', '.join(f'{w * 3600:,}' for w in weights)} wei)")


DEPOSIT_SEEDS = (1, 2)  # 01.1's hidden cases under the public default; a grading secret draws others


def deposit_case(seed: int) -> tuple[int, list[int]]:
    """01.1's hidden case ``seed``: a cost weight (log-uniform, 1 to 10**16 wei) and five waits since the last
    update: 12 s (the shortest a chain allows), up to a minute, an hour, a day, and up to four months."""
    rng = np.random.default_rng(seed)
    cost_weight = int(10 ** rng.uniform(0, 16))
    waits = [12, int(rng.integers(13, 60)), int(rng.integers(60, 3_600)), int(rng.integers(3_600, 86_400)),
             int(rng.integers(86_400, 10**7))]
    return cost_weight, waits


def _compare_deposits(rule: Callable, cost_weight: int, waits: list[int]) -> list[tuple[int, int, int]]:
    """Deploy with ``cost_weight``, add once, and compare ``rule`` with ``nextDeposit`` after each wait (and
    with ``cost_weight * 3600`` for waits of 0 and 1 s, which no chain reaches: a block comes 12 s after the
    last); :class:`Wrong` at the first difference, else the cases compared on chain."""
    chain, trainer = _tiny_deployment(cost_weight)
    added_at = trainer.add_data([1.0], 1, sender=chain.alice).added_at
    compared = []
    for wait in waits:
        with chain.snapshot():
            if wait > chain.now - added_at:
                chain.travel(seconds=wait - (chain.now - added_at))
            elapsed = chain.now - added_at
            on_chain = trainer.next_deposit()
            yours = require_wei(rule(cost_weight, elapsed), f"deposit_rule({cost_weight}, {elapsed})")
        if yours != on_chain:
            raise Wrong(_deposit_feedback(yours, on_chain, cost_weight, elapsed))
        compared.append((cost_weight, elapsed, on_chain))
    for wait in (0, 1):
        try:
            yours = require_wei(rule(cost_weight, wait), f"deposit_rule({cost_weight}, {wait})")
        except ZeroDivisionError:
            yours = None
        if yours != cost_weight * 3600:
            gave = "divided by zero" if yours is None else f"gave {yours}"
            raise Wrong(f"deposit_rule({cost_weight}, {wait}) {gave}, but with less than 2 seconds since "
                        "the last update the contract does not divide by the square root at all (that would "
                        "be a division by 0 or by 1): look at the `elapsed > 1` test in nextDeposit")
    return compared


def _deposit_feedback(yours: int, on_chain: int, cost_weight: int, elapsed: int) -> str:
    where = (f"for cost_weight={cost_weight} and {elapsed} s since the last update your rule gives {yours} wei "
             f"but trainer.next_deposit() says {on_chain} wei")
    if yours == cost_weight * 3600 // math.sqrt(elapsed) or yours == int(cost_weight * 3600 / math.sqrt(elapsed)):
        return (f"{where}: you divided by the exact square root; the contract takes an integer square root, "
                "rounded down, before dividing")
    if abs(yours - on_chain) <= 1:
        return f"{where}: off by one wei, a rounding step; the EVM rounds every division down"
    if yours == cost_weight // math.isqrt(elapsed) or yours == cost_weight * 60 // math.isqrt(elapsed):
        return f"{where}: the period is one hour counted in seconds (COST_PERIOD), not 1 or 60"
    if yours == cost_weight * 3600 // elapsed:
        return f"{where}: the deposit shrinks with the square root of the wait, not the wait itself"
    ratio = yours / on_chain if on_chain else float("inf")
    return f"{where} (yours is {ratio:.3g} times the contract's): compare your formula with nextDeposit's source"


# -- 01.2 ------------------------------------------------------------------------------------------------------

@exercise("01.2", title="Predict the take", points=2, hints=[
    "A reporter's share is a fraction of the contribution's initial deposit: their good data over everybody's.",
    "The contract multiplies first and divides last, rounding down (integer division //).",
    "Read the last lines of handleReport in DepositRefundTake.sol: one case pays out what is left instead.",
    "Money safety: every deposited wei is paid out exactly once, never twice and never stuck. Ask what a fair "
    "share would do to that in the corner cases.",
])
def check_take_share(take_share, trainer, contribution):
    rule = require_function(take_share, "take_share",
                            "def take_share(initial_deposit, good_reporter, good_total, claimable): ...")
    chain = trainer.chain
    with chain.snapshot():
        takes = _compare_takes(rule, trainer, contribution, [chain.alice, chain.bob], "Mallory's first contribution")
    # Hidden cases on fresh chains (other deposits and good-data counts, drawn from the secret); the second
    # always has a share that rounds to 0.
    for n, seed in enumerate(variant_seeds("01.2", TAKE_SEEDS, visible=0)):
        cost_weight, good = take_case(seed, rounds_to_zero=n % 2 == 1)
        chain, trainer = _tiny_deployment(cost_weight)
        for name, count in good.items():
            added = []
            for _ in range(count):
                chain.travel(hours=5)
                added.append(trainer.add_data([1.0], 1, sender=getattr(chain, name)))
            chain.travel(days=1)
            for c in added:
                trainer.refund(c, sender=c.contributor)
        chain.travel(days=30)
        bad = trainer.add_data([1.0], 0, sender=chain.mallory)
        chain.travel(days=1)
        _compare_takes(rule, trainer, bad, [getattr(chain, name) for name in good], "a hidden case")
    return Partial(2, "your takes equal what the contract paid: " + "; ".join(takes))


TAKE_SEEDS = (1, 2)  # 01.2's hidden cases under the public default; a grading secret draws others


def take_case(seed: int, rounds_to_zero: bool = False) -> tuple[int, dict[str, int]]:
    """01.2's hidden case ``seed``: a cost weight and each reporter's good-data count, in the order they report.
    Mallory's deposit, a month after the last update, is about twice the cost weight; with ``rounds_to_zero``
    the cost weight is 1 to 3 wei and the first reporter has 1 good contribution of more than 6, so their
    share rounds down to 0."""
    rng = np.random.default_rng(seed)
    names = [str(n) for n in rng.permutation(["alice", "bob", "carol"])]
    if rounds_to_zero:
        return int(rng.integers(1, 4)), {names[0]: 1, names[1]: int(rng.integers(6, 9))}
    cost_weight = int(10 ** rng.uniform(10, 15))
    return cost_weight, {name: int(rng.integers(1, 5)) for name in names[:int(rng.integers(2, 4))]}


def _compare_takes(rule: Callable, trainer, contribution, reporters: list[str], what: str) -> list[str]:
    """Each reporter reports ``contribution`` in turn; :class:`Wrong` where the rule differs from the payout, else
    one line per take compared (who, good data, deposit, what was left, wei paid)."""
    chain = trainer.chain
    good_total = trainer.good_data()
    compared = []
    for reporter in reporters:
        claimable = int(trainer.contract.call("records", contribution.key)[1])
        if claimable == 0:
            break
        good = trainer.good_data(reporter)
        args = (contribution.deposit, good, good_total, claimable)
        yours = require_wei(rule(*args), f"take_share{args}")
        paid = trainer.report(contribution, sender=reporter)
        if yours != paid:
            share = contribution.deposit * good // good_total
            detail = ""
            if share == 0 or share > claimable:
                detail = (": here the plain share would be "
                          f"{'0' if share == 0 else 'more than what is left'}; what does the contract do then?")
            elif yours == round(contribution.deposit * good / good_total):
                detail = ": the contract rounds the division down, never to the nearest"
            elif yours == claimable - share or yours == contribution.deposit - share:
                detail = ": that is what stays behind, not what the reporter takes"
            raise Wrong(f"for {what}, {chain.name_of(reporter)} (good data {good} of {good_total}, deposit "
                        f"{contribution.deposit} wei, {claimable} wei left) took {paid} wei on chain, but "
                        f"take_share{args} gave {yours}{detail}")
        compared.append(f"{chain.name_of(reporter)} (good data {good} of {good_total}, deposit {contribution.deposit:,} "
                        f"wei, {claimable:,} wei left) took {paid:,} wei")
    return compared


# -- 01.3 ------------------------------------------------------------------------------------------------------

@exercise("01.3", title="Mallory near the boundary", points=3, hints=[
    "Mallory's label must be what the model predicts a day later. Which samples does one perceptron update "
    "flip? Look back at section 7: one update moves the score of x by |x|² + 1.",
    "Far from the boundary compared to |x|² + 1 means 'stays put'; so look at the other end of `sureness`.",
    "Her three updates add up: check your choice on a copy of the model (model.copy(), then .update(x, label) "
    "for each row) before returning it.",
    "A rule that refunds data whenever the model agrees with it can be gamed by anyone who can make the model "
    "agree: the model is judge of the data that trains it.",
])
def check_boundary_rows(choose_rows, trainer, X_unused, y_unused, X_test, y_test):
    choose = require_function(choose_rows, "choose_rows", "def choose_rows(model, X, y): ...")
    refunded, feedback = _boundary_attack(choose, trainer, np.asarray(X_unused), np.asarray(y_unused), X_test, y_test)
    if grading() and refunded == 3:  # the same attack against another model, trained on another split
        import sumkit as sk
        from sklearn.linear_model import Perceptron

        for seed in variant_seeds("01.3", (1, 2), visible=0, pool=range(10, 34)):
            data = sk.datasets.breast_cancer(seed=seed)
            n = data.n_train // 10
            est = Perceptron(random_state=0).fit(data.X_train[:n], data.y_train[:n])
            chain = sk.Chain()
            hidden = sk.deploy(chain, sk.models.DensePerceptron.from_sklearn(est), sk.incentives.DepositRefundTake(
                refund_wait=sk.days(1), owner_claim_wait=sk.days(9), any_address_claim_wait=sk.days(9),
                cost_weight=10**14), name="hidden")
            try:
                got, hidden_feedback = _boundary_attack(choose, hidden, data.X_train[n:], data.y_train[n:],
                                                        data.X_test, data.y_test)
            except Wrong as e:
                got, hidden_feedback = 0, str(e)
            if got < 3:
                return Partial(2, f"{feedback}. On another model (split seed {seed}) your choice got {got} of 3 "
                                  f"refunds back: {hidden_feedback}")
    if refunded == 0:
        raise Wrong(feedback)
    return Partial(refunded, feedback)


def _boundary_attack(choose: Callable, trainer, X: np.ndarray, y: np.ndarray, X_test, y_test) -> tuple[int, str]:
    """Mallory sends the chosen rows with flipped labels, 10 min apart, then claims refunds a day later."""
    import sumkit as sk

    chain = trainer.chain
    rows = choose(trainer.model.copy(), X.copy(), y.copy())
    try:
        rows = [int(i) for i in np.asarray(rows).ravel()]
    except (TypeError, ValueError):
        raise Wrong(f"choose_rows should return 3 row numbers (ints), but returned {rows!r}") from None
    if len(rows) != 3 or len(set(rows)) != 3:
        raise Wrong(f"choose_rows should return 3 different row numbers, but returned {rows}")
    if not all(0 <= i < len(X) for i in rows):
        raise Wrong(f"row numbers must be positions in X (0 to {len(X) - 1}), but choose_rows returned {rows}")
    already = [i for i in rows if trainer.model.predict(X[i]) != y[i]]
    if already:
        raise Wrong(f"the model already gets rows {already} wrong, so Mallory's flipped label is what it predicts: "
                    "it does not learn from them and nothing is damaged. Choose rows the model gets right "
                    "(model.predict(X[i]) == y[i]), so that each of her contributions changes it")
    with chain.snapshot():
        before = np.mean(trainer.model.predict_many(X_test) == np.asarray(y_test))
        sent = []
        for i in rows:
            chain.travel(minutes=10)
            sent.append((i, trainer.add_data(X[i], 1 - y[i], sender=chain.mallory)))
        after = np.mean(trainer.model.predict_many(X_test) == np.asarray(y_test))
        chain.travel(days=1)
        kept = []
        for i, c in sent:
            try:
                trainer.refund(c, sender=chain.mallory)
            except sk.Reverted:
                kept.append(i)
    refunded = 3 - len(kept)
    damage = f"test accuracy {before:.3f} before her three contributions, {after:.3f} after"
    if kept:
        return refunded, (f"{refunded} of 3 deposits came back ({damage}); the model still disagrees with her "
                          f"label on rows {kept} a day later: they were too far from the decision boundary")
    return 3, f"all 3 of Mallory's deposits came back, although every label was wrong; {damage}"
