"""A tiny exercise module (notebook "99") for the grader's and the build's tests; synthetic notebooks import it."""

from __future__ import annotations

import nbformat

from sumkit import course
from sumkit.course import Partial, Wrong, exercise


@exercise("99.1", title="Double it", points=2, hints=["Multiply.", "Twice the input, for every input."])
def _(double):
    for x in course.variant_seeds("99.1", (3, 5, 11), below=1000):  # hidden inputs under the grader
        if double(x) != 2 * x:
            raise Wrong(f"double({x}) returned {double(x)}: it should be twice its input")


@exercise("99.2", title="Two numbers", points=2)
def _(n, m):
    if n != 7 and m != 8:
        raise Wrong("neither n nor m is right")
    if n != 7 or m != 8:
        return Partial(1, "one of n and m is right")
    return None


def notebook(*cells, number: str = "99"):
    """A synthetic notebook: each cell is (kind, source) or (kind, source, exercise, tag)."""
    nb = nbformat.v4.new_notebook(metadata={"sumkit": {"notebook": number}})
    for kind, source, *exercise_tag in cells:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            cell = nbformat.v4.new_code_cell(source)
            if exercise_tag:
                cell.metadata = {"tags": [exercise_tag[1]], "sumkit": {"exercise": exercise_tag[0]}}
            nb.cells.append(cell)
    return nb


def exercise_cells(id: str, answer: str = "...") -> list[tuple]:
    """The three cells of exercise ``id``: Your turn, the answer cell holding ``answer``, the check."""
    return [("md", f"### Your turn {id}: a title"), ("code", answer, id, "answer"),
            ("code", course.check_source(id), id, "check")]
