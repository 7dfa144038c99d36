"""The grading process: a fresh Python that imports an unmodified kit and grades one submission.

The parent (:mod:`sumkit.grading`) starts ``python -m sumkit.grading.worker JOB RESULTS`` and writes a key on its
standard input. The job holds the code cells of the kit's own copy of the notebook (the student version), each answer
cell's source replaced by the submission's: that is all the worker takes from the submission. It then runs the
kit's notebook top to bottom in an in-process IPython shell, each answer cell replaced by the learner's, and each
check cell replaced by the kit's checker, called with the answers by name from the shell's namespace. Around
every piece of the learner's code (answer cells, and every call the checker makes to an answer function) a
:class:`~sumkit.grading.integrity.Guard` checks that the kit is as it was imported; a check that runs after a
modification gets 0 points and "tampered: ...". Each result is written as one JSON line, signed with the key
(HMAC-SHA256), so the learner's code cannot add lines the parent accepts without reading the worker's memory.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import importlib
import io
import json
import os
import resource
import sys
import time
import traceback
from typing import Any


class Tampered(BaseException):
    """Raised into the checker when an answer function modified the kit (not an Exception: checkers don't catch it)."""


def sign(key: bytes, record: dict[str, Any]) -> str:
    body = json.dumps(record, sort_keys=True)
    return json.dumps({"record": record, "mac": hmac.new(key, body.encode(), hashlib.sha256).hexdigest()})


def verify(key: bytes, line: str) -> dict[str, Any] | None:
    """The record of a signed line, or None when the line was not written by the worker."""
    try:
        outer = json.loads(line)
        body = json.dumps(outer["record"], sort_keys=True)
        ok = hmac.compare_digest(outer["mac"], hmac.new(key, body.encode(), hashlib.sha256).hexdigest())
    except (ValueError, KeyError, TypeError):
        return None
    return outer["record"] if ok else None


def _error_text(result: Any) -> str | None:
    error = result.error_in_exec or result.error_before_exec
    if error is None:
        return None
    return f"{type(error).__name__}: {str(error)[:200]}"


def run(job: dict[str, Any], key: bytes, out: Any) -> None:
    started = time.monotonic()
    def emit(record: dict[str, Any]) -> None:
        out.write(sign(key, record) + "\n")
        out.flush()

    from IPython.core.interactiveshell import InteractiveShell

    import sumkit  # noqa: F401  (the kit, as installed: the guard records it before any learner code runs)
    from sumkit import course

    from .integrity import Guard

    number = job["notebook"]
    for module in job.get("checker_modules", []):
        importlib.import_module(module)
    course.exercises(number)
    evaluate = course.evaluate  # the kit's own, captured before any learner code
    guard = Guard(["sumkit", *job.get("checker_modules", [])])
    shell = InteractiveShell.instance()
    shell.user_ns["__name__"] = "__main__"
    tampered: list[str] = []
    answer_errors: dict[str, str] = {}

    def learner_ran(where: str) -> None:
        for problem in guard.problems():
            if problem not in tampered:
                tampered.append(f"{problem} ({where})")

    def watched(function: Any, name: str, exercise: str) -> Any:
        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            finally:
                problems = guard.problems()
                if problems:
                    tampered.extend(f"{p} (while the checker of {exercise} called {name})" for p in problems)
                    raise Tampered()
        return call

    def grade_check(exercise: str) -> None:
        ex = course._REGISTRY.get(exercise) if not tampered else None
        before = list(tampered)
        if not before:
            learner_ran(f"before the check of {exercise}")
        if tampered:
            emit({"kind": "result", "exercise": exercise, "status": "tampered", "points": 0,
                  "feedback": "tampered: " + "; ".join(dict.fromkeys(tampered))})
            return
        params = list(__import__("inspect").signature(ex.checker).parameters)
        missing = [p for p in params if p not in shell.user_ns]
        if missing:
            why = answer_errors.get(exercise)
            feedback = (f"{', '.join(missing)} is not defined" + (f": the answer cell raised {why}" if why else
                        ": did its answer cell define it?"))
            emit({"kind": "result", "exercise": exercise, "status": "error", "points": 0, "feedback": feedback})
            return
        answers = {p: shell.user_ns[p] for p in params}
        answers = {p: watched(v, p, exercise) if callable(v) and not isinstance(v, type) else v
                   for p, v in answers.items()}
        course.begin_variants()
        check_started = time.monotonic()
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                result = evaluate(exercise, **answers)
        except Tampered:
            result = None
        learner_ran(f"during the check of {exercise}")
        variants = course.end_variants(result.status if result is not None else "tampered")
        if tampered or result is None:
            emit({"kind": "result", "exercise": exercise, "status": "tampered", "points": 0,
                  "feedback": "tampered: " + "; ".join(dict.fromkeys(tampered)), "variants": variants})
            return
        feedback = result.feedback
        if result.status == "not answered" and exercise in answer_errors:
            feedback += f" (the answer cell raised {answer_errors[exercise]})"
        emit({"kind": "result", "exercise": exercise, "status": result.status, "points": int(result.points),
              "feedback": feedback, "variants": variants, "seconds": round(time.monotonic() - check_started, 3)})

    usage = resource.getrusage(resource.RUSAGE_SELF)  # Python's start, the kit's imports and the guard's record
    emit({"kind": "ready", "seconds": round(time.monotonic() - started, 3),
          "cpu": round(usage.ru_utime + usage.ru_stime, 3)})
    for index, cell in enumerate(job["cells"]):
        cell_started = time.monotonic()
        if cell["role"] == "check":
            grade_check(cell["exercise"])
            continue
        learner = cell["role"] == "answer"
        source = cell["source"]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                outcome = shell.run_cell(source, store_history=False, silent=False)
                error = _error_text(outcome)
            except BaseException as e:  # SystemExit and the like, raised by the learner's code
                error = f"{type(e).__name__}: {e}"
        if learner:
            if error:
                answer_errors[cell["exercise"]] = error
            learner_ran(f"after the answer cell of {cell['exercise']}")
        else:
            guard.extend()  # modules the kit's own cells imported
        emit({"kind": "cell", "index": index, "role": cell["role"],
              "seconds": round(time.monotonic() - cell_started, 3)})
    usage = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    emit({"kind": "done", "seconds": round(time.monotonic() - started, 3),
          "cpu": round(sum(u.ru_utime + u.ru_stime for u in usage), 3)})


def main(argv: list[str]) -> int:
    job_path, out_path = argv
    with open(job_path) as f:
        job = json.load(f)
    os.unlink(job_path)
    key = bytes.fromhex(sys.stdin.readline().strip())
    os.environ.update({"SUMKIT_GRADING": "1", "SUMKIT_GRADING_SECRET": job["secret"], "MPLBACKEND": "Agg"})
    if job.get("backend"):
        os.environ["SUMKIT_BACKEND"] = job["backend"]
    os.chdir(job["cwd"])
    with open(out_path, "a", buffering=1) as out:
        try:
            run(job, key, out)
        except BaseException:
            out.write(sign(key, {"kind": "crash", "error": traceback.format_exc()[-600:]}) + "\n")
            raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
