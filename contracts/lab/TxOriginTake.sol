// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClassifier} from "../models/Classifier.sol";
import {LabTrainer} from "./LabTrainer.sol";

// =====================================================================================================
//  DELIBERATELY VULNERABLE — for the attack lab only; never deploy.
//  Level "tx_origin": a take (report) that trusts tx.origin.
// =====================================================================================================

/// @title TxOriginTrainer
/// @notice DELIBERATELY VULNERABLE — for the attack lab only; never deploy.
/// Level "tx_origin": after `ownerClaimWait` the owner may take whatever is left of any deposit,
/// and `report` recognises the owner by `tx.origin`, the account that signed the transaction,
/// instead of `msg.sender`, the account or contract calling it. Any contract the owner
/// can be tricked into calling may take in the owner's name, and `report` pays `msg.sender`.
contract TxOriginTrainer is LabTrainer {
    /// @param classifier_ The model, deployed for this trainer.
    /// @param owner_ The owner.
    /// @param depositAmount_ The deposit of every contribution, in wei.
    /// @param refundWait_ Seconds before a refund.
    /// @param ownerClaimWait_ Seconds before the owner may take what is left.
    constructor(
        IClassifier classifier_,
        address owner_,
        uint256 depositAmount_,
        uint256 refundWait_,
        uint256 ownerClaimWait_
    ) LabTrainer(classifier_, owner_, depositAmount_, refundWait_, ownerClaimWait_) {}

    /// @notice The owner takes what is left of contribution `id`, once `ownerClaimWait` has passed.
    /// @param id The contribution's id.
    /// @return amount The wei paid to the caller.
    function report(uint256 id) external nonReentrant returns (uint256 amount) {
        Contribution storage c = _get(id);
        _checkWait(c, ownerClaimWait);
        if (tx.origin != owner) revert NotOwner(tx.origin, owner); // BUG: tx.origin, not msg.sender
        amount = c.claimable;
        if (amount == 0) revert NothingLeftToClaim(id);
        c.claimable = 0;
        emit DepositTaken(id, msg.sender, amount);
        _pay(msg.sender, amount); // ... and the money goes to msg.sender, whoever that is
    }
}

/// @title TxOriginTrainerFixed
/// @notice The fixed twin of `TxOriginTrainer`: the owner is recognised by `msg.sender`, the direct
/// caller, so a contract the owner calls cannot act in the owner's name.
contract TxOriginTrainerFixed is LabTrainer {
    /// @param classifier_ The model, deployed for this trainer.
    /// @param owner_ The owner.
    /// @param depositAmount_ The deposit of every contribution, in wei.
    /// @param refundWait_ Seconds before a refund.
    /// @param ownerClaimWait_ Seconds before the owner may take what is left.
    constructor(
        IClassifier classifier_,
        address owner_,
        uint256 depositAmount_,
        uint256 refundWait_,
        uint256 ownerClaimWait_
    ) LabTrainer(classifier_, owner_, depositAmount_, refundWait_, ownerClaimWait_) {}

    /// @notice The owner takes what is left of contribution `id`, once `ownerClaimWait` has passed.
    /// @param id The contribution's id.
    /// @return amount The wei paid to the caller.
    function report(uint256 id) external nonReentrant returns (uint256 amount) {
        Contribution storage c = _get(id);
        _checkWait(c, ownerClaimWait);
        if (msg.sender != owner) revert NotOwner(msg.sender, owner); // FIX: the direct caller
        amount = c.claimable;
        if (amount == 0) revert NothingLeftToClaim(id);
        c.claimable = 0;
        emit DepositTaken(id, msg.sender, amount);
        _pay(msg.sender, amount);
    }
}
