// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title SparseInput
/// @notice The input check shared by every sparse model. A sparse sample is the list of the indices of its
/// active (binary) features: each index must lie in `[0, numFeatures)` and the list must be strictly
/// increasing, so an index cannot be counted twice and every sample has one encoding.
/// @dev sumkit's `sparse_sample` (Python) applies the same rules before a transaction is sent; the contract
/// checks again because anyone can call it directly.
library SparseInput {
    /// @notice The index at `position` of a sparse sample is not a feature of this model: indices must
    /// lie in `[0, numFeatures)`.
    error FeatureIndexOutOfRange(uint256 position, int64 index, uint256 numFeatures);
    /// @notice The indices of a sparse sample must be strictly increasing (sorted, no duplicates); the index
    /// at `position` is not larger than the one before it.
    error FeatureIndicesNotIncreasing(uint256 position, int64 previous, int64 index);

    /// @notice Reverts unless `x` is a valid sparse sample for a model with `numFeatures` features.
    /// @param x The indices of the active features.
    /// @param numFeatures How many features the model has.
    function check(int64[] calldata x, uint256 numFeatures) internal pure {
        uint256 length = x.length;
        int256 previous = -1;
        unchecked {
            for (uint256 i = 0; i < length; ++i) {
                int64 index = x[i];
                // An int64 is non-negative and below numFeatures exactly when, read as a uint256 after
                // sign extension, it is below numFeatures (a negative one becomes a huge number).
                if (uint256(int256(index)) >= numFeatures) revert FeatureIndexOutOfRange(i, index, numFeatures);
                if (index <= previous) revert FeatureIndicesNotIncreasing(i, int64(previous), index);
                previous = index;
            }
        }
    }
}
