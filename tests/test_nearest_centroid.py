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
from sumkit.encoding import SCALE

INT64 = st.integers(-(2**63), 2**63 - 1)
values = st.integers(-(2**40), 2**40)  # up to ~1,100 in real units
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def deploy_bare(chain: sk.Chain, model) -> sk.chain.Contract:
    """The model contract alone, owned by chain.owner (as its trainer), so tests can call update directly."""
    ctor_args, setup_calls = model.deploy_steps(chain.owner)
    contract = chain.deploy(model.contract_name, *ctor_args)
    for fn, args in setup_calls:
        contract.transact(fn, *args, sender=chain.owner)
    return contract


# -- dense: chain == mirror -------------------------------------------------------------------------------------


@st.composite
def dense_models(draw, elements=values, max_features: int = 9):
    k = draw(st.integers(2, 4))
    n = draw(st.integers(1, max_features))
    centroids = [draw(st.lists(elements, min_size=n, max_size=n)) for _ in range(k)]
    counts = draw(st.lists(st.integers(0, 50), min_size=k, max_size=k))
    return sk.models.NearestCentroid(centroids, counts)


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
        distances = [model.squared_distance_encoded(x, c) for c in range(model.n_classes)]
        assert contract.call("squaredDistances", x) == distances
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
    with pytest.raises(sk.Reverted) as e:
        chain.deploy("NearestCentroid", chain.owner, 2, [1, 2, 3], [1, 1])
    assert e.value.error == "InvalidModelShape" and e.value.hint
    trainer = sk.deploy(chain, model)
    with pytest.raises(ValueError, match="not a class"):
        trainer.add_data([0.0, 1.0], "c", sender=chain.alice)
    assert trainer.predict([0.1, 0.9]) == "a" and SCALE == 10**9
