"""The small interface between :class:`sumkit.Chain` and whatever runs the EVM.

A backend knows bytes, addresses and blocks; it knows nothing of ABIs, names, hints or gas logs (that is
:class:`~sumkit.Chain`'s job). Three backends implement it:

- ``py-evm``: in process, pure Python (the default, deterministic);
- ``revm``: in process, native speed (pyrevm; identical gas and results);
- ``rpc``: any JSON-RPC node through web3.py (a local development node or a testnet).

Conventions every backend keeps, so the same story gives the same gas everywhere:

- one block per transaction; ``send`` mines it at the ``timestamp`` it is given (the chain's clock);
- ``call`` and ``send`` never leave a failed transaction behind: a revert comes back as a result with
  ``success=False`` and the revert ``error`` bytes, and changes nothing (on a shared node a transaction that
  passed its dry run may still fail once mined, after others' transactions: its :class:`TxResult` then has
  ``success=False`` and a ``tx_hash``, and its gas was spent);
- a transaction invalid before it runs (a gas limit below its upfront cost, a sender it cannot sign for, a
  nonce or balance the node refuses) raises :class:`TransactionRejected`;
- addresses are checksummed strings, data is ``bytes``;
- a backend that others send transactions to as well (a node) also has ``logs(addresses, first, last)`` and
  ``timestamp_of(number)``: the chain reads others' events and block times from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Log:
    """One event log: the emitting contract, its topics (32 bytes each) and its data."""

    address: str
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class CallResult:
    """What running a transaction or a call did.

    ``success`` is False when it reverted or halted: ``error`` then holds the revert data (``b""`` when the
    EVM halted without data, e.g. out of gas) and ``halt`` a short reason from the backend, if any.
    """

    success: bool
    output: bytes = b""
    gas_used: int = 0
    error: bytes = b""
    halt: str = ""


@dataclass(frozen=True)
class TxResult(CallResult):
    """A mined transaction: its hash, block, logs and, for a deployment, the created contract."""

    tx_hash: str = ""
    block_number: int = 0
    logs: tuple[Log, ...] = field(default=())
    created: str | None = None
    block_hash: str = ""


class TransactionRejected(ValueError):
    """The backend refused a transaction before running it (nothing was mined); the message says why."""


class Backend(Protocol):
    """What :class:`sumkit.Chain` needs from an EVM."""

    name: str  # "py-evm", "revm" or "rpc"
    accounts: list[str]  # the funded accounts it can sign for, in order

    @property
    def block_number(self) -> int:
        """The number of the next block to be mined."""

    def balance(self, address: str) -> int: ...

    def nonce(self, address: str) -> int: ...

    def code(self, address: str) -> bytes: ...

    def call(self, sender: str, to: str, data: bytes, *, value: int, gas: int, timestamp: int) -> CallResult:
        """Run a message call on the latest state, in a block at ``timestamp``; changes nothing."""

    def send(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int,
             nonce: int | None = None) -> TxResult:
        """Sign and send a transaction (``to=None`` deploys ``data``) and mine it alone in a block at
        ``timestamp``. If it would fail, nothing is mined: the result has ``success=False``. With ``nonce``,
        raise :class:`TransactionRejected` unless it is ``sender``'s next nonce (sumkit's deploy plans them)."""

    def snapshot(self) -> Any:
        """An opaque id of the current state, for :meth:`revert`."""

    def revert(self, snapshot: Any) -> None:
        """Go back to the state of ``snapshot`` (blocks, balances, storage, nonces)."""

    def add_account(self, private_key: bytes) -> str:
        """Sign for ``private_key`` from now on; returns its address."""
