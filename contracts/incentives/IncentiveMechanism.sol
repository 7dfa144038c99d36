// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IIncentiveMechanism
/// @notice The rules that decide what a contribution costs and who may claim what, and when.
/// @dev Step 1 of every contribution. The trainer holds the ether; the mechanism only computes amounts
/// and keeps the statistics it needs. Every handler is restricted to the trainer.
interface IIncentiveMechanism {
    /// @notice The deposit a contribution requires if it is added at the current block time.
    function nextDeposit() external view returns (uint256);

    /// @notice Validates a new contribution and prices it.
    /// @param contributor Who adds the data.
    /// @param sent The ether sent with the contribution, in wei.
    /// @param label The contribution's label (some mechanisms reward variety).
    /// @return deposit The part of `sent` kept as the contribution's deposit (the rest is returned).
    function handleAddData(address contributor, uint256 sent, uint64 label) external returns (uint256 deposit);

    /// @notice Validates a contributor's refund of their own contribution (a refund always returns
    /// what is left of its deposit); reverts if it is not allowed yet.
    /// @param contributor The contributor (the caller of the trainer).
    /// @param addedAt When the contribution was added (unix seconds).
    /// @param agrees Whether the model currently predicts the contribution's label.
    function handleRefund(address contributor, uint256 addedAt, bool agrees) external;

    /// @notice Decides how much a reporter may take from someone else's contribution.
    /// @param reporter Who takes.
    /// @param contributor Who added the contribution.
    /// @param addedAt When the contribution was added (unix seconds).
    /// @param initialDeposit The contribution's original deposit, in wei.
    /// @param claimable What is left of its deposit, in wei.
    /// @param agrees Whether the model currently predicts the contribution's label.
    /// @return amount The wei to pay the reporter.
    function handleReport(
        address reporter,
        address contributor,
        uint256 addedAt,
        uint256 initialDeposit,
        uint256 claimable,
        bool agrees
    ) external returns (uint256 amount);
}
