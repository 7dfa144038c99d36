"""How long ``import sumkit`` and ``sumkit.Chain()`` take, each in a fresh interpreter.

    python -m benchmarks.startup [--runs 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from . import write_json

PROBE = (
    "import time; t0 = time.perf_counter(); import sumkit; t1 = time.perf_counter(); "
    "sumkit.Chain(); t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
)


def measure(runs: int) -> list[dict[str, float]]:
    rows = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
        imported, chain = (float(v) for v in out.split())
        rows.append({"import_s": imported, "chain_s": chain, "total_s": imported + chain})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    rows = measure(args.runs)
    print(f"{'':<8} {'import sumkit':>14} {'sumkit.Chain()':>15} {'total':>8}")
    for name, pick in (("median", statistics.median), ("max", max)):
        values = [pick(r[k] for r in rows) for k in ("import_s", "chain_s", "total_s")]
        print(f"{name:<8} {values[0]:>13.2f}s {values[1]:>14.3f}s {values[2]:>7.2f}s")
    write_json(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
