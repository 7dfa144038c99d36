"""How long each notebook takes a learner: the prose to read (words) and the code to run (seconds, measured).

    python -m benchmarks.course [--reading-wpm 120] [--json FILE]

Every student notebook runs top to bottom in a fresh kernel, as "Restart and Run All" does, with the
solution version run too for notebooks with exercises (what a learner who solved everything executes). Wall
time depends on what else the machine runs; the kernel's CPU time (user + system, its child processes such
as the Solidity compiler included) is what one free core would need, so both are reported.
Reading time is the words of the markdown cells at ``--reading-wpm`` (120 by default: technical prose read
closely, with the code next to it), a link counting as its text only (its address is not read); thinking and typing
time for the exercises is not measured here.
"""

from __future__ import annotations

import argparse
import re
import time

import nbformat
from nbclient import NotebookClient

from sumkit.course import build

from . import write_json


CPU_PROBE = (
    "import json, resource\n"
    "_s, _c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps(_s.ru_utime + _s.ru_stime + _c.ru_utime + _c.ru_stime))"
)


LINK_TARGET = re.compile(r"\]\([^)\s]*\)")


def words(nb) -> int:
    """The words a learner reads in the markdown cells of ``nb``; a link ``[text](address)`` counts as ``text``."""
    return sum(len(re.findall(r"\w+", LINK_TARGET.sub("]", c.source))) for c in nb.cells if c.cell_type == "markdown")


def measure(path) -> tuple[float, float]:
    """(wall seconds, kernel CPU seconds) to run the notebook at ``path`` top to bottom."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CPU_PROBE))
    started = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    wall = time.perf_counter() - started
    return wall, float(nb.cells[-1].outputs[0]["text"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.course", description=__doc__.splitlines()[0])
    parser.add_argument("--reading-wpm", type=int, default=120)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    rows = []
    for path in build.student_notebooks():
        nb = nbformat.read(path, as_version=4)
        n_words = words(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        exercises = len(build.exercise_cells(nb))
        solved = build.SOLUTIONS / path.name
        wall, cpu = measure(path)
        solved_wall, solved_cpu = measure(solved) if exercises else (None, None)
        rows.append({
            "notebook": path.name,
            "exercises": exercises,
            "code_cells": len(code),
            "words": n_words,
            "reading_min": n_words / args.reading_wpm,
            "run_student_wall_s": wall,
            "run_student_cpu_s": cpu,
            "run_solution_wall_s": solved_wall,
            "run_solution_cpu_s": solved_cpu,
        })
        r = rows[-1]
        print(f"{r['notebook']:<34} {r['exercises']:>3} ex {r['code_cells']:>3} cells {r['words']:>6} words "
              f"{r['reading_min']:>5.0f} min read  run {wall:>6.1f} s wall {cpu:>6.1f} s CPU"
              + (f"  solved {solved_wall:.1f} s wall {solved_cpu:.1f} s CPU" if exercises else ""), flush=True)
    write_json(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
