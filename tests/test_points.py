"""Every Points rule, its time boundaries to the second, every badge exactly when due, and every bad input."""

from __future__ import annotations

import pytest

import sumkit as sk
from sumkit.plumbing.errors import decode_revert
from sumkit.incentives.points import BADGES, WEEK, badge_names

from .conftest import INTERCEPT, NEGATIVE, POSITIVE, WAIT, WEIGHTS, balances, make_trainer, travel_to
from .conftest import expect_revert as revert_changes_nothing

FIRST, GOOD_10, GOOD_100, EVERY_CLASS, FOUR_WEEKS = range(5)


def make_points_trainer(chain: sk.Chain, refund_wait: int = WAIT) -> sk.Trainer:
    model = sk.models.DensePerceptron.from_floats(WEIGHTS, INTERCEPT)
    return sk.deploy(chain, model, sk.incentives.Points(refund_wait=refund_wait, short_waits=refund_wait < 60), name="points", owner=chain.owner)


@pytest.fixture
def trainer(chain: sk.Chain) -> sk.Trainer:
    return make_points_trainer(chain)


def expect_revert(chain, trainer, error: str, fn, *args, **kwargs) -> sk.Reverted:
    """conftest's expect_revert, and no point or badge changes either."""
    accounts = [chain.owner, chain.alice, chain.bob, chain.carol, chain.mallory]

    def scores():
        return [trainer.points(a) for a in accounts], [trainer.badges(a) for a in accounts]

    return revert_changes_nothing(chain, trainer, error, fn, *args, state=scores, **kwargs)


def add_raw(trainer: sk.Trainer, x, y: int, sender: str, value: int = 0) -> sk.chain.Receipt:
    """Add with a raw transaction, to read its events (the handle's mirror is kept in step)."""
    encoded = trainer.model.encode(x)
    receipt = trainer.contract.transact("addData", encoded, y, sender=sender, value=value)
    trainer.model.update_encoded(encoded, y)
    return receipt


def claim_raw(trainer: sk.Trainer, c: sk.Contribution, sender: str) -> sk.chain.Receipt:
    label = trainer.model.encode_label(c.label)
    return trainer.contract.transact("refund", list(c.x), label, c.added_at, sender=sender)


def stats(trainer: sk.Trainer, account: str) -> dict[str, int]:
    fields = ["points", "contributions", "lastWeek", "numWeeks", "numLabels", "badges", "smallLabels"]
    return dict(zip(fields, trainer.incentive_contract.call("stats", account)))


def earned(receipt: sk.chain.Receipt) -> list[tuple[str, int]]:
    return [(args["contributor"], args["badge"]) for name, args in receipt.events if name == "BadgeEarned"]


def contribution_of(trainer: sk.Trainer, receipt: sk.chain.Receipt, x, y) -> sk.Contribution:
    added = receipt.event("ContributionAdded")
    encoded = tuple(trainer.model.encode(x))
    return sk.Contribution(added["contributor"], y, added["addedAt"], added["deposit"], encoded, added["key"])


# -- adding is free ---------------------------------------------------------------------------------

def test_adding_is_free_and_any_ether_sent_comes_back(chain, trainer):
    assert trainer.next_deposit() == 0
    before = balances(chain, trainer)
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    assert c.deposit == 0
    c2 = trainer.add_data(NEGATIVE, 0, sender=chain.bob, value=sk.ether(3))
    assert c2.deposit == 0
    assert balances(chain, trainer) == before  # gas is free on this chain: nothing moved
    assert trainer.incentive_contract.call("totalContributions", chain.alice) == 1
    table = trainer.contributions()
    assert list(table["deposit"]) == [0, 0] and list(table["claimable"]) == [0, 0]


def test_settings_are_validated_before_anything_is_sent():
    for bad in (-1, 1.5, True, "1 day"):
        with pytest.raises(ValueError, match="refund_wait must be a non-negative int"):
            sk.incentives.Points(refund_wait=bad)
    assert sk.incentives.Points().refund_wait == sk.days(1)


# -- points -----------------------------------------------------------------------------------------

def test_a_point_is_claimed_after_the_wait_to_the_second_and_pays_nothing(chain, trainer):
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    travel_to(chain, c.added_at + WAIT - 1)
    e = expect_revert(chain, trainer, "TooEarly", trainer.refund, c, sender=chain.alice)
    assert e.args_ == {"availableAt": c.added_at + WAIT, "now": c.added_at + WAIT - 1}
    assert "1 s" in e.hint and "chain.travel" in e.hint
    chain.travel(seconds=1)
    before = balances(chain, trainer)
    receipt = claim_raw(trainer, c, chain.alice)
    assert receipt.output == 0
    assert receipt.event("PointEarned") == {"contributor": chain.alice, "points": 1}
    assert receipt.event("ContributionRefunded") == {"key": c.key, "amount": 0}
    assert balances(chain, trainer) == before
    assert trainer.points(chain.alice) == 1 and trainer.points(chain.bob) == 0


def test_refund_through_the_handle_returns_zero_wei(chain, trainer):
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    chain.travel(days=1)
    assert trainer.refund(c, sender=chain.alice) == 0
    assert trainer.points(chain.alice) == 1


def test_zero_wait_allows_a_claim_in_the_next_block(chain):
    trainer = make_points_trainer(chain, refund_wait=0)
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    assert trainer.refund(c, sender=chain.alice) == 0 and trainer.points(chain.alice) == 1


def test_no_point_when_the_model_disagrees(chain, trainer):
    c = trainer.add_data(NEGATIVE, 1, sender=chain.mallory)  # the model still predicts 0
    chain.travel(days=1)
    e = expect_revert(chain, trainer, "ModelDisagrees", trainer.refund, c, sender=chain.mallory)
    assert "trainer.predict(x)" in e.hint


def test_one_claim_per_contribution(chain, trainer):
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    chain.travel(days=1)
    trainer.refund(c, sender=chain.alice)
    e = expect_revert(chain, trainer, "UnknownContribution", trainer.refund, c, sender=chain.alice)
    assert "refunded once" in e.hint  # the claim deleted the record
    assert trainer.points(chain.alice) == 1


def test_nobody_claims_someone_elses_contribution(chain, trainer):
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    chain.travel(days=1)
    with pytest.raises(ValueError, match="only the contributor"):
        trainer.refund(c, sender=chain.bob)
    # Sent raw, the trainer looks up the caller's own contributions: bob has none like this.
    send = trainer.contract.transact
    e = expect_revert(chain, trainer, "UnknownContribution", send, "refund", list(c.x), 1, c.added_at, sender=chain.bob)
    assert "only its contributor can refund it" in e.hint
    assert trainer.points(chain.bob) == 0 and trainer.refund(c, sender=chain.alice) == 0


def test_report_is_not_part_of_points(chain, trainer):
    c = trainer.add_data(NEGATIVE, 1, sender=chain.mallory)
    chain.travel(days=30)
    log_len = len(chain.gas_log)
    with pytest.raises(ValueError, match="nothing to take: report\\(\\) is not part of Points"):
        trainer.report(c, sender=chain.alice)
    assert len(chain.gas_log) == log_len  # refused before sending
    # On chain the trainer asks the data handler first: a Points contribution has no deposit, so nothing is left.
    args = (list(c.x), 1, c.contributor, c.added_at)
    e = expect_revert(chain, trainer, "NothingLeftToClaim", trainer.contract.transact, "report", *args, sender=chain.alice)
    assert "Nothing is left" in e.hint
    # The mechanism itself refuses every report, with its own hint (reached only by its trainer).
    reverted = decode_revert(_selector("ReportNotSupported()"))
    assert reverted.error == "ReportNotSupported" and "report is not part of Points" in reverted.hint
    send = trainer.incentive_contract.transact
    args = (chain.alice, c.contributor, c.added_at, 0, 0, False)
    expect_revert(chain, trainer, "NotTrainer", send, "handleReport", *args, sender=chain.alice)


def _selector(signature: str) -> bytes:
    from eth_utils import keccak

    return keccak(text=signature)[:4]


# -- badges -----------------------------------------------------------------------------------------

def test_first_contribution_and_every_class_badges_exactly_when_due(chain, trainer):
    receipt = add_raw(trainer, POSITIVE, 1, chain.alice)
    assert earned(receipt) == [(chain.alice, FIRST)]
    assert trainer.badges(chain.alice) == ["first contribution"]
    assert trainer.incentive_contract.call("hasBadge", chain.alice, FIRST)
    assert not trainer.incentive_contract.call("hasBadge", chain.alice, EVERY_CLASS)
    assert earned(add_raw(trainer, POSITIVE, 1, chain.alice)) == []  # same label again: nothing new
    receipt = add_raw(trainer, NEGATIVE, 0, chain.alice)  # the second (last) class
    assert earned(receipt) == [(chain.alice, EVERY_CLASS)]
    assert receipt.event("ContributionCounted") == {"contributor": chain.alice, "label": 0, "total": 3}
    assert trainer.badges(chain.alice) == ["first contribution", "every class"]
    assert trainer.incentive_contract.call("badges", chain.alice) == 0b1001
    assert earned(add_raw(trainer, NEGATIVE, 0, chain.alice)) == []
    assert earned(add_raw(trainer, POSITIVE, 1, chain.bob)) == [(chain.bob, FIRST)]
    assert trainer.badges(chain.bob) == ["first contribution"] and trainer.badges(chain.carol) == []
    assert trainer.incentive_contract.call("totalContributions", chain.alice) == 4
    assert not trainer.incentive_contract.call("hasBadge", chain.alice, 200)  # no such badge


def test_every_class_badge_with_many_classes_reads_the_models_class_count(chain):
    """18 classes: labels below 16 live in the contributor's slot, larger ones in a mapping."""
    n = 18
    centroids = [[float(c), 0.0] for c in range(n)]
    model = sk.models.NearestCentroid.from_floats(centroids, counts=[5] * n)
    trainer = sk.deploy(chain, model, sk.incentives.Points(refund_wait=WAIT))
    order = [17, 0, 16, *range(1, 16)]
    for i, label in enumerate(order, start=1):
        assert not trainer.incentive_contract.call("usedLabel", chain.carol, label)
        receipt = add_raw(trainer, [float(label), 0.0], label, chain.carol)
        assert trainer.incentive_contract.call("usedLabel", chain.carol, label)
        assert stats(trainer, chain.carol)["numLabels"] == i
        assert earned(receipt) == ([(chain.carol, FIRST)] if i == 1 else [(chain.carol, EVERY_CLASS)] if i == n else [])
    assert earned(add_raw(trainer, [16.0, 0.0], 16, chain.carol)) == []  # a label used again counts once
    assert stats(trainer, chain.carol)["numLabels"] == n
    assert stats(trainer, chain.carol)["smallLabels"] == 2**16 - 1
    assert trainer.incentive_contract.call("labelUsed", chain.carol, 17)
    assert not trainer.incentive_contract.call("usedLabel", chain.bob, 17)
    assert trainer.badges(chain.carol) == ["first contribution", "every class"]


def test_four_weeks_badge_counts_calendar_weeks_to_the_second(chain, trainer):
    week = chain.now // WEEK
    assert earned(add_raw(trainer, POSITIVE, 1, chain.alice)) == [(chain.alice, FIRST)]  # week 1 of 4
    travel_to(chain, (week + 1) * WEEK - 1)  # the last second of the same week
    add_raw(trainer, POSITIVE, 1, chain.alice)
    assert stats(trainer, chain.alice)["numWeeks"] == 1
    travel_to(chain, (week + 2) * WEEK)  # the first second of a later week: a gap of weeks counts once
    add_raw(trainer, POSITIVE, 1, chain.alice)
    assert stats(trainer, chain.alice)["numWeeks"] == 2
    travel_to(chain, (week + 4) * WEEK + 3)  # week 3 of 4
    assert earned(add_raw(trainer, POSITIVE, 1, chain.alice)) == []
    assert stats(trainer, chain.alice)["numWeeks"] == 3
    with chain.snapshot():
        travel_to(chain, (week + 5) * WEEK - 1)  # still week 3: no badge
        assert earned(add_raw(trainer, POSITIVE, 1, chain.alice)) == []
        assert "4 weeks" not in trainer.badges(chain.alice)
    travel_to(chain, (week + 5) * WEEK)  # the first second of week 4: the badge, exactly now
    assert earned(add_raw(trainer, POSITIVE, 1, chain.alice)) == [(chain.alice, FOUR_WEEKS)]
    assert trainer.badges(chain.alice) == ["first contribution", "4 weeks"]
    chain.travel(days=7)  # a fifth week earns nothing more
    assert earned(add_raw(trainer, POSITIVE, 1, chain.alice)) == []
    stats_ = stats(trainer, chain.alice)
    assert stats_["numWeeks"] == 5 and stats_["contributions"] == 6 and stats_["lastWeek"] == chain.now // WEEK


def test_good_10_and_good_100_badges_exactly_when_due(chain, trainer):
    receipts = [add_raw(trainer, POSITIVE, 1, chain.alice) for _ in range(100)]
    contributions = [contribution_of(trainer, receipt, POSITIVE, 1) for receipt in receipts]
    chain.travel(days=1)
    for i, c in enumerate(contributions, start=1):
        receipt = claim_raw(trainer, c, chain.alice)
        assert receipt.event("PointEarned")["points"] == i
        expected = {10: [(chain.alice, GOOD_10)], 100: [(chain.alice, GOOD_100)]}.get(i, [])
        assert earned(receipt) == expected, i
        if i in (9, 10):
            assert ("10 good" in trainer.badges(chain.alice)) == (i == 10)
    assert trainer.points(chain.alice) == 100
    assert trainer.badges(chain.alice) == ["first contribution", "10 good", "100 good"]


def test_badge_names_follow_the_contract():
    contract = sk.chain.Chain().deploy("Points", "0x" + "11" * 20, 0)
    names = ["FIRST_CONTRIBUTION", "GOOD_10", "GOOD_100", "ALL_CLASSES", "FOUR_WEEKS"]
    assert [contract.call(n) for n in names] == list(range(len(BADGES)))
    assert contract.call("NUM_BADGES") == len(BADGES)
    assert badge_names(0b11111) == list(BADGES) and badge_names(0) == []


# -- views and the leaderboard ----------------------------------------------------------------------

def test_leaderboard_sorted_by_points_with_readable_names_and_badges(chain, trainer):
    assert trainer.leaderboard().empty and list(trainer.leaderboard().columns) == ["account", "points", "good", "total", "badges"]
    a1 = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    a2 = trainer.add_data(NEGATIVE, 0, sender=chain.alice)
    b1 = trainer.add_data(POSITIVE, 1, sender=chain.bob)
    m1 = trainer.add_data(NEGATIVE, 1, sender=chain.mallory)
    chain.travel(days=1)
    for c in (a1, a2, b1):
        trainer.refund(c, sender=c.contributor)
    board = trainer.leaderboard()
    assert list(board.columns) == ["account", "points", "good", "total", "badges"]
    assert list(board["account"]) == ["alice", "bob", "mallory"]
    assert list(board["points"]) == [2, 1, 0]
    assert list(board["good"]) == [2, 1, 0]  # mallory's flipped label is not good
    assert list(board["total"]) == [2, 1, 1]
    assert board["badges"][0] == ["first contribution", "every class"]
    assert board["badges"][2] == ["first contribution"]
    assert m1.deposit == 0
    # A contribution sent without this handle (straight to the contract) is on the board too: the board reads
    # the trainer's events, and the packed sample in each event says whether the model agrees with it.
    trainer.contract.transact("addData", trainer.model.encode(POSITIVE), 1, sender=chain.carol)
    board = trainer.leaderboard()
    assert list(board["account"]) == ["alice", "bob", "mallory", "carol"]
    assert board.set_index("account").loc["carol", ["points", "good", "total"]].tolist() == [0, 1, 1]


def test_points_methods_refuse_another_mechanism(chain):
    drt = make_trainer(chain)
    for method in (drt.leaderboard, lambda: drt.points(chain.alice), lambda: drt.badges(chain.alice)):
        with pytest.raises(ValueError, match="needs a trainer deployed with Points, but this one uses DepositRefund"):
            method()


def test_good_data_refuses_points(chain, trainer):
    with pytest.raises(ValueError, match="needs a trainer deployed with DepositRefundTake, but this one uses Points"):
        trainer.good_data(chain.alice)
