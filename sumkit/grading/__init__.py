"""Grade a class's notebooks with the kit's own checkers, on hidden variants drawn from the instructor's secret.

Each submission's answer cells run in a fresh process, in the kit's own copy of the notebook, under a guard that
catches changes to the kit.

::

    python -m sumkit.grade submissions/ --out grades.csv --jobs 2 --secret "$SECRET" \\
        --summary summary.csv --lms canvas canvas.csv --feedback feedback/

**Who handed in what.** A notebook's student is its sub-folder (``DIR/<student>/NN_*.ipynb``) or, for a
notebook directly in ``DIR``, the prefix of its file name (``DIR/<student>_NN_*.ipynb``; a file named
``NN_*.ipynb`` is its own student). The notebook's number comes from its metadata, else from its file name.

**How a submission is graded.** Only the submission's *answer cells* (the scaffold cells tagged ``answer``)
are taken from it. A fresh Python process (:mod:`sumkit.grading.worker`) imports its own copy of the kit, runs
the kit's own copy of the notebook (``--notebooks``, by default the kit's ``notebooks/``) top to bottom with each
answer cell replaced by the learner's, and where a check cell stands it calls the kit's checker itself with the
answers by name. Of the kit's cells it runs those a grade can depend on (:func:`needed_cells`: the cells that
define or change what the answers and checks use); demonstrations and plots are skipped. So the learner's other cells, prints and stored outputs play no part; a modification of the kit while
the answers run (its modules in memory, its files on disk, the results file) makes the checks that follow
score 0 with feedback "tampered: ..."; the kit's files are put back as they were. Each notebook runs under
``--timeout`` seconds; what finished before a time-out or a crash keeps its points, the rest gets a row saying
why; a file that is not a notebook still gets one row per exercise of the notebook its name gives.

Rows: ``submission, exercise, points, max_points, feedback`` (points are whole numbers).

The learner's code runs with your permissions, as a Python program: grade in a container or an unprivileged
account where the kit is read-only (see the instructor guide, "Grading a class").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import course
from ..solc.artifacts import ROOT
from .integrity import KitFiles

# The grading process imports this package too: nbformat (seconds to import) and the build are imported where used.
NOTEBOOKS = ROOT / "notebooks"

COLUMNS = ["submission", "exercise", "points", "max_points", "feedback"]
DEFAULT_TIMEOUT = 600  # seconds per notebook
_NUMBERED = re.compile(r"(?:^|_)(\d\d)_")


@dataclass(frozen=True)
class Row:
    """One line of the grade sheet (``student`` and ``variants`` feed the summary and feedback files)."""

    submission: str
    exercise: str
    points: int
    max_points: int
    feedback: str
    student: str = ""
    notebook: str = ""
    variants: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class Submission:
    """One handed-in file: its path, the student it belongs to and the name used in the rows."""

    path: Path
    student: str
    name: str


def discover(folder: Path) -> list[Submission]:
    """Every ``*.ipynb`` in ``folder`` (student from the file name's prefix) and in its sub-folders (student =
    the sub-folder's name), sorted by student then name."""
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        match = _NUMBERED.search(path.name)
        student = path.name[: match.start()] if match and match.start() > 0 else path.stem
        found.append(Submission(path, student, path.name))
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(sub.glob("*.ipynb")):
            found.append(Submission(path, sub.name, f"{sub.name}/{path.name}"))
    return sorted(found, key=lambda s: (s.student, s.name))


def _number_from_name(path: Path) -> str | None:
    match = _NUMBERED.search(path.name)
    return match.group(1) if match else None


def _read(path: Path) -> tuple[Any, str | None]:
    """The notebook at ``path``, or None and the reason it cannot be graded."""
    import nbformat

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


def answer_sources(nb: Any) -> dict[str, str]:
    """The source of each exercise's answer cell in ``nb``: the cell tagged ``answer``, else (an editor dropped
    the metadata) the code cell right after the exercise's Your-turn heading."""
    from ..course import build

    out = {}
    for ex, where in build.exercise_cells(nb).items():
        index = where.answer
        if index is None and where.your_turn is not None:
            index = next((i for i in range(where.your_turn + 1, len(nb.cells)) if nb.cells[i].cell_type == "code"),
                         None)
        if index is not None:
            out[ex] = nb.cells[index].source
    return out


_SCOPES = ("FunctionDef", "AsyncFunctionDef", "Lambda", "ListComp", "SetComp", "DictComp", "GeneratorExp")


def _free_reads(node: Any) -> tuple[set[str], set[str]]:
    """(names ``node``'s code reads from the module, names it binds there), scope by scope: a function's or a
    comprehension's own names (parameters, assignments, loop targets) are not read from the module."""
    import ast

    reads: set[str] = set()
    binds: set[str] = set()
    declared_global: set[str] = set()

    def visit(child: Any) -> None:
        kind = type(child).__name__
        if kind in _SCOPES:
            inner_reads, inner_binds, inner_globals = _scope(child)
            reads.update(inner_reads)
            binds.update(inner_globals)
            if kind in ("FunctionDef", "AsyncFunctionDef"):
                binds.add(child.name)
                for expr in [*child.decorator_list, *child.args.defaults, *child.args.kw_defaults]:
                    if expr is not None:
                        visit(expr)
            return
        if isinstance(child, ast.ClassDef):
            binds.add(child.name)
        elif isinstance(child, ast.Name):
            (reads if isinstance(child.ctx, ast.Load) else binds).add(child.id)
        elif isinstance(child, ast.AugAssign) and isinstance(child.target, ast.Name):
            reads.add(child.target.id)  # x += 1 reads x too
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            binds.update(a.asname or a.name.split(".")[0] for a in child.names if a.name != "*")
        elif isinstance(child, (ast.Global, ast.Nonlocal)):
            declared_global.update(child.names)
        for grandchild in ast.iter_child_nodes(child):
            visit(grandchild)

    for child in ast.iter_child_nodes(node):
        visit(child)
    return reads | declared_global, binds | declared_global


def _scope(node: Any) -> tuple[set[str], set[str], set[str]]:
    """(free reads, local names, names declared global) of a function, lambda or comprehension."""
    import ast

    local: set[str] = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        local |= {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        local |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        body = node.body if isinstance(node.body, list) else [node.body]
    else:
        body = [*node.generators, node.elt] if hasattr(node, "elt") else [*node.generators, node.key, node.value]
    reads: set[str] = set()
    declared: set[str] = set()
    for statement in body:
        r, b = _free_reads(ast.Module(body=[statement], type_ignores=[]) if isinstance(statement, ast.stmt)
                           else ast.Expression(body=statement))
        reads |= r
        local |= b
        declared |= {n for n in b if n in r and isinstance(statement, ast.Global)}
    for n in ast.walk(ast.Module(body=[s for s in body if isinstance(s, ast.stmt)], type_ignores=[])):
        if isinstance(n, ast.Global):
            declared.update(n.names)
    return (reads - (local - declared)) | declared, local, declared


def _names(source: str) -> tuple[set[str], set[str], set[str]] | None:
    """(names a cell binds in the module, names bound by imports, names it reads from the module), or None when
    it is not plain Python (a magic, a syntax error, exec): such a cell is always run."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("exec", "eval",
                                                                                                "globals", "vars"):
            return None  # it binds names the parse cannot see
    imported = {a.asname or a.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names if a.name != "*"}
    reads, binds = _free_reads(tree)
    return binds | imported, imported, reads


def needed_cells(cells: list[dict[str, Any]], params: dict[str, list[str]]) -> list[str | None]:
    """Which of the kit's cells a grade can depend on: ``"all"`` (run the cell), ``"imports"`` (run only its
    import statements) or None (skip it). Nothing after the last check cell runs; before it, answer and check
    cells, cells that are not plain Python, and, until nothing changes, every kit cell that binds a name a kept
    cell or a check reads, or that reads such a name when it is neither a module nor an answer (it may change
    that object: ``chain.travel(days=1)``; a cell that only shows an answer at work cannot). A cell needed only
    for the modules it imports runs its imports only. The rest (plots, demonstrations, the simulations a learner
    watches) cannot change a grade and is skipped."""
    import builtins

    modules: set[str] = set(vars(builtins))  # like modules: reading them changes nothing
    parsed = [_names(c["source"]) for c in cells]
    for names in parsed:
        if names is not None:
            modules |= names[1]
    answers = {n for c, names in zip(cells, parsed) if c["role"] == "answer" and names for n in names[0]}
    last_check = max((i for i, c in enumerate(cells) if c["role"] == "check"), default=-1)
    keep: list[str | None] = ["all" if i <= last_check and (c["role"] != "kit" or parsed[i] is None) else None
                              for i, c in enumerate(cells)]
    needed = {name for c in cells if c["role"] == "check" for name in params.get(c["exercise"], [])}
    while True:  # until nothing more is needed: a name needed anywhere keeps every cell before the last check
        for i, names in enumerate(parsed):
            if keep[i] == "all" and names is not None:
                needed |= names[2]
        changed = False
        for i in range(last_check + 1):
            if keep[i] != "all":
                bound, imported, read = parsed[i]
                if (bound - imported) & needed or (read | bound) & (needed - modules - answers):
                    keep[i], changed = "all", True
                elif imported & needed and keep[i] is None:
                    keep[i], changed = "imports", True
        if not changed:
            return keep


def _imports_only(source: str) -> str:
    """The top-level import statements of ``source``."""
    import ast

    tree = ast.parse(source)
    return "\n".join(ast.get_source_segment(source, node) for node in tree.body
                     if isinstance(node, (ast.Import, ast.ImportFrom)))


def job_cells(original: Any, answers: dict[str, str]) -> list[dict[str, str | None]]:
    """The code cells the grading process runs: the kit's notebook ``original`` (the cells a grade can depend on:
    :func:`needed_cells`), each answer cell's source replaced by the learner's (``answers``, by exercise), each
    check cell marked for the kit's checker."""
    from ..course import build

    role: dict[int, tuple[str, str]] = {}
    for ex, where in build.exercise_cells(original).items():
        if where.answer is not None:
            role[where.answer] = ("answer", ex)
        if where.check is not None:
            role[where.check] = ("check", ex)
    cells = []
    for index, cell in enumerate(original.cells):
        if cell.cell_type != "code":
            continue
        kind, ex = role.get(index, ("kit", None))
        source = answers.get(ex, cell.source) if kind == "answer" else cell.source
        cells.append({"role": kind, "exercise": ex, "source": source if kind != "check" else ""})
    params = {ex: _check_params(ex) for ex in {c["exercise"] for c in cells if c["role"] == "check"}}
    kept = []
    for cell, keep in zip(cells, needed_cells(cells, params)):
        if keep == "imports":
            cell = dict(cell, source=_imports_only(cell["source"]))
        if keep:
            kept.append(cell)
    return kept


def _check_params(exercise: str) -> list[str]:
    import inspect

    return list(inspect.signature(course.get(exercise).checker).parameters)


def originals(folder: Path) -> dict[str, Path]:
    """The kit's own notebooks in ``folder`` by number ("01" -> the student version)."""
    import nbformat

    from ..course import build

    found = {}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            number = build.notebook_id(nbformat.read(path, 4), path)
        except Exception:
            continue
        if number:
            found.setdefault(number, path)
    return found


def fastest_backend() -> str:
    """The fastest EVM backend installed: revm (pyrevm; results and gas proven identical) or py-evm."""
    try:
        import pyrevm  # noqa: F401
    except ImportError:
        return "py-evm"
    return "revm"


class Grader:
    """Grades submissions one by one or in parallel; keeps the kit's files as they were.

    >>> rows = Grader(timeout=600, secret="s3cret").grade(discover(Path("submissions")))   # doctest: +SKIP
    """

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, secret: str | None = None,
                 notebooks: Path = NOTEBOOKS, backend: str | None = None, progress: bool = False) -> None:
        self.timeout = timeout
        self.secret = secret or course.PUBLIC_SECRET
        import nbformat

        self.originals = {number: nbformat.read(path, 4) for number, path in originals(notebooks).items()}
        self.backend = backend or fastest_backend()
        self.progress = progress
        self.kit = KitFiles()
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self.vandalised: list[tuple[list[str], list[str]]] = []  # (files of the kit written, submissions running)
        self.timings: list[dict[str, Any]] = []

    def grade(self, submissions: Iterable[Submission], jobs: int = 1) -> list[Row]:
        """Rows for every submission, in the order given."""
        submissions = list(submissions)
        done = [0]

        def one(sub: Submission) -> list[Row]:
            started = time.monotonic()
            rows = self.grade_one(sub)
            with self._lock:
                done[0] += 1
                if self.progress:
                    points, total = sum(r.points for r in rows), sum(r.max_points for r in rows)
                    print(f"[{done[0]}/{len(submissions)}] {sub.name}: {points}/{total} in "
                          f"{time.monotonic() - started:.0f} s", file=sys.stderr)
            return rows

        if jobs <= 1:
            results = [one(s) for s in submissions]
        else:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                results = list(pool.map(one, submissions))
        return [row for rows in results for row in rows]

    def grade_one(self, sub: Submission) -> list[Row]:
        """One :class:`Row` per exercise of the submission's notebook (never raises for a bad submission)."""
        from ..course import build

        nb, problem = _read(sub.path)
        number = (build.notebook_id(nb, sub.path) if nb is not None else None) or _number_from_name(sub.path)
        exercises = course.exercises(number) if number else []

        def rows(feedback_of: dict[str, tuple[int, str, tuple]]) -> list[Row]:
            return [Row(sub.name, e.id, *feedback_of[e.id][:1], e.points, feedback_of[e.id][1], sub.student,
                        number or "", feedback_of[e.id][2]) for e in exercises]

        if not exercises:
            reason = problem or f"no exercises to grade: the notebook number ({number or 'none found'}) has none"
            return [Row(sub.name, "-", 0, 0, reason, sub.student, number or "")]
        if problem:
            return rows({e.id: (0, problem, ()) for e in exercises})
        if number not in self.originals:
            return rows({e.id: (0, f"not graded: the kit has no notebook {number} to grade it with", ())
                         for e in exercises})
        started = time.monotonic()
        with self._lock:
            self._running.add(sub.name)
        try:
            graded, stopped, forged, profile = self._run_worker(sub, number, answer_sources(nb), exercises)
        finally:
            with self._lock:  # the installed kit's files: put back what a learner's code wrote there
                changed, running = self.kit.changed(), sorted(self._running)
                self._running.discard(sub.name)
                if changed:
                    self.kit.restore()
                    self.vandalised.append((changed, running))
                    print(f"the kit's files were written ({', '.join(changed[:5])}) while {', '.join(running)} "
                          "ran; they were put back", file=sys.stderr)
        # Every submission imports its own copy of the kit, so a write to the installed kit changes no grade;
        # it is still flagged when it can only have come from this submission.
        changed = changed if running == [sub.name] else []
        self.timings.append({"submission": sub.name, "notebook": number, "seconds": time.monotonic() - started,
                             **profile})
        out: dict[str, tuple[int, str, tuple]] = {}
        for e in exercises:
            if changed or forged:
                what = (f"the kit's files on disk were written ({', '.join(changed[:5])}); they were put back"
                        if changed else "lines not written by the grader were found in its results file")
                out[e.id] = (0, f"tampered: {what}", ())
            elif e.id in graded:
                record = graded[e.id]
                points = max(0, min(int(record["points"]), e.points))
                out[e.id] = (points, _feedback(record), tuple(record.get("variants", ())))
            else:
                out[e.id] = (0, f"not graded: {stopped or 'the grader reported no result for it'}", ())
        return rows(out)

    def _run_worker(self, sub: Submission, number: str, answers: dict[str, str], exercises: list) \
            -> tuple[dict[str, dict], str | None, bool, dict[str, Any]]:
        from .worker import verify

        key = secrets.token_bytes(32)
        with tempfile.TemporaryDirectory(prefix="sumkit-grade-") as tmp:
            job_path, out_path = Path(tmp) / "job.json", Path(tmp) / "results.jsonl"
            kit = self.kit.copy_to(Path(tmp) / "kit")
            job = {"notebook": number, "cells": job_cells(self.originals[number], answers),
                   "secret": self.secret, "backend": self.backend, "cwd": str(sub.path.resolve().parent),
                   "checker_modules": sorted({e.checker.__module__ for e in exercises})}
            job_path.write_text(json.dumps(job))
            out_path.touch()
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(kit), str(ROOT), os.environ.get("PYTHONPATH", "")]))
            env.pop(course.SECRET_ENV, None)  # the worker gets the secret from the job only
            err_path = Path(tmp) / "stderr.txt"  # a file, not a pipe: whatever the learner's code writes there
            with err_path.open("wb") as err_file:
                process = subprocess.Popen(
                    [sys.executable, "-m", "sumkit.grading.worker", str(job_path), str(out_path)],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err_file, cwd=str(kit), env=env,
                    start_new_session=True)
            stopped = None
            try:
                process.communicate(key.hex().encode() + b"\n", timeout=self.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.communicate()
                stopped = f"the notebook did not finish within {self.timeout:g} s"
            with err_path.open("rb") as f:  # its last line says why a process that died early stopped
                f.seek(max(0, err_path.stat().st_size - 2000))
                err = f.read()
            graded: dict[str, dict] = {}
            forged, done = False, False
            profile: dict[str, Any] = {"startup": 0.0, "kit_cells": 0.0, "answer_cells": 0.0, "checks": {}}
            for line in out_path.read_text(errors="replace").splitlines():
                record = verify(key, line)
                if record is None:
                    forged = forged or bool(line.strip())
                elif record["kind"] == "result":
                    if record["exercise"] in graded:
                        forged = True  # one check, one result
                    graded[record["exercise"]] = record
                    profile["checks"][record["exercise"]] = record.get("seconds", 0.0)
                elif record["kind"] == "done":
                    done = True
                    profile["cpu"] = record["cpu"]
                elif record["kind"] == "ready":
                    profile["startup"] = record["seconds"]
                    profile["startup_cpu"] = record.get("cpu", 0.0)
                elif record["kind"] == "cell":
                    if record["role"] != "check":
                        profile[f"{record['role']}_cells"] += record["seconds"]
                        profile.setdefault("slowest_cells", []).append((record["seconds"], record["index"]))
                elif record["kind"] == "crash":
                    stopped = "the grader could not run it: " + record["error"].strip().splitlines()[-1][:200]
            if not done and stopped is None:
                tail = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
                stopped = (f"the grading process stopped (exit code {process.returncode}"
                           f"{': ' + tail[0][:160] if tail else ''}); did the code exit Python or run out of memory?")
        profile["slowest_cells"] = sorted(profile.get("slowest_cells", []), reverse=True)[:3]
        return graded, stopped, forged, profile


def _feedback(record: dict[str, Any]) -> str:
    text = record["feedback"] if record["status"] != "not answered" else record["feedback"]
    variants = record.get("variants") or []
    if variants:
        passed = sum(v["status"] == "passed" for v in variants)
        drawn = variants[0].get("of", len(variants))
        failed = [f"seed {v['seed']}" for v in variants if v["status"] == "failed"]
        text += f" [hidden variants: {len(variants)} of {drawn} ran, {passed} passed" + (
            f"; failed: {', '.join(failed)}" if failed else "") + "]"
    return text


def grade_notebook(path: Path, timeout: float = DEFAULT_TIMEOUT, name: str | None = None, **options: Any) -> list[Row]:
    """Grade one notebook file (see :class:`Grader`)."""
    return Grader(timeout=timeout, **options).grade_one(Submission(path, path.stem, name or path.name))


def grade(folder: Path, timeout: float = DEFAULT_TIMEOUT, progress: bool = True, jobs: int = 1,
          **options: Any) -> list[Row]:
    """Grade every submission in ``folder`` (see :func:`discover`), ``jobs`` at a time."""
    return Grader(timeout=timeout, progress=progress, **options).grade(discover(folder), jobs)


def write_csv(rows: list[Row], out: Path) -> None:
    """Write ``rows`` with the columns ``submission, exercise, points, max_points, feedback``."""
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.submission, r.exercise, r.points, r.max_points, r.feedback])


def main(argv: list[str] | None = None) -> int:
    from . import reports

    parser = argparse.ArgumentParser(prog="python -m sumkit.grade", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="submitted notebooks: DIR/<student>/NN_*.ipynb or "
                                                  "DIR/<student>_NN_*.ipynb")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV to write (grades.csv)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds each notebook may run in all (default {DEFAULT_TIMEOUT})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="notebooks graded at once (default: the number of cores)")
    parser.add_argument("--secret", default=None, help="the secret hidden variants are drawn from "
                                                       f"(default: ${course.SECRET_ENV}, else a public default)")
    parser.add_argument("--summary", type=Path, help="also write one row per student: points per notebook, "
                                                     "total, max")
    parser.add_argument("--lms", nargs=2, metavar=("canvas|moodle", "FILE"),
                        help="also write a gradebook import for Canvas or Moodle")
    parser.add_argument("--feedback", type=Path, metavar="DIR", help="also write one Markdown file per student")
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS,
                        help="the kit's student notebooks the answers are graded in (default: the kit's)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    if args.timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.lms and args.lms[0] not in reports.LMS:
        parser.error(f"--lms: choose one of {', '.join(reports.LMS)}, not {args.lms[0]!r}")
    secret = args.secret or os.environ.get(course.SECRET_ENV)
    if not secret:
        print(f"no --secret and no ${course.SECRET_ENV}: hidden variants use the public default secret, which "
              "anyone can compute from the kit's code", file=sys.stderr)
    grader = Grader(timeout=args.timeout, secret=secret, notebooks=args.notebooks, progress=True)
    print(f"grading with the {grader.backend} backend, {args.jobs} at a time", file=sys.stderr)
    rows = grader.grade(discover(args.folder), args.jobs)
    write_csv(rows, args.out)
    if args.summary:
        reports.write_summary(rows, args.summary)
    if args.lms:
        reports.write_lms(rows, args.lms[0], Path(args.lms[1]))
    if args.feedback:
        reports.write_feedback(rows, args.feedback)
    print(f"wrote {len(rows)} rows for {len({r.submission for r in rows})} submissions to {args.out}")
    return 0
