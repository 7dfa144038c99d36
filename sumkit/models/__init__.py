"""Python twins of the on-chain models: the same integer arithmetic, plus scikit-learn bridges."""

from .dense_perceptron import DensePerceptron

__all__ = ["DensePerceptron"]
