"""Python twins of the on-chain models: the same integer arithmetic, plus scikit-learn bridges."""

from .dense_perceptron import DensePerceptron
from .naive_bayes import NaiveBayes
from .nearest_centroid import NearestCentroid
from .sparse_nearest_centroid import SparseNearestCentroid
from .sparse_perceptron import SparsePerceptron

__all__ = ["DensePerceptron", "NaiveBayes", "NearestCentroid", "SparseNearestCentroid", "SparsePerceptron"]
