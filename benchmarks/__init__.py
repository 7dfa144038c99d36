"""Benchmarks: ``python -m benchmarks.gas`` (gas per operation), ``.sim`` and ``.paper`` (simulations, per
backend), ``.backends`` (ms per transaction, per backend), ``.startup``, ``.course`` (reading and run time per
notebook)."""

from __future__ import annotations

import json
from typing import Any


def write_json(rows: list[dict[str, Any]], path: str | None) -> None:
    """Write benchmark rows to ``path`` as a JSON list (nothing when ``path`` is None)."""
    if path:
        with open(path, "w") as f:
            json.dump(rows, f, indent=1)
            f.write("\n")
