"""The native-speed backend: revm (Rust) through pyrevm, with py-evm's transaction-level results.

pyrevm runs one message at a time on a journaled state that it never closes, so, left alone, every account
and storage slot would stay warm and keep its first value as "original" across transactions, and gas would
drift from Ethereum's. This backend closes each transaction itself: it runs it inside a checkpoint, reads
the accounts and slots it changed, rolls the checkpoint back and writes those changes to the database, so
the next transaction starts cold, as on Ethereum. On top of the execution gas it applies what a mined
transaction adds (intrinsic gas, refunds capped at 1/5, Prague's calldata floor, EIP-7623) and keeps
nonces, blocks (one per transaction) and the funded accounts as the py-evm backend does.

>>> backend = RevmBackend(start_time=1_767_225_600)       # doctest: +SKIP
>>> backend.balance(backend.accounts[0]) == 10**24        # doctest: +SKIP
True

A contract sees the same ``NUMBER``, ``TIMESTAMP``, ``CHAINID``, ``COINBASE`` (zero), ``GASLIMIT``,
``BASEFEE`` and ``GASPRICE`` (zero) and ``PREVRANDAO`` (zero: py-evm runs transactions in a pending block
whose mix hash is only set when it is mined) as on py-evm. What differs (see the README): ``BLOCKHASH(n)`` is
``keccak256`` of the decimal digits of ``n`` (revm's in-memory database has no headers; py-evm gives the
real header hash), a transaction this backend signs has a hash of its unsigned fields (signing in Python
would cost more than running it; one signed elsewhere and sent raw keeps its real hash), the block hash this
backend reports is not a header's, and a raw transaction's fees are not charged (in process the base fee is 0
and sumkit quotes no tip; py-evm would pay a tip to the zero coinbase).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyrevm
import rlp
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from eth_keys import KeyAPI
from hexbytes import HexBytes
from eth_utils import keccak, to_checksum_address

from ...plumbing.abi import checksum
from .base import (DEV_CHAIN, TX_GAS_CAP, Capabilities, CallResult, Log, TransactionRejected, TxResult, dev_keys,
                   over_the_cap)

# pyrevm 0.3.7 bundles revm 8, whose newest rules are Cancun: the opcodes and execution gas of Prague are the
# same; what Prague changed for a plain transaction (the calldata floor of EIP-7623) is applied here.
SPEC = "Cancun"
TX_BASE_GAS = 21_000
CREATE_GAS = 32_000
INITCODE_WORD_GAS = 2
STANDARD_TOKEN_GAS = 4  # per calldata token: a zero byte is 1 token, any other byte 4
FLOOR_TOKEN_GAS = 10  # EIP-7623
EMPTY_CODE_HASH = keccak(b"")
ZERO_WORD = bytes(32)
HALTS = {  # revm's halt reasons, named as py-evm names them
    "OutOfGas": "OutOfGas",
    "OpcodeNotFound": "InvalidInstruction",
    "InvalidFEOpcode": "InvalidInstruction",
    "InvalidJump": "InvalidJumpDestination",
    "StackUnderflow": "InsufficientStack",
    "StackOverflow": "FullStack",
    "CallTooDeep": "StackDepthLimit",
    "StateChangeDuringStaticCall": "WriteProtection",
    "OutOfOffset": "OutOfBoundsRead",
    "CreateContractSizeLimit": "OutOfGas",
}

_ACCOUNT = re.compile(r"(0x[0-9a-f]{40}): Account \{ info: AccountInfo \{ balance: (\d+), nonce: (\d+), "
                      r"code_hash: 0x([0-9a-f]{64}), code: ")
_ACCOUNT_MARK = ": Account { info: AccountInfo { balance: "
_SLOT = re.compile(r"(\d+): StorageSlot \{ previous_or_original_value: (\d+), present_value: (\d+) \}")
_CODE = re.compile(r"Some\(Bytecode \{ bytecode: 0x([0-9a-f]*), state: (?:Raw|Checked \{ len: (\d+) \}|"
                   r"Analysed \{ len: (\d+),)")
_FAILURE = re.compile(r"^(Revert|Halt) \{ (?:reason: (\w+)(?:\(\w+\))?, )?gas_used: (\d+)"
                      r"(?:, output: 0x([0-9a-f]*))? \}$")


@dataclass(frozen=True)
class _Info:
    balance: int = 0
    nonce: int = 0
    code_hash: bytes = EMPTY_CODE_HASH


_EMPTY = _Info()


def intrinsic_gas(data: bytes, create: bool) -> tuple[int, int]:
    """(intrinsic gas, EIP-7623 floor) of a transaction carrying ``data``."""
    zeros = data.count(0)
    tokens = zeros + 4 * (len(data) - zeros)
    intrinsic = TX_BASE_GAS + STANDARD_TOKEN_GAS * tokens
    if create:
        intrinsic += CREATE_GAS + INITCODE_WORD_GAS * ((len(data) + 31) // 32)
    return intrinsic, TX_BASE_GAS + FLOOR_TOKEN_GAS * tokens


class RevmBackend:
    """revm in this process: one block per transaction, at the timestamp :class:`~sumkit.Chain` gives."""

    name = "revm"
    chain_id = DEV_CHAIN.chain_id  # the py-evm backend's (eth-tester's): CHAINID gives the same
    capabilities = Capabilities(past_state=False)  # the database holds the latest state only

    def __init__(self, *, start_time: int, block_gas_limit: int = DEV_CHAIN.block_gas_limit) -> None:
        del start_time  # no genesis header to stamp here: each block's time comes with its transaction
        env = pyrevm.Env(cfg=pyrevm.CfgEnv(chain_id=self.chain_id))
        self._evm = pyrevm.EVM(env=env, gas_limit=block_gas_limit, spec_id=SPEC)
        self.block_gas_limit = block_gas_limit
        self._block = 1  # the next block to be mined (the genesis block is 0)
        self._infos: dict[str, _Info] = {}  # lowercase address -> what the database holds
        self._codes: dict[bytes, bytes] = {EMPTY_CODE_HASH: b""}
        self._stored_codes = {EMPTY_CODE_HASH}  # the codes the database has
        self._undo: list[tuple[Any, ...]] = []  # (address, old info) or (address, slot, old value), oldest first
        self._snapshots: list[tuple[int, int, int]] = []  # open snapshots: (id, undo length, next block)
        self._next_snapshot = 0
        self._keys: dict[str, Any] = {}
        self.accounts: list[str] = []
        for key in dev_keys():  # the py-evm backend's accounts
            address = key.public_key.to_checksum_address()
            self._keys[address.lower()] = key.to_bytes()
            self.accounts.append(address)
            self._write_info(address.lower(), _Info(balance=DEV_CHAIN.balance), undoable=False)

    # -- reading state ----------------------------------------------------------------------------------
    @property
    def block_number(self) -> int:
        return self._block

    def balance(self, address: str) -> int:
        return self._infos.get(address.lower(), _EMPTY).balance

    def nonce(self, address: str) -> int:
        return self._infos.get(address.lower(), _EMPTY).nonce

    def code(self, address: str) -> bytes:
        return self._codes[self._infos.get(address.lower(), _EMPTY).code_hash]

    def storage(self, address: str, slot: int) -> int:
        """The value of storage ``slot`` of ``address``."""
        checkpoint = self._evm.snapshot()
        try:
            return self._evm.storage(address, slot)
        finally:
            self._evm.revert(checkpoint)

    @staticmethod
    def block_hash(number: int) -> bytes:
        """What ``BLOCKHASH(number)`` gives a contract here (revm's in-memory database: keccak of the digits)."""
        return keccak(str(number).encode())

    # -- running ----------------------------------------------------------------------------------------
    def call(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int) -> CallResult:
        checkpoint = self._evm.snapshot()
        try:
            success, output, used, refunded, _, error, halt = self._run(sender, to, data, value, gas, timestamp)
            if success and to is None:  # a creation's output is the code it deployed
                info, _ = self._changes(self._evm.journal_str)["0x" + output.hex()]
                output = self._codes[info.code_hash]
        finally:
            self._evm.revert(checkpoint)
        return CallResult(success, output=output, gas_used=used + refunded, error=error, halt=halt)

    def send(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int,
             nonce: int | None = None) -> TxResult | CallResult:
        if sender.lower() not in self._keys:
            raise TransactionRejected(f"this chain cannot sign for {sender}")
        if nonce is not None and nonce != self.nonce(sender):
            raise TransactionRejected(f"nonce {nonce} is not {sender}'s next nonce ({self.nonce(sender)})")
        nonce = self.nonce(sender)
        fields = (bytes.fromhex(sender[2:]), nonce.to_bytes(8, "big"), bytes.fromhex(to[2:]) if to else b"",
                  value.to_bytes(32, "big"), gas.to_bytes(8, "big"), data)
        return self._mine(sender, to, data, value, gas, timestamp, "0x" + keccak(b"".join(fields)).hex())

    def send_raw(self, raw: bytes, *, timestamp: int) -> tuple[str, str | None, bytes, TxResult | CallResult]:
        """Mine a transaction signed elsewhere (e.g. with eth-account) at ``timestamp``, as :meth:`send` does;
        returns its sender, recipient, data and result. Its signature, chain id and nonce are checked as a node
        checks them; its hash is the real one (keccak of the signed bytes)."""
        try:
            sender = Account.recover_transaction(raw)
            if raw and raw[0] <= 0x7F:  # typed (EIP-2718)
                tx = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
            else:  # legacy: nonce, gas price, gas, to, value, data, v, r, s (EIP-155: chain id in v)
                nonce, _, gas, to, value, data, v = rlp.decode(raw)[:7]
                v = int.from_bytes(v, "big")
                tx = {"nonce": int.from_bytes(nonce, "big"), "gas": int.from_bytes(gas, "big"), "to": to,
                      "value": int.from_bytes(value, "big"), "data": data}
                if v > 28:
                    tx["chainId"] = (v - 35) // 2
        except Exception as e:  # noqa: BLE001 - anything undecodable is refused, with the decoder's reason
            raise TransactionRejected(f"not a valid signed transaction: {e}") from None
        if tx.get("chainId", self.chain_id) != self.chain_id:
            raise TransactionRejected(f"the transaction is signed for chain id {tx['chainId']}, this chain's is "
                                      f"{self.chain_id}")
        if tx["nonce"] != self.nonce(sender):
            raise TransactionRejected(f"nonce {tx['nonce']} is not {sender}'s next nonce ({self.nonce(sender)})")
        to = checksum("0x" + bytes(tx["to"]).hex()) if tx.get("to") else None
        data = bytes(tx.get("data") or b"")
        return sender, to, data, self._mine(sender, to, data, int(tx["value"]), int(tx["gas"]), timestamp,
                                            "0x" + keccak(raw).hex())

    def _mine(self, sender: str, to: str | None, data: bytes, value: int, gas: int, timestamp: int,
              tx_hash: str) -> TxResult | CallResult:
        """Run a transaction, and if it succeeds write its changes and mine its block."""
        if gas > TX_GAS_CAP:  # as mainnet refuses it since Osaka
            raise TransactionRejected(over_the_cap(gas))
        sender_key = sender.lower()
        checkpoint = self._evm.snapshot()
        try:
            success, output, used, refunded, logs, error, halt = self._run(sender, to, data, value, gas, timestamp)
            if not success:
                return CallResult(False, gas_used=used + refunded, error=error, halt=halt)  # not mined
            state = self._evm.journal_str
        finally:
            self._evm.revert(checkpoint)
        for address, (info, slots) in self._changes(state).items():
            if to is not None and address == sender_key:  # pyrevm's message_call leaves the nonce to us
                info = _Info(info.balance, info.nonce + 1, info.code_hash)
            for slot, (original, present) in slots.items():
                self._write_slot(address, slot, present, original)
            if info != self._infos.get(address, _EMPTY):
                self._write_info(address, info)
        created = None
        if to is None:  # deploy() returned the new contract's address; a mined creation's output is its code
            created = checksum("0x" + output.hex())
            output = self.code(created)
        _, floor = intrinsic_gas(data, create=to is None)
        number = self._block
        self._block += 1
        return TxResult(
            True,
            output=output,
            gas_used=max(used, floor),
            tx_hash=tx_hash,  # of the unsigned fields when this backend signed: see the module's docstring
            block_number=number,
            logs=tuple(Log(checksum(log.address), tuple(topics), log_data) for log in logs
                       for topics, log_data in [log.data]),
            created=created,
            block_hash="0x" + self.block_hash(number).hex(),
        )

    def _run(self, sender: str, to: str | None, data: bytes, value: int, gas: int, timestamp: int) -> tuple[Any, ...]:
        """Run a transaction in the pending block, inside the caller's checkpoint.

        Returns (success, output, gas used after refunds, refund, logs, revert data, halt reason).
        """
        intrinsic, floor = intrinsic_gas(data, create=to is None)
        if gas < max(intrinsic, floor):
            raise TransactionRejected(f"intrinsic gas too low: the gas limit {gas:,} is below the "
                                      f"{max(intrinsic, floor):,} this transaction costs up front")
        if value > self.balance(sender):
            raise TransactionRejected(f"{sender} cannot send {value} wei: its balance is {self.balance(sender)}")
        self._evm.set_block_env(pyrevm.BlockEnv(
            number=self._block, timestamp=timestamp, prevrandao=ZERO_WORD, basefee=0, difficulty=0,
            excess_blob_gas=0))
        try:
            if to is None:
                output = bytes.fromhex(self._evm.deploy(sender, data, value=value, gas=gas)[2:])
            else:
                output = self._evm.message_call(sender, to, data, value=value, gas=gas)
        except RuntimeError as e:
            failure = _FAILURE.match(str(e))
            if failure is None:  # refused before running
                raise TransactionRejected(str(e)) from None
            kind, reason, used, revert_data = failure.groups()
            halt = "" if kind == "Revert" else HALTS.get(reason or "", reason or "Halt")
            return False, b"", int(used), 0, (), bytes.fromhex(revert_data or ""), halt
        result = self._evm.result
        return True, output, result.gas_used, result.gas_refunded, result.logs, b"", ""

    # -- closing a transaction --------------------------------------------------------------------------
    def _changes(self, state: str) -> dict[str, tuple[_Info, dict[int, tuple[int, int]]]]:
        """What a transaction did, read from the journal's debug text (``EVM.journal_str``) before it is rolled
        back: for each account it loaded, its info and the slots it changed (slot -> (original, present))."""
        changes = {}
        starts = []  # where each account's entry starts (str.find: the code's hex in between is long)
        at = state.find(_ACCOUNT_MARK)
        while at != -1:
            starts.append(at - 42)  # the address before the marker
            at = state.find(_ACCOUNT_MARK, at + len(_ACCOUNT_MARK))
        for i, start in enumerate(starts):
            match = _ACCOUNT.match(state, start)
            assert match is not None, f"unexpected journal text at {state[start:start + 200]!r}"
            address, balance, nonce, code_hash_hex = match.groups()
            end = starts[i + 1] if i + 1 < len(starts) else len(state)
            code_hash = bytes.fromhex(code_hash_hex)
            if code_hash not in self._codes:  # new code: keep it, so code() and the database can serve it
                code = _CODE.match(state, match.end(), end)
                assert code is not None, f"no code in the journal for {address}"
                hex_code, checked_len, analysed_len = code.groups()
                length = int(checked_len or analysed_len or len(hex_code) // 2)
                self._codes[code_hash] = bytes.fromhex(hex_code[: 2 * length])
            storage = state.index("}, storage: {", match.end(), end) + len("}, storage: {")
            storage_end = state.index("}, status: ", storage, end)
            if "SelfDestructed" in state[storage_end:end]:  # created and destroyed in this transaction (EIP-6780)
                changes[address] = (_EMPTY, {})
                continue
            slots = {int(slot): (int(original), int(present))
                     for slot, original, present in _SLOT.findall(state, storage, storage_end) if original != present}
            changes[address] = (_Info(int(balance), int(nonce), code_hash), slots)
        return changes

    def _write_info(self, address: str, info: _Info, *, undoable: bool = True) -> None:
        if undoable and self._snapshots:
            self._undo.append((address, self._infos.get(address, _EMPTY)))
        self._infos[address] = info
        code = None  # the database keeps code by hash: send each code once
        if info.code_hash not in self._stored_codes:
            self._stored_codes.add(info.code_hash)
            code = self._codes[info.code_hash]
        # Only cold accounts go straight to the database (there are none outside a transaction).
        self._evm.insert_account_info(address, pyrevm.AccountInfo(
            balance=info.balance, nonce=info.nonce, code_hash=info.code_hash, code=code))

    def _write_slot(self, address: str, slot: int, value: int, old: int = 0, *, undoable: bool = True) -> None:
        if undoable and self._snapshots:
            self._undo.append((address, slot, old))
        # pyrevm writes a cold account's slot to the database, then loads the account: the checkpoint
        # around it unloads it again, so the next transaction finds it cold.
        checkpoint = self._evm.snapshot()
        self._evm.insert_account_storage(address, slot, value)
        self._evm.revert(checkpoint)

    # -- snapshots ----------------------------------------------------------------------------------------
    # While a snapshot is open, every database write records what it overwrote; revert() writes it back.
    def snapshot(self) -> int:
        self._next_snapshot += 1
        self._snapshots.append((self._next_snapshot, len(self._undo), self._block))
        return self._next_snapshot

    def revert(self, snapshot: Any) -> None:
        for index, (ident, undo_length, block) in enumerate(self._snapshots):
            if ident == snapshot:
                break
        else:
            raise ValueError(f"unknown snapshot {snapshot!r} (already reverted past it?)")
        del self._snapshots[index:]  # used up, and later ones describe a future that no longer exists
        while len(self._undo) > undo_length:
            entry = self._undo.pop()
            if len(entry) == 2:
                self._write_info(*entry, undoable=False)
            else:
                self._write_slot(*entry, undoable=False)
        self._block = block

    # -- accounts -----------------------------------------------------------------------------------------
    def add_account(self, private_key: bytes) -> str:
        address = to_checksum_address(KeyAPI().PrivateKey(private_key).public_key.to_canonical_address())
        if address.lower() not in self._keys:
            self._keys[address.lower()] = private_key
            self.accounts.append(address)
        return address
