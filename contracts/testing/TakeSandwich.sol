// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TakeSandwich
/// @notice TEST-ONLY ATTACKER. Never deploy it for real use: it exists so the test suite can prove that a
/// `CollaborativeTrainer` under Deposit-Refund-Take cannot be made to pay by a take that one transaction
/// manufactures. In a single transaction it sends a list of calls to the trainer: add a mislabelled sample
/// (the model flips against a victim's contribution), report the victim (a flag, or a take), add the sample
/// again with its true label (the model flips back). In every mined block the model agrees with the victim.
/// @dev Anyone may drive it: it holds only what the trainer returns to it. A failed call reverts the whole
/// transaction with that call's revert data.
contract TakeSandwich {
    /// @notice The trainer this attacker targets.
    address public immutable target;

    /// @notice Call `index` of a batch returned `result`.
    event Called(uint256 index, bytes result);

    /// @param target_ The `CollaborativeTrainer` to attack.
    constructor(address target_) {
        target = target_;
    }

    /// @notice Sends `calls[i]` to the target with `values[i]` wei, in order, in this one transaction.
    /// @param calls ABI-encoded calldata for the target (`addData`, `refund`, `report`).
    /// @param values The wei sent with each call (their sum must be sent with this call).
    function run(bytes[] calldata calls, uint256[] calldata values) external payable {
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory result) = target.call{value: values[i]}(calls[i]);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(result, 32), mload(result))
                }
            }
            emit Called(i, result);
        }
    }

    /// @notice Accepts what the target pays back (refunds, surplus deposits, takes).
    receive() external payable {}
}
