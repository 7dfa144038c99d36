// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClassifier} from "../models/Classifier.sol";
import {ReentrancyGuard} from "../utils/ReentrancyGuard.sol";

/// @title LabTrainer
/// @notice ATTACK LAB ONLY: the shared base of the lab's compact "mini trainers". Never deploy it.
/// It keeps just what a level needs: a real model (a `DensePerceptron` bound to the trainer), a
/// fixed deposit per contribution, the contributions themselves, and the good-data counts of
/// Deposit-Refund-Take. Each level adds its own `refund` and/or `report`, one of them deliberately
/// wrong, next to a fixed twin.
/// @dev Contributions are numbered (ids 0, 1, 2, ...) and keep their sample in storage, so a level
/// reads in a few lines; sumkit's real `CollaborativeTrainer` keeps a one-slot hash-keyed record
/// instead (see `DataHandler`).
abstract contract LabTrainer is ReentrancyGuard {
    /// @notice One contribution.
    /// @param contributor Who added it.
    /// @param label Its label.
    /// @param addedAt The block time at which it was added.
    /// @param deposit The deposit paid, in wei.
    /// @param claimable What is left of the deposit, in wei.
    /// @param refunded Whether its contributor was refunded.
    /// @param x The encoded sample.
    struct Contribution {
        address contributor;
        uint64 label;
        uint64 addedAt;
        uint96 deposit;
        uint96 claimable;
        bool refunded;
        int64[] x;
    }

    /// @notice The model: a real sumkit classifier bound to this trainer.
    IClassifier public immutable classifier;
    /// @notice The owner of this deployment.
    address public immutable owner;
    /// @notice The deposit every contribution pays, in wei (fixed, to keep the levels short).
    uint256 public immutable depositAmount;
    /// @notice Seconds after adding before a refund or a take.
    uint256 public immutable refundWait;
    /// @notice Seconds after adding before the owner may take what is left.
    uint256 public immutable ownerClaimWait;

    /// @notice How many of each contributor's contributions were refunded as good data.
    mapping(address contributor => uint256) public numGoodData;
    /// @notice How many contributions, over all contributors, were refunded as good data.
    uint256 public totalGoodData;

    /// @dev Every contribution, by id.
    Contribution[] internal _contributions;

    /// @notice Contribution `id` was added with a deposit of `deposit` wei.
    event ContributionAdded(uint256 indexed id, address indexed contributor, uint64 label, uint256 deposit);
    /// @notice Contribution `id` was refunded `amount` wei.
    event ContributionRefunded(uint256 indexed id, uint256 amount);
    /// @notice `reporter` took `amount` wei from the deposit of contribution `id`.
    event DepositTaken(uint256 indexed id, address indexed reporter, uint256 amount);

    /// @notice A contribution must pay exactly `required` wei; `sent` was sent.
    error WrongDeposit(uint256 required, uint256 sent);
    /// @notice There is no contribution `id`; there are `count`.
    error NoSuchContribution(uint256 id, uint256 count);
    /// @notice Only the contributor may claim this refund.
    error NotContributor(address caller, address contributor);
    /// @notice A refund or take was tried before `availableAt` (unix seconds); it is `now`.
    error TooEarly(uint256 availableAt, uint256 now);
    /// @notice A refund needs the model to predict the contribution's label; it predicts otherwise.
    error ModelDisagrees();
    /// @notice A take needs the model to disagree with the contribution; it agrees.
    error ModelAgrees();
    /// @notice Only contributors with at least one refunded (good) contribution may take.
    error NoGoodData(address reporter);
    /// @notice Nobody may take from their own contribution.
    error CannotTakeOwnContribution(address contributor);
    /// @notice Contribution `id` was already refunded.
    error AlreadyRefunded(uint256 id);
    /// @notice Nothing is left of the deposit of contribution `id`.
    error NothingLeftToClaim(uint256 id);
    /// @notice Only the owner may do this.
    error NotOwner(address caller, address owner);

    /// @param classifier_ The model, deployed for this trainer.
    /// @param owner_ The owner.
    /// @param depositAmount_ The deposit of every contribution, in wei.
    /// @param refundWait_ Seconds before a refund or a take.
    /// @param ownerClaimWait_ Seconds before the owner may take what is left.
    constructor(
        IClassifier classifier_,
        address owner_,
        uint256 depositAmount_,
        uint256 refundWait_,
        uint256 ownerClaimWait_
    ) {
        classifier = classifier_;
        owner = owner_;
        depositAmount = depositAmount_;
        refundWait = refundWait_;
        ownerClaimWait = ownerClaimWait_;
    }

    /// @notice The model's prediction for `x` (a free call).
    /// @param x The encoded sample.
    function predict(int64[] calldata x) external view returns (uint64) {
        return classifier.predict(x);
    }

    /// @notice Adds a sample with its label, paying exactly `depositAmount`; the model learns from it.
    /// @param x The encoded sample.
    /// @param label Its label.
    /// @return id The new contribution's id.
    function addData(int64[] calldata x, uint64 label) public payable virtual returns (uint256 id) {
        if (msg.value != depositAmount) revert WrongDeposit(depositAmount, msg.value);
        id = _contributions.length;
        Contribution storage c = _contributions.push();
        c.contributor = msg.sender;
        c.label = label;
        c.addedAt = uint64(block.timestamp);
        c.deposit = uint96(msg.value);
        c.claimable = uint96(msg.value);
        c.x = x;
        emit ContributionAdded(id, msg.sender, label, msg.value);
        classifier.update(x, label);
    }

    /// @notice Contribution `id`.
    /// @param id The contribution's id.
    function contribution(uint256 id) external view returns (Contribution memory) {
        return _get(id);
    }

    /// @notice How many contributions were added.
    function contributionCount() external view returns (uint256) {
        return _contributions.length;
    }

    /// @dev Contribution `id`; reverts with `NoSuchContribution` if there is none.
    function _get(uint256 id) internal view returns (Contribution storage) {
        if (id >= _contributions.length) revert NoSuchContribution(id, _contributions.length);
        return _contributions[id];
    }

    /// @dev Whether the model now predicts the label of `c`.
    function _modelAgrees(Contribution storage c) internal view returns (bool) {
        return classifier.predict(c.x) == c.label;
    }

    /// @dev Reverts with `TooEarly` unless `wait` seconds have passed since `c` was added; returns its age.
    function _checkWait(Contribution storage c, uint256 wait) internal view returns (uint256 age) {
        age = block.timestamp - c.addedAt;
        if (age < wait) revert TooEarly(c.addedAt + wait, block.timestamp);
    }

    /// @dev Counts one more good contribution for `contributor`.
    function _countGood(address contributor) internal {
        numGoodData[contributor] += 1;
        totalGoodData += 1;
    }

    /// @dev Sends `amount` wei to `to`; if the receiver reverts, its reason is passed on (unlike
    /// `ReentrancyGuard._sendValue`), so a level shows why an attack failed (for example `Reentrancy`).
    function _pay(address to, uint256 amount) internal {
        if (amount == 0) return;
        (bool ok, bytes memory reason) = to.call{value: amount}("");
        if (!ok) {
            if (reason.length == 0) revert PaymentFailed(to, amount);
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
    }
}
