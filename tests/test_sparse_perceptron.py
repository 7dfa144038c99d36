"""SparsePerceptron: the mirror is bit-exact with the contract; sparse input checks; scikit-learn bridges;
deployment in chunks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Perceptron, SGDClassifier
from sklearn.naive_bayes import MultinomialNB

import sumkit as sk
from sumkit.chain.chain import TX_GAS_LIMIT
from sumkit.plumbing.encoding import SCALE, sparse_sample
from sumkit.models.sparse_perceptron import PARAMETER_BITS

from .conftest import check_bad_sparse_sample, deploy_bare, sparse_rows, update_both

PARAM = 2 ** (PARAMETER_BITS - 1)
params = st.integers(-PARAM, PARAM - 1)

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_predict_and_score_match_the_contract(data):
    n = data.draw(st.integers(1, 40))
    model = sk.models.SparsePerceptron(
        data.draw(st.lists(params, min_size=n, max_size=n)), data.draw(params), data.draw(st.integers(1, PARAM - 1))
    )
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    assert contract.call("finalized") and model.matches(contract)
    for x in sparse_rows(data, n, 5):
        assert contract.call("score", x) == model.score_encoded(x)
        assert contract.call("predict", x) == model.predict_encoded(x)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_predict_encoded_many_equals_one_at_a_time(data):
    """The numpy path (used to measure accuracy during simulations) gives every sample's on-chain label, even at
    the extremes of the parameters' range, for lists and for tuples (whose flat form is cached)."""
    n = data.draw(st.integers(1, 40))
    model = sk.models.SparsePerceptron(data.draw(st.lists(params, min_size=n, max_size=n)), data.draw(params), 1)
    rows = [sorted(r) for r in data.draw(st.lists(st.sets(st.integers(0, n - 1)), max_size=12))]
    expected = [model.predict_encoded(x) for x in rows]
    assert model.predict_encoded_many(rows).tolist() == expected
    assert model.predict_encoded_many(tuple(map(tuple, rows))).tolist() == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_update_sequences_match_the_contract(data):
    n = data.draw(st.integers(1, 30))
    near_edge = st.integers(PARAM - 2**36, PARAM - 1) | st.integers(-PARAM, -PARAM + 2**36)
    weights = st.integers(-(2**36), 2**36) | near_edge
    model = sk.models.SparsePerceptron(
        data.draw(st.lists(weights, min_size=n, max_size=n)), data.draw(weights), data.draw(st.integers(1, 2**36))
    )
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    for x in sparse_rows(data, n, data.draw(st.integers(1, 8))):
        label = data.draw(st.integers(0, 1))
        done = update_both(contract, model, x, label, overflow=("ParameterOutOfRange",))
        if done:
            receipt, changed = done
            assert changed == bool(receipt.events)


def test_sparse_sample_validation_names_the_fix():
    assert sparse_sample([3, 14, 15], 20) == [3, 14, 15]
    assert sparse_sample(np.array([0, 19]), 20) == [0, 19] and sparse_sample([], 5) == []
    assert sparse_sample(np.array([1.0, 2.0]), 5) == [1, 2]
    for bad, message in [
        ([3, 1], r"strictly increasing.*sorted\(set\(x\)\)"),
        ([1, 1], "no duplicates"),
        ([20], r"out of range.*\[0, 20\)"),
        ([-1], "out of range"),
        ([[1, 2]], "1-D"),
        ([1.5], "integer"),
        ("12", "not str"),
        (np.array([True, False]), "flatnonzero"),
    ]:
        with pytest.raises(ValueError, match=message):
            sparse_sample(bad, 20)


@pytest.fixture(scope="module")
def small_trainer():
    chain = sk.Chain()
    model = sk.models.SparsePerceptron.from_floats([1.0, -1.0, 0.5, -0.5, 2.0], intercept=-0.25)
    return chain, sk.deploy(chain, model)


@pytest.mark.parametrize(
    "x, error",
    [([3, 1], "FeatureIndicesNotIncreasing"), ([2, 2], "FeatureIndicesNotIncreasing"),
     ([5], "FeatureIndexOutOfRange"), ([0, -1], "FeatureIndexOutOfRange")],
)
def test_bad_indices_fail_in_python_first_and_on_chain_with_a_hint(small_trainer, x, error):
    check_bad_sparse_sample(*small_trainer, x, error)


def test_labels_out_of_range(small_trainer):
    chain, trainer = small_trainer
    with pytest.raises(ValueError, match="not a class"):
        trainer.add_data([0, 2], 2, sender=chain.alice)
    with pytest.raises(ValueError, match="out of range"):
        trainer.model.check_update([0, 2], 2)
    bare = deploy_bare(chain, trainer.model)
    with pytest.raises(sk.Reverted) as e:
        bare.transact("update", [0, 2], 2, sender=chain.owner)
    assert e.value.error == "LabelOutOfRange"


def test_trainer_keeps_the_mirror_in_step(small_trainer):
    chain, trainer = small_trainer
    with chain.snapshot():
        for x, y in [([1], 1), ([1, 3], 1), ([0, 4], 0), ([0, 2, 4], 0), ([1, 3], 1), ([], 1)]:
            trainer.add_data(x, y, sender=chain.alice)
            assert trainer.check_model()
            chain.travel(minutes=5)
        assert trainer.model.intercept != -SCALE // 4  # it learned
        assert trainer.predict([0, 4]) == trainer.model.predict([0, 4])


@pytest.fixture(scope="module")
def digits38():
    return sk.datasets.digits_3_vs_8(sparse=True, seed=0)


@pytest.mark.parametrize(
    "estimator",
    [Perceptron(random_state=0), SGDClassifier(loss="perceptron", learning_rate="constant", eta0=0.5, random_state=0)],
    ids=["Perceptron", "SGDClassifier"],
)
def test_from_sklearn_on_chain_accuracy_matches_sklearn(digits38, estimator):
    dense = digits38.dense()
    estimator.fit(dense.X_train, dense.y_train)
    model = sk.models.SparsePerceptron.from_sklearn(estimator)
    assert model.n_features == 64 and model.classes == (3, 8)
    if isinstance(estimator, SGDClassifier):
        assert model.learning_rate == SCALE // 2
    trainer = sk.deploy(sk.Chain(), model)
    on_chain = trainer.predict_many(digits38.X_test)
    assert np.array_equal(on_chain, model.predict_many(digits38.X_test))
    sklearn_accuracy = estimator.score(dense.X_test, dense.y_test)
    on_chain_accuracy = float(np.mean(on_chain == digits38.y_test))
    assert abs(on_chain_accuracy - sklearn_accuracy) <= 0.02
    assert np.mean(on_chain == estimator.predict(dense.X_test)) >= 0.98


def test_from_sklearn_on_breast_cancer_binarised_by_median():
    data = sk.datasets.breast_cancer(seed=0, scale=False)
    median = np.median(data.X_train, axis=0)
    X_train, X_test = (data.X_train > median).astype(int), (data.X_test > median).astype(int)
    estimator = Perceptron(random_state=0).fit(X_train, data.y_train)
    model = sk.models.SparsePerceptron.from_sklearn(estimator)
    rows = [np.flatnonzero(r).tolist() for r in X_test]
    on_chain = sk.deploy(sk.Chain(), model).predict_many(rows)
    assert abs(np.mean(on_chain == data.y_test) - estimator.score(X_test, data.y_test)) <= 0.02


def test_from_sklearn_rejects_what_it_cannot_mirror(digits38):
    dense = digits38.dense()
    with pytest.raises(ValueError, match="not fitted"):
        sk.models.SparsePerceptron.from_sklearn(Perceptron())
    with pytest.raises(ValueError, match='loss="perceptron"'):
        sk.models.SparsePerceptron.from_sklearn(SGDClassifier(loss="hinge").fit(dense.X_train, dense.y_train))
    with pytest.raises(ValueError, match="binary"):
        sk.models.SparsePerceptron.from_sklearn(Perceptron().fit(dense.X_train, np.arange(dense.n_train) % 3))
    with pytest.raises(TypeError, match="Perceptron"):
        sk.models.SparsePerceptron.from_sklearn(MultinomialNB().fit(dense.X_train, dense.y_train))
    with pytest.raises(ValueError, match="int41"):
        sk.models.SparsePerceptron.from_floats([3000.0])


def test_a_large_model_deploys_in_chunks_under_the_block_limit():
    n = 20_000
    rng = np.random.default_rng(1)
    model = sk.models.SparsePerceptron(rng.integers(-(10**10), 10**10, n).tolist(), intercept=-(10**9))
    chain = sk.Chain()
    trainer = sk.deploy(chain, model)
    deployed = chain.gas_log[chain.gas_log["contract"] == "SparsePerceptron"]
    words = len(model.packed_words())  # the constructor takes the first chunk, each extend one more
    extends = math.ceil(words / sk.models.sparse_perceptron.CHUNK_WORDS) - 1
    assert extends >= 2 and list(deployed["function"]) == ["deploy"] + ["extend"] * extends + ["finalize"]
    assert deployed["gas_used"].max() <= TX_GAS_LIMIT  # EIP-7825's cap: every chunk fits one transaction
    assert trainer.classifier.call("finalized") and trainer.check_model()
    x = sorted(rng.choice(n, 300, replace=False).tolist())
    assert trainer.predict(x) == model.predict(x)
    trainer.add_data(x, 1 - model.predict_encoded(x), sender=chain.alice)
    assert trainer.check_model()


def test_setup_is_for_the_deployer_and_ends_with_finalize():
    chain = sk.Chain()
    model = sk.models.SparsePerceptron([SCALE] * 11, intercept=-SCALE)
    words = model.packed_words()
    contract = chain.deploy("SparsePerceptron", chain.owner, model.n_features, model.learning_rate, words[:1])
    assert not contract.call("finalized")
    with pytest.raises(sk.Reverted) as e:
        contract.transact("extend", 1, words[1:], sender=chain.alice)
    assert e.value.error == "NotDeployer"
    with pytest.raises(sk.Reverted) as e:
        contract.transact("extend", 1, words[1:] + [0], sender=chain.owner)
    assert e.value.error == "WordsOutOfRange"
    contract.transact("extend", 1, words[1:], sender=chain.owner)
    contract.transact("finalize", sender=chain.owner)
    assert contract.call("finalized") and model.matches(contract)
    with pytest.raises(sk.Reverted) as e:
        contract.transact("extend", 1, words[1:], sender=chain.owner)
    assert e.value.error == "AlreadyFinalized"
    with pytest.raises(sk.Reverted) as e:
        chain.deploy("SparsePerceptron", chain.owner, 3, 0, [])
    assert e.value.error == "InvalidLearningRate"


# -- packed storage: offset binary with a guard bit per field --------------------------------------

MAX = 2**40 - 1


@pytest.mark.parametrize(
    "start, label, ok",
    [
        (MAX - 5, 1, True),  # reaches exactly the largest value
        (MAX - 4, 1, False),  # one past it: the guard bit turns 1
        (-MAX - 1 + 5, 0, True),  # reaches exactly the smallest value
        (-MAX - 1 + 4, 0, False),  # one below it: the field borrows from its guard bit
    ],
)
@pytest.mark.parametrize("feature", [0, 4, 5, 10])  # fields 1 and 5 of word 0, field 0 and 5 of words 1 and 2
def test_each_field_holds_exactly_its_range(start, label, ok, feature):
    n = 12
    weights = [MAX if label == 0 else -MAX] * n  # the neighbours outweigh it: the prediction is wrong, so it updates
    weights[feature] = start
    model = sk.models.SparsePerceptron(weights, intercept=0, learning_rate=5)
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    x = sorted({feature, (feature + 1) % n, (feature + 7) % n})  # neighbours share the word
    if ok:
        contract.transact("update", x, label, sender=chain.owner)
        model.update_encoded(x, label)
        assert model.matches(contract) and contract.call("weight", feature) == start + (5 if label else -5)
    else:
        with pytest.raises(sk.Reverted) as e:
            contract.transact("update", x, label, sender=chain.owner)
        assert e.value.error == "ParameterOutOfRange"
        assert e.value.args_["index"] == feature and e.value.args_["value"] == start + (5 if label else -5)
        with pytest.raises(ValueError, match="int41"):
            model.check_update(x, label)
        assert model.matches(contract)  # nothing changed


def test_an_intercept_out_of_range_is_reported_as_parameter_num_features():
    model = sk.models.SparsePerceptron([-MAX] * 3, intercept=MAX - 2, learning_rate=5)
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    assert contract.call("predict", [0, 1, 2]) == 0
    with pytest.raises(sk.Reverted) as e:
        contract.transact("update", [0, 1, 2], 1, sender=chain.owner)
    assert e.value.error == "ParameterOutOfRange" and e.value.args_["index"] == 3  # numFeatures: the intercept
    assert e.value.args_["value"] == MAX + 3 and model.matches(contract)


def test_setup_refuses_a_word_with_a_guard_or_top_bit_set():
    chain = sk.Chain()
    model = sk.models.SparsePerceptron([SCALE] * 11, intercept=-SCALE)
    words = model.packed_words()
    assert all(w >> 252 == 0 for w in words)
    for bad_bit in (41, 42 * 5 + 41, 255):  # field 0's guard, field 5's guard, the top bits
        with pytest.raises(sk.Reverted) as e:
            chain.deploy("SparsePerceptron", chain.owner, 11, SCALE, [words[0] | 1 << bad_bit, words[1]])
        assert e.value.error == "MalformedWord" and e.value.args_["index"] == 0 and "guard" in e.value.hint
    contract = chain.deploy("SparsePerceptron", chain.owner, 11, SCALE, words[:1])
    with pytest.raises(sk.Reverted) as e:
        contract.transact("extend", 1, [words[1] | 1 << 83], sender=chain.owner)
    assert e.value.error == "MalformedWord" and e.value.args_["index"] == 1
