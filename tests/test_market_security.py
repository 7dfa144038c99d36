"""Issue 19 (security round 3), the prediction market's findings, each reproduced and shown to fail now:

- 2: a sponsor who forfeits gets nothing back (the bounty is burned), and a piece too costly to reveal is
  refused at commit, from its shape, with the worst case of the kit's models measured against that bound;
- 3: contributions that change nothing cost the settlement their replay, not an evaluation; a replay after a
  removal reuses what it knows; an abandonment keeps the penalties of removed contributors;
- 7: committing sends no test row anywhere before its reveal, not even in a free call.

The market of the audit's size (finding 8) is in test_prediction_market.py.
"""

from __future__ import annotations

import eth_abi
import numpy as np
import pytest

import sumkit as sk
from sumkit.incentives.prediction_market import (
    BURN_ADDRESS,
    MAX_PIECE_GAS,
    PIECE_CLASS_GAS,
    PIECE_ROW_GAS,
    PIECE_VALUE_GAS,
    TX_GAS_CAP,
)

from .test_prediction_market import (
    EVAL_ROWS,
    HARMFUL,
    HELPFUL,
    NEUTRAL,
    STAKE,
    expect_revert,
    make_trainer,
    open_market,
)


@pytest.fixture
def chain() -> sk.Chain:
    return sk.Chain()


# -- finding 2: forfeit is not a sponsor's refund ----------------------------------------------------------

def test_a_sponsor_who_adds_harmless_data_and_forfeits_gets_nothing_back(chain):
    """The review's attack: the sponsor adds harmless contributions of its own (here 6, next to Alice's one),
    never reveals, and lets the market forfeit. Before, the bounty was shared per contribution, so the sponsor
    won back 6/7 of it and kept a model trained on Alice's data. Now the whole bounty is burned: the sponsor's
    balance ends exactly one bounty lower, Alice gets her stake back, nobody gets any of the bounty."""
    trainer = make_trainer(chain)
    m = trainer.market
    bounty = EVAL_ROWS * 10**18
    start = {n: chain.balance(getattr(chain, n)) for n in ("owner", "alice")}
    open_market(chain, trainer, bounty)
    trainer.add_data(*HELPFUL, sender=chain.alice)
    for _ in range(6):
        trainer.add_data(*NEUTRAL, sender=chain.owner)  # harmless: the model already agrees
    chain.travel(days=1)
    m.end(sender=chain.owner)
    chain.travel(seconds=m.contract.call("revealDeadline") - chain.now)
    burn_before = chain.balance(BURN_ADDRESS)
    m.forfeit(sender=chain.owner)
    assert m.burned == bounty and chain.balance(BURN_ADDRESS) - burn_before == bounty
    assert m.withdraw(sender=chain.owner) == 6 * STAKE  # its own stakes, not a wei more
    assert m.withdraw(sender=chain.alice) == STAKE
    assert chain.balance(chain.owner) == start["owner"] - bounty
    assert chain.balance(chain.alice) == start["alice"]
    assert chain.balance(m.contract.address) == chain.balance(trainer.address) == 0


def test_the_piece_bound_covers_the_costliest_rows_of_the_costliest_model():
    """Finding 2's second half needs a bound the contract can check at commit without seeing the pieces:
    ``rows * (PIECE_ROW_GAS + classes * (PIECE_CLASS_GAS + row_length * PIECE_VALUE_GAS))``. Measured here
    against that bound on the worst cases of the kit's models that a market can replay (deployed in one
    transaction): a sparse nearest centroid whose rows have one active feature per storage word of each
    class, no word shared between rows (every read cold, the costliest reads per value and class), and a
    Naive Bayes of 100 classes on empty rows (per-class work only). Each reveal takes at most the bound, not
    much less, and its transaction fits the cap."""
    chain = sk.Chain(backend="revm")
    cases = {}
    # Sparse nearest centroid, 2 classes x 4,500 features (300 storage words per class, 15 counts each: the
    # most that one deployment transaction takes, WORDS_PER_TRANSACTION): pieces of 4 rows x 75 values, each
    # value in its own word, no word read twice in a reveal.
    snc = sk.models.SparseNearestCentroid([[0] * 4500 for _ in range(2)], [1, 1])
    piece = [[15 * (75 * r + j) for j in range(75)] for r in range(4)]
    cases["sparse nearest centroid"] = (snc, piece + piece, 4)
    # Naive Bayes with 100 classes on empty rows: as many rows as the bound allows.
    nb_classes = 100
    nb = sk.models.NaiveBayes([[0] * 8 for _ in range(nb_classes)], [1] * nb_classes)
    per = MAX_PIECE_GAS // (PIECE_ROW_GAS + nb_classes * PIECE_CLASS_GAS)
    cases["naive bayes"] = (nb, [[] for _ in range(2 * per)], per)
    for name, (model, X, per) in cases.items():
        trainer = sk.deploy(chain, model, sk.incentives.PredictionMarket(stake=STAKE), name=name)
        m = trainer.market
        longest = max(len(r) for r in X)
        bound = m.contract.call("pieceGasBound", per, longest)
        n_classes = model.n_classes
        assert bound == per * (PIECE_ROW_GAS + n_classes * (PIECE_CLASS_GAS + longest * PIECE_VALUE_GAS))
        assert bound <= MAX_PIECE_GAS
        m.commit_test_set(X, [0] * len(X), pieces=2, bounty=per, sender=chain.owner)
        m.reveal_selected(sender=chain.owner)
        measured = int(chain.events("PieceRevealed", address=m.contract.address)["gasUsed"].iloc[-1])
        assert measured <= bound, (name, measured, bound)
        assert chain.last_receipt.gas_used <= TX_GAS_CAP
        assert measured >= bound // 2, (name, measured, bound)  # and the bound is not far from the truth


# -- finding 3: settlement spam --------------------------------------------------------------------------

def test_a_contribution_that_changes_nothing_costs_the_settlement_less_than_adding_it():
    """Before: 101,341 gas to add a no-op contribution, 1,453,823 more to settle it (the whole 500-row test set
    evaluated again). Now the model says its update changed nothing, so the settlement only replays it. The
    measurement is the gas benchmark's (``python -m benchmarks.gas``), on revm: about 3 s."""
    from benchmarks.gas import no_op_spam

    costs = no_op_spam()
    assert costs["settle_per_no_op"] < costs["add"] < 150_000, costs


def test_a_replay_after_a_removal_reuses_the_errors_it_knows(chain):
    """Alice helps, Mallory harms (and cannot cover it), Carol helps, Bob changes nothing. After Mallory's
    removal the second replay rebuilds the model from h_0, but reads the errors after Alice's update (before
    Mallory's first contribution) instead of evaluating again, and Carol's update now changes nothing: the
    whole second replay is 13 steps (create the model, 4 replays, 4 scans, 4 payments) and no evaluation,
    where a full replay would evaluate 3 pieces for h_0 and 3 after Alice. The result is unchanged."""
    trainer = make_trainer(chain)
    m = trainer.market
    bounty = EVAL_ROWS * 10**18
    open_market(chain, trainer, bounty)
    for who, (x, y) in [(chain.alice, HELPFUL), (chain.mallory, HARMFUL), (chain.carol, HELPFUL), (chain.bob, NEUTRAL)]:
        trainer.add_data(x, y, sender=who)
    chain.travel(days=1)
    m.end(sender=chain.bob)
    m.reveal_rest(sender=chain.owner)
    while m.contract.call("settlement")[1] == 1:
        m._settle_once(chain.carol, 1, TX_GAS_CAP)
    steps = 0
    while m.phase == "settle":
        m._settle_once(chain.carol, 1, TX_GAS_CAP)
        steps += 1
    assert steps == 13
    k = STAKE // 3
    balances = m.balances().set_index("contributor")["balance"].to_dict()
    assert balances == {"alice": STAKE + 3 * (bounty // EVAL_ROWS), "mallory": 0, "carol": STAKE + 3 * k, "bob": STAKE}


def test_an_abandoned_settlement_keeps_the_penalty_of_a_removed_contributor(chain):
    """Before, an abandonment gave every contributor its whole stakes back, removed (harmful) ones included.
    Now a contributor removed by the rounds already paid gets nothing, as in a finished settlement (its stake
    is burned with the bounty), and the others get their stakes back."""
    trainer = make_trainer(chain)
    m = trainer.market
    bounty = EVAL_ROWS * 10**18
    open_market(chain, trainer, bounty)
    start = {n: chain.balance(getattr(chain, n)) for n in ("alice", "mallory", "carol", "bob")}
    for who, (x, y) in [(chain.alice, HELPFUL), (chain.mallory, HARMFUL), (chain.carol, HELPFUL), (chain.bob, NEUTRAL)]:
        trainer.add_data(x, y, sender=who)
    chain.travel(days=1)
    m.end(sender=chain.bob)
    m.reveal_rest(sender=chain.owner)
    while m.contract.call("settlement")[1] == 1:  # until Mallory is removed and the second replay starts
        m._settle_once(chain.carol, 1, TX_GAS_CAP)
    chain.travel(seconds=m.contract.call("progressDeadline") - chain.now)
    burn_before = chain.balance(BURN_ADDRESS)
    m.abandon(sender=chain.carol)
    assert m.contract.call("penalties") == STAKE  # Mallory's whole stake
    assert m.burned == bounty + STAKE and chain.balance(BURN_ADDRESS) - burn_before == bounty + STAKE
    e = expect_revert(chain, trainer, "NothingToWithdraw", m.withdraw, sender=chain.mallory)
    assert "removed" in e.hint
    for name in ("alice", "carol", "bob"):
        assert m.withdraw(sender=getattr(chain, name)) == STAKE
        assert chain.balance(getattr(chain, name)) == start[name]
    assert chain.balance(chain.mallory) == start["mallory"] - STAKE
    assert chain.balance(m.contract.address) == chain.balance(trainer.address) == 0


# -- finding 7: the commitment helper leaks nothing ------------------------------------------------------

def test_committing_sends_no_test_row_before_its_reveal(chain):
    """Before, ``commit_test_set`` measured a real piece with a free ``pieceGas`` call: on a node, an
    ``eth_call`` whose data the provider sees, and that piece usually stayed hidden until the end. Now the
    bound comes from the shape alone: every call and transaction the commitment sends is recorded here, and
    none carries a single test value."""
    trainer = make_trainer(chain)
    m = trainer.market
    X = np.array([[1.234567891, -2.5], [3.75, 0.125], [-1.0625, 2.2], [0.3, -0.7]] * 2)
    y = (X[:, 0] > X[:, 1]).astype(int)
    sent: list[bytes] = []
    call, transact = chain._call, chain._transact

    def recording_call(sender, to, data, **kwargs):
        sent.append(bytes(data))
        return call(sender, to, data, **kwargs)

    def recording_transact(sender, to, data, **kwargs):
        sent.append(bytes(data))
        return transact(sender, to, data, **kwargs)

    chain._call, chain._transact = recording_call, recording_transact
    try:
        m.commit_test_set(X, y, pieces=4, bounty=EVAL_ROWS * 10**9, sender=chain.owner)
    finally:
        chain._call, chain._transact = call, transact
    assert len(sent) >= 2  # the bound's free call and the commitment were seen
    words = {eth_abi.encode(["int64"], [v]) for row in X for v in trainer.model.encode(row)}
    assert not any(w in data for w in words for data in sent)
    # ... while the reveal, as it must, carries them.
    sent.clear()
    chain._transact = recording_transact
    try:
        m.reveal_selected(sender=chain.owner)
    finally:
        chain._transact = transact
    assert any(w in data for w in words for data in sent)
