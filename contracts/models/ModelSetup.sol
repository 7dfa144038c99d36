// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClassifier} from "./Classifier.sol";

/// @title ModelSetup
/// @notice Base for models too large to deploy in one transaction. The constructor stores what fits,
/// then the deployer sends the rest of the parameters in `extend`-style calls guarded by `onlyDuringSetup`,
/// and finally calls `finalize`. After that the parameters are locked: only the trainer's fixed update
/// rule changes them, and the `CollaborativeTrainer` refuses a model that is not finalized.
/// @dev The deployer is an `immutable`, so the setup check costs no storage read. A model that inherits
/// this is an `IClassifier` whose `finalized()` is the flag kept here.
abstract contract ModelSetup is IClassifier {
    /// @notice The account that deployed the model and may send the rest of its parameters.
    address public immutable deployer;
    /// @inheritdoc IClassifier
    bool public override finalized;

    /// @notice The model's parameters are complete and locked.
    event ModelFinalized();

    /// @notice Only the deployer may set a model up; `caller` is not it.
    error NotDeployer(address caller, address deployer);
    /// @notice Setup is over: the model's parameters are locked.
    error AlreadyFinalized();

    constructor() {
        deployer = msg.sender;
    }

    /// @dev Lets only the deployer through, and only before `finalize`.
    modifier onlyDuringSetup() {
        if (msg.sender != deployer) revert NotDeployer(msg.sender, deployer);
        if (finalized) revert AlreadyFinalized();
        _;
    }

    /// @notice Ends setup: the parameters sent so far are the model's, for good.
    function finalize() external onlyDuringSetup {
        finalized = true;
        emit ModelFinalized();
    }
}
