"""Every incentive mechanism is one plug-in (sumkit.incentives.base.Mechanism), and its Python rules say what its
contract does: each rule's answer is checked against the transaction it predicts, at the waits' boundaries."""

from __future__ import annotations

import dataclasses

import sumkit as sk
from sumkit.incentives import MECHANISMS, Mechanism

from .conftest import ANY_WAIT, NEGATIVE, OWNER_WAIT, POSITIVE, WAIT, make_trainer, travel_to
from .test_points import make_points_trainer
from .test_prediction_market import EVAL_ROWS, HELPFUL, open_market
from .test_prediction_market import make_trainer as make_market


def succeeds(chain: sk.Chain, send) -> bool:
    """Whether the transaction ``send()`` is mined without a revert (undone afterwards)."""
    with chain.snapshot():
        try:
            send()
        except sk.Reverted:
            return False
    return True


def test_every_mechanism_is_a_plug_in_whose_settings_read_back_from_its_contract():
    chain = sk.Chain()
    deployed = [make_trainer(chain, take_delay=sk.hours(1)), make_points_trainer(chain), make_market(chain)]
    assert sorted(MECHANISMS) == sorted(type(t.incentive).__name__ for t in deployed)
    for trainer in deployed:
        settings = trainer.incentive
        assert isinstance(settings, Mechanism)
        read = MECHANISMS[settings.contract_name].read(trainer.incentive_contract)
        fields = {f.name for f in dataclasses.fields(settings) if f.init} - {"short_waits", "init_code"}
        assert {f: getattr(read, f) for f in fields} == {f: getattr(settings, f) for f in fields}, settings
    assert not isinstance(object(), Mechanism)


def test_deposit_refund_take_rules_predict_every_refund_and_report():
    chain = sk.Chain()
    trainer = make_trainer(chain)
    rules = trainer.incentive
    good = trainer.add_data(POSITIVE, 1, sender=chain.alice)  # the model agrees: refundable
    bad = trainer.add_data(NEGATIVE, 1, sender=chain.alice)  # the model disagrees: takeable
    bob_good = trainer.add_data(POSITIVE, 1, sender=chain.bob)
    owner = chain.owner
    seen, wrong = set(), []

    def check(at: int) -> None:
        travel_to(chain, good.added_at + at)
        for c in (good, bad):
            agrees = trainer.model.predict_encoded(c.x) == trainer.model.encode_label(c.label)
            age = chain.now - c.added_at
            predicted = rules.may_refund(age, agrees)
            actual = succeeds(chain, lambda: trainer.refund(c, sender=c.contributor))
            seen.add(("refund", predicted))
            if predicted != actual:
                wrong.append(f"refund of {c.label}@{age}s: rule {predicted}, chain {actual}")
            for reporter in (chain.alice, chain.bob, chain.carol, owner):
                predicted = rules.may_report(age, reporter_good_data=trainer.good_data(reporter), model_agrees=agrees,
                                             own=reporter == c.contributor, owner=reporter == owner)
                actual = succeeds(chain, lambda: trainer.report(c, sender=reporter))
                seen.add(("report", predicted))
                if predicted != actual:
                    wrong.append(f"report by {chain.name_of(reporter)} at {age}s: rule {predicted}, chain {actual}")

    check(WAIT - 30)  # nothing yet (all three younger than the refund wait)
    travel_to(chain, bob_good.added_at + WAIT)
    assert rules.may_refund(chain.now - bob_good.added_at, True)
    trainer.refund(bob_good, sender=chain.bob)  # bob now has good data: he may take from bad data
    check(WAIT + 60)
    check(OWNER_WAIT + 60)  # the owner may take what is left
    check(ANY_WAIT + 60)  # anyone may, even from data the model agrees with
    assert not wrong, "\n".join(wrong)
    assert seen == {("refund", True), ("refund", False), ("report", True), ("report", False)}


def test_points_and_market_rules_refuse_what_their_contracts_refuse():
    chain = sk.Chain()
    points = make_points_trainer(chain)
    c = points.add_data(POSITIVE, 1, sender=chain.alice)
    travel_to(chain, c.added_at + WAIT - 1)
    assert not points.incentive.may_refund(WAIT - 1, True)
    assert not succeeds(chain, lambda: points.refund(c, sender=c.contributor))
    chain.travel(seconds=1)
    assert points.incentive.may_refund(WAIT, True) and succeeds(chain, lambda: points.refund(c, sender=c.contributor))
    assert not points.incentive.may_report(sk.days(100), reporter_good_data=5, model_agrees=False)
    label = points.model.encode_label(c.label)
    report = points.contract.transact  # the raw transaction: Trainer.report refuses it in Python first
    assert not succeeds(chain, lambda: report("report", list(c.x), label, c.contributor, c.added_at, sender=chain.bob))

    market = make_market(chain)
    open_market(chain, market, bounty=EVAL_ROWS * 10**15)
    m = market.add_data(*HELPFUL, sender=chain.alice)
    chain.travel(days=30)
    assert not market.incentive.may_refund(sk.days(30), True)
    assert not succeeds(chain, lambda: market.refund(m, sender=chain.alice))  # UseMarketWithdraw
    assert not market.incentive.may_report(sk.days(30), reporter_good_data=1, model_agrees=False)
    assert not succeeds(chain, lambda: market.report(m, sender=chain.bob))
