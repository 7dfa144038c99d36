"""What a :class:`~sumkit.Chain` remembers of what was mined: the gas log, the decoded events, the receipts
(served by ``chain.w3``), the ABIs it decodes with, snapshot marks, and, on a node others send to as well, how
far it has read their blocks.

The chain mines and keeps the clock; its :class:`History` records. Everything derived from the chain (a
trainer's contributions, its mirror) is keyed by :attr:`History.version`.

>>> chain.history.version                    # doctest: +SKIP
(0, 3)
>>> chain.history.receipt(tx_hash)["gasUsed"]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..plumbing import abi as _abi
from .backends.base import Backend, TxResult

if TYPE_CHECKING:
    import pandas as pd

GAS_LOG_COLUMNS = ["contract", "function", "sender", "gas_used", "block_time", "block"]


@dataclass(frozen=True)
class Mark:
    """Where the history stood when a snapshot was taken (see :meth:`History.mark`)."""

    log: int
    receipts: int
    followed: int | None
    block: int  # the last block mined then: events of later blocks are undone (events are kept in chain order,
    # and backfill may insert older ones inside a snapshot, so a count of events would cut in the wrong place)


class History:
    """The record of one chain: gas log, events, receipts, ABIs, and the last block read from a node.

    ``backend`` is read only to follow others' blocks (when its capabilities say others send too).
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._log: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []  # every decoded event, in order
        self._receipts: dict[str, dict[str, Any]] = {}  # JSON-RPC receipts by hash, in order
        self._abis: dict[str, list[dict[str, Any]]] = {}  # the ABI of each known contract
        self._contract_events: dict[str, dict[bytes, dict[str, Any]]] = {}
        # For addresses without a known ABI (e.g. contracts created by contracts): every known error and event.
        self._any_error = {selector: sig for selector, (_, sig) in _abi.known_errors().items()}
        self._any_event = {topic: item for topic, (_, item) in _abi.known_events().items()}
        self._rewrites = 0  # how many times the past changed (a snapshot undone, older history read)
        # On a node others send transactions too: the last block whose logs are in the events (see follow).
        self.followed: int | None = backend.block_number - 1 if backend.capabilities.follows_others else None

    # -- reading ------------------------------------------------------------------------------------------
    @property
    def version(self) -> tuple[int, int]:
        """(how many times the past changed, how many events are known): changes whenever the history does.
        Call :meth:`follow` first on a node (``Chain.version`` does)."""
        return self._rewrites, len(self._events)

    def gas_log(self) -> pd.DataFrame:
        """One row per mined transaction: contract, function, sender, gas_used, block_time, block."""
        import pandas as pd

        return pd.DataFrame(self._log, columns=GAS_LOG_COLUMNS)

    def logs(self, name: str | None = None, *, address: str | None = None, start: int = 0) -> list[dict[str, Any]]:
        """The decoded events (``block``, ``address``, ``event`` and the arguments), oldest first, from the
        ``start``-th on; only those called ``name`` and emitted by ``address`` when given."""
        wanted = _abi.checksum(address) if address is not None else None
        return [e for e in self._events[start:]
                if (name is None or e["event"] == name) and wanted in (None, e["address"])]

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        """The receipt of transaction ``tx_hash`` (hex) mined by this chain, as recorded, or None."""
        return self._receipts.get(tx_hash)

    def receipts(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(hash, receipt) of every transaction this chain mined, oldest first."""
        return iter(list(self._receipts.items()))

    # -- ABIs ---------------------------------------------------------------------------------------------
    def register(self, address: str, abi: list[dict[str, Any]]) -> None:
        """Decode ``address``'s errors and events with ``abi`` from now on."""
        if self._abis.get(address) is abi:
            return
        self._abis[address] = abi
        events = self._contract_events[address] = _abi.events(abi)
        for topic, item in events.items():
            self._any_event.setdefault(topic, item)
        for selector, sig in _abi.errors(abi).items():
            self._any_error.setdefault(selector, sig)

    def abi_of(self, address: str | None) -> list[dict[str, Any]]:
        """The ABI registered for ``address`` (empty if none)."""
        return self._abis.get(address, []) if address else []

    def errors_for(self, address: str | None) -> dict[bytes, _abi.Signature]:
        """The errors to decode a revert of a call to ``address`` with: its own first, then any known."""
        own = self._abis.get(address) if address else None
        return {**self._any_error, **_abi.errors(own)} if own else self._any_error

    def decode_log(self, address: str, topics: Sequence[bytes], data: bytes) -> tuple[str, dict[str, Any]] | None:
        """(event name, arguments) of a log, or None when no known ABI has its event."""
        if not topics:
            return None
        item = self._contract_events.get(address, {}).get(topics[0]) or self._any_event.get(topics[0])
        return None if item is None else (item["name"], _abi.decode_log(item, topics, data))

    def function_of(self, to: str | None, data: bytes, name_of: Callable[[str], str]) -> tuple[str, str]:
        """(contract name, function name) of a transaction sent without sumkit's handles (e.g. via chain.w3)."""
        if to is None:
            return "contract", "deploy"
        if not data:
            return name_of(to), "transfer"
        for sig in _abi.functions(self._abis.get(to, [])).values():
            if sig.selector == data[:4]:
                return name_of(to), sig.name
        return name_of(to), "0x" + data[:4].hex()

    # -- recording ----------------------------------------------------------------------------------------
    def _append_event(self, block: int, address: str, decoded: tuple[str, dict[str, Any]]) -> None:
        self._events.append({"block": block, "address": address, "event": decoded[0], **decoded[1]})

    def record(self, sender: str, sender_name: str, to: str | None, result: TxResult, context: tuple[str, str],
               block_time: int, *, alone: bool) -> list[tuple[str, dict[str, Any]]]:
        """Log a mined transaction (gas log, events, receipt); returns its decoded events. ``alone``: its block
        holds nothing else (a chain that sets block times mines each transaction alone)."""
        contract, function = context
        events, raw_logs = [], []
        self.follow(result.block_number - 1)  # on a node, the blocks before ours may hold others' transactions
        for index, log in enumerate(result.logs):
            decoded = self.decode_log(log.address, log.topics, log.data)
            if decoded is not None:
                events.append(decoded)
                self._append_event(result.block_number, log.address, decoded)
            raw_logs.append({"address": log.address, "topics": ["0x" + t.hex() for t in log.topics],
                             "data": "0x" + log.data.hex(), "logIndex": hex(index)})
        if self.followed is not None and alone:
            self.followed = max(self.followed, result.block_number)
        self._log.append({"contract": contract, "function": function, "sender": sender_name,
                          "gas_used": result.gas_used, "block_time": block_time, "block": result.block_number})
        self._receipts[result.tx_hash] = {
            "from": sender, "to": to, "status": int(result.success), "gasUsed": result.gas_used,
            "blockNumber": result.block_number, "blockHash": result.block_hash, "blockTime": block_time,
            "contractAddress": result.created, "logs": raw_logs,
        }
        return events

    def follow(self, upto: int | None = None) -> int | None:
        """On a node: add to the events what others' transactions made the contracts this chain knows emit in
        the blocks after the last one read, up to ``upto`` (default: the latest). Returns the last block read
        when something was, else None. This chain's own transactions are logged from their receipts by
        :meth:`record` (a node may index logs a moment after the receipt). Elsewhere only this chain mines."""
        if self.followed is None:
            return None
        last = self.backend.block_number - 1 if upto is None else upto
        if last <= self.followed:
            return None
        for block, tx_hash, log in self.backend.logs(sorted(self._abis), self.followed + 1, last):
            decoded = self.decode_log(log.address, log.topics, log.data) if tx_hash not in self._receipts else None
            if decoded is not None:
                self._append_event(block, log.address, decoded)
        self.followed = last
        return last

    def backfill(self, address: str, first_block: int) -> int:
        """Read from the node the events ``address`` emitted from block ``first_block`` up to the last block
        read, that this history does not hold yet (they were mined before this chain knew the contract), and put
        them in chain order; returns how many were added. The past changed, so :attr:`version` does too."""
        if self.followed is None or first_block > self.followed:
            return 0
        # Both follow() and record() read every log of a known contract in a block: a block with one of its
        # events holds all of them already.
        known = {e["block"] for e in self._events if e["address"] == address}
        older = []
        for block, _, log in self.backend.logs([address], first_block, self.followed):
            if block in known:
                continue
            decoded = self.decode_log(log.address, log.topics, log.data)
            if decoded is not None:
                older.append({"block": block, "address": log.address, "event": decoded[0], **decoded[1]})
        if older:
            merged = sorted(older + self._events, key=lambda e: e["block"])  # stable: each block's order is kept
            self._events[:] = merged
            self._rewrites += 1
        return len(older)

    # -- snapshots ----------------------------------------------------------------------------------------
    def mark(self) -> Mark:
        """Where the history stands now, for :meth:`restore`."""
        return Mark(len(self._log), len(self._receipts), self.followed, self.backend.block_number - 1)

    def restore(self, mark: Mark) -> None:
        """Forget everything recorded since ``mark`` (a snapshot was undone)."""
        del self._log[mark.log:]
        self._events[:] = [e for e in self._events if e["block"] <= mark.block]
        for tx_hash in list(self._receipts)[mark.receipts:]:
            del self._receipts[tx_hash]
        self.followed = mark.followed
        self._rewrites += 1
