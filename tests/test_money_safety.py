"""Money safety: no wei is created, lost or paid twice.

- Random interleavings (hypothesis state machines) of adds, refunds, reports and time travel under
  Deposit-Refund-Take and Points, checked against the rules of DESIGN.md section 1 modelled in Python:
  every payout equals what the rule allows, the trainer always holds exactly what is still claimable,
  and in the end every deposited wei has been paid out once.
- Reentrancy: a test-only attacker contract (contracts/testing/ReentrantContributor.sol) calls back into
  the trainer while being paid, and gets nothing extra.
- Access control: every state-changing handler of every component obeys only its trainer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
from eth_utils import keccak
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import sumkit as sk
from sumkit import abi
from sumkit.incentives.points import GOOD_10_COUNT, GOOD_100_COUNT, WEEK, WEEKS_COUNT, badge_names

from .conftest import ANY_WAIT, COST_WEIGHT, NEGATIVE, OWNER_WAIT, POSITIVE, WAIT, balances, make_trainer

NAMES = ("owner", "alice", "bob", "carol", "mallory")
# Samples near the boundary of a weak perceptron, so that updates change what the model agrees with.
SAMPLES = [
    np.array(v)
    for v in ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.3, 0.2, 0.0], [0.2, 0.3, 0.0], [0.5, 0.5, 1.0], [-0.4, 0.1, 0.5])
]
CONTRIBUTION = st.tuples(st.sampled_from(NAMES[1:]), st.integers(0, len(SAMPLES) - 1), st.integers(0, 1))
TRAVELS = [1, 11, 600, sk.hours(5), WAIT - 13, WAIT, sk.days(2), OWNER_WAIT, ANY_WAIT]
MACHINE_SETTINGS = settings(
    max_examples=15, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def weak_model() -> sk.models.DensePerceptron:
    return sk.models.DensePerceptron.from_floats([0.5, -0.5, 0.1], intercept=0.05, learning_rate=0.5)


@dataclass
class Record:
    """The Python model of one contribution's record (the trainer is its DataHandler)."""

    c: sk.Contribution
    who: str
    initial: int
    claimable: int
    refunded: bool = False
    taken_by: set[str] = field(default_factory=set)


class Expect:
    """What the rules allow: an amount, or the custom error the contracts must revert with."""

    def __init__(self, amount: int = 0, error: str | None = None) -> None:
        self.amount, self.error = amount, error


def attempt(machine, fn, expected: Expect, sender: str) -> int:
    """Run fn; check it reverts with the expected error and changes nothing, or pays exactly the amount."""
    chain, trainer = machine.chain, machine.trainer
    before = balances(chain, trainer)
    try:
        paid = fn()
    except sk.Reverted as e:
        assert expected.error == e.error, f"expected {expected.error or expected.amount}, got {e.reason}"
        assert e.hint
        assert balances(chain, trainer) == before
        return 0
    assert expected.error is None, f"expected {expected.error}, but {paid} wei was paid"
    assert paid == expected.amount
    after = balances(chain, trainer)
    assert after[sender] - before[sender] == paid and before["trainer"] - after["trainer"] == paid
    assert all(after[n] == before[n] for n in NAMES if n != sender)
    return paid


class DepositRefundTakeMachine(RuleBasedStateMachine):
    """Random interleavings under Deposit-Refund-Take, against a Python model of its rules."""

    def __init__(self) -> None:
        super().__init__()
        self.chain = sk.Chain()
        self.drt = sk.incentives.DepositRefundTake(
            refund_wait=WAIT, owner_claim_wait=OWNER_WAIT, any_address_claim_wait=ANY_WAIT, cost_weight=COST_WEIGHT
        )
        self.trainer = sk.deploy(self.chain, weak_model(), self.drt, name="money", owner=self.chain.owner)
        self.start = balances(self.chain, self.trainer)
        self.last_update = self.trainer.incentive_contract.call("lastUpdateTime")
        self.records: list[Record] = []
        self.good = dict.fromkeys(NAMES, 0)
        self.deposited = dict.fromkeys(NAMES, 0)
        self.paid = dict.fromkeys(NAMES, 0)

    def agrees(self, r: Record) -> bool:
        model = self.trainer.model
        return model.predict_encoded(r.c.x) == model.encode_label(r.c.label)

    # -- rules ------------------------------------------------------------------------------------
    @initialize(first=st.lists(CONTRIBUTION, min_size=2, max_size=5), wait=st.booleans())
    def some_contributions(self, first: list[tuple[str, int, int]], wait: bool) -> None:
        for who, sample, label in first:
            self.add(who, sample, label, 0)
        if wait:
            self.travel(WAIT)

    @rule(who=st.sampled_from(NAMES[1:]), sample=st.integers(0, len(SAMPLES) - 1), label=st.integers(0, 1),
          extra=st.sampled_from([0, 0, 1, sk.ether(1)]))
    def add(self, who: str, sample: int, label: int, extra: int) -> None:
        required = self.drt.deposit(self.chain.now - self.last_update)
        assert self.trainer.next_deposit() == required
        before = balances(self.chain, self.trainer)
        c = self.trainer.add_data(SAMPLES[sample], label, sender=getattr(self.chain, who), value=required + extra)
        after = balances(self.chain, self.trainer)
        assert c.deposit == required and before[who] - after[who] == required  # the surplus came back
        assert after["trainer"] - before["trainer"] == required
        self.last_update = c.added_at
        self.deposited[who] += required
        self.records.append(Record(c, who, required, required))

    @precondition(lambda self: self.records)
    @rule(i=st.integers(min_value=0))
    def refund(self, i: int) -> None:
        r = self.records[i % len(self.records)]
        if r.refunded:  # the refund deleted the record
            expected = Expect(error="UnknownContribution")
        elif r.claimable == 0 and r.initial != 0:
            expected = Expect(error="NothingLeftToClaim")
        elif self.chain.now - r.c.added_at < WAIT:
            expected = Expect(error="TooEarly")
        elif not self.agrees(r):
            expected = Expect(error="ModelDisagrees")
        else:
            expected = Expect(r.claimable)
        paid = attempt(self, lambda: self.trainer.refund(r.c, sender=r.c.contributor), expected, r.who)
        if expected.error is None:
            r.claimable, r.refunded = 0, True
            self.good[r.who] += 1
            self.paid[r.who] += paid
            assert self.trainer.good_data(r.c.contributor) == self.good[r.who]
            assert self.trainer.good_data() == sum(self.good.values())

    @precondition(lambda self: self.records)
    @rule(i=st.integers(min_value=0), reporter=st.sampled_from(NAMES))
    def report(self, i: int, reporter: str) -> None:
        r = self.records[i % len(self.records)]
        expected = self.expected_report(r, reporter)
        paid = attempt(self, lambda: self.trainer.report(r.c, sender=getattr(self.chain, reporter)), expected, reporter)
        if expected.error is None:
            r.claimable -= paid
            if r.claimable:
                r.taken_by.add(reporter)
            self.paid[reporter] += paid

    def expected_report(self, r: Record, reporter: str) -> Expect:
        age = self.chain.now - r.c.added_at
        total_good = sum(self.good.values())
        if r.refunded:
            return Expect(error="UnknownContribution")
        if reporter in r.taken_by:
            return Expect(error="AlreadyTaken")
        if r.claimable == 0:
            return Expect(error="NothingLeftToClaim")
        if reporter == r.who:
            return Expect(error="CannotTakeOwnContribution")
        if age < WAIT:
            return Expect(error="TooEarly")
        if age >= ANY_WAIT or (age >= OWNER_WAIT and reporter == "owner"):
            return Expect(r.claimable)
        if self.agrees(r):
            return Expect(error="ModelAgrees")
        if self.good[reporter] == 0:
            return Expect(error="NoGoodData")
        share = r.initial * self.good[reporter] // total_good
        return Expect(r.claimable if share == 0 or share > r.claimable else share)

    @rule(seconds=st.sampled_from(TRAVELS))
    def travel(self, seconds: int) -> None:
        self.chain.travel(seconds=seconds)

    # -- invariants -------------------------------------------------------------------------------
    @invariant()
    def trainer_holds_exactly_what_is_claimable(self) -> None:
        on_chain = [self.trainer.contract.call("records", r.c.key) for r in self.records]
        assert [rec[1] for rec in on_chain] == [r.claimable for r in self.records]
        assert [rec[2] for rec in on_chain] == [not r.refunded for r in self.records]  # a refund deletes
        assert self.chain.balance(self.trainer.address) == sum(rec[1] for rec in on_chain)

    @invariant()
    def every_balance_moved_only_by_its_rules(self) -> None:
        now = balances(self.chain, self.trainer)
        for n in NAMES:
            assert now[n] - self.start[n] == self.paid[n] - self.deposited[n], n

    def teardown(self) -> None:
        """Past every wait, claim everything: refunds where allowed, then reports by anyone."""
        self.chain.travel(seconds=ANY_WAIT)
        for r in self.records:
            if not r.refunded and r.claimable and self.agrees(r):
                self.refund(self.records.index(r))
        for r in self.records:
            if r.claimable:
                taker = "carol" if r.who != "carol" else "bob"
                self.report(self.records.index(r), taker)
        self.trainer_holds_exactly_what_is_claimable()
        self.every_balance_moved_only_by_its_rules()
        assert self.chain.balance(self.trainer.address) == 0
        assert sum(self.paid.values()) == sum(self.deposited.values())


TestDepositRefundTakeMoneySafety = DepositRefundTakeMachine.TestCase
TestDepositRefundTakeMoneySafety.settings = MACHINE_SETTINGS


class PointsMachine(RuleBasedStateMachine):
    """Random interleavings under Points: no ether ever moves, points and badges follow the rules."""

    def __init__(self) -> None:
        super().__init__()
        self.chain = sk.Chain()
        self.trainer = sk.deploy(self.chain, weak_model(), sk.incentives.Points(refund_wait=WAIT), name="points")
        self.start = balances(self.chain, self.trainer)
        self.records: list[Record] = []
        self.points = dict.fromkeys(NAMES, 0)
        self.labels: dict[str, set[int]] = {n: set() for n in NAMES}
        self.weeks: dict[str, set[int]] = {n: set() for n in NAMES}

    @initialize(first=st.lists(CONTRIBUTION, min_size=2, max_size=5), wait=st.booleans())
    def some_contributions(self, first: list[tuple[str, int, int]], wait: bool) -> None:
        for who, sample, label in first:
            self.add(who, sample, label, 0)
        if wait:
            self.travel(WAIT)

    @rule(who=st.sampled_from(NAMES), sample=st.integers(0, len(SAMPLES) - 1), label=st.integers(0, 1),
          value=st.sampled_from([0, 1, sk.ether(2)]))
    def add(self, who: str, sample: int, label: int, value: int) -> None:
        week = self.chain.now // WEEK
        c = self.trainer.add_data(SAMPLES[sample], label, sender=getattr(self.chain, who), value=value)
        assert c.deposit == 0
        self.records.append(Record(c, who, 0, 0))
        self.labels[who].add(label)
        self.weeks[who].add(week)

    @precondition(lambda self: self.records)
    @rule(i=st.integers(min_value=0))
    def claim(self, i: int) -> None:
        r = self.records[i % len(self.records)]
        model = self.trainer.model
        if r.refunded:  # the claim deleted the record
            expected = Expect(error="UnknownContribution")
        elif self.chain.now - r.c.added_at < WAIT:
            expected = Expect(error="TooEarly")
        elif model.predict_encoded(r.c.x) != model.encode_label(r.c.label):
            expected = Expect(error="ModelDisagrees")
        else:
            expected = Expect(0)
        attempt(self, lambda: self.trainer.refund(r.c, sender=r.c.contributor), expected, r.who)
        if expected.error is None:
            r.refunded = True
            self.points[r.who] += 1

    @precondition(lambda self: self.records)
    @rule(i=st.integers(min_value=0), reporter=st.sampled_from(NAMES))
    def report(self, i: int, reporter: str) -> None:
        r = self.records[i % len(self.records)]
        # There is never a deposit to take: the data handler refuses before the mechanism is asked (sent to the
        # contract directly: trainer.report refuses Points in Python, before sending).
        def report() -> int:
            x, label = list(r.c.x), self.trainer.model.encode_label(r.c.label)
            sender = getattr(self.chain, reporter)
            return self.trainer.contract.transact("report", x, label, r.c.contributor, r.c.added_at, sender=sender).output

        error = "UnknownContribution" if r.refunded else "NothingLeftToClaim"
        attempt(self, report, Expect(error=error), reporter)

    @rule(seconds=st.sampled_from([*TRAVELS, WEEK, 3 * WEEK]))
    def travel(self, seconds: int) -> None:
        self.chain.travel(seconds=seconds)

    @invariant()
    def no_ether_moves_and_points_and_badges_follow_the_rules(self) -> None:
        assert balances(self.chain, self.trainer) == self.start
        for n in NAMES:
            account = getattr(self.chain, n)
            total = sum(r.who == n for r in self.records)
            points, contributions, _, _, _, bits_on_chain, _ = self.trainer.incentive_contract.call("stats", account)
            assert points == self.points[n] and contributions == total
            bits = (
                (total >= 1)
                | (self.points[n] >= GOOD_10_COUNT) << 1
                | (self.points[n] >= GOOD_100_COUNT) << 2
                | (len(self.labels[n]) == 2) << 3
                | (len(self.weeks[n]) >= WEEKS_COUNT) << 4
            )
            assert badge_names(bits_on_chain) == badge_names(bits), n


TestPointsMoneySafety = PointsMachine.TestCase
TestPointsMoneySafety.settings = MACHINE_SETTINGS


# -- reentrancy -------------------------------------------------------------------------------------

REENTRANCY = keccak(text="Reentrancy()")[:4]


class Attacker:
    """Drives the test-only ReentrantContributor from a chain account (mallory)."""

    def __init__(self, chain: sk.Chain, trainer: sk.Trainer) -> None:
        self.chain, self.trainer = chain, trainer
        self.contract = chain.deploy("ReentrantContributor", trainer.address, sender=chain.mallory)
        self.address = self.contract.address
        self._calls = abi.functions(trainer.contract.abi)

    def encode(self, fn: str, *args) -> bytes:
        return self._calls[fn].encode_call(args)

    def execute(self, fn: str, *args, value: int = 0) -> sk.chain.Receipt:
        return self.contract.transact("execute", self.encode(fn, *args), sender=self.chain.mallory, value=value)

    def arm(self, fn: str, *args, bubble: bool) -> None:
        self.contract.transact("arm", self.encode(fn, *args) if fn else b"", bubble, sender=self.chain.mallory)

    def add(self, x, label: int, value: int | None = None) -> tuple[list[int], int, int]:
        encoded = self.trainer.model.encode(x)
        value = self.trainer.next_deposit() if value is None else value
        added = self.execute("addData", encoded, label, value=value).event("ContributionAdded")
        self.trainer.model.update_encoded(encoded, label)
        return encoded, added["addedAt"], added["deposit"]


def reentries(receipt: sk.chain.Receipt) -> list[tuple[bool, str]]:
    return [(a["ok"], a["result"]) for name, a in receipt.events if name == "ReentryAttempted"]


@pytest.fixture
def attacked(chain):
    trainer = make_trainer(chain)
    return trainer, Attacker(chain, trainer)


def test_a_reentrant_refund_fails_and_the_attacker_is_paid_once(chain, attacked):
    trainer, attacker = attacked
    x, added_at, deposit = attacker.add(POSITIVE, 1)
    chain.travel(days=1)
    attacker.arm("refund", x, 1, added_at, bubble=False)
    receipt = attacker.execute("refund", x, 1, added_at)
    assert reentries(receipt) == [(False, "0x" + REENTRANCY.hex())]
    assert chain.balance(attacker.address) == deposit == attacker.contract.call("received")
    assert attacker.contract.call("payments") == 1 and chain.balance(trainer.address) == 0
    with pytest.raises(sk.Reverted) as e:
        attacker.execute("refund", x, 1, added_at)
    assert e.value.error == "UnknownContribution"  # the refund deleted the record
    assert chain.balance(attacker.address) == deposit


def test_a_reentrant_refund_that_insists_makes_the_whole_payout_fail(chain, attacked):
    trainer, attacker = attacked
    x, added_at, deposit = attacker.add(POSITIVE, 1)
    chain.travel(days=1)
    attacker.arm("refund", x, 1, added_at, bubble=True)
    before = balances(chain, trainer)
    with pytest.raises(sk.Reverted) as e:
        attacker.execute("refund", x, 1, added_at)
    assert e.value.error == "PaymentFailed"
    assert e.value.args_ == {"to": attacker.address, "amount": deposit}
    assert balances(chain, trainer) == before and chain.balance(attacker.address) == 0
    _, record = trainer.contract.call("find", x, 1, attacker.address, added_at)
    assert record["exists"] is True and record["claimable"] == deposit
    attacker.arm("", bubble=False)  # disarmed, the refund is still there, once
    attacker.execute("refund", x, 1, added_at)
    assert chain.balance(attacker.address) == deposit and chain.balance(trainer.address) == 0


def test_a_reentrant_report_takes_its_share_once(chain, attacked):
    trainer, attacker = attacked
    x, added_at, _ = attacker.add(POSITIVE, 1)
    good = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    chain.travel(days=1)
    attacker.execute("refund", x, 1, added_at)  # the attacker now has good data, like alice
    trainer.refund(good, sender=chain.alice)
    bad = trainer.add_data(NEGATIVE, 1, sender=chain.bob)
    chain.travel(days=1)
    received = attacker.contract.call("received")
    report = ("report", list(bad.x), 1, bad.contributor, bad.added_at)
    attacker.arm(*report, bubble=False)
    receipt = attacker.execute(*report)
    assert reentries(receipt) == [(False, "0x" + REENTRANCY.hex())]
    share = bad.deposit * 1 // 2  # one good contribution out of two
    assert attacker.contract.call("received") - received == share
    assert chain.balance(trainer.address) == bad.deposit - share
    with pytest.raises(sk.Reverted) as e:
        attacker.execute(*report)
    assert e.value.error == "AlreadyTaken"
    assert trainer.report(bad, sender=chain.alice) == share  # alice's share is the same half
    assert chain.balance(trainer.address) == bad.deposit - 2 * share  # the rounding, left for the later waits


def test_a_reentrant_add_during_the_surplus_return_fails(chain, attacked):
    trainer, attacker = attacked
    required = trainer.next_deposit() * 4  # a 12 s block later the price is lower: send well above it
    attacker.arm("addData", [1, 2, 3], 1, bubble=False)
    x = trainer.model.encode(POSITIVE)
    receipt = attacker.execute("addData", x, 1, value=required)
    deposit = receipt.event("ContributionAdded")["deposit"]
    assert reentries(receipt) == [(False, "0x" + REENTRANCY.hex())]
    assert chain.balance(attacker.address) == required - deposit and chain.balance(trainer.address) == deposit
    assert len([n for n, _ in receipt.events if n == "ContributionAdded"]) == 1


# -- access control: components obey only their trainer ---------------------------------------------

def dummy(param: dict, chain: sk.Chain):
    t = param["type"]
    if t.endswith("[]"):
        return [0, 0, 0]
    if t == "address":
        return chain.mallory
    if t == "bool":
        return False
    if t.startswith("bytes"):
        return "0x" + "00" * int(t[5:] or 32)
    return 0


def handlers(contract) -> list[dict]:
    """The functions of a component that only its trainer may call: every handle* function, and update."""
    return [
        item
        for item in contract.abi
        if item["type"] == "function" and (item["name"].startswith("handle") or item["name"] == "update")
    ]


@pytest.mark.parametrize("incentive", ["DepositRefundTake", "Points"])
def test_every_handler_of_every_component_obeys_only_the_trainer(chain, incentive):
    trainer = (
        make_trainer(chain)
        if incentive == "DepositRefundTake"
        else sk.deploy(chain, weak_model(), sk.incentives.Points(refund_wait=WAIT))
    )
    # The records have no writer but the trainer's own three entry points (it is the DataHandler).
    writers = {item["name"] for item in trainer.contract.abi
               if item["type"] == "function" and item["stateMutability"] not in ("view", "pure")}
    assert writers == {"addData", "refund", "report", "transferOwnership"}
    components = {incentive: trainer.incentive_contract, "model": trainer.classifier}
    expected = {
        incentive: {"handleAddData", "handleRefund", "handleReport"},
        "model": {"update"},
    }
    trainer.add_data(POSITIVE, 1, sender=chain.alice)  # state exists to be tampered with
    for name, contract in components.items():
        found = handlers(contract)
        assert {f["name"] for f in found} == expected[name], name
        for item in found:
            args = [dummy(p, chain) for p in item["inputs"]]
            for sender in (chain.mallory, chain.owner):  # not even the trainer's owner
                before, log_len = balances(chain, trainer), len(chain.gas_log)
                with pytest.raises(sk.Reverted) as e:
                    contract.transact(item["name"], *args, sender=sender, value=0)
                assert e.value.error == "NotTrainer", (name, item["name"], e.value.reason)
                assert e.value.args_ == {"caller": sender, "trainer": trainer.address}
                assert "call the trainer" in e.value.hint
                assert balances(chain, trainer) == before and len(chain.gas_log) == log_len
