// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LabTrainer} from "../lab/LabTrainer.sol";
import {IClassifier} from "../models/Classifier.sol";

/// @title LevelChecks
/// @notice The goals of the class's attack-lab levels that the target's own state shows: what
/// `ClassRegistry.goalMet` reads from a `LabTrainer` (its contributions and its model) to decide.
/// @dev View functions only; each walks the target's contributions once (a student's own instance holds a few).
library LevelChecks {
    /// @notice Whether `student` was refunded a contribution whose label is wrong (the `frozenModel`, a frozen
    /// copy of the target's model as it was deployed, disagrees with it) and that the target's model disagrees
    /// with now: bad data refunded, which only a refund trusting an old verdict allows (level `stale_prediction`).
    /// @dev Requiring the frozen verdict too rules out the fake: refunding good data, then untraining the model.
    /// @param target The level's trainer.
    /// @param student The contributor to look for.
    /// @param frozenModel The frozen model that says which label is right.
    /// @return refunded True when such a contribution exists.
    function badDataRefunded(LabTrainer target, address student, IClassifier frozenModel)
        internal
        view
        returns (bool refunded)
    {
        IClassifier model = target.classifier();
        uint256 n = target.contributionCount();
        for (uint256 id = 0; id < n; ++id) {
            LabTrainer.Contribution memory c = target.contribution(id);
            if (
                c.contributor == student && c.refunded && frozenModel.predict(c.x) != c.label
                    && model.predict(c.x) != c.label
            ) return true;
        }
    }

    /// @notice Whether some contribution of `target` has more left to claim than its deposit: its claimable amount
    /// wrapped around below zero, which only an unchecked subtraction allows (level `unchecked_take`).
    /// @param target The level's trainer.
    /// @return wrapped True when such a contribution exists.
    function claimWrapped(LabTrainer target) internal view returns (bool wrapped) {
        uint256 n = target.contributionCount();
        for (uint256 id = 0; id < n; ++id) {
            LabTrainer.Contribution memory c = target.contribution(id);
            if (c.claimable > c.deposit) return true;
        }
    }
}
