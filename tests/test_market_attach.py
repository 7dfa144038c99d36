"""A prediction market's handle for someone who is not its sponsor (``sk.Trainer.at(...).market``), on every backend:
the revealed pieces come from the chain's events, and the initial model ``h_0`` every replay starts from is rebuilt
from the chain (read at the deployment's block where the chain keeps past state, else undone from the current model
and the contributions' events), so a non-sponsor settles and withdraws; a model whose updates cannot be undone on a
chain without past state gets an error naming the capability."""

from __future__ import annotations

import numpy as np
import pytest

import sumkit as sk
from sumkit.incentives.prediction_market import BURN_ADDRESS

from .nodes import node  # noqa: F401 - the fixture
from .test_prediction_market import EVAL_ROWS, HARMFUL, HELPFUL, NEUTRAL, PIECES, REVEAL, STAKE, TEST_X, TEST_Y
from .test_prediction_market import make_trainer as make_market
from .test_prediction_market import open_market


def chain_on(where: str, request: pytest.FixtureRequest) -> tuple[sk.Chain, sk.Chain]:
    """The sponsor's chain and a non-sponsor's: on a node, a second connection that holds nothing in memory (a
    classmate's kernel); in process, the same chain (only its handles are fresh)."""
    if where == "node":
        url = request.getfixturevalue("node").url
        return sk.Chain.connect(url), sk.Chain.connect(url)
    chain = sk.Chain(backend=where)
    return chain, chain


def fee_of_last(chain: sk.Chain) -> int:
    """The fee (gas used times its price) of the last transaction ``chain`` sent: 0 in process, where gas is free."""
    tx_hash, _ = list(chain.history.receipts())[-1]
    receipt = chain.w3.eth.get_transaction_receipt(tx_hash)
    return receipt["gasUsed"] * receipt["effectiveGasPrice"]


@pytest.mark.parametrize("where", ["py-evm", "revm", "node"])
def test_a_non_sponsor_settles_two_replays_and_everyone_withdraws_from_fresh_handles(where, request):
    sponsor_chain, chain = chain_on(where, request)
    sponsors = make_market(sponsor_chain)
    bounty = EVAL_ROWS * 10**18  # 1 ether per error: mallory's stake cannot pay for her 3, so a second replay runs
    open_market(sponsor_chain, sponsors, bounty)
    story = [(chain.alice, HELPFUL), (chain.mallory, HARMFUL), (chain.carol, HELPFUL), (chain.bob, NEUTRAL)]
    for who, (x, y) in story:
        sponsors.add_data(x, y, sender=who)
    other = sk.Trainer.at(chain, sponsors.address)  # carol's handle: no piece, no salt, no h_0 in memory
    assert other.incentive.init_code == sponsors.incentive.init_code  # h_0, rebuilt from the chain
    assert other.market.revealed() == sponsors.market.revealed() and other.market.pieces == []  # one piece public
    chain.travel(days=1)  # (on a node, the next block's time is set by the chain that sends it)
    other.market.end(sender=chain.bob)
    sponsors.market.reveal_rest(sender=sponsor_chain.owner)
    market = other.market  # the pieces, read again from the chain's PieceRevealed events
    assert market.phase == "settle" and [p[:2] for p in market.pieces] == [p[:2] for p in sponsors.market.pieces]
    burned_before = chain.balance(BURN_ADDRESS)
    assert market.settle(sender=chain.carol, progress=False) >= 2
    assert market.phase == "withdraw" and market.contract.call("settlement")[1] == 2  # h_0 was needed twice

    per_error, k = bounty // EVAL_ROWS, STAKE // 3  # mallory's stake paid k rounds of her 3 errors
    expected = {"alice": STAKE + 3 * per_error, "mallory": 0, "carol": STAKE + 3 * k, "bob": STAKE}
    table = market.balances().set_index("contributor")
    assert table["balance"].to_dict() == expected
    assert table["removed"].to_dict() == {"alice": False, "mallory": True, "carol": False, "bob": False}
    paid = 0
    for name in ("alice", "carol", "bob"):
        who = getattr(chain, name)
        before = chain.balance(who)
        received = sk.Trainer.at(chain, sponsors.address).market.withdraw(sender=who)  # each from a fresh handle
        assert received == expected[name] and chain.balance(who) - before == received - fee_of_last(chain)
        paid += received
    assert paid + market.burned == bounty + 4 * STAKE  # every wei paid out or burned
    assert chain.balance(BURN_ADDRESS) - burned_before == market.burned
    assert chain.balance(sponsors.address) == 0 and chain.balance(market.contract.address) == 0


def test_when_the_sponsor_never_reveals_non_sponsors_forfeit_and_get_their_stakes_back_through_fresh_handles():
    chain = sk.Chain(backend="revm")  # the same on every backend: nothing here reads past state
    sponsors = make_market(chain)
    bounty = EVAL_ROWS * 10**17
    open_market(chain, sponsors, bounty)
    for who, (x, y) in [(chain.alice, HELPFUL), (chain.mallory, HARMFUL), (chain.alice, NEUTRAL)]:
        sponsors.add_data(x, y, sender=who)
    chain.travel(days=1)
    sk.Trainer.at(chain, sponsors.address).market.end(sender=chain.alice)
    chain.travel(days=3)  # the reveal window passed: the sponsor never revealed the rest
    burned_before = chain.balance(BURN_ADDRESS)
    sk.Trainer.at(chain, sponsors.address).market.forfeit(sender=chain.carol)
    assert chain.balance(BURN_ADDRESS) - burned_before == bounty
    for name, stakes in (("alice", 2 * STAKE), ("mallory", STAKE)):  # the stakes wait in the trainer
        who = getattr(chain, name)
        before = chain.balance(who)
        assert sk.Trainer.at(chain, sponsors.address).market.withdraw(sender=who) == stakes
        assert chain.balance(who) - before == stakes
    assert chain.balance(sponsors.address) == 0 and chain.balance(sponsors.market.contract.address) == 0


def market_for(chain: sk.Chain, model, X, y) -> sk.Trainer:
    """A market on ``model`` opened with the test set ``X, y`` (four pieces, one revealed first)."""
    market = sk.incentives.PredictionMarket(stake=STAKE, min_duration=sk.days(1), min_contributions=100,
                                            reveal_window=sk.days(3))
    trainer = sk.deploy(chain, model, market, name="market", owner=chain.owner)
    rows = (PIECES - REVEAL) * len(X) // PIECES
    trainer.market.commit_test_set(X, y, pieces=PIECES, bounty=rows * 10**15, reveal=REVEAL, sender=chain.owner)
    trainer.market.reveal_selected(sender=chain.owner)
    return trainer


SPARSE_X = [[0], [1], [0, 2], [1, 2], [0, 3], [1, 3], [2], [3]]
MODELS = {  # each with contributions some of which change nothing (a perceptron that was already right)
    "DensePerceptron": (sk.models.DensePerceptron.from_floats([0.5, -0.25], -0.5, feature_bound=50), TEST_X, TEST_Y,
                        [([1.0, -1.0], 1), ([3.0, 0.0], 1), ([0.0, 2.0], 1), ([-1.0, 1.0], 0)]),
    "SparsePerceptron": (sk.models.SparsePerceptron.from_floats([0.5, 0.0, 0.0, 0.0], -0.25), SPARSE_X, TEST_Y,
                         [([1], 1), ([0], 1), ([1, 2], 0), ([2], 1)]),
    "NaiveBayes": (sk.models.NaiveBayes([[3, 0, 1, 2], [0, 2, 1, 0]], [3, 2]), SPARSE_X, TEST_Y,
                   [([1], 1), ([0, 3], 0), ([1, 2], 1)]),
    "SparseNearestCentroid": (sk.models.SparseNearestCentroid([[2, 0, 1, 0], [0, 1, 0, 2]], [2, 2]), SPARSE_X,
                              TEST_Y, [([1], 1), ([0, 3], 0), ([1, 2, 3], 1)]),
}


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_without_past_state_h0_is_every_contribution_undone_from_the_current_model(kind):
    chain = sk.Chain(backend="revm")
    assert not chain.capabilities.past_state
    model, X, y, contributions = MODELS[kind]
    sponsors = market_for(chain, model, X, y)
    for i, (x, label) in enumerate(contributions):
        sponsors.add_data(x, label, sender=chain.accounts[1 + i])
    assert sponsors.model != model  # the model moved, so reading it now would not give h_0
    other = sk.Trainer.at(chain, sponsors.address)
    assert type(other.model).__name__ == kind and other.check_model()
    assert other.incentive.init_code == sponsors.incentive.init_code  # its hash is the market's modelInitCodeHash


def test_a_nearest_centroid_cannot_be_undone_without_past_state_so_the_handle_says_which_capability():
    chain = sk.Chain(backend="revm")
    model = sk.models.NearestCentroid.from_floats([[0.0, 0.0], [1.0, 1.0]], [1, 1], feature_bound=10)
    X = np.array([[0, 0], [1, 1], [0, 0.2], [1, 0.8], [0.2, 0], [0.8, 1], [0.1, 0.1], [0.9, 0.9]])
    y = [0, 1, 0, 1, 0, 1, 0, 1]
    sponsors = market_for(chain, model, X, y)
    sponsors.add_data([0.9, 1.0], 1, sender=chain.alice)
    sponsors.add_data([0.1, 0.0], 0, sender=chain.bob)
    chain.travel(days=1)
    sponsors.market.end(sender=chain.bob)
    sponsors.market.reveal_rest(sender=chain.owner)
    other = sk.Trainer.at(chain, sponsors.address)
    assert other.incentive.init_code == b""  # its centroids moved by rounded steps: h_0 is gone from the state
    with pytest.raises(ValueError, match="keeps only the latest state"):
        other.classifier.call("centroid", 0, block=1)
    steps_before = len(chain.logs("SettleProgress"))
    with pytest.raises(RuntimeError, match=r"revm backend keeps no past state \(chain.capabilities.past_state") as e:
        other.market.settle(sender=chain.carol, progress=False)
    assert "NearestCentroid" in str(e.value) and "sponsor's handle" in str(e.value)
    assert len(chain.logs("SettleProgress")) == steps_before and other.market.phase == "settle"  # nothing sent
    # The sponsor starts the replay (one step: the replay model, created from h_0's init code); the rest of the
    # replay needs no h_0, so carol's handle pushes it to the end and alice withdraws through her own.
    sponsors.market.contract.transact("settle", sponsors.incentive.init_code, [], [], [], [], 0, [], 1,
                                      sender=chain.owner)
    assert other.market.settle(sender=chain.carol, progress=False) >= 1 and other.market.phase == "withdraw"
    owed = other.market.withdrawable(chain.alice)
    assert owed >= STAKE and sk.Trainer.at(chain, sponsors.address).market.withdraw(sender=chain.alice) == owed
