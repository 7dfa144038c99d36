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
    /// @dev The scan runs in assembly (about 100 gas per index instead of about 250); only a failing sample
    /// takes the slower path that builds the error.
    /// @param x The indices of the active features.
    /// @param numFeatures How many features the model has.
    function check(int64[] calldata x, uint256 numFeatures) internal pure {
        uint256 bad = type(uint256).max;
        assembly ("memory-safe") {
            let previous := not(0)
            let end := add(x.offset, shl(5, x.length))
            for { let ptr := x.offset } lt(ptr, end) { ptr := add(ptr, 32) } {
                let index := calldataload(ptr)
                // A negative index reads as a huge unsigned number, so one unsigned comparison checks
                // both bounds; a word that is not a valid int64 fails it too (and reverts when decoded below).
                if or(iszero(lt(index, numFeatures)), iszero(sgt(index, previous))) {
                    bad := shr(5, sub(ptr, x.offset))
                    break
                }
                previous := index
            }
        }
        if (bad != type(uint256).max) fail(x, bad, numFeatures);
    }

    /// @notice Reverts with the error that describes the invalid index at `position` of `x`.
    /// @dev For models that check the indices inside their own assembly loop and stop at the first bad one.
    /// @param x The indices of the active features.
    /// @param position The position of the first index that is out of range or not above the one before it.
    /// @param numFeatures How many features the model has.
    function fail(int64[] calldata x, uint256 position, uint256 numFeatures) internal pure {
        int64 index = x[position];
        if (index < 0 || uint256(int256(index)) >= numFeatures) {
            revert FeatureIndexOutOfRange(position, index, numFeatures);
        }
        revert FeatureIndicesNotIncreasing(position, x[position - 1], index);
    }
}
