// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {IClassifier} from "../models/Classifier.sol";
import {ReentrancyGuard} from "../utils/ReentrancyGuard.sol";

// =====================================================================================================
//  DELIBERATELY VULNERABLE — for the attack lab only; never deploy.
//  Level "open_record": a data handler whose record function anyone can call.
// =====================================================================================================

/// @title ILabRecords
/// @notice ATTACK LAB ONLY: what `RecordTrainer` needs from its data handler.
interface ILabRecords {
    /// @notice One recorded contribution.
    /// @param contributor Who added it.
    /// @param label Its label.
    /// @param addedAt The block time at which it was added.
    /// @param deposit The deposit, in wei.
    /// @param refunded Whether it was refunded.
    /// @param x The encoded sample.
    struct Record {
        address contributor;
        uint64 label;
        uint64 addedAt;
        uint256 deposit;
        bool refunded;
        int64[] x;
    }

    /// @notice Records a contribution added now; returns its id.
    function record(address contributor, int64[] calldata x, uint64 label, uint256 deposit)
        external
        returns (uint256 id);

    /// @notice Marks contribution `id` as refunded; returns its deposit.
    function markRefunded(uint256 id) external returns (uint256 deposit);

    /// @notice Contribution `id`.
    function get(uint256 id) external view returns (Record memory);
}

/// @title LabRecordsBase
/// @notice ATTACK LAB ONLY: the storage and events shared by the two handlers of the level.
abstract contract LabRecordsBase is TrainerOwned, ILabRecords {
    /// @dev Every record, by id.
    Record[] internal _records;

    /// @notice Contribution `id` of `contributor` was recorded with a deposit of `deposit` wei.
    event Recorded(uint256 indexed id, address indexed contributor, uint64 label, uint256 deposit);
    /// @notice Contribution `id` was marked as refunded.
    event MarkedRefunded(uint256 indexed id);

    /// @notice There is no contribution `id`; there are `count`.
    error NoSuchContribution(uint256 id, uint256 count);
    /// @notice Contribution `id` was already refunded.
    error AlreadyRefunded(uint256 id);

    /// @param trainer_ The trainer that owns this handler.
    constructor(address trainer_) TrainerOwned(trainer_) {}

    /// @inheritdoc ILabRecords
    function markRefunded(uint256 id) external onlyTrainer returns (uint256 deposit) {
        Record storage r = _existing(id);
        if (r.refunded) revert AlreadyRefunded(id);
        r.refunded = true;
        emit MarkedRefunded(id);
        return r.deposit;
    }

    /// @inheritdoc ILabRecords
    function get(uint256 id) external view returns (Record memory) {
        return _existing(id);
    }

    /// @notice How many contributions were recorded.
    function count() external view returns (uint256) {
        return _records.length;
    }

    /// @dev Stores a new record.
    function _record(address contributor, int64[] calldata x, uint64 label, uint256 deposit)
        internal
        returns (uint256 id)
    {
        id = _records.length;
        Record storage r = _records.push();
        r.contributor = contributor;
        r.label = label;
        r.addedAt = uint64(block.timestamp);
        r.deposit = deposit;
        r.x = x;
        emit Recorded(id, contributor, label, deposit);
    }

    /// @dev Record `id`; reverts with `NoSuchContribution` if there is none.
    function _existing(uint256 id) internal view returns (Record storage) {
        if (id >= _records.length) revert NoSuchContribution(id, _records.length);
        return _records[id];
    }
}

/// @title OpenRecordHandler
/// @notice DELIBERATELY VULNERABLE — for the attack lab only; never deploy.
/// Level "open_record": `record` forgot its `onlyTrainer` guard, so anyone can record a
/// "contribution" with any deposit, without paying it.
contract OpenRecordHandler is LabRecordsBase {
    /// @param trainer_ The trainer that owns this handler.
    constructor(address trainer_) LabRecordsBase(trainer_) {}

    /// @inheritdoc ILabRecords
    function record(address contributor, int64[] calldata x, uint64 label, uint256 deposit)
        external
        returns (uint256 id) // BUG: no onlyTrainer: anyone may call this, with any deposit
    {
        return _record(contributor, x, label, deposit);
    }
}

/// @title GuardedRecordHandler
/// @notice The fixed twin of `OpenRecordHandler`: only the trainer, which has just received the
/// deposit, may record a contribution (in sumkit, recording is internal to the `CollaborativeTrainer`).
contract GuardedRecordHandler is LabRecordsBase {
    /// @param trainer_ The trainer that owns this handler.
    constructor(address trainer_) LabRecordsBase(trainer_) {}

    /// @inheritdoc ILabRecords
    function record(address contributor, int64[] calldata x, uint64 label, uint256 deposit)
        external
        onlyTrainer // FIX: only the trainer, which holds the deposit, may record
        returns (uint256 id)
    {
        return _record(contributor, x, label, deposit);
    }
}

/// @title RecordTrainer
/// @notice ATTACK LAB ONLY: a mini trainer that keeps its contributions in a separate data handler,
/// as the original SUM contracts did, and trusts every record the handler holds.
contract RecordTrainer is ReentrancyGuard {
    /// @notice The data handler (step 2 of every contribution).
    ILabRecords public immutable dataHandler;
    /// @notice The model: a real sumkit classifier bound to this trainer.
    IClassifier public immutable classifier;
    /// @notice The deposit every contribution pays, in wei.
    uint256 public immutable depositAmount;
    /// @notice Seconds after adding before a refund.
    uint256 public immutable refundWait;

    /// @notice Contribution `id` was refunded `amount` wei.
    event ContributionRefunded(uint256 indexed id, uint256 amount);

    /// @notice A contribution must pay exactly `required` wei; `sent` was sent.
    error WrongDeposit(uint256 required, uint256 sent);
    /// @notice Only the contributor may claim this refund.
    error NotContributor(address caller, address contributor);
    /// @notice A refund was tried before `availableAt` (unix seconds); it is `now`.
    error TooEarly(uint256 availableAt, uint256 now);
    /// @notice A refund needs the model to predict the contribution's label; it predicts otherwise.
    error ModelDisagrees();

    /// @param dataHandler_ The data handler, deployed for this trainer.
    /// @param classifier_ The model, deployed for this trainer.
    /// @param depositAmount_ The deposit of every contribution, in wei.
    /// @param refundWait_ Seconds before a refund.
    constructor(ILabRecords dataHandler_, IClassifier classifier_, uint256 depositAmount_, uint256 refundWait_) {
        dataHandler = dataHandler_;
        classifier = classifier_;
        depositAmount = depositAmount_;
        refundWait = refundWait_;
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
    function addData(int64[] calldata x, uint64 label) external payable returns (uint256 id) {
        if (msg.value != depositAmount) revert WrongDeposit(depositAmount, msg.value);
        id = dataHandler.record(msg.sender, x, label, msg.value);
        classifier.update(x, label);
    }

    /// @notice Refunds the deposit of your contribution `id` if the model agrees with it.
    /// @param id The contribution's id.
    /// @return amount The wei paid.
    function refund(uint256 id) external nonReentrant returns (uint256 amount) {
        ILabRecords.Record memory r = dataHandler.get(id);
        if (msg.sender != r.contributor) revert NotContributor(msg.sender, r.contributor);
        if (block.timestamp < r.addedAt + refundWait) revert TooEarly(r.addedAt + refundWait, block.timestamp);
        if (classifier.predict(r.x) != r.label) revert ModelDisagrees();
        amount = dataHandler.markRefunded(id); // the deposit the handler recorded: trusted as is
        emit ContributionRefunded(id, amount);
        _sendValue(msg.sender, amount);
    }
}
