"""SparseNearestCentroid: the Python twin of ``contracts/models/SparseNearestCentroid.sol``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .base import DeploySteps, OnChainModel, chunked, pack, plain
from .nearest_centroid import sklearn_centroid_estimator, sklearn_counts

if TYPE_CHECKING:
    from ..chain.chain import Contract

ACTIVATION_BITS = 17  # the contract stores each class's per-feature activation count in 17 bits
MAX_ACTIVATIONS = 2**ACTIVATION_BITS - 1
VALUES_PER_WORD = 15  # fifteen 17-bit counts to a storage word
COUNT_MAX = 2**32 - 1  # class counts are uint32: the contract's exact comparisons cannot overflow
FEATURES_MAX = 2**32 - 1
# Packed words per deployment transaction: each costs up to about 25,000 gas, so a full one stays under
# EIP-7825's 16,777,216-gas transaction cap (measured by tests/test_sample_bound.py).
WORDS_PER_TRANSACTION = 600


@dataclass
class SparseNearestCentroid(OnChainModel):
    """A nearest-centroid classifier over sparse binary features, bit-exact with the contract.

    A sample is the sorted list of its active feature indices. Each class keeps its count and, per feature, its
    activation count (how many of its samples had the feature active): the centroid is ``activations / count``,
    the exact running mean. Prediction is the nearest centroid in squared Euclidean distance, compared as exact
    fractions (ties go to the lowest class); an update adds 1 to the class's count and to its activation count of
    each active feature, so it touches only the active features. Activation counts are whole numbers (at most
    131,071 per class and feature), not fixed point: binary features sum to whole numbers.

    >>> from sklearn.neighbors import NearestCentroid as SkNearestCentroid
    >>> X, y = [[1, 1, 0], [1, 0, 0], [0, 0, 1]], [0, 0, 1]
    >>> model = SparseNearestCentroid.from_sklearn(SkNearestCentroid().fit(X, y), y=y)
    >>> model.counts, model.activations, model.predict([0]), model.predict([2])
    ([2, 1], [[2, 1, 0], [0, 0, 1]], 0, 1)
    """

    activations: list[list[int]]
    counts: list[int]
    classes: tuple[Any, ...] = ()
    squares: list[int] = field(init=False, repr=False)
    contract_name: ClassVar[str] = "SparseNearestCentroid"
    sparse: ClassVar[bool] = True

    def __post_init__(self) -> None:
        self.activations = [[int(v) for v in row] for row in self.activations]
        self.counts = [int(n) for n in self.counts]
        k = len(self.counts)
        if k < 2:
            raise ValueError(f"a nearest-centroid model needs at least two classes, got {k}")
        if len(self.activations) != k:
            raise ValueError(
                f"{len(self.activations)} rows of activation counts for {k} counts: give one row and one count "
                "per class"
            )
        n = len(self.activations[0])
        if n > FEATURES_MAX:
            raise ValueError(f"{n} features: the contract takes at most {FEATURES_MAX}")
        for c, row in enumerate(self.activations):
            if len(row) != n:
                raise ValueError(f"class {c} has {len(row)} activation counts but class 0 has {n}")
            bad = [i for i, v in enumerate(row) if not 0 <= v <= MAX_ACTIVATIONS]
            if bad:
                raise ValueError(
                    f"class {c}'s activation count of feature {bad[0]} is {row[bad[0]]}: it must lie in "
                    f"[0, {MAX_ACTIVATIONS}]"
                )
        for c, count in enumerate(self.counts):
            if not 1 <= count <= COUNT_MAX:
                raise ValueError(
                    f"class {c} has count {count}: counts must lie in [1, 2**32) (the centroid is activations / count)"
                )
        self.classes = tuple(plain(c) for c in self.classes) if self.classes else tuple(range(k))
        if len(self.classes) != k:
            raise ValueError(f"{len(self.classes)} classes for {k} rows of activation counts")
        self.squares = [sum(v * v for v in row) for row in self.activations]

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def from_centroids(
        cls, centroids: Sequence[Sequence[float]] | np.ndarray, counts: Sequence[int], classes: Sequence[Any] = ()
    ) -> SparseNearestCentroid:
        """A model from real-valued centroids (one row per class, values in [0, 1] for binary features) and class
        counts: each activation count is ``centroid * count`` rounded to the nearest whole number."""
        arr = np.asarray(centroids, dtype=float)
        if arr.ndim != 2:
            raise ValueError(f"centroids must be a 2-D array (one row per class); got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("centroids contain NaN or infinity")
        counts = [int(n) for n in counts]
        if len(counts) != arr.shape[0]:
            raise ValueError(f"{len(counts)} counts for {arr.shape[0]} centroids")
        rows = [[int(v) for v in np.rint(row * n)] for row, n in zip(arr, counts)]
        return cls(rows, counts, tuple(classes))

    @classmethod
    def from_sklearn(
        cls, estimator: Any, counts: Sequence[int] | None = None, y: Sequence[Any] | None = None
    ) -> SparseNearestCentroid:
        """A model from a ``sklearn.neighbors.NearestCentroid`` fitted on a binary (0/1) matrix, Euclidean metric.

        scikit-learn keeps the centroids but not how many samples each one averages, which the on-chain activation
        counts need (``activations = centroid * count``). Give either ``counts`` (one per class, in the order of
        ``classes_``; activation counts are then rounded to whole numbers) or ``y``, the training labels the
        estimator was fitted on (the counts are counted from them and the activation counts come out exact).
        """
        sklearn_centroid_estimator(estimator)
        centroids = np.asarray(estimator.centroids_, dtype=float)
        if np.any((centroids < 0) | (centroids > 1)):
            raise ValueError(
                "the estimator's centroids leave [0, 1]: fit it on a binary (0/1) matrix, e.g. "
                "sk.datasets.to_binary_matrix(rows, n_features)"
            )
        counts = sklearn_counts(estimator, counts, y)
        return cls.from_centroids(centroids, counts, tuple(estimator.classes_))

    # -- shape ---------------------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        return len(self.activations[0])

    @property
    def centroids(self) -> np.ndarray:
        """The centroids, one row per class (``activations / count``)."""
        return np.asarray(self.activations, dtype=float) / np.asarray(self.counts, dtype=float)[:, None]

    # -- the contract's arithmetic ---------------------------------------------------------------
    def squared_distances_encoded(self, x: Sequence[int]) -> tuple[list[int], list[int]]:
        """Per class, the numerator and denominator (``count**2``) of the squared distance from a sample, exactly
        as the contract's ``squaredDistances``."""
        numerators = [
            len(x) * n * n - 2 * n * sum(row[i] for i in x) + q
            for row, n, q in zip(self.activations, self.counts, self.squares)
        ]
        return numerators, [n * n for n in self.counts]

    def predict_encoded(self, x: Sequence[int]) -> int:
        """The on-chain label for an encoded sample: the nearest centroid, the lowest class on ties."""
        numerators, squares = self.squared_distances_encoded(x)
        best = 0
        for c in range(1, self.n_classes):
            if numerators[c] * squares[best] < numerators[best] * squares[c]:
                best = c
        return best

    def check_update(self, x: Sequence[int], label: int) -> None:
        """Raise ``ValueError`` if the contract's update would revert (a bad label or index, an overflow)."""
        if not 0 <= label < self.n_classes:
            raise ValueError(f"label {label} is out of range: labels are 0 to {self.n_classes - 1}")
        for position, i in enumerate(x):
            if not 0 <= i < self.n_features or (position and i <= x[position - 1]):
                raise ValueError(f"x must be strictly increasing feature indices in [0, {self.n_features}); got {x}")
        if self.counts[label] == COUNT_MAX:
            raise ValueError(f"class {label}'s count would pass 2**32 - 1")
        row = self.activations[label]
        full = [i for i in x if row[i] == MAX_ACTIVATIONS]
        if full:
            raise ValueError(
                f"class {label}'s activation count of feature {full[0]} is at its maximum {MAX_ACTIVATIONS}"
            )

    def update_encoded(self, x: Sequence[int], label: int) -> bool:
        """Add the sample to class ``label`` like the contract; always changes the model."""
        self.check_update(x, label)
        row = self.activations[label]
        for i in x:
            self.squares[label] += 2 * row[i] + 1
            row[i] += 1
        self.counts[label] += 1
        return True

    UNDOABLE = True

    def undo_encoded(self, x: Sequence[int], label: int) -> None:
        """Take back an update with ``x``: the sample leaves class ``label`` again."""
        row = self.activations[label]
        for i in x:
            row[i] -= 1
            self.squares[label] -= 2 * row[i] + 1
        self.counts[label] -= 1

    def copy(self) -> SparseNearestCentroid:
        return SparseNearestCentroid([list(row) for row in self.activations], list(self.counts), self.classes)

    # -- deployment ------------------------------------------------------------------------------
    def packed_words(self) -> list[int]:
        """The activation counts as the contract stores them: class after class, each class starting a new word,
        fifteen 17-bit counts to a word (feature ``i`` at bits ``17 * (i % 15)``)."""
        return [word for row in self.activations for word in pack(row, ACTIVATION_BITS, VALUES_PER_WORD)]

    def deploy_steps(self, trainer: str) -> DeploySteps:
        """The constructor takes the counts and up to ``WORDS_PER_TRANSACTION`` packed words; larger models send the
        rest in ``extend`` calls of as many words (each within EIP-7825's 16,777,216-gas cap), then ``finalize``."""
        first, calls = chunked(self.packed_words(), WORDS_PER_TRANSACTION)
        return (trainer, self.n_features, list(self.counts), first), calls

    def matches(self, contract: Contract) -> bool:
        """Whether the contract's activation counts, counts and sums of squares equal this mirror's."""
        return all(
            list(contract.call("activations", c)) == self.activations[c]
            and contract.call("count", c) == self.counts[c]
            and contract.call("sumOfSquares", c) == self.squares[c]
            for c in range(self.n_classes)
        )
