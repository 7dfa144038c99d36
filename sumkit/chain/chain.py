"""One chain API for learning, over a backend that runs the EVM: py-evm in this process (the default), a
native EVM (``backend="revm"``) or any JSON-RPC node (:meth:`Chain.connect`).

>>> import sumkit as sk
>>> chain = sk.Chain()
>>> chain.balance(chain.alice) == sk.ether(1_000_000)
True
>>> t = chain.now
>>> chain.travel(days=1)
>>> chain.now - t
86400

Every transaction is mined in a block of its own, ``BLOCK_TIME`` seconds after the previous one; time
only moves that way or through :meth:`Chain.travel`, so runs are reproducible, on every backend that lets
sumkit set block times (in process, a local development node). Gas costs nothing in process (the base fee
is 0): balances move only by what contracts pay and take, and :attr:`Chain.gas_log` shows the gas each
transaction used. The backend knows bytes and says what it can do (``chain.capabilities``); the chain knows
names, the clock and the gas limit each transaction carries (at most EIP-7825's 16,777,216); its
:class:`~sumkit.chain.history.History` records the gas log, events and receipts.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rlp
from eth_utils import is_address, keccak, to_canonical_address, to_checksum_address

from ..plumbing import abi as _abi
from ..solc import artifacts as _artifacts
from .backends.base import (DEV_CHAIN, TX_GAS_CAP, Backend, CallResult, Capabilities, TransactionRejected, TxResult,
                            over_the_cap)
from ..plumbing.errors import Reverted, decode_revert
from .history import History
from ..plumbing.units import format_ether

if TYPE_CHECKING:
    import pandas as pd
    from web3 import Web3

GENESIS_TIME = DEV_CHAIN.genesis_time  # 2026-01-01 00:00:00 UTC: every new chain starts here
BLOCK_TIME = DEV_CHAIN.block_time  # seconds between blocks, as on Ethereum mainnet
MAX_TIMESTAMP = 2**64 - 1  # the largest block time a header holds (the EVM's TIMESTAMP is read as a uint64)
# The gas limit sent with every transaction in process and on a development node: the most one transaction may
# carry (EIP-7825). On a network sumkit does not control, it sends the node's estimate plus ESTIMATE_MARGIN_PERCENT.
TX_GAS_LIMIT = TX_GAS_CAP
ESTIMATE_MARGIN_PERCENT = 25  # what state changed between the estimate and the block may add (capped at the limit)
# The gas a free call (a view, eth_call) may use in process and on a development node. EIP-7825 caps transactions,
# not calls: nodes cap calls themselves (geth's default --rpc.gascap is 50,000,000), so a view of a big model (a
# 20,000-word perceptron's weights) works as it would there. On a network, calls carry the cap.
CALL_GAS_LIMIT = 50_000_000
ACCOUNT_NAMES = ("owner", "alice", "bob", "carol", "mallory")
TEST_ACCOUNTS = DEV_CHAIN.accounts  # the backend's funded accounts; Chain.new_account adds more
MAX_INIT_CODE_SIZE = 49_152  # EIP-3860 (Shanghai): the most bytes a contract creation may carry
TRANSFER_GAS = 21_000  # a plain ether transfer to an account without code
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
BACKENDS = ("py-evm", "revm")
BACKEND_ENV = "SUMKIT_BACKEND"  # the default backend's name, when set (the grader sets the fastest installed)


@dataclass(frozen=True)
class Receipt:
    """What a mined transaction did: gas used, block time, decoded events and return value."""

    tx_hash: str
    contract: str
    function: str
    sender: str
    gas_used: int
    block_number: int
    block_time: int
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    output: Any = None
    contract_address: str | None = None

    def event(self, name: str) -> dict[str, Any]:
        """The arguments of the first event called ``name`` (KeyError if none)."""
        for event_name, args in self.events:
            if event_name == name:
                return args
        raise KeyError(f"no {name} event in this transaction; events: {[n for n, _ in self.events]}")


class Contract:
    """A deployed contract: ``call`` its views for free, ``transact`` to change its state.

    ``abi`` defaults to the artifact of sumkit's contract ``name``; any ABI works (see :meth:`Chain.at`), and
    the chain decodes this contract's errors and events with it.
    """

    def __init__(self, chain: Chain, name: str, address: str, abi: list[dict[str, Any]] | None = None) -> None:
        self.chain = chain
        self.name = name
        self.address = to_checksum_address(address)
        self.abi = _artifacts.load(name)["abi"] if abi is None else abi
        self._functions = _abi.functions(self.abi)
        chain._register(self.address, self.abi)

    def __repr__(self) -> str:
        return f"<{self.name} at {self.address}>"

    def _signature(self, fn: str) -> _abi.Signature:
        try:
            return self._functions[fn]
        except KeyError:
            raise AttributeError(f"{self.name} has no function {fn!r}") from None

    def call(self, fn: str, *args: Any, sender: str | None = None, block: int | None = None) -> Any:
        """Run ``fn`` without a transaction (free) at the current block time; returns its result. With ``block``,
        on the state as it was after that mined block (where the backend keeps past states: not on revm)."""
        sig = self._signature(fn)
        sender = sender or self.chain.owner
        if block is not None:
            output = self.chain._call_at(sender, self.address, sig.encode_call(args), (self.name, fn), block)
        else:
            output = self.chain._call(sender, self.address, sig.encode_call(args), context=(self.name, fn))
        return sig.decode_output(output)

    def transact(self, fn: str, *args: Any, sender: str, value: int = 0, gas: int | None = None,
                 nonce: int | None = None) -> Receipt:
        """Send a transaction calling ``fn``; raises :class:`~sumkit.Reverted` (and sends nothing) if it
        would revert. With ``nonce``, it is sent only as ``sender``'s transaction number ``nonce``. ``gas``: its
        gas limit (default: see :meth:`Chain.gas_limit_for`; at most ``TX_GAS_CAP``, EIP-7825)."""
        sig = self._signature(fn)
        return self.chain._transact(
            sender, self.address, sig.encode_call(args), value=value, gas=gas, context=(self.name, fn), sig=sig,
            nonce=nonce,
        )


class Chain:
    """A fresh chain with five named, funded accounts, on the backend of your choice.

    ``owner``, ``alice``, ``bob``, ``carol`` and ``mallory`` are the first five development accounts (in
    process: 1,000,000 ether each); ``accounts`` lists all ten, then any added with :meth:`new_account`.
    ``backend`` is ``"py-evm"`` (default, or the name in ``SUMKIT_BACKEND``: the grader sets it to the fastest
    backend installed; pure Python, deterministic), ``"revm"`` (native speed, same gas:
    ``pip install sumkit[fast]``) or a :class:`~sumkit.chain.backends.Backend`; :meth:`connect` reaches a node.
    ``last_receipt`` is the :class:`Receipt` of the last transaction mined.

    >>> chain = sk.Chain(backend="py-evm")            # doctest: +SKIP
    """

    def __init__(self, *, backend: str | Backend | None = None, start_time: int = GENESIS_TIME) -> None:
        backend = backend or os.environ.get(BACKEND_ENV) or "py-evm"
        self.backend: Backend = _make_backend(backend, start_time) if isinstance(backend, str) else backend
        self.accounts: list[str] = list(self.backend.accounts)
        if not self.accounts:
            raise ValueError("a chain needs at least one account it can sign for")
        self._names: dict[str, str] = dict(zip(self.accounts, ACCOUNT_NAMES))
        # With fewer accounts (a testnet with your own keys), the names past them are None.
        named = self.accounts[: len(ACCOUNT_NAMES)] + [None] * (len(ACCOUNT_NAMES) - len(self.accounts))
        self.owner, self.alice, self.bob, self.carol, self.mallory = named  # type: ignore[assignment]
        self._now = start_time + BLOCK_TIME
        self.history = History(self.backend)  # gas log, events, receipts, ABIs (see sumkit.chain.history)
        self._w3: Web3 | None = None
        self._derived = 0  # how many keys new_account derived
        self.last_receipt: Receipt | None = None  # the receipt of the last transaction mined

    @classmethod
    def connect(cls, url: str, *, private_keys: Sequence[str | bytes] | None = None, timeout: float = 30) -> Chain:
        """The same API on a JSON-RPC node at ``url`` (a local development node, or a testnet).

        The named accounts are the node's first five development accounts, or the accounts of
        ``private_keys``, in order (names past the keys given are None; transactions are signed here with
        eth-account, and keys never leave this process). On a development node (Anvil, Hardhat, Ganache) sumkit keeps its clock, so the same story
        gives the same gas as in process; on a testnet ``travel`` and ``snapshot`` refuse with the reason.

        >>> with sk.LocalNode() as node:                   # doctest: +SKIP
        ...     chain = sk.Chain.connect(node.url)
        """
        from .backends.rpc import RpcBackend

        backend = RpcBackend(url, private_keys=private_keys, timeout=timeout)
        return cls(backend=backend, start_time=backend.latest_timestamp())

    @classmethod
    def join(cls, path: str | Path) -> Chain:
        """The class chain, as the student whose join file is at ``path`` (from the instructor's
        ``sk.Classroom``): it signs with that student's key only; ``travel`` and ``snapshot`` refuse (the class
        shares the chain: only the instructor moves its clock).

        >>> chain = sk.Chain.join("class/students/ana.json")     # doctest: +SKIP
        """
        from .backends.classnode import ClassBackend, read_join_file

        info = read_join_file(path)
        key = info.pop("private_key")
        backend = ClassBackend(info["url"], private_keys=[key], info=info)
        if backend.accounts[0] != info["address"]:
            raise ValueError(f"{path}: its key does not belong to its address {info['address']}: the file was edited")
        chain = cls(backend=backend, start_time=backend.latest_timestamp())
        chain.name_account(backend.accounts[0], info["student"])
        return chain

    def __repr__(self) -> str:
        return f"<Chain {self.backend.name} block={self.block_number} now={self.now}>"

    @property
    def capabilities(self) -> Capabilities:
        """What this chain's backend can do: time control, snapshots, following others' blocks, ..."""
        return self.backend.capabilities

    # -- time -------------------------------------------------------------------------------------
    @property
    def _controls_time(self) -> bool:
        return self.backend.capabilities.time_control

    @property
    def now(self) -> int:
        """The block time (unix seconds) that the next transaction and every view will see."""
        if not self._controls_time:  # a real network: the next block comes when it comes
            return max(self._now, self.backend.latest_timestamp() + BLOCK_TIME)
        return self._now

    @property
    def block_number(self) -> int:
        """The number of the next block to be mined."""
        return self.backend.block_number

    def travel(self, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> None:
        """Move time forward; views and the next transaction both see the new time."""
        total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
        if not math.isfinite(total):
            raise ValueError(f"travel needs a finite duration, got {total} seconds")
        delta = round(total)
        if self._now + delta > MAX_TIMESTAMP:
            raise ValueError(
                f"travelling {delta:,} s would move the clock past {MAX_TIMESTAMP:,} s, the largest time a block "
                "header can hold (a 64-bit number of seconds): contracts would see a truncated time. Travel by "
                "days, hours or minutes as they pass in your story (e.g. chain.travel(days=1))"
            )
        if delta < 0:
            raise ValueError("time only moves forward on a blockchain: travel by a positive duration")
        if not self._controls_time:
            raise self.backend.refuse("travel")
        self._follow()  # on a shared node, others' blocks since the last look come first: travel starts after them
        self._now += delta

    # -- accounts ---------------------------------------------------------------------------------
    def account(self, who: str) -> str:
        """The address of ``who``: an address, or a named account of this chain ("owner", "alice", "bob", "carol",
        "mallory", or a name given to :meth:`new_account`). Every ``sender=`` and ``account`` accepts both.

        >>> chain.account("alice") == chain.alice            # doctest: +SKIP
        True
        """
        if isinstance(who, str) and not who.startswith("0x"):
            for address, name in self._names.items():
                if name == who and address in self.accounts:
                    return address
            named = ", ".join(f"chain.{n}" if n in ACCOUNT_NAMES else repr(n) for n in self._names.values()
                              if n in ACCOUNT_NAMES or n in {self._names.get(a) for a in self.accounts})
            raise ValueError(f"{who!r} is not an account of this chain: use one of {named} (or an address)")
        if not is_address(who):
            raise TypeError(f"an account is an address string like chain.alice, got {who!r}")
        return _abi.checksum(who)

    def balance(self, account: str) -> int:
        """The balance of ``account`` in wei."""
        return self.backend.balance(self.account(account))

    def name_of(self, address: str) -> str:
        """A readable name for an address: the account's name, a contract's name, or the address."""
        return self._names.get(_abi.checksum(address), address)

    def name_account(self, address: str, name: str) -> None:
        """Call ``address`` ``name`` from now on (gas log, errors, :meth:`name_of`); an account this chain signs for
        can then be passed by that name too.

        >>> chain.name_account(chain.owner, "instructor")     # doctest: +SKIP
        """
        if not isinstance(name, str) or not name or name.startswith("0x"):
            raise ValueError(f"an account's name is a non-empty string not starting with 0x, got {name!r}")
        self._names[self.account(address)] = name

    def nonce(self, account: str) -> int:
        """How many transactions ``account`` has sent."""
        return self.backend.nonce(_abi.checksum(account))

    def new_account(self, balance: int, *, name: str | None = None, funder: str | None = None) -> str:
        """A new account this chain signs for, funded with ``balance`` wei by a plain transfer from
        ``funder`` (default: the last test account). Keys are derived from a counter, so the same calls
        on a fresh chain give the same addresses.

        >>> eve = chain.new_account(sk.ether(10), name="eve")    # doctest: +SKIP
        >>> chain.balance(eve) == sk.ether(10)                    # doctest: +SKIP
        True
        """
        if not isinstance(balance, int) or isinstance(balance, bool) or balance < 0:
            raise ValueError(f"balance must be a non-negative int number of wei, got {balance!r}")
        funder = funder or self.accounts[min(TEST_ACCOUNTS, len(self.backend.accounts)) - 1]
        secret = None
        while secret is None:
            self._derived += 1
            candidate = keccak(f"sumkit account {self._derived}".encode())
            if 0 < int.from_bytes(candidate, "big") < SECP256K1_ORDER:
                secret = candidate
        address = self.backend.add_account(secret)
        self.accounts.append(address)
        if name is not None:
            self._names[address] = name
        if balance:
            self._transact(funder, address, b"", value=balance, gas=TRANSFER_GAS, context=("account", "fund"))
        return address

    def next_contract_address(self, deployer: str, skip: int = 0) -> str:
        """The address of the contract ``deployer`` will create after ``skip`` more transactions."""
        return contract_address(deployer, self.nonce(deployer) + skip)

    # -- snapshots --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Chain]:
        """Everything done inside the ``with`` block is undone when it ends: chain state, time, gas
        log and events (and so everything derived from them, such as a trainer's contributions and mirror).
        On a node this needs ``evm_snapshot``/``evm_revert`` (development nodes have them, testnets do not).

        >>> with chain.snapshot():                 # doctest: +SKIP
        ...     trainer.add_data(x, y, sender=chain.mallory)
        """
        if not self.capabilities.snapshots:
            raise self.backend.refuse("snapshot")
        backend_snapshot = self.backend.snapshot()
        saved = (self._now, dict(self._names), len(self.accounts), self._derived, self.history.mark())
        try:
            yield self
        finally:
            self._now, self._names, n_accounts, self._derived, mark = saved
            del self.accounts[n_accounts:]
            self.last_receipt = None
            self.backend.revert(backend_snapshot)
            self.history.restore(mark)

    # -- gas and events -----------------------------------------------------------------------------
    @property
    def gas_log(self) -> pd.DataFrame:
        """One row per mined transaction: contract, function, sender, gas_used, block_time, block."""
        return self.history.gas_log()

    @property
    def version(self) -> tuple[int, int]:
        """Changes whenever the chain's history does (a transaction mined, a snapshot undone): the cache key of
        anything derived from the chain, such as a trainer's contributions and its mirror model (on a node, it
        first reads what others' transactions logged: see :meth:`logs`)."""
        self._follow()
        return self.history.version

    def logs(self, name: str | None = None, *, address: str | None = None, start: int = 0) -> list[dict[str, Any]]:
        """The events of :meth:`events` as plain dicts (``block``, ``address``, ``event`` and the arguments), oldest
        first: cheaper than a table when code, not a person, reads them. ``start`` skips the first ``start``
        events of the whole log (``version[1]`` is its length), to read only what came since.

        On a node, the log also holds what others' transactions made the contracts this chain knows (deployed,
        or handled with :meth:`at`) emit since it knew them, read from the node (``eth_getLogs``). For older
        history, or any contract, ask the node: ``chain.w3.eth.get_logs({...})``."""
        self._follow()
        return self.history.logs(name, address=address, start=start)

    def events(self, name: str | None = None, *, address: str | None = None) -> pd.DataFrame:
        """Every event logged so far (or only those called ``name``, or emitted by ``address``), oldest first:
        one row each with ``block``, ``address`` (the emitting contract), ``event`` and one column per argument.
        Events are how contracts publish data cheaply: nothing in contract storage reads them back, but anyone
        can, like this.

        >>> chain.events("ContributionAdded", address=trainer.address)["contributor"]   # doctest: +SKIP
        """
        import pandas as pd

        rows = self.logs(name, address=address)
        return pd.DataFrame(rows).dropna(axis=1, how="all") if rows else pd.DataFrame(columns=["block", "address", "event"])

    # -- contracts --------------------------------------------------------------------------------
    def deploy(self, name: str | dict[str, Any], *args: Any, sender: str | None = None, gas: int | None = None,
               nonce: int | None = None) -> Contract:
        """Deploy the compiled contract ``name`` (or an artifact dict, e.g. from ``sk.compile_source``) with
        constructor ``args``; returns its handle. With ``nonce``, refuse (``ValueError``, nothing sent) unless
        ``sender``'s next transaction has that nonce."""
        artifact = _artifacts.load(name) if isinstance(name, str) else name
        name = artifact["contractName"]
        data = init_code(artifact, *args)
        receipt = self._transact(sender or self.owner, None, data, value=0, gas=gas, context=(name, "deploy"),
                                 nonce=nonce)
        assert receipt.contract_address is not None
        self._names.setdefault(receipt.contract_address, name)
        return Contract(self, name, receipt.contract_address, abi=artifact["abi"])

    def at(self, address: str, abi: list[dict[str, Any]] | str, *, name: str | None = None) -> Contract:
        """A handle on the contract at ``address`` with any ABI (a list of ABI items, as solc and web3 use, or
        the name of one of sumkit's contracts); its errors and events are decoded with that ABI from now on.

        >>> token = chain.at(address, my_abi, name="MyToken")     # doctest: +SKIP
        >>> token.call("balanceOf", chain.alice)                   # doctest: +SKIP
        """
        if isinstance(abi, str):
            name = name or abi
            abi = _artifacts.load(abi)["abi"]
        address = to_checksum_address(address)
        name = name or self._names.get(address) or "contract"
        self._names.setdefault(address, name)
        return Contract(self, name, address, abi=list(abi))

    def _register(self, address: str, abi: list[dict[str, Any]]) -> None:
        """Decode ``address``'s errors and events with ``abi`` from now on."""
        self.history.register(address, abi)

    def _follow(self, upto: int | None = None) -> None:
        """On a node, read what others' transactions logged (see :meth:`History.follow`); on a development node,
        others' blocks also move the clock past them."""
        last = self.history.follow(upto)
        if last is not None and upto is None and self._controls_time:  # blocks this chain did not mine
            self._now = max(self._now, self.backend.timestamp_of(last) + BLOCK_TIME)

    def function_of(self, to: str | None, data: bytes) -> tuple[str, str]:
        """(contract name, function name) of a transaction to ``to`` carrying ``data``, as the gas log names it."""
        return self.history.function_of(to, data, self.name_of)

    @property
    def w3(self) -> Web3:
        """A ``web3.Web3`` on this same chain: what you send through it is mined by this chain (same clock,
        gas log and events), and what sumkit sends, it sees.

        >>> chain.w3.eth.get_balance(chain.alice) == chain.balance(chain.alice)    # doctest: +SKIP
        True
        """
        if self._w3 is None:
            from web3 import Web3

            from .provider import ChainProvider

            self._w3 = Web3(ChainProvider(self, gas_limit=TX_GAS_LIMIT, block_time=BLOCK_TIME))
        return self._w3

    # -- execution --------------------------------------------------------------------------------
    @staticmethod
    def _invalid(error: Exception, context: tuple[str, str], gas: int) -> ValueError:
        return ValueError(
            f"{context[0]}.{context[1]}: the transaction is invalid before it runs ({error}). Is the gas "
            f"limit ({gas:,}) below what a transaction costs up front (21,000 plus its data), or the balance "
            "too low for the value and the gas?"
        )

    def _reverted(self, result: CallResult, context: tuple[str, str], gas: int, to: str | None) -> Reverted:
        contract, function = context
        # An inner call that runs out of gas takes 63/64 of what is left and returns nothing.
        if not result.error and ("out of gas" in result.halt.lower() or "outofgas" in result.halt.lower()
                                 or (result.gas_used and (gas - result.gas_used) * 32 < gas)):
            if gas > TX_GAS_CAP:  # only a free call carries more than the cap
                hint = (f"This call needs more than {gas:,} gas, more than nodes let a free call use; nothing was "
                        "changed. Ask for less at a time (fewer samples, rows or words per call).")
            elif gas == TX_GAS_CAP:
                hint = (f"This transaction needs more than {TX_GAS_CAP:,} gas, the most one transaction may carry "
                        "since Ethereum's Osaka upgrade (EIP-7825); nothing was changed. No gas limit makes it fit: "
                        "split the work into smaller transactions (fewer samples, rows or words per call).")
            else:
                hint = (f"The gas limit ({gas:,}) was too low for this transaction; nothing was changed. Send it "
                        f"again with a higher gas= limit (at most {TX_GAS_CAP:,}, EIP-7825's cap), or leave gas= out.")
            return Reverted(
                f"OutOfGas: the transaction needs more than its {gas:,} gas limit",
                hint,
                contract=contract,
                function=function,
            )
        if result.halt:
            return Reverted(
                result.halt,
                "The EVM stopped this transaction (for example it ran out of gas or hit an invalid "
                "instruction); nothing was changed.",
                contract=contract,
                function=function,
            )
        error = decode_revert(result.error, errors=self.history.errors_for(to), contract=contract, function=function)
        if error.error == "PaymentFailed" and to is not None:
            error = self._payment_failed(error, target=to)
        return self._named(error)

    def _payment_failed(self, error: Reverted, target: str) -> Reverted:
        """Say why a payment failed: a plain account accepts any ether, so if the receiver has no code the paying
        contract lacked the ether; otherwise the receiving contract refused it."""
        receiver, amount = error.args_["to"], error.args_["amount"]
        payer = target if error.data[:4] in _abi.errors(self.history.abi_of(target)) else None
        if payer is not None and self.balance(payer) < amount:
            why = (f"{self.name_of(payer)} holds only {format_ether(self.balance(payer))}, less than it owes: it cannot "
                   "pay what it does not have (a bookkeeping bug, or ether taken out another way)")
        elif not self.backend.code(receiver):
            why = (f"{self.name_of(receiver)} is a plain account, which accepts any ether, so the paying contract did "
                   "not hold that much: a bookkeeping bug, or ether taken out another way")
        else:
            why = (f"the receiver {self.name_of(receiver)} is a contract whose receive/fallback function reverted (or "
                   "does not exist), so it refused the ether")
        hint = f"Sending {format_ether(amount)} to {self.name_of(receiver)} failed, so nothing was changed: {why}."
        return Reverted(error.reason, hint, error=error.error, args=error.args_, data=error.data,
                        contract=error.contract, function=error.function)

    def _named(self, error: Reverted) -> Reverted:
        """``error`` with the addresses in its hint replaced by the chain's names for them (alice, the
        trainer, ...), so a learner reads who, not a hex string."""
        hint = error.hint
        for address, name in self._names.items():
            if address in hint:
                hint = hint.replace(address, name)
        if hint == error.hint:
            return error
        return Reverted(error.reason, hint, error=error.error, args=error.args_, data=error.data,
                        contract=error.contract, function=error.function)

    def _call(self, sender: str, to: str | None, data: bytes, context: tuple[str, str], *, value: int = 0,
              gas: int | None = None) -> bytes:
        gas = self.call_gas if gas is None else gas
        result = self._run_call(sender, to, data, value=value, gas=gas, context=context)
        if not result.success:
            raise self._reverted(result, context, gas, to)
        return result.output

    def _call_at(self, sender: str, to: str, data: bytes, context: tuple[str, str], block: int) -> bytes:
        if not self.capabilities.past_state:
            raise ValueError(f"the {self.backend.name} backend keeps only the latest state: a call on the state of "
                             f"block {block} needs py-evm (sk.Chain()) or a node")
        if not 0 <= block < self.block_number:
            raise ValueError(f"block {block} is not mined yet (the latest is {self.block_number - 1})")
        result = self.backend.call_at(_abi.checksum(sender), to, data, block=block, gas=self.call_gas)
        if not result.success:
            raise self._reverted(result, context, self.call_gas, to)
        return result.output

    @property
    def call_gas(self) -> int:
        """The gas a free call carries: :data:`CALL_GAS_LIMIT` where sumkit controls the chain (in process, a
        development node), the transaction cap (EIP-7825) on a network."""
        return CALL_GAS_LIMIT if self.capabilities.time_control else TX_GAS_CAP

    def _run_call(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int,
                  context: tuple[str, str]) -> CallResult:
        try:
            return self.backend.call(_abi.checksum(sender), to, data, value=value, gas=gas, timestamp=self.now)
        except TransactionRejected as e:
            raise self._invalid(e, context, gas) from None

    def _transact(
        self,
        sender: str,
        to: str | None,
        data: bytes,
        *,
        value: int,
        gas: int | None,
        context: tuple[str, str],
        sig: _abi.Signature | None = None,
        nonce: int | None = None,
    ) -> Receipt:
        sender = self.account(sender)
        to = _abi.checksum(to) if to else None
        if sender not in self.accounts:
            raise ValueError(f"{sender} is not an account of this chain: use chain.alice, chain.bob, ...")
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(
                f"value must be a whole number of wei (an int), got {value!r}: amounts are ints in wei, so write "
                "sk.ether(1.5) for 1.5 ether"
            )
        if value < 0:
            raise ValueError("value must be a non-negative number of wei")
        if value > self.balance(sender):
            raise ValueError(f"{self.name_of(sender)} cannot send {value} wei: the balance is {self.balance(sender)}")
        if nonce is not None and self.nonce(sender) != nonce:
            raise NonceTaken(sender, nonce, self.nonce(sender))
        self._follow()  # on a node, others' blocks since the last look move the clock on
        gas = self.gas_limit_for(sender, to, data, value=value, gas=gas, context=context)
        if not self.capabilities.time_control:  # a network: gas costs real ether, and the node checks it up front
            self._check_can_pay(sender, value, gas)
        block_time = self.now
        try:
            # With a nonce, the backend refuses the transaction if that nonce was taken meanwhile (on a node).
            result = self.backend.send(sender, to, data, value=value, gas=gas, timestamp=block_time,
                                       **({} if nonce is None else {"nonce": nonce}))
        except TransactionRejected as e:
            raise self._invalid(e, context, gas) from None
        if isinstance(result, TxResult) and result.tx_hash:  # mined (a node may mine a transaction that then fails)
            block_time = self._record(sender, to, result, context, block_time, sig)
        if not result.success:
            raise self._reverted(result, context, gas, to)
        assert self.last_receipt is not None
        return self.last_receipt

    # -- raw data in and out (what chain.w3's provider serves) -----------------------------------------------
    def call_data(self, sender: str, to: str | None, data: bytes, *, value: int = 0, gas: int | None = None) -> bytes:
        """Run a call carrying ABI-encoded ``data`` (free, nothing changes); its output bytes, or
        :class:`~sumkit.Reverted`. What ``chain.w3``'s ``eth_call`` does.

        >>> chain.call_data(chain.alice, trainer.address, selector)       # doctest: +SKIP
        """
        return self._call(sender, to, data, self.function_of(to, data), value=value, gas=gas)

    def send_data(self, sender: str, to: str | None, data: bytes, *, value: int = 0, gas: int | None = None) -> Receipt:
        """Send a transaction carrying ABI-encoded ``data`` (``to=None`` deploys it) from one of this chain's
        accounts; its :class:`Receipt`, or :class:`~sumkit.Reverted` (nothing sent). What ``chain.w3``'s
        ``eth_sendTransaction`` does."""
        return self._transact(sender, to, data, value=value, gas=gas, context=self.function_of(to, data))

    def send_raw(self, raw: bytes) -> str:
        """Mine a transaction signed elsewhere (e.g. with eth-account); returns its hash. What ``chain.w3``'s
        ``eth_sendRawTransaction`` does."""
        return self._transact_raw(raw)

    def estimate_gas(self, sender: str, to: str | None, data: bytes, *, value: int = 0,
                     gas: int = TX_GAS_LIMIT) -> int:
        """A gas limit enough for this transaction (at most ``gas``), or :class:`~sumkit.Reverted` if it would
        revert. On a node that estimates gas, the node's estimate; in process, the gas used with a generous limit
        plus what the 63/64 rule and refunds may need, checked by running it again with that limit (the limit
        itself when that fails)."""
        context = self.function_of(to, data)
        result = self._run_call(sender, to, data, value=value, gas=gas, context=context)
        if not result.success:
            raise self._reverted(result, context, gas, to)
        if self.capabilities.gas_estimation:  # a node measures it, at the chain's time
            return self.backend.estimate_gas(_abi.checksum(sender), to, data, value=value, gas=gas, timestamp=self.now)
        estimate = min(gas, result.gas_used * 64 // 63 + 10_000)
        if estimate < gas and not self._run_call(sender, to, data, value=value, gas=estimate, context=context).success:
            estimate = gas
        return estimate

    def gas_limit_for(self, sender: str, to: str | None, data: bytes, *, value: int = 0, gas: int | None = None,
                      context: tuple[str, str] | None = None) -> int:
        """The gas limit a transaction is sent with: ``gas`` when given (refused above ``TX_GAS_CAP``, EIP-7825);
        else, in process and on a development node, ``TX_GAS_LIMIT`` (the cap: nothing is paid for gas there);
        on a network sumkit does not control (a testnet, a class node), the node's estimate plus
        ``ESTIMATE_MARGIN_PERCENT`` percent, at most the cap, so the account needs only what the transaction may
        cost (the node refuses a transaction whose sender cannot pay gas limit x max fee up front).

        >>> chain.gas_limit_for(chain.alice, trainer.address, data)     # doctest: +SKIP
        """
        if gas is not None:
            if not isinstance(gas, int) or isinstance(gas, bool) or gas <= 0:
                raise TypeError(f"gas must be a positive int (a gas limit), got {gas!r}")
            if gas > TX_GAS_CAP:
                raise ValueError(f"gas={gas:,} is refused: {over_the_cap(gas)}. Send at most gas={TX_GAS_CAP:,} (or "
                                 "leave gas= out: sumkit chooses), and split bigger work into several transactions.")
            return gas
        if self.capabilities.time_control or not self.capabilities.gas_estimation:
            return TX_GAS_LIMIT
        sender = _abi.checksum(sender)
        try:
            estimate = self.backend.estimate_gas(sender, to, data, value=value, gas=TX_GAS_CAP, timestamp=self.now)
        except TransactionRejected:  # it would revert (or need more than the cap): the dry run says why
            result = self._run_call(sender, to, data, value=value, gas=TX_GAS_CAP,
                                    context=context or self.function_of(to, data))
            if not result.success:
                raise self._reverted(result, context or self.function_of(to, data), TX_GAS_CAP, to) from None
            return TX_GAS_CAP
        return min(TX_GAS_CAP, estimate + estimate * ESTIMATE_MARGIN_PERCENT // 100)

    def _check_can_pay(self, sender: str, value: int, gas: int) -> None:
        """On a network: refuse, before sending, a transaction whose sender cannot pay value + gas limit x max fee."""
        fee = self.backend.fee_per_gas()
        need, have = value + gas * fee, self.balance(sender)
        if have < need:
            raise ValueError(
                f"{self.name_of(sender)} cannot pay for this transaction: the node requires value + gas limit x "
                f"max fee = {format_ether(value)} + {gas:,} gas x {fee / 10**9:.3g} gwei = {format_ether(need)} up "
                f"front (what the gas does not use comes back), but the balance is {format_ether(have)}: "
                f"{format_ether(need - have)} ({need - have:,} wei) missing. Get more from a faucet, or send less "
                "value."
            )

    def _transact_raw(self, raw: bytes) -> str:
        """Mine a transaction signed elsewhere (chain.w3's ``eth_sendRawTransaction``); returns its hash."""
        if not self.capabilities.raw_transactions:
            raise ValueError(f"the {self.backend.name} backend does not take signed raw transactions: "
                             "use eth_sendTransaction (w3.eth.send_transaction / contract...transact)")
        self._follow()
        block_time = self.now
        try:
            sender, to, data, result = self.backend.send_raw(raw, timestamp=block_time)
        except TransactionRejected as e:
            raise ValueError(f"the signed transaction was refused before it ran: {e}") from None
        context = self.function_of(to, data)
        mined = isinstance(result, TxResult) and bool(result.tx_hash)
        if mined:
            self._record(sender, to, result, context, block_time, None)
        if not result.success:
            raise self._reverted(result, context, 0, to)
        assert isinstance(result, TxResult)
        return result.tx_hash

    def _record(self, sender: str, to: str | None, result: TxResult, context: tuple[str, str], block_time: int,
                sig: _abi.Signature | None) -> int:
        """Log a mined transaction (gas log, events, receipt for chain.w3) and move the clock past its block."""
        if not self._controls_time:
            block_time = self.backend.timestamp_of(result.block_number)
        self._now = block_time + BLOCK_TIME
        contract, function = context
        events = self.history.record(sender, self.name_of(sender), to, result, context, block_time,
                                     alone=self._controls_time)
        if result.success:
            self.last_receipt = Receipt(
                tx_hash=result.tx_hash,
                contract=contract,
                function=function,
                sender=sender,
                gas_used=result.gas_used,
                block_number=result.block_number,
                block_time=block_time,
                events=events,
                output=sig.decode_output(result.output) if sig is not None and sig.outputs else None,
                contract_address=result.created,
            )
        return block_time


class NonceTaken(ValueError):
    """An account's next nonce is not the one a plan (e.g. a deployment) expected: someone else sent first."""

    def __init__(self, account: str, expected: int, actual: int) -> None:
        self.account, self.expected, self.actual = account, expected, actual
        super().__init__(f"{account} was expected to send its transaction number {expected}, but its next one is "
                         f"number {actual}: another transaction from this account was mined in between")


def init_code(contract: str | dict[str, Any], *args: Any) -> bytes:
    """What a transaction deploying ``contract`` (a kit contract's name, or an artifact dict) with constructor
    ``args`` carries: its bytecode, then the encoded arguments. ``ValueError`` (nothing sent) for an interface, or
    when it exceeds EIP-3860's ``MAX_INIT_CODE_SIZE``, which every network refuses."""
    artifact = _artifacts.load(contract) if isinstance(contract, str) else contract
    name = artifact["contractName"]
    if artifact["bytecode"] in ("0x", ""):
        raise ValueError(f"{name} is an interface or abstract contract: it cannot be deployed")
    data = bytes.fromhex(artifact["bytecode"][2:]) + _abi.constructor(artifact["abi"]).encode_call(args)[4:]
    if len(data) > MAX_INIT_CODE_SIZE:
        raise ValueError(
            f"deploying {name} takes {len(data):,} bytes of init code (its code and constructor arguments), more than "
            f"the {MAX_INIT_CODE_SIZE:,} any network accepts (EIP-3860): make it smaller (a model with fewer features)"
        )
    return data


def contract_address(deployer: str, nonce: int) -> str:
    """The address of the contract that ``deployer`` creates with its transaction number ``nonce``."""
    return to_checksum_address(keccak(rlp.encode([to_canonical_address(deployer), nonce]))[12:])


def _make_backend(name: str, start_time: int) -> Backend:
    if name == "py-evm":
        from .backends.pyevm import PyEvmBackend

        return PyEvmBackend(start_time=start_time)
    if name == "revm":
        try:
            from .backends.revm import RevmBackend
        except ImportError as e:
            raise ImportError(
                f"the revm backend needs pyrevm ({e}): pip install sumkit[fast]"
            ) from e
        return RevmBackend(start_time=start_time)
    raise ValueError(f"unknown backend {name!r}: choose one of {BACKENDS}, or use sk.Chain.connect(url) for a node")
