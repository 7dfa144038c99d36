// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {IIncentiveMechanism} from "./IncentiveMechanism.sol";

/// @title DepositRefundTake
/// @notice "Deposit, Refund, and Take: Self-Assessment". Adding data costs a deposit that is high when
/// the model was updated a moment ago and low when it was left alone: spam is expensive.
/// After `refundWait`, a contributor gets the whole deposit back if the model agrees with their data;
/// that contribution then counts as good data for them. A contributor with good data may take a share
/// of a deposit whose data the model disagrees with. After `ownerClaimWait` the trainer's owner, and
/// after `anyAddressClaimWait` anyone, may take whatever is left, so no ether is ever stuck. The waits must
/// satisfy `refundWait < ownerClaimWait <= anyAddressClaimWait` and `ownerClaimWait - refundWait >= refundWait`:
/// a contributor always has a refund window, at least as long as the wait before it, in which only reporters with
/// good data, and only if the model disagrees, can act on their deposit (a one-second window would let the owner
/// take good data one block after refunds open).
/// The model's verdict is read only in a block where the model was not updated (`ModelUpdatedThisBlock`): one
/// transaction cannot flip the model with a sample, refund or take on the flipped verdict, and flip it back.
/// With a `takeDelay` (0 means off), a take by a good-data reporter comes in two steps: a first `report` only
/// flags the contribution (`TakeFlagged`, nothing is paid), and a `report` between `takeDelay` and
/// `2 * takeDelay` seconds later, if the model still disagrees, takes; after that the flag has expired and a
/// report flags again. This defends against "flip the model, then take": someone who sends a mislabelled sample
/// that flips the model on a good contribution must keep it flipped for `takeDelay`, during which the
/// contributor, warned by the flag, may add data that puts it right and claim the refund; and a flag set long ago
/// cannot be cashed in later by flipping the model for one block.
/// The claims after `ownerClaimWait` and `anyAddressClaimWait` stay one-step and need no verdict.
contract DepositRefundTake is TrainerOwned, IIncentiveMechanism {
    /// @notice The deposit formula's time unit: a deposit of `costWeight` is due when the model was
    /// last updated exactly this long ago.
    uint256 public constant COST_PERIOD = 1 hours;

    /// @notice Scales every deposit, in wei.
    uint256 public immutable costWeight;
    /// @notice Seconds after adding before the contributor may claim a refund or anyone may take.
    uint256 public immutable refundWait;
    /// @notice Seconds after adding before the trainer's owner may take whatever is left.
    uint256 public immutable ownerClaimWait;
    /// @notice Seconds after adding before anyone may take whatever is left.
    uint256 public immutable anyAddressClaimWait;
    /// @notice Seconds between a good-data reporter's flag and their take (0: takes in one step).
    uint256 public immutable takeDelay;

    /// @notice Block time of the last contribution (the last model update).
    uint64 public lastUpdateTime;
    /// @notice How many contributions, over all contributors, were refunded as good data.
    uint64 public totalGoodDataCount;
    /// @notice How many of each contributor's contributions were refunded as good data.
    mapping(address contributor => uint256) public numGoodData;
    /// @notice When a reporter flagged a contributor's contribution(s) added at some time (0: not flagged), by
    /// `flagId(reporter, contributor, addedAt)`. Used only with a `takeDelay`.
    mapping(bytes32 flag => uint256) public flaggedAt;

    /// @notice A contribution was priced at `deposit` wei.
    event DepositCharged(address indexed contributor, uint256 deposit, uint256 timestamp);
    /// @notice A refund made one more of `contributor`'s contributions count as good data; they now
    /// have `numGood` (see `totalGoodDataCount` for everyone's).
    event GoodDataCounted(address indexed contributor, uint256 numGood);

    /// @notice `reporter` announced a take from `contributor`'s contribution added at `addedAt`; they may take
    /// from `takeAt` until `takeAt + takeDelay` (then the flag expires) if the model still disagrees with it. Until
    /// then the contributor may claim the refund.
    event TakeFlagged(address indexed reporter, address indexed contributor, uint256 addedAt, uint256 takeAt);

    /// @notice The waits must satisfy `refundWait < ownerClaimWait <= anyAddressClaimWait`: a contributor must
    /// have time to claim a refund before the owner or anyone may take their deposit.
    error InvalidWaits(uint256 refundWait, uint256 ownerClaimWait, uint256 anyAddressClaimWait);
    /// @notice The ether sent is below the deposit required now.
    error DepositTooLow(uint256 required, uint256 sent);
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
    /// @notice A contribution cannot be added with a timestamp before the last one.
    error ClockWentBackwards(uint256 lastUpdateTime, uint256 now);
    /// @notice The refund window `ownerClaimWait - refundWait` is `window` seconds; it must be at least `refundWait`
    /// (`min`), so that a contributor has as long to claim a refund as they had to wait for it.
    error RefundWindowTooShort(uint256 window, uint256 min);
    /// @notice The model was updated in this block (at `timestamp`): its verdict is read for a refund or a take only
    /// in a block without an update, so one transaction cannot flip the model, claim and flip it back.
    error ModelUpdatedThisBlock(uint256 timestamp);

    /// @param trainer_ The `CollaborativeTrainer` that owns this mechanism.
    /// @param costWeight_ Scales every deposit, in wei.
    /// @param refundWait_ Seconds before a refund or a take.
    /// @param ownerClaimWait_ Seconds before the owner may take what is left.
    /// @param anyAddressClaimWait_ Seconds before anyone may take what is left.
    /// @param takeDelay_ Seconds between a flag and the take (0: takes in one step).
    constructor(
        address trainer_,
        uint256 costWeight_,
        uint256 refundWait_,
        uint256 ownerClaimWait_,
        uint256 anyAddressClaimWait_,
        uint256 takeDelay_
    ) TrainerOwned(trainer_) {
        if (refundWait_ >= ownerClaimWait_ || ownerClaimWait_ > anyAddressClaimWait_) {
            revert InvalidWaits(refundWait_, ownerClaimWait_, anyAddressClaimWait_);
        }
        if (ownerClaimWait_ - refundWait_ < refundWait_) {
            revert RefundWindowTooShort(ownerClaimWait_ - refundWait_, refundWait_);
        }
        costWeight = costWeight_;
        refundWait = refundWait_;
        ownerClaimWait = ownerClaimWait_;
        anyAddressClaimWait = anyAddressClaimWait_;
        takeDelay = takeDelay_;
        lastUpdateTime = uint64(block.timestamp);
    }

    /// @inheritdoc IIncentiveMechanism
    /// @dev `costWeight * COST_PERIOD / sqrt(max(1, seconds since the last update))`, with the integer
    /// square root rounded down.
    function nextDeposit() external view returns (uint256) {
        return _depositAfter(block.timestamp - lastUpdateTime);
    }

    /// @inheritdoc IIncentiveMechanism
    function handleAddData(address contributor, uint256 sent, uint64) external onlyTrainer returns (uint256 deposit) {
        uint256 last = lastUpdateTime;
        if (block.timestamp < last) revert ClockWentBackwards(last, block.timestamp);
        deposit = _depositAfter(block.timestamp - last);
        if (sent < deposit) revert DepositTooLow(deposit, sent);
        lastUpdateTime = uint64(block.timestamp);
        emit DepositCharged(contributor, deposit, block.timestamp);
    }

    /// @inheritdoc IIncentiveMechanism
    /// @dev Refused in a block where the model was updated (`ModelUpdatedThisBlock`).
    function handleRefund(address contributor, uint256 addedAt, bool agrees) external onlyTrainer {
        _checkWait(addedAt, refundWait);
        _checkNoUpdateThisBlock();
        if (!agrees) revert ModelDisagrees();
        uint256 numGood = numGoodData[contributor] + 1;
        numGoodData[contributor] = numGood;
        totalGoodDataCount += 1;
        emit GoodDataCounted(contributor, numGood);
    }

    /// @inheritdoc IIncentiveMechanism
    /// @dev The trainer's owner is looked up only once `ownerClaimWait` has passed. Before the claim waits, the
    /// share is `initialDeposit * numGoodData[reporter] / totalGoodDataCount`, or all that is left when that
    /// rounds to 0 or exceeds it; such a take is refused in a block where the model was updated
    /// (`ModelUpdatedThisBlock`). With a `takeDelay`, the reporter's first such report records a flag and
    /// returns 0; the take comes `takeDelay` to `2 * takeDelay` seconds after it (a later report flags again).
    function handleReport(
        address reporter,
        address contributor,
        uint256 addedAt,
        uint256 initialDeposit,
        uint256 claimable,
        bool agrees
    ) external onlyTrainer returns (uint256 amount) {
        if (reporter == contributor) revert CannotTakeOwnContribution(contributor);
        uint256 age = _checkWait(addedAt, refundWait);
        if (age >= anyAddressClaimWait) return claimable;
        if (age >= ownerClaimWait && reporter == _trainerOwner()) return claimable;
        _checkNoUpdateThisBlock();
        if (agrees) revert ModelAgrees();
        uint256 numGood = numGoodData[reporter];
        if (numGood == 0) revert NoGoodData(reporter);
        if (takeDelay != 0 && !_flagged(reporter, contributor, addedAt)) return 0;
        amount = initialDeposit * numGood / totalGoodDataCount;
        if (amount == 0 || amount > claimable) amount = claimable;
    }

    /// @notice The key of `reporter`'s flag on `contributor`'s contribution(s) added at `addedAt` in `flaggedAt`.
    /// @dev A flag names a contributor and a time, not one sample (the trainer does not pass the sample on): a
    /// contributor who added several samples in the same block gets one warning for all of them.
    /// @param reporter Who flags.
    /// @param contributor Who added the contribution.
    /// @param addedAt When it was added (unix seconds).
    /// @return The key.
    function flagId(address reporter, address contributor, uint256 addedAt) public pure returns (bytes32) {
        return keccak256(abi.encode(reporter, contributor, addedAt));
    }

    /// @notice The integer square root of `n`, rounded down: the largest `r` with `r * r <= n`
    /// (Python's `math.isqrt`). `nextDeposit` divides by it.
    /// @dev Starts from a power of two above the root (from `n`'s bit length), then Newton's method,
    /// which decreases monotonically to `floor(sqrt(n))`: a handful of steps for any `uint256`.
    /// Cannot overflow: `x <= 2**128` throughout, so `x + n / x` stays below `2**256`. Checked on chain
    /// against `math.isqrt` at 0, 1, 2, 3, 4, around perfect squares, at large values and at `2**256 - 1`
    /// (tests/test_deposit_refund_take.py).
    /// @param n Any unsigned integer.
    /// @return The integer square root of `n`, rounded down.
    function sqrt(uint256 n) public pure returns (uint256) {
        if (n < 2) return n;
        uint256 x = 1;
        uint256 m = n;
        for (uint256 bits = 128; bits > 0; bits >>= 1) {
            if (m >> bits > 0) {
                m >>= bits;
                x <<= bits >> 1;
            }
        }
        // Now m < 4, so n < 4 * 4**k with x = 2**k: the root is below 2x.
        x <<= 1;
        uint256 y = (x + n / x) >> 1;
        while (y < x) {
            x = y;
            y = (x + n / x) >> 1;
        }
        return x;
    }

    /// @dev The deposit due `elapsed` seconds after the last update (see `nextDeposit`).
    function _depositAfter(uint256 elapsed) private view returns (uint256) {
        uint256 divisor = elapsed > 1 ? sqrt(elapsed) : 1;
        return costWeight * COST_PERIOD / divisor;
    }

    /// @dev With a `takeDelay`: whether `reporter` may take now. A first call, or one `2 * takeDelay` or more after
    /// the flag (it expired), records a flag and returns false; a call within `takeDelay` of the flag reverts with
    /// `TooEarly`; between the two, returns true.
    function _flagged(address reporter, address contributor, uint256 addedAt) private returns (bool) {
        bytes32 id = flagId(reporter, contributor, addedAt);
        uint256 flagged = flaggedAt[id];
        if (flagged == 0 || block.timestamp >= flagged + 2 * takeDelay) {
            flaggedAt[id] = block.timestamp;
            emit TakeFlagged(reporter, contributor, addedAt, block.timestamp + takeDelay);
            return false;
        }
        if (block.timestamp < flagged + takeDelay) revert TooEarly(flagged + takeDelay, block.timestamp);
        return true;
    }

    /// @dev Reverts with `ModelUpdatedThisBlock` if a contribution was added in this block.
    function _checkNoUpdateThisBlock() private view {
        if (lastUpdateTime == block.timestamp) revert ModelUpdatedThisBlock(block.timestamp);
    }

    /// @dev Reverts with `TooEarly` unless `wait` seconds have passed since `addedAt`; returns the age.
    function _checkWait(uint256 addedAt, uint256 wait) private view returns (uint256 age) {
        age = block.timestamp - addedAt;
        if (age < wait) revert TooEarly(addedAt + wait, block.timestamp);
    }
}
