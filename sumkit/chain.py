"""An in-process Ethereum chain (eth-tester's py-evm backend, Prague rules) for learning.

>>> import sumkit as sk
>>> chain = sk.Chain()
>>> chain.balance(chain.alice) == sk.ether(1_000_000)
True
>>> t = chain.now
>>> chain.travel(days=1)
>>> chain.now - t
86400

Every transaction is mined in a block of its own, ``BLOCK_TIME`` seconds after the previous one; time
only moves that way or through :meth:`Chain.travel`, so runs are reproducible. Gas costs nothing here
(the base fee is 0): balances move only by what contracts pay and take, and :attr:`Chain.gas_log`
shows the gas each transaction used.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import rlp
from eth.vm.spoof import SpoofTransaction
from eth_tester import PyEVMBackend
from eth_tester.backends.pyevm.main import get_default_genesis_params
from eth_keys import KeyAPI
from eth_utils import ValidationError as InvalidTransaction
from eth_utils import keccak, to_canonical_address, to_checksum_address

from . import abi as _abi
from . import artifacts as _artifacts
from .errors import Reverted, decode_revert

if TYPE_CHECKING:
    import pandas as pd

GENESIS_TIME = 1_767_225_600  # 2026-01-01 00:00:00 UTC: every new chain starts here
BLOCK_TIME = 12  # seconds between blocks, as on Ethereum mainnet
BLOCK_GAS_LIMIT = 1_000_000_000  # far above mainnet's, so big models deploy in few transactions
TX_GAS_LIMIT = 30_000_000  # the gas limit sent with every transaction: one mainnet block
ACCOUNT_NAMES = ("owner", "alice", "bob", "carol", "mallory")
TEST_ACCOUNTS = 10  # eth-tester's funded accounts; Chain.new_account adds more
TRANSFER_GAS = 21_000  # a plain ether transfer to an account without code
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


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
    """A deployed contract: ``call`` its views for free, ``transact`` to change its state."""

    def __init__(self, chain: Chain, name: str, address: str, abi: list[dict[str, Any]] | None = None) -> None:
        self.chain = chain
        self.name = name
        self.address = to_checksum_address(address)
        self.abi = _artifacts.load(name)["abi"] if abi is None else abi
        self._functions = _abi.functions(self.abi)

    def __repr__(self) -> str:
        return f"<{self.name} at {self.address}>"

    def _signature(self, fn: str) -> _abi.Signature:
        try:
            return self._functions[fn]
        except KeyError:
            raise AttributeError(f"{self.name} has no function {fn!r}") from None

    def call(self, fn: str, *args: Any, sender: str | None = None) -> Any:
        """Run ``fn`` without a transaction (free) at the current block time; returns its result."""
        sig = self._signature(fn)
        output = self.chain._call(
            sender or self.chain.owner, self.address, sig.encode_call(args), context=(self.name, fn)
        )
        return sig.decode_output(output)

    def transact(self, fn: str, *args: Any, sender: str, value: int = 0, gas: int = TX_GAS_LIMIT) -> Receipt:
        """Send a transaction calling ``fn``; raises :class:`~sumkit.Reverted` (and sends nothing) if it
        would revert."""
        sig = self._signature(fn)
        return self.chain._transact(
            sender, self.address, sig.encode_call(args), value=value, gas=gas, context=(self.name, fn), sig=sig
        )


class Chain:
    """A fresh in-process chain with five named, funded accounts.

    ``owner``, ``alice``, ``bob``, ``carol`` and ``mallory`` hold 1,000,000 ether each; ``accounts``
    lists all ten test accounts, then any added with :meth:`new_account`. ``last_receipt`` is the
    :class:`Receipt` of the last transaction mined.
    """

    def __init__(self, *, start_time: int = GENESIS_TIME) -> None:
        params = dict(get_default_genesis_params(), gas_limit=BLOCK_GAS_LIMIT, timestamp=start_time, base_fee_per_gas=0)
        self._backend = PyEVMBackend(genesis_parameters=params)
        self._keys = {key.public_key.to_canonical_address(): key for key in self._backend.account_keys}
        self.accounts: list[str] = [to_checksum_address(a) for a in self._keys]
        self._names: dict[str, str] = dict(zip(self.accounts, ACCOUNT_NAMES))
        self.owner, self.alice, self.bob, self.carol, self.mallory = self.accounts[: len(ACCOUNT_NAMES)]
        self._now = start_time + BLOCK_TIME
        self._log: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []  # every decoded event, in order (see events())
        self._mirrors: weakref.WeakSet[Any] = weakref.WeakSet()
        self._derived = 0  # how many keys new_account derived
        self.last_receipt: Receipt | None = None  # the receipt of the last transaction mined

    def __repr__(self) -> str:
        return f"<Chain block={self.block_number} now={self.now}>"

    # -- time -------------------------------------------------------------------------------------
    @property
    def now(self) -> int:
        """The block time (unix seconds) that the next transaction and every view will see."""
        return self._now

    @property
    def block_number(self) -> int:
        """The number of the next block to be mined."""
        return self._evm.header.block_number

    def travel(self, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> None:
        """Move time forward; views and the next transaction both see the new time."""
        delta = round(((days * 24 + hours) * 60 + minutes) * 60 + seconds)
        if delta < 0:
            raise ValueError("time only moves forward on a blockchain: travel by a positive duration")
        self._now += delta

    # -- accounts ---------------------------------------------------------------------------------
    def balance(self, account: str) -> int:
        """The balance of ``account`` in wei."""
        return self._evm.get_vm().state.get_balance(to_canonical_address(account))

    def name_of(self, address: str) -> str:
        """A readable name for an address: the account's name, a contract's name, or the address."""
        return self._names.get(to_checksum_address(address), address)

    def nonce(self, account: str) -> int:
        """How many transactions ``account`` has sent."""
        return self._evm.get_vm().state.get_nonce(to_canonical_address(account))

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
        funder = funder or self.accounts[TEST_ACCOUNTS - 1]
        key = None
        while key is None:
            self._derived += 1
            secret = keccak(f"sumkit account {self._derived}".encode())
            if 0 < int.from_bytes(secret, "big") < SECP256K1_ORDER:
                key = KeyAPI().PrivateKey(secret)
        address = to_checksum_address(key.public_key.to_canonical_address())
        self._keys[to_canonical_address(address)] = key
        self.accounts.append(address)
        if name is not None:
            self._names[address] = name
        if balance:
            self._transact(funder, address, b"", value=balance, gas=TRANSFER_GAS, context=("account", "fund"))
        return address

    def next_contract_address(self, deployer: str, skip: int = 0) -> str:
        """The address of the contract ``deployer`` will create after ``skip`` more transactions."""
        encoded = rlp.encode([to_canonical_address(deployer), self.nonce(deployer) + skip])
        return to_checksum_address(keccak(encoded)[12:])

    # -- snapshots --------------------------------------------------------------------------------
    def track(self, mirror: Any) -> None:
        """Have :meth:`snapshot` also save and restore ``mirror``'s Python-side state.

        ``mirror`` provides ``save_state() -> object`` and ``restore_state(state)``; a
        :class:`~sumkit.Trainer` registers itself, so its model mirror follows the chain.
        """
        self._mirrors.add(mirror)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Chain]:
        """Everything done inside the ``with`` block is undone when it ends: chain state, time, gas
        log, and the Python mirrors kept in step with the chain (trainers' models and contributions).

        >>> with chain.snapshot():                 # doctest: +SKIP
        ...     trainer.add_data(x, y, sender=chain.mallory)
        """
        saved = (self._backend.take_snapshot(), self._now, len(self._log), len(self._events), dict(self._names),
                 len(self.accounts))
        derived = self._derived
        mirrors = [(m, m.save_state()) for m in self._mirrors]
        try:
            yield self
        finally:
            block_hash, self._now, log_len, n_events, self._names, n_accounts = saved
            del self.accounts[n_accounts:]
            self.last_receipt = None
            self._derived = derived
            self._backend.revert_to_snapshot(block_hash)
            del self._log[log_len:]
            del self._events[n_events:]
            for mirror, state in mirrors:
                mirror.restore_state(state)

    # -- gas --------------------------------------------------------------------------------------
    @property
    def gas_log(self) -> pd.DataFrame:
        """One row per mined transaction: contract, function, sender, gas_used, block_time, block."""
        import pandas as pd

        columns = ["contract", "function", "sender", "gas_used", "block_time", "block"]
        return pd.DataFrame(self._log, columns=columns)

    def events(self, name: str | None = None, *, address: str | None = None) -> pd.DataFrame:
        """Every event logged so far (or only those called ``name``, or emitted by ``address``), oldest first:
        one row each with ``block``, ``address`` (the emitting contract), ``event`` and one column per argument.
        Events are how contracts publish data cheaply: nothing in contract storage reads them back, but anyone
        can, like this.

        >>> chain.events("ContributionAdded", address=trainer.address)["contributor"]   # doctest: +SKIP
        """
        import pandas as pd

        wanted = to_checksum_address(address) if address is not None else None
        rows = [e for e in self._events if (name is None or e["event"] == name) and wanted in (None, e["address"])]
        return pd.DataFrame(rows).dropna(axis=1, how="all") if rows else pd.DataFrame(columns=["block", "address", "event"])

    # -- contracts --------------------------------------------------------------------------------
    def deploy(
        self, name: str | dict[str, Any], *args: Any, sender: str | None = None, gas: int = TX_GAS_LIMIT
    ) -> Contract:
        """Deploy the compiled contract ``name`` (or an artifact dict, e.g. from ``sk.compile_source``) with
        constructor ``args``; returns its handle."""
        artifact = _artifacts.load(name) if isinstance(name, str) else name
        name = artifact["contractName"]
        if artifact["bytecode"] in ("0x", ""):
            raise ValueError(f"{name} is an interface or abstract contract: it cannot be deployed")
        ctor = _abi.constructor(artifact["abi"])
        data = bytes.fromhex(artifact["bytecode"][2:]) + ctor.encode_call(args)[4:]
        receipt = self._transact(sender or self.owner, None, data, value=0, gas=gas, context=(name, "deploy"))
        assert receipt.contract_address is not None
        self._names.setdefault(receipt.contract_address, name)
        return Contract(self, name, receipt.contract_address, abi=artifact["abi"])

    # -- execution --------------------------------------------------------------------------------
    @property
    def _evm(self) -> Any:
        """The py-evm chain, with its pending block set to this chain's clock."""
        evm = self._backend.chain
        if evm.header.timestamp != self._now:
            evm.header = evm.header.copy(timestamp=self._now)
        return evm

    def _unsigned(self, sender: str, to: str | None, data: bytes, value: int, gas: int) -> Any:
        evm = self._evm
        sender_bytes = to_canonical_address(sender)
        return evm.get_transaction_builder().new_unsigned_dynamic_fee_transaction(
            chain_id=evm.chain_id,
            nonce=evm.get_vm().state.get_nonce(sender_bytes),
            max_priority_fee_per_gas=0,
            max_fee_per_gas=0,
            gas=gas,
            to=to_canonical_address(to) if to else b"",
            value=value,
            data=data,
            access_list=(),
        )

    def _dry_run(self, sender: str, tx: Any, context: tuple[str, str]) -> Any:
        """Execute ``tx`` on a throwaway copy of the pending state; raise Reverted if it fails."""
        state = self._evm.get_vm().state
        snapshot = state.snapshot()
        try:
            computation = state.apply_transaction(SpoofTransaction(tx, from_=to_canonical_address(sender)))
        except InvalidTransaction as e:  # rejected before running, e.g. a gas limit below the upfront cost
            raise self._invalid(e, context, tx.gas) from None
        finally:
            state.revert(snapshot)
        if computation.is_error:
            raise self._reverted(computation, context, tx.gas)
        return computation

    @staticmethod
    def _invalid(error: Exception, context: tuple[str, str], gas: int) -> ValueError:
        return ValueError(
            f"{context[0]}.{context[1]}: the transaction is invalid before it runs ({error}). Is the gas "
            f"limit ({gas:,}) below what a transaction costs up front (21,000 plus its data)?"
        )

    def _reverted(self, computation: Any, context: tuple[str, str], gas: int) -> Reverted:
        error = computation.error
        contract, function = context
        data = error.args[0] if error.args and isinstance(error.args[0], bytes) else b""
        # An inner call that runs out of gas takes 63/64 of what is left and returns nothing.
        if not data and computation.get_gas_remaining() * 32 < gas:
            return Reverted(
                f"OutOfGas: the transaction used {computation.get_gas_used():,} of its {gas:,} gas limit",
                f"The gas limit ({gas:,}) was too low for this transaction; nothing was changed. "
                f"Send it again with a higher gas= limit (sumkit's default is {TX_GAS_LIMIT:,}).",
                contract=contract,
                function=function,
            )
        if type(error).__name__ == "Revert":
            return decode_revert(data, contract=contract, function=function)
        return Reverted(
            f"{type(error).__name__}: {error}",
            "The EVM stopped this transaction (for example it ran out of gas or hit an invalid "
            "instruction); nothing was changed.",
            contract=contract,
            function=function,
        )

    def _call(self, sender: str, to: str, data: bytes, context: tuple[str, str]) -> bytes:
        tx = self._unsigned(sender, to, data, value=0, gas=TX_GAS_LIMIT)
        return self._dry_run(sender, tx, context).output

    def _transact(
        self,
        sender: str,
        to: str | None,
        data: bytes,
        *,
        value: int,
        gas: int,
        context: tuple[str, str],
        sig: _abi.Signature | None = None,
    ) -> Receipt:
        sender = to_checksum_address(sender)
        key = self._keys.get(to_canonical_address(sender))
        if key is None:
            raise ValueError(f"{sender} is not an account of this chain: use chain.alice, chain.bob, ...")
        if value < 0:
            raise ValueError("value must be a non-negative number of wei")
        if value > self.balance(sender):
            raise ValueError(f"{self.name_of(sender)} cannot send {value} wei: the balance is {self.balance(sender)}")
        tx = self._unsigned(sender, to, data, value, gas)
        evm = self._evm
        signed = tx.as_signed_transaction(key)
        # We signed it, so we know the sender: fill py-evm's cached `sender` instead of recovering it from
        # the signature (elliptic-curve arithmetic in pure Python, a few ms per transaction).
        signed.__dict__.setdefault("sender", to_canonical_address(sender))
        # Run it once, in the pending block; if it fails, put the pending header back, which drops the
        # transaction and every state change it made (each transaction gets a block of its own, so the
        # pending block is empty before it). Nothing is sent, and a revert raises here.
        pending = evm.header
        try:
            _, receipt, computation = evm.apply_transaction(signed)
        except InvalidTransaction as e:  # rejected before running, e.g. a gas limit below the upfront cost
            evm.header = pending
            raise self._invalid(e, context, tx.gas) from None
        if computation.is_error:
            evm.header = pending
            raise self._reverted(computation, context, gas)
        block_number = evm.header.block_number
        # eth-tester would draw the block's randomness (prevrandao, the header's mix_hash) from os.urandom,
        # which makes block hashes, and so anything a contract derives from them, differ between runs; a
        # hash of the block number keeps every run reproducible (no transaction here carries blobs).
        evm.mine_block(mix_hash=keccak(block_number.to_bytes(32, "big")), blob_gas_used=0)
        block_time = self._now
        self._now = block_time + BLOCK_TIME
        events = []
        for log in receipt.logs:
            decoded = _abi.decode_event([t.to_bytes(32, "big") for t in log.topics], log.data)
            if decoded is not None:
                events.append(decoded)
                self._events.append(
                    {"block": block_number, "address": to_checksum_address(log.address), "event": decoded[0], **decoded[1]}
                )
        created = to_checksum_address(computation.msg.storage_address) if to is None else None
        contract, function = context
        self._log.append(
            {
                "contract": contract,
                "function": function,
                "sender": self.name_of(sender),
                "gas_used": receipt.gas_used,
                "block_time": block_time,
                "block": block_number,
            }
        )
        self.last_receipt = Receipt(
            tx_hash="0x" + signed.hash.hex(),
            contract=contract,
            function=function,
            sender=sender,
            gas_used=receipt.gas_used,
            block_number=block_number,
            block_time=block_time,
            events=events,
            output=sig.decode_output(computation.output) if sig is not None and sig.outputs else None,
            contract_address=created,
        )
        return self.last_receipt
