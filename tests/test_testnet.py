"""sk.LocalNode(testnet=True): a local node that behaves like a public testnet (Osaka with EIP-7825 enforced,
blocks on a timer, a base fee, no clock or snapshots for sumkit, development accounts only as a faucet). Notebook
01's story runs there from an account funded with 0.05 ETH: every gas limit is the node's estimate plus the
documented margin, and what the account lost is exactly the fees its receipts show."""

from __future__ import annotations

import time

import pytest
from eth_account import Account
from web3 import HTTPProvider, Web3

import sumkit as sk
from sumkit.chain.backends.base import TX_GAS_CAP
from sumkit.chain.chain import ESTIMATE_MARGIN_PERCENT

from .nodes import require_node
from .test_node import breast_cancer_start

REFUND_WAIT = 6  # seconds of real time: the node mines a block every second


@pytest.fixture
def testnet():
    require_node()
    with sk.LocalNode(testnet=True, block_time=1) as node:
        yield node


def fund(node: sk.LocalNode, amount: int):
    """A fresh key holding ``amount`` wei, sent by the node's faucet (its development accounts)."""
    faucet = sk.Chain.connect(node.url)
    learner = Account.create()
    faucet.send_data(faucet.owner, learner.address, b"", value=amount)
    return learner


def test_notebook_01s_story_runs_from_a_faucets_005_eth_waiting_for_real(testnet):
    learner = fund(testnet, sk.ether(0.05))
    chain = sk.Chain.connect(testnet.url, private_keys=[learner.key])
    caps = chain.capabilities
    assert not caps.time_control and not caps.snapshots and caps.gas_estimation and caps.follows_others
    assert chain.owner == learner.address and chain.alice is None and chain.balance(chain.owner) == sk.ether(0.05)
    with pytest.raises(RuntimeError, match="validators set block times"):
        chain.travel(days=1)
    model, X_pool, _, _ = breast_cancer_start()
    incentive = sk.incentives.DepositRefundTake(refund_wait=REFUND_WAIT, owner_claim_wait=60, any_address_claim_wait=60,
                                                cost_weight=10**10, short_waits=True)
    trainer = sk.deploy(chain, model, incentive, name="Breast cancer perceptron")
    x = X_pool[0]
    c = trainer.add_data(x, trainer.predict(x), sender=chain.owner)
    with pytest.raises(sk.Reverted, match="TooEarly"):
        trainer.refund(c, sender=chain.owner)
    while chain.w3.eth.get_block("latest")["timestamp"] < c.added_at + REFUND_WAIT:  # wait for real
        time.sleep(0.25)
    assert trainer.refund(c, sender=chain.owner) == c.deposit
    assert trainer.contributions()["refunded"].tolist() == [True] and trainer.check_model()
    # Every transaction carried the node's estimate plus the margin, under EIP-7825's cap, and the account lost
    # exactly the fees its receipts show (the deposit came back).
    fees = 0
    for tx_hash, _ in chain.history.receipts():
        sent, receipt = chain.w3.eth.get_transaction(tx_hash), chain.w3.eth.get_transaction_receipt(tx_hash)
        assert receipt["gasUsed"] <= sent["gas"] <= TX_GAS_CAP
        fees += receipt["gasUsed"] * receipt["effectiveGasPrice"]
        assert receipt["effectiveGasPrice"] > 0
    assert len(chain.gas_log) == 5  # 3 deploy transactions, the add and the refund (the early refund was not sent)
    assert sk.ether(0.05) - chain.balance(chain.owner) == fees
    assert fees < sk.ether(0.05) / 2
    print(f"\n0.05 ETH story: gas used {chain.gas_log['gas_used'].sum():,}, fees {sk.format_ether(fees)}, "
          f"margin {ESTIMATE_MARGIN_PERCENT}%")


def test_an_account_that_cannot_pay_gas_limit_times_max_fee_is_told_what_is_missing(testnet):
    learner = fund(testnet, sk.ether(0.0001))
    chain = sk.Chain.connect(testnet.url, private_keys=[learner.key])
    model, *_ = breast_cancer_start()
    with pytest.raises(sk.DeployInterrupted) as stopped:
        sk.deploy(chain, model, sk.incentives.DepositRefundTake(refund_wait=10, owner_claim_wait=60,
                                                               any_address_claim_wait=60, short_waits=True))
    message = str(stopped.value.cause)
    assert "cannot pay for this transaction" in message and "missing" in message and "faucet" in message
    assert chain.nonce(chain.owner) == 0 and chain.balance(chain.owner) == sk.ether(0.0001)  # nothing was sent


def test_the_testnet_node_refuses_a_transaction_above_the_eip_7825_cap_itself(testnet):
    learner = fund(testnet, sk.ether(1))
    w3 = Web3(HTTPProvider(testnet.url))  # plain web3.py, no sumkit in between
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    tx = {"to": learner.address, "value": 0, "nonce": 0, "chainId": w3.eth.chain_id, "maxFeePerGas": 4 * base + 10**9,
          "maxPriorityFeePerGas": 10**9}
    with pytest.raises(Exception, match="(?i)gas limit|cap"):
        w3.eth.send_raw_transaction(learner.sign_transaction(dict(tx, gas=TX_GAS_CAP + 1)).raw_transaction)
    sent = w3.eth.send_raw_transaction(learner.sign_transaction(dict(tx, gas=TX_GAS_CAP)).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(sent, timeout=30)["status"] == 1
