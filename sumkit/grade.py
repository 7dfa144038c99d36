"""Grade submitted notebooks: one CSV row per submission and exercise.

::

    python -m sumkit.grade submissions/ --out grades.csv --timeout 600

Every ``*.ipynb`` in the folder runs in a fresh kernel, one at a time, top to bottom, with
``SUMKIT_GRADING=1`` (so checkers add hidden checks) and at most ``--timeout`` seconds in all. An error in a
cell does not stop the run: later exercises are still graded. The points of an exercise come from what its
own check cell reported while it ran (the grader reads the result that :func:`sumkit.course.check`
attaches to the cell's output), so a crash, a time-out or a dead kernel later on keeps what was earned
before. A check cell that was deleted or edited earns nothing for its exercise; a file that is not a
notebook gets a row saying so. The columns are ``submission, exercise, points, max_points, feedback``.

The grader runs the learners' code with your permissions: it is not a sandbox. Run it in a container or a
throw-away account when submissions are not trusted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from . import course
from .course.build import exercise_cells, notebook_id

COLUMNS = ["submission", "exercise", "points", "max_points", "feedback"]
DEFAULT_TIMEOUT = 600  # seconds per notebook


@dataclass(frozen=True)
class Row:
    """One line of the grade sheet."""

    submission: str
    exercise: str
    points: float
    max_points: float
    feedback: str


def _read(path: Path) -> tuple[Any, str | None]:
    """The notebook at ``path``, or None and the reason it cannot be graded."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return None, f"not a notebook: the file is not JSON ({type(e).__name__}: {str(e)[:120]})"
    except Exception as e:  # nbformat's own errors (missing keys, unknown version, ...)
        return None, f"not a notebook: {type(e).__name__}: {str(e)[:160]}"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        return None, f"not a valid notebook: {str(e).splitlines()[0][:160]}"
    return nb, None


def _check_cells(nb: Any, ids: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Index of each exercise's intact check cell, and why the others earn nothing (deleted or edited)."""
    found = {ex: where.check for ex, where in exercise_cells(nb).items() if where.check is not None}
    intact: dict[str, int] = {}
    broken: dict[str, str] = {}
    for ex in ids:
        expected = course.check_source(ex)
        same = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip() == expected]
        if same:  # an intact check cell counts even if a tool dropped its metadata
            intact[ex] = same[-1]
        elif ex in found:
            broken[ex] = f"check cell edited: it must read exactly {expected} (no points for this exercise)"
        else:
            broken[ex] = f"check cell deleted: no cell reads {expected} (no points for this exercise)"
    return intact, broken


def _result_of(cell: Any) -> dict[str, Any] | None:
    """The last result a check published in ``cell``'s outputs."""
    result = None
    for output in cell.get("outputs", []):
        data = output.get("data", {}) if output.get("output_type") in ("display_data", "execute_result") else {}
        if course.RESULT_MIMETYPE in data:
            result = data[course.RESULT_MIMETYPE]
    return result


def _execute(nb: Any, cwd: Path, timeout: float) -> tuple[int, str | None]:
    """Run ``nb`` in place in a fresh kernel; returns how many cells ran and why it stopped early (or None)."""
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    deadline = time.monotonic() + timeout
    client = NotebookClient(
        nb,
        kernel_name="python3",
        allow_errors=True,
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        startup_timeout=120,
        resources={"metadata": {"path": str(cwd)}},
    )
    ran = 0
    try:
        with client.setup_kernel(env=dict(os.environ, **{course.GRADING_ENV: "1", "MPLBACKEND": "Agg"})):
            for index, cell in enumerate(nb.cells):
                if time.monotonic() >= deadline:
                    return ran, f"the notebook did not finish within {timeout:g} s (stopped before cell {index + 1})"
                client.execute_cell(cell, index)
                ran = index + 1
    except CellTimeoutError:
        return ran, f"the notebook did not finish within {timeout:g} s (stopped in cell {ran + 1})"
    except DeadKernelError:
        return ran, f"the kernel died in cell {ran + 1} (did the code exit Python or run out of memory?)"
    except (NoSuchKernel, RuntimeError) as e:
        return ran, f"could not run the notebook: {type(e).__name__}: {e}"
    return ran, None


def grade_notebook(path: Path, timeout: float = DEFAULT_TIMEOUT, name: str | None = None) -> list[Row]:
    """Grade one submission: one :class:`Row` per exercise of its notebook (never raises for a bad submission).

    >>> rows = grade_notebook(Path("notebooks/solutions/05_attack_lab.ipynb"))   # doctest: +SKIP
    """
    name = name or path.name
    nb, problem = _read(path)
    number = notebook_id(nb, path) if nb is not None else notebook_id({}, path)
    exercises = course.exercises(number) if number else []
    if not exercises:
        reason = problem or f"no exercises to grade: the notebook number ({number or 'none found'}) has none"
        return [Row(name, "-", 0, 0, reason)]
    if problem:
        return [Row(name, e.id, 0, e.points, problem) for e in exercises]
    ids = [e.id for e in exercises]
    intact, broken = _check_cells(nb, ids)
    ran, stopped = _execute(nb, path.resolve().parent, timeout)
    rows = []
    for ex in exercises:
        if ex.id in broken:
            rows.append(Row(name, ex.id, 0, ex.points, broken[ex.id]))
            continue
        index = intact[ex.id]
        result = _result_of(nb.cells[index])
        if result is not None:
            feedback = result["feedback"] if result["status"] != "not answered" else "not answered yet"
            rows.append(Row(name, ex.id, min(float(result["points"]), ex.points), ex.points, feedback))
        elif index >= ran and stopped:
            rows.append(Row(name, ex.id, 0, ex.points, f"not graded: {stopped}"))
        else:
            errors = [o for o in nb.cells[index].get("outputs", []) if o.get("output_type") == "error"]
            why = f"{errors[0]['ename']}: {errors[0]['evalue']}" if errors else "it reported no result"
            rows.append(Row(name, ex.id, 0, ex.points, f"the check cell failed ({why})"))
    return rows


def grade(folder: Path, timeout: float = DEFAULT_TIMEOUT, progress: bool = True) -> list[Row]:
    """Grade every ``*.ipynb`` in ``folder``, one at a time, in name order."""
    rows: list[Row] = []
    paths = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    for i, path in enumerate(paths, 1):
        started = time.monotonic()
        graded = grade_notebook(path, timeout)
        rows += graded
        if progress:
            points = sum(r.points for r in graded)
            total = sum(r.max_points for r in graded)
            print(f"[{i}/{len(paths)}] {path.name}: {points:g}/{total:g} in {time.monotonic() - started:.0f} s",
                  file=sys.stderr)
    return rows


def write_csv(rows: list[Row], out: Path) -> None:
    """Write ``rows`` with the columns ``submission, exercise, points, max_points, feedback``."""
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.submission, r.exercise, f"{r.points:g}", f"{r.max_points:g}", r.feedback])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sumkit.grade", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a folder of submitted notebooks (*.ipynb)")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV to write (grades.csv)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds each notebook may run in all (default {DEFAULT_TIMEOUT})")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    if args.timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")
    rows = grade(args.folder, args.timeout)
    write_csv(rows, args.out)
    print(f"wrote {len(rows)} rows for {len({r.submission for r in rows})} submissions to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
