"""The SUM paper's experiment in its own shape, timed per backend: a good and a bad agent for 30 days.

    python -m benchmarks.paper                    # py-evm and revm side by side (py-evm takes a while)
    python -m benchmarks.paper --backend revm     # one backend (revm needs pyrevm: pip install -e ".[fast]")
    python -m benchmarks.paper --json paper.json  # also writes the rows: [{"backend", "metric", "value"}, ...]

The paper ran a perceptron on 1000-word bags of words (IMDB), trained off chain on 8% of the data, under
Deposit, Refund and Take (refund after 1 day, take after 9), with a good agent (true labels, deposit ~50
units, every ~10 minutes) and a bad agent (wrong labels, deposit ~100 units, every ~1 hour), both starting
with 10,000 units, for 30 days. Its figure: accuracy stays near its start, the good agent's balance grows and
the bad agent's falls toward zero. Here: the same, at the paper's rhythm, on the tweets corpus that ships with
the ``text`` extra (``sk.datasets.tweets_bag_of_words``), every action a real transaction, then one day in which
the agents only claim. It prints accuracy and both balances (percent of start) every ``--every`` days, what the
paper reported next to what this run shows, the wall time of each backend and whether both gave the same
gas for every transaction, the same events and the same balances. The perceptron is deployed with
scikit-learn's learning rate, 1 (``--learning-rate``): with much smaller steps it keeps disagreeing with many
true labels, their deposits are never refunded, and the good agent loses (notebook 04, section 11).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import sumkit as sk
from sumkit import sim

from . import write_json
from .sim import BACKENDS, tweets

COST_WEIGHT = round(sim.UNIT * 0.2)  # a 10-minute wait costs about 30 units, under the good agent's ~50


def paper_agents() -> list[sim.Agent]:
    """The paper's two agents, at the paper's rhythm."""
    return [
        sim.Honest("good", balance=10_000, deposit_mean=50, deposit_std=10, mistake_prob=0.0001,
                   wait_mean=sk.minutes(10), wait_std=sk.minutes(2)),
        sim.LabelFlipper("bad", balance=10_000, deposit_mean=100, deposit_std=3,
                         wait_mean=sk.hours(1), wait_std=sk.minutes(10)),
    ]


def run(backend: str, prepared: tuple[Any, ...], days: float, seed: int,
        progress: bool) -> tuple[sim.SimulationResult, float, list[int]]:
    """One run of the experiment on ``backend``: its result, wall time (of the run only) and gas per transaction."""
    model, pool, test = prepared
    incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                any_address_claim_wait=sk.days(9), cost_weight=COST_WEIGHT)
    trainer = sk.deploy(sk.Chain(backend=backend), model, incentive, name="tweets")
    simulation = sim.Simulation(trainer, paper_agents(), data=pool, test=test, days=days, settle_days=1, seed=seed,
                                progress=progress)
    began = time.perf_counter()
    result = simulation.run()
    return result, time.perf_counter() - began, [int(g) for g in trainer.chain.gas_log["gas_used"]]


def over_time(result: sim.SimulationResult, every: float) -> list[dict[str, Any]]:
    """Accuracy and balances (% of start) at day 0, every ``every`` days, and at the end."""
    percent = result.balances_percent()
    history = result.history.set_index("day")
    wanted = sorted({*[k * every for k in range(int(result.days // every) + 1)], result.days})
    rows = []
    for day in wanted:
        at = history.index[history.index <= day + 1e-9][-1]  # the last evaluation at or before that day
        rows.append({"day": round(float(at), 2), "accuracy_%": round(100 * float(history.loc[at, "accuracy"]), 1),
                     "good_%": round(float(percent.loc[at, "good"]), 1),
                     "bad_%": round(float(percent.loc[at, "bad"]), 1)})
    return rows


def shape(result: sim.SimulationResult) -> list[tuple[str, str, bool]]:
    """The paper's reported shape, what this run shows, and whether it agrees."""
    good = result.final_balances["good"] / result.start_balances["good"] - 1
    bad = result.final_balances["bad"] / result.start_balances["bad"] - 1
    drift = result.final_accuracy - result.start_accuracy
    return [
        ("accuracy stays near its start", f"{result.start_accuracy:.1%} -> {result.final_accuracy:.1%}",
         abs(drift) <= 0.05),
        ("the good agent's balance grows", f"{good:+.1%}", good > 0),
        ("the bad agent's balance falls toward zero", f"{bad:+.1%}", bad < -0.5),  # lost more than half
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.paper", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both",
                        help="the backend to time (default: both, side by side)")
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--every", type=float, default=3, help="print the curves every this many days")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--learning-rate", type=float, default=1.0,
                        help="the deployed perceptron's (default 1, scikit-learn's; at 0.1 the good agent loses)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    prepared = tweets(args.seed, learning_rate=args.learning_rate)
    rows: list[dict[str, Any]] = []
    runs = {}
    for backend in BACKENDS if args.backend == "both" else (args.backend,):
        runs[backend] = run(backend, prepared, args.days, args.seed, progress=not args.no_progress)
        result, wall, gas = runs[backend]
        mined = result.events[result.events["error"].isna() & (result.events["action"] != "skip")]
        rows += [{"backend": backend, "metric": "wall_s", "value": round(wall, 1)},
                 {"backend": backend, "metric": "transactions", "value": len(mined)}]
    result = runs[next(iter(runs))][0]  # the curves: the same on every backend (checked below)
    print(f"The paper's experiment on tweets, {args.days:g} days at the paper's pace, then 1 day of claims\n")
    print(f"{'day':>6} {'accuracy %':>11} {'good %':>8} {'bad %':>8}")
    for row in over_time(result, args.every):
        print(f"{row['day']:>6} {row['accuracy_%']:>11} {row['good_%']:>8} {row['bad_%']:>8}")
        rows += [{"backend": "curve", "metric": f"day_{row['day']}_{k}", "value": v}
                 for k, v in row.items() if k != "day"]
    print(f"\n{'the paper reported':<44} {'this run':<18} agrees")
    for reported, seen, agrees in shape(result):
        print(f"{reported:<44} {seen:<18} {'yes' if agrees else 'NO'}")
        rows.append({"backend": "shape", "metric": reported, "value": agrees})
    if len(runs) == 2:
        (a, wall_a, gas_a), (b, wall_b, gas_b) = runs["py-evm"], runs["revm"]
        same_events = a.events.equals(b.events)
        rows += [
            {"backend": "revm/py-evm", "metric": "speedup", "value": round(wall_a / wall_b, 1)},
            {"backend": "revm/py-evm", "metric": "same_gas_every_transaction", "value": gas_a == gas_b},
            {"backend": "revm/py-evm", "metric": "same_events", "value": same_events},
            {"backend": "revm/py-evm", "metric": "same_balances", "value": a.final_balances == b.final_balances},
        ]
    print()
    for row in rows:
        if row["backend"] not in ("curve", "shape"):
            print(f"{row['backend']:<12} {row['metric']:<28} {row['value']}")
    write_json(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
