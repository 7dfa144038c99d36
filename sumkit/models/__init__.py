"""Python twins of the on-chain models: the same integer arithmetic, plus scikit-learn bridges."""

from .dense_perceptron import DensePerceptron
from .nearest_centroid import NearestCentroid

__all__ = ["DensePerceptron", "NearestCentroid"]
