// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IAnyAddressClaimWait
/// @notice An incentive mechanism after whose `anyAddressClaimWait` anyone may take what is left of any
/// contribution, whatever the model predicts (Deposit-Refund-Take). A trainer with such a mechanism does not
/// ask the model for its verdict on a report that comes after that wait.
interface IAnyAddressClaimWait {
    /// @notice Seconds after adding before anyone may take what is left, whatever the model says.
    function anyAddressClaimWait() external view returns (uint256);
}
