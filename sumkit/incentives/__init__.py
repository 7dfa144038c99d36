"""Incentive mechanisms: who pays, who gets paid, and when.

One plug-in per mechanism, each a :class:`~sumkit.incentives.base.Mechanism` (its contract, constructor arguments,
rules and handle side by side, in one module): :class:`DepositRefundTake`, :class:`Points`, :class:`PredictionMarket`
(whose handle is ``trainer.market``).
"""

from .base import Mechanism
from .deposit_refund_take import DepositRefundTake
from .points import Points
from .prediction_market import PredictionMarket

# Every mechanism sumkit ships, by the name of its contract (what sk.Trainer.at finds at an address).
MECHANISMS: dict[str, type[Mechanism]] = {m.contract_name: m for m in (DepositRefundTake, Points, PredictionMarket)}

__all__ = ["MECHANISMS", "DepositRefundTake", "Mechanism", "Points", "PredictionMarket"]
