"""What every Python mirror of an on-chain model shares: labels, encoding, and the deployment protocol.

A mirror does the contract's integer arithmetic in Python. Subclasses implement the arithmetic
(``predict_encoded``, ``check_update``, ``update_encoded``), ``copy``, ``deploy_steps`` and ``matches``;
this base turns real-valued samples and class labels into what the contract expects and back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..plumbing.encoding import dense_sample, sparse_sample

if TYPE_CHECKING:
    from ..chain.chain import Contract

# One deployment: the constructor's arguments, then the setup calls the deployer sends in order
# (for a model too big for one transaction: chunks of parameters, then "finalize").
DeploySteps = tuple[tuple[Any, ...], list[tuple[str, tuple[Any, ...]]]]


def pack(values: Sequence[int], bits: int, per_word: int) -> list[int]:
    """Pack integers (two's complement, ``bits`` each) into 256-bit storage words, ``per_word`` to a word: the
    value at position ``p`` goes to word ``p // per_word``, at bits ``bits * (p % per_word)``.

    >>> pack([1, -1, 2], 8, 2) == [0xFF01, 0x02]
    True
    """
    mask = (1 << bits) - 1
    words = [0] * -(-len(values) // per_word)
    for p, v in enumerate(values):
        words[p // per_word] |= (int(v) & mask) << (bits * (p % per_word))
    return words


def chunked(words: list[int], chunk: int) -> tuple[list[int], list[tuple[str, tuple[Any, ...]]]]:
    """The words a model's constructor takes (the first ``chunk``) and its setup calls: ``extend(first, words)``
    per further chunk, then ``finalize``. A model whose words all fit the constructor needs no setup call (its
    constructor finalizes it)."""
    calls: list[tuple[str, tuple[Any, ...]]] = [
        ("extend", (start, words[start : start + chunk])) for start in range(chunk, len(words), chunk)
    ]
    if calls:
        calls.append(("finalize", ()))
    return words[:chunk], calls


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (labels compare and print plainly)."""
    return value.item() if hasattr(value, "item") else value


class OnChainModel:
    """Base of the Python mirrors of the on-chain models.

    ``classes`` holds the class labels: on-chain label ``i`` means ``classes[i]``. A dense model takes a
    sample as a 1-D float vector; a sparse one (``sparse = True``) as the sorted indices of its active
    binary features.
    """

    contract_name: ClassVar[str]
    sparse: ClassVar[bool] = False
    classes: tuple[Any, ...]

    @property
    def n_features(self) -> int:
        raise NotImplementedError

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    # -- samples and labels --------------------------------------------------------------------
    def encode(self, x: Sequence[float] | Sequence[int] | np.ndarray) -> list[int]:
        """Validate one sample and encode it as the contract expects (``ValueError`` if it is invalid)."""
        return sparse_sample(x, self.n_features) if self.sparse else dense_sample(x, self.n_features)

    def encode_label(self, y: Any) -> int:
        """The on-chain label of class ``y``; ``ValueError`` if ``y`` is not a class of this model."""
        y = plain(y)
        if isinstance(y, float) and not np.isfinite(y):
            raise ValueError(f"label {y} is not a class of this model {list(self.classes)}")
        for index, c in enumerate(self.classes):
            if c == y:
                return index
        raise ValueError(f"label {y!r} is not a class of this model: choose one of {list(self.classes)}")

    def decode_label(self, label: int) -> Any:
        """The class of on-chain label ``label``."""
        return self.classes[int(label)]

    # -- the contract's arithmetic (each model implements these) ----------------------------------
    def predict_encoded(self, x: Sequence[int]) -> int:
        """The on-chain label the contract predicts for an encoded sample."""
        raise NotImplementedError

    def predict_encoded_many(self, rows: Sequence[Sequence[int]]) -> np.ndarray:
        """The on-chain labels of many encoded samples (models with a faster exact way override this)."""
        return np.fromiter((self.predict_encoded(x) for x in rows), dtype=np.int64, count=len(rows))

    def check_update(self, x: Sequence[int], label: int) -> None:
        """Raise ``ValueError`` if the contract's update with this encoded sample would revert."""
        raise NotImplementedError

    def update_encoded(self, x: Sequence[int], label: int) -> bool:
        """Learn from an encoded sample exactly like the contract; returns whether parameters changed."""
        raise NotImplementedError

    # Whether :meth:`undo_encoded` can take an update back: true for models whose update adds a step that depends on
    # the sample alone; a NearestCentroid's moves toward the sample round, so its past values cannot be recovered.
    UNDOABLE = False

    def undo_encoded(self, x: Sequence[int], label: int) -> None:
        """Take back an update with this encoded sample that changed the model (the model as it was before it).
        Used to rebuild a trainer's initial model from its current one and its events, on a chain that keeps no
        past state."""
        raise NotImplementedError(f"a {type(self).__name__}'s updates cannot be undone")

    def copy(self) -> OnChainModel:
        raise NotImplementedError

    def deploy_steps(self, trainer: str) -> DeploySteps:
        """The constructor's arguments for a deployment owned by ``trainer``, then the setup calls."""
        raise NotImplementedError

    def matches(self, contract: Contract) -> bool:
        """Whether ``contract``'s parameters, read from the chain, equal this mirror's."""
        raise NotImplementedError

    # -- real-valued convenience -----------------------------------------------------------------
    def predict(self, x: Sequence[float] | Sequence[int] | np.ndarray) -> Any:
        """The class predicted for one sample."""
        return self.decode_label(self.predict_encoded(self.encode(x)))

    def predict_many(self, X: Any) -> np.ndarray:
        """The classes predicted for each sample of ``X`` (rows of a matrix, or index lists if sparse)."""
        return np.asarray([self.predict(row) for row in rows_of(X, self.sparse)])

    def update(self, x: Sequence[float] | Sequence[int] | np.ndarray, y: Any) -> bool:
        """Learn from one sample and its class like the contract; returns whether the model changed."""
        encoded, label = self.encode(x), self.encode_label(y)
        self.check_update(encoded, label)
        return self.update_encoded(encoded, label)


def rows_of(X: Any, sparse: bool) -> list[Any]:
    """The samples of ``X``: rows of a float matrix for dense models, the index lists as given for sparse ones."""
    if sparse:
        return list(X)
    arr = np.asarray(X, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"X must be a 2-D array (one row per sample); got shape {arr.shape}")
    return list(arr)
