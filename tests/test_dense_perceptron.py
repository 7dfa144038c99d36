"""DensePerceptron: the Python mirror is bit-exact with the contract; scikit-learn bridges; encoding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import Perceptron, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import sumkit as sk
from sumkit.plumbing.encoding import SCALE, from_fixed, to_fixed, trunc_div
from sumkit.models.dense_perceptron import PARAMETER_BITS

from .conftest import deploy_bare, update_both

PARAM = 2 ** (PARAMETER_BITS - 1)
params = st.integers(-PARAM, PARAM - 1)
samples = st.integers(-(2**40), 2**40)  # up to ~1,100 in real units




@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_predict_and_score_match_the_contract(data):
    n = data.draw(st.integers(1, 12))
    model = sk.models.DensePerceptron(
        data.draw(st.lists(params, min_size=n, max_size=n)), data.draw(params), data.draw(st.integers(1, 10 * SCALE))
    )
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    assert contract.call("weights") == model.weights and contract.call("intercept") == model.intercept
    for _ in range(5):
        x = data.draw(st.lists(samples, min_size=n, max_size=n))
        assert contract.call("score", x) == model.score_encoded(x)
        assert contract.call("predict", x) == model.predict_encoded(x)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_update_sequences_match_the_contract(data):
    n = data.draw(st.integers(1, 9))
    small = st.integers(-(2**36), 2**36)
    model = sk.models.DensePerceptron(
        data.draw(st.lists(small, min_size=n, max_size=n)), data.draw(small), data.draw(st.integers(1, 3 * SCALE)),
        feature_bound=data.draw(st.integers(1, 2**39)),  # some samples below exceed it: both sides must refuse them
    )
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    for _ in range(data.draw(st.integers(1, 8))):
        x = data.draw(st.lists(st.integers(-(2**38), 2**38), min_size=n, max_size=n))
        label = data.draw(st.integers(0, 1))
        done = update_both(contract, model, x, label, overflow=("ParameterOverflow", "FeatureOutOfRange"))
        if done:
            receipt, changed = done
            assert changed == bool(receipt.events)


@given(st.integers(-(10**30), 10**30), st.integers(1, 10**20) | st.integers(-(10**20), -1))
def test_trunc_div_rounds_toward_zero_like_solidity(a, b):
    q = trunc_div(a, b)
    assert abs(q) == abs(a) // abs(b)
    assert q == 0 or (q > 0) == ((a > 0) == (b > 0))


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.mark.parametrize(
    "estimator",
    [Perceptron(random_state=0), SGDClassifier(loss="perceptron", learning_rate="constant", eta0=0.5, random_state=0)],
)
def test_from_sklearn_predicts_like_sklearn_on_chain(cancer, estimator):
    X_train, X_test, y_train, y_test = cancer
    estimator.fit(X_train, y_train)
    model = sk.models.DensePerceptron.from_sklearn(estimator)
    if isinstance(estimator, SGDClassifier):
        assert model.learning_rate == SCALE // 2
    chain = sk.Chain()
    trainer = sk.deploy(chain, model)
    on_chain = trainer.predict_many(X_test)
    assert np.array_equal(on_chain, trainer.model.predict_many(X_test))
    # Fixed point rounds parameters to 1e-9: predictions equal sklearn's but for ties at the boundary.
    agreement = np.mean(on_chain == estimator.predict(X_test))
    assert agreement >= 0.99
    assert trainer.accuracy(X_test, y_test) == pytest.approx(np.mean(on_chain == y_test))


def test_model_stays_in_step_with_the_chain(cancer):
    X_train, _, y_train, _ = cancer
    est = Perceptron(random_state=0).fit(X_train[:20], y_train[:20])
    chain = sk.Chain()
    trainer = sk.deploy(chain, sk.models.DensePerceptron.from_sklearn(est))
    changed = 0
    for x, y in zip(X_train[20:60], y_train[20:60]):
        before = list(trainer.model.weights)
        trainer.add_data(x, y, sender=chain.alice)
        changed += before != trainer.model.weights
        chain.travel(minutes=5)
    assert changed > 0 and trainer.check_model()


def test_from_sklearn_rejects_what_it_cannot_mirror(cancer):
    X_train, _, y_train, _ = cancer
    with pytest.raises(ValueError, match="not fitted"):
        sk.models.DensePerceptron.from_sklearn(Perceptron())
    with pytest.raises(ValueError, match='loss="perceptron"'):
        sk.models.DensePerceptron.from_sklearn(SGDClassifier(loss="hinge").fit(X_train, y_train))
    with pytest.raises(ValueError, match="binary"):
        sk.models.DensePerceptron.from_sklearn(Perceptron().fit(X_train[:30], np.arange(30) % 3))
    with pytest.raises(TypeError):
        sk.models.DensePerceptron.from_sklearn(StandardScaler())


def test_encoding_rejects_nan_inf_and_overflow():
    assert to_fixed([1.5, -0.25]) == [1_500_000_000, -250_000_000]
    assert np.allclose(from_fixed(to_fixed([3.25, -7.0])), [3.25, -7.0])
    for bad in ([np.nan], [np.inf], [-np.inf]):
        with pytest.raises(ValueError, match="NaN or infinity"):
            to_fixed(bad)
    with pytest.raises(ValueError, match="must lie within"):
        to_fixed([1e10])
    with pytest.raises(ValueError, match="int48"):
        sk.models.DensePerceptron.from_floats([2e5])


@pytest.mark.parametrize("rate", [0, -1, -SCALE])
def test_a_learning_rate_of_zero_or_below_is_refused_in_python_and_on_chain(rate):
    # Issue 12, finding 7: with 0 the model never learns, below 0 it learns backwards (away from each label).
    with pytest.raises(ValueError, match="learning rate must be positive"):
        sk.models.DensePerceptron([SCALE, -SCALE], 0, rate)
    chain = sk.Chain()
    with pytest.raises(sk.Reverted) as e:
        chain.deploy("DensePerceptron", chain.owner, [SCALE, -SCALE], 0, rate, SCALE)
    assert e.value.error == "NonPositiveLearningRate"
    assert e.value.args_ == {"learningRate": rate}
    assert "must be positive" in e.value.hint
    assert chain.deploy("DensePerceptron", chain.owner, [SCALE, -SCALE], 0, 1, SCALE).call("learningRate") == 1


# -- magnitude poisoning (issue 19, finding 1) -----------------------------------------------------------------

ALICE_X = np.column_stack([-np.linspace(0.5, 2.0, 10), np.linspace(-0.5, 0.5, 10)])  # class 0: x0 < 0
POISON = [-100_000.0, 0.0]  # one sample of huge magnitude, labelled 1


def poisoning_story(feature_bound=None):
    """A perceptron right on all 10 of Alice's samples (she adds them; it agrees with each)."""
    chain = sk.Chain()
    model = sk.models.DensePerceptron.from_floats([1.0, 0.5], feature_bound=feature_bound)
    trainer = sk.deploy(chain, model, sk.incentives.DepositRefundTake(), name="poisoning")
    for x in ALICE_X:
        trainer.add_data(x, 0, sender=chain.alice)
    assert (trainer.predict_many(ALICE_X) == 0).all()
    return chain, trainer


def test_one_sample_of_huge_magnitude_flipped_the_model_and_is_now_refused():
    from .conftest import expect_revert

    # The attack, on a model deployed with a bound wide enough to let the sample in (what the kit did before):
    # one sample turns the model wrong on all 10 of Alice's samples, and the model agrees with the poison.
    chain, trainer = poisoning_story(feature_bound=200_000.0)
    trainer.add_data(POISON, 1, sender=chain.mallory)
    assert (trainer.predict_many(ALICE_X) == 1).all()
    assert trainer.predict(POISON) == 1  # so its deposit would come back, as good data
    # With the default bound (+-100) it is refused: by Python before anything is sent...
    chain, trainer = poisoning_story()
    assert trainer.classifier.call("featureBound") == 100 * SCALE
    block = chain.block_number
    with pytest.raises(ValueError, match=r"feature 0 is -100,000: this model trains only on values within \+-100"):
        trainer.add_data(POISON, 1, sender=chain.mallory)
    assert chain.block_number == block
    # ...and by the contract, for anyone who sends it without sumkit; nothing moves.
    e = expect_revert(chain, trainer, "FeatureOutOfRange", trainer.contract.transact, "addData", to_fixed(POISON), 1,
                      sender=chain.mallory, value=trainer.next_deposit())
    assert e.args_ == {"index": 0, "value": -100_000 * SCALE, "featureBound": 100 * SCALE}
    assert "outside the model's bound +-100" in e.hint
    # A value exactly at the bound is accepted (the bound is inclusive), one unit beyond it is not.
    assert trainer.model.copy().update([-100.0, 100.0], 0) is False  # accepted (the model already agrees)
    with pytest.raises(ValueError, match="feature 1"):
        trainer.model.copy().update([0.0, 100.000000001], 0)
    assert (trainer.predict_many(ALICE_X) == 0).all()


def test_feature_bound_from_the_training_data_and_its_checks(cancer):
    X_train, _, y_train, _ = cancer
    est = Perceptron(random_state=0).fit(X_train, y_train)
    derived = sk.models.DensePerceptron.from_sklearn(est, X=X_train)
    assert derived.feature_bound == to_fixed([2 * np.abs(X_train).max()])[0]
    assert sk.models.DensePerceptron.from_sklearn(est).feature_bound == 100 * SCALE
    assert sk.models.DensePerceptron.from_sklearn(est, feature_bound=5).feature_bound == 5 * SCALE
    assert derived.copy().feature_bound == derived.feature_bound
    with pytest.raises(ValueError, match="not both"):
        sk.models.DensePerceptron.from_sklearn(est, feature_bound=5, X=X_train)
    with pytest.raises(ValueError, match="feature_bound must be positive"):
        sk.models.DensePerceptron.from_floats([1.0], feature_bound=0)
    chain = sk.Chain()
    with pytest.raises(sk.Reverted) as e:
        chain.deploy("DensePerceptron", chain.owner, [SCALE], 0, SCALE, 0)
    assert e.value.error == "NonPositiveFeatureBound" and e.value.hint
    trainer = sk.deploy(chain, derived)
    assert trainer.check_model()  # the deployed bound equals the mirror's
