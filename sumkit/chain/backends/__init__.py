"""Backends: what executes transactions for :class:`sumkit.Chain` (see :mod:`sumkit.chain.backends.base`)."""

from .base import Backend, CallResult, Log, TransactionRejected, TxResult

__all__ = ["Backend", "CallResult", "Log", "TransactionRejected", "TxResult"]
