"""The same stories on a real local development node (sk.LocalNode) as in process: same gas per transaction,
same payouts, same reverts; web3.py, signed transactions, deploys that survive interleaving, and what a
network without development methods refuses."""

from __future__ import annotations

import functools
import json
import urllib.request

import numpy as np
import pytest
from eth_account import Account
from eth_utils import keccak

import sumkit as sk
from sumkit.chain.backends.base import dev_keys
from sumkit.chain.backends.rpc import RpcBackend
from sumkit.chain.node import NodeNotAvailable
from sumkit.handles.trainer import _Deployment

from .conftest import NEGATIVE, POSITIVE, make_trainer
from .nodes import node  # noqa: F401 - the fixture

GAS_COLUMNS = ["contract", "function", "sender", "gas_used", "block_time", "block"]


@functools.cache
def breast_cancer_start():
    """Notebook 01's data and initial model: a perceptron fitted on a tenth of the scaled training rows."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import Perceptron
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=5, stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    n = len(X_train) // 10
    est = Perceptron(random_state=0).fit(X_train[:n], y_train[:n])
    return sk.models.DensePerceptron.from_sklearn(est), X_train[n:], X_test, y_test


def notebook_01_story(chain: sk.Chain) -> dict:
    """Deploy, add (two good contributions, one bad), travel, refund, report, then the owner sweeps the rest."""
    model, X_pool, X_test, y_test = breast_cancer_start()
    incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                any_address_claim_wait=sk.days(9), cost_weight=10**14)
    trainer = sk.deploy(chain, model, incentive, name="Breast cancer perceptron", owner=chain.owner)
    accuracy = trainer.accuracy(X_test, y_test)
    x = X_pool[0]
    agreed = trainer.predict(x)
    good_a = trainer.add_data(x, agreed, sender=chain.alice)
    chain.travel(minutes=10)
    good_b = trainer.add_data(X_pool[1], trainer.predict(X_pool[1]), sender=chain.bob)
    bad = trainer.add_data(X_pool[2], 1 - trainer.predict(X_pool[2]), sender=chain.mallory)
    with pytest.raises(sk.Reverted) as early:
        trainer.refund(good_a, sender=chain.alice)
    chain.travel(days=1)
    payouts = {"refund alice": trainer.refund(good_a, sender=chain.alice),
               "refund bob": trainer.refund(good_b, sender=chain.bob),
               "alice takes": trainer.report(bad, sender=chain.alice)}
    chain.travel(days=9)
    payouts["owner sweeps"] = trainer.report(bad, sender=chain.owner)
    return {
        "gas": chain.gas_log[GAS_COLUMNS].to_dict("records"),
        "payouts": payouts,
        "deposits": [good_a.deposit, good_b.deposit, bad.deposit],
        "keys": [good_a.key, good_b.key, bad.key],
        "accuracy": accuracy,
        "early": (early.value.reason, early.value.hint),
        "trainer holds": chain.balance(trainer.address),
        "trainer": trainer,
    }


def test_the_notebook_01_story_gives_the_same_gas_and_payouts_in_process_and_on_the_node(node):
    in_process = notebook_01_story(sk.Chain())
    chain = sk.Chain.connect(node.url)
    start = {a: chain.balance(a) for a in (chain.alice, chain.owner)}
    on_node = notebook_01_story(chain)
    assert len(on_node["gas"]) == 10 and on_node["gas"] == in_process["gas"]  # transaction by transaction
    for key in ("payouts", "deposits", "keys", "accuracy", "early", "trainer holds"):
        assert on_node[key] == in_process[key], key
    assert on_node["trainer holds"] == 0 and sum(on_node["payouts"].values()) == sum(on_node["deposits"])
    assert "TooEarly" in on_node["early"][0]
    # On the node gas is paid for: the owner's deployments cost ether, and Alice paid gas on top of her deposit.
    assert chain.balance(chain.owner) < start[chain.owner] + on_node["payouts"]["owner sweeps"]
    alice_net = on_node["payouts"]["refund alice"] + on_node["payouts"]["alice takes"] - on_node["deposits"][0]
    assert chain.balance(chain.alice) < start[chain.alice] + alice_net
    assert on_node["trainer"].check_model()


def test_reverts_from_the_node_are_the_same_reverted_as_in_process(node):
    def reverts(chain):
        trainer = make_trainer(chain)
        c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
        seen = []
        for attempt in (
            lambda: trainer.refund(c, sender=chain.alice),  # TooEarly, from a transaction
            lambda: trainer.incentive_contract.call("handleAddData", chain.alice, 0, 0),  # NotTrainer, from a call
            lambda: trainer.add_data(NEGATIVE, 1, sender=chain.bob, value=1),  # DepositTooLow, with arguments
            lambda: trainer.contract.transact("addData", [0, 0, 0], 1, sender=chain.alice, value=10**18, gas=30_000),
        ):
            with pytest.raises(sk.Reverted) as e:
                attempt()
            seen.append((e.value.error, e.value.reason, e.value.hint, e.value.contract, e.value.function))
        return seen, chain.gas_log[GAS_COLUMNS].to_dict("records")

    assert reverts(sk.Chain.connect(node.url)) == reverts(sk.Chain())


def test_a_failed_transaction_mined_by_the_node_is_logged_and_reverted_with_its_reason(node):
    """A transaction signed elsewhere reaches the node unchecked: the node mines it with status 0 and its gas is
    spent; sumkit replays it to read why, and raises the same Reverted as for any other failure."""
    chain = sk.Chain.connect(node.url)
    trainer = make_trainer(chain)
    key = dev_keys()[1]  # Alice's development key (public test key)
    contract = chain.w3.eth.contract(address=trainer.address, abi=trainer.contract.abi)
    tx = contract.functions.addData(trainer.model.encode(POSITIVE), 1).build_transaction(
        {"from": chain.alice, "value": 1, "gas": 200_000, "nonce": chain.nonce(chain.alice)})
    signed = Account.sign_transaction(tx, key.to_bytes())
    before = chain.balance(chain.alice)
    with pytest.raises(sk.Reverted) as e:
        chain.send_raw(bytes(signed.raw_transaction))
    assert e.value.error == "DepositTooLow" and e.value.args_["sent"] == 1
    last = chain.gas_log.iloc[-1]
    assert (last["function"], last["sender"]) == ("addData", "alice") and last["gas_used"] > 21_000
    assert chain.balance(chain.alice) < before  # the gas of a mined failure is paid
    assert chain.nonce(chain.alice) == tx["nonce"] + 1


def test_web3_through_chain_w3_on_the_node_is_seen_by_sumkit(node):
    chain = sk.Chain.connect(node.url)
    trainer = make_trainer(chain)
    contract = chain.w3.eth.contract(address=trainer.address, abi=trainer.contract.abi)
    x = trainer.model.encode(POSITIVE)
    tx_hash = contract.functions.addData(x, 1).transact({"from": chain.bob, "value": trainer.next_deposit()})
    receipt = chain.w3.eth.wait_for_transaction_receipt(tx_hash)
    added = chain.events("ContributionAdded", address=trainer.address)
    assert receipt["status"] == 1 and list(added["contributor"]) == [chain.bob]
    assert chain.gas_log.iloc[-1]["gas_used"] == receipt["gasUsed"] and chain.gas_log.iloc[-1]["function"] == "addData"
    assert chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"] == chain.gas_log.iloc[-1]["block_time"]
    logs = contract.events.ContributionAdded().get_logs(from_block=0)
    assert [log["args"]["contributor"] for log in logs] == [chain.bob]


def test_accounts_from_private_keys_sign_locally_and_keys_stay_hidden(node):
    keys = ["0x" + keccak(text=f"sumkit test key {i}").hex() for i in range(5)]
    funder = sk.Chain.connect(node.url)
    addresses = [Account.from_key(k).address for k in keys]
    for address in addresses:
        funder._transact(funder.owner, address, b"", value=sk.ether(10), gas=21_000, context=("account", "fund"))
    chain = sk.Chain.connect(node.url, private_keys=keys)
    assert [chain.owner, chain.alice, chain.bob, chain.carol, chain.mallory] == addresses
    trainer = make_trainer(chain)
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    assert c.contributor == chain.alice and chain.balance(chain.alice) < sk.ether(10) - c.deposit  # gas was paid
    shown = " ".join([repr(chain), repr(chain.backend), str(vars(chain.backend)), chain.gas_log.to_string()])
    assert not any(k[2:] in shown.lower() for k in keys)


def test_an_interleaved_transaction_on_the_node_replans_the_deployment(node):
    chain = sk.Chain.connect(node.url)
    model = sk.models.DensePerceptron.from_floats([1.0, -1.0])
    deployment = _Deployment(chain, model, sk.incentives.DepositRefundTake(), "x", "", chain.owner)
    deployment.steps[0][1](deployment.first_nonce)
    deployment.done = 1
    chain.w3.eth.send_transaction({"from": chain.owner, "to": chain.bob, "value": 1})  # takes the planned nonce
    with pytest.raises(sk.DeployInterrupted) as stopped:
        deployment.run()
    assert isinstance(stopped.value.cause, sk.chain.NonceTaken)
    balance = chain.balance(deployment.contracts["incentive"].address)
    trainer = stopped.value.resume()
    assert balance == 0 and trainer.incentive_contract.call("trainer") == trainer.address
    assert trainer.classifier.call("trainer") == trainer.address
    assert trainer.add_data([1.0, 0.0], 1, sender=chain.alice).contributor == chain.alice


def test_a_contribution_may_send_more_than_the_quote_and_gets_the_surplus_back(node):
    chain = sk.Chain.connect(node.url)
    trainer = make_trainer(chain)
    quote = trainer.next_deposit()
    before = chain.balance(trainer.address)
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice, max_deposit=10 * quote)
    assert c.deposit == quote and chain.balance(trainer.address) - before == quote
    with pytest.raises(ValueError, match="max_deposit"):
        trainer.add_data(POSITIVE, 1, sender=chain.alice, max_deposit=1)


def real_network(url: str) -> sk.Chain:
    """A chain on the node as if it were a testnet: the same node, its development methods unused."""
    backend = RpcBackend(url)
    backend.dev = False
    return sk.Chain(backend=backend, start_time=backend.latest_timestamp())


def test_a_network_without_development_methods_refuses_travel_and_snapshots_and_quotes_with_headroom(node):
    chain = real_network(node.url)
    with pytest.raises(RuntimeError, match="validators set block times") as travel:
        chain.travel(days=1)
    assert "refund_wait=sk.minutes" in str(travel.value)
    with pytest.raises(RuntimeError, match="cannot undo"):
        with chain.snapshot():
            pass
    trainer = make_trainer(chain)
    chain.backend.request("evm_increaseTime", [3600])  # an hour passes on the node's own clock, and a block is mined
    chain.backend.request("evm_mine", [])
    quote = trainer.next_deposit()
    assert trainer.incentive.deposit(sk.chain.BLOCK_TIME) > quote
    before = chain.balance(trainer.address)
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)  # sends the deposit due after someone else's block
    assert c.deposit <= quote
    assert chain.balance(trainer.address) - before == c.deposit  # the surplus came back
    assert chain.gas_log.iloc[-1]["block_time"] == c.added_at


def test_the_node_listens_on_loopback_and_stops_on_exit():
    from .nodes import start_node

    with start_node() as started:
        assert started.url.startswith("http://127.0.0.1:") and started.running
        request = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
        answer = urllib.request.urlopen(urllib.request.Request(started.url, request,
                                                               {"Content-Type": "application/json"}), timeout=5)
        assert json.loads(answer.read())["result"] == hex(31337)
    assert not started.running
    with pytest.raises(OSError):
        urllib.request.urlopen(started.url, timeout=2)


def test_a_missing_node_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(sk.node, "ROOT", tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(NodeNotAvailable, match="npm ci") as e:
        sk.LocalNode()
    assert "Node.js" in str(e.value)


def test_connect_to_nothing_is_a_clear_error():
    with pytest.raises(ConnectionError, match="sk.LocalNode"):
        sk.Chain.connect("http://127.0.0.1:9", timeout=2)


def test_the_mirror_follows_on_the_node(node):
    chain = sk.Chain.connect(node.url)
    trainer = make_trainer(chain)
    for x, who in ((POSITIVE, chain.alice), (NEGATIVE, chain.mallory)):
        trainer.add_data(x, 1, sender=who)
    with chain.snapshot():
        trainer.add_data(np.array([0.0, 2.0, 0.0]), 1, sender=chain.bob)
    assert trainer.check_model() and len(trainer.contributions()) == 2


def test_on_a_network_the_chain_reads_its_own_events_once_and_others_after_them(node):
    """Where blocks hold many transactions, the chain reads blocks again from its own one on: its own logs (from
    the receipt) are not counted twice, and another client's contribution is still seen."""
    from web3 import HTTPProvider, Web3

    chain = real_network(node.url)
    trainer = make_trainer(chain)
    trainer.add_data(POSITIVE, 1, sender=chain.alice, max_deposit=sk.ether(1))
    other = Web3(HTTPProvider(node.url)).eth.contract(address=trainer.address, abi=trainer.contract.abi)
    tx = other.functions.addData(trainer.model.encode(NEGATIVE), 1).transact({"from": chain.carol, "value": sk.ether(1)})
    assert chain.w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    assert [c.contributor for c in trainer.added()] == [chain.alice, chain.carol]
    assert list(chain.events("ContributionAdded")["contributor"]) == [chain.alice, chain.carol]
    assert trainer.check_model()
