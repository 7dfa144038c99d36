"""One Chain API over backends: choosing one, chain.w3 (web3.py on the same chain, both ways), chain.at (any
ABI, decoded per contract), signed raw transactions, and the same through a local node where it matters."""

from __future__ import annotations

import functools
import sys

import pytest
from eth_account import Account
from web3.exceptions import TransactionNotFound

import sumkit as sk
from sumkit.chain.backends.base import dev_keys
from sumkit.solc.compiler import run_solc

from .conftest import NEGATIVE, POSITIVE, make_trainer
from .nodes import node  # noqa: F401 - the fixture

TALLY = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// A learner's own contract: nothing sumkit ships knows its error or its event.
contract Tally {
    error TooBig(uint256 value, uint256 limit);
    event Counted(address indexed who, uint256 value, uint256 total);
    uint256 public total;

    function add(uint256 value) external {
        if (value > 10) revert TooBig(value, 10);
        total += value;
        emit Counted(msg.sender, value, total);
    }
}
"""


@functools.cache
def tally() -> tuple[list, str]:
    _, output = run_solc({"Tally.sol": TALLY})
    contract = output["contracts"]["Tally.sol"]["Tally"]
    return contract["abi"], "0x" + contract["evm"]["bytecode"]["object"]


def test_the_default_backend_is_py_evm_and_unknown_names_are_refused():
    assert sk.Chain().backend.name == "py-evm" and sk.Chain(backend="py-evm").backend.name == "py-evm"
    with pytest.raises(ValueError, match="sk.Chain.connect"):
        sk.Chain(backend="geth")


def test_the_revm_backend_without_pyrevm_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyrevm", None)  # as if pyrevm were not installed
    monkeypatch.delitem(sys.modules, "sumkit.chain.backends.revm", raising=False)
    with pytest.raises(ImportError, match=r"pip install sumkit\[fast\]"):
        sk.Chain(backend="revm")


def both(node_url: str) -> list[sk.Chain]:
    return [sk.Chain(), sk.Chain.connect(node_url)]


def test_a_contribution_sent_with_plain_web3_is_seen_by_sumkit_on_both_backends(node):
    for chain in both(node.url):
        trainer = make_trainer(chain)
        w3 = chain.w3
        contract = w3.eth.contract(address=trainer.address, abi=trainer.contract.abi)
        deposit = contract.functions.nextDeposit().call()
        assert deposit == trainer.next_deposit()
        tx_hash = contract.functions.addData(trainer.model.encode(NEGATIVE), 1).transact(
            {"from": chain.carol, "value": deposit})
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1
        last = chain.gas_log.iloc[-1]
        assert (last["contract"], last["function"], last["sender"]) == ("CollaborativeTrainer", "addData", "carol")
        assert last["gas_used"] == receipt["gasUsed"] and last["block"] == receipt["blockNumber"]
        added = chain.events("ContributionAdded", address=trainer.address)
        assert list(added["contributor"]) == [chain.carol] and added["deposit"].iloc[0] == deposit
        assert chain.balance(trainer.address) == deposit
        # ...and the other way round: what sumkit sends, web3 sees.
        c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
        seen = w3.eth.get_transaction_receipt(chain.last_receipt.tx_hash)
        assert seen["gasUsed"] == chain.last_receipt.gas_used
        logs = contract.events.ContributionAdded().get_logs(from_block=0)
        assert [log["args"]["contributor"] for log in logs] == [chain.carol, chain.alice]
        assert logs[1]["args"]["key"] == bytes.fromhex(c.key[2:])
        assert w3.eth.get_balance(chain.alice) == chain.balance(chain.alice)


def test_web3_reverts_are_web3_errors_that_sumkit_normalises():
    chain = sk.Chain()
    trainer = make_trainer(chain)
    contract = chain.w3.eth.contract(address=trainer.address, abi=trainer.contract.abi)
    n_tx = len(chain.gas_log)
    with pytest.raises(Exception) as info:
        contract.functions.addData(trainer.model.encode(POSITIVE), 1).transact({"from": chain.alice, "value": 1})
    e = sk.errors.as_reverted(info.value)
    assert e is not None and e.error == "DepositTooLow" and e.args_["sent"] == 1
    assert len(chain.gas_log) == n_tx  # nothing was mined


def test_chain_w3_deploys_and_snapshots_undo_what_it_sent():
    chain = sk.Chain()
    abi, bytecode = tally()
    factory = chain.w3.eth.contract(abi=abi, bytecode=bytecode)
    with chain.snapshot():
        receipt = chain.w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": chain.bob}))
        assert chain.gas_log.iloc[-1]["function"] == "deploy" and chain.w3.eth.get_code(receipt["contractAddress"])
        number = chain.w3.eth.block_number
    assert chain.w3.eth.block_number == number - 1 and len(chain.gas_log) == 0
    with pytest.raises(TransactionNotFound):  # the receipt is gone with the block
        chain.w3.eth.get_transaction_receipt(receipt["transactionHash"])


def test_chain_at_decodes_a_learners_own_contract_per_contract(node):
    abi, bytecode = tally()
    for chain in both(node.url):
        factory = chain.w3.eth.contract(abi=abi, bytecode=bytecode)
        address = chain.w3.eth.wait_for_transaction_receipt(
            factory.constructor().transact({"from": chain.alice}))["contractAddress"]
        mine = chain.at(address, abi, name="Tally")
        receipt = mine.transact("add", 7, sender=chain.bob)
        assert receipt.event("Counted") == {"who": chain.bob, "value": 7, "total": 7}
        assert mine.call("total") == 7 and chain.name_of(address) == "Tally"
        assert list(chain.events("Counted")["total"]) == [7]
        with pytest.raises(sk.Reverted) as e:
            mine.transact("add", 11, sender=chain.bob)
        assert (e.value.error, e.value.args_, e.value.contract) == ("TooBig", {"value": 11, "limit": 10}, "Tally")
        assert e.value.hint == sk.errors.GENERIC_HINT
        # sumkit's own contracts are ABIs given to chain.at too.
        trainer = make_trainer(chain)
        same = chain.at(trainer.address, "CollaborativeTrainer")
        assert same.call("nextDeposit") == trainer.next_deposit()


def test_transactions_signed_with_eth_account_are_mined_by_the_chain():
    chain = sk.Chain()
    trainer = make_trainer(chain)
    contract = chain.w3.eth.contract(address=trainer.address, abi=trainer.contract.abi)
    tx = contract.functions.addData(trainer.model.encode(POSITIVE), 1).build_transaction({
        "from": chain.alice, "value": trainer.next_deposit(), "nonce": chain.nonce(chain.alice), "gas": 300_000,
        "maxFeePerGas": 0, "maxPriorityFeePerGas": 0})
    signed = Account.sign_transaction(tx, dev_keys()[1].to_bytes())  # Alice's development key (public test key)
    tx_hash = chain.w3.eth.send_raw_transaction(signed.raw_transaction)
    assert chain.w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
    assert list(chain.events("ContributionAdded")["contributor"]) == [chain.alice]
    assert chain.gas_log.iloc[-1]["sender"] == "alice" and chain.gas_log.iloc[-1]["function"] == "addData"


def test_gas_estimates_are_enough():
    chain = sk.Chain()
    trainer = make_trainer(chain)
    contract = chain.w3.eth.contract(address=trainer.address, abi=trainer.contract.abi)
    call = contract.functions.addData(trainer.model.encode(POSITIVE), 1)
    estimate = call.estimate_gas({"from": chain.alice, "value": trainer.next_deposit()})
    receipt = chain.w3.eth.wait_for_transaction_receipt(
        call.transact({"from": chain.alice, "value": trainer.next_deposit(), "gas": estimate}))
    assert receipt["status"] == 1 and receipt["gasUsed"] <= estimate < 2 * receipt["gasUsed"]


@pytest.fixture(params=["py-evm", "revm", "node"])
def any_chain(request):
    """A fresh chain on each backend: py-evm and revm in process, and a local development node."""
    if request.param == "node":
        from .nodes import start_node

        with start_node() as started:
            yield sk.Chain.connect(started.url)
    else:
        yield sk.Chain(backend=request.param)


def test_every_backend_conforms_to_what_it_declares_and_to_the_dev_chain_spec(any_chain):
    """One conformance test for every backend: the development chain spec (accounts, balances, block gas limit,
    clock), what its capabilities declare (time control, snapshots, raw transactions) and EIP-7825's cap."""
    from sumkit.chain.backends.base import DEV_CHAIN, TX_GAS_CAP

    chain, caps = any_chain, any_chain.capabilities
    keys = dev_keys()
    assert chain.accounts[:DEV_CHAIN.accounts] == [k.public_key.to_checksum_address() for k in keys]
    assert chain.balance(chain.mallory) == DEV_CHAIN.balance
    assert chain.w3.eth.get_block("latest")["gasLimit"] == chain.backend.block_gas_limit == DEV_CHAIN.block_gas_limit
    assert chain.w3.eth.chain_id == chain.backend.chain_id
    assert caps.time_control and caps.snapshots and caps.raw_transactions and not caps.shared
    assert caps.follows_others == caps.gas_estimation == (chain.backend.name == "rpc")
    assert caps.past_state == (chain.backend.name != "revm")
    trainer = make_trainer(chain)
    t = chain.now
    chain.travel(hours=1)
    assert chain.now == t + 3600
    with chain.snapshot():
        trainer.add_data(POSITIVE, 1, sender=chain.bob)
        assert len(trainer.added()) == 1
    assert trainer.added() == [] and chain.now == t + 3600
    # A transaction signed elsewhere is mined by the chain, with its real hash, and logged as the chain's own.
    contract = chain.w3.eth.contract(address=trainer.address, abi=trainer.contract.abi)
    fields = {"from": chain.alice, "value": trainer.next_deposit(), "nonce": chain.nonce(chain.alice), "gas": 300_000,
              "maxFeePerGas": 0, "maxPriorityFeePerGas": 0, "chainId": chain.backend.chain_id}
    if chain.backend.name == "rpc":  # a node charges fees: offer enough
        fields["maxFeePerGas"] = chain.backend.fee_per_gas()
    signed = Account.sign_transaction(contract.functions.addData(trainer.model.encode(POSITIVE), 1)
                                      .build_transaction(fields), keys[1].to_bytes())
    tx_hash = chain.w3.eth.send_raw_transaction(signed.raw_transaction)
    assert bytes(tx_hash) == bytes(signed.hash)
    assert chain.w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
    assert [c.contributor for c in trainer.added()] == [chain.alice] and trainer.check_model()
    assert chain.gas_log.iloc[-1]["function"] == "addData" and chain.gas_log.iloc[-1]["sender"] == "alice"
    # EIP-7825: above 2**24 gas, a signed transaction is refused as mainnet refuses it, and sumkit refuses gas=.
    n_tx, nonce = len(chain.gas_log), chain.nonce(chain.alice)
    too_much = Account.sign_transaction(dict(fields, nonce=nonce, gas=TX_GAS_CAP + 1, value=0, to=chain.bob, data=b""),
                                        keys[1].to_bytes())
    with pytest.raises(Exception, match="EIP-7825") as refused:
        chain.w3.eth.send_raw_transaction(too_much.raw_transaction)
    assert "16,777,216" in str(refused.value)
    with pytest.raises(ValueError, match=r"gas=16,777,217 is refused: .*EIP-7825"):
        trainer.contract.transact("addData", trainer.model.encode(POSITIVE), 1, sender=chain.alice,
                                  value=trainer.next_deposit(), gas=TX_GAS_CAP + 1)
    assert len(chain.gas_log) == n_tx and chain.nonce(chain.alice) == nonce  # nothing was sent
    at_the_cap = Account.sign_transaction(dict(fields, nonce=nonce, gas=TX_GAS_CAP, value=1, to=chain.bob, data=b""),
                                          keys[1].to_bytes())
    assert chain.w3.eth.get_transaction_receipt(chain.w3.eth.send_raw_transaction(at_the_cap.raw_transaction))["status"]
