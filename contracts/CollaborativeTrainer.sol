// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ContributionKey} from "./data/ContributionKey.sol";
import {DataHandler} from "./data/DataHandler.sol";
import {IIncentiveMechanism} from "./incentives/IncentiveMechanism.sol";
import {IClassifier} from "./models/Classifier.sol";
import {TrainerOwned} from "./access/TrainerOwned.sol";

/// @title CollaborativeTrainer
/// @notice The entry point of a Sharing Updatable Models (SUM) deployment. Anyone may ask the model
/// for a prediction for free, and anyone may improve it by adding data. Every contribution passes
/// three steps, in this order: the incentive mechanism validates and prices it, the data handler
/// records it, the model updates itself. The trainer holds every deposit until it is refunded or
/// taken, and (as a `DataHandler`) the record of what is left of each.
/// @dev Ether leaves only through `_pay`, after all state changes (checks-effects-interactions), and
/// every function that sends ether holds a reentrancy lock kept in transient storage.
contract CollaborativeTrainer is DataHandler {
    /// @notice A human-readable name for this deployment.
    string public name;
    /// @notice What the model does and what data it expects.
    string public description;
    /// @notice Validates and prices contributions, decides refunds and takes (step 1).
    IIncentiveMechanism public immutable incentiveMechanism;
    /// @notice The model (step 3).
    IClassifier public immutable classifier;
    /// @notice The owner: may take what is left of a bad contribution after the owner's wait.
    address public owner;

    /// @dev Reentrancy lock, cleared at the end of every transaction.
    bool private transient _locked;

    /// @notice Ownership moved from `previousOwner` to `newOwner`.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The model's parameters are not complete: its setup was not finalized.
    error ModelNotFinalized(address classifier);
    /// @notice A component was deployed for another trainer.
    error ComponentNotBound(address component, address boundTo);
    /// @notice Only the owner may do this.
    error NotOwner(address caller, address owner);
    /// @notice The owner cannot be the zero address.
    error ZeroOwner();
    /// @notice A function that sends ether was entered again before it finished.
    error Reentrancy();
    /// @notice Sending `amount` wei to `to` failed.
    error PaymentFailed(address to, uint256 amount);

    /// @param name_ A human-readable name.
    /// @param description_ What the model does and what data it expects.
    /// @param incentiveMechanism_ The incentive mechanism, deployed for this trainer.
    /// @param classifier_ The model, deployed for this trainer.
    /// @param owner_ The owner of this deployment.
    constructor(
        string memory name_,
        string memory description_,
        IIncentiveMechanism incentiveMechanism_,
        IClassifier classifier_,
        address owner_
    ) {
        if (owner_ == address(0)) revert ZeroOwner();
        _checkBound(address(incentiveMechanism_));
        _checkBound(address(classifier_));
        if (!classifier_.finalized()) revert ModelNotFinalized(address(classifier_));
        name = name_;
        description = description_;
        incentiveMechanism = incentiveMechanism_;
        classifier = classifier_;
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
    }

    /// @dev Guards the functions that send ether.
    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    /// @notice The model's prediction for `x`. A free call: no transaction needed.
    /// @param x The encoded sample.
    function predict(int64[] calldata x) external view returns (uint64) {
        return _predict(x);
    }

    /// @notice The model's predictions for many samples in one free call.
    /// @param xs The encoded samples.
    function predictMany(int64[][] calldata xs) external view returns (uint64[] memory labels) {
        labels = new uint64[](xs.length);
        for (uint256 i = 0; i < xs.length; ++i) {
            labels[i] = _predict(xs[i]);
        }
    }

    /// @notice The deposit that `addData` requires at the current block time, in wei.
    function nextDeposit() external view returns (uint256) {
        return incentiveMechanism.nextDeposit();
    }

    /// @notice Adds a sample with its label: pay the deposit, the data is recorded, the model learns.
    /// Anything sent above the required deposit is returned.
    /// @param x The encoded sample.
    /// @param label Its label.
    /// @return key The contribution's key (keep `x`, `label` and the block time to claim later).
    function addData(int64[] calldata x, uint64 label) external payable nonReentrant returns (bytes32 key) {
        uint256 deposit = incentiveMechanism.handleAddData(msg.sender, msg.value, label);
        key = _recordAddition(x, label, msg.sender, deposit);
        _update(x, label);
        if (msg.value > deposit) _pay(msg.sender, msg.value - deposit);
    }

    /// @notice Claims back the deposit of your own contribution, once the refund wait has passed, if
    /// the model now agrees with your label. Only the contributor can: the contribution is looked up
    /// with the caller as its contributor.
    /// @param x The sample, exactly as added.
    /// @param label Its label.
    /// @param addedAt The block time at which it was added.
    /// @return amount The wei paid to the caller.
    function refund(int64[] calldata x, uint64 label, uint256 addedAt) external nonReentrant returns (uint256 amount) {
        amount = _recordRefund(ContributionKey.compute(x, label, msg.sender, addedAt));
        incentiveMechanism.handleRefund(msg.sender, addedAt, _predict(x) == label);
        _pay(msg.sender, amount);
    }

    /// @notice Takes (part of) the deposit of someone else's contribution that the model disagrees with,
    /// or what is left of any contribution after the claim waits.
    /// @param x The sample, exactly as added.
    /// @param label Its label.
    /// @param contributor Who added it.
    /// @param addedAt The block time at which it was added.
    /// @return amount The wei paid to the caller.
    function report(int64[] calldata x, uint64 label, address contributor, uint256 addedAt)
        external
        nonReentrant
        returns (uint256 amount)
    {
        bytes32 key = ContributionKey.compute(x, label, contributor, addedAt);
        Record memory record = _reportable(key, msg.sender);
        bool agrees = _predict(x) == label;
        amount = incentiveMechanism.handleReport(
            msg.sender, contributor, addedAt, record.initialDeposit, record.claimable, agrees
        );
        _recordPayout(key, msg.sender, amount, record.claimable);
        _pay(msg.sender, amount);
    }

    /// @notice Hands ownership to `newOwner`.
    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        if (newOwner == address(0)) revert ZeroOwner();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @dev `classifier.update(x, label)`, with the sample copied into the call as it came (one
    /// `calldatacopy`) instead of re-encoded value by value (2,785 gas less for the 20-value benchmark
    /// sample): the model checks the values it reads, and `_recordAddition` has already checked that each
    /// is a valid `int64`.
    /// A revert of the model is passed on as it is.
    function _update(int64[] calldata x, uint64 label) private {
        address model = address(classifier);
        bytes4 selector = IClassifier.update.selector;
        assembly ("memory-safe") {
            // update(int64[] x, uint64 label): the selector, x's offset (after the 2-word head), label, then x.
            let data := mload(0x40)
            let size := shl(5, x.length)
            mstore(data, selector)
            mstore(add(data, 0x04), 0x40)
            mstore(add(data, 0x24), and(label, 0xffffffffffffffff))
            mstore(add(data, 0x44), x.length)
            calldatacopy(add(data, 0x64), x.offset, size)
            if iszero(call(gas(), model, 0, data, add(0x64, size), 0, 0)) {
                returndatacopy(data, 0, returndatasize())
                revert(data, returndatasize())
            }
        }
    }

    /// @dev `classifier.predict(x)`, with the sample copied into the call as it came, like `_update`. Reverts,
    /// like a call the compiler encodes, if the model reverts or does not return one `uint64`.
    function _predict(int64[] calldata x) private view returns (uint64 label) {
        address model = address(classifier);
        bytes4 selector = IClassifier.predict.selector;
        assembly ("memory-safe") {
            // predict(int64[] x): the selector, x's offset (after the 1-word head), then x.
            let data := mload(0x40)
            let size := shl(5, x.length)
            mstore(data, selector)
            mstore(add(data, 0x04), 0x20)
            mstore(add(data, 0x24), x.length)
            calldatacopy(add(data, 0x44), x.offset, size)
            if iszero(staticcall(gas(), model, data, add(0x44, size), 0, 0)) {
                returndatacopy(data, 0, returndatasize())
                revert(data, returndatasize())
            }
            if lt(returndatasize(), 0x20) { revert(0, 0) }
            returndatacopy(data, 0, 0x20)
            label := mload(data)
            if gt(label, 0xffffffffffffffff) { revert(0, 0) }
        }
    }

    /// @dev Sends `amount` wei to `to`; called last, after every state change.
    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PaymentFailed(to, amount);
    }

    /// @dev Reverts unless `component` was deployed for this trainer.
    function _checkBound(address component) private view {
        address boundTo = TrainerOwned(component).trainer();
        if (boundTo != address(this)) revert ComponentNotBound(component, boundTo);
    }
}
