"""The class node's JSON-RPC gateway: the one door to the class chain, in a process of its own.

Students reach the chain only through it, and it lets them do what a public Ethereum node lets anyone do:
read (``eth_*`` reads, ``eth_call``, ``eth_estimateGas``, ``eth_getLogs``) and send transactions they signed
themselves (``eth_sendRawTransaction``). Everything else a development node offers (moving time, undoing
blocks, minting ether, impersonating accounts, changing code, signing with node-held accounts) is refused
with a JSON-RPC error saying why. The instructor passes the same door with the admin credential, a secret path
``/admin/<token>`` kept in the instructor's file only, and may call anything.

It also refuses, for everyone, what a public mempool refuses: a transaction with a gas limit above
16,777,216 (EIP-7825). Requests larger than ``MAX_REQUEST_BYTES`` and batches of more than ``MAX_BATCH``
calls are refused with a clear error; every request is served by its own thread, so a refused or slow client
does not hold up the others.

It also keeps the node mining (:class:`Flusher`): the pinned Anvil's automine can leave transactions unmined
under a class's burst of senders (foundry-rs/foundry#10122); a transaction waiting more than
``STALL_SECONDS`` with no new block is mined, or re-sent, exactly as automine would have.

Run by :class:`sumkit.classroom.Classroom` as ``python -m sumkit.classroom.gateway --upstream URL --host H
--port P --token-file F [--log FILE]`` (the token is read from a file, never from the command line, which other
users of the machine can see; the log gets one line per flush).
"""

from __future__ import annotations

import argparse
import hmac
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import rlp

# EIP-7825: the largest gas limit a transaction may carry (mainnet, testnets). A copy of
# sumkit.chain.backends.base.TX_GAS_CAP: this script runs in its own process and imports nothing of sumkit (a test
# checks the two are equal).
TX_GAS_CAP = 16_777_216
MAX_REQUEST_BYTES = 512 * 1024  # a contract deployment of the largest allowed code (24 KiB) fits with room
MAX_BATCH = 20  # calls in one JSON-RPC batch
DRAIN_LIMIT = 16 * 1024 * 1024  # an oversized body up to this size is read and dropped; larger, the connection is cut
CLIENT_VERSION = "sumkit-classroom/1 (a shared class chain behind a method gateway)"
UPSTREAM_TIMEOUT = 60  # seconds to wait for the node's answer
STALL_SECONDS = 1.0  # a transaction in the node's pool this long with no new block is flushed (see Flusher)
WATCH_EVERY = 0.25  # seconds between the flusher's looks at the pool while transactions are outstanding
REMEMBERED = 20_000  # signed transactions the flusher keeps to re-send (the oldest are forgotten first) ...
REMEMBERED_BYTES = 64 * 1024 * 1024  # ... and their total size, whatever students send

# What a public node offers anyone: reads, calls, estimates, logs and self-signed transactions.
PUBLIC_METHODS = frozenset({
    "eth_blockNumber", "eth_call", "eth_chainId", "eth_estimateGas", "eth_feeHistory", "eth_gasPrice",
    "eth_getBalance", "eth_getBlockByHash", "eth_getBlockByNumber", "eth_getBlockReceipts",
    "eth_getBlockTransactionCountByHash", "eth_getBlockTransactionCountByNumber", "eth_getCode", "eth_getLogs",
    "eth_getProof", "eth_getStorageAt", "eth_getTransactionByBlockHashAndIndex",
    "eth_getTransactionByBlockNumberAndIndex", "eth_getTransactionByHash", "eth_getTransactionCount",
    "eth_getTransactionReceipt", "eth_getUncleCountByBlockHash", "eth_getUncleCountByBlockNumber",
    "eth_maxPriorityFeePerGas", "eth_blobBaseFee", "eth_protocolVersion", "eth_sendRawTransaction",
    "eth_syncing", "eth_createAccessList", "eth_accounts", "net_version", "net_listening", "net_peerCount",
    "web3_clientVersion", "web3_sha3",
})

SHARED = ("the class shares one chain, so only the instructor may {what}. To experiment freely, use your own "
          "chain in process: chain = sk.Chain()")
# Why each family of a development node's methods is refused (first matching prefix wins).
REFUSED = (
    ("evm_increaseTime", SHARED.format(what="move the class clock")),
    ("evm_setNextBlockTimestamp", SHARED.format(what="move the class clock")),
    ("evm_snapshot", SHARED.format(what="snapshot and undo (an undo would erase your classmates' transactions)")),
    ("evm_revert", SHARED.format(what="snapshot and undo (an undo would erase your classmates' transactions)")),
    ("evm_", SHARED.format(what="control mining and time")),
    ("anvil_impersonate", "impersonation would let you send as any account, your classmates' included; sign your "
                          "own transactions with your own key (sk.Chain.join(your file) does)"),
    ("anvil_autoImpersonate", "impersonation would let you send as any account, your classmates' included; sign "
                              "your own transactions with your own key (sk.Chain.join(your file) does)"),
    ("anvil_set", "it would change balances, code, storage or nonces outside any transaction; a public node "
                  "never does: " + SHARED.format(what="change the chain's state directly")),
    ("anvil_", "it is a development-node control method; " + SHARED.format(what="control the node")),
    ("hardhat_", "it is a development-node control method; " + SHARED.format(what="control the node")),
    ("ganache_", "it is a development-node control method; " + SHARED.format(what="control the node")),
    ("tenderly_", "it is a development-node control method; " + SHARED.format(what="control the node")),
    ("personal_", "it would use keys held by the node; the class node holds none for students: sign with your "
                  "own key"),
    ("eth_sendTransaction", "the node signs for nobody here (eth_accounts is empty): sign the transaction with "
                            "your own key and send it with eth_sendRawTransaction (sk.Chain.join(your file) does)"),
    ("eth_sign", "the node signs for nobody here: sign with your own key (eth-account)"),
    ("debug_", "debug methods can change or replay the node's state: a public node does not offer them"),
    ("admin_", "node administration is the instructor's"),
    ("miner_", "mining is the instructor's"),
    ("txpool_", "the class node does not show its transaction pool"),
    ("ots_", "the class node does not offer Otterscan's methods"),
)


def refusal(method: str) -> str:
    """Why a student may not call ``method`` (every method outside :data:`PUBLIC_METHODS`)."""
    for prefix, why in REFUSED:
        if method.startswith(prefix):
            return f"the class gateway refuses {method}: {why}"
    return (f"the class gateway refuses {method}: it is not one of the methods a public node offers "
            f"({', '.join(sorted(m for m in PUBLIC_METHODS if m.startswith('eth_'))[:6])}, ...)")


def transaction_gas(raw_hex: str) -> int:
    """The gas limit of a signed transaction (legacy or typed: EIP-2930, 1559, 4844, 7702)."""
    raw = bytes.fromhex(raw_hex[2:] if raw_hex.startswith("0x") else raw_hex)
    if not raw:
        raise ValueError("empty transaction")
    if raw[0] >= 0xC0:  # legacy: [nonce, gasPrice, gas, ...]
        return int.from_bytes(rlp.decode(raw)[2], "big")
    fields = rlp.decode(raw[1:])
    if raw[0] == 1:  # [chainId, nonce, gasPrice, gas, ...]
        return int.from_bytes(fields[3], "big")
    if raw[0] in (2, 3, 4):  # [chainId, nonce, maxPriorityFee, maxFee, gas, ...]
        fields = fields[0] if raw[0] == 3 and isinstance(fields[0], list) else fields  # blob tx with sidecar
        return int.from_bytes(fields[4], "big")
    raise ValueError(f"unknown transaction type {raw[0]}")


def error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


class Flusher(threading.Thread):
    """Keeps the class node mining what it accepted: a workaround for Anvil's automine (foundry-rs/foundry#10122,
    still in the pinned Anvil 1.7.1).

    What goes wrong, seen. 30 senders x 10 transfers at once straight to the node, repeated, with the node's
    process at low CPU priority on the loaded 2-core machine (as in a busy CI run): in 6 of 94 rounds, 16 to 285
    transactions sat *ready* in the pool while no block came for 2.3 to 6.1 s, and most were still there 2 s
    later (219 -> 207 unmined); one ``evm_mine`` mined them all at once. Anvil's automine learns of new work only from its
    "ready" notifications and mines from whatever it last collected, so it can fall behind, or stop, with work
    in the pool (at normal priority, 60 rounds showed no such wait).

    What goes wrong, read in Anvil's pool. A raw transaction is checked against the sender's nonce in the latest
    state, then added to the pool, which marks it *ready* when the transaction it follows (same sender, nonce -
    1) is mined or in the pool, and *queued* otherwise. A block committed between those two steps prunes the
    predecessor from the pool after the check saw it unmined: the transaction is then queued behind a
    transaction nobody will send again, and it (and every later one of that sender) is never mined, though its
    nonce is the account's next (the pool state reported in foundry-rs/foundry#10122: nothing ready, 16
    queued). The load did not produce it here; a test builds that pool state on purpose.

    Either way the chain stops for some student while the pool holds their transactions: in one of two full CI
    runs a receipt did not arrive within 300 s.

    What this does. While transactions sent through the gateway may be unmined, it looks at the pool every
    ``WATCH_EVERY`` s. When the pool is not empty and no block came for ``STALL_SECONDS``:

    - a queued transaction whose nonce is its sender's next (the race above) is taken out of the pool with the
      rest of that sender's and sent again in nonce order, now checked against the current state: it is ready;
    - ready transactions are mined with ``evm_mine`` without a timestamp, which is the path automine takes: the
      block gets the node's own next time, so the class clock does not move (only the instructor moves it) and
      every student sees the same chain. A student cannot call it: students can only send transactions, which
      a working automine would have mined at the same time anyway.

    A queued transaction with a real gap (a nonce sent ahead) is left alone, as any node does. Each flush that
    did something is written to ``log`` (a file path, or None) with the time.
    """

    def __init__(self, forward: Callable[[bytes], bytes], log: str | None = None) -> None:
        super().__init__(name="class-node-flusher", daemon=True)
        self.forward = forward  # the gateway's: a JSON-RPC body to the node, its answer back
        self.log = log
        self.sent: dict[str, tuple[str, float]] = {}  # tx hash -> (raw transaction, when the node accepted it)
        self.size = 0  # characters of the raw transactions in sent
        self.lock = threading.Lock()
        self.outstanding = threading.Event()  # set while some transaction may be unmined

    def note(self, tx_hash: str, raw: str) -> None:
        """The node accepted the signed transaction ``raw`` as ``tx_hash``: watch it until the pool is empty."""
        with self.lock:
            self.sent[tx_hash.lower()] = (raw, time.monotonic())
            self.size += len(raw)
            while len(self.sent) > REMEMBERED or self.size > REMEMBERED_BYTES:
                self.size -= len(self.sent.pop(next(iter(self.sent)))[0])
            self.outstanding.set()

    def call(self, method: str, params: list[Any]) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        answer = json.loads(self.forward(body))
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def run(self) -> None:
        block, since = None, time.monotonic()
        while True:
            self.outstanding.wait()
            time.sleep(WATCH_EVERY)
            try:
                block, since = self.look(block, since)
            except (OSError, http.client.HTTPException):
                continue  # the node is restarting or busy: look again
            except Exception as e:  # noqa: BLE001 - a flusher that stopped would leave the class stalled: log, go on
                self.write(f"flush failed: {type(e).__name__}: {e}")
                since = time.monotonic()

    def look(self, block: str | None, since: float) -> tuple[str | None, float]:
        """One look at the pool (flushing it if it stalled); returns the latest block and since when it is."""
        looked = time.monotonic()
        status = self.call("txpool_status", [])
        latest = self.call("eth_blockNumber", [])
        if latest != block:
            block, since = latest, looked
        ready, queued = int(status["pending"], 16), int(status["queued"], 16)
        if not ready and not queued:
            with self.lock:  # everything noted before this look is mined (or was refused by the node)
                self.sent = {h: v for h, v in self.sent.items() if v[1] >= looked}
                self.size = sum(len(raw) for raw, _ in self.sent.values())
                if not self.sent:
                    self.outstanding.clear()
            return block, since
        if time.monotonic() - since < STALL_SECONDS:
            return block, since
        self.flush(ready, queued, time.monotonic() - since)
        return block, time.monotonic()  # give the node STALL_SECONDS to mine before looking again

    def flush(self, ready: int, queued: int, waited: float) -> None:
        resent = 0
        if queued:
            content = self.call("txpool_content", [])
            for sender, waiting in content["queued"].items():
                resent += self.resend_if_stuck(sender, waiting, content["pending"].get(sender, {}))
        if ready:
            self.call("evm_mine", [])
        if not (ready or resent):
            return  # only a real gap waits: nothing to do, nothing to log
        self.write(f"no block for {waited:.1f} s with {ready} ready and {queued} queued transactions in the pool: "
                   f"re-sent {resent} stuck, mined {'a block' if ready else 'nothing'}")

    def resend_if_stuck(self, sender: str, waiting: dict[str, Any], ready: dict[str, Any]) -> int:
        """Re-send ``sender``'s transactions if its lowest queued one has the account's next nonce (the race in
        the class docstring); returns how many were re-sent."""
        nonce = int(self.call("eth_getTransactionCount", [sender, "latest"]), 16)
        queued = {int(n): tx["hash"].lower() for n, tx in waiting.items()}
        if min(queued) != nonce or any(int(n) < nonce for n in ready):
            return 0  # a real gap (a nonce sent ahead), or the ready ones come first: nothing is stuck
        mine = {**{int(n): tx["hash"].lower() for n, tx in ready.items()}, **queued}
        with self.lock:
            raws = [self.sent.get(mine[n], (None, 0.0))[0] for n in sorted(mine)]
        if None in raws:
            self.write(f"{sender}: transactions stuck at nonce {nonce}, but not all were sent through this gateway")
            return 0
        self.call("anvil_removePoolTransactions", [sender])
        for raw in raws:
            self.call("eth_sendRawTransaction", [raw])
        return len(raws)

    def write(self, line: str) -> None:
        if self.log:
            with open(self.log, "a") as f:
                f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")


class Gateway(ThreadingHTTPServer):
    """The HTTP server: ``upstream`` is the node's URL (on 127.0.0.1), ``token`` the admin credential."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], upstream: str, token: str, log: str | None = None) -> None:
        super().__init__(address, Handler)
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.token = token
        self.local = threading.local()
        self.flusher = Flusher(self.forward, log)
        self.flusher.start()

    def forward(self, body: bytes) -> bytes:
        """Send ``body`` to the node on this thread's connection (reopened once if the node dropped it)."""
        for attempt in (0, 1):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection(*self.upstream, timeout=UPSTREAM_TIMEOUT)
            try:
                connection.request("POST", "/", body, {"Content-Type": "application/json"})
                return connection.getresponse().read()
            except (OSError, http.client.HTTPException):
                connection.close()
                self.local.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def answer(self, call: Any, admin: bool) -> dict[str, Any] | None:
        """The answer to one JSON-RPC call, or None to forward it to the node unchanged."""
        if not isinstance(call, dict) or not isinstance(call.get("method"), str):
            return error(None, -32600, "invalid request: a JSON-RPC call is an object with a method name")
        method, params, call_id = call["method"], call.get("params") or [], call.get("id")
        if method == "eth_sendRawTransaction":
            try:
                gas = transaction_gas(params[0])
            except Exception as e:  # noqa: BLE001 - anything unreadable is refused with the reason
                return error(call_id, -32602, f"the class gateway cannot read this signed transaction ({e})")
            if gas > TX_GAS_CAP:
                return error(call_id, -32000, (
                    f"transaction gas limit {gas:,} exceeds the cap of {TX_GAS_CAP:,} (EIP-7825): since the Osaka "
                    "upgrade no public network accepts it. Send it with a lower gas limit (an estimate with a margin)"))
        if admin:
            return None
        if method not in PUBLIC_METHODS:
            return error(call_id, -32601, refusal(method))
        if method == "eth_accounts":
            return {"jsonrpc": "2.0", "id": call_id, "result": []}
        if method == "web3_clientVersion":
            return {"jsonrpc": "2.0", "id": call_id, "result": CLIENT_VERSION}
        return None


class Handler(BaseHTTPRequestHandler):
    server: Gateway
    protocol_version = "HTTP/1.1"
    timeout = 30  # a client that stops sending mid-request is dropped, not waited for

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm holds the body back for
        # the client's delayed acknowledgement (40 ms a request).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # quiet: a class sends thousands of requests

    def _send(self, status: int, payload: Any, close: bool = False) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def _admin(self) -> bool | None:
        """True for the instructor's path, False for the public one, None for any other path."""
        path = self.path.split("?")[0].rstrip("/")
        if path == "":
            return False
        if path.startswith("/admin/"):
            return hmac.compare_digest(path[len("/admin/"):].encode(), self.server.token.encode()) or None
        return None

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._send(405, error(None, -32600, "the class node speaks JSON-RPC: POST a JSON request"), close=True)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        admin = self._admin()
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._send(411, error(None, -32600, "the class gateway needs a Content-Length header"), close=True)
            return
        if int(length) > MAX_REQUEST_BYTES:  # refused unparsed; read (up to a bound) so the client sees the answer
            left = int(length)
            while 0 < left <= DRAIN_LIMIT:
                chunk = self.rfile.read(min(left, 65_536))
                if not chunk:
                    break
                left -= len(chunk)
            self._send(413, error(None, -32600, (
                f"request too large: {int(length):,} bytes, the class gateway accepts at most {MAX_REQUEST_BYTES:,}. "
                "Send fewer calls at once, or smaller data")), close=True)
            return
        body = self.rfile.read(int(length))
        if admin is None:
            self._send(403, error(None, -32600, "wrong path: students use the class URL itself; the instructor's "
                                                "URL is in the instructor's file only"))
            return
        try:
            request = json.loads(body)
        except ValueError:
            self._send(200, error(None, -32700, "parse error: the request is not JSON"))
            return
        batch = isinstance(request, list)
        calls = request if batch else [request]
        if batch and not calls:
            self._send(200, error(None, -32600, "empty batch"))
            return
        if batch and len(calls) > MAX_BATCH:
            self._send(200, error(None, -32600, (
                f"batch too large: {len(calls)} calls, the class gateway accepts at most {MAX_BATCH} per request. "
                "Split it")))
            return
        answers: list[Any] = [self.server.answer(call, bool(admin)) for call in calls]
        forward = [call for call, answer in zip(calls, answers) if answer is None]
        if forward:
            try:
                node = json.loads(self.server.forward(json.dumps(forward if batch else forward[0]).encode()))
            except (OSError, http.client.HTTPException, ValueError):
                message = ("the class node is not answering (the instructor may be restarting the class): nothing "
                           "you sent before was lost; run your cell again in a minute")
                node = [error(call.get("id"), -32000, message) for call in forward]
            node = node if isinstance(node, list) else [node]
            by_id = {json.dumps(a.get("id")): a for a in node if isinstance(a, dict)}  # a batch's answers may come in any order
            answers = [answer if answer is not None else by_id.get(json.dumps(call.get("id")), error(call.get("id"), -32603, "no answer"))
                       for call, answer in zip(calls, answers)]
            for call, answer in zip(calls, answers):  # what the node accepted, the flusher watches until it is mined
                if call.get("method") == "eth_sendRawTransaction" and isinstance(answer.get("result"), str):
                    self.server.flusher.note(answer["result"], call["params"][0])
        self._send(200, answers if batch else answers[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sumkit.classroom.gateway", description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True, help="the node's URL, e.g. http://127.0.0.1:8545")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-file", required=True, help="a file holding the admin token")
    parser.add_argument("--log", help="a file to append one line to per flush (see Flusher)")
    args = parser.parse_args(argv)
    with open(args.token_file) as f:
        token = f.read().strip()
    if len(token) < 16:
        sys.exit("the admin token must be at least 16 characters")
    server = Gateway((args.host, args.port), args.upstream, token, args.log)
    print(f"class gateway on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
