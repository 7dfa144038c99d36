"""What the dense and the sparse perceptron share: parameters, construction, the mistake-driven update.

Each subclass says how wide its on-chain parameters are (``PARAMETER_BITS``), how a sample scores
(``score_encoded``) and how much each active feature moves in an update (``steps``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..plumbing.encoding import SCALE, check_int, to_fixed
from .base import OnChainModel, plain

if TYPE_CHECKING:
    from ..chain.chain import Contract


@dataclass
class PerceptronBase(OnChainModel):
    """A binary perceptron in fixed point (``SCALE = 10**9``): ``weights``, ``intercept``, ``learning_rate``.

    Predicts ``classes[1]`` when ``score_encoded(x) > 0``, else ``classes[0]``. On a wrong prediction it adds
    ``+-learning_rate`` times each feature to its weight, and ``+-learning_rate`` to the intercept.
    """

    weights: list[int]
    intercept: int = 0
    learning_rate: int = SCALE
    classes: tuple[Any, ...] = (0, 1)
    PARAMETER_BITS: ClassVar[int]
    MAX_LEARNING_RATE: ClassVar[int]

    def __post_init__(self) -> None:
        bits = self.PARAMETER_BITS
        self.weights = [check_int(int(w), bits, what=f"weight {i}") for i, w in enumerate(self.weights)]
        self.intercept = check_int(int(self.intercept), bits, what="intercept")
        self.learning_rate = int(self.learning_rate)
        if not 0 < self.learning_rate <= self.MAX_LEARNING_RATE:
            raise ValueError(
                f"the learning rate must be positive and at most {self.MAX_LEARNING_RATE / SCALE:,.0f} "
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
    ) -> Any:
        """A model from real-valued parameters (encoded to fixed point)."""
        (b,) = to_fixed([intercept], what="intercept")
        (lr,) = to_fixed([learning_rate], what="learning rate")
        return cls(to_fixed(weights, what="weights"), b, lr, tuple(classes))

    @classmethod
    def from_sklearn(cls, estimator: Any, learning_rate: float | None = None) -> Any:
        """A model from a fitted ``Perceptron`` or ``SGDClassifier(loss="perceptron")`` (for a sparse model:
        fitted on a binary 0/1 matrix whose column ``i`` is feature ``i``).

        The on-chain learning rate is ``learning_rate`` if given, else the estimator's ``eta0`` when its
        schedule is constant (always for ``Perceptron``), else 1.0.
        """
        from sklearn.linear_model import Perceptron, SGDClassifier

        if not isinstance(estimator, (Perceptron, SGDClassifier)):
            raise TypeError(
                f"{cls.__name__}.from_sklearn supports Perceptron and SGDClassifier(loss='perceptron'), "
                f"not {type(estimator).__name__}"
            )
        if isinstance(estimator, SGDClassifier) and estimator.loss != "perceptron":
            raise ValueError(f'the SGDClassifier must use loss="perceptron", not {estimator.loss!r}')
        if not hasattr(estimator, "coef_"):
            raise ValueError("the estimator is not fitted yet: call fit(X, y) first")
        if estimator.coef_.shape[0] != 1:
            raise ValueError(f"{cls.__name__} is binary; this estimator has {len(estimator.classes_)} classes")
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
        """The decision value of an encoded sample, exactly as the contract's ``score``."""
        raise NotImplementedError

    def steps(self, x: Sequence[int], step: int) -> dict[int, int]:
        """How much each weight that an update with ``x`` touches moves, for an intercept step ``step``."""
        raise NotImplementedError

    def predict_encoded(self, x: Sequence[int]) -> int:
        """The on-chain label for an encoded sample."""
        return 1 if self.score_encoded(x) > 0 else 0

    def updated(self, x: Sequence[int], label: int) -> tuple[dict[int, int], int] | None:
        """The new values of the weights an update changes (by feature index) and the new intercept, or None if
        the model would not change. ``ValueError`` when the contract would revert (a label other than 0 or 1,
        a parameter leaving its on-chain range)."""
        if label not in (0, 1):
            raise ValueError(f"label {label} is out of range: perceptron labels are 0 and 1")
        if self.predict_encoded(x) == label:
            return None
        step = self.learning_rate if label == 1 else -self.learning_rate
        bits = self.PARAMETER_BITS
        weights = {
            i: check_int(self.weights[i] + delta, bits, what=f"updated weight {i}")
            for i, delta in self.steps(x, step).items()
        }
        return weights, check_int(self.intercept + step, bits, what="updated intercept")

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

    UNDOABLE = True

    def undo_encoded(self, x: Sequence[int], label: int) -> None:
        """Take back an update that changed the model (a mistake on ``x``): subtract the step it added."""
        step = self.learning_rate if label == 1 else -self.learning_rate
        for i, delta in self.steps(x, step).items():
            self.weights[i] -= delta
        self.intercept -= step

    def copy(self) -> Any:
        return type(self)(list(self.weights), self.intercept, self.learning_rate, self.classes)

    def matches(self, contract: Contract) -> bool:
        """Whether the contract's weights, intercept and learning rate equal this mirror's."""
        return (
            list(contract.call("weights")) == self.weights
            and contract.call("intercept") == self.intercept
            and contract.call("learningRate") == self.learning_rate
        )
