"""Build and load the compiled contracts.

Learners never need this: the artifacts in ``contracts/build/`` are committed. Developers rebuild them
after editing a contract with::

    python -m sumkit.compile          # writes contracts/build/*.json
    python -m sumkit.compile --check  # exits 1 if a committed artifact is stale

The compiler is the npm package ``solc`` (soljson), pinned in ``package.json``; it runs through Node.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any


from .artifacts import CONTRACTS, ROOT

BUILD = CONTRACTS / "build"  # always the source tree's artifacts, never an installed copy

EVM_VERSION = "prague"
SETTINGS: dict[str, Any] = {
    "evmVersion": EVM_VERSION,
    "optimizer": {"enabled": True, "runs": 200},
    "viaIR": True,
    "metadata": {"bytecodeHash": "none"},
    "outputSelection": {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "devdoc", "userdoc"]}
    },
}

# Reads a standard-JSON input on stdin, prints {"version", "output"} on stdout.
_NODE_DRIVER = """
const solc = require('solc');
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const output = JSON.parse(solc.compile(input));
  process.stdout.write(JSON.stringify({version: solc.version(), output}));
});
"""


class CompileError(RuntimeError):
    """The Solidity compiler reported errors (each shown as ``file:line:column: message``)."""


def sources() -> dict[str, str]:
    """Every ``.sol`` file under ``contracts/`` (``build/`` excluded), by path relative to it."""
    files = sorted(p for p in CONTRACTS.rglob("*.sol") if BUILD not in p.parents)
    return {p.relative_to(CONTRACTS).as_posix(): p.read_text() for p in files}


def _line_of(source: str, offset: int) -> tuple[int, int]:
    before = source[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _format_error(error: dict[str, Any], srcs: dict[str, str]) -> str:
    loc = error.get("sourceLocation")
    if loc and loc.get("file") in srcs:
        line, col = _line_of(srcs[loc["file"]], max(loc.get("start", 0), 0))
        where = f"contracts/{loc['file']}:{line}:{col}"
    else:
        where = "contracts"
    return f"{where}: {error.get('severity', 'error')}: {error.get('message', '').strip()}"


def run_solc(srcs: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """Compile ``srcs`` with the pinned solc through Node; returns (version, standard-JSON output)."""
    node = shutil.which("node")
    if node is None:
        raise CompileError("Node.js is needed to compile contracts (the committed artifacts need no Node).")
    if not (ROOT / "node_modules" / "solc").is_dir():
        raise CompileError("The solc npm package is missing: run `npm ci` in the repository root.")
    std_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in srcs.items()},
        "settings": SETTINGS,
    }
    proc = subprocess.run(
        [node, "-e", _NODE_DRIVER], input=json.dumps(std_input), capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode != 0:
        raise CompileError(f"solc failed to run: {proc.stderr.strip()}")
    result = json.loads(proc.stdout)
    output = result["output"]
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("\n".join(_format_error(e, srcs) for e in errors))
    return result["version"], output


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
