"""The backend of a class node (``sk.Chain.join(path)`` for a student, ``sk.Classroom`` for the instructor), and
the join files a student connects with.

A join file (``DIR/students/<name>.json``, written by :class:`~sumkit.classroom.Classroom`) holds the class
URL, that student's key and the class's contract addresses, nothing of anyone else's. The chain it gives
signs with that key only; ``travel`` and ``snapshot`` refuse with the reason (a shared chain) and what to do
instead. The gateway refuses them anyway: it, not this module, is the boundary.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .base import Capabilities, TransactionRejected
from .rpc import RpcBackend

JOIN_FIELDS = ("url", "student", "address", "private_key", "contracts")


class ClassBackend(RpcBackend):
    """An :class:`~sumkit.chain.backends.rpc.RpcBackend` on a class node: a shared chain, whose clock only the instructor
    (``instructor=True``: the gateway's admin URL) moves and which nobody undoes; an unreachable node gets an error
    that says what happened, and, for a student, ``travel`` and ``snapshot`` refuse with the class's reason.
    ``info`` is the join file's content (without the key). Gas above EIP-7825's cap is refused by the chain, as on
    any node (and by the gateway, as a public mempool does)."""

    name = "rpc"

    def __init__(self, url: str, *, private_keys: Sequence[str | bytes], info: dict[str, Any] | None = None,
                 instructor: bool = False, timeout: float = 30) -> None:
        self.info = dict(info or {})
        self.instructor = instructor
        super().__init__(url, private_keys=private_keys, timeout=timeout)
        self.dev = instructor  # only the instructor sets block times (what RpcBackend would probe for)

    @property
    def capabilities(self) -> Capabilities:
        """Shared: others send too; the instructor's chain sets block times; nobody's chain snapshots."""
        return Capabilities(time_control=self.instructor, snapshots=False, follows_others=True,
                            raw_transactions=True, gas_estimation=True, shared=True, past_state=True)

    def request(self, method: str, params: list[Any]) -> dict[str, Any]:
        try:
            return super().request(method, params)
        except (OSError, ConnectionError) as e:
            raise ConnectionError(
                f"the class node at {self.url.split('/admin/')[0]} is not answering ({type(e).__name__}): the instructor "
                "may be restarting the class. Nothing that was mined is lost: run the cell again in a minute (after a "
                "kernel restart, sk.Chain.join(your file) again)"
            ) from None

    def refuse(self, what: str) -> RuntimeError:
        if what == "travel":
            return RuntimeError(
                "chain.travel cannot move time on the class chain: the whole class shares it, so only the instructor "
                "moves its clock (time also passes for real). To try something that needs time to pass, use your own "
                "chain in process: chain = sk.Chain(), where chain.travel works."
            )
        return RuntimeError(
            "chain.snapshot cannot undo anything on the class chain: the whole class shares it, and an undo would "
            "erase your classmates' transactions too. Try things out on your own chain in process (sk.Chain(), where "
            "snapshots work) and send to the class chain only what you mean."
        )

    def send(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int,
             nonce: int | None = None) -> Any:
        if sender not in self.accounts:
            raise TransactionRejected(f"this chain signs only for {', '.join(self.accounts)}, not {sender}")
        return super().send(sender, to, data, value=value, gas=gas, timestamp=timestamp, nonce=nonce)


def read_join_file(path: str | Path) -> dict[str, Any]:
    """The content of a join file, checked: a clear error for a missing, unreadable or incomplete file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no join file at {path}: ask your instructor for yours (DIR/students/<name>.json)")
    try:
        info = json.loads(path.read_text())
    except ValueError as e:
        raise ValueError(f"{path} is not a class join file (not JSON: {e})") from None
    missing = [f for f in JOIN_FIELDS if f not in info] if isinstance(info, dict) else list(JOIN_FIELDS)
    if missing:
        raise ValueError(f"{path} is not a class join file: it lacks {', '.join(missing)}")
    return info
