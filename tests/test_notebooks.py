"""Every notebook runs top to bottom, headless, and is committed without outputs; student notebooks finish with
every exercise "not answered yet", solution notebooks pass every check, and the two cannot drift apart."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from sumkit import course
from sumkit.course import build

from .browser.conftest import find_chromium
from .nodes import require_node

STUDENT = build.student_notebooks()
SOLUTIONS = sorted(build.SOLUTIONS.glob("*.ipynb"))
COURSE = [f"{n:02d}" for n in range(0, 9)]  # notebooks 00 to 08 each get 2-4 exercises
# The lead sets this to True once every notebook 01-08 has its exercises: the count test then fails instead
# of reporting (xfail) which notebooks still lack them.
COURSE_COMPLETE = True
MARK = "SUMKIT_RESULTS "
# A cell that prints the results of the notebook's checks, read from its kernel (see read_results).
RESULTS = ("import dataclasses, json, sumkit\n"
           f"print({MARK!r} + json.dumps({{k: dataclasses.asdict(v) for k, v in sumkit.course.results().items()}}))")
NEEDS_NODE = {"07_real_network.ipynb"}  # starts sk.LocalNode()


def _has_exercises(path: Path) -> bool:
    return bool(build.exercise_cells(nbformat.read(path, as_version=4)))


def run(path: Path, monkeypatch, *, grading: bool = False) -> dict[str, dict]:
    """Execute the notebook at ``path`` top to bottom (as the grader does, hidden checks included, if ``grading``);
    returns the results of its checks, read from the kernel."""
    if path.name in NEEDS_NODE:
        require_node()
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if grading:
        monkeypatch.setenv(course.GRADING_ENV, "1")
    else:
        monkeypatch.delenv(course.GRADING_ENV, raising=False)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(RESULTS))
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return read_results("".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream"))


def read_results(text: str) -> dict[str, dict]:
    """The check results that the :data:`RESULTS` cell printed in ``text``."""
    return json.loads(text.split(MARK, 1)[1])


def assert_nothing_answered(path: Path, results: dict[str, dict]) -> None:
    """Every exercise of the student notebook at ``path`` was checked, and says "not answered yet"."""
    expected = [e.id for e in course.exercises(build.notebook_id(nbformat.read(path, as_version=4), path) or "")]
    assert sorted(results) == sorted(expected), "every exercise's check cell runs"
    for ex, result in results.items():
        assert result["status"] == "not answered" and result["points"] == 0, (ex, result)


def test_there_are_notebooks():
    assert STUDENT and len(SOLUTIONS) == len(STUDENT)


@pytest.mark.parametrize("path", STUDENT + SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name}: strip outputs before committing"


def test_solution_notebooks_are_generated_from_the_student_notebooks():
    assert build.stale() == [], "run `python -m sumkit.course.build` and commit notebooks/solutions/"


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.name)
def test_student_notebook_follows_the_course_conventions_and_holds_no_answer(path):
    nb = nbformat.read(path, as_version=4)
    assert build.problems(nb, path.name) == []
    for where in build.exercise_cells(nb).values():
        assert "..." in nb.cells[where.answer].source


def _the_browser_suite_runs_them() -> bool:
    """True when tests/browser can run (Chromium and Playwright are there): it runs every student notebook in
    JupyterLab and checks what the test below does, so the student notebooks run once, not twice."""
    return find_chromium() is not None and importlib.util.find_spec("playwright") is not None


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.name)
def test_student_notebook_runs_to_the_end_with_nothing_answered(path, monkeypatch):
    if _the_browser_suite_runs_them():
        pytest.skip("tests/browser/test_notebooks_in_jupyterlab.py runs this notebook in JupyterLab and checks the same")
    assert_nothing_answered(path, run(path, monkeypatch))


@pytest.mark.parametrize("path", [p for p in SOLUTIONS if _has_exercises(p)], ids=lambda p: p.name)
def test_solution_notebook_passes_every_check(path, monkeypatch):
    """With the grader's hidden checks too: a checker only adds cases when grading, so this covers the learner's
    checks, and it is the one run of the solution notebooks in the suite."""
    results = run(path, monkeypatch, grading=True)
    expected = course.exercises(build.notebook_id(nbformat.read(path, as_version=4), path))
    assert sorted(results) == sorted(e.id for e in expected)
    for e in expected:
        assert results[e.id]["status"] == "correct" and results[e.id]["points"] == e.points, results[e.id]


def test_every_course_notebook_has_two_to_four_exercises():
    counts = {n: 0 for n in COURSE}
    for path in STUDENT:
        number = build.notebook_id(nbformat.read(path, as_version=4), path)
        if number in counts:
            counts[number] = len(build.exercise_cells(nbformat.read(path, as_version=4)))
    lacking = {n: c for n, c in counts.items() if not 2 <= c <= 4}
    if lacking and not COURSE_COMPLETE:
        pytest.xfail("notebooks without 2-4 exercises yet (number: exercises): "
                     + ", ".join(f"{n}: {c}" for n, c in lacking.items()))
    assert not lacking, f"every notebook 00-08 needs 2-4 exercises; these do not: {lacking}"
