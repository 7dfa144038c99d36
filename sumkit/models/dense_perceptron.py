"""DensePerceptron: the Python twin of ``contracts/models/DensePerceptron.sol``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..encoding import SCALE, check_int, to_fixed, trunc_div
from .base import DeploySteps, OnChainModel, plain

if TYPE_CHECKING:
    from ..chain import Contract

PARAMETER_BITS = 48  # the contract stores weights and intercept as int48, five per storage word


@dataclass
class DensePerceptron(OnChainModel):
    """A binary perceptron in fixed point, bit-exact with the contract.

    Predicts ``classes[1]`` when ``intercept * SCALE + sum(weights * x) > 0`` (all fixed point), else
    ``classes[0]``. On a wrong prediction it updates weights and intercept by ``+-learning_rate * x``.
    Parameters are stored on chain as ``int48`` (about +-140,737 in real units); samples as ``int64``.

    >>> from sklearn.linear_model import Perceptron
    >>> est = Perceptron().fit([[0.0, 1.0], [1.0, 0.0]], [0, 1])
    >>> model = DensePerceptron.from_sklearn(est)
    >>> model.predict([1.0, 0.0])
    1
    """

    weights: list[int]
    intercept: int = 0
    learning_rate: int = SCALE
    classes: tuple[Any, ...] = (0, 1)
    contract_name: ClassVar[str] = "DensePerceptron"

    def __post_init__(self) -> None:
        self.weights = [check_int(int(w), PARAMETER_BITS, what=f"weight {i}") for i, w in enumerate(self.weights)]
        self.intercept = check_int(int(self.intercept), PARAMETER_BITS, what="intercept")
        self.learning_rate = int(self.learning_rate)
        if not 0 < self.learning_rate < 2**255:
            raise ValueError("the learning rate must be positive")
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
    ) -> DensePerceptron:
        """A model from real-valued parameters (encoded to fixed point)."""
        (b,) = to_fixed([intercept], what="intercept")
        (lr,) = to_fixed([learning_rate], what="learning rate")
        return cls(to_fixed(weights, what="weights"), b, lr, tuple(classes))

    @classmethod
    def from_sklearn(cls, estimator: Any, learning_rate: float | None = None) -> DensePerceptron:
        """A model from a fitted ``Perceptron`` or ``SGDClassifier(loss="perceptron")``.

        The on-chain learning rate is ``learning_rate`` if given, else the estimator's ``eta0`` when its
        schedule is constant (always for ``Perceptron``), else 1.0.
        """
        from sklearn.linear_model import Perceptron, SGDClassifier

        if not isinstance(estimator, (Perceptron, SGDClassifier)):
            raise TypeError(f"expected a Perceptron or SGDClassifier, got {type(estimator).__name__}")
        if isinstance(estimator, SGDClassifier) and estimator.loss != "perceptron":
            raise ValueError(f'the SGDClassifier must use loss="perceptron", not {estimator.loss!r}')
        if not hasattr(estimator, "coef_"):
            raise ValueError("the estimator is not fitted yet: call fit(X, y) first")
        if estimator.coef_.shape[0] != 1:
            raise ValueError(f"DensePerceptron is binary; this estimator has {len(estimator.classes_)} classes")
        if learning_rate is None:
            constant = isinstance(estimator, Perceptron) or estimator.learning_rate == "constant"
            learning_rate = float(estimator.eta0) if constant else 1.0
        return cls.from_floats(
            estimator.coef_[0], float(estimator.intercept_[0]), learning_rate, tuple(estimator.classes_)
        )

    @property
    def n_features(self) -> int:
        return len(self.weights)

    # -- the contract's arithmetic ---------------------------------------------------------------
    def score_encoded(self, x: Sequence[int]) -> int:
        """The decision value at scale ``SCALE**2``, exactly as ``DensePerceptron.score``."""
        return self.intercept * SCALE + sum(w * v for w, v in zip(self.weights, x))

    def predict_encoded(self, x: Sequence[int]) -> int:
        """The on-chain label for an encoded sample."""
        return 1 if self.score_encoded(x) > 0 else 0

    def updated(self, x: Sequence[int], label: int) -> tuple[list[int], int] | None:
        """The parameters after learning from an encoded sample, or None if the model would not change.

        Raises ``ValueError`` when a parameter would leave the ``int48`` range (the contract would revert).
        """
        if label not in (0, 1):
            raise ValueError(f"label {label} is out of range: perceptron labels are 0 and 1")
        if self.predict_encoded(x) == label:
            return None
        step = self.learning_rate if label == 1 else -self.learning_rate
        weights = [
            check_int(w + trunc_div(step * v, SCALE), PARAMETER_BITS, what=f"updated weight {i}")
            for i, (w, v) in enumerate(zip(self.weights, x))
        ]
        return weights, check_int(self.intercept + step, PARAMETER_BITS, what="updated intercept")

    def check_update(self, x: Sequence[int], label: int) -> None:
        """Raise ``ValueError`` if the contract's update would revert (a label out of range, an overflow)."""
        self.updated(x, label)

    def update_encoded(self, x: Sequence[int], label: int) -> bool:
        """Learn from an encoded sample like the contract; returns whether the model changed."""
        new = self.updated(x, label)
        if new is not None:
            self.weights, self.intercept = new
        return new is not None

    def copy(self) -> DensePerceptron:
        return DensePerceptron(list(self.weights), self.intercept, self.learning_rate, self.classes)

    def deploy_steps(self, trainer: str) -> DeploySteps:
        """One transaction: the constructor takes every parameter (no setup calls)."""
        return (trainer, list(self.weights), self.intercept, self.learning_rate), []

    def matches(self, contract: Contract) -> bool:
        """Whether the contract's weights and intercept equal this mirror's."""
        return list(contract.call("weights")) == self.weights and contract.call("intercept") == self.intercept
