"""The small interface between :class:`sumkit.Chain` and whatever runs the EVM.

A backend knows bytes, addresses and blocks; it knows nothing of ABIs, names, hints or gas logs (that is
:class:`~sumkit.Chain`'s job). Three backends implement it:

- ``py-evm``: in process, pure Python (the default, deterministic);
- ``revm``: in process, native speed (pyrevm; identical gas and results);
- ``rpc``: any JSON-RPC node through web3.py (a local development node or a testnet).

Conventions every backend keeps, so the same story gives the same gas everywhere:

- one block per transaction; ``send`` mines it at the ``timestamp`` it is given (the chain's clock);
- ``call`` and ``send`` never leave a failed transaction behind: a revert comes back as a result with
  ``success=False`` and the revert ``error`` bytes, and changes nothing (on a shared node a transaction that
  passed its dry run may still fail once mined, after others' transactions: its :class:`TxResult` then has
  ``success=False`` and a ``tx_hash``, and its gas was spent);
- a transaction invalid before it runs (a gas limit below its upfront cost, a sender it cannot sign for, a
  nonce or balance the node refuses) raises :class:`TransactionRejected`;
- addresses are checksummed strings, data is ``bytes``;
- each backend says what it can do in ``capabilities`` (a :class:`Capabilities`); the optional methods of
  :class:`Backend` exist exactly when their capability is declared, and the chain asks nothing else.

Every development chain sumkit starts (in process or a local node) follows one :class:`DevChain` spec,
:data:`DEV_CHAIN`: the same accounts, balances, gas limit, genesis time and block time everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from eth_account.hdaccount import key_from_seed, seed_from_mnemonic
from eth_keys import KeyAPI


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, so the chain never guesses from its attributes.

    ``time_control``: sumkit sets each block's time (``chain.travel`` works); ``snapshots``: state can be saved
    and restored (``chain.snapshot()``); ``follows_others``: others send transactions too, so the chain reads
    their logs and block times (``logs``, ``timestamp_of``, ``latest_timestamp``); ``raw_transactions``: it
    takes transactions signed elsewhere (``send_raw``); ``gas_estimation``: the node estimates gas
    (``estimate_gas``); ``shared``: a node shared by a class, whose clock only the instructor moves;
    ``past_state``: calls can run on the state after an earlier block (``call_at``).
    """

    time_control: bool = True
    snapshots: bool = True
    follows_others: bool = False
    raw_transactions: bool = True
    gas_estimation: bool = False
    shared: bool = False
    past_state: bool = True


IN_PROCESS = Capabilities()  # py-evm and revm: sumkit alone mines, at its clock


@dataclass(frozen=True)
class DevChain:
    """The development chain every sumkit backend starts from, in process or on a local node.

    ``mnemonic`` gives the ``accounts`` funded accounts (the public test mnemonic of Anvil and Hardhat: never for
    real ether), each holding ``balance`` wei; blocks hold ``block_gas_limit`` gas; the first block is mined
    ``block_time`` seconds after ``genesis_time``. ``chain_id`` is the in-process chains' (eth-tester's);
    ``node_chain_id`` a local node's.
    """

    mnemonic: str = "test test test test test test test test test test test junk"
    accounts: int = 10
    balance: int = 10**24  # 1,000,000 ether each
    block_gas_limit: int = 1_000_000_000  # far above mainnet's, so big models deploy in few transactions
    chain_id: int = 131_277_322_940_537
    node_chain_id: int = 31_337
    genesis_time: int = 1_767_225_600  # 2026-01-01 00:00:00 UTC: every new chain starts here
    block_time: int = 12  # seconds between blocks, as on Ethereum mainnet


DEV_CHAIN = DevChain()

# EIP-7825 (Osaka, on mainnet and public testnets): no transaction may carry a gas limit above 2**24.
TX_GAS_CAP = 16_777_216


def over_the_cap(gas: int) -> str:
    """Why a transaction carrying ``gas`` is refused (EIP-7825), for a :class:`TransactionRejected` or a ValueError."""
    return (f"its gas limit {gas:,} is above {TX_GAS_CAP:,}, the most gas one transaction may carry since Ethereum's "
            "Osaka upgrade (EIP-7825, on mainnet and public testnets)")


@functools.cache
def dev_keys(count: int = DEV_CHAIN.accounts) -> tuple[Any, ...]:
    """The private keys (eth-keys objects) of the first ``count`` development accounts of :data:`DEV_CHAIN`."""
    seed = seed_from_mnemonic(DEV_CHAIN.mnemonic, "")
    return tuple(KeyAPI().PrivateKey(key_from_seed(seed, f"m/44'/60'/0'/0/{i}")) for i in range(count))


@dataclass(frozen=True)
class Log:
    """One event log: the emitting contract, its topics (32 bytes each) and its data."""

    address: str
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class CallResult:
    """What running a transaction or a call did.

    ``success`` is False when it reverted or halted: ``error`` then holds the revert data (``b""`` when the
    EVM halted without data, e.g. out of gas) and ``halt`` a short reason from the backend, if any.
    """

    success: bool
    output: bytes = b""
    gas_used: int = 0
    error: bytes = b""
    halt: str = ""


@dataclass(frozen=True)
class TxResult(CallResult):
    """A mined transaction: its hash, block, logs and, for a deployment, the created contract."""

    tx_hash: str = ""
    block_number: int = 0
    logs: tuple[Log, ...] = field(default=())
    created: str | None = None
    block_hash: str = ""


class TransactionRejected(ValueError):
    """The backend refused a transaction before running it (nothing was mined); the message says why."""


class Backend(Protocol):
    """What :class:`sumkit.Chain` needs from an EVM."""

    name: str  # "py-evm", "revm" or "rpc"
    accounts: list[str]  # the funded accounts it can sign for, in order
    capabilities: Capabilities
    chain_id: int
    block_gas_limit: int

    @property
    def block_number(self) -> int:
        """The number of the next block to be mined."""

    def balance(self, address: str) -> int: ...

    def nonce(self, address: str) -> int: ...

    def code(self, address: str) -> bytes: ...

    def call(self, sender: str, to: str, data: bytes, *, value: int, gas: int, timestamp: int) -> CallResult:
        """Run a message call on the latest state, in a block at ``timestamp``; changes nothing."""

    def send(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int,
             nonce: int | None = None) -> TxResult:
        """Sign and send a transaction (``to=None`` deploys ``data``) and mine it alone in a block at
        ``timestamp``. If it would fail, nothing is mined: the result has ``success=False``. With ``nonce``,
        raise :class:`TransactionRejected` unless it is ``sender``'s next nonce (sumkit's deploy plans them)."""

    def snapshot(self) -> Any:
        """An opaque id of the current state, for :meth:`revert`."""

    def revert(self, snapshot: Any) -> None:
        """Go back to the state of ``snapshot`` (blocks, balances, storage, nonces)."""

    def add_account(self, private_key: bytes) -> str:
        """Sign for ``private_key`` from now on; returns its address."""

    # -- only with capabilities.raw_transactions ------------------------------------------------------------
    def send_raw(self, raw: bytes, *, timestamp: int) -> tuple[str, str | None, bytes, CallResult]:
        """Mine a transaction signed elsewhere at ``timestamp``; returns its sender, recipient, data and result
        (a :class:`TxResult` when it was mined)."""

    # -- only with capabilities.past_state ------------------------------------------------------------------
    def call_at(self, sender: str, to: str, data: bytes, *, block: int, gas: int) -> CallResult:
        """Run a message call on the state as it was after mined block ``block``; changes nothing."""

    # -- only with capabilities.gas_estimation --------------------------------------------------------------
    def estimate_gas(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int) -> int:
        """The node's gas estimate for this transaction (``gas`` at most)."""

    def fee_per_gas(self) -> int:
        """The most a transaction sent now may pay per gas (its max fee), in wei."""

    # -- only with capabilities.follows_others --------------------------------------------------------------
    def logs(self, addresses: Sequence[str], first: int, last: int) -> list[tuple[int, str, Log]]:
        """Every log of ``addresses`` in blocks ``first`` to ``last``: (block number, transaction hash, log)."""

    def timestamp_of(self, number: int) -> int:
        """The timestamp of mined block ``number``."""

    def latest_timestamp(self) -> int:
        """The timestamp of the latest mined block."""

    # -- only without capabilities.time_control or capabilities.snapshots -----------------------------------
    def refuse(self, what: str) -> RuntimeError:
        """Why ``what`` ("travel" or "snapshot") cannot happen here, and what to do instead."""
