"""Generated files kept in git (the contract artifacts, the solution notebooks): are they fresh, and writing them.

A generator computes every file's text (``{path: text}``); :func:`stale` says which committed files differ from
it, :func:`write` makes the folder hold exactly those files::

    generated.stale({BUILD / "A.json": text}, BUILD, "*.json")   # ['A.json'] if contracts/build/A.json differs
"""

from __future__ import annotations

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
