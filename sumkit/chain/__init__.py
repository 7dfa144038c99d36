"""The chain layer: :class:`~sumkit.chain.chain.Chain` (one API over every backend), its
:class:`~sumkit.chain.history.History`, the web3.py provider over it, the pinned local node and the backends
that run the EVM (py-evm, revm, a JSON-RPC node)."""

from .chain import (BLOCK_TIME, CALL_GAS_LIMIT, ESTIMATE_MARGIN_PERCENT, GENESIS_TIME, TX_GAS_LIMIT, Chain, Contract,
                    NonceTaken, Receipt, contract_address)

__all__ = ["BLOCK_TIME", "CALL_GAS_LIMIT", "ESTIMATE_MARGIN_PERCENT", "GENESIS_TIME", "TX_GAS_LIMIT", "Chain",
           "Contract", "NonceTaken", "Receipt", "contract_address"]
