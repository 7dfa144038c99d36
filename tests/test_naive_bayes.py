"""NaiveBayes: the mirror is bit-exact with the contract (log approximation included); long samples stay exact
in log space; MultinomialNB bridge and accuracy; bad input; deployment in chunks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Perceptron
from sklearn.naive_bayes import BernoulliNB, MultinomialNB

import sumkit as sk
from sumkit.chain.chain import TX_GAS_LIMIT
from sumkit.plumbing.encoding import SCALE
from sumkit.models.naive_bayes import MAX_COUNT, ONE, ln_fixed

from .conftest import check_bad_sparse_sample, deploy_bare, sparse_rows, update_both

NO_SAMPLES = -(2**255)




def chain_scores(model: sk.models.NaiveBayes, x: list[int]) -> list[int]:
    """The mirror's log scores as the contract returns them."""
    return [NO_SAMPLES if s is None else s for s in model.log_scores_encoded(x)]


def random_model(data: st.DataObject, max_count: int = 50) -> sk.models.NaiveBayes:
    n_classes = data.draw(st.integers(2, 4))
    n = data.draw(st.integers(1, 30))
    counts = [data.draw(st.lists(st.integers(0, max_count), min_size=n, max_size=n)) for _ in range(n_classes)]
    class_counts = [data.draw(st.integers(0, 200)) for _ in range(n_classes)]
    alpha = data.draw(st.sampled_from([1, SCALE // 100, SCALE // 2, SCALE, 10**12]) | st.integers(1, 10**12))
    return sk.models.NaiveBayes(counts, class_counts, None, alpha)






@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_scores_and_predictions_match_the_contract(data):
    model = random_model(data, max_count=data.draw(st.sampled_from([3, 50, MAX_COUNT])))
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    assert contract.call("finalized") and model.matches(contract)
    for x in sparse_rows(data, model.n_features, 4):
        assert contract.call("logScores", x) == chain_scores(model, x)
        assert contract.call("predict", x) == model.predict_encoded(x)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_update_sequences_match_the_contract(data):
    model = random_model(data, max_count=data.draw(st.sampled_from([5, MAX_COUNT])))
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    for x in sparse_rows(data, model.n_features, data.draw(st.integers(1, 6))):
        label = data.draw(st.integers(0, model.n_classes - 1))
        if update_both(contract, model, x, label, overflow=("CountOverflow",)):
            assert contract.call("predict", x) == model.predict_encoded(x)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 2**64) | st.integers(1, 2**256 - 1))
def test_ln_is_accurate(v):
    assert abs(ln_fixed(v) / ONE - math.log(v)) < 2e-9 * max(1.0, math.log(v))


def test_ln_matches_the_contract():
    contract = deploy_bare(sk.Chain(), sk.models.NaiveBayes.empty(3))
    rng = np.random.default_rng(0)
    values = [1, 2, 3, 4, 10**9, 10**9 + 1, 2**63 - 1, 2**64, 2**255, 2**256 - 1]
    values += [int(rng.integers(1, 2**62)) << int(rng.integers(0, 190)) for _ in range(60)]
    assert [contract.call("ln", v) for v in values] == [ln_fixed(v) for v in values]


@pytest.fixture(scope="module")
def long_samples():
    """Random binary data with 1000 features and 200 to 400 active features per row."""
    rng = np.random.default_rng(0)
    n, rows = 1000, 212
    y = rng.integers(0, 3, rows)
    rates = rng.uniform(0.1, 0.5, (3, n))
    X = (rng.random((rows, n)) < rates[y]).astype(int)
    return X[:200], y[:200], X[200:212], y[200:212]


def test_long_samples_never_underflow(long_samples):
    X_train, y_train, X_test, _ = long_samples
    estimator = MultinomialNB(alpha=0.5).fit(X_train, y_train)
    model = sk.models.NaiveBayes.from_sklearn(estimator)
    contract = deploy_bare(sk.Chain(), model)
    rows = [np.flatnonzero(r).tolist() for r in X_test]
    assert min(len(r) for r in rows) >= 200
    # A float64 log-space reference: the same formula as MultinomialNB's joint log-likelihood.
    log_prob = np.log(estimator.feature_count_ + 0.5) - np.log(
        estimator.feature_count_.sum(axis=1, keepdims=True) + 0.5 * model.n_features
    )
    predicted = []
    for r in rows:
        raw = contract.call("logScores", r)
        assert raw == chain_scores(model, r)
        reference = np.log(estimator.class_count_) + log_prob[:, r].sum(axis=1)
        assert np.allclose(np.asarray(raw) / ONE, reference, rtol=0, atol=1e-6)  # about -600: no underflow
        predicted.append(int(np.argmax(raw)))
    assert predicted == list(estimator.predict(X_test)) == list(model.predict_many(rows))


@pytest.mark.parametrize("name", ["digits_3_vs_8", "digits_sparse"])
def test_from_sklearn_on_chain_accuracy_matches_multinomial_nb(name):
    data = getattr(sk.datasets, name)(**({"sparse": True} if name == "digits_3_vs_8" else {}), seed=0)
    dense = data.dense()
    estimator = MultinomialNB().fit(dense.X_train, dense.y_train)
    model = sk.models.NaiveBayes.from_sklearn(estimator)
    assert model.classes == data.classes and model.n_features == 64
    trainer = sk.deploy(sk.Chain(), model)
    # On chain for up to 200 test rows (each 10-class prediction is a long EVM run); the mirror, bit-exact with
    # the chain, for all of them.
    on_chain = trainer.predict_many(data.X_test[:200])
    predictions = model.predict_many(data.X_test)
    assert np.array_equal(on_chain, predictions[:200])
    assert np.mean(predictions == estimator.predict(dense.X_test)) >= 0.97
    assert np.mean(on_chain == estimator.predict(dense.X_test[:200])) >= 0.97
    accuracy = float(np.mean(predictions == data.y_test))
    assert abs(accuracy - estimator.score(dense.X_test, dense.y_test)) <= 0.02


def test_learning_on_chain_follows_partial_fit():
    """Updates on chain count like MultinomialNB.partial_fit on binary rows."""
    data = sk.datasets.digits_3_vs_8(sparse=True, seed=0)
    dense = data.dense()
    estimator = MultinomialNB().fit(dense.X_train[:20], dense.y_train[:20])
    chain = sk.Chain()
    trainer = sk.deploy(chain, sk.models.NaiveBayes.from_sklearn(estimator))
    for x, y, row in zip(data.X_train[20:40], data.y_train[20:40], dense.X_train[20:40]):
        trainer.add_data(x, y, sender=chain.alice)
        estimator.partial_fit(row[None, :], [y])
        chain.travel(minutes=5)
    assert trainer.check_model()
    assert trainer.model.feature_counts == estimator.feature_count_.astype(int).tolist()
    assert np.mean(trainer.predict_many(data.X_test) == estimator.predict(dense.X_test)) >= 0.97


def test_ties_go_to_the_lowest_class_and_empty_classes_are_never_predicted():
    tied = sk.models.NaiveBayes([[1, 2], [1, 2], [0, 0]], [3, 3, 0], classes=("a", "b", "c"))
    contract = deploy_bare(sk.Chain(), tied)
    assert contract.call("predict", [0, 1]) == 0 and contract.call("logScores", [])[2] == NO_SAMPLES
    empty = sk.models.NaiveBayes.empty(4, classes=("x", "y"))
    assert deploy_bare(sk.Chain(), empty).call("predict", [1, 2]) == 0 and empty.predict([1, 2]) == "x"


@pytest.fixture(scope="module")
def small_trainer():
    chain = sk.Chain()
    model = sk.models.NaiveBayes([[5, 1, 0, 2], [0, 3, 4, 1], [1, 1, 1, 1]], [6, 5, 2], classes=("a", "b", "c"))
    return chain, sk.deploy(chain, model)


@pytest.mark.parametrize(
    "x, error",
    [([3, 1], "FeatureIndicesNotIncreasing"), ([2, 2], "FeatureIndicesNotIncreasing"),
     ([4], "FeatureIndexOutOfRange"), ([0, -1], "FeatureIndexOutOfRange")],
)
def test_bad_indices_fail_in_python_first_and_on_chain(small_trainer, x, error):
    check_bad_sparse_sample(*small_trainer, x, error)


def test_labels_out_of_range(small_trainer):
    chain, trainer = small_trainer
    with pytest.raises(ValueError, match="not a class"):
        trainer.add_data([0, 2], "d", sender=chain.alice)
    with pytest.raises(ValueError, match="out of range"):
        trainer.model.check_update([0, 2], 3)
    bare = deploy_bare(chain, trainer.model)
    with pytest.raises(sk.Reverted) as e:
        bare.transact("update", [0, 2], 3, sender=chain.owner)
    assert e.value.error == "LabelOutOfRange" and "0 to 2" in e.value.hint


def test_counts_at_their_limit_refuse_more_data():
    model = sk.models.NaiveBayes([[MAX_COUNT, 1], [0, 0]], [MAX_COUNT, 1])
    contract = deploy_bare(sk.Chain(), model)
    with pytest.raises(ValueError, match="65,535"):
        model.check_update([0, 1], 0)
    with pytest.raises(sk.Reverted) as e:
        contract.transact("update", [0, 1], 0, sender=contract.chain.owner)
    assert e.value.error == "CountOverflow" and e.value.args_["feature"] == 0
    contract.transact("update", [1], 0, sender=contract.chain.owner)  # feature 1 still has room
    model.update_encoded([1], 0)
    assert model.matches(contract)


def test_from_sklearn_rejects_what_it_cannot_mirror():
    data = sk.datasets.digits(seed=0, scale=False)
    binary = (data.X_train > 8).astype(int)
    with pytest.raises(ValueError, match="not fitted"):
        sk.models.NaiveBayes.from_sklearn(MultinomialNB())
    with pytest.raises(ValueError, match="non-binary"):
        sk.models.NaiveBayes.from_sklearn(MultinomialNB().fit(data.X_train, data.y_train))  # pixel values 0..16
    with pytest.raises(ValueError, match="whole numbers"):
        sk.models.NaiveBayes.from_sklearn(MultinomialNB().fit(binary * 0.5, data.y_train))
    with pytest.raises(ValueError, match="fit_prior"):
        sk.models.NaiveBayes.from_sklearn(MultinomialNB(fit_prior=False).fit(binary, data.y_train))
    with pytest.raises(TypeError, match="MultinomialNB.*BernoulliNB"):
        sk.models.NaiveBayes.from_sklearn(BernoulliNB().fit(binary, data.y_train))
    with pytest.raises(TypeError, match="MultinomialNB"):
        sk.models.NaiveBayes.from_sklearn(Perceptron().fit(binary, data.y_train))
    with pytest.raises(ValueError, match="alpha"):
        sk.models.NaiveBayes.empty(3, alpha=2000.0)


def test_a_large_model_deploys_in_chunks_under_the_block_limit():
    n = 20_000
    rng = np.random.default_rng(1)
    model = sk.models.NaiveBayes(rng.integers(1, 100, (2, n)).tolist(), [100, 100])
    chain = sk.Chain()
    trainer = sk.deploy(chain, model)
    deployed = chain.gas_log[chain.gas_log["contract"] == "NaiveBayes"]
    words = len(model.packed_words())  # the constructor takes the first chunk, each extend one more
    extends = math.ceil(words / sk.models.naive_bayes.CHUNK_WORDS) - 1
    assert extends >= 2 and list(deployed["function"]) == ["deploy"] + ["extend"] * extends + ["finalize"]
    assert deployed["gas_used"].max() <= TX_GAS_LIMIT  # EIP-7825's cap: every chunk fits one transaction
    assert trainer.classifier.call("finalized")
    x = sorted(rng.choice(n, 300, replace=False).tolist())
    assert trainer.predict(x) == model.predict(x)
    trainer.add_data(x, 1, sender=chain.alice)
    assert trainer.check_model()  # every count deployed, then updated, equals the mirror's
