"""``chain.w3``: a web3.py provider served by a :class:`sumkit.Chain`, whatever its backend.

Transactions sent through it are mined by the chain itself (same clock, gas log, events and snapshots), so
what a learner does with plain web3.py and what sumkit does are one history. In process it answers the
JSON-RPC methods web3.py needs from the backend; on a node it forwards reads to the node and sends
transactions, calls and gas estimates through the chain (so they see the chain's clock).

>>> w3 = chain.w3                                                             # doctest: +SKIP
>>> w3.eth.send_transaction({"from": chain.alice, "to": chain.bob, "value": 1})  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from typing import Any

from eth_utils import to_checksum_address
from web3.providers.base import BaseProvider

from ..plumbing.errors import Reverted

ZERO_HASH = "0x" + "00" * 32
EMPTY_BLOOM = "0x" + "00" * 256
EXECUTION_REVERTED = 3  # the JSON-RPC error code nodes use for a revert (with its data)
SERVER_ERROR = -32000


def _int(value: Any, default: int = 0) -> int:
    if value is None:
        return default
    return int(value, 16) if isinstance(value, str) else int(value)


def _bytes(value: Any) -> bytes:
    if not value:
        return b""
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


class ChainProvider(BaseProvider):
    """A web3.py provider whose node is a :class:`~sumkit.Chain` (see :attr:`sumkit.Chain.w3`)."""

    def __init__(self, chain: Any, *, gas_limit: int, block_time: int) -> None:  # a sumkit.Chain (it imports us)
        super().__init__()
        self.chain, self.gas_limit, self.block_time = chain, gas_limit, block_time
        self._ids = itertools.count()
        from .backends.rpc import RpcBackend

        # A JSON-RPC backend: reads go to its node.
        self._forward = chain.backend.request if isinstance(chain.backend, RpcBackend) else None

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True

    def make_request(self, method: str, params: Any) -> dict[str, Any]:
        response: dict[str, Any] = {"jsonrpc": "2.0", "id": next(self._ids)}
        handler = getattr(self, "_" + method, None)
        try:
            if handler is not None:
                response["result"] = handler(*(params or []))
            elif self._forward is not None:
                return dict(self._forward(method, list(params or [])), id=response["id"])
            else:
                response["error"] = {"code": -32601, "message": f"sumkit's in-process chain has no {method}"}
        except Reverted as e:
            response["error"] = {"code": EXECUTION_REVERTED, "message": f"execution reverted: {e.reason}",
                                 "data": "0x" + e.data.hex()}
        except ValueError as e:
            response["error"] = {"code": SERVER_ERROR, "message": str(e)}
        return response

    # -- served on every backend -----------------------------------------------------------------------
    def _eth_accounts(self) -> list[str]:
        return list(self.chain.accounts)

    def _tx_fields(self, tx: dict[str, Any]) -> tuple[str, str | None, bytes, int]:
        sender = to_checksum_address(tx.get("from") or self.chain.owner)
        to = to_checksum_address(tx["to"]) if tx.get("to") else None
        return sender, to, _bytes(tx.get("data") or tx.get("input")), _int(tx.get("value"))

    def _eth_call(self, tx: dict[str, Any], block: Any = "latest", *overrides: Any) -> str:
        sender, to, data, value = self._tx_fields(tx)
        return "0x" + self.chain.call_data(sender, to, data, value=value, gas=_int(tx.get("gas"), self.gas_limit)).hex()

    def _eth_estimateGas(self, tx: dict[str, Any], block: Any = "latest") -> str:
        sender, to, data, value = self._tx_fields(tx)
        return hex(self.chain.estimate_gas(sender, to, data, value=value, gas=_int(tx.get("gas"), self.gas_limit)))

    def _eth_sendTransaction(self, tx: dict[str, Any]) -> str:
        sender, to, data, value = self._tx_fields(tx)
        gas = _int(tx["gas"]) if tx.get("gas") is not None else None  # None: the chain chooses (see gas_limit_for)
        return self.chain.send_data(sender, to, data, value=value, gas=gas).tx_hash

    def _eth_sendRawTransaction(self, raw: str) -> str:
        return self.chain.send_raw(_bytes(raw))

    # -- served in process (forwarded to the node otherwise) -------------------------------------------
    def _local(self, method: str, *params: Any) -> Any:
        if self._forward is not None:
            response = self._forward(method, list(params))
            if "error" in response:
                raise ValueError(response["error"].get("message", str(response["error"])))
            return response["result"]
        return None

    def _web3_clientVersion(self) -> str:
        return self._local("web3_clientVersion") or f"sumkit/{self.chain.backend.name}"

    def _eth_chainId(self) -> str:
        return self._local("eth_chainId") or hex(self.chain.backend.chain_id)

    def _net_version(self) -> str:
        return str(_int(self._eth_chainId()))

    def _eth_blockNumber(self) -> str:
        return self._local("eth_blockNumber") or hex(self.chain.block_number - 1)

    def _eth_getBalance(self, address: str, block: Any = "latest") -> str:
        return self._local("eth_getBalance", address, block) or hex(self.chain.balance(address))

    def _eth_getTransactionCount(self, address: str, block: Any = "latest") -> str:
        return self._local("eth_getTransactionCount", address, block) or hex(self.chain.nonce(address))

    def _eth_getCode(self, address: str, block: Any = "latest") -> str:
        local = self._local("eth_getCode", address, block)
        return local if local is not None else "0x" + self.chain.backend.code(to_checksum_address(address)).hex()

    def _eth_gasPrice(self) -> str:
        return self._local("eth_gasPrice") or "0x0"  # in process gas is free: the base fee is 0

    def _eth_maxPriorityFeePerGas(self) -> str:
        return self._local("eth_maxPriorityFeePerGas") or "0x0"

    def _block_number(self, tag: Any) -> int:
        latest = self.chain.block_number - 1
        if tag in ("latest", "safe", "finalized", None):
            return latest
        if tag == "pending":
            return latest + 1
        if tag == "earliest":
            return 0
        return _int(tag)

    def _eth_getBlockByNumber(self, tag: Any, full: bool = False) -> dict[str, Any] | None:
        if self._forward is not None:
            return self._local("eth_getBlockByNumber", tag, full)
        number = self._block_number(tag)
        if number > self.chain.block_number:
            return None
        receipts = [(h, r) for h, r in self.chain.history.receipts() if r["blockNumber"] == number]
        if number == self.chain.block_number:  # the pending block, at the chain's clock
            timestamp, block_hash = self.chain.now, None
        elif receipts:
            timestamp, block_hash = receipts[0][1]["blockTime"], receipts[0][1]["blockHash"]
        else:  # genesis, or a block mined before this chain object knew it
            timestamp, block_hash = self.chain.now - self.block_time, ZERO_HASH
        return {
            "number": hex(number), "hash": block_hash, "parentHash": ZERO_HASH, "timestamp": hex(timestamp),
            "baseFeePerGas": "0x0", "gasLimit": hex(self.chain.backend.block_gas_limit),
            "gasUsed": hex(sum(r["gasUsed"] for _, r in receipts)), "miner": "0x" + "00" * 20,
            "transactions": [h for h, _ in receipts], "logsBloom": EMPTY_BLOOM, "extraData": "0x",
            "difficulty": "0x0", "nonce": "0x0000000000000000", "size": "0x0", "uncles": [],
        }

    def _receipt(self, tx_hash: str, r: dict[str, Any]) -> dict[str, Any]:
        where = {"blockNumber": hex(r["blockNumber"]), "blockHash": r["blockHash"], "transactionHash": tx_hash,
                 "transactionIndex": "0x0"}
        return {
            **where, "from": r["from"], "to": r["to"], "status": hex(r["status"]), "gasUsed": hex(r["gasUsed"]),
            "cumulativeGasUsed": hex(r["gasUsed"]), "effectiveGasPrice": "0x0", "type": "0x2",
            "contractAddress": r["contractAddress"], "logsBloom": EMPTY_BLOOM,
            "logs": [{**log, **where, "removed": False} for log in r["logs"]],
        }

    def _eth_getTransactionReceipt(self, tx_hash: str) -> dict[str, Any] | None:
        if self._forward is not None:
            return self._local("eth_getTransactionReceipt", tx_hash)
        r = self.chain.history.receipt(tx_hash)
        return None if r is None else self._receipt(tx_hash, r)

    def _eth_getLogs(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        if self._forward is not None:
            return self._local("eth_getLogs", query)
        first = self._block_number(query.get("fromBlock", "latest"))
        last = self._block_number(query.get("toBlock", "latest"))
        addresses = query.get("address")
        if isinstance(addresses, str):
            addresses = [addresses]
        wanted = {to_checksum_address(a) for a in addresses} if addresses else None
        topics = query.get("topics") or []
        logs = []
        for tx_hash, r in self.chain.history.receipts():
            if not first <= r["blockNumber"] <= last:
                continue
            for log in self._receipt(tx_hash, r)["logs"]:
                if wanted is not None and log["address"] not in wanted:
                    continue
                if all(t is None or log["topics"][i:i + 1] and log["topics"][i] in ([t] if isinstance(t, str) else t)
                       for i, t in enumerate(topics)):
                    logs.append(log)
        return logs

