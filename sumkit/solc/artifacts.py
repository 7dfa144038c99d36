"""The committed contract artifacts (``contracts/build/*.json``) and the Solidity sources: reading them needs no Node.

A source checkout (or an editable install) reads ``contracts/``; an installed wheel carries the same files inside
the package (see ``pyproject.toml``): the artifacts as ``sumkit/contracts_build/``, the sources as
``sumkit/contracts_src/``. :data:`BUILD` and :data:`SOURCES` are whichever of the two this sumkit has.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]  # the source tree (sumkit/solc/ is two levels down)
CONTRACTS = ROOT / "contracts"  # the source tree's contracts (what python -m sumkit.solc.compiler compiles)
_PACKAGE = Path(__file__).resolve().parents[1]  # the installed sumkit package
BUILD = _PACKAGE / "contracts_build" if (_PACKAGE / "contracts_build").is_dir() else CONTRACTS / "build"
SOURCES = _PACKAGE / "contracts_src" if (_PACKAGE / "contracts_src").is_dir() else CONTRACTS


@functools.cache
def load(name: str) -> dict[str, Any]:
    """The artifact of contract ``name``: abi, bytecode, docs, source hash, compiler settings.

    >>> load("DensePerceptron")["contractName"]
    'DensePerceptron'
    """
    path = BUILD / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"no artifact for {name!r} in {BUILD}: run `python -m sumkit.solc.compiler`")
    return json.loads(path.read_text())


def load_all() -> dict[str, dict[str, Any]]:
    """Every committed artifact, by contract name."""
    return {p.stem: load(p.stem) for p in sorted(BUILD.glob("*.json"))}


def source_of(contract: str, function: str) -> str:
    """The Solidity source of ``function`` in ``contract``, with its NatSpec comment (read from :data:`SOURCES`).

    >>> print(source_of("CollaborativeTrainer", "refund"))   # doctest: +SKIP
    /// @notice Claims back the deposit of your own contribution, ...
    function refund(int64[] calldata x, uint64 label, uint256 addedAt) external nonReentrant returns ...
    """
    declaration = re.compile(rf"^\s*(?:abstract\s+)?contract\s+{re.escape(contract)}\b", re.MULTILINE)
    files = [p for p in sorted(SOURCES.rglob("*.sol")) if declaration.search(p.read_text())]
    if not files:
        raise FileNotFoundError(f"no contract {contract!r} in {SOURCES}")
    text = files[0].read_text()
    body_start = declaration.search(text).end()
    match = re.compile(rf"^([ \t]*)function\s+{re.escape(function)}\s*\(", re.MULTILINE).search(text, body_start)
    if match is None:
        names = sorted(set(re.findall(r"^\s*function\s+(\w+)\s*\(", text[body_start:], re.MULTILINE)))
        raise ValueError(f"{contract} has no function {function!r}; its functions: {', '.join(names)}")
    lines = text[:match.start()].split("\n")[:-1]
    start = match.start()
    while lines and lines[-1].strip().startswith("///"):  # the NatSpec comment right above
        start -= len(lines.pop()) + 1
    depth, end = 0, text.index("{", match.end())
    for end in range(end, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            break
    indent = match.group(1)
    return "\n".join(line.removeprefix(indent) for line in text[start:end + 1].split("\n"))
