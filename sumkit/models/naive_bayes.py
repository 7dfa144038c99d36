"""NaiveBayes: the Python twin of ``contracts/models/NaiveBayes.sol`` (multinomial, log space, fixed point)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..plumbing.encoding import SCALE
from .base import DeploySteps, OnChainModel, chunked, plain

if TYPE_CHECKING:
    from ..chain.chain import Contract

# Packed words per deployment transaction: each costs up to about 25,000 gas, so a full one stays under
# EIP-7825's 16,777,216-gas transaction cap (measured by tests/test_sample_bound.py).
CHUNK_WORDS = 600

SLOT_BITS = 16  # storage is sixteen 16-bit slots per word: a feature count takes one slot ...
SLOTS_PER_WORD = 16
MAX_COUNT = 2**16 - 1  # ... so a feature's count in one class is at most 65,535
MAX_TOTAL = 2**32 - 1  # class counts and class totals take two slots (32 bits) each
MAX_ALPHA = 10**12  # alpha <= 1000.0 keeps count * SCALE + alpha below 2**63
GROUP = 4  # features multiplied together before one logarithm is taken

# The contract's fixed-point natural logarithm: 64 fractional bits.
ONE = 1 << 64
LN2 = 0xB17217F7D1CF79AB  # ln 2 * 2**64, rounded down
SQRT2 = 0x16A09E667F3BCC908  # sqrt 2 * 2**64, rounded down
THIRD, FIFTH, SEVENTH, NINTH = ONE // 3, ONE // 5, ONE // 7, ONE // 9


def ln_fixed(v: int) -> int:
    """``ln(v) * 2**64`` computed exactly like ``NaiveBayes.ln`` (integer only; error below about 1e-9 * 2**64).

    >>> ln_fixed(1), round(ln_fixed(10**9) / 2**64, 6)
    (0, 20.723266)
    """
    if v < 1:
        raise ValueError(f"ln_fixed needs a positive integer, got {v}")
    n = v.bit_length() - 1
    m = v << (64 - n) if n < 64 else v >> (n - 64)  # v / 2**n, in [1, 2) with 64 fractional bits
    folded = m >= SQRT2
    s = ((2 * ONE - m) << 64) // (2 * ONE + m) if folded else ((m - ONE) << 64) // (m + ONE)
    z = (s * s) >> 64
    p = SEVENTH + ((z * NINTH) >> 64)
    p = FIFTH + ((z * p) >> 64)
    p = THIRD + ((z * p) >> 64)
    p = ONE + ((z * p) >> 64)
    r = ((s * p) >> 64) << 1
    return (n + 1) * LN2 - r if folded else n * LN2 + r


@dataclass
class NaiveBayes(OnChainModel):
    """Multinomial naive Bayes over sparse binary features, in log space, bit-exact with the contract.

    A sample is the sorted list of the indices of its active features (each counts once). The predicted class
    maximises ``ln(class_counts[c]) + sum over active f of ln((feature_counts[c][f] + alpha) / (class_totals[c]
    + alpha * n_features))``, like scikit-learn's ``MultinomialNB``; logarithms are integer approximations
    (64 fractional bits, exact to about 1e-9), so no product ever underflows, however long the sample.
    ``alpha`` is fixed point (``SCALE = 10**9`` is 1.0). Learning a sample adds 1 to its class count and to the
    count of each active feature, and the number of active features to the class total. On chain a feature's
    count in one class is at most 65,535 (16 bits); class counts and totals at most 4,294,967,295.

    >>> from sklearn.naive_bayes import MultinomialNB
    >>> est = MultinomialNB().fit([[1, 1, 0], [0, 1, 1], [1, 0, 0]], ["spam", "ham", "spam"])
    >>> model = NaiveBayes.from_sklearn(est)
    >>> model.predict([0])          # only feature 0 is active
    'spam'
    """

    feature_counts: list[list[int]]
    class_counts: list[int]
    class_totals: list[int] | None = None
    alpha: int = SCALE
    classes: tuple[Any, ...] | None = None
    contract_name: ClassVar[str] = "NaiveBayes"
    sparse: ClassVar[bool] = True

    def __post_init__(self) -> None:
        self.feature_counts = [[int(v) for v in row] for row in self.feature_counts]
        n_classes = len(self.feature_counts)
        if n_classes < 2 or not self.feature_counts[0]:
            raise ValueError(f"naive Bayes needs at least 2 classes and 1 feature; got {n_classes} classes")
        if any(len(row) != len(self.feature_counts[0]) for row in self.feature_counts):
            raise ValueError("feature_counts must be a rectangle: one row of counts per class, one column per feature")
        self.class_counts = [int(v) for v in self.class_counts]
        if len(self.class_counts) != n_classes:
            raise ValueError(f"class_counts has {len(self.class_counts)} entries but there are {n_classes} classes")
        if self.class_totals is None:
            self.class_totals = [sum(row) for row in self.feature_counts]
        self.class_totals = [int(v) for v in self.class_totals]
        if len(self.class_totals) != n_classes:
            raise ValueError(f"class_totals has {len(self.class_totals)} entries but there are {n_classes} classes")
        for what, values, limit in (
            ("feature count", [v for row in self.feature_counts for v in row], MAX_COUNT),
            ("class count", self.class_counts, MAX_TOTAL),
            ("class total", self.class_totals, MAX_TOTAL),
        ):
            bad = [v for v in values if not 0 <= v <= limit]
            if bad:
                raise ValueError(
                    f"a {what} of {bad[0]} does not fit the contract's storage (0 to {limit:,}): the on-chain model "
                    f"holds up to {MAX_COUNT:,} samples with a given feature per class"
                )
        self.alpha = int(self.alpha)
        if not 1 <= self.alpha <= MAX_ALPHA:
            raise ValueError(
                f"alpha must lie in [1e-9, {MAX_ALPHA / SCALE:g}] (fixed point [1, {MAX_ALPHA}]); "
                f"got {self.alpha / SCALE:g}"
            )
        classes = tuple(range(n_classes)) if self.classes is None else tuple(plain(c) for c in self.classes)
        if len(classes) != n_classes:
            raise ValueError(f"{len(classes)} class labels given for {n_classes} classes")
        self.classes = classes

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def empty(cls, n_features: int, classes: Sequence[Any] = (0, 1), alpha: float = 1.0) -> NaiveBayes:
        """A model that has seen no data yet (it predicts ``classes[0]`` until it learns)."""
        return cls([[0] * n_features for _ in classes], [0] * len(classes), None, round(alpha * SCALE), tuple(classes))

    @classmethod
    def from_sklearn(cls, estimator: Any) -> NaiveBayes:
        """A model from a ``MultinomialNB`` fitted on a binary (0/1) matrix, column ``i`` being feature ``i``.

        Its ``feature_count_`` and ``class_count_`` become the on-chain counts, so they must be whole numbers
        with every feature count at most its class count (as binary data gives); ``fit_prior`` must be True.
        """
        from sklearn.naive_bayes import MultinomialNB

        if not isinstance(estimator, MultinomialNB):
            raise TypeError(
                "NaiveBayes.from_sklearn supports MultinomialNB (fitted on binary data), "
                f"not {type(estimator).__name__}"
                + (
                    ": BernoulliNB also scores absent features, which the on-chain model does not; fit a "
                    "MultinomialNB on the same 0/1 matrix instead"
                    if type(estimator).__name__ == "BernoulliNB"
                    else ""
                )
            )
        if not hasattr(estimator, "feature_count_"):
            raise ValueError("the estimator is not fitted yet: call fit(X, y) first")
        if not estimator.fit_prior or estimator.class_prior is not None:
            raise ValueError(
                "the on-chain model learns its class prior from the class counts: use MultinomialNB(fit_prior=True) "
                "without class_prior"
            )
        alpha = np.asarray(estimator.alpha, dtype=float)
        if alpha.ndim != 0:
            raise ValueError("the on-chain model has one alpha for all features; this estimator has one per feature")
        feature_count = np.asarray(estimator.feature_count_, dtype=float)
        class_count = np.asarray(estimator.class_count_, dtype=float)
        if not (np.all(feature_count == np.round(feature_count)) and np.all(class_count == np.round(class_count))):
            raise ValueError(
                "the estimator's counts are not whole numbers: it was fitted on non-integer data or with "
                "sample_weight; fit it on a binary 0/1 matrix (e.g. X > 0) without weights"
            )
        if np.any(feature_count > class_count[:, None]):
            raise ValueError(
                "a feature count exceeds its class count, so the estimator was fitted on non-binary data (counts "
                "above 1); the on-chain model counts each active feature once: fit it on (X > 0).astype(int)"
            )
        return cls(
            feature_count.astype(np.int64).tolist(),
            class_count.astype(np.int64).tolist(),
            feature_count.sum(axis=1).astype(np.int64).tolist(),
            round(float(alpha) * SCALE),
            tuple(estimator.classes_),
        )

    @property
    def n_features(self) -> int:
        return len(self.feature_counts[0])

    # -- the contract's arithmetic ---------------------------------------------------------------
    def log_scores_encoded(self, x: Sequence[int]) -> list[int | None]:
        """Each class's log score (64 fractional bits), exactly as ``NaiveBayes.logScores``; None for a class
        with no samples (the contract returns ``NO_SAMPLES``)."""
        k, a, n = len(x), self.alpha, self.n_features
        scores: list[int | None] = []
        for counts, samples, total in zip(self.feature_counts, self.class_counts, self.class_totals):
            if samples == 0:
                scores.append(None)
                continue
            score = ln_fixed(samples) - k * ln_fixed(total * SCALE + a * n)
            for start in range(0, k, GROUP):
                product = 1
                for f in x[start : start + GROUP]:
                    product *= counts[f] * SCALE + a
                score += ln_fixed(product)
            scores.append(score)
        return scores

    def predict_encoded(self, x: Sequence[int]) -> int:
        """The on-chain label: the class with the largest score, the lowest on a tie, 0 if none has samples."""
        best, label = None, 0
        for c, score in enumerate(self.log_scores_encoded(x)):
            if score is not None and (best is None or score > best):
                best, label = score, c
        return label

    def check_update(self, x: Sequence[int], label: int) -> None:
        """Raise ``ValueError`` if the contract's update would revert (a label out of range, a count overflow)."""
        if not 0 <= label < self.n_classes:
            raise ValueError(f"label {label} is out of range: this model's labels are 0 to {self.n_classes - 1}")
        if self.class_counts[label] >= MAX_TOTAL or self.class_totals[label] + len(x) > MAX_TOTAL:
            raise ValueError(f"class {self.classes[label]!r} has reached the contract's 32-bit count limit")
        for f in x:
            if self.feature_counts[label][f] >= MAX_COUNT:
                raise ValueError(
                    f"feature {f} of class {self.classes[label]!r} has reached the contract's limit of {MAX_COUNT:,}"
                )

    def update_encoded(self, x: Sequence[int], label: int) -> bool:
        """Learn from an encoded sample like the contract (always changes the counts); returns True."""
        self.check_update(x, label)
        self.class_counts[label] += 1
        self.class_totals[label] += len(x)
        row = self.feature_counts[label]
        for f in x:
            row[f] += 1
        return True

    UNDOABLE = True

    def undo_encoded(self, x: Sequence[int], label: int) -> None:
        """Take back an update with ``x``: its counts come off again."""
        self.class_counts[label] -= 1
        self.class_totals[label] -= len(x)
        row = self.feature_counts[label]
        for f in x:
            row[f] -= 1

    def copy(self) -> NaiveBayes:
        return NaiveBayes(
            [list(row) for row in self.feature_counts],
            list(self.class_counts),
            list(self.class_totals),
            self.alpha,
            self.classes,
        )

    # -- deployment ------------------------------------------------------------------------------
    def packed_words(self) -> list[int]:
        """The contract's storage words, sixteen 16-bit slots each: per class its count (slots ``4c``, ``4c + 1``)
        and total (``4c + 2``, ``4c + 3``), then per feature the counts of every class (slot ``4C + f * C + c``)."""
        n_classes = self.n_classes
        bits = 0
        for c in range(n_classes):
            bits |= (self.class_counts[c] | self.class_totals[c] << 32) << (64 * c)
        offset = 4 * n_classes
        for f in range(self.n_features):
            for c in range(n_classes):
                bits |= self.feature_counts[c][f] << (SLOT_BITS * (offset + f * n_classes + c))
        n_words = -(-(offset + self.n_features * n_classes) // SLOTS_PER_WORD)
        mask = (1 << 256) - 1
        return [(bits >> (256 * w)) & mask for w in range(n_words)]

    def deploy_steps(self, trainer: str) -> DeploySteps:
        """The constructor takes up to 1,000 packed words (16,000 counts); bigger models get ``extend`` calls of
        1,000 words each, then ``finalize``."""
        head, calls = chunked(self.packed_words(), CHUNK_WORDS)
        return (trainer, self.n_features, self.n_classes, self.alpha, head), calls

    def matches(self, contract: Contract) -> bool:
        """Whether the contract's counts, class counts, class totals and alpha equal this mirror's."""
        return contract.call("alpha") == self.alpha and all(
            list(contract.call("counts", c)) == self.feature_counts[c]
            and contract.call("classCount", c) == self.class_counts[c]
            and contract.call("classTotal", c) == self.class_totals[c]
            for c in range(self.n_classes)
        )
