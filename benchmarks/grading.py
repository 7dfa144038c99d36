"""How long grading a class takes: a synthetic class graded as ``python -m sumkit.grade`` does.

    python -m benchmarks.grading [--jobs N] [--secret S] [--notebooks 01 02 ...] [--json FILE]

The class: for every course notebook, its solution (every check passes, every hidden variant runs: the most
expensive submission), its untouched student version, and a broken one (an answer cell that raises, plus a file
that is not JSON). Printed per notebook: seconds per submission (wall, and the grading process's CPU), and what
the time went to (starting the process and importing the kit, the kit's own cells, the answer cells, each
check). The projection for 30 students x 8 notebooks is given two ways: from this run's wall time (what this
machine did, with whatever else it was running), and from CPU time spread over the cores (what a machine with
its cores free would do), for a class that solved everything (the upper bound) and for this mix.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from sumkit.course import build
from sumkit.grading import Grader, discover

from . import write_json

STUDENTS, NOTEBOOKS_PER_STUDENT = 30, 8
GOAL_S = 30 * 60


def synthetic_class(folder: Path, numbers: list[str]) -> None:
    """Three students: ``solved`` (the solution notebooks), ``untouched`` (the student notebooks) and ``broken``
    (each answer cell raising first, and one file that is not JSON)."""
    for path in build.student_notebooks():
        nb = nbformat.read(path, 4)
        number = build.notebook_id(nb, path)
        if number not in numbers:
            continue
        for student in ("solved", "untouched", "broken"):
            (folder / student).mkdir(parents=True, exist_ok=True)
        shutil.copy(build.SOLUTIONS / path.name, folder / "solved" / path.name)
        shutil.copy(path, folder / "untouched" / path.name)
        if number == numbers[-1]:
            (folder / "broken" / path.name).write_text("{ this is not JSON")
            continue
        for where in build.exercise_cells(nb).values():
            if where.answer is not None:
                nb.cells[where.answer].source = "raise RuntimeError('broken on purpose')\n" + nb.cells[where.answer].source
        nbformat.write(nb, folder / "broken" / path.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.grading", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--secret", default="benchmark-secret")
    parser.add_argument("--notebooks", nargs="*", default=[f"{n:02d}" for n in range(1, 9)])
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="sumkit-bench-grading-") as tmp:
        folder = Path(tmp)
        synthetic_class(folder, args.notebooks)
        grader = Grader(timeout=args.timeout, secret=args.secret, progress=True)
        submissions = discover(folder)
        print(f"grading {len(submissions)} submissions with the {grader.backend} backend, {args.jobs} at a time, "
              f"{cores} cores, load average {load:.1f} at the start (other work on this machine slows wall time)",
              flush=True)
        started = time.monotonic()
        rows = grader.grade(submissions, args.jobs)
        elapsed = time.monotonic() - started
    points, feedback = {}, {}
    for r in rows:
        feedback.setdefault((r.student, r.notebook), {})[r.exercise] = [r.points, r.max_points, r.feedback]
        points.setdefault((r.student, r.notebook), [0, 0])
        points[r.student, r.notebook][0] += r.points
        points[r.student, r.notebook][1] += r.max_points
    timing = {(t["submission"].split("/")[0], t["notebook"]): t for t in grader.timings}
    table = []
    print(f"\n{'notebook':<9}{'kind':<11}{'points':>8}{'wall s':>9}{'CPU s':>8}{'start CPU':>10}{'kit':>7}"
          f"{'answers':>8}  checks (wall s)")
    for number in args.notebooks:
        for student in ("solved", "untouched", "broken"):
            t = timing.get((student, number), {})
            got, total = points.get((student, number), (0, 0))
            checks = t.get("checks", {})
            row = {"notebook": number, "kind": student, "points": got, "max_points": total,
                   "wall_s": t.get("seconds"), "cpu_s": t.get("cpu"), "startup_cpu_s": t.get("startup_cpu"),
                   "kit_cells_s": t.get("kit_cells"), "answer_cells_s": t.get("answer_cells"), "checks_s": checks,
                   "slowest_cells": t.get("slowest_cells", []), "feedback": feedback.get((student, number), {})}
            table.append(row)
            fmt = lambda v: f"{v:.1f}" if isinstance(v, (int, float)) else "-"  # noqa: E731
            print(f"{number:<9}{student:<11}{f'{got}/{total}':>8}{fmt(row['wall_s']):>9}{fmt(row['cpu_s']):>8}"
                  f"{fmt(row['startup_cpu_s']):>10}{fmt(row['kit_cells_s']):>7}{fmt(row['answer_cells_s']):>8}  "
                  + " ".join(f"{k} {v:.1f}" for k, v in checks.items())
                  + ("  slowest cells: " + ", ".join(f"#{i} {v:.1f}" for v, i in row["slowest_cells"])
                     if row["slowest_cells"] else ""))
    solved_cpu = sum(r["cpu_s"] or 0 for r in table if r["kind"] == "solved")
    all_cpu = sum(r["cpu_s"] or 0 for r in table)
    per_student = len(args.notebooks)
    scale = STUDENTS * NOTEBOOKS_PER_STUDENT / per_student
    projections = {
        "wall_this_run_s": elapsed * scale / 3,  # 3 synthetic students graded in `elapsed`
        "cpu_all_solved_s": solved_cpu * scale / min(args.jobs, cores),
        "cpu_this_mix_s": all_cpu * scale / 3 / min(args.jobs, cores),
    }
    parts = {"start-up (Python, imports; CPU)": sum(r["startup_cpu_s"] or 0 for r in table),
             "the kit's own cells": sum(r["kit_cells_s"] or 0 for r in table),
             "answer cells": sum(r["answer_cells_s"] or 0 for r in table),
             "checks (hidden variants included)": sum(sum(r["checks_s"].values()) for r in table)}
    slowest = sorted(((v, f"{r['notebook']} {k}") for r in table for k, v in r["checks_s"].items()), reverse=True)[:3]
    total_parts = sum(parts.values()) or 1
    print(f"\nthe whole class: {elapsed:.0f} s wall for {len(submissions)} submissions; worker CPU {all_cpu:.0f} s")
    print("time went to (wall s, except start-up): " + ", ".join(f"{k} {v:.0f} s ({100 * v / total_parts:.0f}%)"
                                                              for k, v in parts.items()))
    lost = [f"{r['notebook']} {ex}: {p}/{m} {fb[:160]}" for r in table if r["kind"] == "solved"
            for ex, (p, m, fb) in r["feedback"].items() if p < m]
    print("solution notebooks below full marks: " + ("; ".join(lost) if lost else "none"))
    print("slowest checks: " + ", ".join(f"{name} {v:.0f} s" for v, name in slowest))
    print(f"projected for {STUDENTS} students x {NOTEBOOKS_PER_STUDENT} notebooks, {min(args.jobs, cores)} at a time:")
    print(f"  from this run's wall time (this mix, this machine as loaded):  {projections['wall_this_run_s'] / 60:.1f} min")
    print(f"  from CPU time, every student solved everything (upper bound): {projections['cpu_all_solved_s'] / 60:.1f} min")
    print(f"  from CPU time, this mix (solved, untouched, broken):          {projections['cpu_this_mix_s'] / 60:.1f} min")
    print(f"  goal: {GOAL_S / 60:.0f} min")
    write_json([{"jobs": args.jobs, "cores": cores, "load_at_start": load, "backend": grader.backend,
                 "elapsed_s": elapsed, **projections, "parts_s": parts, "rows": table}], args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
