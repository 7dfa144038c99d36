"""Learners compile Solidity in a notebook: sk.compile_source and %%solidity give deployable artifacts, and errors
give line, column and message."""

from __future__ import annotations

import filecmp
import os
import shutil

import pytest

from sumkit.solc import artifacts, magic

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="compiling needs Node.js")


def test_the_shipped_compiler_is_the_pinned_one():
    """sumkit ships npm solc's soljson.js so that a plain pip install compiles; it must be the pinned one."""
    pinned = artifacts.ROOT / "node_modules" / "solc" / "soljson.js"
    if not pinned.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs `npm ci`: node_modules/solc/soljson.js must be there")
        pytest.skip("node_modules/solc is not installed (`npm ci`)")
    assert filecmp.cmp(magic.PACKAGED_SOLJSON, pinned, shallow=False), (
        "sumkit/solc/soljson.js differs from the pinned npm solc: copy node_modules/solc/soljson.js over it"
    )


@needs_node
def test_compile_source_returns_deployable_artifacts():
    import sumkit as sk

    source = (
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.28;\n"
        "interface IGreeter { function n() external view returns (uint256); }\n"
        "contract Counter { uint256 public n = 1; function bump(uint256 by) external { n += by; } }\n"
    )
    built = magic.compile_source(source)
    assert set(built) == {"IGreeter", "Counter"} and built["IGreeter"]["bytecode"] == "0x"
    chain = sk.Chain()
    counter = chain.deploy(built["Counter"], sender=chain.mallory)
    counter.transact("bump", 41, sender=chain.alice)
    assert counter.call("n") == 42 and chain.gas_log.iloc[-1].contract == "Counter"
    with pytest.raises(ValueError, match="interface or abstract"):
        chain.deploy(built["IGreeter"])
    with pytest.raises(ValueError, match="non-empty string"):
        magic.compile_source("")


@needs_node
def test_compile_source_errors_give_line_column_and_message():
    source = "pragma solidity ^0.8.28;\ncontract A {\n    uint256 x = ;\n    function f() external { y = 1; }\n}\n"
    with pytest.raises(magic.CompileError) as failure:
        magic.compile_source(source)
    [error] = failure.value.errors  # the parser stops at the first error
    assert (error.line, error.column, error.kind) == (3, 17, "ParserError")
    assert error.code_line == "    uint256 x = ;"
    assert "line 3, column 17: ParserError: Expected primary expression." in str(failure.value)
    with pytest.raises(magic.CompileError) as failure:
        magic.compile_source("pragma solidity ^0.8.28;\ncontract A {\n    function f() external { y = 1; }\n}\n")
    assert [(e.line, e.kind) for e in failure.value.errors] == [(3, "DeclarationError")]
    assert "Undeclared identifier" in failure.value.errors[0].message


def test_compile_source_without_node_says_what_is_needed(monkeypatch, tmp_path):
    monkeypatch.setenv("SUMKIT_SOLJSON", str(tmp_path / "missing.js"))
    magic._compile_cached.cache_clear()
    with pytest.raises(magic.CompileError, match="npm ci.*SUMKIT_SOLJSON"):
        magic.compile_source("contract Fresh {}")


@needs_node
def test_the_solidity_cell_magic_binds_each_contract_by_name(capsys):
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    magic.register_magic()
    ip.run_cell_magic("solidity", "", "pragma solidity ^0.8.28;\ncontract Hello { uint256 public n = 7; }\n")
    assert ip.user_ns["Hello"]["contractName"] == "Hello"
    assert "compiled Hello" in capsys.readouterr().out
    with pytest.raises(magic.CompileError, match="line 2, column 29: ParserError"):
        ip.run_cell_magic("solidity", "", "pragma solidity ^0.8.28;\ncontract Oops { uint256 n = ; }\n")
    assert "Oops" not in ip.user_ns
