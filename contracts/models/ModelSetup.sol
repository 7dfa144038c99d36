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
    /// @notice The deployer stored `count` packed parameter words from word `firstWord` on.
    event ParametersLoaded(uint256 firstWord, uint256 count);

    /// @notice Only the deployer may set a model up; `caller` is not it.
    error NotDeployer(address caller, address deployer);
    /// @notice Setup is over: the model's parameters are locked.
    error AlreadyFinalized();
    /// @notice Words `firstWord .. firstWord + count - 1` are not all parameter words (`numWords` exist).
    error WordsOutOfRange(uint256 firstWord, uint256 count, uint256 numWords);

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
        _finalize();
    }

    /// @dev Reverts with `WordsOutOfRange` unless `count` words from word `firstWord` on fit in `total` words.
    function _checkWords(uint256 firstWord, uint256 count, uint256 total) internal pure {
        if (firstWord > total || count > total - firstWord) revert WordsOutOfRange(firstWord, count, total);
    }

    /// @dev Locks the parameters (a constructor that received every word calls it directly).
    function _finalize() internal {
        finalized = true;
        emit ModelFinalized();
    }
}
