// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ReentrancyGuard
/// @notice Base for every contract that sends ether: a `nonReentrant` lock and one way to send ether,
/// with the errors they share. While a guarded function runs, any call back into a guarded function of
/// the same contract (for example from the receiver of a payment) reverts with `Reentrancy`.
/// @dev The lock is a `transient` variable (EIP-1153, Solidity >= 0.8.28): it lives for one transaction
/// only, costs about 100 gas to read or write instead of thousands for a storage slot, and cannot be
/// left set by a transaction that reverts. The same idea as OpenZeppelin's `ReentrancyGuardTransient`.
abstract contract ReentrancyGuard {
    /// @dev Whether a guarded function is running; cleared when it returns (and at the end of every transaction).
    bool private transient _locked;

    /// @notice A function that sends ether was entered again before it finished.
    error Reentrancy();
    /// @notice Sending `amount` wei to `to` failed.
    error PaymentFailed(address to, uint256 amount);

    /// @dev Reverts with `Reentrancy` if a guarded function of this contract is already running.
    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    /// @dev Sends `amount` wei to `to` (nothing for 0), with all the gas left; reverts with `PaymentFailed`
    /// if the receiver refuses it. Call it last, after every state change (checks-effects-interactions).
    function _sendValue(address to, uint256 amount) internal {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PaymentFailed(to, amount);
    }
}
