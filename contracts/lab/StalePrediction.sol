// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClassifier} from "../models/Classifier.sol";
import {LabTrainer} from "./LabTrainer.sol";

// =====================================================================================================
//  DELIBERATELY VULNERABLE — for the attack lab only; never deploy.
//  Level "stale_prediction": a refund check that uses the prediction at submission time instead of now.
// =====================================================================================================

/// @title StalePredictionTrainer
/// @notice DELIBERATELY VULNERABLE — for the attack lab only; never deploy.
/// Level "stale_prediction": to save a model call at refund time, `addData` stores whether the model
/// agrees with the contribution right after learning from it, and `refund` trusts that old verdict.
/// But a perceptron that has just learned from a sample often agrees with it, whatever its label: the
/// verdict says nothing about whether the data is good once others have corrected the model.
contract StalePredictionTrainer is LabTrainer {
    /// @notice Whether the model agreed with contribution `id` right after it was added.
    mapping(uint256 id => bool) public agreedAtSubmission;

    /// @param classifier_ The model, deployed for this trainer.
    /// @param owner_ The owner.
    /// @param depositAmount_ The deposit of every contribution, in wei.
    /// @param refundWait_ Seconds before a refund.
    constructor(IClassifier classifier_, address owner_, uint256 depositAmount_, uint256 refundWait_)
        LabTrainer(classifier_, owner_, depositAmount_, refundWait_, refundWait_)
    {}

    /// @notice Adds a sample with its label, paying exactly `depositAmount`; the model learns from it,
    /// and its verdict on the sample is stored for the refund.
    /// @param x The encoded sample.
    /// @param label Its label.
    /// @return id The new contribution's id.
    function addData(int64[] calldata x, uint64 label) public payable override returns (uint256 id) {
        id = super.addData(x, label);
        agreedAtSubmission[id] = classifier.predict(x) == label; // BUG: a verdict from the wrong time
    }

    /// @notice Refunds the deposit of your contribution `id` if the model agreed with it when it was added.
    /// @param id The contribution's id.
    /// @return amount The wei paid.
    function refund(uint256 id) external nonReentrant returns (uint256 amount) {
        Contribution storage c = _get(id);
        if (msg.sender != c.contributor) revert NotContributor(msg.sender, c.contributor);
        if (c.refunded) revert AlreadyRefunded(id);
        _checkWait(c, refundWait);
        if (!agreedAtSubmission[id]) revert ModelDisagrees(); // BUG: the model of then, not of now
        amount = c.claimable;
        c.refunded = true;
        c.claimable = 0;
        _countGood(msg.sender);
        emit ContributionRefunded(id, amount);
        _pay(msg.sender, amount);
    }
}

/// @title StalePredictionTrainerFixed
/// @notice The fixed twin of `StalePredictionTrainer`: the refund asks the model now, after the
/// refund wait, when other contributions had time to correct it (as sumkit's `CollaborativeTrainer`).
contract StalePredictionTrainerFixed is LabTrainer {
    /// @param classifier_ The model, deployed for this trainer.
    /// @param owner_ The owner.
    /// @param depositAmount_ The deposit of every contribution, in wei.
    /// @param refundWait_ Seconds before a refund.
    constructor(IClassifier classifier_, address owner_, uint256 depositAmount_, uint256 refundWait_)
        LabTrainer(classifier_, owner_, depositAmount_, refundWait_, refundWait_)
    {}

    /// @notice Refunds the deposit of your contribution `id` if the model agrees with it now.
    /// @param id The contribution's id.
    /// @return amount The wei paid.
    function refund(uint256 id) external nonReentrant returns (uint256 amount) {
        Contribution storage c = _get(id);
        if (msg.sender != c.contributor) revert NotContributor(msg.sender, c.contributor);
        if (c.refunded) revert AlreadyRefunded(id);
        _checkWait(c, refundWait);
        if (!_modelAgrees(c)) revert ModelDisagrees(); // FIX: the model's prediction now
        amount = c.claimable;
        c.refunded = true;
        c.claimable = 0;
        _countGood(msg.sender);
        emit ContributionRefunded(id, amount);
        _pay(msg.sender, amount);
    }
}
