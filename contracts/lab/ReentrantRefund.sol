// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClassifier} from "../models/Classifier.sol";
import {LabTrainer} from "./LabTrainer.sol";

// =====================================================================================================
//  DELIBERATELY VULNERABLE — for the attack lab only; never deploy.
//  Level "reentrancy": a refund that sends ether before updating its state.
// =====================================================================================================

/// @title ReentrantRefundTrainer
/// @notice DELIBERATELY VULNERABLE — for the attack lab only; never deploy.
/// Level "reentrancy": `refund` pays the contributor BEFORE it marks the contribution as refunded.
/// A contract receiving the payment can call `refund` again while the first call is still running.
contract ReentrantRefundTrainer is LabTrainer {
    /// @param classifier_ The model, deployed for this trainer.
    /// @param owner_ The owner.
    /// @param depositAmount_ The deposit of every contribution, in wei.
    /// @param refundWait_ Seconds before a refund.
    constructor(IClassifier classifier_, address owner_, uint256 depositAmount_, uint256 refundWait_)
        LabTrainer(classifier_, owner_, depositAmount_, refundWait_, refundWait_)
    {}

    /// @notice Refunds the deposit of your contribution `id` if the model agrees with it.
    /// @param id The contribution's id.
    /// @return amount The wei paid.
    function refund(uint256 id) external returns (uint256 amount) {
        Contribution storage c = _get(id);
        if (msg.sender != c.contributor) revert NotContributor(msg.sender, c.contributor);
        if (c.refunded) revert AlreadyRefunded(id);
        _checkWait(c, refundWait);
        if (!_modelAgrees(c)) revert ModelDisagrees();
        amount = c.deposit;
        _pay(msg.sender, amount); // BUG: the ether leaves first: the receiver may call refund(id) again ...
        c.refunded = true; //        ... and this line, which would stop it, has not run yet.
        c.claimable = 0;
        _countGood(msg.sender);
        emit ContributionRefunded(id, amount);
    }
}

/// @title ReentrantRefundTrainerFixed
/// @notice The fixed twin of `ReentrantRefundTrainer`: checks, then effects, then the payment
/// (checks-effects-interactions), and a reentrancy lock, as in sumkit's `CollaborativeTrainer`.
contract ReentrantRefundTrainerFixed is LabTrainer {
    /// @param classifier_ The model, deployed for this trainer.
    /// @param owner_ The owner.
    /// @param depositAmount_ The deposit of every contribution, in wei.
    /// @param refundWait_ Seconds before a refund.
    constructor(IClassifier classifier_, address owner_, uint256 depositAmount_, uint256 refundWait_)
        LabTrainer(classifier_, owner_, depositAmount_, refundWait_, refundWait_)
    {}

    /// @notice Refunds the deposit of your contribution `id` if the model agrees with it.
    /// @param id The contribution's id.
    /// @return amount The wei paid.
    function refund(uint256 id) external nonReentrant returns (uint256 amount) {
        Contribution storage c = _get(id);
        if (msg.sender != c.contributor) revert NotContributor(msg.sender, c.contributor);
        if (c.refunded) revert AlreadyRefunded(id);
        _checkWait(c, refundWait);
        if (!_modelAgrees(c)) revert ModelDisagrees();
        amount = c.claimable;
        c.refunded = true; // FIX: every state change happens before the ether leaves
        c.claimable = 0;
        _countGood(msg.sender);
        emit ContributionRefunded(id, amount);
        _pay(msg.sender, amount);
    }
}
