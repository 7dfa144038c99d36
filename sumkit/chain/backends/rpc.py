"""The JSON-RPC backend: any Ethereum node through web3.py's HTTPProvider (a local development node or a
testnet). Use it through :meth:`sumkit.Chain.connect`.

On a development node (Anvil, Hardhat, Ganache) it keeps sumkit's clock: before each transaction it sets
the next block's timestamp (``evm_setNextBlockTimestamp``; the node mines each transaction in a block of its
own), and calls run in a block at the chain's time (a block override), so the same story gives the same gas
as in process. Snapshots use ``evm_snapshot``/``evm_revert``. A testnet has none of these: time is the
validators', and nothing can be undone, so :meth:`refuse` explains what to do instead.

Transactions are signed here with eth-account when the chain was given private keys (they never leave this
process, and are never printed); otherwise the node signs for its own development accounts.

Others send transactions to the same node (classmates, web3.py scripts, wallets): :meth:`RpcBackend.logs`
reads, with ``eth_getLogs``, what the contracts a chain knows emitted in blocks it did not mine itself, so the
chain's events, and everything derived from them (a trainer's contributions and mirror), include theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import rlp
from eth_account import Account
from eth_utils import to_checksum_address
from web3 import HTTPProvider, Web3

from ...plumbing.abi import checksum
from .base import TX_GAS_CAP, Capabilities, CallResult, Log, TransactionRejected, TxResult, over_the_cap

DEV_CLIENTS = ("anvil", "hardhat", "ganache")  # nodes that let a client set block times and undo state
NAMED_ACCOUNTS = 10  # how many of a development node's accounts the chain lists
OUT_OF_GAS_PROBE = TX_GAS_CAP  # the gas to retry a revert without data with, to tell "out of gas" apart
RECEIPT_TIMEOUT = 180  # seconds to wait for a transaction to be mined on a real network


def raw_gas_limit(raw: bytes) -> int:
    """The gas limit of a signed transaction (legacy, or typed: EIP-2930, 1559, 4844, 7702)."""
    try:
        if raw and raw[0] <= 0x7F:  # typed: the type byte, then an RLP list with the gas limit at 3 (2930) or 4
            return int.from_bytes(rlp.decode(raw[1:])[3 if raw[0] == 1 else 4], "big")
        return int.from_bytes(rlp.decode(raw)[2], "big")
    except (rlp.DecodingError, IndexError, TypeError) as e:
        raise TransactionRejected(f"not a valid signed transaction: {e}") from None


class RpcError(Exception):
    """A JSON-RPC error answer: ``code``, ``message`` and ``data`` (revert data, when the node gave any)."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.code = error.get("code")
        self.message = str(error.get("message", error))
        self.data = error.get("data")
        super().__init__(f"{self.message} (JSON-RPC error {self.code})")


def _revert_data(error: RpcError) -> bytes | None:
    """The revert bytes of a node's error answer, or None when it is not a revert."""
    data = error.data
    if isinstance(data, dict):  # some nodes nest it: {"data": "0x..."} or {"result": "0x..."}
        data = data.get("data") or data.get("result")
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    if "revert" in error.message.lower():
        return b""
    return None


class RpcBackend:
    """A JSON-RPC node at ``url``. ``private_keys``: sign locally for these accounts instead of the node's."""

    name = "rpc"

    def __init__(self, url: str, *, private_keys: Sequence[str | bytes] | None = None, timeout: float = 30) -> None:
        self.url = url
        self.w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": timeout}))
        try:
            self.client = str(self._rpc("web3_clientVersion", []))
        except OSError as e:
            raise ConnectionError(
                f"no Ethereum node answers at {url} ({e}). Start one (with sk.LocalNode() for a local "
                "development node) or check the URL."
            ) from None
        # A development node that mines each transaction as it comes (automine) lets sumkit set block times and
        # undo state; one that mines on a timer behaves like a network (sk.LocalNode(testnet=True)).
        self.dev = any(name in self.client.lower() for name in DEV_CLIENTS) and self._automines()
        self.chain_id = int(self._rpc("eth_chainId", []), 16)
        self.block_gas_limit = int(self._rpc("eth_getBlockByNumber", ["latest", False])["gasLimit"], 16)
        self._signers: dict[str, Any] = {}  # address -> eth-account LocalAccount (keys stay in it)
        if private_keys:
            self.accounts = [self.add_account(key) for key in private_keys]
        else:
            self.accounts = [to_checksum_address(a) for a in self._rpc("eth_accounts", [])][:NAMED_ACCOUNTS]
            if not self.accounts:
                raise ValueError(
                    f"the node at {url} has no accounts of its own (a public node never does): connect with "
                    "private_keys=[...] (keep keys out of notebooks: read them from an environment variable)"
                )

    def _automines(self) -> bool:
        """Whether this development node mines each transaction as it comes. A node that refuses to say (an Anvil
        behind a gateway that lets clients use only public methods, as a class node's) is not sumkit's to drive."""
        for client, method in (("anvil", "anvil_getAutomine"), ("hardhat", "hardhat_getAutomine")):
            if client in self.client.lower():
                return bool(self.request(method, []).get("result", False))
        return True  # Ganache: it mines each transaction

    @property
    def capabilities(self) -> Capabilities:
        """On a development node sumkit's clock sets block times and snapshots work; others may send too."""
        return Capabilities(time_control=self.dev, snapshots=self.dev, follows_others=True, raw_transactions=True,
                            gas_estimation=True)

    def __repr__(self) -> str:
        return f"<RpcBackend {self.client} chain_id={self.chain_id}>"

    # -- JSON-RPC ------------------------------------------------------------------------------------
    def request(self, method: str, params: list[Any]) -> dict[str, Any]:
        """Send one JSON-RPC request; the node's answer, errors included (``{"error": ...}``)."""
        return dict(self.w3.provider.make_request(method, params))  # type: ignore[arg-type]

    def _rpc(self, method: str, params: list[Any]) -> Any:
        answer = self.request(method, params)
        if "error" in answer:
            raise RpcError(answer["error"])
        return answer["result"]

    def refuse(self, what: str) -> RuntimeError:
        """Why ``what`` ("travel" or "snapshot") cannot happen on this node, and what to do instead."""
        if what == "travel":
            return RuntimeError(
                f"chain.travel cannot move time on {self.client}: on a real network the validators set block "
                "times, and time passes only by waiting. Wait for real (chain.now follows the latest block), or "
                "for a demo deploy with a short wait, e.g. DepositRefundTake(refund_wait=sk.minutes(2))."
            )
        return RuntimeError(
            f"chain.snapshot cannot undo anything on {self.client}: what a real network has mined stays mined. "
            "Try things out first in process (sk.Chain()) or on a local node (sk.LocalNode()), where snapshots "
            "work, and send here only what you mean."
        )

    # -- reads ---------------------------------------------------------------------------------------
    @property
    def block_number(self) -> int:
        return int(self._rpc("eth_blockNumber", []), 16) + 1

    def balance(self, address: str) -> int:
        return int(self._rpc("eth_getBalance", [address, "latest"]), 16)

    def nonce(self, address: str) -> int:
        return int(self._rpc("eth_getTransactionCount", [address, "pending"]), 16)

    def code(self, address: str) -> bytes:
        return bytes.fromhex(self._rpc("eth_getCode", [address, "latest"])[2:])

    def logs(self, addresses: Sequence[str], first: int, last: int) -> list[tuple[int, str, Log]]:
        """Every log that a contract at one of ``addresses`` emitted in blocks ``first`` to ``last``, whoever sent
        the transaction, as ``(block number, transaction hash, log)`` in the chain's order (``eth_getLogs``)."""
        if not addresses or first > last:
            return []
        query = {"address": list(addresses), "fromBlock": hex(first), "toBlock": hex(last)}
        found = [log for log in self._rpc("eth_getLogs", [query]) if not log.get("removed")]
        found.sort(key=lambda log: (int(log["blockNumber"], 16), int(log["logIndex"], 16)))
        return [(int(log["blockNumber"], 16), log["transactionHash"].lower(),
                 Log(checksum(log["address"]), tuple(bytes.fromhex(t[2:]) for t in log["topics"]),
                     bytes.fromhex(log["data"][2:])))
                for log in found]

    def latest_timestamp(self) -> int:
        """The timestamp of the latest mined block."""
        return int(self._rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def timestamp_of(self, number: int) -> int:
        """The timestamp of mined block ``number``."""
        return int(self._rpc("eth_getBlockByNumber", [hex(number), False])["timestamp"], 16)

    # -- calls and transactions ----------------------------------------------------------------------
    @staticmethod
    def _tx(sender: str, to: str | None, data: bytes, value: int, gas: int) -> dict[str, Any]:
        tx = {"from": sender, "data": "0x" + data.hex(), "value": hex(value), "gas": hex(gas)}
        if to:
            tx["to"] = to
        return tx

    def call(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int) -> CallResult:
        params: list[Any] = [self._tx(sender, to, data, value, gas), "latest"]
        if self.dev:  # run it in a block at the chain's time, as the next transaction will be
            params += [{}, {"time": hex(timestamp), "number": hex(self.block_number)}]
        try:
            return CallResult(True, output=bytes.fromhex(self._rpc("eth_call", params)[2:]))
        except RpcError as e:
            failure = self._failure(e)
        # A node reports an inner call that ran out of gas as a revert without data: if the same call succeeds
        # with the most gas a transaction may carry, the limit was the cause.
        more = min(self.block_gas_limit, OUT_OF_GAS_PROBE)
        if not failure.error and not failure.halt and more > gas:
            probe = self.call(sender, to, data, value=value, gas=more, timestamp=timestamp)
            if probe.success:
                return CallResult(False, halt=f"OutOfGas: it needs more than {gas:,} gas")
        return failure

    def call_at(self, sender: str, to: str, data: bytes, *, block: int, gas: int) -> CallResult:
        """A call on the state after mined block ``block`` (a pruned node may have forgotten old states)."""
        try:
            return CallResult(True, output=bytes.fromhex(self._rpc("eth_call", [self._tx(sender, to, data, 0, gas),
                                                                               hex(block)])[2:]))
        except RpcError as e:
            return self._failure(e)

    def estimate_gas(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int) -> int:
        """The node's gas estimate for this transaction in a block at ``timestamp`` (``gas`` at most);
        :class:`TransactionRejected` when the node cannot give one (the transaction would revert, or need more)."""
        params: list[Any] = [self._tx(sender, to, data, value, gas), "latest"]
        if self.dev:
            params += [{}, {"time": hex(timestamp), "number": hex(self.block_number)}]
        try:
            return int(self._rpc("eth_estimateGas", params), 16)
        except RpcError as e:
            raise TransactionRejected(f"no gas estimate: {e.message}") from None

    def fee_per_gas(self) -> int:
        """The max fee per gas a transaction sent now offers (twice the latest base fee plus the node's tip)."""
        return int(self._fees()["maxFeePerGas"], 16)

    @staticmethod
    def _failure(error: RpcError) -> CallResult:
        data = _revert_data(error)
        if data is not None:
            return CallResult(False, error=data)
        text = error.message.lower().replace(" ", "")
        if "outofgas" in text or "gasrequiredexceeds" in text:
            return CallResult(False, halt=f"OutOfGas: {error.message}")
        if any(word in text for word in ("invalidopcode", "stackunderflow", "stackoverflow", "invalidjump")):
            return CallResult(False, halt=error.message)
        raise TransactionRejected(error.message)

    def _fees(self) -> dict[str, str]:
        base = int(self._rpc("eth_getBlockByNumber", ["latest", False]).get("baseFeePerGas", "0x0"), 16)
        tip = int(self._rpc("eth_maxPriorityFeePerGas", []), 16)
        return {"maxPriorityFeePerGas": hex(tip), "maxFeePerGas": hex(2 * base + tip)}

    def send(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int,
             nonce: int | None = None) -> TxResult | CallResult:
        dry_run = self.call(sender, to, data, value=value, gas=gas, timestamp=timestamp)
        if not dry_run.success:  # nothing is sent: the node would only mine a failure
            return dry_run
        tx = dict(self._tx(sender, to, data, value, gas), **self._fees(), type="0x2", chainId=hex(self.chain_id),
                  nonce=hex(self.nonce(sender) if nonce is None else nonce))
        signer = self._signers.get(sender)
        if signer is None and sender not in self.accounts:
            raise TransactionRejected(f"this node does not sign for {sender}, and no private key was given for it")
        self._set_time(timestamp)
        try:
            if signer is not None:
                fields = {k: (int(v, 16) if k not in ("from", "to", "data") else v) for k, v in tx.items()}
                fields.pop("from")
                raw = signer.sign_transaction(fields).raw_transaction
                tx_hash = self._rpc("eth_sendRawTransaction", ["0x" + bytes(raw).hex()])
            else:
                tx_hash = self._rpc("eth_sendTransaction", [tx])
        except RpcError as e:
            return self._failure(e)
        # A receipt has no return value: the dry run's, computed on the same state at the same time, is it.
        return self._receipt(tx_hash, output=dry_run.output)

    def send_raw(self, raw: bytes, *, timestamp: int) -> tuple[str, str | None, bytes, TxResult | CallResult]:
        """Send a transaction signed elsewhere (e.g. with eth-account) at ``timestamp``; returns its sender,
        recipient, data and result."""
        gas = raw_gas_limit(raw)
        if gas > TX_GAS_CAP:  # a node with Osaka rules refuses it; sumkit does on every node
            raise TransactionRejected(over_the_cap(gas))
        self._set_time(timestamp)
        try:
            tx_hash = self._rpc("eth_sendRawTransaction", ["0x" + raw.hex()])
        except RpcError as e:
            data = _revert_data(e)
            if data is None:
                raise TransactionRejected(e.message) from None
            sender = Account.recover_transaction(raw)
            return sender, None, b"", CallResult(False, error=data)
        tx = self._rpc("eth_getTransactionByHash", [tx_hash])
        to = to_checksum_address(tx["to"]) if tx.get("to") else None
        return to_checksum_address(tx["from"]), to, bytes.fromhex(tx["input"][2:]), self._receipt(tx_hash)

    def _set_time(self, timestamp: int) -> None:
        if self.dev:
            self._rpc("evm_setNextBlockTimestamp", [hex(timestamp)])

    def _receipt(self, tx_hash: str, output: bytes = b"") -> TxResult:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.05)
        logs = tuple(Log(to_checksum_address(log["address"]), tuple(bytes(t) for t in log["topics"]), bytes(log["data"]))
                     for log in receipt["logs"])
        created = receipt.get("contractAddress")
        error = b"" if receipt["status"] else self._why_it_failed(tx_hash, receipt["blockNumber"])
        return TxResult(
            bool(receipt["status"]),
            error=error,
            output=output,
            gas_used=receipt["gasUsed"],
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=receipt["blockNumber"],
            logs=logs,
            created=to_checksum_address(created) if created else None,
            block_hash="0x" + bytes(receipt["blockHash"]).hex(),
        )

    def _why_it_failed(self, tx_hash: str, number: int) -> bytes:
        """The revert data of a mined transaction that failed (status 0): a receipt does not carry it, so the
        transaction is run again as a call on the state before its block, at its block's time."""
        tx = self._rpc("eth_getTransactionByHash", [tx_hash])
        call = {"from": tx["from"], "to": tx.get("to"), "data": tx["input"], "value": tx["value"], "gas": tx["gas"]}
        params: list[Any] = [call, hex(number - 1)]
        if self.dev:
            params += [{}, {"time": hex(self.timestamp_of(number)), "number": hex(number)}]
        try:
            self._rpc("eth_call", params)
        except RpcError as e:
            return _revert_data(e) or b""
        return b""

    # -- state ---------------------------------------------------------------------------------------
    def snapshot(self) -> Any:
        if not self.dev:
            raise self.refuse("snapshot")
        return self._rpc("evm_snapshot", [])

    def revert(self, snapshot: Any) -> None:
        if not self._rpc("evm_revert", [snapshot]):
            raise RuntimeError(f"the node could not revert to snapshot {snapshot}")

    def add_account(self, private_key: bytes | str) -> str:
        signer = Account.from_key(private_key)
        self._signers[signer.address] = signer
        return signer.address
