"""python -m sumkit.grade: one row per submission and exercise, full marks for right answers, zero for untouched
ones, a row with the reason for every bad submission, and the per-student files (summary, gradebook, feedback).

Synthetic notebooks of the tiny exercise module "99" (tests/course_fixture.py) keep this fast: the kit's own copy
of notebook 99 is written to a folder passed as --notebooks. Tamper attempts: see tests/test_grade_integrity.py.
"""

from __future__ import annotations

import csv

import nbformat
import pytest

from sumkit import course, grade
from sumkit.solc.artifacts import ROOT
from sumkit.grading import reports

from .course_fixture import exercise_cells, notebook

SETUP = ("code", f"import sys; sys.path.insert(0, {str(ROOT)!r})\nimport sumkit as sk, tests.course_fixture")
GOOD_1 = "def double(x):\n    return 2 * x"
UNANSWERED = ("def double(x):\n    ...", "n = ...\nm = ...")


def submission(one: str = GOOD_1, two: str = "n, m = 7, 8", *, before_two: tuple = ()):
    return notebook(SETUP, *exercise_cells("99.1", one), *before_two, *exercise_cells("99.2", two))


def originals(folder):
    """The kit's own notebook 99 (the student version), as --notebooks expects."""
    folder.mkdir(exist_ok=True)
    nbformat.write(submission(*UNANSWERED), folder / "99_tiny.ipynb")
    return folder


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == grade.COLUMNS
    return {(r["submission"], r["exercise"]): (int(r["points"]), int(r["max_points"]), r["feedback"]) for r in rows}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    folder = root / "submissions"
    folder.mkdir()
    edited = submission(*UNANSWERED)
    edited.cells[3].source = 'sk.course.check("99.1", double=lambda x: 2 * x)'
    deleted = submission()
    del deleted.cells[6]
    bad = {
        "good": submission(),
        "student": submission(*UNANSWERED),
        "hard_coded": submission("def double(x):\n    return 6"),
        "partial": submission(two="n, m = 7, 0"),
        "edited": edited,
        "deleted": deleted,
        "dies": submission(two="import os\nos._exit(1)"),
        "loops": submission(two="while True:\n    pass"),
        "raises": submission(GOOD_1 + "\n1 / 0"),
        "no_metadata": submission(),
    }
    for cell in bad["no_metadata"].cells:  # an editor that drops cell metadata: answers found after the heading
        cell.metadata = {}
    for name, nb in bad.items():
        nbformat.write(nb, folder / f"99_{name}.ipynb")
    (folder / "99_junk.ipynb").write_text("this is not a notebook")
    (folder / "99_empty.ipynb").write_text("{}")
    (folder / "notes.txt").write_text("not graded: not *.ipynb")
    ana = folder / "ana"  # a student's own folder: a solved 99 and a file that only its name says is notebook 99
    ana.mkdir()
    nbformat.write(submission(), ana / "99_tiny.ipynb")
    (ana / "99_second_try.ipynb").write_bytes(b"\x89PNG not json")
    out, summary, feedback = root / "grades.csv", root / "summary.csv", root / "feedback"
    assert grade.main([str(folder), "--out", str(out), "--timeout", "20", "--jobs", "2", "--secret", "s3cret",
                       "--notebooks", str(originals(root / "originals")), "--summary", str(summary),
                       "--lms", "canvas", str(root / "canvas.csv"), "--feedback", str(feedback)]) == 0
    assert grade.main([str(ana), "--out", str(root / "ana.csv"), "--jobs", "1", "--notebooks", str(root / "originals"),
                       "--lms", "moodle", str(root / "moodle.csv")]) == 0
    return read(out), root


def test_one_row_per_submission_and_exercise(graded):
    rows, _ = graded
    submissions = {s for s, _ in rows}
    assert len(submissions) == 14 and "notes.txt" not in submissions
    assert all((s, e) in rows for s in submissions for e in ("99.1", "99.2"))
    assert all(isinstance(p, int) for p, _, _ in rows.values())


def test_full_marks_for_right_answers_and_zero_for_untouched_ones(graded):
    rows, _ = graded
    assert rows["99_good.ipynb", "99.1"][:2] == (2, 2)
    assert rows["99_good.ipynb", "99.2"] == (2, 2, "correct")
    assert rows["99_student.ipynb", "99.1"] == (0, 2, "not answered yet (replace the ... in double)")
    assert rows["99_student.ipynb", "99.2"] == (0, 2, "not answered yet (replace the ... in n, m)")
    assert rows["99_no_metadata.ipynb", "99.1"][0] == 2
    assert rows["ana/99_tiny.ipynb", "99.1"][0] == 2


def test_hidden_variants_from_the_secret_and_partial_credit(graded):
    rows, _ = graded
    points, _, feedback = rows["99_hard_coded.ipynb", "99.1"]
    assert points == 0 and "returned 6" in feedback  # passes the visible input 3, not the hidden ones
    assert "[hidden variants: 1 of 2 ran, 0 passed; failed: seed" in feedback  # the check stops at the first
    assert rows["99_good.ipynb", "99.1"][2] == "correct [hidden variants: 2 of 2 ran, 2 passed]"
    assert rows["99_partial.ipynb", "99.2"] == (1, 2, "one of n and m is right")


def test_the_hidden_inputs_depend_on_the_secret(monkeypatch):
    monkeypatch.setenv(course.GRADING_ENV, "1")
    seeds = {}
    for secret in ("s3cret", "another", ""):
        monkeypatch.setenv(course.SECRET_ENV, secret)
        seeds[secret] = list(course.variant_seeds("99.1", (3, 5, 11), below=10**6))
    assert seeds["s3cret"][0] == seeds["another"][0] == 3  # the visible case first
    assert seeds["s3cret"][1:] != seeds["another"][1:] and len(seeds["s3cret"]) == 3
    assert seeds[""] == [3, 5, 11]  # no secret: the public default, written in the checker
    monkeypatch.delenv(course.GRADING_ENV)
    assert course.variant_seeds("99.1", (3, 5, 11)) == [3]  # a learner's notebook runs the visible case only


def test_only_answer_cells_count_so_edited_or_deleted_checks_change_nothing(graded):
    rows, _ = graded
    assert rows["99_edited.ipynb", "99.1"] == (0, 2, "not answered yet (replace the ... in double)")
    assert rows["99_deleted.ipynb", "99.2"] == (2, 2, "correct")


def test_a_crash_or_a_time_out_keeps_what_was_earned_before(graded):
    rows, _ = graded
    assert rows["99_dies.ipynb", "99.1"][0] == 2
    points, _, feedback = rows["99_dies.ipynb", "99.2"]
    assert points == 0 and "grading process stopped (exit code 1" in feedback
    assert rows["99_loops.ipynb", "99.1"][0] == 2
    points, _, feedback = rows["99_loops.ipynb", "99.2"]
    assert points == 0 and "did not finish within 20 s" in feedback
    assert rows["99_raises.ipynb", "99.1"][0] == 2  # an error after the definition does not undo it
    assert rows["99_raises.ipynb", "99.2"] == (2, 2, "correct")


def test_files_that_are_not_notebooks_keep_their_notebooks_denominator(graded):
    rows, _ = graded
    for name in ("99_junk.ipynb", "99_empty.ipynb", "ana/99_second_try.ipynb"):
        for ex in ("99.1", "99.2"):
            points, max_points, feedback = rows[name, ex]
            assert points == 0 and max_points == 2 and feedback.startswith("not a"), feedback


def test_summary_gradebooks_and_feedback_files(graded):
    rows, root = graded
    with open(root / "summary.csv", newline="") as f:
        summary = {r["student"]: r for r in csv.DictReader(f)}
    assert summary["ana"] == {"student": "ana", "99": "4", "total": "4", "max": "4"}  # the better of two files
    assert summary["99_good"]["total"] == "4" and summary["99_student"]["total"] == "0"
    assert summary["99_junk"] == {"student": "99_junk", "99": "0", "total": "0", "max": "4"}
    with open(root / "canvas.csv", newline="") as f:
        canvas = list(csv.reader(f))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "sumkit 99"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5] == "4"
    assert ["99_partial", "", "", "99_partial", "", "3"] in canvas
    with open(root / "moodle.csv", newline="") as f:
        moodle = list(csv.reader(f))
    assert moodle == [["Username", "sumkit 99", "Feedback sumkit 99"],  # ana's folder alone: a student per file
                      ["99_second_try", "0", "99_second_try.ipynb 99.1: 0/2; 99_second_try.ipynb 99.2: 0/2"],
                      ["99_tiny", "4", "99_tiny.ipynb 99.1: 2/2; 99_tiny.ipynb 99.2: 2/2"]]
    text = (root / "feedback" / "99_hard_coded.md").read_text()
    assert "| 99.1 | 0/2 |" in text and "1 of 2 hidden variants ran (seed" in text and "failed" in text
    assert 'sk.course.hint("01.2")' in text
    assert {p.name for p in (root / "feedback").iterdir()} >= {"ana.md", "99_good.md", "99_junk.md"}


def test_students_from_folders_or_file_name_prefixes(tmp_path):
    (tmp_path / "ben").mkdir()
    for path in ("ana_01_deploy.ipynb", "01_deploy.ipynb", "ben/02_model_zoo.ipynb", "ben/notes.txt"):
        (tmp_path / path).write_text("{}")
    found = {(s.student, s.name) for s in grade.discover(tmp_path)}
    assert found == {("ana", "ana_01_deploy.ipynb"), ("01_deploy", "01_deploy.ipynb"), ("ben", "ben/02_model_zoo.ipynb")}


def test_a_course_notebook_that_is_not_json_keeps_its_exercises(tmp_path):
    (tmp_path / "ana_01_deploy_and_contribute.ipynb").write_text("not json")
    rows = grade.grade(tmp_path, progress=False)
    assert [(r.student, r.exercise, r.points, r.max_points) for r in rows] == [
        ("ana", e.id, 0, e.points) for e in course.exercises("01")]


def test_bad_arguments_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path / "nowhere")])
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path), "--timeout", "0"])
    assert "positive" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path), "--lms", "blackboard", "x.csv"])
    assert "canvas, moodle" in capsys.readouterr().err
    with pytest.raises(ValueError):
        reports.write_lms([], "blackboard", tmp_path / "x.csv")


def test_a_calibrated_checker_draws_its_hidden_seeds_from_a_vetted_pool(monkeypatch):
    monkeypatch.setenv(course.GRADING_ENV, "1")
    drawn = set()
    for secret in ("a", "b", "c", "d"):
        monkeypatch.setenv(course.SECRET_ENV, secret)
        seeds = list(course.variant_seeds("08.2", (0, 1, 2), pool=range(10, 34)))
        assert seeds[0] == 0 and len(set(seeds[1:])) == 2 and set(seeds[1:]) <= set(range(10, 34))
        drawn |= set(seeds[1:])
    assert len(drawn) > 2  # different secrets, different variants


def test_only_the_cells_a_grade_can_depend_on_run():
    cells = [{"role": "kit", "exercise": None, "source": s} for s in (
        "import numpy as np\nimport sumkit as sk\ndata = np.load('big.npy')",
        "chain = sk.Chain()\ntrainer = make(chain)",
        "plot(trainer.history)",                      # reads trainer: it may change it, so it runs
        "chain.travel(days=1)",                       # changes the chain trainer lives on
        "simulation = sk.sim.run(np.arange(10))\nprint(len(simulation))",  # a demonstration nothing uses
        "%%time\nwhatever()",                          # not plain Python: always runs
    )]
    cells += [{"role": "answer", "exercise": "9.1", "source": "def f(x):\n    return np.sqrt(x)"},
              {"role": "check", "exercise": "9.1", "source": ""},
              {"role": "kit", "exercise": None, "source": "after = 1"}]
    from sumkit.grading import needed_cells

    assert needed_cells(cells, {"9.1": ["f", "trainer"]}) == [  # data is never read: the imports suffice
        "imports", "all", "all", "all", None, "all", "all", "all", None]
    assert needed_cells(cells, {"9.1": ["f"]}) == [  # f reads np: the first cell's imports, nothing else
        "imports", None, None, None, None, "all", "all", "all", None]


def test_a_check_prints_its_verdict_once_in_a_notebook(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("import tests.course_fixture, sumkit as sk\nsk.course.check('99.2', n=7, m=0)")
    finally:  # the shell is a process-wide singleton: leave none behind for other tests (test_solidity makes its own)
        InteractiveShell.clear_instance()
    out = capsys.readouterr().out
    assert out.count("one of n and m is right") == 1 and "Result(" not in out, out
    result = course.results()["99.2"]
    assert (result.points, result.max_points) == (1, 2) and isinstance(result.points, int)
