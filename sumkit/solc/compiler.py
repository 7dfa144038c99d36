"""Build the committed contract artifacts, ``contracts/build/*.json``, from the Solidity sources in ``contracts/``.

Learners never run this: the artifacts are committed, and loading them (:mod:`sumkit.solc.artifacts`) needs no Node.
Developers rebuild them after editing a contract::

    python -m sumkit.solc.compiler          # compiles every contracts/**/*.sol, rewrites contracts/build/*.json
    python -m sumkit.solc.compiler --check  # exits 1 if a committed artifact differs from a fresh compile (a test runs it)

It compiles all the sources in one standard-JSON run of the pinned compiler (npm ``solc``'s ``soljson.js``, the
version pinned in ``package.json``, run through Node by :func:`sumkit.solc.magic.run_soljson`, with the kit's
settings :data:`sumkit.solc.magic.SETTINGS`) and writes one artifact per contract: abi, bytecode, deployed
bytecode, devdoc/userdoc, the source's path and SHA-256, and the compiler's version and settings. Contract names
must be unique across files. Compile errors name ``contracts/<file>:<line>:<column>``.

A learner's own Solidity (``sk.compile_source``, the ``%%solidity`` cell magic) goes through
:mod:`sumkit.solc.magic`, with the same compiler and settings.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any


from . import generated
from .artifacts import CONTRACTS, ROOT
from .magic import SETTINGS, CompileError, line_of, run_soljson

BUILD = CONTRACTS / "build"  # always the source tree's artifacts, never an installed copy


def sources() -> dict[str, str]:
    """Every ``.sol`` file under ``contracts/`` (``build/`` excluded), by path relative to it."""
    files = sorted(p for p in CONTRACTS.rglob("*.sol") if BUILD not in p.parents)
    return {p.relative_to(CONTRACTS).as_posix(): p.read_text() for p in files}


def _format_error(error: dict[str, Any], srcs: dict[str, str]) -> str:
    loc = error.get("sourceLocation")
    if loc and loc.get("file") in srcs:
        line, col = line_of(srcs[loc["file"]], max(loc.get("start", 0), 0))
        where = f"contracts/{loc['file']}:{line}:{col}"
    else:
        where = "contracts"
    return f"{where}: {error.get('severity', 'error')}: {error.get('message', '').strip()}"


def run_solc(srcs: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """Compile ``srcs`` with the pinned solc through Node; returns (version, standard-JSON output)."""
    std_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in srcs.items()},
        "settings": SETTINGS,
    }
    version, output = run_soljson(std_input)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("\n".join(_format_error(e, srcs) for e in errors))
    return version, output


def build_artifacts() -> dict[str, dict[str, Any]]:
    """Compile every contract; returns one artifact per contract, by contract name."""
    srcs = sources()
    version, output = run_solc(srcs)
    artifacts: dict[str, dict[str, Any]] = {}
    for source_name, contracts in sorted(output["contracts"].items()):
        digest = hashlib.sha256(srcs[source_name].encode()).hexdigest()
        for name, out in sorted(contracts.items()):
            if name in artifacts:
                raise CompileError(f"two contracts are named {name}: contract names must be unique")
            artifacts[name] = {
                "contractName": name,
                "sourceName": f"contracts/{source_name}",
                "sourceSha256": digest,
                "compiler": {"name": "solc", "version": version, "settings": SETTINGS},
                "abi": out["abi"],
                "bytecode": "0x" + out["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + out["evm"]["deployedBytecode"]["object"],
                "devdoc": out["devdoc"],
                "userdoc": out["userdoc"],
            }
    return artifacts


def dumps(artifact: dict[str, Any]) -> str:
    """The exact text an artifact file holds (stable key order, one trailing newline)."""
    return json.dumps(artifact, indent=1, sort_keys=True) + "\n"


def _files(artifacts: dict[str, dict[str, Any]], build: Path) -> dict[Path, str]:
    return {build / f"{name}.json": dumps(artifact) for name, artifact in artifacts.items()}


def stale_artifacts(build: Path = BUILD) -> list[str]:
    """Names of artifacts in ``build`` that differ from a fresh compile (missing or extra ones too)."""
    return [Path(name).stem for name in generated.stale(_files(build_artifacts(), build), build, "*.json")]


def main(argv: list[str] | None = None) -> int:
    return generated.command(argv, prog="python -m sumkit.solc.compiler", description=__doc__.splitlines()[0],
                             what="artifacts", folder=BUILD, pattern="*.json",
                             make=lambda: _files(build_artifacts(), BUILD), error=CompileError)


if __name__ == "__main__":
    sys.exit(main())
