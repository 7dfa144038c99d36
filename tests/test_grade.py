"""python -m sumkit.grade: one row per submission and exercise, full marks for solutions, zero for untouched student
notebooks, and a row with the reason for every bad submission (not a notebook, time-out, dead kernel, edited or
deleted check cells)."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from sumkit import course, grade
from sumkit.artifacts import ROOT
from sumkit.course import build

from .course_fixture import exercise_cells, notebook

SETUP = ("code", f"import sys; sys.path.insert(0, {str(ROOT)!r})\nimport sumkit as sk, tests.course_fixture")
GOOD_1 = "def double(x):\n    return 2 * x"


def submission(one: str = GOOD_1, two: str = "n, m = 7, 8", *, before_two: tuple = ()):
    return notebook(SETUP, *exercise_cells("99.1", one), *before_two, *exercise_cells("99.2", two))


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == grade.COLUMNS
    return {(r["submission"], r["exercise"]): (float(r["points"]), float(r["max_points"]), r["feedback"]) for r in rows}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    edited = submission()
    edited.cells[3].source = 'sk.course.check("99.1", double=lambda x: 2 * x)'
    deleted = submission()
    del deleted.cells[6]
    bad = {
        "good": submission(),
        "student": submission("def double(x):\n    ...", "n = ...\nm = ..."),
        "hard_coded": submission("def double(x):\n    return 6"),
        "partial": submission(two="n, m = 7, 0"),
        "edited": edited,
        "deleted": deleted,
        "dies": submission(before_two=(("code", "import os\nos._exit(1)"),)),
        "loops": submission(before_two=(("code", "while True:\n    pass"),)),
        "raises": submission(before_two=(("code", "1 / 0"),)),
        "no_metadata": submission(),
    }
    for cell in bad["no_metadata"].cells:  # an editor that drops cell metadata: checks still found by source
        cell.metadata = {}
    for name, nb in bad.items():
        nbformat.write(nb, folder / f"99_{name}.ipynb")
    (folder / "99_junk.ipynb").write_text("this is not a notebook")
    (folder / "99_empty.ipynb").write_text("{}")
    (folder / "notes.txt").write_text("not graded: not *.ipynb")
    out = folder / "grades.csv"
    assert grade.main([str(folder), "--out", str(out), "--timeout", "30"]) == 0  # "loops" waits it out
    return read(out)


def test_one_row_per_submission_and_exercise(graded):
    submissions = {s for s, _ in graded}
    assert len(submissions) == 12 and "notes.txt" not in submissions
    assert all((s, e) in graded for s in submissions - {"99_junk.ipynb", "99_empty.ipynb"} for e in ("99.1", "99.2"))


def test_full_marks_for_right_answers_and_zero_for_untouched_ones(graded):
    assert graded["99_good.ipynb", "99.1"] == (2, 2, "correct")
    assert graded["99_good.ipynb", "99.2"] == (2, 2, "correct")
    assert graded["99_student.ipynb", "99.1"] == (0, 2, "not answered yet")
    assert graded["99_student.ipynb", "99.2"] == (0, 2, "not answered yet")
    assert graded["99_no_metadata.ipynb", "99.1"][0] == 2


def test_hidden_checks_and_partial_credit(graded):
    points, _, feedback = graded["99_hard_coded.ipynb", "99.1"]
    assert points == 0 and "double(5) returned 6" in feedback  # passes the visible input 3, not the hidden ones
    assert graded["99_partial.ipynb", "99.2"] == (1, 2, "one of n and m is right")


def test_edited_or_deleted_check_cells_get_no_points(graded):
    points, _, feedback = graded["99_edited.ipynb", "99.1"]
    assert points == 0 and feedback.startswith("check cell edited")
    assert graded["99_edited.ipynb", "99.2"][0] == 2
    points, _, feedback = graded["99_deleted.ipynb", "99.2"]
    assert points == 0 and feedback.startswith("check cell deleted")


def test_a_dead_kernel_or_a_time_out_keeps_what_was_earned_before(graded):
    assert graded["99_dies.ipynb", "99.1"][0] == 2
    points, _, feedback = graded["99_dies.ipynb", "99.2"]
    assert points == 0 and "kernel died" in feedback
    assert graded["99_loops.ipynb", "99.1"][0] == 2
    points, _, feedback = graded["99_loops.ipynb", "99.2"]
    assert points == 0 and "did not finish within 30 s" in feedback
    assert graded["99_raises.ipynb", "99.2"] == (2, 2, "correct")  # an error in a cell does not stop grading


def test_files_that_are_not_notebooks_get_a_row_with_the_reason(graded):
    for name in ("99_junk.ipynb", "99_empty.ipynb"):
        for ex in ("99.1", "99.2"):
            points, max_points, feedback = graded[name, ex]
            assert points == 0 and max_points == 2 and feedback.startswith("not a"), feedback


def test_bad_arguments_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path / "nowhere")])
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path), "--timeout", "0"])
    assert "positive" in capsys.readouterr().err


def test_a_course_notebook_gets_full_marks_solved_and_zero_untouched(tmp_path):
    """Through the command line, on a course notebook (its student and its solution version). Every solution
    notebook passes the grader's hidden checks in tests/test_notebooks.py, without the command line's cost."""
    path = build.SOLUTIONS / "06_playground.ipynb"
    exercises = course.exercises(build.notebook_id(nbformat.read(path, 4), path))
    assert exercises
    shutil.copy(path, tmp_path / f"solved_{path.name}")
    shutil.copy(build.NOTEBOOKS / path.name, tmp_path / f"student_{path.name}")
    out = tmp_path / "grades.csv"
    env = dict(os.environ, MPLBACKEND="Agg")
    subprocess.run([sys.executable, "-m", "sumkit.grade", str(tmp_path), "--out", str(out), "--timeout", "900"],
                   check=True, env=env, cwd=ROOT)
    graded = read(out)
    for e in exercises:
        assert graded[f"solved_{path.name}", e.id][:2] == (e.points, e.points), graded[f"solved_{path.name}", e.id]
        assert graded[f"student_{path.name}", e.id] == (0, e.points, "not answered yet")
