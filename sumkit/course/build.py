"""Build the solution notebooks from the student notebooks and one answers file per notebook.

The student notebook (``notebooks/NN_*.ipynb``) is the source of every cell; the answer code of its
scaffold cells lives only in ``notebooks/solutions/answers/NN.py``, one section per exercise::

    # %% 01.2
    deposit = cost_weight * 3600 // math.isqrt(wait)

The build copies each student notebook to ``notebooks/solutions/`` (same file name) with every ``answer``
cell's source replaced by its section, and refuses a missing or an extra answer::

    python -m sumkit.course.build           # writes notebooks/solutions/*.ipynb
    python -m sumkit.course.build --check   # exits 1 if a committed solution notebook differs

The notebook conventions it relies on are listed in :mod:`sumkit.course`.
"""

from __future__ import annotations

import copy
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from ..solc import generated
from ..solc.artifacts import ROOT

NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
ANSWERS = SOLUTIONS / "answers"
_SECTION = re.compile(r"^# %% (\d\d\.\d+)[ \t]*$", re.MULTILINE)
_YOUR_TURN = re.compile(r"^### Your turn (\d\d\.\d+): \S", re.M)  # a heading line of its own, anywhere in the cell


class BuildError(ValueError):
    """A notebook or an answers file breaks the course conventions (the message says where)."""


@dataclass(frozen=True)
class ExerciseCells:
    """Where exercise ``id`` sits in a notebook: indices of its Your-turn, answer and check cells (None if absent)."""

    id: str
    your_turn: int | None
    answer: int | None
    check: int | None


def student_notebooks() -> list[Path]:
    """The course's notebooks, ``notebooks/NN_*.ipynb``, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def notebook_id(nb: Any, path: Path | None = None) -> str | None:
    """The notebook's number ("01") from its metadata, else from its file name; None if neither has one."""
    meta = nb.get("metadata", {}).get("sumkit", {}).get("notebook") if isinstance(nb, dict) else None
    if isinstance(meta, str) and re.fullmatch(r"\d\d", meta):
        return meta
    match = re.match(r"(\d\d)_", path.name) if path is not None else None
    return match.group(1) if match else None


def _exercise_of(cell: Any) -> str | None:
    ex = cell.get("metadata", {}).get("sumkit", {}).get("exercise")
    return ex if isinstance(ex, str) else None


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def exercise_cells(nb: Any) -> dict[str, ExerciseCells]:
    """Every exercise found in ``nb`` (by its Your-turn heading or its cells' metadata), in notebook order."""
    found: dict[str, dict[str, int]] = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            match = _YOUR_TURN.search(cell.source)
            if match:
                found.setdefault(match.group(1), {}).setdefault("your_turn", i)
        elif cell.cell_type == "code" and _exercise_of(cell):
            for kind in ("answer", "check"):
                if kind in _tags(cell):
                    found.setdefault(_exercise_of(cell), {}).setdefault(kind, i)
    return {ex: ExerciseCells(ex, c.get("your_turn"), c.get("answer"), c.get("check")) for ex, c in found.items()}


def read_answers(path: Path) -> dict[str, str]:
    """The sections of an answers file, by exercise id (each section's code, surrounding blank lines removed)."""
    text = path.read_text()
    marks = list(_SECTION.finditer(text))
    header = text[: marks[0].start() if marks else len(text)]
    if any(line.strip() and not line.lstrip().startswith("#") for line in header.splitlines()):
        raise BuildError(f"{path}: code before the first '# %% NN.K' section line (only comments may stand there)")
    answers: dict[str, str] = {}
    for mark, following in zip(marks, [*marks[1:], None]):
        ex = mark.group(1)
        if ex in answers:
            raise BuildError(f"{path}: two sections for exercise {ex}")
        answers[ex] = text[mark.end() : following.start() if following else len(text)].strip("\n")
    return answers


def problems(nb: Any, name: str = "notebook") -> list[str]:
    """Every way the student notebook ``nb`` breaks the course conventions (an empty list when it follows them)."""
    from . import check_source, exercises

    errors = []
    number = notebook_id(nb)
    cells = exercise_cells(nb)
    if cells and number is None:
        errors.append(f'{name}: exercises but no metadata {{"sumkit": {{"notebook": "NN"}}}}')
    registered = {e.id for e in exercises(number)} if number else set()
    for ex, where in cells.items():
        if number is not None and not ex.startswith(number + "."):
            errors.append(f"{name}: exercise {ex} belongs to another notebook than {number}")
        for kind in ("your_turn", "answer", "check"):
            if getattr(where, kind) is None:
                errors.append(f"{name}: exercise {ex} has no {kind.replace('_', ' ')} cell")
        if ex not in registered:
            errors.append(f"{name}: exercise {ex} has no checker in sumkit/course/nb{ex[:2]}.py")
            continue
        if where.answer is not None and "..." not in nb.cells[where.answer].source:
            errors.append(f"{name}: the answer cell of {ex} holds no '...' (student notebooks hold no answers)")
        if where.check is not None and nb.cells[where.check].source.strip() != check_source(ex):
            errors.append(f"{name}: the check cell of {ex} must read exactly {check_source(ex)}")
        if None not in (where.your_turn, where.answer, where.check) and not where.your_turn < where.answer < where.check:
            errors.append(f"{name}: exercise {ex}: Your turn, answer and check cells must come in that order")
    for ex in sorted(registered - set(cells)):
        errors.append(f"{name}: exercise {ex} has a checker but no cells")
    return errors


def solution(nb: Any, answers: dict[str, str], name: str = "notebook") -> Any:
    """A copy of the student notebook ``nb`` whose answer cells hold ``answers`` (BuildError if one is missing
    or extra)."""
    cells = exercise_cells(nb)
    wanted = {ex for ex, where in cells.items() if where.answer is not None}
    missing, extra = sorted(wanted - set(answers)), sorted(set(answers) - wanted)
    if missing or extra:
        raise BuildError(
            f"{name}: "
            + "; ".join(
                part
                for part in (
                    f"no answer for {', '.join(missing)}" if missing else "",
                    f"answers for exercises the notebook does not have: {', '.join(extra)}" if extra else "",
                )
                if part
            )
        )
    out = copy.deepcopy(nb)
    for ex, where in cells.items():
        if where.answer is not None:
            out.cells[where.answer].source = answers[ex]
    for cell in out.cells:  # solutions/ is one folder deeper: links out of notebooks/ climb one more level
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("](../", "](../../")
    return out


def build() -> dict[Path, str]:
    """The text of every solution notebook, by path (nothing is written)."""
    outputs: dict[Path, str] = {}
    errors: list[str] = []
    for path in student_notebooks():
        nb = nbformat.read(path, as_version=4)
        errors += problems(nb, path.name)
        number = notebook_id(nb, path)
        answers_path = ANSWERS / f"{number}.py"
        answers = read_answers(answers_path) if answers_path.exists() else {}
        try:
            outputs[SOLUTIONS / path.name] = nbformat.writes(solution(nb, answers, path.name)) + "\n"
        except BuildError as e:
            errors.append(str(e))
    known = {p.name for p in student_notebooks()}
    for path in sorted(ANSWERS.glob("*.py")) if ANSWERS.is_dir() else []:
        if not any(name.startswith(path.stem + "_") for name in known):
            errors.append(f"{path.name}: answers for a notebook that does not exist")
    if errors:
        raise BuildError("\n".join(errors))
    return outputs


def stale() -> list[str]:
    """Solution notebooks that differ from what the build writes (missing and extra ones too)."""
    return generated.stale(build(), SOLUTIONS, "*.ipynb")


def main(argv: list[str] | None = None) -> int:
    return generated.command(argv, prog="python -m sumkit.course.build", description=__doc__.splitlines()[0],
                             what="solution notebooks", folder=SOLUTIONS, pattern="*.ipynb", make=build,
                             error=BuildError)


if __name__ == "__main__":
    sys.exit(main())
