"""The prediction market on chain: the paper's claims as assertions, every phase's bad input, money safety."""

from __future__ import annotations

import numpy as np
import pytest

import sumkit as sk
from sumkit.incentives.prediction_market import BURN_ADDRESS, TX_GAS_CAP, piece_arguments, piece_hash

from .conftest import expect_revert as revert_changes_nothing

STAKE = sk.ether(1)
# A 2-feature perceptron that starts predicting 0 everywhere (h_0); the truth is "1 when x0 > x1".
WEIGHTS, INTERCEPT = [0.0, 0.0], -0.5
# Four pieces of two rows, each one positive and one negative: h_0 gets one row of each piece wrong, and
# one helpful update (HELPFUL below) makes the model right everywhere.
TEST_X = np.array([[2, 0], [0, 2], [1, -1], [-1, 1], [3, 1], [1, 3], [0, -2], [-2, 0]], dtype=float)
TEST_Y = np.array([1, 0, 1, 0, 1, 0, 1, 0])
PIECES, REVEAL = 4, 1
EVAL_ROWS = (PIECES - REVEAL) * 2
HELPFUL = ([1.0, -1.0], 1)  # h_0 gets it wrong: the update fixes every test row
HARMFUL = ([1.0, -1.0], 0)  # after HELPFUL, undoes it: back to h_0
NEUTRAL = ([3.0, 0.0], 1)  # the model already agrees after HELPFUL: no update


def make_trainer(chain: sk.Chain, **market_args) -> sk.Trainer:
    args = dict(stake=STAKE, min_duration=sk.days(1), min_contributions=100, reveal_window=sk.days(3))
    args.update(market_args)
    model = sk.models.DensePerceptron.from_floats(WEIGHTS, INTERCEPT)
    return sk.deploy(chain, model, sk.incentives.PredictionMarket(**args), name="market", owner=chain.owner)


def open_market(chain: sk.Chain, trainer: sk.Trainer, bounty: int) -> None:
    trainer.market.commit_test_set(TEST_X, TEST_Y, pieces=PIECES, bounty=bounty, reveal=REVEAL, sender=chain.owner)
    trainer.market.reveal_selected(sender=chain.owner)


def close_and_settle(chain: sk.Chain, trainer: sk.Trainer, **settle_args) -> None:
    chain.travel(days=1)
    trainer.market.end(sender=chain.bob)
    trainer.market.reveal_rest(sender=chain.owner)
    trainer.market.settle(sender=chain.bob, progress=False, **settle_args)


def balances(chain: sk.Chain, trainer: sk.Trainer) -> dict[str, int]:
    names = ("owner", "alice", "bob", "carol", "mallory")
    out = {n: chain.balance(getattr(chain, n)) for n in names}
    out.update(trainer=chain.balance(trainer.address), market=chain.balance(trainer.market.contract.address))
    return out


def expect_revert(chain, trainer, error: str, fn, *args, **kwargs) -> sk.Reverted:
    """conftest's expect_revert, with the market's balance among those that must not change, and no string
    revert (whose hint quotes the contract)."""
    e = revert_changes_nothing(chain, trainer, error, fn, *args, state=lambda: balances(chain, trainer), **kwargs)
    assert "The contract said" not in e.hint
    return e


@pytest.fixture
def chain() -> sk.Chain:
    return sk.Chain()


@pytest.fixture
def trainer(chain) -> sk.Trainer:
    return make_trainer(chain)


# -- the paper's claims ------------------------------------------------------------------------------

def test_rewards_are_the_bounty_times_the_loss_reduction_exactly(chain, trainer):
    m = trainer.market
    bounty = EVAL_ROWS * 10**17  # 0.1 ether per test error removed
    h0 = trainer.model.copy()
    sponsor_before = chain.balance(chain.owner)
    open_market(chain, trainer, bounty)
    assert m.phase == "participation" and len(m.selected()) == REVEAL
    story = [(chain.alice, HELPFUL), (chain.mallory, HARMFUL), (chain.carol, HELPFUL), (chain.bob, NEUTRAL)]
    for who, (x, y) in story:
        c = trainer.add_data(x, y, sender=who)
        assert c.deposit == STAKE
    assert chain.balance(trainer.address) == 4 * STAKE  # the stakes wait in the trainer
    close_and_settle(chain, trainer)
    assert m.phase == "withdraw"

    # The replay reached the trainer's model, and L(h_T) < L(h_0).
    e0, e_t = m.evaluation_errors(h0), m.evaluation_errors(trainer.model)
    assert (e0, e_t) == (3, 0)
    table = m.balances().set_index("contributor")
    assert not table["removed"].any()
    # Total paid beyond the stakes == B * (L(h_0) - L(h_T)), in wei, exactly; never more than the bounty.
    total_profit = int(table["profit"].sum())
    assert total_profit * EVAL_ROWS == bounty * (e0 - e_t)
    assert total_profit <= bounty
    assert m.burned == bounty - total_profit
    # The market holds exactly what it owes: every stake was collected from the trainer, the rest burned.
    assert chain.balance(m.contract.address) == table["balance"].sum() == m.contract.call("owed")
    assert chain.balance(trainer.address) == 0
    # Each contributor is paid its own loss reduction: helpful gains, harmful loses, neutral gets its stake.
    per_error = bounty // EVAL_ROWS
    assert table.loc["alice", "profit"] == 3 * per_error > 0
    assert table.loc["carol", "profit"] == 3 * per_error
    assert table.loc["mallory", "profit"] == -3 * per_error
    assert table.loc["mallory", "balance"] < STAKE < table.loc["alice", "balance"]
    assert table.loc["bob", "profit"] == 0

    # Everyone withdraws exactly its balance; then the contracts hold nothing, the burn address holds the rest.
    burned_before = chain.balance(BURN_ADDRESS)
    for name in ("alice", "mallory", "carol", "bob"):
        who = getattr(chain, name)
        before = chain.balance(who)
        assert m.withdraw(sender=who) == table.loc[name, "balance"]
        assert chain.balance(who) - before == table.loc[name, "balance"]
    assert chain.balance(trainer.address) == 0 and chain.balance(m.contract.address) == 0
    assert chain.balance(BURN_ADDRESS) == burned_before  # burned at settlement, before the withdrawals
    assert chain.balance(BURN_ADDRESS) >= m.burned
    # The sponsor got no part of the bounty back.
    assert chain.balance(chain.owner) == sponsor_before - bounty


def test_a_contributor_who_cannot_cover_its_harm_is_removed_and_the_replay_restarts(chain, trainer):
    m = trainer.market
    bounty = EVAL_ROWS * 10**18  # 1 ether per error: mallory's stake cannot pay for 3 errors
    open_market(chain, trainer, bounty)
    story = [(chain.alice, HELPFUL), (chain.mallory, HARMFUL), (chain.carol, HELPFUL), (chain.bob, NEUTRAL)]
    for who, (x, y) in story:
        trainer.add_data(x, y, sender=who)
    burn_before = chain.balance(BURN_ADDRESS)
    close_and_settle(chain, trainer)
    table = m.balances().set_index("contributor")
    assert table["removed"].to_dict() == {"alice": False, "mallory": True, "carol": False, "bob": False}
    assert m.contract.call("settlement")[1] == 2  # a second replay, without mallory's data
    # Mallory's stake paid for k = floor(stake / 3) rounds of her 3 errors; she gets nothing, the dust is burned.
    k = STAKE // 3
    assert table.loc["mallory", "balance"] == 0
    assert table.loc["carol", "balance"] == STAKE + 3 * k  # carol's data only helped while mallory's was there
    assert table.loc["alice", "balance"] == STAKE + 3 * (bounty // EVAL_ROWS)  # alice is paid for every round
    assert table.loc["bob", "balance"] == STAKE
    e = expect_revert(chain, trainer, "NothingToWithdraw", m.withdraw, sender=chain.mallory)
    assert "removed" in e.hint
    paid = sum(m.withdraw(sender=getattr(chain, n)) for n in ("alice", "carol", "bob"))
    # Every wei is accounted for: the bounty and the stakes were paid out or burned; nothing is left.
    assert paid + m.burned == bounty + 4 * STAKE
    assert chain.balance(BURN_ADDRESS) - burn_before == m.burned
    assert chain.balance(trainer.address) == 0 and chain.balance(m.contract.address) == 0


def test_settlement_is_batched_under_the_gas_limit_and_batching_does_not_change_the_result(chain):
    trainer = make_trainer(chain, stake=sk.ether("0.01"))
    open_market(chain, trainer, bounty=EVAL_ROWS * 10**15)
    rng = np.random.default_rng(3)
    people = [chain.alice, chain.bob, chain.carol, chain.mallory]
    for i in range(60):
        x = rng.uniform(-2, 2, size=2)
        y = int(x[0] > x[1])
        who = people[i % 4]
        trainer.add_data(x, 1 - y if who == chain.mallory else y, sender=who)
    chain.travel(days=1)
    trainer.market.end(sender=chain.bob)
    trainer.market.reveal_rest(sender=chain.owner)
    results = []
    for gas in (TX_GAS_CAP, 2_000_000):
        with chain.snapshot():
            log_len = len(chain.gas_log)
            sent = trainer.market.settle(sender=chain.bob, batch=10_000, progress=False, gas=gas)
            settles = chain.gas_log.iloc[log_len:]
            assert len(settles) == sent and (settles["function"] == "settle").all()
            assert settles["gas_used"].max() <= gas
            results.append((sent, trainer.market.balances(), trainer.market.burned))
    (sent_big, table_big, burned_big), (sent_small, table_small, burned_small) = results
    assert sent_small > sent_big  # the gas check split the work into more transactions
    assert table_big.equals(table_small) and burned_big == burned_small


@pytest.mark.parametrize("seed", range(8))
def test_the_chain_settles_exactly_like_the_python_mirror(chain, seed):
    """Random markets (random h_0, data, liars, bounty per error from a tenth of a stake to five stakes, so
    that some contributors are removed): the contract's balances, removals and burn equal settle_offline's."""
    from sumkit.incentives.prediction_market import settle_offline

    rng = np.random.default_rng(seed)
    h0 = sk.models.DensePerceptron.from_floats(rng.uniform(-1, 1, 2).round(2), round(float(rng.uniform(-1, 1)), 2))
    trainer = sk.deploy(chain, h0, sk.incentives.PredictionMarket(stake=STAKE, min_contributions=1), name="random")
    per_error = int(rng.choice([STAKE // 10, STAKE // 3, STAKE, 5 * STAKE]))
    open_market(chain, trainer, bounty=EVAL_ROWS * per_error)
    people = [chain.alice, chain.bob, chain.carol, chain.mallory]
    for _ in range(int(rng.integers(4, 12))):
        who = people[int(rng.integers(0, 4))]
        x = rng.uniform(-2, 2, 2).round(2)
        y = int(x[0] > x[1])
        trainer.add_data(x, 1 - y if who in (chain.mallory, chain.carol) and rng.random() < 0.7 else y, sender=who)
    m = trainer.market
    m.end(sender=chain.bob)
    m.reveal_rest(sender=chain.owner)
    m.settle(sender=chain.bob, progress=False)
    evaluation = [m.pieces[i] for i in m.evaluation_pieces()]
    rows = [r for piece in evaluation for r in piece[0]]
    labels = [y for piece in evaluation for y in piece[1]]
    contributions = [(c.contributor, c.x, h0.encode_label(c.label)) for c in trainer.added()]
    expected = settle_offline(h0, contributions, rows, labels, bounty=m.bounty, stake=STAKE)
    got = m.result()
    assert got.balances == expected.balances and set(got.removed) == set(expected.removed)
    assert (got.burned, got.replays) == (expected.burned, expected.replays)
    assert chain.balance(m.contract.address) == sum(got.balances.values())


# -- the sponsor cannot cheat, nor walk away with the bounty -------------------------------------------

def test_commitment_hashes_and_tampered_pieces(chain, trainer):
    m = trainer.market
    hashes = m.commit_test_set(TEST_X, TEST_Y, pieces=PIECES, bounty=EVAL_ROWS * 10**17, sender=chain.owner)
    assert m.hashes == hashes and m.phase == "reveal_selected"
    rows = [m.trainer.model.encode(r) for r in TEST_X]
    salts = [piece[2] for piece in m.pieces]
    assert hashes[0] == piece_hash(rows[:2], [1, 0], salts[0])
    assert len(set(salts)) == PIECES and all(len(salt) == 32 for salt in salts)  # a fresh salt per piece
    (i,) = m.selected()
    X_i, y_i = TEST_X[2 * i:2 * i + 2], TEST_Y[2 * i:2 * i + 2]
    e = expect_revert(chain, trainer, "PieceMismatch", m.reveal_piece, i, X_i, 1 - y_i, sender=chain.owner)
    assert e.args_["committed"] == hashes[i] and "hash" in e.hint
    # The right rows and labels with a wrong salt are refused too: the salt is part of the commitment.
    expect_revert(chain, trainer, "PieceMismatch", m.reveal_piece, i, X_i, y_i, sender=chain.owner, salt=bytes(32))
    expect_revert(chain, trainer, "WrongPieceShape", m.reveal_piece, i, X_i[:1], y_i[:1], sender=chain.owner)
    other = (i + 1) % PIECES
    X_o, y_o = TEST_X[2 * other:2 * other + 2], TEST_Y[2 * other:2 * other + 2]
    expect_revert(chain, trainer, "PieceNotRequested", m.reveal_piece, other, X_o, y_o, sender=chain.owner)
    expect_revert(chain, trainer, "NotSponsor", m.reveal_selected, sender=chain.alice)
    m.reveal_piece(i, X_i, y_i, sender=chain.owner)
    assert m.phase == "participation" and m.revealed() == [i]
    expect_revert(chain, trainer, "WrongPhase", m.reveal_piece, i, X_i, y_i, sender=chain.owner)


def test_a_test_row_the_model_cannot_read_is_refused(chain, trainer):
    bad_rows = [[1, 2, 3], [4, 5, 6]]  # three features for a two-feature model
    good = [m_row for m_row in ([10**9, 0], [0, 10**9])]
    salts = [bytes([i]) * 32 for i in range(4)]
    hashes = [piece_hash(bad_rows if i == 0 else good, [1, 0], salts[i]) for i in range(4)]
    m = trainer.market
    m.contract.transact("commitTestSet", hashes, 2, 3, 3, sender=chain.owner, value=2 * 10**9)
    selected = m.selected()
    pieces = [(i, salts[i], bad_rows if i == 0 else good, [1, 0]) for i in selected]
    send = m.contract.transact
    if 0 in selected:
        expect_revert(chain, trainer, "InvalidTestRow", send, "revealSelected", *piece_arguments(pieces),
                      sender=chain.owner)
    else:  # the bad piece is revealed at the end: the same check refuses it then
        send("revealSelected", *piece_arguments(pieces), sender=chain.owner)
        trainer.add_data([1.0, 0.0], 1, sender=chain.alice)
        chain.travel(days=1)
        m.end(sender=chain.alice)
        expect_revert(chain, trainer, "InvalidTestRow", send, "revealRest",
                      *piece_arguments([(0, salts[0], bad_rows, [1, 0])]), sender=chain.owner)


def test_a_sponsor_who_never_reveals_forfeits_the_bounty_and_contributors_get_their_stakes(chain, trainer):
    m = trainer.market
    bounty = EVAL_ROWS * 10**17
    open_market(chain, trainer, bounty)
    story = [(chain.alice, HELPFUL), (chain.mallory, HARMFUL), (chain.alice, NEUTRAL), (chain.bob, NEUTRAL)]
    contributions = [trainer.add_data(x, y, sender=who) for who, (x, y) in story]
    expect_revert(chain, trainer, "UseMarketWithdraw", trainer.refund, contributions[0], sender=chain.alice)
    chain.travel(days=1)
    m.end(sender=chain.alice)
    deadline = m.contract.call("revealDeadline")
    chain.travel(seconds=deadline - chain.now - 1)
    e = expect_revert(chain, trainer, "RevealWindowOpen", m.forfeit, sender=chain.carol)
    assert "1 s" in e.hint
    chain.travel(seconds=1)
    burn_before = chain.balance(BURN_ADDRESS)
    m.forfeit(sender=chain.carol)
    assert m.phase == "forfeited"
    assert m.burned == bounty and chain.balance(BURN_ADDRESS) - burn_before == bounty  # the whole bounty
    expected = {"alice": 2 * STAKE, "mallory": STAKE, "bob": STAKE}  # the stakes, nothing of the bounty
    assert m.balances().set_index("contributor")["balance"].to_dict() == expected
    for name, amount in expected.items():
        who = getattr(chain, name)
        before = chain.balance(who)
        assert m.withdraw(sender=who) == amount
        assert chain.balance(who) - before == amount
    assert chain.balance(trainer.address) == 0 and chain.balance(m.contract.address) == 0
    expect_revert(chain, trainer, "NothingToWithdraw", m.withdraw, sender=chain.owner)


def test_without_the_selected_reveal_the_bounty_is_burned(chain, trainer):
    m = trainer.market
    m.commit_test_set(TEST_X, TEST_Y, pieces=PIECES, bounty=EVAL_ROWS, sender=chain.owner)
    expect_revert(chain, trainer, "RevealWindowOpen", m.forfeit, sender=chain.alice)
    chain.travel(days=3)
    m.forfeit(sender=chain.alice)
    assert m.burned == EVAL_ROWS and chain.balance(m.contract.address) == 0


# -- the audit's findings (issue 12) ------------------------------------------------------------------

def test_salted_commitments_defeat_recovering_hidden_pieces_from_a_known_source(chain, trainer):
    """Finding 3. When the test data come from a known source, an attacker hashes candidate pieces (here every
    ordered pair of the source's rows, with their true labels) and compares with the commitments on chain.
    Against unsalted commitments, keccak256(abi.encode(rows, labels)), that recovers every hidden piece during
    participation; against the salted ones it recovers none."""
    import itertools

    import eth_abi
    from eth_utils import keccak

    m = trainer.market
    open_market(chain, trainer, bounty=EVAL_ROWS * 10**17)
    assert m.phase == "participation"
    encode = trainer.model.encode
    source = [(encode(x), int(y)) for x, y in zip(TEST_X, TEST_Y)]  # what the attacker knows

    def unsalted(rows, labels) -> str:
        return "0x" + keccak(eth_abi.encode(["int64[][]", "uint64[]"], [rows, labels])).hex()

    def recover(commitments: list[str]) -> dict[int, list]:
        found = {}
        for a, b in itertools.permutations(source, 2):
            guess = unsalted([a[0], b[0]], [a[1], b[1]])
            if guess in commitments:
                found[commitments.index(guess)] = [a[0], b[0]]
        return found

    hidden = m.evaluation_pieces()
    # The attack works on the old, unsalted commitments of the same pieces: every hidden piece is recovered.
    old = [unsalted(rows, labels) for rows, labels, _ in m.pieces]
    recovered = recover(old)
    assert set(hidden) <= set(recovered) and all(recovered[i] == m.pieces[i][0] for i in hidden)
    # On chain the commitments are salted: the same search finds nothing.
    assert m.hashes == [piece_hash(rows, labels, salt) for rows, labels, salt in m.pieces]
    assert recover(m.hashes) == {}
    assert not any(f"{salt.hex()}" in repr(m) for _, _, salt in m.pieces)  # the handle never shows a salt


def test_settlement_cost_does_not_depend_on_how_contributions_interleave():
    """Finding 5. Two accounts sending neutral contributions (the model already agrees), alternating or grouped:
    the settlements cost the same within 2% (the model is evaluated after every contribution, not at every
    change of contributor), and the stakes come back in full either way."""
    costs = {}
    orders = {"alternating": [chain_name for _ in range(5) for chain_name in ("alice", "bob")],
              "grouped": ["alice"] * 5 + ["bob"] * 5}
    for order, names in orders.items():
        chain = sk.Chain()
        trainer = make_trainer(chain)
        open_market(chain, trainer, bounty=EVAL_ROWS * 10**15)
        trainer.add_data(*HELPFUL, sender=chain.carol)
        for name in names:
            trainer.add_data(*NEUTRAL, sender=getattr(chain, name))
        chain.travel(days=1)
        trainer.market.end(sender=chain.bob)
        trainer.market.reveal_rest(sender=chain.owner)
        log_len = len(chain.gas_log)
        trainer.market.settle(sender=chain.bob, progress=False)
        costs[order] = int(chain.gas_log["gas_used"].iloc[log_len:].sum())
        table = trainer.market.balances().set_index("contributor")
        assert table.loc["alice", "profit"] == table.loc["bob", "profit"] == 0
    ratio = costs["alternating"] / costs["grouped"]
    assert 0.98 <= ratio <= 1.02, costs


def test_market_parameters_that_let_anyone_act_before_the_sponsor_are_refused(chain, trainer):
    """Finding 6 (the market's half): a reveal window or a minimum duration under an hour (or over a year),
    and min_contributions of 0, are refused in Python (ValueError naming the rule) and by the constructor."""
    from sumkit.incentives.prediction_market import MAX_WINDOW, MIN_WINDOW

    with pytest.raises(ValueError, match="reveal_window must be from .* anyone could forfeit"):
        sk.incentives.PredictionMarket(reveal_window=0)
    with pytest.raises(ValueError, match="reveal_window must be"):
        sk.incentives.PredictionMarket(reveal_window=MAX_WINDOW + 1)
    with pytest.raises(ValueError, match="min_duration must be from .* anyone could end participation"):
        sk.incentives.PredictionMarket(min_duration=MIN_WINDOW - 1)
    with pytest.raises(ValueError, match="min_contributions must be at least 1"):
        sk.incentives.PredictionMarket(min_contributions=0)
    assert sk.incentives.PredictionMarket(reveal_window=MIN_WINDOW, min_duration=MAX_WINDOW).reveal_window == MIN_WINDOW
    code_hash = keccak_of(trainer.incentive.init_code)
    good = dict(minDuration=sk.days(1), minContributions=1, revealWindow=sk.days(3))
    bad = [
        ("RevealWindowOutOfRange", dict(revealWindow=0)),
        ("RevealWindowOutOfRange", dict(revealWindow=MIN_WINDOW - 1)),
        ("RevealWindowOutOfRange", dict(revealWindow=MAX_WINDOW + 1)),
        ("MinDurationOutOfRange", dict(minDuration=0)),
        ("MinContributionsZero", dict(minContributions=0)),
    ]
    for error, change in bad:
        args = {**good, **change}
        with pytest.raises(sk.Reverted) as e:
            chain.deploy("PredictionMarket", trainer.address, STAKE, args["minDuration"], args["minContributions"],
                         args["revealWindow"], code_hash, sender=chain.owner)
        assert e.value.error == error, e.value.reason
        assert "anyone could" in e.value.hint
    deployed = chain.deploy("PredictionMarket", trainer.address, STAKE, MIN_WINDOW, 1, MIN_WINDOW, code_hash,
                            sender=chain.owner)
    assert deployed.call("revealWindow") == MIN_WINDOW


def keccak_of(data: bytes) -> bytes:
    from eth_utils import keccak

    return keccak(data)


def test_pieces_too_big_to_evaluate_in_one_step_are_refused(chain):
    """Finding 1 (issue 12) and issue 19's finding 2, at commit: a piece whose evaluation might not fit one
    settlement step is refused before sending and by the contract, from its shape alone (rows per piece, the
    longest row, the model's classes), so a sponsor cannot commit a piece it could never reveal. A reveal
    refuses rows longer than committed."""
    from sumkit.incentives.prediction_market import MAX_PIECE_GAS, PIECE_CLASS_GAS, PIECE_ROW_GAS, PIECE_VALUE_GAS

    rng = np.random.default_rng(1)
    model = sk.models.DensePerceptron.from_floats(rng.normal(size=30) * 0.1, 0.0)
    trainer = sk.deploy(chain, model, sk.incentives.PredictionMarket(stake=STAKE), name="wide")
    m = trainer.market
    X = rng.normal(size=(500, 30))
    y = (X.sum(axis=1) > 0).astype(int)
    bound = 250 * (PIECE_ROW_GAS + 2 * (PIECE_CLASS_GAS + 30 * PIECE_VALUE_GAS))
    assert m.contract.call("pieceGasBound", 250, 30) == bound > MAX_PIECE_GAS
    log_len = len(chain.gas_log)
    with pytest.raises(ValueError, match=f"may take {bound:,} gas with this model, more than the 8,000,000"):
        m.commit_test_set(X, y, pieces=2, bounty=250, sender=chain.owner)
    assert len(chain.gas_log) == log_len  # nothing sent
    # Sent anyway (raw web3): the contract refuses the commitment itself, before anyone can stake.
    rows = [model.encode(r) for r in X]
    labels = [int(v) for v in y]
    salts = [bytes([7]) * 32, bytes([8]) * 32]
    pieces = [(i, salts[i], rows[250 * i:250 * (i + 1)], labels[250 * i:250 * (i + 1)]) for i in range(2)]
    hashes = [piece_hash(r, lab, salt) for _, salt, r, lab in pieces]
    send = m.contract.transact
    e = expect_revert(chain, trainer, "PieceTooLarge", send, "commitTestSet", hashes, 250, 30, 1, sender=chain.owner,
                      value=250)
    assert e.args_ == {"rowsPerPiece": 250, "maxRowLength": 30, "gasBound": bound, "maxGas": MAX_PIECE_GAS}
    assert "smaller pieces" in e.hint
    # A sponsor who commits shorter rows than it reveals cannot reveal (and its bounty will be burned).
    small = [(i, salts[i], rows[20 * i:20 * (i + 1)], labels[20 * i:20 * (i + 1)]) for i in range(2)]
    send("commitTestSet", [piece_hash(r, lab, salt) for _, salt, r, lab in small], 20, 29, 1, sender=chain.owner,
         value=20)
    (i,) = m.selected()
    e = expect_revert(chain, trainer, "TestRowTooLong", send, "revealSelected", *piece_arguments([small[i]]),
                      sender=chain.owner)
    assert e.args_ == {"index": i, "row": 0, "length": 30, "maxRowLength": 29}


def test_a_stalled_settlement_is_abandoned_stakes_come_back_and_the_bounty_is_burned(chain, trainer):
    """Finding 1's way out. Nobody pushes the settlement for reveal_window: anyone may abandon it. Every
    contributor gets all its stakes back (those already collected from the market, the rest through the
    trainer), the bounty is burned, nothing is left in either contract. Each push of the settlement restarts
    the wait."""
    m = trainer.market
    bounty = EVAL_ROWS * 10**18
    sponsor_before = chain.balance(chain.owner)
    open_market(chain, trainer, bounty)
    story = [(chain.alice, HELPFUL), (chain.mallory, HARMFUL), (chain.bob, NEUTRAL), (chain.alice, NEUTRAL)]
    for who, (x, y) in story:
        trainer.add_data(x, y, sender=who)
    start = {n: chain.balance(getattr(chain, n)) for n in ("alice", "bob", "mallory")}
    chain.travel(days=1)
    m.end(sender=chain.bob)
    m.reveal_rest(sender=chain.owner)
    window = m.contract.call("revealWindow")
    e = expect_revert(chain, trainer, "SettlementNotStalled", m.abandon, sender=chain.carol)
    assert "settle" in e.hint
    # Three steps: create the replay model, evaluate it (one piece per step)... then nothing for a while.
    m._settle_once(chain.carol, 3, TX_GAS_CAP)
    deadline = m.contract.call("progressDeadline")
    assert deadline == chain.now - 12 + window  # the push restarted the wait
    m._settle_once(chain.carol, 3, TX_GAS_CAP)  # ... replays contribution 0 and collects its stake
    assert m.contract.call("settlement")[6] >= 1 and chain.balance(m.contract.address) == bounty + STAKE
    chain.travel(seconds=m.contract.call("progressDeadline") - chain.now - 1)
    expect_revert(chain, trainer, "SettlementNotStalled", m.abandon, sender=chain.carol)
    chain.travel(seconds=1)
    burn_before = chain.balance(BURN_ADDRESS)
    m.abandon(sender=chain.carol)
    assert m.phase == "abandoned" and m.burned == bounty
    assert chain.balance(BURN_ADDRESS) - burn_before == bounty
    expect_revert(chain, trainer, "WrongPhase", m.settle, sender=chain.bob, progress=False)
    expected = {"alice": 2 * STAKE, "mallory": STAKE, "bob": STAKE}
    assert m.balances().set_index("contributor")["balance"].to_dict() == expected
    for name, amount in expected.items():
        assert m.withdraw(sender=getattr(chain, name)) == amount
        assert chain.balance(getattr(chain, name)) == start[name] + amount
    expect_revert(chain, trainer, "NothingToWithdraw", m.withdraw, sender=chain.alice)
    assert chain.balance(trainer.address) == 0 and chain.balance(m.contract.address) == 0
    assert chain.balance(chain.owner) == sponsor_before - bounty  # the sponsor gets nothing back


def test_a_market_of_the_audits_size_fits_the_transaction_cap_at_every_step():
    """Finding 1 (issue 12) and issue 19's finding 8 at the audit's size: 1,100 rows of 30 features in 55 pieces
    of 20 (1,080 evaluation rows; before, reveals took 23.4M gas and settle steps up to 26.3M). Every
    transaction of the story (deployment, commitment, reveals, contributions, settlement, withdrawals) stays
    within EIP-7825's 16,777,216 gas: the reveals and the settlement steps are sized to the cap automatically.
    The result equals the Python settlement; every wei is accounted for. The story is the gas benchmark's, on
    revm (the same gas as py-evm, tests/test_revm.py): about 5 s."""
    from benchmarks.gas import audit_size_market
    from sumkit.incentives.prediction_market import settle_offline

    chain, trainer, stages, data = audit_size_market()
    m = trainer.market
    assert m.phase == "withdraw" and len(stages["settle"]) > 3  # several transactions were needed
    # The reveal was split to fit the cap, by the gas measured per piece (issue 19: 18 transactions when sized by
    # the contract's worst-case bound), every transaction with a margin under the cap.
    assert 1 < len(stages["reveal_rest"]) <= 5 and max(stages["reveal_rest"]) <= TX_GAS_CAP * 9 // 10
    assert max(max(gas) for gas in stages.values()) <= TX_GAS_CAP, stages
    assert chain.gas_log["gas_used"].max() <= TX_GAS_CAP  # every transaction of the story, deployment included
    evaluation = [m.pieces[i] for i in m.evaluation_pieces()]
    rows = [r for piece in evaluation for r in piece[0]]
    labels = [v for piece in evaluation for v in piece[1]]
    assert len(rows) == 1080
    h0, bounty, stake, start = data["h0"], data["bounty"], data["stake"], data["start"]
    contributions = [(c.contributor, c.x, h0.encode_label(c.label)) for c in trainer.added()]
    expected = settle_offline(h0, contributions, rows, labels, bounty=bounty, stake=stake)
    assert data["result"].balances == expected.balances and m.burned == expected.burned
    paid = {who: balance for who, balance in expected.balances.items()}
    assert sum(paid.values()) + m.burned == bounty + 2 * stake
    assert any(balance != stake for balance in paid.values())  # the replayed updates changed the test errors
    assert chain.balance(m.contract.address) == chain.balance(trainer.address) == 0  # everyone withdrew
    assert chain.balance(chain.owner) == start["owner"] - bounty
    for name in ("alice", "bob"):
        who = getattr(chain, name)
        assert chain.balance(who) == start[name] - stake + paid[who]


# -- every phase refuses the others' calls -----------------------------------------------------------

def test_a_reveal_batch_the_cap_refuses_is_split_before_anything_is_sent(monkeypatch):
    """Reveal batches are sized by the gas measured per piece; a batch that meets costlier pieces than measured
    (a sparse model's longer rows) is refused by the cap before it is sent, and the rest goes in halves. Here the
    size is forced to every piece at once (about 17M gas of 30-feature pieces of 20 rows): 19 refused, 9 sent, 9,
    then 1. On revm (gas equal to py-evm's)."""
    chain = sk.Chain(backend="revm")
    rng = np.random.default_rng(5)
    h0 = sk.models.DensePerceptron.from_floats(rng.normal(size=30) * 0.05, 0.0)
    trainer = sk.deploy(chain, h0, sk.incentives.PredictionMarket(stake=STAKE, min_contributions=1), name="split")
    m = trainer.market
    X = rng.normal(size=(400, 30))
    m.commit_test_set(X, (X.sum(axis=1) > 0).astype(int), pieces=20, bounty=380, sender=chain.owner)
    m.reveal_selected(sender=chain.owner)
    trainer.add_data(X[0], 1, sender=chain.alice)
    m.end(sender=chain.alice)
    monkeypatch.setattr(m, "reveal_batch", lambda: 19)
    attempts, reveal = [], m._reveal
    monkeypatch.setattr(m, "_reveal", lambda fn, indices, sender: (attempts.append(len(indices)),
                                                                   reveal(fn, indices, sender)))
    start = len(chain.gas_log)
    assert len(m.reveal_rest(sender=chain.owner)) == 19
    assert attempts == [19, 9, 9, 1]
    reveals = chain.gas_log.iloc[start:]
    assert list(reveals["function"]) == ["revealRest"] * 3  # the refused batch of 19 was never sent
    assert max(reveals["gas_used"]) <= TX_GAS_CAP and m.phase == "settle"
    assert sorted(m.revealed()) == list(range(20))


def test_wrong_phase_wrong_stake_wrong_account(chain, trainer):
    m = trainer.market
    e = expect_revert(chain, trainer, "WrongPhase", trainer.add_data, *HELPFUL, sender=chain.alice)
    assert "'commit'" in e.hint and "commit_test_set" in e.hint
    expect_revert(chain, trainer, "WrongPhase", m.end, sender=chain.alice)
    expect_revert(chain, trainer, "WrongPhase", m.withdraw, sender=chain.alice)
    expect_revert(chain, trainer, "WrongPhase", m.settle, sender=chain.alice, progress=False)
    e = expect_revert(chain, trainer, "NotSponsor", m.commit_test_set, TEST_X, TEST_Y, pieces=PIECES,
                      bounty=EVAL_ROWS, sender=chain.alice)
    assert "owner" in e.hint
    open_market(chain, trainer, bounty=EVAL_ROWS * 10**17)
    e = expect_revert(chain, trainer, "StakeTooLow", trainer.add_data, *HELPFUL, sender=chain.alice, value=STAKE - 1)
    assert e.args_ == {"required": STAKE, "sent": STAKE - 1}
    c = trainer.add_data(*HELPFUL, sender=chain.alice)
    e = expect_revert(chain, trainer, "TooEarlyToEnd", m.end, sender=chain.alice)
    assert "chain.travel" in e.hint
    expect_revert(chain, trainer, "UseMarketWithdraw", trainer.refund, c, sender=chain.alice)
    expect_revert(chain, trainer, "WrongPhase", m.reveal_rest, sender=chain.owner)
    e = expect_revert(chain, trainer, "WrongPhase", m.withdraw, sender=chain.alice)
    assert "'participation'" in e.hint
    chain.travel(days=1)
    m.end(sender=chain.alice)
    expect_revert(chain, trainer, "WrongPhase", trainer.add_data, *HELPFUL, sender=chain.bob)
    expect_revert(chain, trainer, "NotSponsor", m.reveal_rest, sender=chain.alice)
    m.reveal_rest(sender=chain.owner)
    # Settling with a forged sample, a missing or tampered piece, or without the true init code, is refused.
    forged = [[7, 7]]
    init_code = trainer.incentive.init_code
    pieces = [m._encode_piece(i, m.pieces[i]) for i in m.evaluation_pieces()]
    bad_code = init_code[:-1] + b"\x01"

    def settle(code, pieces, first, xs, steps=5):
        return m.contract.transact("settle", code, *piece_arguments(pieces), first, xs, steps, sender=chain.bob)

    expect_revert(chain, trainer, "WrongInitCode", settle, bad_code, pieces, 0, forged)
    expect_revert(chain, trainer, "WrongInitCode", settle, b"", pieces, 0, forged)
    with chain.snapshot():
        settle(init_code, [], 0, [], steps=1)  # creates the replay model; its evaluation comes next
        e = expect_revert(chain, trainer, "TestPieceMissing", settle, b"", pieces[1:], 0, forged)
        assert e.args_ == {"index": pieces[0][0]}
        index, salt, rows, labels = pieces[0]
        tampered = [(index, salt, rows[::-1], labels)] + pieces[1:]
        expect_revert(chain, trainer, "PieceMismatch", settle, b"", tampered, 0, forged)
        expect_revert(chain, trainer, "PieceMismatch", settle, b"", [(index, bytes(32), rows, labels)], 0, forged)
        settle(b"", pieces, 0, [], steps=len(pieces))  # evaluates h_0, piece by piece
        assert m.contract.call("settlement")[2] == 0  # back to replaying
        expect_revert(chain, trainer, "UnknownContribution", settle, b"", pieces, 0, forged)
        expect_revert(chain, trainer, "ContributionDataMissing", settle, b"", pieces, 1, forged)
    m.settle(sender=chain.bob, progress=False)
    expect_revert(chain, trainer, "NothingToWithdraw", m.withdraw, sender=chain.bob)  # never contributed
    e = expect_revert(chain, trainer, "NothingToWithdraw", m.withdraw, sender=chain.owner)  # the sponsor
    assert "bounty is never returned" in e.hint
    assert m.withdraw(sender=chain.alice) > STAKE
    expect_revert(chain, trainer, "NothingToWithdraw", m.withdraw, sender=chain.alice)  # a second claim


def test_bad_python_input_raises_before_sending(chain, trainer):
    m = trainer.market
    log_len = len(chain.gas_log)
    with pytest.raises(ValueError, match="multiple of the 6 evaluation rows"):
        m.commit_test_set(TEST_X, TEST_Y, pieces=PIECES, bounty=10, sender=chain.owner)
    with pytest.raises(ValueError, match="equal pieces"):
        m.commit_test_set(TEST_X[:7], TEST_Y[:7], pieces=PIECES, bounty=EVAL_ROWS, sender=chain.owner)
    with pytest.raises(ValueError, match="reveal must be"):
        m.commit_test_set(TEST_X, TEST_Y, pieces=PIECES, bounty=EVAL_ROWS, reveal=PIECES, sender=chain.owner)
    with pytest.raises(ValueError, match="not a class"):
        m.commit_test_set(TEST_X, TEST_Y + 5, pieces=PIECES, bounty=EVAL_ROWS, sender=chain.owner)
    with pytest.raises(ValueError, match="stake must be positive"):
        sk.incentives.PredictionMarket(stake=0)
    with pytest.raises(ValueError, match="market"):
        make_trainer_drt = sk.deploy(chain, sk.models.DensePerceptron.from_floats(WEIGHTS), name="drt")
        make_trainer_drt.market  # noqa: B018
    assert len(chain.gas_log) == log_len + 3  # only the DRT deployment above


# -- money safety -----------------------------------------------------------------------------------

def test_reentrant_withdraw_gets_nothing_extra(chain, trainer):
    m = trainer.market
    attacker = chain.deploy("ReentrantWithdrawer", trainer.address, m.contract.address, sender=chain.mallory)
    open_market(chain, trainer, bounty=EVAL_ROWS * 10**17)
    x = trainer.model.encode(HELPFUL[0])
    attacker.transact("contribute", x, HELPFUL[1], sender=chain.mallory, value=STAKE)
    assert [c.contributor for c in trainer.added()] == [attacker.address]  # seen from the chain, not recorded by hand
    trainer.model.update_encoded(x, HELPFUL[1])  # keep the mirror in step: the attacker's data trained the model
    trainer.add_data(*NEUTRAL, sender=chain.alice)
    close_and_settle(chain, trainer)
    owed = m.withdrawable(attacker.address)
    assert owed == STAKE + 3 * 10**17
    market_before = chain.balance(m.contract.address)
    attacker.transact("attack", sender=chain.mallory)
    assert attacker.call("reentries") == 1 and attacker.call("reentriesSucceeded") == 0
    assert attacker.call("received") == owed == chain.balance(attacker.address)
    assert market_before - chain.balance(m.contract.address) == owed
    assert m.withdraw(sender=chain.alice) == STAKE
    assert chain.balance(m.contract.address) == 0


def test_gas_benchmark_measures_every_market_operation():
    from benchmarks.gas import MARKET_OPERATIONS, measure

    gas = measure("market-dense-perceptron-9")
    assert list(gas) == list(MARKET_OPERATIONS) and all(g > 0 for g in gas.values())
    assert gas["settle_per_contribution"] < 1_000_000


# -- money safety over random interleavings ----------------------------------------------------------

from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule  # noqa: E402

CONTRIBUTORS = ("alice", "bob", "carol", "mallory")
SAMPLES = [HELPFUL[0], NEUTRAL[0], [0.5, 1.5], [-1.0, 2.0], [2.0, 2.5]]


class MarketMoneySafety(RuleBasedStateMachine):
    """Random interleavings of contributions, time travel and every market phase (the sponsor reveals, or
    walks away and the bounty is forfeited), settled in random batch sizes (or abandoned half-way when
    nobody pushes the settlement in time) and withdrawn in random order.

    Always: no wei is created or lost (accounts + trainer + market + burned stay constant), and once settled
    the market holds exactly what its contributors may withdraw. In the end: both contracts are empty, every
    withdrawal paid exactly what was withdrawable, the sponsor got nothing back, and what contributors gained
    beyond their stakes never exceeds the bounty.
    """

    @initialize(
        per_error=st.sampled_from([STAKE // 10, STAKE, 3 * STAKE]),
        sponsor_reveals=st.booleans(),
        first=st.lists(st.tuples(st.sampled_from(CONTRIBUTORS), st.integers(0, len(SAMPLES) - 1), st.booleans()),
                       min_size=1, max_size=4),
    )
    def open(self, per_error, sponsor_reveals, first):
        self.chain = sk.Chain()
        self.trainer = make_trainer(self.chain, min_contributions=3)
        self.market = self.trainer.market
        self.bounty = EVAL_ROWS * per_error
        self.sponsor_reveals = sponsor_reveals
        self.start = {n: self.chain.balance(getattr(self.chain, n)) for n in ("owner", *CONTRIBUTORS)}
        open_market(self.chain, self.trainer, self.bounty)
        self.total = self.everything()
        self.staked = dict.fromkeys(CONTRIBUTORS, 0)
        self.withdrawn = dict.fromkeys(CONTRIBUTORS, 0)
        for who, sample, lie in first:
            self.contribute(who, sample, lie)

    def everything(self) -> int:
        return sum(balances(self.chain, self.trainer).values()) + self.chain.balance(BURN_ADDRESS)

    @precondition(lambda self: self.market.phase == "participation")
    @rule(who=st.sampled_from(CONTRIBUTORS), sample=st.integers(0, len(SAMPLES) - 1), lie=st.booleans())
    def contribute(self, who, sample, lie):
        self.chain.travel(seconds=1)  # the market takes one contribution per contributor per second
        x = SAMPLES[sample]
        truth = int(x[0] > x[1])
        self.trainer.add_data(x, 1 - truth if lie else truth, sender=getattr(self.chain, who))
        self.staked[who] += STAKE

    @rule(seconds=st.sampled_from([12, sk.hours(6), sk.days(1), sk.days(4)]))
    def travel(self, seconds):
        self.chain.travel(seconds=seconds)

    @precondition(lambda self: self.market.phase == "participation")
    @rule(wait=st.booleans())
    def end(self, wait):
        if wait:
            self.chain.travel(days=1)
        before = balances(self.chain, self.trainer)
        try:
            self.market.end(sender=self.chain.bob)
        except sk.Reverted as e:
            assert e.error == "TooEarlyToEnd" and balances(self.chain, self.trainer) == before
            return
        if self.sponsor_reveals:
            self.market.reveal_rest(sender=self.chain.owner)

    @precondition(lambda self: self.market.phase == "reveal_rest")
    @rule()
    def forfeit(self):
        try:
            self.market.forfeit(sender=self.chain.carol)
        except sk.Reverted as e:
            assert e.error == "RevealWindowOpen"

    @precondition(lambda self: self.market.phase == "settle")
    @rule(batch=st.integers(1, 6))
    def settle_a_batch(self, batch):
        self.market._settle_once(self.chain.alice, batch, TX_GAS_CAP)
        assert self.chain.last_receipt.gas_used < TX_GAS_CAP

    @precondition(lambda self: self.market.phase == "settle")
    @rule()
    def abandon(self):
        try:
            self.market.abandon(sender=self.chain.carol)
        except sk.Reverted as e:
            assert e.error == "SettlementNotStalled" and self.chain.now < self.market.contract.call("progressDeadline")
            return
        # The whole bounty, whatever the settlement had done, and the penalties of rounds already paid.
        assert self.market.burned == self.bounty + self.market.contract.call("penalties")

    @precondition(lambda self: self.market.phase in ("withdraw", "forfeited", "abandoned"))
    @rule(who=st.sampled_from(CONTRIBUTORS))
    def withdraw(self, who):
        account = getattr(self.chain, who)
        before = self.chain.balance(account)
        owed = self.owed(who)
        try:
            paid = self.market.withdraw(sender=account)
        except sk.Reverted as e:
            assert e.error == "NothingToWithdraw" and owed == 0 and self.chain.balance(account) == before
            return
        assert paid == owed > 0 and self.chain.balance(account) - before == paid
        self.withdrawn[who] += paid

    def owed(self, who: str) -> int:
        """What ``who`` may still withdraw: its market balance, and after a forfeit or an abandonment its stakes
        still in the trainer."""
        account = getattr(self.chain, who)
        stakes = sum(
            self.trainer.contract.call("records", c.key)[1]
            for c in self.trainer.added()
            if c.contributor == account and self.market.phase in ("forfeited", "abandoned")
        )
        return self.market.withdrawable(account) + stakes

    @invariant()
    def no_wei_is_created_or_lost(self):
        assert self.everything() == self.total

    @invariant()
    def a_settled_market_holds_exactly_what_is_withdrawable(self):
        if self.market.phase in ("withdraw", "abandoned"):
            owed = sum(self.market.withdrawable(getattr(self.chain, n)) for n in CONTRIBUTORS)
            assert self.chain.balance(self.market.contract.address) == owed

    def teardown(self):
        m, chain = self.market, self.chain
        if m.phase == "participation":
            chain.travel(days=1)
            m.end(sender=chain.bob)
        if m.phase == "reveal_rest":
            if self.sponsor_reveals:
                m.reveal_rest(sender=chain.owner)
            else:
                chain.travel(days=4)
                m.forfeit(sender=chain.carol)
        if m.phase == "settle":
            m.settle(sender=chain.bob, progress=False)
        for who in CONTRIBUTORS:
            if self.owed(who):
                self.withdrawn[who] += m.withdraw(sender=getattr(chain, who))
            assert self.owed(who) == 0
        assert chain.balance(m.contract.address) == 0 and chain.balance(self.trainer.address) == 0
        assert chain.balance(chain.owner) == self.start["owner"] - self.bounty  # the sponsor gets nothing back
        gained = sum(self.withdrawn.values()) - sum(self.staked.values())
        assert gained <= self.bounty
        for who in CONTRIBUTORS:
            assert chain.balance(getattr(chain, who)) == self.start[who] - self.staked[who] + self.withdrawn[who]
        assert self.everything() == self.total


TestMarketMoneySafety = MarketMoneySafety.TestCase
TestMarketMoneySafety.settings = settings(
    max_examples=20, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
