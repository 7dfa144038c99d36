"""Flip the model, then take (issue 12, finding 4): the attack's success with and without a take delay, and
what the delay costs honest users.

    python -m benchmarks.flip_and_take                   # prints one row per (take delay, seed)
    python -m benchmarks.flip_and_take --json flip.json  # also writes the rows as JSON

The story: a perceptron trained off chain on 8% of the breast-cancer training split (learning rate 10, so one
sample can move it), Deposit-Refund-Take (refund after 1 day, owner and anyone after 9). Alice is honest and
acts every ~6 hours; Mallory (``sim.FlipAndTake``) acts every ~20 minutes: she earns one good contribution,
then, whenever one of Alice's contributions is past the refund wait and one mislabelled copy of it flips the
model, she sends that copy and reports Alice's contribution. Six days of contributions, then ten days in which
everyone only claims (past the any-address wait, so every deposit is paid out and the balances are final).
With ``take_delay`` Mallory's report only flags; Alice, at her next action, sends her sample again (a
``defend`` add) and claims her refund before the take can come.
"""

from __future__ import annotations

import argparse
from typing import Any

import sumkit as sk
from sumkit import sim

from . import write_json

DELAYS = (0, sk.days(1))
SEEDS = (0, 1, 2)


def run(take_delay: int, seed: int = 0, progress: bool = False) -> sim.SimulationResult:
    """One run of the story with this take delay (seconds; 0 = the paper's one-step take)."""
    from sklearn.linear_model import Perceptron

    data = sk.datasets.breast_cancer(seed=0)
    n0 = round(0.08 * data.n_train)
    estimator = Perceptron(random_state=0).fit(data.X_train[:n0], data.y_train[:n0])
    model = sk.models.DensePerceptron.from_sklearn(estimator, learning_rate=10.0)
    incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                any_address_claim_wait=sk.days(9), take_delay=take_delay)
    trainer = sk.deploy(sk.Chain(), model, incentive, name="flip and take")
    agents = [
        sim.Honest("alice", deposit_mean=50, wait_mean=sk.hours(6), wait_std=sk.hours(1)),
        sim.FlipAndTake("mallory", deposit_mean=50, wait_mean=sk.minutes(20), wait_std=sk.minutes(5)),
    ]
    pool, test = (data.X_train[n0:], data.y_train[n0:]), (data.X_test, data.y_test)
    return sim.Simulation(trainer, agents, data=pool, test=test, days=6, settle_days=10, seed=seed,
                          progress=progress).run()


def measures(result: sim.SimulationResult, take_delay: int, seed: int) -> dict[str, Any]:
    """The attack's success and the honest user's costs in one run (amounts in units of sim.UNIT wei)."""
    ev = result.events[result.events["error"].isna()]
    mallory, alice = ev[ev["agent"] == "mallory"], ev[ev["agent"] == "alice"]
    first_refund = mallory.loc[mallory["action"] == "refund", "time"].min()
    takes = mallory[(mallory["action"] == "report") & (mallory["contributor"] == "alice")]
    change = {a: (result.final_balances[a] - result.start_balances[a]) / sim.UNIT for a in ("alice", "mallory")}
    reports = ev[ev["action"] == "report"]
    return {
        "take_delay_h": take_delay / 3600,
        "seed": seed,
        "flips": int(((mallory["action"] == "add") & (mallory["time"] > first_refund)).sum()),
        "takes_from_alice": len(takes),
        "taken_from_alice": float(takes["amount"].sum()) / sim.UNIT,
        "alice_change": change["alice"],
        "mallory_change": change["mallory"],
        "alice_defends": int((alice["action"] == "defend").sum()),
        "alice_defend_gas": int(alice.loc[alice["action"] == "defend", "gas"].sum()),
        "flags": int((ev["action"] == "flag").sum()),
        "flag_gas": round(ev.loc[ev["action"] == "flag", "gas"].mean()) if (ev["action"] == "flag").any() else 0,
        "report_gas": round(reports["gas"].mean()) if len(reports) else 0,
        "left_in_trainer": result.history["held"].iloc[-1],
    }


def measure(seeds: tuple[int, ...] = SEEDS) -> list[dict[str, Any]]:
    return [measures(run(delay, seed), delay, seed) for delay in DELAYS for seed in seeds]


def table(rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0])
    lines = ["  ".join(f"{c:>17}" for c in columns)]
    for row in rows:
        lines.append("  ".join(f"{row[c]:>17,.3f}" if isinstance(row[c], float) else f"{row[c]:>17,}" for c in columns))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows = measure()
    print(table(rows))
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
