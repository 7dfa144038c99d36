"""sk.Trainer.at: a full handle on a trainer deployed elsewhere, on every backend, from the chain alone (model,
mechanism, contributions, mirror); a fresh kernel on a node sees the whole history and refunds its own data; wrong
addresses get clear errors. A prediction market's handle for someone who is not the sponsor: test_market_attach.py."""

from __future__ import annotations

import pytest

import sumkit as sk
from sumkit.plumbing.encoding import DEFAULT_FEATURE_BOUND, SCALE

from .conftest import NEGATIVE, POSITIVE, make_trainer
from .nodes import node  # noqa: F401 - the fixture


def story(chain: sk.Chain, trainer: sk.Trainer) -> list[sk.Contribution]:
    return [trainer.add_data(POSITIVE, 1, sender=chain.alice), trainer.add_data(NEGATIVE, 1, sender=chain.mallory)]


@pytest.mark.parametrize("backend", ["py-evm", "revm"])
def test_a_handle_attached_in_process_is_the_deployers_handle(backend):
    chain = sk.Chain(backend=backend)
    deployed = make_trainer(chain)
    story(chain, deployed)
    attached = sk.Trainer.at(chain, deployed.address.lower())
    assert attached.incentive == sk.incentives.DepositRefundTake(
        refund_wait=sk.days(1), owner_claim_wait=sk.days(5), any_address_claim_wait=sk.days(9), cost_weight=10**14,
        short_waits=True)
    assert type(attached.model) is sk.models.DensePerceptron and attached.model == deployed.model
    assert attached.added() == deployed.added() and attached.check_model()
    attached.add_data(POSITIVE, 1, sender=chain.bob)  # either handle sees what the other sent
    assert deployed.added() == attached.added() and attached.model == deployed.model
    with chain.snapshot():
        attached.add_data(NEGATIVE, 0, sender=chain.carol)
        assert len(deployed.added()) == 4 and attached.model == deployed.model
    assert len(attached.added()) == 3 and attached.check_model() and attached.model == deployed.model
    chain.travel(days=1)
    alice = next(c for c in attached.added() if c.contributor == chain.alice)
    assert attached.refund(alice, sender=chain.alice) == alice.deposit


def test_wrong_addresses_say_what_is_there():
    chain = sk.Chain()
    trainer = make_trainer(chain)
    with pytest.raises(ValueError, match="no contract at .* check the address"):
        sk.Trainer.at(chain, chain.alice)
    with pytest.raises(ValueError, match="is sumkit's DensePerceptron, not a CollaborativeTrainer"):
        sk.Trainer.at(chain, trainer.classifier.address)
    abi, bytecode = __import__("tests.test_backends", fromlist=["tally"]).tally()
    tally = chain.w3.eth.contract(abi=abi, bytecode=bytecode)
    address = chain.w3.eth.get_transaction_receipt(tally.constructor().transact({"from": chain.bob}))["contractAddress"]
    with pytest.raises(ValueError, match="a contract sumkit does not know"):
        sk.Trainer.at(chain, address)
    with pytest.raises(ValueError, match="40 hex digits"):
        sk.Trainer.at(chain, "0x1234")


def test_a_fresh_kernel_on_a_node_sees_the_whole_history_and_refunds_its_own_contribution(node):
    first = sk.Chain.connect(node.url)  # the kernel that deploys, then is gone
    deployed = make_trainer(first)
    mine = story(first, deployed)
    fresh = sk.Chain.connect(node.url)  # a restarted kernel: nothing in memory
    assert fresh.events().empty
    attached = sk.Trainer.at(fresh, deployed.address)
    assert attached.added() == deployed.added() == mine and attached.check_model()
    assert attached.model == deployed.model
    assert [e["event"] for e in fresh.logs(address=deployed.address)][:3] == [
        "OwnershipTransferred", "ContributionAdded", "ContributionAdded"]
    fresh.travel(days=1)  # a day passes (on a development node, sumkit's clock sets the next block's time)
    before = fresh.balance(fresh.alice)
    paid = attached.refund(attached.added()[0], sender=fresh.alice)
    assert paid == mine[0].deposit and attached.contributions()["refunded"].tolist() == [True, False]
    assert fresh.balance(fresh.alice) > before
    assert deployed.contributions()["refunded"].tolist() == [True, False]  # the first kernel's handle sees it too


@pytest.mark.parametrize("model", [
    sk.models.DensePerceptron.from_floats([0.5, -0.5], 0.25, feature_bound=50),
    sk.models.NearestCentroid.from_floats([[0.0, 0.0], [1.0, 1.0]], [1, 1], feature_bound=10),
], ids=lambda m: type(m).__name__)
def test_a_models_feature_bound_is_read_from_the_chain_too(model):
    chain = sk.Chain(backend="revm")
    deployed = sk.deploy(chain, model, sk.incentives.Points(), name="bounded", owner=chain.owner)
    attached = sk.Trainer.at(chain, deployed.address)
    assert model.feature_bound != int(DEFAULT_FEATURE_BOUND * SCALE)  # not what a reader would assume
    assert attached.model.feature_bound == model.feature_bound and attached.model == deployed.model
    assert attached.check_model()
