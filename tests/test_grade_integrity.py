"""A grade depends only on the kit's checkers and on what the answers do: every tamper attempt below gets 0 with
"tampered: ..." (or changes nothing), the kit's files are as they were afterwards, and honest answers keep their
points. The tiny exercise module "99" keeps this fast; notebook 01 shows the issue's exact one-liner failing."""

from __future__ import annotations

import csv
import shutil

import nbformat
import pytest

from sumkit import course, grade
from sumkit.course import build
from sumkit.grading.integrity import KitFiles

from .test_grade import GOOD_1, UNANSWERED, originals, read, submission

ONE_LINER = ("import sumkit.course as _c; _c.evaluate = lambda id, **a: _c.Result(id, 'correct', _c.get(id).points, "
             "_c.get(id).points, 'correct')")
REPLACE_ALL = """
import types, sumkit.course, tests.course_fixture
for module in (sumkit.course, tests.course_fixture):
    for name, value in list(vars(module).items()):
        if isinstance(value, types.FunctionType):
            setattr(module, name, lambda *a, **k: None)
""" + GOOD_1
SLY = """
def double(x):
    import sumkit.course as c
    c.get("99.2").checker = lambda n, m: None   # when the checker calls it: 99.2 would pass whatever n and m are
    return 2 * x
"""
WRITES_KIT = GOOD_1 + """
import pathlib, sumkit, sumkit.course
pathlib.Path(sumkit.course.__file__).write_text(pathlib.Path(sumkit.course.__file__).read_text() + "\\n# mine")
pathlib.Path(SOURCE).write_text(pathlib.Path(SOURCE).read_text() + "\\n# mine too")
(pathlib.Path(SOURCE).parent / "extra.py").write_text("x = 1")
"""
FORGES_RESULTS = GOOD_1 + """
import sys, json
with open(sys.argv[-1], "a") as f:
    f.write(json.dumps({"record": {"kind": "result", "exercise": "99.2", "status": "correct", "points": 2,
                                   "feedback": "correct"}, "mac": "0" * 64}) + "\\n")
"""
FAKE_PRINT = "print('✔ [99.1] Double it (2/2): correct')\ndef double(x):\n    ..."


@pytest.fixture(scope="module")
def attempts(tmp_path_factory):
    root = tmp_path_factory.mktemp("tamper")
    folder = root / "submissions"
    folder.mkdir()
    source = course.__file__
    fake_outputs = submission(*UNANSWERED)
    for index in (3, 6):  # what the old grader read: stored outputs of the check cells
        fake_outputs.cells[index].outputs = [nbformat.v4.new_output(
            "display_data", data={"application/vnd.sumkit.result+json": {"points": 2, "status": "correct"},
                                  "text/plain": "✔ correct"})]
    cases = {
        "one_liner_in_a_cell": submission(*UNANSWERED, before_two=(("code", ONE_LINER),)),
        "one_liner_in_an_answer": submission(ONE_LINER + "\ndef double(x):\n    ..."),
        "patches_check_and_a_checker": submission(
            "import sumkit.course as c\nc.check = c.evaluate = lambda *a, **k: None\n"
            "c.get('99.2').checker = lambda n, m: None\n" + GOOD_1, UNANSWERED[1]),
        "replaces_every_function": submission(REPLACE_ALL, UNANSWERED[1]),
        "sly_answer": submission(SLY, "n, m = 0, 0"),
        "fake_print": submission(FAKE_PRINT, UNANSWERED[1]),
        "fake_outputs": fake_outputs,
        "writes_kit": submission(WRITES_KIT.replace("SOURCE", repr(source))),
        "forges_results": submission(FORGES_RESULTS, UNANSWERED[1]),
        "honest": submission(),
    }
    for name, nb in cases.items():
        nbformat.write(nb, folder / f"{name}_99.ipynb")
    kit = KitFiles()
    out = root / "grades.csv"
    assert grade.main([str(folder), "--out", str(out), "--timeout", "60", "--jobs", "2",
                       "--notebooks", str(originals(root / "originals"))]) == 0
    return read(out), kit


def test_an_honest_submission_keeps_full_marks(attempts):
    rows, _ = attempts
    assert [rows["honest_99.ipynb", e][0] for e in ("99.1", "99.2")] == [2, 2]


@pytest.mark.parametrize("name", ["one_liner_in_an_answer", "patches_check_and_a_checker", "replaces_every_function"])
def test_patching_the_kit_in_an_answer_cell_is_caught(attempts, name):
    rows, _ = attempts
    for ex in ("99.1", "99.2"):
        points, _, feedback = rows[f"{name}_99.ipynb", ex]
        assert points == 0 and feedback.startswith("tampered: ") and "after the answer cell of 99.1" in feedback


def test_what_was_caught_is_named(attempts):
    rows, _ = attempts
    assert "sumkit.course.evaluate was replaced" in rows["one_liner_in_an_answer_99.ipynb", "99.1"][2]
    feedback = rows["patches_check_and_a_checker_99.ipynb", "99.1"][2]
    assert "sumkit.course.check was replaced" in feedback and "the checker of exercise 99.2 was replaced" in feedback
    assert "tests.course_fixture.notebook was replaced" in rows["replaces_every_function_99.ipynb", "99.1"][2]


def test_an_answer_that_patches_the_checker_when_called_is_caught(attempts):
    rows, _ = attempts
    for ex in ("99.1", "99.2"):
        points, _, feedback = rows["sly_answer_99.ipynb", ex]
        assert points == 0 and "the checker of exercise 99.2 was replaced" in feedback
    assert "while the checker of 99.1 called double" in rows["sly_answer_99.ipynb", "99.1"][2]


def test_cells_other_than_answers_prints_and_stored_outputs_play_no_part(attempts):
    rows, _ = attempts
    for name in ("one_liner_in_a_cell", "fake_print", "fake_outputs"):
        assert rows[f"{name}_99.ipynb", "99.1"] == (0, 2, "not answered yet (replace the ... in double)"), name
        assert rows[f"{name}_99.ipynb", "99.2"][:2] == (0, 2)


def test_writing_the_kits_files_is_caught_and_undone(attempts):
    rows, kit = attempts
    for ex in ("99.1", "99.2"):
        points, _, feedback = rows["writes_kit_99.ipynb", ex]
        # Caught inside the grading process (after the answer cell) or, if the write lands between two checks of
        # a parallel run, by the grader comparing the kit with its copy afterwards: either way 0 points, said.
        assert points == 0 and feedback.startswith("tampered: the kit's files on disk were written"), feedback
        assert "sumkit/course/__init__.py" in feedback, feedback
    assert kit.changed() == []  # the installed kit (written through its absolute path too) is as it was


def test_lines_forged_into_the_results_file_are_caught(attempts):
    rows, _ = attempts
    for ex in ("99.1", "99.2"):
        points, _, feedback = rows["forges_results_99.ipynb", ex]
        assert points == 0 and feedback == "tampered: lines not written by the grader were found in its results file"


def test_the_issues_one_liner_no_longer_gives_notebook_01_full_marks(tmp_path):
    """The issue's attack on an untouched notebook 01, in a cell of its own and in an answer cell; the solution
    notebook keeps full marks (through the command line, with two jobs and a secret)."""
    student = nbformat.read(build.NOTEBOOKS / "01_deploy_and_contribute.ipynb", 4)
    answer = build.exercise_cells(student)["01.1"].answer
    in_cell = nbformat.from_dict(student)
    in_cell.cells.insert(answer + 1, nbformat.v4.new_code_cell(ONE_LINER))
    in_answer = nbformat.from_dict(student)
    in_answer.cells[answer].source = ONE_LINER + "\n" + in_answer.cells[answer].source
    nbformat.write(in_cell, tmp_path / "cell_01_deploy_and_contribute.ipynb")
    nbformat.write(in_answer, tmp_path / "answer_01_deploy_and_contribute.ipynb")
    shutil.copy(build.SOLUTIONS / "01_deploy_and_contribute.ipynb", tmp_path / "solved_01_deploy_and_contribute.ipynb")
    out = tmp_path / "grades.csv"
    assert grade.main([str(tmp_path), "--out", str(out), "--jobs", "2", "--secret", "class-of-2026",
                       "--timeout", "600"]) == 0
    with open(out, newline="") as f:
        rows = {(r["submission"], r["exercise"]): r for r in csv.DictReader(f)}
    for e in course.exercises("01"):
        assert rows["cell_01_deploy_and_contribute.ipynb", e.id]["points"] == "0"
        assert rows["cell_01_deploy_and_contribute.ipynb", e.id]["feedback"].startswith("not answered yet")
        tampered = rows["answer_01_deploy_and_contribute.ipynb", e.id]
        assert tampered["points"] == "0" and tampered["feedback"].startswith("tampered: ")
        assert "sumkit.course.evaluate was replaced (after the answer cell of 01.1)" in tampered["feedback"]
        solved = rows["solved_01_deploy_and_contribute.ipynb", e.id]
        assert (solved["points"], solved["max_points"]) == (str(e.points), str(e.points)), solved
