// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ContributionKey} from "./data/ContributionKey.sol";
import {DataHandler} from "./data/DataHandler.sol";
import {IAnyAddressClaimWait} from "./incentives/IAnyAddressClaimWait.sol";
import {IIncentiveMechanism} from "./incentives/IncentiveMechanism.sol";
import {IClassifier} from "./models/Classifier.sol";
import {TrainerOwned} from "./access/TrainerOwned.sol";
import {ReentrancyGuard} from "./utils/ReentrancyGuard.sol";

/// @title CollaborativeTrainer
/// @notice The entry point of a Sharing Updatable Models (SUM) deployment. Anyone may ask the model
/// for a prediction for free, and anyone may improve it by adding data. Every contribution passes
/// three steps, in this order: the incentive mechanism validates and prices it, the data handler
/// records it, the model updates itself. The trainer holds every deposit until it is refunded or
/// taken, and (as a `DataHandler`) the record of what is left of each.
/// Every refund and report must fit a transaction (EIP-7825: at most 16,777,216 gas): a prediction costs gas in
/// proportion to the model's number of classes times one more than the sample's length (a class costs gas even
/// for an empty sample), so `addData` refuses a sample for which `(x.length + 1) * numClasses` exceeds
/// `MAX_SAMPLE_WORK`, and the constructor refuses a model of more than `MAX_CLASSES` classes (a later refund or
/// report of such a sample could not be mined, and its deposit would be stuck).
/// @dev Ether leaves only through `_sendValue`, after all state changes (checks-effects-interactions), and
/// every function that sends ether is `nonReentrant` (see `ReentrancyGuard`).
contract CollaborativeTrainer is DataHandler, ReentrancyGuard {
    /// @notice The largest `(x.length + 1) * numClasses` of a sample `addData` accepts (values of a dense sample, or
    /// active features of a sparse one). It bounds both what a prediction reads (every class) and what an update
    /// writes (the sample's features): at this bound the costliest transaction of any sumkit model, adding a
    /// 2,499-feature sample to a 2-class sparse perceptron that reads and writes one storage word per feature, uses
    /// 15.3M gas, under EIP-7825's 16,777,216-gas transaction cap (every model's worst case is measured by
    /// tests/test_gas.py; at 6,000 the same add needed more than the cap).
    uint256 public constant MAX_SAMPLE_WORK = 5_000;
    /// @notice The most classes a model may have: more than any dataset the kit ships needs, and few enough that a
    /// sample of a few values still passes `MAX_SAMPLE_WORK`.
    uint256 public constant MAX_CLASSES = 1_000;

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
    /// @dev The model's number of classes, read once at construction.
    uint256 private immutable _numClasses;
    /// @dev The longest sample `addData` accepts: `MAX_SAMPLE_WORK / numClasses - 1` (one comparison per add).
    uint256 private immutable _maxSampleLength;
    /// @dev The mechanism's `anyAddressClaimWait` if it has one (`type(uint256).max` if not): a report of a
    /// contribution at least this old does not need the model's verdict.
    uint256 private immutable _verdictFreeAge;

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
    /// @notice A sample of `length` values for a model of `numClasses` classes is too large: a prediction of it
    /// (which every refund and report needs) would not fit a transaction. `(length + 1) * numClasses` may be at
    /// most `max`.
    error SampleTooLarge(uint256 length, uint256 numClasses, uint256 max);
    /// @notice The model has `numClasses` classes; a trainer takes at most `max` (`MAX_CLASSES`).
    error TooManyClasses(uint256 numClasses, uint256 max);

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
        uint256 numClasses_ = classifier_.numClasses();
        if (numClasses_ > MAX_CLASSES) revert TooManyClasses(numClasses_, MAX_CLASSES);
        _numClasses = numClasses_;
        _maxSampleLength = numClasses_ == 0 ? 0 : MAX_SAMPLE_WORK / numClasses_ - 1;
        _verdictFreeAge = _anyAddressClaimWait(address(incentiveMechanism_));
        emit OwnershipTransferred(address(0), owner_);
    }

    /// @notice The model's prediction for `x`. A free call: no transaction needed.
    /// @param x The encoded sample.
    function predict(int64[] calldata x) external view returns (uint64) {
        return classifier.predict(x);
    }

    /// @notice The model's predictions for many samples in one free call.
    /// @param xs The encoded samples.
    function predictMany(int64[][] calldata xs) external view returns (uint64[] memory labels) {
        labels = new uint64[](xs.length);
        for (uint256 i = 0; i < xs.length; ++i) {
            labels[i] = classifier.predict(xs[i]);
        }
    }

    /// @notice The deposit that `addData` requires at the current block time, in wei.
    function nextDeposit() external view returns (uint256) {
        return incentiveMechanism.nextDeposit();
    }

    /// @notice Adds a sample with its label: pay the deposit, the data is recorded, the model learns.
    /// Anything sent above the required deposit is returned. A sample whose `(x.length + 1) * numClasses` exceeds
    /// `MAX_SAMPLE_WORK` is refused (`SampleTooLarge`).
    /// @param x The encoded sample.
    /// @param label Its label.
    /// @return key The contribution's key (keep `x`, `label` and the block time to claim later).
    function addData(int64[] calldata x, uint64 label) external payable nonReentrant returns (bytes32 key) {
        if (x.length > _maxSampleLength) revert SampleTooLarge(x.length, _numClasses, MAX_SAMPLE_WORK);
        uint256 deposit = incentiveMechanism.handleAddData(msg.sender, msg.value, label);
        key = _recordAddition(x, label, msg.sender, deposit);
        classifier.update(x, label);
        if (msg.value > deposit) _sendValue(msg.sender, msg.value - deposit);
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
        incentiveMechanism.handleRefund(msg.sender, addedAt, classifier.predict(x) == label);
        _sendValue(msg.sender, amount);
    }

    /// @notice Takes (part of) the deposit of someone else's contribution that the model disagrees with,
    /// or what is left of any contribution after the claim waits. A mechanism may answer 0 for a step that
    /// pays nothing yet (Deposit-Refund-Take with a take delay records a flag): then nothing is recorded or paid.
    /// After the mechanism's `anyAddressClaimWait` (if it has one) the model is not asked: its verdict no
    /// longer matters.
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
        // `addedAt` is at most the block time of an existing record: no underflow.
        bool agrees = block.timestamp - addedAt < _verdictFreeAge && classifier.predict(x) == label;
        amount = incentiveMechanism.handleReport(
            msg.sender, contributor, addedAt, record.initialDeposit, record.claimable, agrees
        );
        if (amount == 0) return 0;
        _recordPayout(key, msg.sender, amount, record.claimable);
        _sendValue(msg.sender, amount);
    }

    /// @notice Hands ownership to `newOwner`.
    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        if (newOwner == address(0)) revert ZeroOwner();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @dev `mechanism.anyAddressClaimWait()` if it has that function, `type(uint256).max` if not.
    function _anyAddressClaimWait(address mechanism) private view returns (uint256) {
        try IAnyAddressClaimWait(mechanism).anyAddressClaimWait() returns (uint256 wait) {
            return wait;
        } catch {
            return type(uint256).max;
        }
    }

    /// @dev Reverts unless `component` was deployed for this trainer.
    function _checkBound(address component) private view {
        address boundTo = TrainerOwned(component).trainer();
        if (boundTo != address(this)) revert ComponentNotBound(component, boundTo);
    }
}
