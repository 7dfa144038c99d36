// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClassifier} from "../models/Classifier.sol";
import {LabTrainer} from "./LabTrainer.sol";

// =====================================================================================================
//  DELIBERATELY VULNERABLE — for the attack lab only; never deploy.
//  Level "unchecked_take": an unchecked subtraction on the claimable amount.
// =====================================================================================================

/// @title UncheckedTakeTrainer
/// @notice DELIBERATELY VULNERABLE — for the attack lab only; never deploy.
/// Level "unchecked_take": a contributor with good data takes a share
/// `deposit * good(reporter) / good(all)` of a contribution the model disagrees with, one share per
/// report, until the deposit is empty. The subtraction from what is left is `unchecked` ("it stops at
/// zero anyway"), but the last share may be larger than what is left: the claimable amount then wraps
/// around to a huge number and the reports never stop, paying out the other contributors' deposits.
contract UncheckedTakeTrainer is LabTrainer {
    /// @param classifier_ The model, deployed for this trainer.
    /// @param owner_ The owner.
    /// @param depositAmount_ The deposit of every contribution, in wei.
    /// @param refundWait_ Seconds before a refund or a take.
    constructor(IClassifier classifier_, address owner_, uint256 depositAmount_, uint256 refundWait_)
        LabTrainer(classifier_, owner_, depositAmount_, refundWait_, refundWait_)
    {}

    /// @notice Refunds the deposit of your contribution `id` if the model agrees with it now; it then
    /// counts as good data, which lets you take from bad contributions.
    /// @param id The contribution's id.
    /// @return amount The wei paid.
    function refund(uint256 id) external nonReentrant returns (uint256 amount) {
        Contribution storage c = _get(id);
        if (msg.sender != c.contributor) revert NotContributor(msg.sender, c.contributor);
        if (c.refunded) revert AlreadyRefunded(id);
        _checkWait(c, refundWait);
        if (!_modelAgrees(c)) revert ModelDisagrees();
        amount = c.claimable;
        c.refunded = true;
        c.claimable = 0;
        _countGood(msg.sender);
        emit ContributionRefunded(id, amount);
        _pay(msg.sender, amount);
    }

    /// @notice Takes your share of the deposit of someone else's contribution `id` that the model
    /// disagrees with.
    /// @param id The contribution's id.
    /// @return amount The wei paid.
    function report(uint256 id) external nonReentrant returns (uint256 amount) {
        Contribution storage c = _get(id);
        if (msg.sender == c.contributor) revert CannotTakeOwnContribution(c.contributor);
        _checkWait(c, refundWait);
        if (_modelAgrees(c)) revert ModelAgrees();
        if (numGoodData[msg.sender] == 0) revert NoGoodData(msg.sender);
        if (c.claimable == 0) revert NothingLeftToClaim(id);
        amount = uint256(c.deposit) * numGoodData[msg.sender] / totalGoodData;
        unchecked {
            c.claimable -= uint96(amount); // BUG: amount may exceed what is left: this wraps around
        }
        emit DepositTaken(id, msg.sender, amount);
        _pay(msg.sender, amount);
    }
}

/// @title UncheckedTakeTrainerFixed
/// @notice The fixed twin of `UncheckedTakeTrainer`: the share is capped at what is left, and the
/// subtraction is checked (Solidity reverts on underflow outside `unchecked`).
contract UncheckedTakeTrainerFixed is LabTrainer {
    /// @param classifier_ The model, deployed for this trainer.
    /// @param owner_ The owner.
    /// @param depositAmount_ The deposit of every contribution, in wei.
    /// @param refundWait_ Seconds before a refund or a take.
    constructor(IClassifier classifier_, address owner_, uint256 depositAmount_, uint256 refundWait_)
        LabTrainer(classifier_, owner_, depositAmount_, refundWait_, refundWait_)
    {}

    /// @notice Refunds the deposit of your contribution `id` if the model agrees with it now; it then
    /// counts as good data, which lets you take from bad contributions.
    /// @param id The contribution's id.
    /// @return amount The wei paid.
    function refund(uint256 id) external nonReentrant returns (uint256 amount) {
        Contribution storage c = _get(id);
        if (msg.sender != c.contributor) revert NotContributor(msg.sender, c.contributor);
        if (c.refunded) revert AlreadyRefunded(id);
        _checkWait(c, refundWait);
        if (!_modelAgrees(c)) revert ModelDisagrees();
        amount = c.claimable;
        c.refunded = true;
        c.claimable = 0;
        _countGood(msg.sender);
        emit ContributionRefunded(id, amount);
        _pay(msg.sender, amount);
    }

    /// @notice Takes your share of the deposit of someone else's contribution `id` that the model
    /// disagrees with (all that is left when the share is larger).
    /// @param id The contribution's id.
    /// @return amount The wei paid.
    function report(uint256 id) external nonReentrant returns (uint256 amount) {
        Contribution storage c = _get(id);
        if (msg.sender == c.contributor) revert CannotTakeOwnContribution(c.contributor);
        _checkWait(c, refundWait);
        if (_modelAgrees(c)) revert ModelAgrees();
        if (numGoodData[msg.sender] == 0) revert NoGoodData(msg.sender);
        if (c.claimable == 0) revert NothingLeftToClaim(id);
        amount = uint256(c.deposit) * numGoodData[msg.sender] / totalGoodData;
        if (amount > c.claimable) amount = c.claimable; // FIX: never more than what is left ...
        c.claimable -= uint96(amount); //                    ... and a checked subtraction
        emit DepositTaken(id, msg.sender, amount);
        _pay(msg.sender, amount);
    }
}
