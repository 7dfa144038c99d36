"""SparsePerceptron: the Python twin of ``contracts/models/SparsePerceptron.sol``."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import DeploySteps, chunked, pack
from .perceptron import PerceptronBase

PARAMETER_BITS = 41  # the contract's intercept and weights are 41-bit signed integers ...
FIELD_BITS = 42  # ... each stored plus OFFSET in a 42-bit field whose top (guard) bit stays 0 ...
OFFSET = 2 ** (PARAMETER_BITS - 1)
PARAMS_PER_WORD = 6  # ... six fields to a storage word, the intercept first
# Packed words per deployment transaction: each costs up to about 25,000 gas, so a full one stays under
# EIP-7825's 16,777,216-gas transaction cap (measured by tests/test_sample_bound.py).
CHUNK_WORDS = 600


def _flatten(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse samples as numpy arrays: each one's length, all their indices one after the other, where each starts."""
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum()))
    return lengths, flat, np.cumsum(lengths) - lengths


_FLAT: dict[int, tuple[Sequence[Sequence[int]], tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}


def _flattened(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_flatten`, remembered for the last few tuples of tuples (immutable, so the same object always holds
    the same samples: a test set scored again and again is flattened once)."""
    known = _FLAT.get(id(rows))
    if known is not None and known[0] is rows:  # the entry keeps its rows alive, so their id is not reused
        return known[1]
    flat = _flatten(rows)
    if isinstance(rows, tuple) and all(isinstance(r, tuple) for r in rows):
        if len(_FLAT) >= 4:
            _FLAT.pop(next(iter(_FLAT)))
        _FLAT[id(rows)] = (rows, flat)
    return flat


@dataclass
class SparsePerceptron(PerceptronBase):
    """A binary perceptron over sparse binary features, in fixed point, bit-exact with the contract.

    A sample is the sorted list of the indices of its active features. Predicts ``classes[1]`` when
    ``intercept + sum(weights[i] for active i) > 0``, else ``classes[0]``; on a wrong prediction adds
    ``+-learning_rate`` to the intercept and to the weight of every active feature. Parameters are fixed point
    (``SCALE = 10**9``) of 41 bits on chain: about +-1,099 in real units.

    >>> from sklearn.linear_model import Perceptron
    >>> est = Perceptron().fit([[0, 1, 1], [1, 0, 0], [1, 1, 0]], [0, 1, 1])
    >>> model = SparsePerceptron.from_sklearn(est)
    >>> model.predict([0])          # only feature 0 is active
    1
    """

    contract_name: ClassVar[str] = "SparsePerceptron"
    sparse: ClassVar[bool] = True
    PARAMETER_BITS: ClassVar[int] = PARAMETER_BITS
    MAX_LEARNING_RATE: ClassVar[int] = 2 ** (PARAMETER_BITS - 1) - 1  # the contract's largest parameter

    def score_encoded(self, x: Sequence[int]) -> int:
        """The decision value, fixed point, exactly as ``SparsePerceptron.score``."""
        return self.intercept + sum(self.weights[i] for i in x)

    def predict_encoded_many(self, rows: Sequence[Sequence[int]]) -> np.ndarray:
        """The on-chain labels of many encoded samples, computed with numpy (exactly). A tuple of tuples (a test
        set scored again and again) is flattened once."""
        lengths, flat, starts = _flattened(rows)
        # Prefix sums: a sample's sum is the difference of two of them. int64 wraps around on overflow, and a
        # difference of wrapped prefix sums is still exact when the true sum fits (it does: 41-bit parameters).
        prefix = np.concatenate(([0], np.cumsum(np.asarray(self.weights, dtype=np.int64)[flat])))
        sums = prefix[starts + lengths] - prefix[starts]
        return (sums + self.intercept > 0).astype(np.int64)

    def steps(self, x: Sequence[int], step: int) -> dict[int, int]:
        """Each active feature's weight moves by ``step``."""
        return dict.fromkeys(x, step)

    # -- deployment ------------------------------------------------------------------------------
    def packed_words(self) -> list[int]:
        """The contract's storage words: the intercept then the weights, six per word, each stored as
        ``value + OFFSET`` in a 42-bit field (offset binary, so the guard bit above its 41 bits is 0)."""
        return pack([v + OFFSET for v in (self.intercept, *self.weights)], FIELD_BITS, PARAMS_PER_WORD)

    def deploy_steps(self, trainer: str) -> DeploySteps:
        """The constructor takes up to ``CHUNK_WORDS`` packed words (six parameters each); bigger models get
        ``extend`` calls of ``CHUNK_WORDS`` words each, then ``finalize``."""
        head, calls = chunked(self.packed_words(), CHUNK_WORDS)
        return (trainer, self.n_features, self.learning_rate, head), calls
