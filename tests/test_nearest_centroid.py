"""NearestCentroid and SparseNearestCentroid: the Python mirrors are bit-exact with the contracts; scikit-learn
bridges; accuracy against scikit-learn; bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Perceptron
from sklearn.neighbors import NearestCentroid as SkNearestCentroid

import sumkit as sk
from sumkit.plumbing.encoding import SCALE, sparse_sample
from sumkit.models import sparse_nearest_centroid as sparse_module
from sumkit.models.sparse_nearest_centroid import COUNT_MAX, MAX_ACTIVATIONS

from .conftest import deploy_bare, sparse_rows, update_both

# scikit-learn warns when a feature is constant within a class (blank pixels): harmless here
pytestmark = pytest.mark.filterwarnings("ignore:self.within_class_std_dev_:UserWarning")

INT64 = st.integers(-(2**63), 2**63 - 1)
values = st.integers(-(2**40), 2**40)  # up to ~1,100 in real units
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])




# -- dense: chain == mirror -------------------------------------------------------------------------------------


@st.composite
def dense_models(draw, elements=values, max_features: int = 9):
    k = draw(st.integers(2, 4))
    n = draw(st.integers(1, max_features))
    centroids = [draw(st.lists(elements, min_size=n, max_size=n)) for _ in range(k)]
    counts = draw(st.lists(st.integers(0, 50), min_size=k, max_size=k))
    bound = draw(st.just(2**63 - 1) | st.integers(1, 2**41))  # no bound at all, or one that samples may exceed
    return sk.models.NearestCentroid(centroids, counts, feature_bound=bound)


@SLOW
@given(st.data())
def test_dense_predict_matches_the_contract(data):
    model = data.draw(dense_models(elements=INT64 | values))
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    assert model.matches(contract) and contract.call("numClasses") == model.n_classes
    n = model.n_features
    for _ in range(4):
        x = data.draw(st.lists(INT64 | values, min_size=n, max_size=n))
        assert contract.call("squaredDistances", x) == model.squared_distances_encoded(x)
        assert contract.call("predict", x) == model.predict_encoded(x)
    tie = model.centroids[1]  # equidistant from two identical centroids: the lowest class wins
    twin = sk.models.NearestCentroid([tie, tie], [1, 1])
    assert twin.predict_encoded(tie) == 0 and deploy_bare(chain, twin).call("predict", tie) == 0


@SLOW
@given(st.data())
def test_dense_update_sequences_match_the_contract(data):
    model = data.draw(dense_models(elements=INT64 | values))
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    n = model.n_features
    for _ in range(data.draw(st.integers(1, 6))):
        x = data.draw(st.lists(INT64 | values, min_size=n, max_size=n))
        label = data.draw(st.integers(0, model.n_classes - 1))
        if any(abs(v) > model.feature_bound for v in x):  # both sides refuse a value beyond the bound
            with pytest.raises(ValueError, match="feature_bound"):
                model.check_update(x, label)
            with pytest.raises(sk.Reverted) as e:
                contract.transact("update", x, label, sender=chain.owner)
            assert e.value.error == "FeatureOutOfRange" and model.matches(contract)
            continue
        receipt = contract.transact("update", x, label, sender=chain.owner)
        assert model.update_encoded(x, label)
        assert receipt.event("CentroidUpdated") == {"label": label, "count": model.counts[label]}
        assert model.matches(contract)
        assert contract.call("predict", x) == model.predict_encoded(x)


def test_dense_running_mean_rounds_toward_zero():
    model = sk.models.NearestCentroid([[0, 10], [5, 5]], [2, 0])
    model.update_encoded([-7, 17], 0)  # (x - c) / 3 rounded toward zero: -7/3 -> -2, 7/3 -> 2
    assert model.centroids[0] == [-2, 12] and model.counts == [3, 0]
    model.update_encoded([9, -9], 1)  # a class with no samples yet takes the sample itself
    assert model.centroids[1] == [9, -9] and model.counts == [3, 1]


# -- dense: scikit-learn ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cancer():
    return sk.datasets.breast_cancer(seed=0)


def test_dense_from_sklearn_predicts_like_sklearn_on_chain(cancer):
    est = SkNearestCentroid().fit(cancer.X_train, cancer.y_train)
    model = sk.models.NearestCentroid.from_sklearn(est, y=cancer.y_train)
    assert model.counts == [int(np.sum(cancer.y_train == c)) for c in est.classes_]
    assert model.classes == tuple(est.classes_)
    trainer = sk.deploy(sk.Chain(), model)
    on_chain = trainer.predict_many(cancer.X_test)
    assert np.array_equal(on_chain, model.predict_many(cancer.X_test))
    assert np.mean(on_chain == est.predict(cancer.X_test)) >= 0.99  # fixed point rounds to 1e-9: ties may differ
    assert trainer.check_model()


def running_means_accuracy(model, est, X_train, y_train, X_test, y_test, start: int, chain_rows: list) -> tuple:
    """Accuracy of ``model`` (fitted on the first ``start`` rows) after adding the rest of the training rows one
    by one, against ``est`` fitted on all of them. Checks the chain agrees on ``chain_rows`` test rows."""
    for x, y in zip(X_train[start:], y_train[start:]):
        model.update(x, y)
    full = est.fit(X_train, y_train)
    trainer = sk.deploy(sk.Chain(), model)
    rows = [X_test[i] for i in chain_rows]
    assert list(trainer.predict_many(rows)) == list(model.predict_many(rows))
    ours = float(np.mean(model.predict_many(X_test) == np.asarray(y_test)))
    return ours, float(full.score(np.asarray(X_test, dtype=float), y_test))


@pytest.mark.parametrize("name", ["breast_cancer", "digits"])
def test_dense_running_means_reach_sklearn_accuracy(name):
    data = getattr(sk.datasets, name)(seed=0)
    start = len(data.y_train) // 10
    est = SkNearestCentroid().fit(data.X_train[:start], data.y_train[:start])
    model = sk.models.NearestCentroid.from_sklearn(est, y=data.y_train[:start])
    ours, theirs = running_means_accuracy(
        model, est, data.X_train, data.y_train, data.X_test, data.y_test, start, list(range(0, data.n_test, 9))
    )
    assert abs(ours - theirs) <= 0.02, (ours, theirs)
    assert ours > (0.85 if name == "digits" else 0.9)


def test_dense_from_sklearn_rejects_what_it_cannot_mirror(cancer):
    X, y = cancer.X_train, cancer.y_train
    with pytest.raises(TypeError, match="NearestCentroid"):
        sk.models.NearestCentroid.from_sklearn(Perceptron().fit(X, y), y=y)
    with pytest.raises(ValueError, match="not fitted"):
        sk.models.NearestCentroid.from_sklearn(SkNearestCentroid(), y=y)
    with pytest.raises(ValueError, match="euclidean"):
        sk.models.NearestCentroid.from_sklearn(SkNearestCentroid(metric="manhattan").fit(X, y), y=y)
    est = SkNearestCentroid().fit(X, y)
    with pytest.raises(ValueError, match="training labels"):
        sk.models.NearestCentroid.from_sklearn(est)
    with pytest.raises(ValueError, match="not classes"):
        sk.models.NearestCentroid.from_sklearn(est, y=np.append(y, 7))
    assert sk.models.NearestCentroid.from_sklearn(est, counts=[3, 4]).counts == [3, 4]


def test_dense_bad_input_is_refused_before_and_on_chain():
    model = sk.models.NearestCentroid.from_floats([[0.0, 1.0], [1.0, 0.0]], counts=[1, 1], classes=("a", "b"))
    with pytest.raises(ValueError, match="3 features"):
        model.encode([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="NaN"):
        model.encode([np.nan, 1.0])
    with pytest.raises(ValueError, match="not a class"):
        model.encode_label("c")
    with pytest.raises(ValueError, match="at least two classes"):
        sk.models.NearestCentroid([[1]], [1])
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    with pytest.raises(sk.Reverted) as e:
        contract.transact("update", [1, 2, 3], 0, sender=chain.owner)
    assert e.value.error == "WrongFeatureCount" and "2 features" in e.value.hint
    with pytest.raises(sk.Reverted) as e:
        contract.transact("update", [1, 2], 2, sender=chain.owner)
    assert e.value.error == "LabelOutOfRange"
    with pytest.raises(sk.Reverted) as e:
        contract.call("predict", [1])
    assert e.value.error == "WrongFeatureCount"
    with pytest.raises(sk.Reverted) as e:
        contract.transact("update", [1, 2], 0, sender=chain.alice)
    assert e.value.error == "NotTrainer"
    for n, k, words in ((2, 2, [1, 2, 3]), (2, 1, [1])):  # 2 classes x (2 features + a count) fill 2 words
        with pytest.raises(sk.Reverted) as e:
            chain.deploy("NearestCentroid", chain.owner, n, k, words, SCALE)
        assert e.value.error == "InvalidModelShape" and e.value.hint
    with pytest.raises(ValueError, match="PCA"):
        sk.models.NearestCentroid([[0] * 500] * 10, [1] * 10).deploy_steps(chain.owner)
    trainer = sk.deploy(chain, model)
    with pytest.raises(ValueError, match="not a class"):
        trainer.add_data([0.0, 1.0], "c", sender=chain.alice)
    assert trainer.predict([0.1, 0.9]) == "a" and SCALE == 10**9


# -- sparse: chain == mirror ------------------------------------------------------------------------------------



@st.composite
def sparse_models(draw, max_features: int = 40, full: bool = False):
    k = draw(st.integers(2, 4))
    n = draw(st.integers(1, max_features))
    high = MAX_ACTIVATIONS if full else 1_000
    edges = [0, 1, MAX_ACTIVATIONS - 1, MAX_ACTIVATIONS] if full else [0, 1]
    activations = st.integers(0, high) | st.sampled_from(edges)
    rows = [draw(st.lists(activations, min_size=n, max_size=n)) for _ in range(k)]
    counts = draw(st.lists(st.integers(1, 2_000) | st.sampled_from([1, COUNT_MAX - 1]), min_size=k, max_size=k))
    return sk.models.SparseNearestCentroid(rows, counts)




@SLOW
@given(st.data())
def test_sparse_predict_matches_the_contract(data):
    model = data.draw(sparse_models(full=True))
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    assert contract.call("finalized") and model.matches(contract)
    assert contract.call("MAX_ACTIVATIONS") == MAX_ACTIVATIONS
    for x in sparse_rows(data, model.n_features, 5):
        assert list(map(list, contract.call("squaredDistances", x))) == list(model.squared_distances_encoded(x))
        assert contract.call("predict", x) == model.predict_encoded(x)


@SLOW
@given(st.data())
def test_sparse_update_sequences_match_the_contract(data):
    model = data.draw(sparse_models(full=data.draw(st.booleans())))
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    for x in sparse_rows(data, model.n_features, data.draw(st.integers(1, 6))):
        label = data.draw(st.integers(0, model.n_classes - 1))
        # None: a Panic when the class count overflows
        done = update_both(contract, model, x, label, overflow=("ActivationsOverflow", None))
        if done:
            receipt, changed = done
            assert changed
            assert receipt.event("CentroidUpdated") == {"label": label, "count": model.counts[label]}
            assert contract.call("predict", x) == model.predict_encoded(x)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_sparse_contract_accepts_exactly_what_python_accepts(data):
    """Any list of int64 (negative, too large, repeated, unsorted): the contract refuses exactly the samples
    sparse_sample refuses, with SparseInput's errors, in predict and in update."""
    model = sk.models.SparseNearestCentroid([[1, 0, 2, 5, 0], [0, 3, 1, 1, 2]], [5, 5])
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    index = st.integers(-3, 7) | INT64
    for _ in range(4):
        x = data.draw(st.lists(index, max_size=6).map(sorted) | st.lists(index, max_size=6))
        try:
            sparse_sample(x, model.n_features)
        except ValueError:
            with pytest.raises(sk.Reverted) as e:
                contract.call("predict", x)
            assert e.value.error in ("FeatureIndexOutOfRange", "FeatureIndicesNotIncreasing")
            with pytest.raises(sk.Reverted) as e2:
                contract.transact("update", x, 0, sender=chain.owner)
            assert e2.value.reason == e.value.reason
            continue
        assert contract.call("predict", x) == model.predict_encoded(x)
        contract.transact("update", x, 1, sender=chain.owner)
        model.update_encoded(x, 1)
    assert model.matches(contract)


def test_sparse_distances_are_exact_fractions():
    model = sk.models.SparseNearestCentroid([[2, 1, 0], [0, 0, 1]], [2, 1])  # centroids (1, .5, 0) and (0, 0, 1)
    num, den = model.squared_distances_encoded([0])
    assert [a / b for a, b in zip(num, den)] == [0.25, 2.0]
    assert model.predict_encoded([0]) == 0 and model.predict_encoded([2]) == 1
    twin = sk.models.SparseNearestCentroid([[1, 0], [2, 0]], [1, 2])  # the same centroid: the lowest class wins
    assert twin.predict_encoded([0]) == 0 and deploy_bare(sk.Chain(), twin).call("predict", [0]) == 0
    model.update_encoded([1, 2], 1)
    assert model.activations == [[2, 1, 0], [0, 1, 2]] and model.counts == [2, 2]
    assert model.squares == [5, 5]


def test_sparse_chunked_deploy_and_setup_rules(monkeypatch):
    monkeypatch.setattr(sparse_module, "WORDS_PER_TRANSACTION", 3)
    rng = np.random.default_rng(0)
    model = sk.models.SparseNearestCentroid(rng.integers(1, 50, (3, 100)).tolist(), [60, 70, 80])  # 7 words/class
    chain = sk.Chain()
    args, calls = model.deploy_steps(chain.owner)
    assert [fn for fn, _ in calls] == ["extend"] * 6 + ["finalize"] and len(args[3]) == 3
    contract = chain.deploy("SparseNearestCentroid", *args)
    assert not contract.call("finalized")
    with pytest.raises(sk.Reverted) as e:
        contract.transact("extend", 3, [1], sender=chain.alice)
    assert e.value.error == "NotDeployer"
    with pytest.raises(sk.Reverted) as e:
        contract.transact("extend", 20, [1, 2], sender=chain.owner)
    assert e.value.error == "WordsOutOfRange" and e.value.hint
    contract.transact("extend", 5, [2**256 - 1], sender=chain.owner)  # a wrong word, replaced below
    for fn, fn_args in calls:
        contract.transact(fn, *fn_args, sender=chain.owner)
    assert contract.call("finalized") and model.matches(contract)
    with pytest.raises(sk.Reverted) as e:
        contract.transact("extend", 0, [1], sender=chain.owner)
    assert e.value.error == "AlreadyFinalized"
    trainer = sk.deploy(chain, model)  # sk.deploy sends the same chunks
    assert trainer.check_model() and trainer.predict([0, 5, 99]) == model.predict([0, 5, 99])
    for counts in ([5], [5, 0]):
        with pytest.raises(sk.Reverted) as e:
            chain.deploy("SparseNearestCentroid", chain.owner, 3, counts, [])
        assert e.value.error == ("TooFewClasses" if len(counts) == 1 else "EmptyClass") and e.value.hint


def test_sparse_setup_chunks_fit_one_transaction():
    """Gas grows linearly with the words an extend call stores: a full chunk stays well under the gas limit."""
    rng = np.random.default_rng(1)
    model = sk.models.SparseNearestCentroid(rng.integers(100, 130_000, (2, 15 * 100)).tolist(), [2**31, 2**31])
    chain = sk.Chain()
    args, _ = model.deploy_steps(chain.owner)
    contract = chain.deploy("SparseNearestCentroid", chain.owner, args[1], args[2], [])
    words = model.packed_words()
    gas = []
    for start, size in ((0, 20), (20, 60)):
        gas.append(contract.transact("extend", start, words[start : start + size], sender=chain.owner).gas_used)
    per_word = (gas[1] - gas[0]) / 40
    cap = 16_777_216  # EIP-7825 (a full chunk is measured by tests/test_sample_bound.py)
    assert gas[0] + per_word * (sparse_module.WORDS_PER_TRANSACTION - 20) < 0.95 * cap


def test_sparse_benchmark_model_deploys_in_one_transaction():
    from benchmarks.gas import CONFIGS

    model, x = CONFIGS["sparse-ncc-1000"]()
    args, calls = model.deploy_steps(sk.Chain().owner)
    assert calls == [] and len(args[3]) == 2 * 67
    assert all(v > 0 for row in model.activations for v in row)
    assert model.predict(x) == 0


# -- sparse: scikit-learn ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def binary_digits():
    return sk.datasets.digits_sparse(seed=0, threshold=7)  # a pixel is active when brighter than 7 (of 16)


def test_sparse_from_sklearn_predicts_like_sklearn_on_chain(binary_digits):
    data, dense = binary_digits, binary_digits.dense()
    est = SkNearestCentroid().fit(dense.X_train, data.y_train)
    model = sk.models.SparseNearestCentroid.from_sklearn(est, y=data.y_train)
    assert np.allclose(model.centroids, est.centroids_) and model.classes == tuple(range(10))
    assert model.activations[3] == [int(v) for v in dense.X_train[data.y_train == 3].sum(axis=0)]
    trainer = sk.deploy(sk.Chain(), model)
    on_chain = list(trainer.predict_many(data.X_test[:120]))
    assert on_chain == list(model.predict_many(data.X_test[:120]))
    agreement = np.mean(model.predict_many(data.X_test) == est.predict(dense.X_test))
    assert agreement >= 0.99  # exact fractions here, floating point in scikit-learn: only near-ties may differ


def test_sparse_from_sklearn_rejects_what_it_cannot_mirror(binary_digits):
    dense = binary_digits.dense()
    with pytest.raises(TypeError, match="NearestCentroid"):
        sk.models.SparseNearestCentroid.from_sklearn(Perceptron().fit(dense.X_train, dense.y_train), y=dense.y_train)
    raw = sk.datasets.digits(seed=0, scale=False)
    with pytest.raises(ValueError, match="binary"):
        sk.models.SparseNearestCentroid.from_sklearn(SkNearestCentroid().fit(raw.X_train, raw.y_train), y=raw.y_train)
    est = SkNearestCentroid().fit(dense.X_train, dense.y_train)
    with pytest.raises(ValueError, match="training labels"):
        sk.models.SparseNearestCentroid.from_sklearn(est)
    model = sk.models.SparseNearestCentroid.from_sklearn(est, counts=[10] * 10)  # rounded to whole activations
    assert model.counts == [10] * 10 and np.abs(model.centroids - est.centroids_).max() <= 0.05 + 1e-9


def test_sparse_running_means_reach_sklearn_accuracy(binary_digits):
    data, dense = binary_digits, binary_digits.dense()
    start = data.n_train // 10
    est = SkNearestCentroid().fit(dense.X_train[:start], data.y_train[:start])
    model = sk.models.SparseNearestCentroid.from_sklearn(est, y=data.y_train[:start])
    for x, y in zip(data.X_train[start:], data.y_train[start:]):
        model.update(x, y)
    full = SkNearestCentroid().fit(dense.X_train, data.y_train)
    assert np.allclose(model.centroids, full.centroids_)  # the running means are the exact means
    ours = np.mean(model.predict_many(data.X_test) == data.y_test)
    theirs = full.score(dense.X_test, data.y_test)
    assert abs(ours - theirs) <= 0.02 and ours > 0.85, (ours, theirs)
    trainer = sk.deploy(sk.Chain(), model)
    assert list(trainer.predict_many(data.X_test[::9])) == list(model.predict_many(data.X_test[::9]))


def test_sparse_bad_input_is_refused_before_and_on_chain():
    model = sk.models.SparseNearestCentroid([[1, 0, 2], [0, 3, 1]], [2, 3], classes=("ham", "spam"))
    for bad, match in (([2, 1], "increasing"), ([1, 1], "increasing"), ([3], "out of range"), ([-1], "out of range")):
        with pytest.raises(ValueError, match=match):
            model.encode(bad)
    with pytest.raises(ValueError, match="not a class"):
        model.encode_label("eggs")
    with pytest.raises(ValueError, match="count"):
        sk.models.SparseNearestCentroid([[1], [1]], [1, 0])
    with pytest.raises(ValueError, match="maximum"):
        sk.models.SparseNearestCentroid([[MAX_ACTIVATIONS], [0]], [1, 1]).update([0], 0)
    chain = sk.Chain()
    contract = deploy_bare(chain, model)
    with pytest.raises(sk.Reverted) as e:
        contract.transact("update", [2, 1], 0, sender=chain.owner)
    assert e.value.error == "FeatureIndicesNotIncreasing"
    assert e.value.args_ == {"position": 1, "previous": 2, "index": 1}
    for fn, x in (("predict", [2, 1]), ("squaredDistances", [0, 0])):
        with pytest.raises(sk.Reverted) as e:
            contract.call(fn, x)
        assert e.value.error == "FeatureIndicesNotIncreasing" and "increasing" in e.value.hint
    for x in ([3], [0, 7], [-1]):
        with pytest.raises(sk.Reverted) as e:
            contract.transact("update", x, 1, sender=chain.owner)
        assert e.value.error == "FeatureIndexOutOfRange" and e.value.args_["index"] == x[-1]
        with pytest.raises(sk.Reverted) as e:
            contract.call("predict", x)
        assert e.value.error == "FeatureIndexOutOfRange"
    with pytest.raises(sk.Reverted) as e:
        contract.transact("update", [0], 2, sender=chain.owner)
    assert e.value.error == "LabelOutOfRange"
    with pytest.raises(sk.Reverted) as e:
        contract.transact("update", [0], 0, sender=chain.alice)
    assert e.value.error == "NotTrainer"
    full = sk.models.SparseNearestCentroid([[MAX_ACTIVATIONS, 0], [0, 0]], [1, 1])
    full_contract = deploy_bare(chain, full)
    with pytest.raises(sk.Reverted) as e:
        full_contract.transact("update", [0, 1], 0, sender=chain.owner)
    assert e.value.error == "ActivationsOverflow" and e.value.args_ == {"label": 0, "feature": 0}
    trainer = sk.deploy(chain, model)
    with pytest.raises(ValueError, match="increasing"):
        trainer.add_data([2, 0], "ham", sender=chain.alice)
    with pytest.raises(ValueError, match="not a class"):
        trainer.add_data([0, 2], "eggs", sender=chain.alice)
    trainer.add_data([0, 2], "ham", sender=chain.alice)
    assert trainer.check_model() and trainer.predict([0, 2]) == "ham"


def test_a_far_sample_dragged_a_centroid_and_is_now_refused():
    # Issue 19, finding 1: one far sample moved class 1's centroid for good (its region flipped from 1 to 0).
    from sumkit.plumbing.encoding import to_fixed

    from .conftest import expect_revert

    far = [-100_000.0, -100_000.0]

    def trainer_with(feature_bound=None):
        chain = sk.Chain()
        model = sk.models.NearestCentroid.from_floats([[0.0, 0.0], [4.0, 4.0]], [10, 10], feature_bound=feature_bound)
        return chain, sk.deploy(chain, model, name="centroids")

    chain, trainer = trainer_with(feature_bound=200_000.0)  # a bound wide enough to let it in
    assert trainer.predict([4.0, 4.0]) == 1
    trainer.add_data(far, 1, sender=chain.mallory)
    assert trainer.predict([4.0, 4.0]) == 0 and trainer.predict([6.0, 6.0]) == 0  # class 1's region is gone
    assert trainer.check_model()
    chain, trainer = trainer_with()  # the default bound, +-100
    with pytest.raises(ValueError, match=r"feature 0 is -100,000: .* within \+-100"):
        trainer.add_data(far, 1, sender=chain.mallory)
    e = expect_revert(chain, trainer, "FeatureOutOfRange", trainer.contract.transact, "addData", to_fixed(far), 1,
                      sender=chain.mallory, value=trainer.next_deposit())
    assert e.args_ == {"index": 0, "value": -100_000 * SCALE, "featureBound": 100 * SCALE}
    assert trainer.predict([4.0, 4.0]) == 1
    # from_sklearn derives the bound from the training data when given it.
    X, y = np.array([[0.0, 1.0], [3.0, -2.0], [4.0, 4.0]]), [0, 0, 1]
    est = SkNearestCentroid().fit(X, y)
    assert sk.models.NearestCentroid.from_sklearn(est, y=y, X=X).feature_bound == 8 * SCALE
    assert sk.models.NearestCentroid.from_sklearn(est, y=y).feature_bound == 100 * SCALE
