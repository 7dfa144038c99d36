"""Every revert becomes sumkit.Reverted with a reason and a learner's hint, whatever raised it."""

from __future__ import annotations

import eth_abi
import pytest
from eth_tester import EthereumTester
from eth_tester.exceptions import TransactionFailed
from web3 import EthereumTesterProvider, Web3
from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError

import sumkit as sk
from sumkit.plumbing.abi import functions, known_errors
from sumkit.plumbing.errors import ERROR_STRING, GENERIC_HINT, HINTS, PANIC, as_reverted, decode_revert

from .conftest import make_trainer


def test_every_custom_error_of_every_contract_has_its_own_hint():
    names = {sig.name for _, sig in known_errors().values()}
    assert names, "no custom errors found in the artifacts"
    assert sorted(names - set(HINTS)) == []
    assert sorted(set(HINTS) - names) == [], "hints for errors no contract declares"


def test_custom_error_decoded_with_arguments():
    selector = next(sel for sel, (_, sig) in known_errors().items() if sig.name == "DepositTooLow")
    e = decode_revert(selector + eth_abi.encode(["uint256", "uint256"], [10**16, 5]))
    assert e.error == "DepositTooLow" and e.args_ == {"required": 10**16, "sent": 5}
    assert e.reason == "DepositTooLow(required=10000000000000000, sent=5)"
    assert "0.01 ETH" in e.hint


def test_require_string_and_panic_and_empty():
    e = decode_revert(ERROR_STRING + eth_abi.encode(["string"], ["not allowed"]))
    assert e.reason == "not allowed" and "not allowed" in e.hint
    e = decode_revert(PANIC + eth_abi.encode(["uint256"], [0x11]))
    assert e.reason.startswith("Panic(0x11)") and "overflow" in e.hint
    e = decode_revert(b"")
    assert "without a reason" in e.reason and e.hint != GENERIC_HINT


@pytest.fixture
def deployed():
    chain = sk.Chain()
    return chain, make_trainer(chain)


def _call_data(contract, fn, *args) -> str:
    return "0x" + functions(contract.abi)[fn].encode_call(args).hex()


def test_eth_tester_transaction_failed_is_normalised(deployed):
    chain, trainer = deployed
    tester = EthereumTester(backend=chain.backend.tester)
    data = _call_data(trainer.incentive_contract, "handleAddData", chain.alice, 0, 0)
    with pytest.raises(TransactionFailed) as info:
        tester.call({"from": chain.alice, "to": trainer.incentive_contract.address, "data": data})
    e = as_reverted(info.value)
    assert e is not None and e.error == "NotTrainer" and "call the trainer" in e.hint
    # A require message arrives as plain text.
    e = as_reverted(TransactionFailed("execution reverted: not allowed"))
    assert e is not None and e.reason == "not allowed"


def test_web3_exceptions_are_normalised(deployed):
    chain, trainer = deployed
    w3 = Web3(EthereumTesterProvider(EthereumTester(backend=chain.backend.tester)))
    handle = w3.eth.contract(address=trainer.incentive_contract.address, abi=trainer.incentive_contract.abi)
    with pytest.raises(Exception) as info:
        handle.functions.handleAddData(chain.alice, 0, 0).call({"from": chain.alice})
    e = as_reverted(info.value)
    assert e is not None and e.error == "NotTrainer"
    # What web3 raises against a JSON-RPC node: the revert data as hex.
    selector = next(sel for sel, (_, sig) in known_errors().items() if sig.name == "ModelAgrees")
    e = as_reverted(ContractCustomError("0x" + selector.hex(), data="0x" + selector.hex()))
    assert e is not None and e.error == "ModelAgrees"
    panic = "0x" + (PANIC + eth_abi.encode(["uint256"], [0x12])).hex()
    e = as_reverted(ContractPanicError("Panic error 0x12", data=panic))
    assert e is not None and "division" in e.hint
    e = as_reverted(ContractLogicError("execution reverted: nope"))
    assert e is not None and e.reason == "nope"


def test_unrelated_exceptions_are_not_reverts():
    assert as_reverted(ValueError("x")) is None
    assert as_reverted(KeyError("x")) is None
