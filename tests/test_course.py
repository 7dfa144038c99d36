"""The exercise framework and the solution build: checks never raise, scaffolds count as unanswered, hints come one at a
time, and the build refuses missing or extra answers."""

from __future__ import annotations

import pytest

import sumkit as sk
from sumkit import course
from sumkit.course import build
from tests.answers import reference_answers

from .course_fixture import exercise_cells, notebook  # importing it registers exercises 99.1 and 99.2


STUDENT = notebook(("code", "import sumkit as sk"), *exercise_cells("99.1", "def double(x):\n    ..."),
                   *exercise_cells("99.2", "n = ...\nm = ..."))


def test_check_source_is_derived_from_the_checker_parameters():
    assert course.check_source("99.1") == 'sk.course.check("99.1", double=double)'
    assert course.check_source("99.2") == 'sk.course.check("99.2", n=n, m=m)'
    assert course.check_source("05.2") == 'sk.course.check("05.2", drain_with_solidity=drain_with_solidity)'


def test_an_unanswered_exercise_says_so_and_never_raises(capsys):
    def double(x):
        """Twice x."""
        ...

    assert course.check("99.1", double=double).status == "not answered"
    assert course.check("99.2", n=..., m=8).feedback == "not answered yet (replace the ... in n)"
    assert "not answered yet" in capsys.readouterr().out
    assert course.results()["99.2"].points == 0


def test_wrong_partial_error_and_correct_answers_get_specific_feedback():
    def pass_body(x):
        pass  # not the scaffold: this is an answer (a wrong one)

    wrong = course.evaluate("99.1", double=pass_body)
    assert wrong.status == "wrong" and "double(3) returned None" in wrong.feedback
    partial = course.evaluate("99.2", n=7, m=0)
    assert (partial.status, partial.points, partial.feedback) == ("partial", 1, "one of n and m is right")
    crashed = course.evaluate("99.1", double=lambda x: 1 / 0)
    assert crashed.status == "error" and "ZeroDivisionError" in crashed.feedback
    assert course.evaluate("99.1", double=lambda x: x + x).status == "correct"


def test_hidden_checks_run_only_under_the_grader(monkeypatch):
    def hard_coded(x):
        return 6

    monkeypatch.delenv(course.GRADING_ENV, raising=False)
    assert course.evaluate("99.1", double=hard_coded).status == "correct"  # the visible input is 3
    monkeypatch.setenv(course.GRADING_ENV, "1")
    assert course.evaluate("99.1", double=hard_coded).status == "wrong"


def test_hints_come_one_at_a_time():
    ex = course.get("99.1")
    ex.hints_shown = 0
    assert course.hint("99.1") == "Hint 1/2: Multiply."
    assert course.hint("99.1").startswith("Hint 2/2: Twice")
    assert course.hint("99.1").startswith("No more hints for 99.1")


def test_unknown_exercises_and_notebooks():
    with pytest.raises(KeyError, match="there is no exercise '42.1'"):
        course.get("42.1")
    assert course.exercises("42") == []


def test_the_build_puts_each_answer_in_its_cell_and_nothing_else():
    out = build.solution(STUDENT, {"99.1": "def double(x):\n    return 2 * x", "99.2": "n, m = 7, 8"})
    assert out.cells[2].source == "def double(x):\n    return 2 * x" and out.cells[5].source == "n, m = 7, 8"
    assert [c.source for i, c in enumerate(out.cells) if i not in (2, 5)] == \
        [c.source for i, c in enumerate(STUDENT.cells) if i not in (2, 5)]
    assert STUDENT.cells[2].source == "def double(x):\n    ..."  # the student notebook is not touched


def test_the_build_refuses_a_missing_or_an_extra_answer():
    with pytest.raises(build.BuildError, match="no answer for 99.2"):
        build.solution(STUDENT, {"99.1": "x"})
    with pytest.raises(build.BuildError, match="answers for exercises the notebook does not have: 99.7"):
        build.solution(STUDENT, {"99.1": "x", "99.2": "y", "99.7": "z"})


def test_answers_files_are_split_by_section_lines(tmp_path):
    path = tmp_path / "99.py"
    path.write_text("# %% 99.1\ndef double(x):\n    return 2 * x\n\n\n# %% 99.2\nn, m = 7, 8\n")
    assert build.read_answers(path) == {"99.1": "def double(x):\n    return 2 * x", "99.2": "n, m = 7, 8"}
    path.write_text("import os\n# %% 99.1\nx = 1\n")
    with pytest.raises(build.BuildError, match="before the first"):
        build.read_answers(path)
    path.write_text("# %% 99.1\nx = 1\n# %% 99.1\nx = 2\n")
    with pytest.raises(build.BuildError, match="two sections for exercise 99.1"):
        build.read_answers(path)


def test_problems_finds_every_broken_convention():
    assert build.problems(STUDENT) == []
    answered = notebook(*exercise_cells("99.1", "def double(x):\n    return 2 * x"), *exercise_cells("99.2", "n = ..."))
    assert build.problems(answered) == ["notebook: the answer cell of 99.1 holds no '...' (student notebooks hold "
                                        "no answers)"]
    edited = notebook(*exercise_cells("99.1", "..."), *exercise_cells("99.2", "..."))
    edited.cells[2].source = 'sk.course.check("99.1", double=lambda x: 2 * x)'
    assert "must read exactly" in build.problems(edited)[0]
    missing = notebook(*exercise_cells("99.1", "..."))
    assert build.problems(missing) == ["notebook: exercise 99.2 has a checker but no cells"]
    orphan = notebook(*exercise_cells("99.1", "..."), *exercise_cells("99.2", "..."),
                      ("md", "### Your turn 99.9: no checker"), ("code", "...", "99.9", "answer"),
                      ("code", 'sk.course.check("99.9", x=x)', "99.9", "check"))
    assert build.problems(orphan) == ["notebook: exercise 99.9 has no checker in sumkit/course/nb99.py"]


def test_the_lab_exercises_reuse_the_level_hints():
    assert course.get("05.1").hints == list(sk.lab._SPECS["reentrancy"].hints)
    assert course.get("05.2").points == 3 and len(course.exercises("05")) == 4


def _lab_answers() -> dict:
    return reference_answers("05")


def test_a_lab_exploit_that_hard_codes_mallory_scores_only_outside_the_grader(monkeypatch):
    def forge(level):
        mallory = level.chain.mallory  # should be level.player
        loot = level.chain.balance(level.contract.address)
        fake = level.handler.transact("record", mallory, list(sk.lab.POSITIVE), 1, loot, sender=mallory).output
        level.chain.travel(days=1)
        level.contract.transact("refund", fake, sender=mallory)

    monkeypatch.delenv(course.GRADING_ENV, raising=False)
    visible = course.evaluate("05.3", forge=forge)
    assert visible.status == "correct" and "refused it with NotTrainer" in visible.feedback
    monkeypatch.setenv(course.GRADING_ENV, "1")
    hidden = course.evaluate("05.3", forge=forge)
    assert hidden.status == "wrong" and "level.player" in hidden.feedback


def test_a_solidity_attacker_without_a_stopping_rule_is_told_why_it_reverted():
    source = _lab_answers()["DRAINER"].replace("if (address(target).balance >= deposit) target.refund(id);",
                                               "target.refund(id);")

    def drain_with_solidity(level):
        drainer = level.deploy(sk.compile_source(source)["Drainer"], level.contract.address)
        drainer.transact("contribute", list(sk.lab.POSITIVE), 1, sender=level.player, value=sk.lab.DEPOSIT)
        level.chain.travel(days=1)
        drainer.transact("drain", sender=level.player)

    result = course.evaluate("05.2", drain_with_solidity=drain_with_solidity)
    assert result.status == "wrong" and "When should receive() stop asking?" in result.feedback


def test_the_model_answer_opens_only_after_the_learners_check_passes(capsys):
    course._RESULTS.pop("01.1", None)
    assert course.solution("01.1") is None  # never checked in this kernel
    assert "opens once your own answer passes" in capsys.readouterr().out
    course.check("01.1", deposit_rule=lambda w, s: 0)  # a wrong answer does not open it either
    assert course.solution("01.1") is None
    assert "your last check says: wrong" in capsys.readouterr().out
    course.check("01.1", deposit_rule=lambda w, s: w * 3600 // (__import__("math").isqrt(s) if s > 1 else 1))
    shown = course.solution("01.1")
    assert shown == build.read_answers(build.ANSWERS / "01.py")["01.1"] and "isqrt" in shown
    assert "Model answer of 01.1 (A deposit by hand)" in capsys.readouterr().out


def test_a_passed_exercise_without_model_answers_says_where_they_are(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(build, "ANSWERS", tmp_path)  # as in a student image made by `sumkit.course release`
    course.check("99.1", double=lambda x: 2 * x)
    assert course.solution("99.1") is None and "ask your instructor" in capsys.readouterr().out
