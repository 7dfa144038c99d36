"""Incentive mechanisms: who pays, who gets paid, and when."""

from .deposit_refund_take import DepositRefundTake
from .points import Points
from .prediction_market import PredictionMarket

__all__ = ["DepositRefundTake", "Points", "PredictionMarket"]
