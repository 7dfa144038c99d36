// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClassifier} from "../models/Classifier.sol";

/// @title IMarketTrainer
/// @notice What a `PredictionMarket` uses of its `CollaborativeTrainer`: the model (to check test rows),
/// its records (to check replayed samples) and `report` (to collect each stake once).
interface IMarketTrainer {
    /// @notice The trainer's model.
    function classifier() external view returns (IClassifier);
    /// @notice The record of a contribution, by key (the trainer is its `DataHandler`).
    /// @param key The contribution's key.
    /// @return initialDeposit The deposit paid.
    /// @return claimable What is left of it.
    /// @return exists Whether the record exists.
    function records(bytes32 key) external view returns (uint96 initialDeposit, uint96 claimable, bool exists);
    /// @notice Takes (part of) the deposit of a contribution, decided by the incentive mechanism.
    /// @param x The sample, exactly as added.
    /// @param label Its label.
    /// @param contributor Who added it.
    /// @param addedAt The block time at which it was added.
    /// @return amount The wei paid to the caller.
    function report(int64[] calldata x, uint64 label, address contributor, uint256 addedAt)
        external
        returns (uint256 amount);
}
