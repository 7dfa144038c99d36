"""``sk.LocalNode()``: the project's pinned local development node (Anvil, from the npm package
``@foundry-rs/anvil`` pinned in package.json), on a free port of 127.0.0.1, stopped on exit.

>>> with sk.LocalNode() as node:                     # doctest: +SKIP
...     chain = sk.Chain.connect(node.url)

It starts at sumkit's genesis time with Prague rules and the ten development accounts of the standard test
mnemonic holding 1,000,000 ether each (the accounts sumkit's in-process chain uses), so the same story gives
the same addresses, the same gas and the same payouts as in process; unlike in process, gas is paid for, at
a real EIP-1559 base fee.

``sk.LocalNode(testnet=True)`` behaves like a public testnet instead: Osaka rules with EIP-7825's per-transaction
gas cap enforced by the node, a block every ``block_time`` seconds of real time whether or not anything is sent,
a base fee, and no clock or snapshots for sumkit (it mines on its timer, so a chain connected to it waits for real
time as on Sepolia). Its development accounts are only a faucet: fund a key of your own from them and work with
that key, as with a testnet faucet.

>>> with sk.LocalNode(testnet=True) as node:                         # doctest: +SKIP
...     faucet = sk.Chain.connect(node.url)
...     me = eth_account.Account.create()
...     faucet.w3.eth.send_transaction({"from": faucet.owner, "to": me.address, "value": sk.ether(0.05)})
...     chain = sk.Chain.connect(node.url, private_keys=[me.key])
"""

from __future__ import annotations

import json
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import weakref
from pathlib import Path
from types import TracebackType

from ..solc.artifacts import ROOT
from .backends.base import DEV_CHAIN

TESTNET_BLOCK_TIME = 2  # seconds between a testnet-like node's blocks (Sepolia: 12; shorter keeps demos quick)
TESTNET_BASE_FEE = 10**9  # 1 gwei: the testnet-like node's first base fee (EIP-1559 then moves it block by block)
NPM_PACKAGE = "@foundry-rs/anvil"
INSTALL_HINT = (
    "Install the pinned node from the sumkit checkout with `npm ci` (it needs Node.js 18 or later, from your "
    "package manager or nodejs.org; npm brings the node's native binary with it), or put Foundry's `anvil` on PATH."
)


class NodeNotAvailable(RuntimeError):
    """The local development node cannot be started here (its package is not installed); says how to install it."""


def _platform_package() -> str:
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    arch = "arm64" if machine in ("arm64", "aarch64") else "amd64"
    return f"{NPM_PACKAGE}-{system}-{arch}"


def find_anvil() -> Path:
    """The ``anvil`` executable: from the npm package (in the checkout's ``node_modules``, or one in the
    working directory or a parent), else from PATH. Raises :class:`NodeNotAvailable` if there is none."""
    exe = "anvil.exe" if sys.platform == "win32" else "anvil"
    folders = [ROOT, *Path.cwd().resolve().parents, Path.cwd().resolve()]
    for folder in dict.fromkeys(folders):
        candidate = folder / "node_modules" / _platform_package() / "bin" / exe
        if candidate.is_file():
            return candidate
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    node = "Node.js is installed" if shutil.which("node") else "Node.js is not installed"
    raise NodeNotAvailable(f"the local development node ({NPM_PACKAGE}, pinned in package.json) is not installed "
                           f"({node}). {INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalNode:
    """A local development node on 127.0.0.1: ``url`` to connect to, ``stop()`` (or leave the ``with``).

    ``start_time`` is its genesis block's time (default: sumkit's; a testnet-like node starts now); ``timeout``
    is how long to wait (seconds) for it to answer. ``testnet=True``: behave like a public testnet (see the module
    docstring), mining a block every ``block_time`` seconds with an initial base fee of ``base_fee`` wei.
    ``mnemonic``, ``accounts`` and ``balance`` (ether) set its funded development accounts (default: the public
    test mnemonic's ten, as in process); ``state`` is a file the node keeps its chain in (loaded at start when it
    exists, written every second and on exit), so a restarted node loses nothing that was mined.
    """

    def __init__(self, *, port: int | None = None, start_time: int | None = None, timeout: float = 30,
                 testnet: bool = False, block_time: int = TESTNET_BLOCK_TIME, base_fee: int = TESTNET_BASE_FEE,
                 mnemonic: str = DEV_CHAIN.mnemonic, accounts: int = DEV_CHAIN.accounts,
                 balance: int = DEV_CHAIN.balance // 10**18, state: str | Path | None = None) -> None:
        self.executable = find_anvil()
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.testnet = testnet
        command = [
            str(self.executable), "--host", "127.0.0.1", "--port", str(self.port),
            "--accounts", str(accounts), "--balance", str(balance),
            "--mnemonic", mnemonic, "--chain-id", str(DEV_CHAIN.node_chain_id), "--silent",
        ]
        if testnet:  # a public testnet's rules: Osaka with EIP-7825 enforced, a block on a timer, a base fee
            if not isinstance(block_time, int) or isinstance(block_time, bool) or block_time < 1:
                raise ValueError(f"block_time must be a whole number of seconds >= 1, got {block_time!r}")
            command += ["--hardfork", "osaka", "--enable-tx-gas-limit", "--block-time", str(block_time),
                        "--base-fee", str(base_fee)]
            if start_time is not None:
                command += ["--timestamp", str(start_time)]
        else:
            command += ["--hardfork", "prague", "--timestamp", str(DEV_CHAIN.genesis_time if start_time is None
                                                                   else start_time),
                        "--gas-limit", str(DEV_CHAIN.block_gas_limit)]
        if state is not None:
            command += ["--state", str(state), "--state-interval", "1"]
        self._errors = tempfile.TemporaryFile()
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._errors
        )
        # A node left running by a forgotten handle stops when the handle goes, or when Python exits.
        self._finalizer = weakref.finalize(self, terminate, self._process)
        self._wait(timeout)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        kind = "testnet-like " if self.testnet else ""
        return f"<LocalNode {kind}{self.url} ({state})>"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        request = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
        while time.monotonic() < deadline:
            if not self.running:
                self._errors.seek(0)
                error = self._errors.read().decode(errors="replace").strip()
                self.stop()
                raise RuntimeError(f"the local node stopped while starting: {error or 'no message'}")
            try:
                with urllib.request.urlopen(urllib.request.Request(
                        self.url, request, {"Content-Type": "application/json"}), timeout=1) as answer:
                    if "result" in json.loads(answer.read()):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"the local node did not answer on {self.url} within {timeout} s")

    def stop(self) -> None:
        """Stop the node (everything it held is gone)."""
        self._finalizer()
        self._process = None
        self._errors.close()

    def __enter__(self) -> LocalNode:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def terminate(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process`` (a node, a gateway): politely, then for good after 10 s; close its error pipe if any."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr:
        process.stderr.close()
