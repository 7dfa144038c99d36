"""DensePerceptron: the Python twin of ``contracts/models/DensePerceptron.sol``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from ..plumbing.encoding import DEFAULT_FEATURE_BOUND, SCALE, check_feature_bound, check_int, encode_feature_bound, trunc_div
from .base import DeploySteps
from .perceptron import PerceptronBase

if TYPE_CHECKING:
    from ..chain.chain import Contract

PARAMETER_BITS = 48  # the contract stores weights and intercept as int48, five per storage word


@dataclass
class DensePerceptron(PerceptronBase):
    """A binary perceptron in fixed point, bit-exact with the contract.

    Predicts ``classes[1]`` when ``intercept * SCALE + sum(weights * x) > 0`` (all fixed point), else
    ``classes[0]``. On a wrong prediction it updates weights and intercept by ``+-learning_rate * x``.
    Parameters are stored on chain as ``int48`` (about +-140,737 in real units); samples as ``int64``.
    ``feature_bound`` (fixed point, default ``DEFAULT_FEATURE_BOUND`` = 100.0) is fixed at deployment: the model
    trains only on samples whose every value lies within it (the contract reverts with ``FeatureOutOfRange``).

    >>> from sklearn.linear_model import Perceptron
    >>> est = Perceptron().fit([[0.0, 1.0], [1.0, 0.0]], [0, 1])
    >>> model = DensePerceptron.from_sklearn(est)
    >>> model.predict([1.0, 0.0])
    1
    """

    feature_bound: int = int(DEFAULT_FEATURE_BOUND * SCALE)
    contract_name: ClassVar[str] = "DensePerceptron"
    PARAMETER_BITS: ClassVar[int] = PARAMETER_BITS
    MAX_LEARNING_RATE: ClassVar[int] = 2**255 - 1  # the contract's int256

    def __post_init__(self) -> None:
        super().__post_init__()
        self.feature_bound = check_int(int(self.feature_bound), 64, what="feature_bound")
        if self.feature_bound <= 0:
            raise ValueError(f"feature_bound must be positive (fixed point {self.feature_bound} given)")

    @classmethod
    def from_sklearn(cls, estimator: Any, learning_rate: float | None = None, *, feature_bound: float | None = None,
                     X: Any = None) -> DensePerceptron:
        """A model from a fitted ``Perceptron`` or ``SGDClassifier(loss="perceptron")`` (see
        :meth:`PerceptronBase.from_sklearn`). The feature bound is ``feature_bound`` (real units) if given, else
        twice the largest magnitude in the training data ``X`` if given, else ``DEFAULT_FEATURE_BOUND``.
        """
        model = super().from_sklearn(estimator, learning_rate)
        return replace(model, feature_bound=encode_feature_bound(feature_bound, X))

    @classmethod
    def from_floats(cls, weights: Sequence[float], intercept: float = 0.0, learning_rate: float = 1.0,
                    classes: Sequence[Any] = (0, 1), *, feature_bound: float | None = None) -> DensePerceptron:
        """A model from real-valued parameters (encoded to fixed point); ``feature_bound`` in real units
        (default ``DEFAULT_FEATURE_BOUND``)."""
        model = super().from_floats(weights, intercept, learning_rate, classes)
        return replace(model, feature_bound=encode_feature_bound(feature_bound))

    def check_update(self, x: Sequence[int], label: int) -> None:
        """Raise ``ValueError`` if the contract's update would revert (a value beyond the feature bound, a label
        out of range, an overflow)."""
        check_feature_bound(x, self.feature_bound)
        super().check_update(x, label)

    def score_encoded(self, x: Sequence[int]) -> int:
        """The decision value at scale ``SCALE**2``, exactly as ``DensePerceptron.score``."""
        return self.intercept * SCALE + sum(w * v for w, v in zip(self.weights, x))

    def steps(self, x: Sequence[int], step: int) -> dict[int, int]:
        """Every weight moves by ``step * x[i] / SCALE``, rounded toward zero like the contract."""
        return {i: trunc_div(step * v, SCALE) for i, v in enumerate(x)}

    def copy(self) -> DensePerceptron:
        return DensePerceptron(list(self.weights), self.intercept, self.learning_rate, self.classes, self.feature_bound)

    def deploy_steps(self, trainer: str) -> DeploySteps:
        """One transaction: the constructor takes every parameter (no setup calls)."""
        return (trainer, list(self.weights), self.intercept, self.learning_rate, self.feature_bound), []

    def matches(self, contract: Contract) -> bool:
        """Whether the contract's weights, intercept, learning rate and feature bound equal this mirror's."""
        return super().matches(contract) and contract.call("featureBound") == self.feature_bound
