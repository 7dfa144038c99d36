"""NearestCentroid: the Python twin of ``contracts/models/NearestCentroid.sol``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..plumbing.encoding import DEFAULT_FEATURE_BOUND, SCALE, check_feature_bound, check_int, encode_feature_bound, to_fixed, trunc_div
from .base import DeploySteps, OnChainModel, pack, plain

if TYPE_CHECKING:
    from ..chain.chain import Contract

COUNT_MAX = 2**64 - 1  # the contract stores each class's count as a uint64
VALUES_PER_WORD = 4  # centroid values (int64) and counts (uint64) share storage words, four to a word
# Packed words per deployment transaction: each costs up to about 25,000 gas, so a full one stays under
# EIP-7825's 16,777,216-gas transaction cap (measured by tests/test_sample_bound.py).
MAX_WORDS_PER_DEPLOY = 600


def class_counts(classes: Sequence[Any], y: Sequence[Any]) -> list[int]:
    """How many labels of ``y`` fall in each of ``classes`` (``ValueError`` for a label that is none of them)."""
    y = np.asarray(y)
    values, counts = np.unique(y, return_counts=True)
    found = {plain(v): int(n) for v, n in zip(values, counts)}
    unknown = [v for v in found if v not in list(classes)]
    if unknown:
        raise ValueError(f"y holds labels {unknown} that are not classes of the estimator {list(classes)}")
    return [found.get(plain(c), 0) for c in classes]


def sklearn_centroid_estimator(estimator: Any) -> None:
    """Check that ``estimator`` is a fitted Euclidean ``sklearn.neighbors.NearestCentroid``."""
    from sklearn.neighbors import NearestCentroid as SkNearestCentroid

    if not isinstance(estimator, SkNearestCentroid):
        raise TypeError(
            f"from_sklearn supports sklearn.neighbors.NearestCentroid only, got {type(estimator).__name__}"
        )
    if not hasattr(estimator, "centroids_"):
        raise ValueError("the estimator is not fitted yet: call fit(X, y) first")
    if estimator.metric != "euclidean":
        raise ValueError(
            f'the on-chain model measures Euclidean distance: use metric="euclidean", not {estimator.metric!r}'
        )
    if getattr(estimator, "priors", "uniform") != "uniform":
        raise ValueError('the on-chain model has no class priors: use priors="uniform" (the default)')


def sklearn_counts(estimator: Any, counts: Sequence[int] | None, y: Sequence[Any] | None) -> list[int]:
    """The class counts for :meth:`from_sklearn`: ``counts`` if given, else counted from the training labels ``y``."""
    if counts is not None and y is not None:
        raise ValueError("give counts or y, not both")
    if counts is None and y is None:
        raise ValueError(
            "scikit-learn does not store how many samples each centroid averages: pass the training labels "
            "(from_sklearn(est, y=y_train)) or the counts per class (from_sklearn(est, counts=[...]))"
        )
    if y is not None:
        counts = class_counts(estimator.classes_, y)
    counts = [int(n) for n in counts]
    if len(counts) != len(estimator.classes_):
        raise ValueError(f"counts has {len(counts)} entries but the estimator has {len(estimator.classes_)} classes")
    return counts


@dataclass
class NearestCentroid(OnChainModel):
    """A nearest-centroid classifier in fixed point, bit-exact with the contract.

    Predicts the class whose centroid is nearest to the sample in squared Euclidean distance (ties go to the
    lowest class). Each sample added updates its class: ``centroid += (x - centroid) // (count + 1)`` per
    feature, the division rounding toward zero like Solidity, then ``count += 1``. Centroids are ``int64``
    fixed point (they stay between old values and samples, so they never overflow); counts are ``uint64``.
    ``feature_bound`` (fixed point, default ``DEFAULT_FEATURE_BOUND`` = 100.0) is fixed at deployment: the model
    learns only from samples whose every value lies within it (the contract reverts with ``FeatureOutOfRange``).

    >>> from sklearn.neighbors import NearestCentroid as SkNearestCentroid
    >>> X, y = [[0.0, 0.0], [0.0, 1.0], [4.0, 4.0]], ["a", "a", "b"]
    >>> model = NearestCentroid.from_sklearn(SkNearestCentroid().fit(X, y), y=y)
    >>> model.counts, model.predict([3.0, 3.0])
    ([2, 1], 'b')
    """

    centroids: list[list[int]]
    counts: list[int]
    classes: tuple[Any, ...] = ()
    feature_bound: int = int(DEFAULT_FEATURE_BOUND * SCALE)
    contract_name: ClassVar[str] = "NearestCentroid"

    def __post_init__(self) -> None:
        self.centroids = [[int(v) for v in row] for row in self.centroids]
        self.counts = [int(n) for n in self.counts]
        k = len(self.counts)
        if k < 2:
            raise ValueError(f"a nearest-centroid model needs at least two classes, got {k}")
        if len(self.centroids) != k:
            raise ValueError(
                f"{len(self.centroids)} centroids for {k} counts: give one centroid and one count per class"
            )
        n = len(self.centroids[0])
        for c, row in enumerate(self.centroids):
            if len(row) != n:
                raise ValueError(f"centroid {c} has {len(row)} values but centroid 0 has {n}")
            for j, v in enumerate(row):
                check_int(v, 64, what=f"centroid {c} value {j}")
        for c, count in enumerate(self.counts):
            if not 0 <= count <= COUNT_MAX:
                raise ValueError(f"count {c} is {count}: counts must lie in [0, 2**64)")
        self.classes = tuple(plain(c) for c in self.classes) if self.classes else tuple(range(k))
        if len(self.classes) != k:
            raise ValueError(f"{len(self.classes)} classes for {k} centroids")
        self.feature_bound = check_int(int(self.feature_bound), 64, what="feature_bound")
        if self.feature_bound <= 0:
            raise ValueError(f"feature_bound must be positive (fixed point {self.feature_bound} given)")

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def from_floats(
        cls, centroids: Sequence[Sequence[float]] | np.ndarray, counts: Sequence[int], classes: Sequence[Any] = (),
        *, feature_bound: float | None = None,
    ) -> NearestCentroid:
        """A model from real-valued centroids (one row per class, encoded to fixed point) and class counts;
        ``feature_bound`` in real units (default ``DEFAULT_FEATURE_BOUND``)."""
        arr = np.asarray(centroids, dtype=float)
        if arr.ndim != 2:
            raise ValueError(f"centroids must be a 2-D array (one row per class); got shape {arr.shape}")
        rows = [to_fixed(row, what=f"centroid {c}") for c, row in enumerate(arr)]
        return cls(rows, list(counts), tuple(classes), encode_feature_bound(feature_bound))

    @classmethod
    def from_sklearn(
        cls, estimator: Any, counts: Sequence[int] | None = None, y: Sequence[Any] | None = None, *,
        feature_bound: float | None = None, X: Any = None,
    ) -> NearestCentroid:
        """A model from a fitted ``sklearn.neighbors.NearestCentroid`` (Euclidean metric).

        scikit-learn keeps the centroids (``centroids_``) but not how many samples each one averages, which
        sets how fast it moves on chain. Give either ``counts`` (one per class, in the order of ``classes_``)
        or ``y``, the training labels the estimator was fitted on (the counts are then counted from them).
        The feature bound is ``feature_bound`` (real units) if given, else twice the largest magnitude in the
        training data ``X`` if given, else ``DEFAULT_FEATURE_BOUND``.
        """
        sklearn_centroid_estimator(estimator)
        counts = sklearn_counts(estimator, counts, y)
        model = cls.from_floats(estimator.centroids_, counts, tuple(estimator.classes_))
        model.feature_bound = encode_feature_bound(feature_bound, X)
        return model

    # -- shape ---------------------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        return len(self.centroids[0])

    # -- the contract's arithmetic ---------------------------------------------------------------
    def squared_distances_encoded(self, x: Sequence[int]) -> list[int]:
        """The squared distance from an encoded sample to each centroid, at scale ``SCALE**2``, exactly as the
        contract's ``squaredDistances``."""
        return [sum((v - c) ** 2 for v, c in zip(x, row)) for row in self.centroids]

    def predict_encoded(self, x: Sequence[int]) -> int:
        """The on-chain label for an encoded sample: the nearest centroid, the lowest class on ties."""
        distances = self.squared_distances_encoded(x)
        return distances.index(min(distances))

    def check_update(self, x: Sequence[int], label: int) -> None:
        """Raise ``ValueError`` if the contract's update would revert (a wrong shape or label, a value beyond the
        feature bound)."""
        if len(x) != self.n_features:
            raise ValueError(f"x has {len(x)} features but the model expects {self.n_features}")
        check_feature_bound(x, self.feature_bound)
        if not 0 <= label < self.n_classes:
            raise ValueError(f"label {label} is out of range: labels are 0 to {self.n_classes - 1}")
        if self.counts[label] == COUNT_MAX:
            raise ValueError(f"class {label}'s count would overflow its uint64")

    def update_encoded(self, x: Sequence[int], label: int) -> bool:
        """Move centroid ``label`` towards an encoded sample like the contract; always changes the model."""
        self.check_update(x, label)
        divisor = self.counts[label] + 1
        self.centroids[label] = [c + trunc_div(v - c, divisor) for v, c in zip(x, self.centroids[label])]
        self.counts[label] = divisor
        return True

    def copy(self) -> NearestCentroid:
        return NearestCentroid([list(row) for row in self.centroids], list(self.counts), self.classes,
                               self.feature_bound)

    def packed_words(self) -> list[int]:
        """The values as the contract stores them, four 64-bit values to a word (value ``v`` at bits
        ``64 * (v % 4)`` of word ``v // 4``): the centroids class after class, then the counts."""
        values = [v for row in self.centroids for v in row] + list(self.counts)
        return pack(values, 64, VALUES_PER_WORD)

    def deploy_steps(self, trainer: str) -> DeploySteps:
        """One transaction: the constructor takes every centroid and count, packed (no setup calls)."""
        words = self.packed_words()
        if len(words) > MAX_WORDS_PER_DEPLOY:
            raise ValueError(
                f"{self.n_classes} classes x {self.n_features} features need {len(words)} storage words: more than "
                f"one transaction can write (at most {MAX_WORDS_PER_DEPLOY}); reduce the features (e.g. with PCA)"
            )
        return (trainer, self.n_features, self.n_classes, words, self.feature_bound), []

    def matches(self, contract: Contract) -> bool:
        """Whether the contract's centroids, counts and feature bound equal this mirror's."""
        return contract.call("featureBound") == self.feature_bound and all(
            list(contract.call("centroid", c)) == self.centroids[c] and contract.call("count", c) == self.counts[c]
            for c in range(self.n_classes)
        )
