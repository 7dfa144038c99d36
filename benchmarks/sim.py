"""How fast sumkit.sim runs agents on the real chain, per backend: a 30-day run on a 1000-feature sparse perceptron.

    python -m benchmarks.sim                      # py-evm and revm side by side, same story, with the speedup
    python -m benchmarks.sim --backend revm       # one backend (revm needs pyrevm: pip install -e ".[fast]")
    python -m benchmarks.sim --json sim.json      # also writes [{"backend", "metric", "value"}, ...]

The story: tweets as 1000-word bags of words (``sk.datasets.tweets_bag_of_words``), a ``SparsePerceptron``
trained off chain on 8% of the training split, Deposit-Refund-Take (refund after 1 day, take after 9), two
honest agents (every ~1 h and ~1.5 h) and a label flipper (every ~6 h) for 30 simulated days, then one day in
which they only claim: about 1,000 contributions with their refunds and takes. Wall time counts the
simulation's run only (not loading and encoding the data, nor deploying).

Before the simulation, ``add_data`` is timed alone: ``ADD_DATA_CALLS`` contributions from the pool on a fresh
deployment. When both backends run, the table ends with the speedups and whether the two runs were identical:
the same gas for every transaction, the same events and the same final balances.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import sumkit as sk
from sumkit import sim

from . import write_json

BACKENDS = ("py-evm", "revm")
ADD_DATA_CALLS = 100


def tweets(seed: int = 0, learning_rate: float = 0.1) -> tuple[Any, tuple[Any, Any], tuple[Any, Any]]:
    """A 1000-word sparse perceptron trained off chain on 8% of the tweets' training split (deployed with
    ``learning_rate``), the rest of the split (the pool agents draw from) and the test split."""
    from sklearn.linear_model import Perceptron

    data = sk.datasets.tweets_bag_of_words(n_words=1000, seed=seed)
    order = np.random.default_rng(seed).permutation(data.n_train)  # the split may be ordered by class: shuffle
    start, rest = order[: round(0.08 * data.n_train)], order[round(0.08 * data.n_train) :]
    dense = data.dense()
    estimator = Perceptron(random_state=seed).fit(dense.X_train[start], data.y_train[start])
    model = sk.models.SparsePerceptron.from_sklearn(estimator, learning_rate=learning_rate)
    return model, ([data.X_train[i] for i in rest], data.y_train[rest]), (data.X_test, data.y_test)


def prepare(seed: int = 0) -> tuple[Any, Any, tuple[Any, Any], tuple[Any, Any]]:
    """The model, its incentive, the pool agents draw from and the test set."""
    model, pool, test = tweets(seed)
    incentive = sk.incentives.DepositRefundTake(
        refund_wait=sk.days(1), owner_claim_wait=sk.days(9), any_address_claim_wait=sk.days(9),
        cost_weight=sim.UNIT // 2,
    )
    return model, incentive, pool, test


def agents() -> list[sim.Agent]:
    return [
        sim.Honest("alice", deposit_mean=60, wait_mean=sk.hours(1), wait_std=sk.minutes(15), mistake_prob=0.01),
        sim.Honest("bob", deposit_mean=60, wait_mean=sk.minutes(90), wait_std=sk.minutes(20), mistake_prob=0.01),
        sim.LabelFlipper("mallory", deposit_mean=100, wait_mean=sk.hours(6), wait_std=sk.hours(1)),
    ]


def time_add_data(backend: str, prepared: tuple[Any, ...], calls: int = ADD_DATA_CALLS) -> tuple[float, list[int]]:
    """Seconds per ``add_data`` (each paying the price of the moment) on a fresh deployment, and the gas of each."""
    model, incentive, (X, y), _ = prepared
    chain = sk.Chain(backend=backend)
    trainer = sk.deploy(chain, model, incentive, name="tweets")
    start = len(chain.gas_log)
    senders = [chain.alice, chain.bob, chain.carol]
    began = time.perf_counter()
    for i in range(calls):
        chain.travel(minutes=10)
        trainer.add_data(X[i], y[i], sender=senders[i % len(senders)])
    seconds = (time.perf_counter() - began) / calls
    return seconds, [int(g) for g in chain.gas_log["gas_used"].iloc[start:]]


def measure(backend: str, prepared: tuple[Any, ...], days: float = 30, seed: int = 0,
            progress: bool = True) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The benchmark rows of one backend, and what must be the same on every backend (gas per transaction,
    events, final balances, final accuracy)."""
    model, incentive, pool, test = prepared
    add_data_s, add_data_gas = time_add_data(backend, prepared)
    began = time.perf_counter()
    trainer = sk.deploy(sk.Chain(backend=backend), model, incentive, name="tweets")
    deployed = time.perf_counter()
    simulation = sim.Simulation(trainer, agents(), data=pool, test=test, days=days, settle_days=1, seed=seed,
                                progress=progress)
    ready = time.perf_counter()  # the wall time counts run() only: encoding the data set is the same everywhere
    result = simulation.run()
    wall = time.perf_counter() - ready
    mined = result.events[result.events["error"].isna() & (result.events["action"] != "skip")]
    contributions = int((mined["action"] == "add").sum())
    transactions = len(mined)
    rows = [
        {"metric": "add_data_ms", "value": round(add_data_s * 1000, 2)},
        {"metric": "simulated_days", "value": result.days},
        {"metric": "contributions", "value": contributions},
        {"metric": "refunds", "value": int((mined["action"] == "refund").sum())},
        {"metric": "takes", "value": int((mined["action"] == "report").sum())},
        {"metric": "transactions", "value": transactions},
        {"metric": "deploy_s", "value": round(deployed - began, 2)},
        {"metric": "wall_s", "value": round(wall, 2)},
        {"metric": "contributions_per_s", "value": round(contributions / wall, 2)},
        {"metric": "transactions_per_s", "value": round(transactions / wall, 2)},
        {"metric": "start_accuracy", "value": round(result.start_accuracy, 4)},
        {"metric": "final_accuracy", "value": round(result.final_accuracy, 4)},
        {"metric": "mirror_matches_chain", "value": bool(trainer.check_model())},
    ]
    outcome = {
        "add_data_gas": add_data_gas,
        "gas": [int(g) for g in trainer.chain.gas_log["gas_used"]],
        "events": result.events.to_dict("records"),
        "balances": result.final_balances,
        "accuracy": result.final_accuracy,
    }
    return [{"backend": backend, **row} for row in rows], outcome


def compare(rows: list[dict[str, Any]], outcomes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Speedups of revm over py-evm and whether both runs were identical, as rows of backend "revm/py-evm"."""
    value = {(r["backend"], r["metric"]): r["value"] for r in rows}
    a, b = outcomes["py-evm"], outcomes["revm"]
    return [
        {"backend": "revm/py-evm", "metric": "add_data_speedup",
         "value": round(value["py-evm", "add_data_ms"] / value["revm", "add_data_ms"], 1)},
        {"backend": "revm/py-evm", "metric": "simulation_speedup",
         "value": round(value["py-evm", "wall_s"] / value["revm", "wall_s"], 1)},
        {"backend": "revm/py-evm", "metric": "same_gas_every_transaction",
         "value": a["add_data_gas"] == b["add_data_gas"] and a["gas"] == b["gas"]},
        {"backend": "revm/py-evm", "metric": "same_events", "value": a["events"] == b["events"]},
        {"backend": "revm/py-evm", "metric": "same_balances_and_accuracy",
         "value": a["balances"] == b["balances"] and a["accuracy"] == b["accuracy"]},
    ]


def table(rows: list[dict[str, Any]]) -> str:
    """The rows side by side: one line per metric, one column per backend."""
    backends = list(dict.fromkeys(r["backend"] for r in rows))
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    value = {(r["backend"], r["metric"]): r["value"] for r in rows}
    lines = [f"{'metric':<28}" + "".join(f"{b:>14}" for b in backends)]
    for metric in metrics:
        lines.append(f"{metric:<28}" + "".join(f"{str(value.get((b, metric), '')):>14}" for b in backends))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sim", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both",
                        help="the backend to time (default: both, side by side)")
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    prepared = prepare(args.seed)
    rows, outcomes = [], {}
    for backend in BACKENDS if args.backend == "both" else (args.backend,):
        backend_rows, outcomes[backend] = measure(backend, prepared, args.days, args.seed,
                                                  progress=not args.no_progress)
        rows += backend_rows
    if len(outcomes) == 2:
        rows += compare(rows, outcomes)
    print(table(rows))
    write_json(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
