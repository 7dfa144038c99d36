"""The package's layout shows its layers: each layer imports only the layers below it (README, "Layout").

Bottom up: the Solidity toolchain, plumbing, the chain, the models, the incentive mechanisms, the handles on
deployed contracts, then teaching (which may use everything). One documented exception: ``Chain.join`` hands a
student's join file to the classroom package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sumkit

PACKAGE = Path(sumkit.__file__).parent
LAYERS = ["solc", "plumbing", "chain", "models", "incentives", "handles"]  # bottom up; the rest is teaching
TEACHING = ["teaching", "sim", "course", "grading", "classroom"]
ALLOWED: set[tuple[str, str]] = set()  # (importer, imported) pairs allowed to go up: none today


def layer_of(module: str) -> int | None:
    """The rank of ``module``'s layer (teaching ranks above every layer), or None for the package root."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in ("__main__", "grade"):
        return len(LAYERS) if len(parts) >= 2 else None
    if parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    if parts[1] in TEACHING:
        return len(LAYERS)
    raise AssertionError(f"{module} is in no layer: put it in one and list it in tests/test_layout.py")


def imports(path: Path) -> list[tuple[str, str, int]]:
    """(importing module, imported sumkit module, line) for every import in ``path``, at any depth."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = parts[:-1]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    module = ".".join(parts)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            targets = [target] if node.module else [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sumkit"):
            targets = [node.module]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names if alias.name.startswith("sumkit")]
        else:
            continue
        found += [(module, target, node.lineno) for target in targets]
    return found


def test_every_module_belongs_to_a_layer():
    flat = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "grade.py"))
    assert flat == [], f"modules outside any layer's package: {flat}"


def test_no_layer_imports_a_layer_above_it():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, target, line in imports(path):
            mine, theirs = layer_of(module), layer_of(target)
            if mine is not None and theirs is not None and theirs > mine and (module, target) not in ALLOWED:
                upward.append(f"{module}:{line} imports {target}")
    assert upward == [], "a layer imports one above it:\n" + "\n".join(upward)


def test_the_learner_facing_names_stay():
    for name in ("Chain", "deploy", "Trainer", "Reverted", "LocalNode", "Classroom", "ether", "days", "format_ether",
                 "compile_source", "models", "incentives", "course", "lab", "sim", "widgets", "plots", "datasets",
                 "encoding", "errors", "units", "artifacts", "node", "abi"):
        assert hasattr(sumkit, name), f"sk.{name} is gone"
    assert sumkit.chain.BLOCK_TIME == 12 and callable(sumkit.chain.contract_address)
