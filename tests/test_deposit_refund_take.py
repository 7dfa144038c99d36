"""Every Deposit-Refund-Take rule, its time boundaries to the second, and every bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sumkit as sk
from sumkit.plumbing.encoding import unpack_sample

from .conftest import (
    ANY_WAIT,
    COST_WEIGHT,
    NEGATIVE,
    OWNER_WAIT,
    POSITIVE,
    WAIT,
    balances,
    expect_revert,
    make_trainer,
    travel_to,
)

# -- deposits -------------------------------------------------------------------------------------

def test_deposit_follows_the_formula_and_next_deposit_matches_the_charge(chain, trainer):
    drt = trainer.incentive
    last = trainer.incentive_contract.call("lastUpdateTime")
    for gap in (0, 1, 2, 3, 4, 100, 3600, sk.days(3)):
        chain.travel(seconds=gap)
        quoted = trainer.next_deposit()
        elapsed = chain.now - last
        assert quoted == COST_WEIGHT * 3600 // max(1, math.isqrt(elapsed)) == drt.deposit(elapsed)
        before = chain.balance(chain.alice)
        c = trainer.add_data(POSITIVE, 1, sender=chain.alice, value=quoted)  # exactly the quote is enough
        assert c.deposit == quoted and before - chain.balance(chain.alice) == quoted
        assert c.added_at == last + elapsed
        last = c.added_at


def test_surplus_is_returned_in_the_same_transaction_and_too_little_reverts(chain, trainer):
    chain.travel(seconds=99)
    required = trainer.next_deposit()
    before, log_len = balances(chain, trainer), len(chain.gas_log)
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice, value=required * 3)
    after = balances(chain, trainer)
    assert len(chain.gas_log) == log_len + 1  # one transaction charged the deposit and returned the rest
    assert c.deposit == required and before["alice"] - after["alice"] == required
    assert after["trainer"] - before["trainer"] == required
    record = trainer.contributions().iloc[-1]
    assert record["deposit"] == record["claimable"] == required
    chain.travel(hours=1)
    required = trainer.next_deposit()
    e = expect_revert(chain, trainer, "DepositTooLow", trainer.add_data, POSITIVE, 1, sender=chain.bob, value=required - 1)
    assert e.args_ == {"required": required, "sent": required - 1}
    assert "trainer.next_deposit()" in e.hint


def test_integer_square_root_on_chain(trainer):
    edges = [0, 1, 2, 3, 4, 5, 8, 9, 10, 15, 16, 17, 10**6, 2**128, 2**254, 2**255, 2**256 - 2, 2**256 - 1]
    around_squares = [r * r + d for r in (2**64 - 1, 2**64, 10**30, 2**127 + 1, 2**128 - 1) for d in (-1, 0, 1)]
    for n in edges + around_squares:
        assert trainer.incentive_contract.call("sqrt", n) == math.isqrt(n), n


@pytest.fixture(scope="module")
def drt_contract():
    """One deployment shared by every hypothesis example (sqrt is pure)."""
    return make_trainer(sk.Chain()).incentive_contract


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=0, max_value=2**256 - 1) | st.integers(min_value=0, max_value=2**40))
def test_integer_square_root_matches_isqrt(drt_contract, n):
    assert drt_contract.call("sqrt", n) == math.isqrt(n)


@pytest.mark.parametrize(
    "waits",
    [
        (sk.days(2), sk.days(1), sk.days(9)),  # the owner before the refund
        (sk.days(1), sk.days(9), sk.days(5)),  # anyone before the owner
        (sk.days(1), sk.days(1), sk.days(9)),  # the owner the second the refund opens
        (sk.days(1), sk.days(1), sk.days(1)),  # anyone the second the refund opens (issue 12, finding 6)
        (0, 0, 0),
    ],
)
def test_waits_that_defeat_the_refund_are_refused_in_python_and_on_chain(chain, waits):
    refund, owner, anyone = waits
    with pytest.raises(ValueError, match=r"refund_wait < owner_claim_wait <= any_address_claim_wait"):
        sk.incentives.DepositRefundTake(refund_wait=refund, owner_claim_wait=owner, any_address_claim_wait=anyone)
    # The contract enforces it too, for anyone who deploys it without sumkit.
    with pytest.raises(sk.Reverted) as e:
        chain.deploy("DepositRefundTake", chain.alice, 1, refund, owner, anyone, 0)
    assert e.value.error == "InvalidWaits"
    assert e.value.args_ == {"refundWait": refund, "ownerClaimWait": owner, "anyAddressClaimWait": anyone}
    assert "refund_wait" in e.value.hint and "<" in e.value.hint


@pytest.mark.parametrize("refund", [sk.days(1), sk.minutes(2)])
def test_a_refund_window_shorter_than_the_refund_wait_is_refused_in_python_and_on_chain(chain, refund):
    # Issue 19, finding 6: refund_wait = 1 day with owner_claim_wait = 1 day + 1 s was accepted, and the owner took
    # good data one block after the refunds opened. The window (owner_claim_wait - refund_wait) must now be at least
    # refund_wait: as long to claim as to wait, whatever the time scale (a classroom demo in minutes included).
    short = 2 * refund - 1
    with pytest.raises(ValueError, match=r"refund window .* shorter than refund_wait"):
        sk.incentives.DepositRefundTake(refund_wait=refund, owner_claim_wait=short, any_address_claim_wait=short,
                                        short_waits=True)
    with pytest.raises(sk.Reverted) as e:
        chain.deploy("DepositRefundTake", chain.alice, 1, refund, short, short, 0)
    assert e.value.error == "RefundWindowTooShort"
    assert e.value.args_ == {"window": refund - 1, "min": refund}
    assert "twice refund_wait" in e.value.hint
    # Just inside the rule: accepted by both.
    drt = sk.incentives.DepositRefundTake(refund_wait=refund, owner_claim_wait=2 * refund,
                                          any_address_claim_wait=2 * refund, short_waits=True)
    contract = chain.deploy("DepositRefundTake", *drt.constructor_args(chain.alice))
    assert contract.call("ownerClaimWait") == contract.call("anyAddressClaimWait") == 2 * refund


# -- refunds --------------------------------------------------------------------------------------

def test_refund_boundary_to_the_second(chain, trainer):
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    travel_to(chain, c.added_at + WAIT - 1)
    e = expect_revert(chain, trainer, "TooEarly", trainer.refund, c, sender=chain.alice)
    assert e.args_ == {"availableAt": c.added_at + WAIT, "now": c.added_at + WAIT - 1}
    assert "1 s" in e.hint and "chain.travel" in e.hint
    chain.travel(seconds=1)
    before = chain.balance(chain.alice)
    assert trainer.refund(c, sender=chain.alice) == c.deposit
    assert chain.balance(chain.alice) - before == c.deposit
    assert chain.balance(trainer.address) == 0
    assert trainer.incentive_contract.call("numGoodData", chain.alice) == 1
    assert trainer.good_data(chain.alice) == 1 and trainer.good_data() == 1 and trainer.good_data(chain.bob) == 0


def test_refund_hint_says_how_long_and_until_when(chain, trainer):
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    e = expect_revert(chain, trainer, "TooEarly", trainer.refund, c, sender=chain.alice)
    assert "23 h 59 min 48 s" in e.hint  # the dry run happens one block (12 s) after adding
    assert "2026-01-02" in e.hint


def test_refund_needs_the_model_to_agree(chain, trainer):
    c = trainer.add_data(NEGATIVE, 1, sender=chain.mallory)  # the model still predicts 0 after its update
    assert trainer.predict(NEGATIVE) == 0
    chain.travel(days=1)
    expect_revert(chain, trainer, "ModelDisagrees", trainer.refund, c, sender=chain.mallory)


def test_refund_twice_and_someone_elses(chain, trainer):
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    chain.travel(days=1)
    with pytest.raises(ValueError, match="only the contributor"):
        trainer.refund(c, sender=chain.bob)
    # On chain, a refund looks up the caller's own contributions: bob has none like this.
    contract = trainer.contract
    expect_revert(chain, trainer, "UnknownContribution", contract.transact, "refund", list(c.x), 1, c.added_at, sender=chain.bob)
    trainer.refund(c, sender=chain.alice)
    # The refund closed the contribution: its record is deleted (and its storage slot refunded gas).
    assert trainer.contract.call("records", c.key) == (0, 0, False)
    e = expect_revert(chain, trainer, "UnknownContribution", trainer.refund, c, sender=chain.alice)
    assert "already refunded" in e.hint
    assert trainer.contributions()[["deposit", "claimable", "refunded"]].values.tolist() == [[c.deposit, 0, True]]


def test_tampered_contribution_is_unknown(chain, trainer):
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    key, record = trainer.contract.call("find", list(c.x), 1, c.contributor, c.added_at)
    assert key == c.key and record == {"initialDeposit": c.deposit, "claimable": c.deposit, "exists": True}
    chain.travel(days=1)
    forged = sk.Contribution(c.contributor, c.label, c.added_at + 1, c.deposit, c.x, c.key)
    expect_revert(chain, trainer, "UnknownContribution", trainer.refund, forged, sender=chain.alice)
    with pytest.raises(sk.Reverted, match="UnknownContribution"):
        trainer.contract.call("find", list(c.x), 0, c.contributor, c.added_at)


def test_the_sample_is_logged_packed_and_checked_value_by_value(chain, trainer):
    x = [-1.5, 0.0, 2.25]
    n_tx = len(chain.gas_log)
    c = trainer.add_data(x, 1, sender=chain.alice)
    assert len(chain.gas_log) == n_tx + 1
    logged = chain.last_receipt.event("ContributionAdded")
    assert unpack_sample(logged["x"]) == c.x == (-1_500_000_000, 0, 2_250_000_000)
    assert len(bytes.fromhex(logged["x"][2:])) == 8 * len(x)
    # A word that is not a valid int64 (here 2**63) is refused before anything is recorded or learned, as the
    # ABI decoder would (the contribution key's check is the first to read it).
    data = bytearray(trainer.contract._signature("addData").encode_call(([0, 0, 0], 1)))
    data[-32:] = (2**63).to_bytes(32, "big")
    before = balances(chain, trainer)
    with pytest.raises(sk.Reverted):
        chain._transact(chain.bob, trainer.address, bytes(data), value=trainer.next_deposit(), gas=10**6,
                        context=("CollaborativeTrainer", "addData"))
    assert balances(chain, trainer) == before and trainer.check_model()


# -- reports (takes) ------------------------------------------------------------------------------

def good_reporter(chain, trainer, who):
    c = trainer.add_data(POSITIVE, 1, sender=who)
    chain.travel(days=1)
    trainer.refund(c, sender=who)
    return c


def test_report_rules(chain, trainer):
    bad = trainer.add_data(NEGATIVE, 1, sender=chain.mallory)
    own = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    # Too early, even for someone with good data later.
    e = expect_revert(chain, trainer, "TooEarly", trainer.report, bad, sender=chain.bob)
    assert e.args_["availableAt"] == bad.added_at + WAIT
    travel_to(chain, bad.added_at + WAIT)
    # No good data yet.
    expect_revert(chain, trainer, "NoGoodData", trainer.report, bad, sender=chain.bob)
    chain.travel(minutes=1)
    trainer.refund(own, sender=chain.alice)
    # Own contribution.
    mine = trainer.add_data(NEGATIVE, 1, sender=chain.alice)
    chain.travel(days=1)
    expect_revert(chain, trainer, "CannotTakeOwnContribution", trainer.report, mine, sender=chain.alice)
    # Data the model agrees with cannot be taken.
    agreed = trainer.add_data(POSITIVE, 1, sender=chain.carol)
    chain.travel(days=1)
    expect_revert(chain, trainer, "ModelAgrees", trainer.report, agreed, sender=chain.alice)
    # Alice is the only good contributor: she takes the whole deposit, and a second take finds nothing.
    assert trainer.report(bad, sender=chain.alice) == bad.deposit
    expect_revert(chain, trainer, "NothingLeftToClaim", trainer.report, bad, sender=chain.alice)


def test_share_is_proportional_to_good_data_and_taking_twice_reverts(chain, trainer):
    good_reporter(chain, trainer, chain.alice)
    good_reporter(chain, trainer, chain.bob)
    good_reporter(chain, trainer, chain.bob)
    assert (trainer.good_data(chain.alice), trainer.good_data(chain.bob), trainer.good_data()) == (1, 2, 3)
    assert trainer.incentive_contract.call("totalGoodDataCount") == 3
    chain.travel(hours=1)
    bad = trainer.add_data(NEGATIVE, 1, sender=chain.mallory)
    chain.travel(days=1)
    # total good = 3: alice (1) takes a third, bob (2) takes two thirds of the initial deposit.
    alice_share = trainer.report(bad, sender=chain.alice)
    assert alice_share == bad.deposit * 1 // 3
    expect_revert(chain, trainer, "AlreadyTaken", trainer.report, bad, sender=chain.alice)
    bob_share = trainer.report(bad, sender=chain.bob)
    assert bob_share == min(bad.deposit * 2 // 3, bad.deposit - alice_share)
    rest = bad.deposit - alice_share - bob_share
    assert trainer.contributions().set_index("key").loc[bad.key, "claimable"] == rest


def test_owner_and_anyone_take_after_their_waits_to_the_second(chain, trainer):
    bad = trainer.add_data(NEGATIVE, 1, sender=chain.mallory)
    # carol has no good data: before the owner's wait the owner is like anyone else.
    travel_to(chain, bad.added_at + OWNER_WAIT - 1)
    expect_revert(chain, trainer, "NoGoodData", trainer.report, bad, sender=chain.owner)
    chain.travel(seconds=1)
    expect_revert(chain, trainer, "NoGoodData", trainer.report, bad, sender=chain.carol)
    with chain.snapshot():
        assert trainer.report(bad, sender=chain.owner) == bad.deposit
    travel_to(chain, bad.added_at + ANY_WAIT - 1)
    expect_revert(chain, trainer, "NoGoodData", trainer.report, bad, sender=chain.carol)
    chain.travel(seconds=1)
    # After the last wait anyone takes what is left, even from data the model agrees with.
    assert trainer.report(bad, sender=chain.carol) == bad.deposit
    assert chain.balance(trainer.address) == 0


def test_owner_claim_follows_ownership_transfer(chain, trainer):
    bad = trainer.add_data(NEGATIVE, 1, sender=chain.mallory)
    trainer.contract.transact("transferOwnership", chain.carol, sender=chain.owner)
    assert trainer.owner == chain.carol
    chain.travel(seconds=OWNER_WAIT)
    expect_revert(chain, trainer, "NoGoodData", trainer.report, bad, sender=chain.owner)
    assert trainer.report(bad, sender=chain.carol) == bad.deposit
    e = expect_revert(chain, trainer, "NotOwner", trainer.contract.transact, "transferOwnership", chain.bob, sender=chain.owner)
    assert "owner" in e.hint


# -- components are bound to their trainer (access control of every handler: tests/test_money_safety.py) --

def test_trainer_rejects_components_bound_elsewhere(chain):
    incentive = chain.deploy("DepositRefundTake", chain.alice, 1, 1, 2, 2, 0)
    model = chain.deploy("DensePerceptron", chain.alice, [0], 0, 10**9, 10**9)
    with pytest.raises(sk.Reverted) as e:
        chain.deploy("CollaborativeTrainer", "x", "", incentive.address, model.address, chain.owner)
    assert e.value.error == "ComponentNotBound"


# -- bad Python input never reaches the chain ------------------------------------------------------

@pytest.mark.parametrize(
    "x, y, match",
    [
        (np.ones(4), 1, "has 4 features but the model expects 3"),
        (np.ones((1, 3)), 1, "1-D array"),
        ([np.nan, 0, 0], 1, "NaN or infinity"),
        ([np.inf, 0, 0], 1, "NaN or infinity"),
        ([1e10, 0, 0], 1, "must lie within"),
        (POSITIVE, 2, "not a class of this model"),
        (POSITIVE, "cat", "not a class of this model"),
        ([2e5, 0, 0], 0, r"within \+-100 \(its feature_bound"),  # beyond the bound (it would overflow a weight too)
    ],
)
def test_bad_input_raises_value_error_before_sending(chain, trainer, x, y, match):
    before, log_len = balances(chain, trainer), len(chain.gas_log)
    with pytest.raises(ValueError, match=match):
        trainer.add_data(x, y, sender=chain.alice)
    assert balances(chain, trainer) == before and len(chain.gas_log) == log_len


def test_contract_rejects_what_python_would_have_caught(chain, trainer):
    """Sent raw, the same mistakes revert on chain with readable errors."""
    value = trainer.next_deposit()
    send = trainer.contract.transact
    e = expect_revert(chain, trainer, "WrongFeatureCount", send, "addData", [1, 2], 1, sender=chain.alice, value=value)
    assert e.args_ == {"expected": 3, "got": 2}
    expect_revert(chain, trainer, "LabelOutOfRange", send, "addData", [1, 2, 3], 7, sender=chain.alice, value=value)
    expect_revert(chain, trainer, "FeatureOutOfRange", send, "addData", [2**62, 0, 0], 0, sender=chain.alice, value=value)


# -- money is conserved ----------------------------------------------------------------------------

def test_money_conservation_every_wei_paid_out_exactly_once(chain):
    trainer = make_trainer(chain)
    start = balances(chain, trainer)
    deposits: dict[str, int] = {}
    contributions = []
    rng = np.random.default_rng(7)
    people = ["alice", "bob", "carol", "mallory"]
    for i in range(16):
        who = people[i % 4]
        x = POSITIVE if rng.random() < 0.5 else NEGATIVE
        honest_label = 1 if x is POSITIVE else 0
        label = 1 - honest_label if who == "mallory" else honest_label
        c = trainer.add_data(x, label, sender=getattr(chain, who))
        deposits[who] = deposits.get(who, 0) + c.deposit
        contributions.append((who, c))
        chain.travel(minutes=int(rng.integers(1, 120)))
    assert chain.balance(trainer.address) == sum(deposits.values())
    chain.travel(days=1)
    paid: dict[str, int] = {}
    for who, c in contributions:  # refunds first, so that reporters have good data
        try:
            paid[who] = paid.get(who, 0) + trainer.refund(c, sender=getattr(chain, who))
        except sk.Reverted as e:
            assert e.error == "ModelDisagrees"
    for who, c in contributions:
        for reporter in ["alice", "bob", "carol"]:
            if reporter == who:
                continue
            try:
                paid[reporter] = paid.get(reporter, 0) + trainer.report(c, sender=getattr(chain, reporter))
            except sk.Reverted as e:
                # UnknownContribution: a refunded contribution's record is deleted
                assert e.error in {"ModelAgrees", "NoGoodData", "NothingLeftToClaim", "AlreadyTaken", "UnknownContribution"}
    chain.travel(days=9)
    for who, c in contributions:
        if trainer.contributions().set_index("key").loc[c.key, "claimable"] > 0:
            taker = "owner" if who != "owner" else "carol"
            paid[taker] = paid.get(taker, 0) + trainer.report(c, sender=getattr(chain, taker))
    end = balances(chain, trainer)
    assert end["trainer"] == 0
    assert sum(paid.values()) == sum(deposits.values())
    for who in ["owner", *people]:
        assert end[who] - start[who] == paid.get(who, 0) - deposits.get(who, 0)
    table = trainer.contributions()
    assert (table["claimable"] == 0).all()


# -- flip the model, then take (issue 12, finding 4) ----------------------------------------------

FLIPPABLE = ([1.0, -1.0, 0.0], -0.5)  # POSITIVE scores 0.5: one update towards 0 (learning rate 1) flips it


def flippable_trainer(chain, take_delay=0):
    model = sk.models.DensePerceptron.from_floats(*FLIPPABLE)
    incentive = sk.incentives.DepositRefundTake(refund_wait=WAIT, owner_claim_wait=OWNER_WAIT,
                                                any_address_claim_wait=ANY_WAIT, cost_weight=COST_WEIGHT,
                                                take_delay=take_delay)
    return sk.deploy(chain, model, incentive, name="flippable")


def flip_and_take(chain, trainer):
    """Mallory earns one good contribution; Alice adds a correct sample; once Alice's refund opens, Mallory
    sends one mislabelled copy of it (the model flips) and reports Alice's contribution. Returns Alice's
    contribution, Mallory's flip and what the report paid."""
    mallory = trainer.add_data(NEGATIVE, 0, sender=chain.mallory)
    travel_to(chain, mallory.added_at + 100)
    alice = trainer.add_data(POSITIVE, 1, sender=chain.alice)  # 100 s after an update: 0.036 ether
    assert alice.deposit == sk.ether(0.036)
    travel_to(chain, alice.added_at + WAIT)
    trainer.refund(mallory, sender=chain.mallory)  # Mallory now has good data: she may take
    assert trainer.predict(POSITIVE) == 1  # Alice could be refunded now...
    flip = trainer.add_data(POSITIVE, 0, sender=chain.mallory)
    assert trainer.predict(POSITIVE) == 0  # ...but one cheap sample flipped the model
    return alice, flip, trainer.report(alice, sender=chain.mallory)


def test_flip_then_take_succeeds_without_a_take_delay(chain):
    trainer = flippable_trainer(chain)
    start = balances(chain, trainer)
    alice, flip, paid = flip_and_take(chain, trainer)
    assert paid == alice.deposit and flip.deposit < alice.deposit / 10  # the flip cost 0.0012 ether
    e = expect_revert(chain, trainer, "NothingLeftToClaim", trainer.refund, alice, sender=chain.alice)
    assert e.args_ == {"key": alice.key}
    end = balances(chain, trainer)
    assert end["alice"] - start["alice"] == -alice.deposit
    assert end["mallory"] - start["mallory"] == alice.deposit - flip.deposit > 0


def test_a_take_delay_lets_the_victim_put_the_model_right_and_be_refunded(chain):
    trainer = flippable_trainer(chain, take_delay=sk.days(1))
    alice, flip, paid = flip_and_take(chain, trainer)
    assert paid == 0  # only a flag: nothing moved
    flagged = chain.last_receipt
    event = chain.events("TakeFlagged").iloc[-1]
    assert (event["reporter"], event["contributor"], event["addedAt"], event["takeAt"]) == (
        chain.mallory, chain.alice, alice.added_at, flagged.block_time + sk.days(1))
    assert trainer.contract.call("records", alice.key) == (alice.deposit, alice.deposit, True)
    e = expect_revert(chain, trainer, "TooEarly", trainer.report, alice, sender=chain.mallory)
    assert e.args_["availableAt"] == flagged.block_time + sk.days(1)
    # Alice, warned, sends her sample again: the model agrees again, and she is refunded in full.
    trainer.add_data(POSITIVE, 1, sender=chain.alice)
    assert trainer.predict(POSITIVE) == 1
    assert trainer.refund(alice, sender=chain.alice) == alice.deposit
    chain.travel(days=1)
    expect_revert(chain, trainer, "UnknownContribution", trainer.report, alice, sender=chain.mallory)
    # Mallory's flip is now bad data the model disagrees with: it can be taken from her in turn.
    assert trainer.predict(POSITIVE) == 1 and flip.label == 0


def test_a_take_delay_keeps_takes_of_bad_data_in_two_steps_to_the_second(chain):
    trainer = make_trainer(chain, take_delay=sk.hours(6))  # a wide margin: one sample does not flip it
    good_reporter(chain, trainer, chain.alice)
    bad = trainer.add_data(NEGATIVE, 1, sender=chain.mallory)
    chain.travel(days=1)
    assert trainer.report(bad, sender=chain.alice) == 0
    flagged_at = chain.last_receipt.block_time
    travel_to(chain, flagged_at + sk.hours(6) - 1)
    e = expect_revert(chain, trainer, "TooEarly", trainer.report, bad, sender=chain.alice)
    assert e.args_ == {"availableAt": flagged_at + sk.hours(6), "now": flagged_at + sk.hours(6) - 1}
    chain.travel(seconds=1)
    before = chain.balance(chain.alice)
    assert trainer.report(bad, sender=chain.alice) == bad.deposit
    assert chain.balance(chain.alice) - before == bad.deposit
    # The owner's and anyone's claims after their waits stay one-step.
    late = trainer.add_data(NEGATIVE, 1, sender=chain.bob)
    chain.travel(seconds=ANY_WAIT)
    assert trainer.report(late, sender=chain.carol) == late.deposit


# -- a take one transaction manufactures (issue 19, finding 4) ------------------------------------

class Sandwich:
    """Drives the test-only TakeSandwich (contracts/testing/) from Mallory's account: a contract that sends several
    calls to the trainer in one transaction."""

    def __init__(self, chain, trainer):
        from sumkit import abi

        self.chain, self.trainer = chain, trainer
        self.contract = chain.deploy("TakeSandwich", trainer.address, sender=chain.mallory)
        self.address = self.contract.address
        self._calls = abi.functions(trainer.contract.abi)

    def run(self, *calls):
        """Each call is (function, args, wei): all of them in one transaction."""
        encoded = [self._calls[fn].encode_call(args) for fn, args, _ in calls]
        values = [value for _, _, value in calls]
        return self.contract.transact("run", encoded, values, sender=self.chain.mallory, value=sum(values))

    def earn_good_data(self):
        """The contract adds a sample the model agrees with and, after the wait, is refunded: it has good data."""
        x = self.trainer.model.encode(NEGATIVE)
        added = self.run(("addData", (x, 0), self.trainer.next_deposit())).event("ContributionAdded")
        travel_to(self.chain, added["addedAt"] + 100)
        return x, added["addedAt"]

    def flip_report_flip_back(self, victim):
        """Flip the model against ``victim`` with a mislabelled copy, report it, flip the model back: one transaction."""
        x, label = list(victim.x), 1
        return self.run(
            ("addData", (x, 1 - label), sk.ether(1)),  # surplus deposits come back to the contract
            ("report", (x, label, victim.contributor, victim.added_at), 0),
            ("addData", (x, label), sk.ether(1)),
        )


@pytest.mark.parametrize("take_delay", [0, sk.days(1)])
def test_a_take_sandwiched_in_one_transaction_no_longer_pays(chain, take_delay):
    # The review's attack: a contract flips the model, reports and flips it back in one transaction, so that the
    # model agrees with Alice's sample in every mined block, yet her deposit was taken (with a take delay: the same
    # sandwich flagged it, and a second one a day later took). A verdict is now read only in a block without an
    # update, so the sandwich reverts as a whole and nothing is flagged or paid.
    trainer = flippable_trainer(chain, take_delay=take_delay)
    attacker = Sandwich(chain, trainer)
    own_x, own_added = attacker.earn_good_data()
    alice = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    travel_to(chain, alice.added_at + WAIT)
    attacker.run(("refund", (own_x, 0, own_added), 0))
    assert trainer.incentive_contract.call("numGoodData", attacker.address) == 1  # the attacker may take
    assert trainer.predict(POSITIVE) == 1  # the model agrees with Alice
    e = expect_revert(chain, trainer, "ModelUpdatedThisBlock", attacker.flip_report_flip_back, alice)
    assert e.args_ == {"timestamp": chain.now}
    flag = trainer.incentive_contract.call("flagId", attacker.address, chain.alice, alice.added_at)
    assert trainer.incentive_contract.call("flaggedAt", flag) == 0  # not even a flag
    assert trainer.contract.call("records", alice.key) == (alice.deposit, alice.deposit, True)
    # In the next block the model still agrees with Alice: she is refunded in full. (Flipping the model in one
    # transaction and reporting in the next is what the take delay is for: see the tests above.)
    assert trainer.refund(alice, sender=chain.alice) == alice.deposit


def test_a_flag_expires_after_twice_the_take_delay(chain):
    # A flag is good for a take from takeDelay to 2 * takeDelay after it; later, a report flags again (pays 0),
    # so a flag set long ago cannot be cashed in by flipping the model for one block.
    delay = sk.hours(6)
    trainer = make_trainer(chain, take_delay=delay)
    good_reporter(chain, trainer, chain.alice)
    bad = trainer.add_data(NEGATIVE, 1, sender=chain.mallory)
    chain.travel(days=1)
    assert trainer.report(bad, sender=chain.alice) == 0
    flagged_at = chain.last_receipt.block_time
    travel_to(chain, flagged_at + 2 * delay)  # expired: a new flag, nothing paid
    assert trainer.report(bad, sender=chain.alice) == 0
    event = chain.events("TakeFlagged").iloc[-1]
    assert event["takeAt"] == flagged_at + 3 * delay
    travel_to(chain, flagged_at + 3 * delay - 1)
    expect_revert(chain, trainer, "TooEarly", trainer.report, bad, sender=chain.alice)
    travel_to(chain, flagged_at + 4 * delay - 1)  # the last second of the new flag's window
    assert trainer.report(bad, sender=chain.alice) == bad.deposit
