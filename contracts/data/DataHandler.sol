// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ContributionKey} from "./ContributionKey.sol";

/// @title DataHandler
/// @notice Step 2 of every contribution: records who added which data, when, and with what deposit,
/// and keeps track of what is left of each deposit.
/// @dev The `CollaborativeTrainer` inherits it: the records live in the contract that holds the deposits,
/// so its balance is the sum of its records' `claimable`, and recording costs no call to another contract
/// (a call to a contract not yet touched in a transaction costs 2,600 gas before it does anything).
/// A contribution is identified by its `ContributionKey`. The sample itself lives in the `ContributionAdded`
/// event (cheap log storage); contract storage keeps a one-slot record per key, deleted by the refund
/// that closes it (the EVM refunds 4,800 gas for every storage slot set back to zero).
abstract contract DataHandler {
    /// @notice Bytes per value of a sample in `ContributionAdded`'s `x`.
    uint256 private constant PACKED_VALUE_BYTES = 8;

    /// @notice What is stored for each open contribution (one storage slot).
    /// @param initialDeposit The deposit paid when the data was added, in wei.
    /// @param claimable What is left of the deposit, in wei.
    /// @param exists Whether the record was written (deposits may be zero).
    struct Record {
        uint96 initialDeposit;
        uint96 claimable;
        bool exists;
    }

    /// @notice The record of each contribution, by key; all zero for a key never added, or refunded.
    mapping(bytes32 key => Record) public records;

    /// @notice Whether `reporter` already took a share of the contribution `key`.
    mapping(bytes32 key => mapping(address reporter => bool)) public takenBy;

    /// @notice A contribution was recorded. `x` is the encoded sample, exactly as sent, packed: each value
    /// as 8 bytes (a big-endian two's complement `int64`), a quarter of the log space of an `int64[]`.
    event ContributionAdded(
        bytes32 indexed key, address indexed contributor, uint64 label, uint256 addedAt, uint256 deposit, bytes x
    );

    /// @notice The contributor of `key` claimed their refund of `amount` wei; the contribution's record is
    /// deleted.
    event ContributionRefunded(bytes32 indexed key, uint256 amount);

    /// @notice `reporter` took `amount` wei from the deposit of `key`.
    event DepositTaken(bytes32 indexed key, address indexed reporter, uint256 amount);

    /// @notice No open contribution has this key: this sample and label were not added by this contributor
    /// at this time (a refund looks for the caller's own contributions), or the contribution was already
    /// refunded (a refund deletes its record).
    error UnknownContribution(bytes32 key);

    /// @notice The same contributor sent the same sample and label in the same second.
    error DuplicateContribution(bytes32 key);

    /// @notice `reporter` already took their share of this contribution.
    error AlreadyTaken(bytes32 key, address reporter);

    /// @notice Nothing is left of this contribution's deposit.
    error NothingLeftToClaim(bytes32 key);

    /// @notice A deposit larger than `type(uint96).max` wei cannot be recorded.
    error DepositTooLarge(uint256 deposit);

    /// @notice A payout larger than what is left of the deposit.
    error PayoutTooLarge(bytes32 key, uint256 amount, uint256 claimable);

    /// @notice The record of an open contribution, found from its data; reverts with `UnknownContribution`
    /// if there is none.
    /// @param x The encoded sample.
    /// @param label Its label.
    /// @param contributor Who added it.
    /// @param addedAt The block time at which it was added.
    /// @return key The contribution's key.
    /// @return record Its record.
    function find(int64[] calldata x, uint64 label, address contributor, uint256 addedAt)
        external
        view
        returns (bytes32 key, Record memory record)
    {
        key = ContributionKey.compute(x, label, contributor, addedAt);
        record = _existing(key);
    }

    /// @dev Records a new contribution added now and logs its sample; returns its key.
    function _recordAddition(int64[] calldata x, uint64 label, address contributor, uint256 deposit)
        internal
        returns (bytes32 key)
    {
        if (deposit > type(uint96).max) revert DepositTooLarge(deposit);
        key = ContributionKey.compute(x, label, contributor, block.timestamp);
        if (records[key].exists) revert DuplicateContribution(key);
        records[key] = Record({initialDeposit: uint96(deposit), claimable: uint96(deposit), exists: true});
        emit ContributionAdded(key, contributor, label, block.timestamp, deposit, _packed(x));
    }

    /// @dev Closes a contribution for its refund: deletes its record and returns what was left of its
    /// deposit, now owed to the contributor. A second refund finds no record.
    function _recordRefund(bytes32 key) internal returns (uint256 amount) {
        Record memory record = _existing(key);
        amount = record.claimable;
        if (amount == 0 && record.initialDeposit != 0) revert NothingLeftToClaim(key);
        delete records[key];
        emit ContributionRefunded(key, amount);
    }

    /// @dev The record of a contribution that `reporter` may still take from; reverts with
    /// `UnknownContribution`, `AlreadyTaken` or `NothingLeftToClaim` otherwise.
    function _reportable(bytes32 key, address reporter) internal view returns (Record memory record) {
        record = _existing(key);
        if (takenBy[key][reporter]) revert AlreadyTaken(key, reporter);
        if (record.claimable == 0) revert NothingLeftToClaim(key);
    }

    /// @dev Records that `reporter` took `amount` wei from `key`, whose deposit had `claimable` left (as
    /// `_reportable` returned it). A reporter takes at most once; the flag is written only when something
    /// is left: once a deposit is empty every later take fails with `NothingLeftToClaim` anyway, and an
    /// unread flag would cost a fresh storage slot (22,100 gas).
    function _recordPayout(bytes32 key, address reporter, uint256 amount, uint256 claimable) internal {
        if (amount > claimable) revert PayoutTooLarge(key, amount, claimable);
        uint256 left = claimable - amount;
        records[key].claimable = uint96(left);
        if (left != 0) takenBy[key][reporter] = true;
        emit DepositTaken(key, reporter, amount);
    }

    /// @dev The record of `key`; reverts with `UnknownContribution` if there is none.
    function _existing(bytes32 key) private view returns (Record memory record) {
        record = records[key];
        if (!record.exists) revert UnknownContribution(key);
    }

    /// @dev `x` packed for the log, 8 bytes per value. Measured against plain Solidity (issue 12): a byte-by-byte
    /// loop costs 52,800 gas more per add for 20 values; `abi.encodePacked(x)` (32 bytes per value) 2,440 (9
    /// values) to 6,158 (20 values) more, which would take the sparse perceptron's add_update past half of the
    /// original contracts' gas. `ContributionKey.compute` has already checked that
    /// every value is a valid `int64`, so its low 8 bytes are the whole value.
    function _packed(int64[] calldata x) private pure returns (bytes memory packed) {
        packed = new bytes(x.length * PACKED_VALUE_BYTES);
        assembly ("memory-safe") {
            let out := add(packed, 32)
            let end := add(x.offset, shl(5, x.length))
            // Each store writes 32 bytes; the next one overwrites the 24 after the value, and the last one's
            // spill lands in free memory past `packed`.
            for { let ptr := x.offset } lt(ptr, end) { ptr := add(ptr, 32) } {
                mstore(out, shl(192, calldataload(ptr)))
                out := add(out, PACKED_VALUE_BYTES)
            }
        }
    }
}
