"""How fast sumkit.sim runs agents on the real chain: a 30-day run on a 1000-feature sparse perceptron.

    python -m benchmarks.sim                  # prints contributions/s, transactions/s and wall time
    python -m benchmarks.sim --json sim.json  # also writes [{"metric", "value"}, ...]

The story: tweets as 1000-word bags of words (``sk.datasets.tweets_bag_of_words``), a ``SparsePerceptron``
trained off chain on 8% of the training split, Deposit-Refund-Take (refund after 1 day, take after 9), two
honest agents (every ~1 h and ~1.5 h) and a label flipper (every ~6 h) for 30 simulated days, then one day in
which they only claim: about 1,000 contributions with their refunds and takes. Wall time counts the
simulation only (not loading the data or deploying); the target is under 2 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import sumkit as sk
from sumkit import sim

from . import write_json


def setup(seed: int = 0) -> tuple[sk.Trainer, tuple[Any, Any], tuple[Any, Any]]:
    """The deployed trainer, the pool agents draw from and the test set."""
    from sklearn.linear_model import Perceptron

    data = sk.datasets.tweets_bag_of_words(n_words=1000, seed=seed)
    order = np.random.default_rng(seed).permutation(data.n_train)  # the split may be ordered by class: shuffle
    start, rest = order[: round(0.08 * data.n_train)], order[round(0.08 * data.n_train) :]
    dense = data.dense()
    estimator = Perceptron(random_state=seed).fit(dense.X_train[start], data.y_train[start])
    model = sk.models.SparsePerceptron.from_sklearn(estimator, learning_rate=0.1)
    incentive = sk.incentives.DepositRefundTake(
        refund_wait=sk.days(1), owner_claim_wait=sk.days(9), any_address_claim_wait=sk.days(9),
        cost_weight=sim.UNIT // 2,
    )
    trainer = sk.deploy(sk.Chain(), model, incentive, name="tweets")
    return trainer, ([data.X_train[i] for i in rest], data.y_train[rest]), (data.X_test, data.y_test)


def agents() -> list[sim.Agent]:
    return [
        sim.Honest("alice", deposit_mean=60, wait_mean=sk.hours(1), wait_std=sk.minutes(15), mistake_prob=0.01),
        sim.Honest("bob", deposit_mean=60, wait_mean=sk.minutes(90), wait_std=sk.minutes(20), mistake_prob=0.01),
        sim.LabelFlipper("mallory", deposit_mean=100, wait_mean=sk.hours(6), wait_std=sk.hours(1)),
    ]


def measure(days: float = 30, seed: int = 0, progress: bool = True) -> list[dict[str, Any]]:
    began = time.perf_counter()
    trainer, pool, test = setup(seed)
    ready = time.perf_counter()
    simulation = sim.Simulation(trainer, agents(), data=pool, test=test, days=days, settle_days=1, seed=seed,
                                progress=progress)
    result = simulation.run()
    wall = time.perf_counter() - ready
    mined = result.events[result.events["error"].isna() & (result.events["action"] != "skip")]
    contributions = int((mined["action"] == "add").sum())
    transactions = len(mined)
    return [
        {"metric": "simulated_days", "value": result.days},
        {"metric": "contributions", "value": contributions},
        {"metric": "refunds", "value": int((mined["action"] == "refund").sum())},
        {"metric": "takes", "value": int((mined["action"] == "report").sum())},
        {"metric": "transactions", "value": transactions},
        {"metric": "setup_s", "value": round(ready - began, 2)},
        {"metric": "wall_s", "value": round(wall, 2)},
        {"metric": "contributions_per_s", "value": round(contributions / wall, 2)},
        {"metric": "transactions_per_s", "value": round(transactions / wall, 2)},
        {"metric": "start_accuracy", "value": round(result.start_accuracy, 4)},
        {"metric": "final_accuracy", "value": round(result.final_accuracy, 4)},
        {"metric": "mirror_matches_chain", "value": bool(trainer.check_model())},
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sim", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    rows = measure(args.days, args.seed, progress=not args.no_progress)
    for row in rows:
        print(f"{row['metric']:<22} {row['value']}")
    write_json(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
