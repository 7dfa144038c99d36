"""Incentive mechanisms: who pays, who gets paid, and when."""

from .deposit_refund_take import DepositRefundTake

__all__ = ["DepositRefundTake"]
