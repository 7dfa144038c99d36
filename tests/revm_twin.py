"""A backend that runs everything on py-evm AND revm and fails on the first difference (for tests/test_revm.py).

``sk.Chain(backend=TwinBackend())`` runs a story as usual (py-evm's results are returned) while every read,
call and transaction also runs on revm; any difference in success, output, gas, revert data, halt kind, logs,
created address, block number, balance, nonce or code raises :class:`Divergence` at that step. What the two
backends are known to give differently, and a contract cannot see, is not compared: transaction and block
hashes, and the wording of a halt's message (its kind is compared). ``BLOCKHASH``, which a contract can see,
differs (see the README): :func:`same_blockhash` makes py-evm's match revm's, for the stories that read it.

:func:`twin_chain` is a ``sk.Chain`` whose default backend is a twin (tests monkeypatch ``sk.Chain`` with it);
:func:`install` does that for good, in a notebook's kernel.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from eth_utils import keccak

import sumkit as sk
from sumkit.chain.backends.base import Capabilities
from sumkit.chain.backends.pyevm import PyEvmBackend
from sumkit.chain.backends.revm import RevmBackend


class Divergence(AssertionError):
    """py-evm and revm gave different results for the same step."""


def _halt_kind(halt: str) -> str:
    return halt.split(":")[0].split("(")[0].strip()


class TwinBackend:
    """py-evm and revm in lockstep; ``compared`` counts what was compared (calls, sends, reads, gas)."""

    name = "twin"
    # What both can do, in lockstep: signed raw transactions and past states are not compared (revm has no past).
    capabilities = Capabilities(raw_transactions=False, past_state=False)

    def __init__(self, *, start_time: int = sk.chain.GENESIS_TIME) -> None:
        self.pyevm = PyEvmBackend(start_time=start_time)
        self.revm = RevmBackend(start_time=start_time)
        self._same("accounts", self.pyevm.accounts, self.revm.accounts)
        self.chain_id = self._same("chain_id", self.pyevm.chain_id, self.revm.chain_id)
        self.block_gas_limit = self._same("block_gas_limit", self.pyevm.block_gas_limit, self.revm.block_gas_limit)
        self.compared = {"calls": 0, "sends": 0, "reverted_sends": 0, "reads": 0, "logs": 0, "gas": 0}

    @property
    def accounts(self) -> list[str]:
        return self.pyevm.accounts

    def _same(self, what: str, a: Any, b: Any) -> Any:
        if a != b:
            raise Divergence(f"{what}: py-evm {a!r} != revm {b!r}")
        return a

    @property
    def block_number(self) -> int:
        return self._same("block_number", self.pyevm.block_number, self.revm.block_number)

    def _read(self, what: str, address: str) -> Any:
        self.compared["reads"] += 1
        return self._same(f"{what}({address})", getattr(self.pyevm, what)(address), getattr(self.revm, what)(address))

    def balance(self, address: str) -> int:
        return self._read("balance", address)

    def nonce(self, address: str) -> int:
        return self._read("nonce", address)

    def code(self, address: str) -> bytes:
        return self._read("code", address)

    def _compare(self, what: str, a: Any, b: Any) -> None:
        for field in ("success", "output", "gas_used", "error"):
            self._same(f"{what}: {field}", getattr(a, field), getattr(b, field))
        self._same(f"{what}: halt", _halt_kind(a.halt), _halt_kind(b.halt))

    def call(self, sender: str, to: str | None, data: bytes, **kwargs: Any) -> Any:
        a = self.pyevm.call(sender, to, data, **kwargs)
        b = self.revm.call(sender, to, data, **kwargs)
        self._compare(f"call to {to} with {data[:4].hex()}", a, b)
        self.compared["calls"] += 1
        return a

    def send(self, sender: str, to: str | None, data: bytes, **kwargs: Any) -> Any:
        errors = []
        results = []
        for backend in (self.pyevm, self.revm):
            try:
                results.append(backend.send(sender, to, data, **kwargs))
                errors.append(None)
            except ValueError as e:  # TransactionRejected: both must refuse
                results.append(None)
                errors.append(type(e).__name__)
        what = f"transaction from {sender} to {to or 'a new contract'} with {data[:4].hex()}"
        self._same(f"{what}: refused", errors[0], errors[1])
        a, b = results
        if a is None:
            return self.pyevm.send(sender, to, data, **kwargs)  # raises the same refusal again
        self._compare(what, a, b)
        self._same(f"{what}: mined", type(a).__name__, type(b).__name__)
        for field in ("block_number", "logs", "created") if a.success else ():
            self._same(f"{what}: {field}", getattr(a, field), getattr(b, field))
        if not a.success:
            self.compared["reverted_sends"] += 1
            return a
        self.compared["sends"] += 1
        self.compared["logs"] += len(a.logs)
        self.compared["gas"] += a.gas_used
        return a

    def snapshot(self) -> tuple[Any, Any]:
        return self.pyevm.snapshot(), self.revm.snapshot()

    def revert(self, snapshot: tuple[Any, Any]) -> None:
        self.pyevm.revert(snapshot[0])
        self.revm.revert(snapshot[1])

    def add_account(self, private_key: bytes) -> str:
        return self._same("add_account", self.pyevm.add_account(private_key), self.revm.add_account(private_key))


def _revm_rule(original: Any) -> Any:
    def revm_rule(self: Any, block_number: int) -> bytes:
        real = original(self, block_number)  # empty outside the last 256 blocks; revm gives zero there too
        return keccak(str(block_number).encode()) if real else real

    return revm_rule


@contextlib.contextmanager
def same_blockhash() -> Iterator[None]:
    """Within the block, py-evm's ``BLOCKHASH(n)`` gives what revm's does (keccak of the digits of ``n``), so a
    story that reads block hashes (the prediction market's draw) can be compared on everything else."""
    from eth.vm.state import BaseState

    original = BaseState.get_ancestor_hash
    BaseState.get_ancestor_hash = _revm_rule(original)  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseState.get_ancestor_hash = original  # type: ignore[method-assign]


def twin_chain(twins: list[TwinBackend]) -> type:
    """A ``sk.Chain`` whose backend is a new twin, appended to ``twins``, unless given a backend object: a
    backend's name (``"py-evm"``, ``"revm"``) also gives a twin, so a story that picks one runs on both."""

    class TwinChain(sk.chain.Chain):
        def __init__(self, *, backend: Any = None, start_time: int = sk.chain.GENESIS_TIME) -> None:
            if backend is None or isinstance(backend, str):
                backend = TwinBackend(start_time=start_time)
                twins.append(backend)
            super().__init__(backend=backend, start_time=start_time)

    return TwinChain


TWINS: list[TwinBackend] = []  # the twins made since install()


def install() -> None:
    """In a notebook's kernel, for good: every ``sk.Chain()`` built from now on (but one given a backend object) is
    a twin, and py-evm's ``BLOCKHASH`` follows revm's rule (as in :func:`same_blockhash`, which a kernel cannot
    hold open: an unreferenced context manager is closed, and its patch undone, once garbage collected)."""
    from eth.vm.state import BaseState

    sk.Chain = twin_chain(TWINS)  # type: ignore[misc]
    BaseState.get_ancestor_hash = _revm_rule(BaseState.get_ancestor_hash)  # type: ignore[method-assign]
