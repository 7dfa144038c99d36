"""What an instructor hands back and uploads, from the grader's rows: a per-student summary, a gradebook import
for Canvas or Moodle, and one feedback file per student.

Summary (``--summary``): ``student, <NN>..., total, max``, one row per student, one column per notebook graded in
the class (points earned; a notebook a student did not hand in counts 0 of its maximum; one handed in twice
counts its better file).

Canvas (``--lms canvas``): Canvas's gradebook import layout: ``Student, ID, SIS User ID, SIS Login ID, Section``
then one column per notebook named ``sumkit NN``; the second line is ``Points Possible`` with each notebook's
maximum. The student's name (folder or file prefix) goes in ``Student`` and ``SIS Login ID``; ``ID`` and
``SIS User ID`` stay empty, so Canvas matches students by login: name the submissions by login. Canvas creates
a ``sumkit NN`` assignment the first time it sees the column.

Moodle (``--lms moodle``): Moodle's "Import grades from CSV": ``Username`` then one column per notebook named
``sumkit NN`` and ``Feedback sumkit NN``. On import choose "Identify user by: Map from Username, Map to
username" and map each ``sumkit NN`` column to its grade item (or to a new one) and each ``Feedback`` column
to that item's feedback.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from . import Row

LMS = ("canvas", "moodle")


def _tables(rows: list[Row]) -> tuple[list[str], list[str], dict, dict]:
    """Students, notebooks, points[student][notebook] (a student who handed in a notebook twice: the better
    file), max of each notebook."""
    students = sorted({r.student for r in rows})
    notebooks = sorted({r.notebook for r in rows if r.notebook})
    per_file: dict[tuple[str, str, str], int] = defaultdict(int)
    maxima: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        if r.notebook:
            per_file[r.student, r.notebook, r.submission] += r.points
            maxima[r.notebook][r.exercise] = r.max_points
    points: dict[str, dict[str, int]] = defaultdict(dict)
    for (student, notebook, _), earned in per_file.items():
        points[student][notebook] = max(earned, points[student].get(notebook, 0))
    return students, notebooks, points, {nb: sum(m.values()) for nb, m in maxima.items()}


def write_summary(rows: list[Row], out: Path) -> None:
    """One row per student: points per notebook, total, max (the sum of every notebook's maximum)."""
    students, notebooks, points, maxima = _tables(rows)
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *notebooks, "total", "max"])
        for s in students:
            earned = [points[s].get(nb, 0) for nb in notebooks]
            w.writerow([s, *earned, sum(earned), sum(maxima[nb] for nb in notebooks)])


def write_lms(rows: list[Row], system: str, out: Path) -> None:
    """A gradebook import for ``system`` ("canvas" or "moodle"), one column per notebook (see the module doc)."""
    students, notebooks, points, maxima = _tables(rows)
    columns = [f"sumkit {nb}" for nb in notebooks]
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        if system == "canvas":
            w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *columns])
            w.writerow(["Points Possible", "", "", "", "", *(maxima[nb] for nb in notebooks)])
            for s in students:
                w.writerow([s, "", "", s, "", *(points[s].get(nb, 0) for nb in notebooks)])
        elif system == "moodle":
            feedback = _feedback_by_notebook(rows)
            w.writerow(["Username", *(c for nb in notebooks for c in (f"sumkit {nb}", f"Feedback sumkit {nb}"))])
            for s in students:
                w.writerow([s, *(v for nb in notebooks for v in (points[s].get(nb, 0), feedback[s].get(nb, "")))])
        else:
            raise ValueError(f"no gradebook format for {system!r}: choose one of {', '.join(LMS)}")


def _feedback_by_notebook(rows: list[Row]) -> dict[str, dict[str, str]]:
    """A one-line feedback per student and notebook: each file's points per exercise."""
    lines: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        lines[r.student][r.notebook].append(f"{r.submission} {r.exercise}: {r.points}/{r.max_points}")
    return {s: {nb: "; ".join(v) for nb, v in by.items()} for s, by in lines.items()}


def write_feedback(rows: list[Row], folder: Path) -> list[Path]:
    """One Markdown file per student (``<student>.md``): each exercise's points and feedback, the hidden variants
    that ran and how each went, and where the hints are."""
    folder.mkdir(parents=True, exist_ok=True)
    by_student: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_student[r.student].append(r)
    written = []
    for student, mine in sorted(by_student.items()):
        total, maximum = sum(r.points for r in mine), sum(r.max_points for r in mine)
        lines = [f"# Feedback for {student}", "", f"**{total} of {maximum} points.**", ""]
        for submission in dict.fromkeys(r.submission for r in mine):
            lines += [f"## {submission}", "", "| exercise | points | feedback |", "|---|---|---|"]
            part = [r for r in mine if r.submission == submission]
            for r in part:
                lines.append(f"| {r.exercise} | {r.points}/{r.max_points} | {_cell(r.feedback)} |")
            lines.append("")
            for r in part:
                if r.variants:
                    ran = ", ".join(f"seed {v['seed']}: {v['status']}" for v in r.variants)
                    lines.append(f"- {r.exercise}: {len(r.variants)} of {r.variants[0].get('of', len(r.variants))} hidden "
                                 f"variants ran ({ran}).")
            lines.append("")
        lines += ["## Hints", "", "Every exercise has hints, revealed one at a time: in its notebook, run "
                  "`sk.course.hint(\"NN.K\")` (for example `sk.course.hint(\"01.2\")`) after the exercise's check "
                  "cell, as many times as you need.", ""]
        path = folder / f"{_safe(student)}.md"
        path.write_text("\n".join(lines))
        written.append(path)
    return written


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "student"
