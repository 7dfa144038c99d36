"""The in-process backend: py-evm (through eth-tester's chain setup), Prague rules, deterministic.

It signs for the ten development accounts of the standard test mnemonic (the accounts Anvil and Hardhat give
too), so a story run here and on a local node uses the same addresses and so the same gas.

>>> backend = PyEvmBackend(start_time=1_767_225_600)
>>> backend.balance(backend.accounts[0]) == 10**24
True
"""

from __future__ import annotations

from typing import Any

from eth.vm.spoof import SpoofTransaction
from eth_keys import KeyAPI
from eth_tester import PyEVMBackend as _EthTesterPyEVM
from eth_tester.backends.pyevm.main import generate_genesis_state_for_keys, get_default_genesis_params
from eth_utils import ValidationError
from eth_utils import keccak, to_canonical_address, to_checksum_address

from .base import (DEV_CHAIN, IN_PROCESS, TX_GAS_CAP, CallResult, Log, TransactionRejected, TxResult, dev_keys,
                   over_the_cap)


class PyEvmBackend:
    """py-evm in this process: one block per transaction, at the timestamp :class:`~sumkit.Chain` gives.

    ``tester`` is the eth-tester backend holding the py-evm chain (``EthereumTester(backend=...tester)`` serves
    the same state to web3's ``EthereumTesterProvider``).
    """

    name = "py-evm"
    capabilities = IN_PROCESS

    def __init__(self, *, start_time: int, block_gas_limit: int = DEV_CHAIN.block_gas_limit) -> None:
        params = dict(get_default_genesis_params(), gas_limit=block_gas_limit, timestamp=start_time, base_fee_per_gas=0)
        keys = dev_keys()
        state = generate_genesis_state_for_keys(keys, overrides={"balance": DEV_CHAIN.balance})
        self.tester = _EthTesterPyEVM(genesis_parameters=params, genesis_state=state)
        self.tester.account_keys = keys  # so eth-tester, serving this state to web3, signs for the same accounts
        self.block_gas_limit = block_gas_limit
        self._keys = {key.public_key.to_canonical_address(): key for key in keys}
        self.accounts: list[str] = [to_checksum_address(a) for a in self._keys]

    @property
    def chain_id(self) -> int:
        return self.tester.chain.chain_id

    def _evm(self, timestamp: int | None = None) -> Any:
        """The py-evm chain, its pending block set at ``timestamp``."""
        evm = self.tester.chain
        if timestamp is not None and evm.header.timestamp != timestamp:
            evm.header = evm.header.copy(timestamp=timestamp)
        return evm

    @property
    def block_number(self) -> int:
        return self.tester.chain.header.block_number

    def _state(self) -> Any:
        return self._evm().get_vm().state

    def balance(self, address: str) -> int:
        return self._state().get_balance(to_canonical_address(address))

    def nonce(self, address: str) -> int:
        return self._state().get_nonce(to_canonical_address(address))

    def code(self, address: str) -> bytes:
        return self._state().get_code(to_canonical_address(address))

    def block_hash(self, number: int) -> bytes:
        """The hash of mined block ``number``."""
        return self.tester.chain.get_canonical_block_by_number(number).hash

    def _unsigned(self, evm: Any, sender: str, to: str | None, data: bytes, value: int, gas: int,
                  state: Any = None) -> Any:
        """An unsigned transaction from ``sender``, with its next nonce in ``state`` (default: the latest)."""
        state = evm.get_vm().state if state is None else state
        return evm.get_transaction_builder().new_unsigned_dynamic_fee_transaction(
            chain_id=evm.chain_id,
            nonce=state.get_nonce(to_canonical_address(sender)),
            max_priority_fee_per_gas=0,
            max_fee_per_gas=0,
            gas=gas,
            to=to_canonical_address(to) if to else b"",
            value=value,
            data=data,
            access_list=(),
        )

    @staticmethod
    def _failure(computation: Any, gas: int) -> CallResult:
        error = computation.error
        data = error.args[0] if type(error).__name__ == "Revert" and error.args and isinstance(error.args[0], bytes) else b""
        halt = "" if type(error).__name__ == "Revert" else f"{type(error).__name__}: {error}"
        return CallResult(False, gas_used=gas - computation.get_gas_remaining(), error=data, halt=halt)

    def call(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int) -> CallResult:
        evm = self._evm(timestamp)
        tx = self._unsigned(evm, sender, to, data, value, gas)
        state = evm.get_vm().state
        return self._run_and_undo(state, tx, sender, gas)

    def call_at(self, sender: str, to: str, data: bytes, *, block: int, gas: int) -> CallResult:
        evm = self.tester.chain
        vm = evm.get_vm(evm.get_canonical_block_header_by_number(block))  # its state: after that block
        state = vm.state
        tx = self._unsigned(evm, sender, to, data, 0, gas, state)
        return self._run_and_undo(state, tx, sender, gas)

    def _run_and_undo(self, state: Any, tx: Any, sender: str, gas: int) -> CallResult:
        """Run ``tx`` as ``sender`` on ``state`` and undo it (a call): its output, or why it failed."""
        snapshot = state.snapshot()
        try:
            computation = state.apply_transaction(SpoofTransaction(tx, from_=to_canonical_address(sender)))
        except ValidationError as e:  # rejected before running, e.g. a gas limit below the upfront cost
            raise TransactionRejected(str(e)) from None
        finally:
            state.revert(snapshot)
        if computation.is_error:
            return self._failure(computation, gas)
        return CallResult(True, output=computation.output, gas_used=gas - computation.get_gas_remaining())

    def send(self, sender: str, to: str | None, data: bytes, *, value: int, gas: int, timestamp: int,
             nonce: int | None = None) -> TxResult:
        key = self._keys.get(to_canonical_address(sender))
        if key is None:
            raise TransactionRejected(f"this chain cannot sign for {sender}")
        if nonce is not None and nonce != self.nonce(sender):
            raise TransactionRejected(f"nonce {nonce} is not {sender}'s next nonce ({self.nonce(sender)})")
        evm = self._evm(timestamp)
        signed = self._unsigned(evm, sender, to, data, value, gas).as_signed_transaction(key)
        # We signed it, so we know the sender: fill py-evm's cached `sender` instead of recovering it from
        # the signature (elliptic-curve arithmetic in pure Python, a few ms per transaction).
        signed.__dict__.setdefault("sender", to_canonical_address(sender))
        return self._mine(evm, signed)

    def send_raw(self, raw: bytes, *, timestamp: int) -> tuple[str, str | None, bytes, TxResult | CallResult]:
        """Mine a transaction signed elsewhere (e.g. with eth-account) at ``timestamp``, as :meth:`send` does;
        returns its sender, recipient, data and result."""
        evm = self._evm(timestamp)
        try:
            signed = evm.get_vm().get_transaction_builder().decode(raw)
            sender = to_checksum_address(signed.sender)
        except Exception as e:  # noqa: BLE001 - anything undecodable is refused, with py-evm's reason
            raise TransactionRejected(f"not a valid signed transaction: {e}") from None
        to = to_checksum_address(signed.to) if signed.to else None
        return sender, to, bytes(signed.data), self._mine(evm, signed)

    def _mine(self, evm: Any, signed: Any) -> TxResult | CallResult:
        if signed.gas > TX_GAS_CAP:  # as mainnet refuses it since Osaka (py-evm 0.12 has Prague rules only)
            raise TransactionRejected(over_the_cap(signed.gas))
        # Run it once, in the pending block; if it fails, put the pending header back, which drops the
        # transaction and every state change it made (each transaction gets a block of its own, so the
        # pending block is empty before it).
        pending = evm.header
        try:
            _, receipt, computation = evm.apply_transaction(signed)
        except ValidationError as e:
            evm.header = pending
            raise TransactionRejected(str(e)) from None
        if computation.is_error:
            evm.header = pending
            return self._failure(computation, signed.gas)
        number = evm.header.block_number
        # eth-tester would draw the block's randomness (prevrandao, the header's mix_hash) from os.urandom,
        # which makes block hashes, and so anything a contract derives from them, differ between runs; a
        # hash of the block number keeps every run reproducible (no transaction here carries blobs).
        block = evm.mine_block(mix_hash=keccak(number.to_bytes(32, "big")), blob_gas_used=0)
        logs = tuple(
            Log(to_checksum_address(log.address), tuple(t.to_bytes(32, "big") for t in log.topics), log.data)
            for log in receipt.logs
        )
        return TxResult(
            True,
            output=computation.output,
            gas_used=receipt.gas_used,
            tx_hash="0x" + signed.hash.hex(),
            block_number=number,
            logs=logs,
            created=to_checksum_address(computation.msg.storage_address) if not signed.to else None,
            block_hash="0x" + block.hash.hex(),
        )

    def snapshot(self) -> bytes:
        return self.tester.take_snapshot()

    def revert(self, snapshot: Any) -> None:
        self.tester.revert_to_snapshot(snapshot)

    def add_account(self, private_key: bytes) -> str:
        key = KeyAPI().PrivateKey(private_key)
        address = to_checksum_address(key.public_key.to_canonical_address())
        if to_canonical_address(address) not in self._keys:
            self._keys[to_canonical_address(address)] = key
            self.accounts.append(address)
        return address
