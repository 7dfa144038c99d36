"""The chain is the only source of truth (issue 11): a trainer's contributions and its mirror model are derived
from the chain's events, so whatever reaches the trainer, through sumkit, plain web3.py or a contract, is seen,
and a snapshot undone is undone for them too."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

import sumkit as sk

from .nodes import start_node

POSITIVE, NEGATIVE = np.array([2.0, 0.0, 1.0]), np.array([-1.0, 1.0, -3.0])
BACKENDS = ["py-evm", "revm", "node"]


def make_chain(kind: str, stack) -> sk.Chain:
    if kind == "revm" and importlib.util.find_spec("pyrevm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI installs pyrevm (the test extra): the revm backend must be tested")
        pytest.skip("pyrevm is not installed: pip install sumkit[fast]")
    if kind == "node":
        return sk.Chain.connect(stack.enter_context(start_node()).url)
    return sk.Chain(backend=kind)


def make_trainer(chain: sk.Chain) -> sk.Trainer:
    model = sk.models.DensePerceptron.from_floats([1.0, -1.0, 0.5], learning_rate=1.0)
    return sk.deploy(chain, model, sk.incentives.DepositRefundTake(refund_wait=sk.days(1)))


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_contribution_sent_with_plain_web3_updates_contributions_and_mirror(kind):
    import contextlib

    with contextlib.ExitStack() as stack:
        chain = make_chain(kind, stack)
        trainer = make_trainer(chain)
        before = list(trainer.model.weights)
        contract = chain.w3.eth.contract(address=trainer.address, abi=trainer.contract.abi)
        x = trainer.model.encode(NEGATIVE)  # the model predicts 0 here: label 1 makes it learn
        tx = contract.functions.addData(x, 1).transact({"from": chain.carol, "value": trainer.next_deposit()})
        assert chain.w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
        (c,) = trainer.added()
        assert (c.contributor, c.label, list(c.x)) == (chain.carol, 1, x)
        assert list(trainer.contributions()["contributor"]) == ["carol"]
        assert trainer.model.weights != before and trainer.check_model()  # the mirror learnt it, as the chain did
        chain.travel(days=1)
        assert trainer.refund(c, sender=chain.carol) == c.deposit  # the derived Contribution works as any other


def test_a_contribution_made_by_a_contract_is_seen_without_any_bookkeeping():
    chain = sk.Chain()
    trainer = make_trainer(chain)
    proxy = chain.deploy("ReentrantContributor", trainer.address, sender=chain.mallory)  # forwards any call
    call = trainer.contract._signature("addData").encode_call((trainer.model.encode(NEGATIVE), 1))
    proxy.transact("execute", call, sender=chain.mallory, value=trainer.next_deposit())
    assert [c.contributor for c in trainer.added()] == [proxy.address]
    assert trainer.check_model()


def test_snapshots_undo_derived_state_and_no_tracking_is_left():
    chain = sk.Chain()
    trainer = make_trainer(chain)
    trainer.add_data(POSITIVE, 1, sender=chain.alice)
    weights = list(trainer.model.weights)
    with chain.snapshot():
        trainer.add_data(NEGATIVE, 1, sender=chain.mallory)
        assert len(trainer.added()) == 2 and trainer.model.weights != weights
    assert len(trainer.added()) == 1 and trainer.model.weights == weights and trainer.check_model()
    trainer.add_data(NEGATIVE, 0, sender=chain.bob)  # history after the undo is derived afresh
    assert [c.contributor for c in trainer.added()] == [chain.alice, chain.bob] and trainer.check_model()
    assert not hasattr(chain, "track") and not hasattr(trainer, "save_state")


def test_on_a_node_contributions_from_other_clients_are_seen_in_order_and_undone_by_snapshots():
    """A classmate's own client (plain web3.py on the same node, not this chain's ``chain.w3``) contributes: the
    chain reads its events from the node, so the contributions, their order and the mirror include it."""
    from web3 import HTTPProvider, Web3

    with start_node() as node:
        chain = sk.Chain.connect(node.url)
        trainer = make_trainer(chain)
        classmate = Web3(HTTPProvider(node.url))
        contract = classmate.eth.contract(address=trainer.address, abi=trainer.contract.abi)

        def classmate_adds(sample, label, sender):  # an hour later, on the node's own clock
            classmate.provider.make_request("evm_increaseTime", [3600])
            tx = contract.functions.addData(trainer.model.encode(sample), label).transact(
                {"from": sender, "value": sk.ether(1)})  # more than the deposit: the contract sends the surplus back
            assert classmate.eth.wait_for_transaction_receipt(tx)["status"] == 1
            return classmate.eth.get_block("latest")["timestamp"]

        trainer.add_data(POSITIVE, 1, sender=chain.alice)
        their_time = classmate_adds(NEGATIVE, 1, chain.carol)
        assert [c.contributor for c in trainer.added()] == [chain.alice, chain.carol]
        assert chain.now == their_time + sk.chain.BLOCK_TIME  # reading their block moved the chain's clock on
        assert trainer.added()[1].deposit < sk.ether(1)
        assert trainer.check_model()  # the mirror learnt the classmate's sample, as the chain did
        trainer.add_data(POSITIVE, 1, sender=chain.bob)  # ours comes after theirs, in the log too
        assert list(chain.events("ContributionAdded")["contributor"]) == [chain.alice, chain.carol, chain.bob]
        with chain.snapshot():
            classmate_adds(POSITIVE, 0, chain.mallory)
            assert len(trainer.added()) == 4 and trainer.check_model()
        assert [c.contributor for c in trainer.added()] == [chain.alice, chain.carol, chain.bob]
        assert trainer.check_model()
        carol = trainer.added()[1]
        chain.travel(days=1)
        assert trainer.refund(carol, sender=chain.carol) == carol.deposit  # a derived contribution refunds
