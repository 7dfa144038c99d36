"""SparsePerceptron: the Python twin of ``contracts/models/SparsePerceptron.sol``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..encoding import SCALE, check_int, to_fixed
from .base import DeploySteps, OnChainModel, plain

if TYPE_CHECKING:
    from ..chain import Contract

PARAMETER_BITS = 42  # the contract stores intercept and weights as 42-bit signed integers ...
PARAMS_PER_WORD = 6  # ... six to a storage word, the intercept first
CHUNK_WORDS = 1000  # packed words per deployment transaction (about 23M gas, under the 30M limit)


def pack(values: Sequence[int], bits: int, per_word: int) -> list[int]:
    """Pack integers (two's complement, ``bits`` each) into 256-bit words, ``per_word`` to a word, the
    value at position ``p`` in word ``p // per_word`` at bits ``bits * (p % per_word)``."""
    mask = (1 << bits) - 1
    words = [0] * -(-len(values) // per_word)
    for p, v in enumerate(values):
        words[p // per_word] |= (int(v) & mask) << (bits * (p % per_word))
    return words


def chunked(
    words: list[int], first_chunk: int = CHUNK_WORDS, chunk: int = CHUNK_WORDS
) -> tuple[list[int], list[tuple[str, tuple[Any, ...]]]]:
    """The constructor's words and the setup calls (``extend`` per chunk, then ``finalize``) for packed ``words``.

    A model whose words all fit the constructor needs no setup call: its constructor finalizes it.
    """
    head, calls = words[:first_chunk], []
    for start in range(first_chunk, len(words), chunk):
        calls.append(("extend", (start, words[start : start + chunk])))
    if calls:
        calls.append(("finalize", ()))
    return head, calls


@dataclass
class SparsePerceptron(OnChainModel):
    """A binary perceptron over sparse binary features, in fixed point, bit-exact with the contract.

    A sample is the sorted list of the indices of its active features. Predicts ``classes[1]`` when
    ``intercept + sum(weights[i] for active i) > 0``, else ``classes[0]``; on a wrong prediction adds
    ``+-learning_rate`` to the intercept and to the weight of every active feature. Parameters are fixed point
    (``SCALE = 10**9``) stored on chain in 42 bits: about +-2,199 in real units.

    >>> from sklearn.linear_model import Perceptron
    >>> est = Perceptron().fit([[0, 1, 1], [1, 0, 0], [1, 1, 0]], [0, 1, 1])
    >>> model = SparsePerceptron.from_sklearn(est)
    >>> model.predict([0])          # only feature 0 is active
    1
    """

    weights: list[int]
    intercept: int = 0
    learning_rate: int = SCALE
    classes: tuple[Any, ...] = (0, 1)
    contract_name: ClassVar[str] = "SparsePerceptron"
    sparse: ClassVar[bool] = True

    def __post_init__(self) -> None:
        self.weights = [check_int(int(w), PARAMETER_BITS, what=f"weight {i}") for i, w in enumerate(self.weights)]
        self.intercept = check_int(int(self.intercept), PARAMETER_BITS, what="intercept")
        self.learning_rate = int(self.learning_rate)
        if not 0 < self.learning_rate < 2 ** (PARAMETER_BITS - 1):
            raise ValueError(
                f"the learning rate must be positive and below {2 ** (PARAMETER_BITS - 1) / SCALE:,.0f} "
                f"(fixed point {self.learning_rate} given)"
            )
        if len(self.classes) != 2:
            raise ValueError(f"a perceptron separates exactly two classes, got {len(self.classes)}")
        self.classes = tuple(plain(c) for c in self.classes)

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def from_floats(
        cls,
        weights: Sequence[float],
        intercept: float = 0.0,
        learning_rate: float = 1.0,
        classes: Sequence[Any] = (0, 1),
    ) -> SparsePerceptron:
        """A model from real-valued parameters (encoded to fixed point)."""
        (b,) = to_fixed([intercept], what="intercept")
        (lr,) = to_fixed([learning_rate], what="learning rate")
        return cls(to_fixed(weights, what="weights"), b, lr, tuple(classes))

    @classmethod
    def from_sklearn(cls, estimator: Any, learning_rate: float | None = None) -> SparsePerceptron:
        """A model from a ``Perceptron`` or ``SGDClassifier(loss="perceptron")`` fitted on a binary (0/1) matrix.

        Column ``i`` of that matrix is feature ``i``. The on-chain learning rate is ``learning_rate`` if given,
        else the estimator's ``eta0`` when its schedule is constant (always for ``Perceptron``), else 1.0.
        """
        from sklearn.linear_model import Perceptron, SGDClassifier

        if not isinstance(estimator, (Perceptron, SGDClassifier)):
            raise TypeError(
                f"SparsePerceptron.from_sklearn supports Perceptron and SGDClassifier(loss='perceptron'), "
                f"not {type(estimator).__name__}"
            )
        if isinstance(estimator, SGDClassifier) and estimator.loss != "perceptron":
            raise ValueError(f'the SGDClassifier must use loss="perceptron", not {estimator.loss!r}')
        if not hasattr(estimator, "coef_"):
            raise ValueError("the estimator is not fitted yet: call fit(X, y) first")
        if estimator.coef_.shape[0] != 1:
            raise ValueError(f"SparsePerceptron is binary; this estimator has {len(estimator.classes_)} classes")
        if learning_rate is None:
            constant = isinstance(estimator, Perceptron) or estimator.learning_rate == "constant"
            learning_rate = float(estimator.eta0) if constant else 1.0
        coef = estimator.coef_
        coef = coef.toarray() if hasattr(coef, "toarray") else coef
        return cls.from_floats(coef[0], float(estimator.intercept_[0]), learning_rate, tuple(estimator.classes_))

    @property
    def n_features(self) -> int:
        return len(self.weights)

    # -- the contract's arithmetic ---------------------------------------------------------------
    def score_encoded(self, x: Sequence[int]) -> int:
        """The decision value, fixed point, exactly as ``SparsePerceptron.score``."""
        return self.intercept + sum(self.weights[i] for i in x)

    def predict_encoded(self, x: Sequence[int]) -> int:
        """The on-chain label for an encoded sample."""
        return 1 if self.score_encoded(x) > 0 else 0

    def updated(self, x: Sequence[int], label: int) -> tuple[dict[int, int], int] | None:
        """The new weights of the active features and the new intercept after learning from an encoded sample,
        or None if the model would not change. ``ValueError`` when the contract would revert (a label other
        than 0 or 1, a parameter leaving its 42-bit range)."""
        if label not in (0, 1):
            raise ValueError(f"label {label} is out of range: perceptron labels are 0 and 1")
        if self.predict_encoded(x) == label:
            return None
        step = self.learning_rate if label == 1 else -self.learning_rate
        intercept = check_int(self.intercept + step, PARAMETER_BITS, what="updated intercept")
        weights = {i: check_int(self.weights[i] + step, PARAMETER_BITS, what=f"updated weight {i}") for i in x}
        return weights, intercept

    def check_update(self, x: Sequence[int], label: int) -> None:
        """Raise ``ValueError`` if the contract's update would revert (a label out of range, an overflow)."""
        self.updated(x, label)

    def update_encoded(self, x: Sequence[int], label: int) -> bool:
        """Learn from an encoded sample like the contract; returns whether the model changed."""
        new = self.updated(x, label)
        if new is None:
            return False
        weights, self.intercept = new
        for i, w in weights.items():
            self.weights[i] = w
        return True

    def copy(self) -> SparsePerceptron:
        return SparsePerceptron(list(self.weights), self.intercept, self.learning_rate, self.classes)

    # -- deployment ------------------------------------------------------------------------------
    def packed_words(self) -> list[int]:
        """The contract's storage words: the intercept then the weights, six 42-bit parameters per word."""
        return pack([self.intercept, *self.weights], PARAMETER_BITS, PARAMS_PER_WORD)

    def deploy_steps(self, trainer: str) -> DeploySteps:
        """The constructor takes up to 1,000 packed words (6,000 parameters); bigger models get ``extend``
        calls of 1,000 words each, then ``finalize``."""
        head, calls = chunked(self.packed_words())
        return (trainer, self.n_features, self.learning_rate, head), calls

    def matches(self, contract: Contract) -> bool:
        """Whether the contract's weights, intercept and learning rate equal this mirror's."""
        return (
            list(contract.call("weights")) == self.weights
            and contract.call("intercept") == self.intercept
            and contract.call("learningRate") == self.learning_rate
        )
