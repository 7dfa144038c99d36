"""DensePerceptron: the Python twin of ``contracts/models/DensePerceptron.sol``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from ..encoding import SCALE, trunc_div
from .base import DeploySteps
from .perceptron import PerceptronBase

PARAMETER_BITS = 48  # the contract stores weights and intercept as int48, five per storage word


@dataclass
class DensePerceptron(PerceptronBase):
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

    contract_name: ClassVar[str] = "DensePerceptron"
    PARAMETER_BITS: ClassVar[int] = PARAMETER_BITS
    MAX_LEARNING_RATE: ClassVar[int] = 2**255 - 1  # the contract's int256

    def score_encoded(self, x: Sequence[int]) -> int:
        """The decision value at scale ``SCALE**2``, exactly as ``DensePerceptron.score``."""
        return self.intercept * SCALE + sum(w * v for w, v in zip(self.weights, x))

    def steps(self, x: Sequence[int], step: int) -> dict[int, int]:
        """Every weight moves by ``step * x[i] / SCALE``, rounded toward zero like the contract."""
        return {i: trunc_div(step * v, SCALE) for i, v in enumerate(x)}

    def deploy_steps(self, trainer: str) -> DeploySteps:
        """One transaction: the constructor takes every parameter (no setup calls)."""
        return (trainer, list(self.weights), self.intercept, self.learning_rate), []
