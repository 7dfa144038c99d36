// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IClassifier
/// @notice What a `CollaborativeTrainer` needs from a model: free predictions and a fixed update rule.
/// @dev Features are fixed-point integers with `SCALE = 10**9` (1.0 is stored as 1e9). Sparse models
/// read `x` as the indices of the active features.
interface IClassifier {
    /// @notice The model's prediction for one sample.
    /// @param x The encoded sample.
    /// @return label The predicted class, in `[0, numClasses())`.
    function predict(int64[] calldata x) external view returns (uint64 label);

    /// @notice Trains the model on one sample with its fixed update rule. Only the trainer may call it.
    /// @param x The encoded sample.
    /// @param label The sample's class.
    /// @return changed Whether the model's parameters changed (false: every prediction is as before).
    function update(int64[] calldata x, uint64 label) external returns (bool changed);

    /// @notice How many classes the model distinguishes; labels are `0 .. numClasses() - 1`.
    function numClasses() external view returns (uint64);

    /// @notice Whether the model's parameters are complete (models deployed in chunks finish with
    /// `finalize`); a `CollaborativeTrainer` refuses a model that is not.
    function finalized() external view returns (bool);
}
