"""Offline datasets: shapes, reproducible and disjoint splits, sparse rows, train-only scaling."""

from __future__ import annotations

import doctest
import importlib.util

import numpy as np
import pytest

import sumkit as sk
from sumkit import datasets

DENSE = {
    "breast_cancer": (datasets.breast_cancer, 569, 30, (0, 1)),
    "wine": (datasets.wine, 178, 13, (0, 1, 2)),
    "iris": (datasets.iris, 150, 4, (0, 1, 2)),
    "digits": (datasets.digits, 1797, 64, tuple(range(10))),
    "digits_3_vs_8": (datasets.digits_3_vs_8, 357, 64, (3, 8)),
}
SPARSE = {
    "digits_sparse": (datasets.digits_sparse, 1797, (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)),
    "digits_3_vs_8_sparse": (lambda **kw: datasets.digits_3_vs_8(sparse=True, **kw), 357, (3, 8)),
}


def test_the_module_examples_run():
    assert doctest.testmod(datasets).failed == 0


def test_sumkit_exposes_the_datasets():
    assert sk.datasets is datasets


@pytest.mark.parametrize("name", DENSE)
def test_dense_shapes_classes_and_split(name):
    load, n, d, classes = DENSE[name]
    data = load(test_size=0.25, seed=3)
    assert not data.sparse and data.n_features == d and len(data.feature_names) == d
    assert data.X_train.shape == (data.n_train, d) and data.X_test.shape == (data.n_test, d)
    assert data.n_train + data.n_test == n and data.n_test == pytest.approx(0.25 * n, abs=1)
    assert data.classes == classes and set(np.unique(data.y_train)) == set(classes) == set(np.unique(data.y_test))
    assert all(type(c) is int for c in data.classes)
    assert np.all(np.isfinite(data.X_train)) and np.all(np.isfinite(data.X_test))
    assert data.description and name in repr(data)
    assert data.dense() is data


@pytest.mark.parametrize("name", [*DENSE, *SPARSE])
def test_splits_are_disjoint_cover_everything_and_match_the_source(name):
    load = (DENSE.get(name) or SPARSE[name])[0]
    data = load(seed=5)
    train, test = set(data.train_index.tolist()), set(data.test_index.tolist())
    assert not train & test
    assert len(train) == data.n_train and len(test) == data.n_test


@pytest.mark.parametrize("name", [*DENSE, *SPARSE])
def test_a_seed_reproduces_the_split_and_another_changes_it(name):
    load = (DENSE.get(name) or SPARSE[name])[0]
    a, b, c = load(seed=7), load(seed=7), load(seed=8)
    assert np.array_equal(a.train_index, b.train_index) and np.array_equal(a.y_test, b.y_test)
    if a.sparse:
        assert a.X_train == b.X_train and a.X_test == b.X_test
    else:
        assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.train_index, c.train_index)


def test_splits_are_stratified():
    data = datasets.breast_cancer(seed=0)
    assert np.mean(data.y_train) == pytest.approx(np.mean(data.y_test), abs=0.01)


def test_the_scaler_is_fitted_on_the_train_split_only():
    raw = datasets.breast_cancer(seed=2, scale=False)
    scaled = datasets.breast_cancer(seed=2)
    assert raw.scaler is None and np.array_equal(raw.train_index, scaled.train_index)
    assert np.allclose(scaled.scaler.mean_, raw.X_train.mean(axis=0))
    assert np.allclose(scaled.scaler.scale_, raw.X_train.std(axis=0))
    assert np.allclose(scaled.X_train.mean(axis=0), 0) and np.allclose(scaled.X_train.std(axis=0), 1)
    assert np.allclose(scaled.X_test, (raw.X_test - raw.X_train.mean(axis=0)) / raw.X_train.std(axis=0))
    # the test split is NOT centred exactly: its statistics never reached the scaler
    assert not np.allclose(scaled.X_test.mean(axis=0), 0, atol=1e-6)


def test_raw_features_are_the_original_values():
    from sklearn.datasets import load_iris

    data = datasets.iris(seed=0, scale=False)
    assert np.array_equal(data.X_train, load_iris().data[data.train_index])


@pytest.mark.parametrize("name", SPARSE)
def test_sparse_rows_are_sorted_unique_and_in_range(name):
    load, n, classes = SPARSE[name]
    data = load(seed=1)
    assert data.sparse and data.n_features == 64 and data.classes == classes
    assert len(data.X_train) == data.n_train == len(data.y_train) and data.n_train + data.n_test == n
    for row in [*data.X_train, *data.X_test]:
        assert isinstance(row, list) and all(type(j) is int for j in row)
        assert row == sorted(set(row)) and all(0 <= j < data.n_features for j in row)
    assert sum(len(row) > 0 for row in data.X_train) > 0.99 * data.n_train


def test_sparse_rows_are_the_pixels_above_the_threshold():
    from sklearn.datasets import load_digits

    pixels = load_digits().data
    for threshold in (0, 8, 12):
        data = datasets.digits_sparse(seed=0, threshold=threshold)
        for row, i in zip(data.X_test[:20], data.test_index[:20]):
            assert row == [j for j in range(64) if pixels[i, j] > threshold]
    fewer = datasets.digits_sparse(seed=0, threshold=12)
    more = datasets.digits_sparse(seed=0, threshold=0)
    assert sum(map(len, fewer.X_train)) < sum(map(len, more.X_train))


def test_dense_view_of_sparse_data_is_binary_and_round_trips():
    data = datasets.digits_sparse(seed=0)
    dense = data.dense()
    assert not dense.sparse and dense.X_train.shape == (data.n_train, 64) and dense.X_test.shape == (data.n_test, 64)
    assert set(np.unique(dense.X_train)) == {0.0, 1.0}
    assert datasets.to_sparse_rows(dense.X_train) == data.X_train
    assert data.sparse  # the original is frozen and unchanged


def test_3_vs_8_has_only_two_classes_in_both_forms():
    for sparse in (False, True):
        data = datasets.digits_3_vs_8(sparse=sparse, seed=0)
        assert data.classes == (3, 8)
        assert set(data.y_train.tolist()) == {3, 8} == set(data.y_test.tolist())


def test_dense_digits_3_vs_8_fits_a_sklearn_perceptron_and_a_sumkit_mirror():
    from sklearn.linear_model import Perceptron

    data = datasets.digits_3_vs_8(seed=0)
    est = Perceptron(random_state=0).fit(data.X_train, data.y_train)
    assert est.score(data.X_test, data.y_test) > 0.9
    model = sk.models.DensePerceptron.from_sklearn(est)
    assert np.mean(model.predict_many(data.X_test) == est.predict(data.X_test)) > 0.98


def test_datasets_are_frozen():
    data = datasets.iris(seed=0)
    with pytest.raises(AttributeError):
        data.X_train = None


def test_to_binary_matrix_and_to_sparse_rows():
    assert datasets.to_binary_matrix([[1], [0, 2], []], 3).tolist() == [[0, 1, 0], [1, 0, 1], [0, 0, 0]]
    assert datasets.to_binary_matrix([], 4).shape == (0, 4)
    with pytest.raises(ValueError, match="outside range"):
        datasets.to_binary_matrix([[3]], 3)
    with pytest.raises(ValueError, match="outside range"):
        datasets.to_binary_matrix([[-1]], 3)
    with pytest.raises(ValueError, match="2-D"):
        datasets.to_sparse_rows(np.zeros(3))


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "0.3", True])
def test_bad_test_size_raises(bad):
    with pytest.raises(ValueError, match="test_size"):
        datasets.iris(test_size=bad)


@pytest.mark.parametrize("bad", [-1, 1.5, "0", None])
def test_bad_seed_raises(bad):
    with pytest.raises(ValueError, match="seed"):
        datasets.wine(seed=bad)


# -- the optional text corpus ---------------------------------------------------------------------------------

needs_tweets = pytest.mark.skipif(
    importlib.util.find_spec(datasets.TWEETS_PACKAGE) is None,
    reason=f"the optional package {datasets.TWEETS_PACKAGE} (which ships the tweets corpus) is not installed",
)


@pytest.fixture(scope="module")
def tweets():
    return datasets.tweets_bag_of_words(n_words=300, seed=0)


@needs_tweets
def test_tweets_are_sparse_word_rows_over_the_most_frequent_train_words(tweets):
    assert tweets.sparse and tweets.n_features == 300 == len(tweets.feature_names) == len(set(tweets.feature_names))
    assert tweets.classes == ("negative", "positive") and set(tweets.y_test) == {"negative", "positive"}
    assert len(tweets.X_train) == tweets.n_train > 10_000 and len(tweets.X_test) == tweets.n_test
    for row in [*tweets.X_train, *tweets.X_test]:
        assert row == sorted(set(row)) and all(0 <= j < 300 for j in row)
    # index 0 is the word in most train tweets, and counts never increase with the index
    counts = datasets.to_binary_matrix(tweets.X_train, 300).sum(axis=0)
    assert np.all(np.diff(counts) <= 0)


def test_bag_of_words_keeps_the_most_frequent_train_words_in_frequency_order():
    train = ["the cat sat", "the dog sat", "the cat ran", "a bird"]
    test = ["The CAT and the zebra", "nothing known", "sat sat sat"]
    vocabulary, rows_train, rows_test = datasets._bag_of_words(train, test, n_words=3)
    assert vocabulary == ("the", "cat", "sat")  # in 3, 2, 2 train texts: ties broken alphabetically
    assert rows_train == [[0, 1, 2], [0, 2], [0, 1], []]
    assert rows_test == [[0, 1], [], [2]]  # unseen words ("zebra") are ignored; a word counts once


@needs_tweets
def test_tweets_splits_are_disjoint_reproducible_and_have_no_duplicate_texts(tweets):
    assert not set(tweets.train_index.tolist()) & set(tweets.test_index.tolist())
    again = datasets.tweets_bag_of_words(n_words=300, seed=0)
    assert again.X_test == tweets.X_test and np.array_equal(again.y_train, tweets.y_train)


@needs_tweets
def test_tweets_vocabulary_comes_from_the_train_split_and_a_model_learns_from_it(tweets):
    from sklearn.naive_bayes import MultinomialNB

    other = datasets.tweets_bag_of_words(n_words=300, seed=1)
    assert other.feature_names != tweets.feature_names or not np.array_equal(other.train_index, tweets.train_index)
    dense = tweets.dense()
    majority = max(np.mean(dense.y_test == c) for c in tweets.classes)
    assert MultinomialNB().fit(dense.X_train, dense.y_train).score(dense.X_test, dense.y_test) > majority + 0.03


@needs_tweets
def test_tweets_three_classes():
    data = datasets.tweets_bag_of_words(n_words=50, classes=("negative", "neutral", "positive"), seed=0)
    assert data.classes == ("negative", "neutral", "positive") and set(data.y_train) == set(data.classes)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_words=0), "n_words"),
        (dict(classes=("negative",)), "classes"),
        (dict(classes=("good", "bad")), "classes"),
        (dict(min_confidence=2), "min_confidence"),
        (dict(test_size=0), "test_size"),
    ],
)
def test_tweets_bad_arguments_raise_before_reading(kwargs, match):
    with pytest.raises(ValueError, match=match):
        datasets.tweets_bag_of_words(**kwargs)
