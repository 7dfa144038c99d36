"""Generated files kept in git (the contract artifacts, the solution notebooks): are they fresh, and writing them.

A generator computes every file's text (``{path: text}``); :func:`stale` says which committed files differ from
it, :func:`write` makes the folder hold exactly those files::

    generated.stale({BUILD / "A.json": text}, BUILD, "*.json")   # ['A.json'] if contracts/build/A.json differs
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def stale(fresh: dict[Path, str], folder: Path, pattern: str) -> list[str]:
    """Names of the files that differ from ``fresh``: changed, missing, or in ``folder`` (matching ``pattern``)
    but no longer generated."""
    committed = set(folder.glob(pattern)) if folder.is_dir() else set()
    return sorted(p.name for p in set(fresh) | committed
                  if p not in fresh or not p.exists() or p.read_text() != fresh[p])


def write(fresh: dict[Path, str], folder: Path, pattern: str) -> None:
    """Make ``folder`` hold exactly ``fresh`` among the files matching ``pattern`` (older ones are deleted)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(pattern):
        if old not in fresh:
            old.unlink()
    for path, text in fresh.items():
        path.write_text(text)


def command(argv: list[str] | None, *, prog: str, description: str, what: str, folder: Path, pattern: str,
            make: Callable[[], dict[Path, str]], error: type[Exception]) -> int:
    """The command line of a generator (``python -m sumkit.solc.compiler``, ``python -m sumkit.course.build``):
    write what ``make()`` generates into ``folder``, or with ``--check`` only list the files that differ (exit 1).
    ``error`` is the generator's own failure (a compile error, a notebook without its answer): printed, exit 1."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--check", action="store_true", help=f"only check that the {what} are up to date")
    args = parser.parse_args(argv)
    try:
        fresh = make()
    except error as e:
        print(e, file=sys.stderr)
        return 1
    if args.check:
        out_of_date = stale(fresh, folder, pattern)
        if out_of_date:
            print(f"stale {what} (run `{prog}`): " + ", ".join(out_of_date))
            return 1
        print(f"{what} are up to date")
        return 0
    write(fresh, folder, pattern)
    print(f"wrote {len(fresh)} {what} to {folder.name}/")
    return 0
