"""``python -m sumkit.grade``: grade a class's notebooks (the grader itself lives in :mod:`sumkit.grading`)."""

from __future__ import annotations

import sys

from .grading import COLUMNS, DEFAULT_TIMEOUT, Grader, Row, Submission, discover, grade, grade_notebook, main, write_csv

__all__ = ["COLUMNS", "DEFAULT_TIMEOUT", "Grader", "Row", "Submission", "discover", "grade", "grade_notebook", "main",
           "write_csv"]

if __name__ == "__main__":
    sys.exit(main())
