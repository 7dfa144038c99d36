// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {ContributionKey} from "./ContributionKey.sol";

/// @title DataHandler
/// @notice Step 2 of every contribution: records who added which data, when, and with what deposit,
/// and keeps track of what is left of each deposit.
/// @dev A contribution is identified by its `ContributionKey`. The sample itself lives in the
/// `ContributionAdded` event (cheap log storage); contract storage keeps a one-slot record per key.
contract DataHandler is TrainerOwned {
    /// @notice What is stored for each contribution (one storage slot).
    /// @param initialDeposit The deposit paid when the data was added, in wei.
    /// @param claimable What is left of the deposit, in wei.
    /// @param refunded Whether the contributor already claimed their refund.
    /// @param exists Whether the record was written (deposits may be zero).
    struct Record {
        uint96 initialDeposit;
        uint96 claimable;
        bool refunded;
        bool exists;
    }

    /// @notice The record of each contribution, by key.
    mapping(bytes32 key => Record) public records;

    /// @notice Whether `reporter` already took a share of the contribution `key`.
    mapping(bytes32 key => mapping(address reporter => bool)) public takenBy;

    /// @notice A contribution was recorded. `x` is the encoded sample, exactly as sent.
    event ContributionAdded(
        bytes32 indexed key, address indexed contributor, uint64 label, uint256 addedAt, uint256 deposit, int64[] x
    );

    /// @notice The contributor of `key` claimed their refund of `amount` wei.
    event ContributionRefunded(bytes32 indexed key, uint256 amount);

    /// @notice `reporter` took `amount` wei from the deposit of `key`.
    event DepositTaken(bytes32 indexed key, address indexed reporter, uint256 amount);

    /// @notice No contribution has this key: no contribution of this sample and label was added by this
    /// contributor at this time (a refund looks for the caller's own contributions).
    error UnknownContribution(bytes32 key);

    /// @notice The same contributor sent the same sample and label in the same second.
    error DuplicateContribution(bytes32 key);

    /// @notice The contributor already claimed the refund of this contribution.
    error AlreadyRefunded(bytes32 key);

    /// @notice `reporter` already took their share of this contribution.
    error AlreadyTaken(bytes32 key, address reporter);

    /// @notice Nothing is left of this contribution's deposit.
    error NothingLeftToClaim(bytes32 key);

    /// @notice A deposit larger than `type(uint96).max` wei cannot be recorded.
    error DepositTooLarge(uint256 deposit);

    /// @notice A payout larger than what is left of the deposit.
    error PayoutTooLarge(bytes32 key, uint256 amount, uint256 claimable);

    /// @param trainer_ The `CollaborativeTrainer` that owns this handler.
    constructor(address trainer_) TrainerOwned(trainer_) {}

    /// @notice The record of a contribution, found from its data; reverts with `UnknownContribution`
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

    /// @notice Records a new contribution added now. Only the trainer may call it.
    /// @param x The encoded sample.
    /// @param label Its label.
    /// @param contributor Who adds it.
    /// @param deposit The deposit kept for it, in wei.
    /// @return key The new contribution's key.
    function handleAddData(int64[] calldata x, uint64 label, address contributor, uint256 deposit)
        external
        onlyTrainer
        returns (bytes32 key)
    {
        if (deposit > type(uint96).max) revert DepositTooLarge(deposit);
        key = ContributionKey.compute(x, label, contributor, block.timestamp);
        if (records[key].exists) revert DuplicateContribution(key);
        records[key] = Record({
            initialDeposit: uint96(deposit), claimable: uint96(deposit), refunded: false, exists: true
        });
        emit ContributionAdded(key, contributor, label, block.timestamp, deposit, x);
    }

    /// @notice Marks a contribution as refunded and empties what is left of its deposit.
    /// Only the trainer may call it.
    /// @param key The contribution's key.
    /// @return amount What was left of the deposit, now owed to the contributor, in wei.
    function handleRefund(bytes32 key) external onlyTrainer returns (uint256 amount) {
        Record storage record = records[key];
        if (!record.exists) revert UnknownContribution(key);
        if (record.refunded) revert AlreadyRefunded(key);
        amount = record.claimable;
        if (amount == 0 && record.initialDeposit != 0) revert NothingLeftToClaim(key);
        record.claimable = 0;
        record.refunded = true;
        emit ContributionRefunded(key, amount);
    }

    /// @notice The record of a contribution that `reporter` may still take from; reverts with
    /// `UnknownContribution`, `AlreadyTaken` or `NothingLeftToClaim` otherwise.
    /// @param key The contribution's key.
    /// @param reporter Who wants to take.
    function reportable(bytes32 key, address reporter) external view returns (Record memory record) {
        record = _existing(key);
        if (takenBy[key][reporter]) revert AlreadyTaken(key, reporter);
        if (record.claimable == 0) revert NothingLeftToClaim(key);
    }

    /// @notice Records that `reporter` took `amount` wei from the deposit of `key`.
    /// Only the trainer may call it.
    /// @dev A reporter takes from a contribution at most once. The flag is written only when something is
    /// left: once a deposit is empty, every later take fails with `NothingLeftToClaim` anyway, and an
    /// unread flag would cost a fresh storage slot (22,100 gas).
    /// @param key The contribution's key.
    /// @param reporter Who takes.
    /// @param amount The wei taken.
    function handlePayout(bytes32 key, address reporter, uint256 amount) external onlyTrainer {
        uint256 claimable = records[key].claimable;
        if (takenBy[key][reporter]) revert AlreadyTaken(key, reporter);
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
}
