"""The committed contract artifacts (``contracts/build/*.json``): loading them needs no Node."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "contracts"
# A source checkout (or an editable install) reads contracts/build/; an installed wheel carries the same
# files as sumkit/contracts_build/ (see pyproject.toml).
_PACKAGED = Path(__file__).resolve().parent / "contracts_build"
BUILD = _PACKAGED if _PACKAGED.is_dir() else CONTRACTS / "build"


@functools.cache
def load(name: str) -> dict[str, Any]:
    """The artifact of contract ``name``: abi, bytecode, docs, source hash, compiler settings.

    >>> load("DensePerceptron")["contractName"]
    'DensePerceptron'
    """
    path = BUILD / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"no artifact for {name!r} in {BUILD}: run `python -m sumkit.compile`")
    return json.loads(path.read_text())


def load_all() -> dict[str, dict[str, Any]]:
    """Every committed artifact, by contract name."""
    return {p.stem: load(p.stem) for p in sorted(BUILD.glob("*.json"))}
