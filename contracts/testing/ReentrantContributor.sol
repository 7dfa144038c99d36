// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ReentrantContributor
/// @notice TEST-ONLY ATTACKER. Never deploy it for real use: it exists so the test suite can prove that a
/// `CollaborativeTrainer` pays nothing extra to a contributor that calls back into it while being paid.
/// It contributes through the trainer like anyone else (driven by a chain account with `execute`), and
/// when the trainer pays it, its `receive` hook re-enters the trainer once with a prepared call
/// (typically `refund` or `report` again).
/// @dev Anyone may drive it: it holds only what the trainer pays it. With `bubble` set, a failed
/// re-entry makes `receive` revert with the re-entry's revert data, so the trainer's payment fails;
/// otherwise the failure is recorded and the payment is accepted.
contract ReentrantContributor {
    /// @notice The trainer this attacker targets.
    address public immutable target;
    /// @notice Total wei received from the target.
    uint256 public received;
    /// @notice How many payments reached `receive`.
    uint256 public payments;
    /// @notice Whether a failed re-entry makes `receive` revert (so the payment fails too).
    bool public bubble;
    /// @notice The revert data of the last failed re-entry (empty if none failed).
    bytes public lastReentryError;

    /// @dev The call made to `target` from `receive` (once, then cleared).
    bytes private _reentryCall;

    /// @notice A payment of `amount` wei arrived; a re-entry was tried if `attempted`.
    event PaymentReceived(uint256 amount, bool attempted);
    /// @notice The re-entrant call returned `ok` with `result` (its revert data when it failed).
    event ReentryAttempted(bool ok, bytes result);

    /// @param target_ The `CollaborativeTrainer` to attack.
    constructor(address target_) {
        target = target_;
    }

    /// @notice Prepares the call made to the target from `receive` at the next payment.
    /// @param call ABI-encoded calldata for the target (for example `refund(...)` again).
    /// @param bubble_ Whether a failed re-entry should make the payment fail too.
    function arm(bytes calldata call, bool bubble_) external {
        _reentryCall = call;
        bubble = bubble_;
    }

    /// @notice Calls the target with `call` and the ether sent, as this contract; bubbles up its revert.
    /// @param call ABI-encoded calldata for the target (`addData`, `refund`, `report`).
    /// @return result The target's return data.
    function execute(bytes calldata call) external payable returns (bytes memory result) {
        bool ok;
        (ok, result) = target.call{value: msg.value}(call);
        if (!ok) _revertWith(result);
    }

    /// @notice Takes a payment and, if armed, re-enters the target once.
    receive() external payable {
        received += msg.value;
        payments += 1;
        bytes memory call = _reentryCall;
        emit PaymentReceived(msg.value, call.length != 0);
        if (call.length == 0) return;
        delete _reentryCall;
        (bool ok, bytes memory result) = target.call(call);
        emit ReentryAttempted(ok, result);
        if (!ok) {
            lastReentryError = result;
            if (bubble) _revertWith(result);
        }
    }

    /// @dev Reverts with `data` as the revert data.
    function _revertWith(bytes memory data) private pure {
        assembly {
            revert(add(data, 32), mload(data))
        }
    }
}
