"""Contract ABI helpers: encode calls, decode results, errors and events, per contract ABI."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import eth_abi
import eth_abi.exceptions
from eth_utils import keccak, to_checksum_address

from ..solc import artifacts as _artifacts


@functools.lru_cache(maxsize=65_536)
def checksum(address: str | bytes) -> str:
    """``eth_utils.to_checksum_address``, remembered: a chain sees the same few addresses again and again, and
    each checksum is a keccak hash."""
    return to_checksum_address(address)


def abi_type(param: dict[str, Any]) -> str:
    """The canonical type string of an ABI parameter (tuples spelled out)."""
    t = param["type"]
    if t.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param["components"])
        return f"({inner}){t[len('tuple'):]}"
    return t


def _prepare(value: Any, type_: str) -> Any:
    """Accept hex strings for bytes arguments, the way decoded values are returned."""
    if type_.endswith("]"):
        return [_prepare(v, type_[: type_.rindex("[")]) for v in value]
    if type_.startswith("bytes") and isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return value


def _normalize(value: Any, param: dict[str, Any]) -> Any:
    """Decoded values in plain Python: checksummed addresses, hex bytes32, named tuples as dicts."""
    t = param["type"]
    if t.endswith("]"):
        inner = dict(param, type=t[: t.rindex("[")])
        return [_normalize(v, inner) for v in value]
    if t == "tuple":
        return {c["name"]: _normalize(v, c) for v, c in zip(value, param["components"])}
    if t == "address":
        return checksum(value)
    if t.startswith("bytes"):
        return "0x" + bytes(value).hex()
    return value


def _flatten(values: Any) -> list[Any]:
    if isinstance(values, (list, tuple)):
        return [v for value in values for v in _flatten(value)]
    return [values]


@dataclass(frozen=True)
class Signature:
    """One function, error or event of an ABI."""

    name: str
    inputs: tuple[dict[str, Any], ...]
    outputs: tuple[dict[str, Any], ...] = ()

    @functools.cached_property
    def types(self) -> list[str]:
        return [abi_type(p) for p in self.inputs]

    @property
    def text(self) -> str:
        return f"{self.name}({','.join(self.types)})"

    @functools.cached_property
    def selector(self) -> bytes:
        return keccak(text=self.text)[:4]

    def encode_call(self, args: tuple[Any, ...]) -> bytes:
        if len(args) != len(self.inputs):
            raise TypeError(f"{self.name} takes {len(self.inputs)} arguments, got {len(args)}")
        try:
            return self.selector + eth_abi.encode(self.types, [_prepare(a, t) for a, t in zip(args, self.types)])
        except eth_abi.exceptions.EncodingError as e:
            params = ", ".join(f"{t} {p.get('name') or '_'}" for t, p in zip(self.types, self.inputs))
            floats = any(isinstance(a, float) for a in _flatten(args))
            raise TypeError(
                f"{self.name}({params}) cannot take these arguments: {e}"
                + ("\nHint: the EVM has no floats; contracts take fixed-point integers (1.0 is 10**9): encode "
                   "samples with trainer.model.encode(x) or sk.encoding.to_fixed(x), amounts with sk.ether(...)."
                   if floats else "")
            ) from None

    def decode(self, params: tuple[dict[str, Any], ...], data: bytes) -> list[Any]:
        values = eth_abi.decode([abi_type(p) for p in params], data)
        return [_normalize(v, p) for v, p in zip(values, params)]

    def decode_args(self, data: bytes) -> dict[str, Any]:
        return dict(zip((p["name"] for p in self.inputs), self.decode(self.inputs, data)))

    def decode_output(self, data: bytes) -> Any:
        values = self.decode(self.outputs, data)
        return values[0] if len(values) == 1 else tuple(values)


def _signatures(abi: list[dict[str, Any]], kind: str) -> dict[str, Signature]:
    return {
        item["name"]: Signature(item["name"], tuple(item["inputs"]), tuple(item.get("outputs", ())))
        for item in abi
        if item["type"] == kind
    }


def functions(abi: list[dict[str, Any]]) -> dict[str, Signature]:
    """The functions of an ABI by name (sumkit's contracts do not overload names)."""
    return _signatures(abi, "function")


def constructor(abi: list[dict[str, Any]]) -> Signature:
    """The constructor of an ABI (no inputs when the contract declares none)."""
    items = [i for i in abi if i["type"] == "constructor"]
    return Signature("constructor", tuple(items[0]["inputs"]) if items else ())


def errors(abi: list[dict[str, Any]]) -> dict[bytes, Signature]:
    """The custom errors of one contract's ABI, by selector."""
    return {sig.selector: sig for sig in _signatures(abi, "error").values()}


def events(abi: list[dict[str, Any]]) -> dict[bytes, dict[str, Any]]:
    """The events of one contract's ABI (their ABI items), by topic 0 (the hash of the signature)."""
    return {
        keccak(text=f"{item['name']}({','.join(abi_type(p) for p in item['inputs'])})"): item
        for item in abi
        if item["type"] == "event" and not item.get("anonymous")
    }


@functools.cache
def known_errors() -> dict[bytes, tuple[str, Signature]]:
    """The custom errors of sumkit's own contracts, by selector: (contract, signature). Reverts are decoded
    against the called contract's ABI first (see :meth:`sumkit.Chain.at`); this is the fallback."""
    table: dict[bytes, tuple[str, Signature]] = {}
    for name, artifact in _artifacts.load_all().items():
        for selector, sig in errors(artifact["abi"]).items():
            table.setdefault(selector, (name, sig))
    return table


@functools.cache
def known_events() -> dict[bytes, tuple[str, dict[str, Any]]]:
    """The events of sumkit's own contracts, by topic 0: (contract, event ABI); the fallback for logs of
    contracts whose ABI the chain was not given."""
    table: dict[bytes, tuple[str, dict[str, Any]]] = {}
    for name, artifact in _artifacts.load_all().items():
        for topic, item in events(artifact["abi"]).items():
            table.setdefault(topic, (name, item))
    return table


def decode_log(item: dict[str, Any], topics: list[bytes] | tuple[bytes, ...], data: bytes) -> dict[str, Any]:
    """The arguments of a log emitted as event ``item`` (an event's ABI), in declaration order."""
    indexed = [p for p in item["inputs"] if p["indexed"]]
    plain = [p for p in item["inputs"] if not p["indexed"]]
    args: dict[str, Any] = {}
    for p, topic in zip(indexed, topics[1:]):
        args[p["name"]] = _normalize(eth_abi.decode([abi_type(p)], topic)[0], p)
    for p, v in zip(plain, eth_abi.decode([abi_type(p) for p in plain], data)):
        args[p["name"]] = _normalize(v, p)
    return {p["name"]: args[p["name"]] for p in item["inputs"]}

