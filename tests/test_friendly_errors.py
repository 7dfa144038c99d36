"""What beginners did wrong (issue 10's learner walk and bad-input probes): each gets a clear error, before
anything is sent, that says what was meant."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Perceptron

import sumkit as sk


@pytest.fixture
def setup():
    chain = sk.Chain()
    model = sk.models.DensePerceptron.from_floats([1.0, -1.0])
    trainer = sk.deploy(chain, model, sk.incentives.DepositRefundTake(refund_wait=sk.days(1)))
    return chain, trainer


def nothing_sent(chain, before):
    assert len(chain.gas_log) == before


def test_senders_may_be_the_chains_account_names(setup):
    chain, trainer = setup
    c = trainer.add_data([2.0, 1.0], 1, sender="alice")
    assert c.contributor == chain.alice and chain.account("mallory") == chain.mallory
    before = len(chain.gas_log)
    with pytest.raises(ValueError, match="chain.alice"):
        trainer.add_data([2.0, 1.0], 1, sender="alicia")
    nothing_sent(chain, before)


def test_deploy_says_from_sklearn_for_an_estimator_and_refuses_none():
    chain = sk.Chain()
    estimator = Perceptron().fit(np.array([[0.0, 1.0], [1.0, 0.0]]), [0, 1])
    with pytest.raises(TypeError, match="from_sklearn"):
        sk.deploy(chain, estimator)
    with pytest.raises(TypeError, match="sumkit model"):
        sk.deploy(chain, None)
    assert len(chain.gas_log) == 0


def test_deploy_wants_an_incentive_instance_not_the_class():
    chain = sk.Chain()
    model = sk.models.DensePerceptron.from_floats([1.0, -1.0])
    with pytest.raises(TypeError, match=r"sk.incentives.DepositRefundTake\(\.\.\.\)"):
        sk.deploy(chain, model, sk.incentives.DepositRefundTake)
    assert len(chain.gas_log) == 0


def test_floats_in_a_low_level_transaction_point_at_fixed_point(setup):
    chain, trainer = setup
    with pytest.raises(TypeError, match="fixed-point"):
        trainer.contract.transact("addData", [2.0, 1.0], 1, sender=chain.alice, value=sk.ether(1))
    with pytest.raises(TypeError, match="fixed-point"):
        trainer.contract.call("predict", [0.5, 0.1])


def test_an_already_encoded_sample_is_refused_not_scaled_twice(setup):
    chain, trainer = setup
    c = trainer.add_data([2.0, 1.0], 1, sender=chain.alice)
    with pytest.raises(ValueError, match="already encoded"):
        trainer.predict(c.x)
    assert trainer.model.predict_encoded(c.x) == 1  # the way the message points to


@pytest.mark.parametrize("bad", [None, "c", 0, {"x": 1}])
def test_refund_and_report_need_a_contribution(setup, bad):
    chain, trainer = setup
    with pytest.raises(TypeError, match="Contribution"):
        trainer.refund(bad, sender=chain.alice)
    with pytest.raises(TypeError, match="Contribution"):
        trainer.report(bad, sender=chain.bob)


def test_a_row_of_contributions_works_as_a_contribution(setup):
    chain, trainer = setup
    trainer.add_data([2.0, 1.0], 1, sender=chain.alice)
    chain.travel(days=1)
    row = trainer.contributions().iloc[0]
    before = chain.balance(chain.alice)
    paid = trainer.refund(row, sender=chain.alice)
    assert paid > 0 and chain.balance(chain.alice) == before + paid


def test_amounts_are_whole_wei(setup):
    chain, trainer = setup
    before = len(chain.gas_log)
    with pytest.raises(TypeError, match=r"sk.ether\(1.5\)"):
        trainer.add_data([2.0, 1.0], 1, sender=chain.alice, value=1.5)
    nothing_sent(chain, before)


def test_features_given_as_strings_are_refused(setup):
    chain, trainer = setup
    with pytest.raises(ValueError, match="strings"):
        trainer.add_data(["1", "1"], 1, sender=chain.alice)
    with pytest.raises(ValueError, match="strings"):
        trainer.predict(["2", "1"])


def test_the_clock_cannot_leave_what_a_block_header_holds(setup):
    chain, _ = setup
    now = chain.now
    with pytest.raises(ValueError, match="64-bit"):
        chain.travel(days=1e30)
    with pytest.raises(ValueError, match="finite"):
        chain.travel(days=float("inf"))
    assert chain.now == now
    chain.travel(days=365)
    assert chain.now == now + 365 * 86400


def test_revert_hints_name_accounts_instead_of_addresses():
    chain = sk.Chain()
    model = sk.models.DensePerceptron.from_floats([1.0, -1.0], learning_rate=0.01)  # one sample cannot flip it
    trainer = sk.deploy(chain, model, sk.incentives.DepositRefundTake(refund_wait=sk.days(1)))
    c = trainer.add_data([2.0, 1.0], 0, sender=chain.alice)  # a label the model disagrees with
    chain.travel(days=1)
    with pytest.raises(sk.Reverted) as e:
        trainer.report(c, sender=chain.bob)  # bob has no good data yet
    assert e.value.error == "NoGoodData" and e.value.args_["reporter"] == chain.bob
    assert chain.bob not in e.value.hint
    assert e.value.hint.startswith("bob ")  # NoGoodData names the reporter


@pytest.mark.parametrize("settings", [sk.incentives.DepositRefundTake, sk.incentives.Points])
def test_a_wait_under_a_minute_warns_that_waits_are_seconds_unless_asked(settings, recwarn):
    with pytest.warns(UserWarning, match=r"1 second\(s\), not 1 day\(s\).*sk.days\(1\)"):
        settings(refund_wait=1)
    settings(refund_wait=30, short_waits=True)  # a quick demo, on purpose: no warning
    settings(refund_wait=sk.days(1))
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
