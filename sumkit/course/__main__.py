"""``python -m sumkit.course release DIR``: the students' copy of the course (see :mod:`sumkit.course.release`).

The solution notebooks are built with ``python -m sumkit.course.build``.
"""

from __future__ import annotations

import sys

from . import release

COMMANDS = {"release": release.main}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m sumkit.course release DIR [--kit WHEEL_OR_REQUIREMENT]", file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
