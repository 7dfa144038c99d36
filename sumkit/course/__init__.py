"""Exercises: checks with specific feedback, progressive hints, and the results a grader reads.

In a notebook, each exercise has a "Your turn" cell, a scaffold where the learner replaces ``...``, and a
check cell that passes the answer by name::

    import sumkit as sk
    sk.course.hint("01.2")                      # the next hint only, one per call
    sk.course.check("01.2", deposit=deposit)    # what is right, what is wrong, where to look
    sk.course.solution("01.2")                  # the model answer, once this kernel's check of 01.2 passed

A check never raises: an answer still ``...`` (or a function whose body is still ``...``) is "not answered
yet", a wrong one says what is wrong (without giving the answer away), and errors inside the learner's code
are reported as feedback. Each notebook's exercises live in a module ``sumkit.course.nbNN`` (``"01.2"`` is
exercise 2 of notebook 01), written with the :func:`exercise` decorator::

    @exercise("01.2", title="A deposit by hand", points=2, hints=["...", "...", "the idea, not the code"])
    def _(deposit):
        if deposit != expected:
            raise Wrong("your deposit is off by ...; look at how the wait enters the formula")

A checker returns ``None`` for full marks, a :class:`Partial` for partial credit, or raises :class:`Wrong`.
Points are whole numbers. Under the grader (:func:`grading` is True) checkers also run hidden variants (other
inputs, other seeds): :func:`variant_seeds` draws them from the instructor's secret, so reading this code does
not reveal them (the seeds written in the checkers are the public default), and records which ran, so the
grade's feedback says how each went. A hidden case's inputs (numbers, samples, accounts, amounts) come from its
seed through a function of the checker module, ``numpy.random.default_rng(seed)`` inside, named after what it
draws (``nb01.deposit_case(seed)``, ``nb06.cheap_case(seed)``, ...): a hidden case is never written in the code::

    for seed in variant_seeds("01.1", (1, 2), visible=0):   # no hidden case in a learner's notebook
        cost_weight, waits = deposit_case(seed)              # inputs drawn from the seed
        compare(rule, cost_weight, waits)                    # raise Wrong here: this variant is the failed one

Notebook conventions (``python -m sumkit.course.build`` and ``python -m sumkit.grade`` rely on exactly these):

- the notebook's metadata holds ``{"sumkit": {"notebook": "01"}}``;
- each exercise starts with a markdown cell whose first line is ``### Your turn 01.2: <title>``;
- its scaffold is a code cell tagged ``answer`` with metadata ``{"sumkit": {"exercise": "01.2"}}``, holding
  ``...`` where the answer goes (the student notebook never holds answer code);
- its check is a code cell tagged ``check`` with the same metadata and exactly the source
  :func:`check_source` gives, ``sk.course.check("01.2", a=a, b=b)`` (the checker's parameters, in order);
- checkers live in ``sumkit/course/nbNN.py``; the answer of every scaffold cell lives in
  ``notebooks/solutions/answers/NN.py``, one section per exercise opened by a line ``# %% 01.2``. The build
  writes ``notebooks/solutions/NN_*.ipynb`` from the student notebook and those sections.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import importlib
import inspect
import math
import os
import textwrap
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

GRADING_ENV = "SUMKIT_GRADING"  # set by python -m sumkit.grade
SECRET_ENV = "SUMKIT_GRADING_SECRET"  # the instructor's secret, from which hidden variants are drawn
PUBLIC_SECRET = "sumkit-public-default"  # used when no secret is given: anyone can compute its variants


class Wrong(Exception):
    """Raised by a checker: the message says what is wrong and where to look."""


def require_function(value: Any, name: str, example: str) -> Callable:
    """``value`` if it is callable, else :class:`Wrong` saying what was expected (``example``: its signature)."""
    if not callable(value):
        raise Wrong(f"{name} should be a function, like `{example}`, but it is a {type(value).__name__}")
    return value


@dataclass(frozen=True)
class Partial:
    """Partial credit: ``points`` out of the exercise's maximum, with a message per criterion."""

    points: int
    message: str


@dataclass(frozen=True)
class Result:
    """The outcome of one check: ``status`` is "correct", "partial", "wrong", "not answered" or "error"."""

    exercise: str
    status: str
    points: int
    max_points: int
    feedback: str


class Checked(Result):
    """The result :func:`check` returns: it has printed its verdict already, so a notebook shows nothing more."""

    def _ipython_display_(self) -> None:
        pass


@dataclass
class Exercise:
    """One exercise: its id ("01.2"), title, points, hints (shown one at a time) and checker."""

    id: str
    title: str
    points: int
    hints: list[str]
    checker: Callable[..., Partial | None]
    hints_shown: int = field(default=0, repr=False)


_REGISTRY: dict[str, Exercise] = {}
_RESULTS: dict[str, Result] = {}
_VARIANTS: list[dict[str, Any]] | None = None  # the hidden variants drawn during one evaluation (see begin_variants)


def exercise(id: str, *, title: str, points: int = 1, hints: list[str] | tuple[str, ...] = ()) -> Callable:
    """Register the decorated function as the checker of exercise ``id``."""

    def register(checker: Callable[..., Partial | None]) -> Callable[..., Partial | None]:
        if not isinstance(points, int) or isinstance(points, bool) or points < 1:
            raise TypeError(f"exercise {id}: points must be a positive whole number, not {points!r}")
        _REGISTRY[id] = Exercise(id, title, points, list(hints), checker)
        return checker

    return register


def grading() -> bool:
    """Whether the grader is running this notebook (checkers then add hidden checks)."""
    return os.environ.get(GRADING_ENV) == "1"


def secret() -> str:
    """The secret hidden variants are drawn from: the instructor's (``SUMKIT_GRADING_SECRET``) or the public
    default."""
    return os.environ.get(SECRET_ENV) or PUBLIC_SECRET


def variant_seeds(id: str, seeds: Sequence[int], *, visible: int = 1, below: int = 2**31,
                  pool: Sequence[int] | None = None) -> list[int]:
    """The seeds (data splits, simulation seeds, inputs) exercise ``id`` runs: ``seeds[:visible]`` in a learner's
    notebook; under the grader all of them, the hidden ones (those past ``visible``) replaced, when the instructor
    gave a secret, by as many seeds derived from it (HMAC-SHA256 of the secret and the exercise), which reading
    the kit's code does not reveal: whole numbers in ``[0, below)``, or, when the checker's bar was calibrated on
    particular cases, distinct members of ``pool`` (seeds on which the reference solution was checked to pass).
    The hidden seeds written in the checker are the public default. As the checker iterates, each hidden variant
    is recorded (seed, how it went) for the grade's feedback, so run each variant inside the loop (a checker
    that stops in a variant, by :class:`Wrong` or by returning, marks that one failed). With ``visible=0`` a
    learner's notebook runs none: the loop holds only hidden cases, whose inputs a function draws from each seed
    (``numpy.random.default_rng(seed)``).

    >>> for seed in sk.course.variant_seeds("04.1", (0, 1, 2)):   # doctest: +SKIP
    ...     run_the_case(seed)
    """
    if not grading():
        return list(seeds[:visible])
    hidden = list(seeds[visible:])
    if secret() != PUBLIC_SECRET:
        key = secret().encode()

        def draw(label: str) -> int:
            return int.from_bytes(hmac.new(key, f"{id}/{label}".encode(), hashlib.sha256).digest()[:8], "big")

        if pool is None:
            hidden = [draw(str(k)) % below for k in range(len(hidden))]
        else:  # the secret orders the pool; the first ones run
            hidden = sorted(set(pool) - set(seeds[:visible]), key=lambda seed: draw(f"pool/{seed}"))[:len(hidden)]
    return _Recorded(id, [*seeds[:visible], *hidden], visible)


class _Recorded(list):
    """A list of seeds that records, as a checker iterates it, which hidden variants ran."""

    def __init__(self, id: str, seeds: list, visible: int) -> None:
        super().__init__(seeds)
        self.id, self.visible = id, visible

    def __iter__(self):
        for n, seed in enumerate(list.__iter__(self)):
            if n >= self.visible and _VARIANTS is not None:
                for v in _VARIANTS:
                    v["status"] = "passed" if v["status"] == "running" else v["status"]
                _VARIANTS.append({"exercise": self.id, "seed": seed, "of": len(self) - self.visible,
                                  "status": "running"})
            yield seed
        for v in _VARIANTS or []:  # the checker went through every variant: each one's share is in its verdict
            v["status"] = "ran" if v["status"] == "running" else v["status"]


def begin_variants() -> None:
    """Start recording the hidden variants the next evaluation draws (the grader calls this)."""
    global _VARIANTS
    _VARIANTS = []


def end_variants(status: str = "correct") -> list[dict[str, Any]]:
    """The hidden variants drawn since :func:`begin_variants`, each with its seed and status: "passed"; "failed"
    for the one the checker stopped in; "ran" when the checker went through all of them and gave ``status``
    (its feedback names the variant that fell short); all "passed" when ``status`` is "correct"."""
    global _VARIANTS
    drawn, _VARIANTS = _VARIANTS or [], None
    for v in drawn:
        if status == "correct":
            v["status"] = "passed"
        elif v["status"] == "running":
            v["status"] = "failed"
    return drawn


def get(id: str) -> Exercise:
    """The exercise ``id`` (e.g. "01.2"), loading its notebook's module on first use."""
    if id not in _REGISTRY:
        notebook = id.split(".")[0]
        try:
            importlib.import_module(f"{__name__}.nb{notebook}")
        except ModuleNotFoundError:
            pass
    try:
        return _REGISTRY[id]
    except KeyError:
        raise KeyError(f"there is no exercise {id!r}: exercises are numbered like '01.2' (notebook 01, exercise 2)") from None


def exercises(notebook: str) -> list[Exercise]:
    """Every exercise of ``notebook`` ("01"), in order (none when it has no checker module yet)."""
    try:
        importlib.import_module(f"{__name__}.nb{notebook}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.nb{notebook}":  # a checker module that fails to import is a bug: say so
            raise
    return sorted((e for e in _REGISTRY.values() if e.id.split(".")[0] == notebook),
                  key=lambda e: int(e.id.split(".")[1]))


def check_source(id: str) -> str:
    """The exact source of exercise ``id``'s check cell, derived from its checker's parameters.

    >>> check_source("05.1")                               # doctest: +SKIP
    'sk.course.check("05.1", drain=drain)'
    """
    params = inspect.signature(get(id).checker).parameters
    return f'sk.course.check("{id}"' + "".join(f", {name}={name}" for name in params) + ")"


def _only_ellipsis(function: Callable) -> bool:
    """Whether ``function``'s body is still the scaffold: a docstring at most, then ``...``."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):  # no source to read (built-in, lambda in a string, ...)
        return False
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                         and isinstance(s.value.value, str))]
    return bool(body) and all(isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                              and s.value.value is ... for s in body)


def _unanswered(value: Any) -> bool:
    if value is ...:
        return True
    if inspect.isfunction(value):
        return _only_ellipsis(value)
    if isinstance(value, (list, tuple, set)):
        return any(_unanswered(v) for v in value)
    if isinstance(value, dict):
        return any(_unanswered(v) for v in value.values())
    return False


def evaluate(id: str, **answers: Any) -> Result:
    """Run exercise ``id``'s checker on ``answers`` and return its :class:`Result` (never raises)."""
    ex = get(id)
    missing = [name for name, value in answers.items() if _unanswered(value)]
    if not answers or missing:
        where = f" (replace the ... in {', '.join(missing)})" if missing else ""
        return Result(id, "not answered", 0, ex.points, f"not answered yet{where}")
    try:
        outcome = ex.checker(**answers)
    except Wrong as e:
        return Result(id, "wrong", 0, ex.points, str(e))
    except Exception as e:  # the learner's code (or answer) failed inside the check: say where
        frame = traceback.extract_tb(e.__traceback__)[-1]
        return Result(id, "error", 0, ex.points,
                      f"your answer raised {type(e).__name__}: {e} (in {frame.name}, line {frame.lineno})")
    if isinstance(outcome, Partial):
        points = max(0, min(math.floor(outcome.points), ex.points))  # whole points: a fraction earns the level below
        status = "correct" if points == ex.points else "partial" if points else "wrong"
        return Result(id, status, points, ex.points, outcome.message)
    return Result(id, "correct", ex.points, ex.points, "correct")


def check(id: str, **answers: Any) -> Result:
    """Check exercise ``id`` with the learner's ``answers`` (by name); print the feedback and keep the result
    for the grader. Never raises, so "Run All" runs to the end.

    >>> sk.course.check("01.2", deposit=...)       # doctest: +SKIP
    [01.2] not answered yet (replace the ... in deposit)
    """
    result = Checked(**asdict(evaluate(id, **answers)))
    _RESULTS[id] = result
    mark = {"correct": "✔", "partial": "◐", "wrong": "✘", "error": "✘", "not answered": "…"}[result.status]
    score = f" ({result.points}/{result.max_points})" if result.status != "not answered" else ""
    print(f"{mark} [{id}] {get(id).title}{score}: {result.feedback}")
    return result


def hint(id: str) -> str:
    """Reveal the next hint of exercise ``id`` (one per call); the last one points at the idea, not the code."""
    ex = get(id)
    if not ex.hints:
        text = "This exercise has no hints: reread the Your turn cell and the section above it."
    elif ex.hints_shown >= len(ex.hints):
        text = f"No more hints for {id}: that was the last ({len(ex.hints)}/{len(ex.hints)}). {ex.hints[-1]}"
    else:
        ex.hints_shown += 1
        text = f"Hint {ex.hints_shown}/{len(ex.hints)}: {ex.hints[ex.hints_shown - 1]}"
    print(text)
    return text


def results() -> dict[str, Result]:
    """The last result of every exercise checked in this kernel (for the learner: the grader checks again, in
    its own process)."""
    return dict(_RESULTS)


def solution(id: str) -> str | None:
    """Show the model answer of exercise ``id`` once the learner's own check of it passed in this kernel; before
    that, say so kindly (and point at the hints). Returns the answer's code, or None when it is not shown.

    >>> sk.course.solution("01.2")       # doctest: +SKIP
    Model answer of 01.2 (Predict the take), from notebooks/solutions/answers/01.py: ...
    """
    from . import build

    ex = get(id)
    result = _RESULTS.get(id)
    if result is None or result.status != "correct":
        now = f" (your last check says: {result.status})" if result is not None else ""
        print(f"The model answer of {id} opens once your own answer passes its check in this notebook{now}: "
              f"solve it first, then compare. Stuck? sk.course.hint(\"{id}\") reveals one hint at a time.")
        return None
    path = build.ANSWERS / f"{id.split('.')[0]}.py"
    answers = build.read_answers(path) if path.is_file() else {}
    if id not in answers:
        print(f"Your answer to {id} passed; the model answers are not part of this copy of the course (they live "
              f"in notebooks/solutions/answers/ of the instructor's copy): ask your instructor to compare.")
        return None
    print(f"Model answer of {id} ({ex.title}), from notebooks/solutions/answers/{path.name}; yours passed too, so "
          f"compare the ideas, not the names:\n\n{answers[id]}")
    return answers[id]

