// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IOwned
/// @notice Anything with an owner (the `CollaborativeTrainer` has one).
interface IOwned {
    /// @notice The account that owns the contract.
    function owner() external view returns (address);
}

/// @title TrainerOwned
/// @notice Base for the components of a SUM deployment (incentive mechanism, model).
/// Each component is bound, for its whole life, to one `CollaborativeTrainer`: only that trainer may
/// change the component's state.
/// @dev The trainer's address is fixed at construction (an `immutable`), so checking the caller costs
/// no storage read. sumkit predicts the trainer's address from the deployer's nonce; the trainer's
/// constructor verifies the binding of every component.
abstract contract TrainerOwned {
    /// @notice The only contract allowed to change this component.
    address public immutable trainer;

    /// @notice `caller` tried an action reserved for the `trainer` contract.
    error NotTrainer(address caller, address trainer);

    /// @notice A component cannot be bound to the zero address.
    error ZeroTrainer();

    /// @param trainer_ The address of the `CollaborativeTrainer` that will own this component.
    constructor(address trainer_) {
        if (trainer_ == address(0)) revert ZeroTrainer();
        trainer = trainer_;
    }

    /// @dev Lets only the trainer through.
    modifier onlyTrainer() {
        if (msg.sender != trainer) revert NotTrainer(msg.sender, trainer);
        _;
    }

    /// @dev The trainer's current owner (read only when a rule needs it).
    function _trainerOwner() internal view returns (address) {
        return IOwned(trainer).owner();
    }
}
