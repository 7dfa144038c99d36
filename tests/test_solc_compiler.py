"""The committed artifacts are exactly what the pinned compiler produces from the sources."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from sumkit.solc import artifacts, compiler

needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not (compiler.ROOT / "node_modules" / "solc").is_dir(),
    reason="Node.js and `npm ci` are needed to rebuild artifacts (learners do not need them)",
)


@needs_node
def test_committed_artifacts_are_up_to_date():
    assert compiler.stale_artifacts() == [], "run `python -m sumkit.solc.compiler` and commit contracts/build/"


@needs_node
def test_compile_errors_point_at_file_and_line():
    source = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.28;\ncontract Broken {\n  uint x = ;\n}\n"
    with pytest.raises(compiler.CompileError, match=r"contracts/Broken\.sol:4:\d+: error"):
        compiler.run_solc({"Broken.sol": source})


def test_solc_is_pinned_exactly():
    package = json.loads((compiler.ROOT / "package.json").read_text())
    version = package["dependencies"]["solc"]
    assert version[0].isdigit(), "pin one exact solc version"
    lock = json.loads((compiler.ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/solc"]["version"] == version
    assert artifacts.load("CollaborativeTrainer")["compiler"]["version"].startswith(version)


def test_artifacts_hold_what_they_promise():
    for name, artifact in artifacts.load_all().items():
        source = compiler.ROOT / artifact["sourceName"]
        assert artifact["sourceSha256"] == hashlib.sha256(source.read_bytes()).hexdigest(), name
        settings = artifact["compiler"]["settings"]
        assert settings["evmVersion"] == "prague" and settings["optimizer"]["enabled"]
        assert settings["metadata"]["bytecodeHash"] == "none"
        for key in ("abi", "bytecode", "deployedBytecode", "devdoc", "userdoc"):
            assert key in artifact, (name, key)


def test_every_public_item_has_natspec():
    for name, artifact in artifacts.load_all().items():
        userdoc, devdoc = artifact["userdoc"], artifact["devdoc"]
        documented = set(userdoc.get("methods", {})) | set(devdoc.get("methods", {}))
        documented |= {k for k in devdoc.get("stateVariables", {})}
        for item in artifact["abi"]:
            if item["type"] == "function":
                signature = f"{item['name']}({','.join(p['type'] for p in item['inputs'])})"
                has_doc = signature in documented or item["name"] in documented
                assert has_doc, f"{name}.{signature} has no NatSpec"
            if item["type"] in ("error", "event"):
                section = "errors" if item["type"] == "error" else "events"
                names = {k.split("(")[0] for k in userdoc.get(section, {})} | {
                    k.split("(")[0] for k in devdoc.get(section, {})
                }
                assert item["name"] in names, f"{name}: {item['type']} {item['name']} has no NatSpec"

