// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ContributionKey
/// @notice How a contribution is identified: the hash of its sample, label, contributor and time.
/// @dev Storing a 32-byte hash instead of the sample keeps every contribution to one storage slot;
/// whoever refunds or reports a contribution sends the sample again and the hash proves it.
library ContributionKey {
    /// @notice The key of the contribution of `x` with `label`, added by `contributor` at `addedAt`.
    function compute(int64[] calldata x, uint64 label, address contributor, uint256 addedAt)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(x, label, contributor, addedAt));
    }
}
