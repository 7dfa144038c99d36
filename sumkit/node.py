"""``sk.LocalNode()``: the project's pinned local development node (Anvil, from the npm package
``@foundry-rs/anvil`` pinned in package.json), on a free port of 127.0.0.1, stopped on exit.

>>> with sk.LocalNode() as node:                     # doctest: +SKIP
...     chain = sk.Chain.connect(node.url)

It starts at sumkit's genesis time with Prague rules and the ten development accounts of the standard test
mnemonic holding 1,000,000 ether each (the accounts sumkit's in-process chain uses), so the same story gives
the same addresses, the same gas and the same payouts as in process; unlike in process, gas is paid for, at
a real EIP-1559 base fee.
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

from .artifacts import ROOT
from .backends.pyevm import BLOCK_GAS_LIMIT, DEV_ACCOUNTS, DEV_MNEMONIC
from .chain import GENESIS_TIME
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

    ``start_time`` is its genesis block's time (default: sumkit's); ``timeout`` is how long to wait (seconds)
    for it to answer. ``mnemonic``, ``accounts`` and ``balance`` (ether) set its funded development accounts
    (default: the public test mnemonic's ten, as in process); ``state`` is a file the node keeps its chain in
    (loaded at start when it exists, written every second and on exit), so a restarted node loses nothing
    that was mined.
    """

    def __init__(self, *, port: int | None = None, start_time: int = GENESIS_TIME, timeout: float = 30,
                 mnemonic: str = DEV_MNEMONIC, accounts: int = DEV_ACCOUNTS, balance: int = 1_000_000,
                 state: str | Path | None = None) -> None:
        self.executable = find_anvil()
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            str(self.executable), "--host", "127.0.0.1", "--port", str(self.port), "--hardfork", "prague",
            "--timestamp", str(start_time), "--accounts", str(accounts), "--balance", str(balance),
            "--mnemonic", mnemonic, "--gas-limit", str(BLOCK_GAS_LIMIT), "--chain-id", "31337", "--silent",
        ]
        if state is not None:
            command += ["--state", str(state), "--state-interval", "1"]
        self._errors = tempfile.TemporaryFile()
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._errors
        )
        # A node left running by a forgotten handle stops when the handle goes, or when Python exits.
        self._finalizer = weakref.finalize(self, _terminate, self._process)
        self._wait(timeout)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<LocalNode {self.url} ({state})>"

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


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
