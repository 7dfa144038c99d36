// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {IClassifier} from "../models/Classifier.sol";
import {IIncentiveMechanism} from "./IncentiveMechanism.sol";

/// @title ITrainerClassifier
/// @notice The one thing `Points` reads from its trainer: the model, to learn how many classes it has.
interface ITrainerClassifier {
    /// @notice The trainer's model.
    function classifier() external view returns (IClassifier);
}

/// @title Points
/// @notice Gamification instead of money. Adding data is free (any ether sent is returned by the
/// trainer). After `refundWait`, a contribution the model agrees with earns its contributor one point,
/// claimed with the trainer's `refund` (which pays 0 wei); each contribution is claimed once. Badges
/// mark milestones: a first contribution, 10 and 100 good (claimed) contributions, a contribution to
/// every class, and contributions in 4 different weeks. Taking (`report`) is not part of Points.
/// @dev The number of classes is read from the trainer's classifier
/// (`ITrainerClassifier(trainer).classifier().numClasses()`), and only when a contributor uses a label
/// for the first time: the classifier is deployed after this contract, so it cannot be read at
/// construction, and nothing needs configuring. A label is counted before the classifier validates it,
/// but a label out of range makes the whole `addData` revert, so only valid labels are ever counted.
contract Points is TrainerOwned, IIncentiveMechanism {
    /// @notice Badge number of a first contribution.
    uint8 public constant FIRST_CONTRIBUTION = 0;
    /// @notice Badge number of `GOOD_10_COUNT` good (claimed) contributions.
    uint8 public constant GOOD_10 = 1;
    /// @notice Badge number of `GOOD_100_COUNT` good (claimed) contributions.
    uint8 public constant GOOD_100 = 2;
    /// @notice Badge number of having contributed to every class of the model.
    uint8 public constant ALL_CLASSES = 3;
    /// @notice Badge number of having contributed in `WEEKS_COUNT` different weeks.
    uint8 public constant FOUR_WEEKS = 4;
    /// @notice How many badges exist (badge numbers are `0 .. NUM_BADGES - 1`).
    uint8 public constant NUM_BADGES = 5;

    /// @notice Good contributions needed for the `GOOD_10` badge.
    uint64 public constant GOOD_10_COUNT = 10;
    /// @notice Good contributions needed for the `GOOD_100` badge.
    uint64 public constant GOOD_100_COUNT = 100;
    /// @notice Different weeks (`block.timestamp / 1 weeks`) with a contribution needed for `FOUR_WEEKS`.
    uint16 public constant WEEKS_COUNT = 4;
    /// @notice Labels below this are remembered in each contributor's `Stats` slot (no extra storage
    /// slot per label); larger labels in `labelUsed`.
    uint64 public constant SMALL_LABELS = 16;

    /// @notice What is kept for each contributor (one storage slot).
    /// @param points Points earned: contributions claimed as good.
    /// @param contributions Contributions added.
    /// @param lastWeek The week (`block.timestamp / 1 weeks`) of the latest contribution.
    /// @param numWeeks How many different weeks had a contribution.
    /// @param numLabels How many different labels were contributed.
    /// @param badges A bit per badge earned (bit `b` for badge number `b`).
    /// @param smallLabels A bit per label below `SMALL_LABELS` already contributed (bit `l` for label `l`).
    struct Stats {
        uint64 points;
        uint64 contributions;
        uint64 lastWeek;
        uint16 numWeeks;
        uint16 numLabels;
        uint8 badges;
        uint16 smallLabels;
    }

    /// @notice Seconds after adding before the contributor may claim the point.
    uint256 public immutable refundWait;

    /// @notice Each contributor's points, contributions, activity and badges.
    mapping(address contributor => Stats) public stats;
    /// @notice Whether `contributor` already contributed data with `label`, for labels from `SMALL_LABELS`
    /// on (see `usedLabel` for any label).
    mapping(address contributor => mapping(uint64 label => bool)) public labelUsed;

    /// @notice `contributor` added their `total`-th contribution, labelled `label`.
    event ContributionCounted(address indexed contributor, uint64 label, uint256 total);
    /// @notice `contributor` earned a point; they now have `points`.
    event PointEarned(address indexed contributor, uint256 points);
    /// @notice `contributor` earned badge number `badge` (see the badge constants).
    event BadgeEarned(address indexed contributor, uint8 badge);

    /// @notice A point is claimed before `availableAt` (unix seconds); it is `now`.
    error TooEarly(uint256 availableAt, uint256 now);
    /// @notice A point needs the model to predict the contribution's label; it predicts otherwise.
    error ModelDisagrees();
    /// @notice Points has no deposits to take: `report` is not part of this mechanism.
    error ReportNotSupported();

    /// @param trainer_ The `CollaborativeTrainer` that owns this mechanism.
    /// @param refundWait_ Seconds after adding before the point may be claimed.
    constructor(address trainer_, uint256 refundWait_) TrainerOwned(trainer_) {
        refundWait = refundWait_;
    }

    /// @inheritdoc IIncentiveMechanism
    /// @dev Always 0: adding data is free.
    function nextDeposit() external pure returns (uint256) {
        return 0;
    }

    /// @notice `contributor`'s points (contributions claimed as good).
    /// @param contributor The account.
    function points(address contributor) external view returns (uint256) {
        return stats[contributor].points;
    }

    /// @notice How many contributions `contributor` added.
    /// @param contributor The account.
    function totalContributions(address contributor) external view returns (uint256) {
        return stats[contributor].contributions;
    }

    /// @notice The badges `contributor` earned, a bit per badge (bit `b` set for badge number `b`).
    /// @param contributor The account.
    function badges(address contributor) external view returns (uint8) {
        return stats[contributor].badges;
    }

    /// @notice Whether `contributor` earned badge number `badge`.
    /// @param contributor The account.
    /// @param badge The badge number (see the badge constants).
    function hasBadge(address contributor, uint8 badge) external view returns (bool) {
        return badge < NUM_BADGES && stats[contributor].badges & (1 << badge) != 0;
    }

    /// @inheritdoc IIncentiveMechanism
    /// @dev Counts the contribution, its label and its week, and awards `FIRST_CONTRIBUTION`,
    /// `ALL_CLASSES` and `FOUR_WEEKS` when due. Returns a deposit of 0: the trainer returns all ether sent.
    function handleAddData(address contributor, uint256, uint64 label) external onlyTrainer returns (uint256) {
        Stats memory s = stats[contributor];
        s.contributions += 1;
        if (s.contributions == 1) _award(s, contributor, FIRST_CONTRIBUTION);
        uint64 week = uint64(block.timestamp / 1 weeks);
        if (s.contributions == 1 || week != s.lastWeek) {
            s.lastWeek = week;
            s.numWeeks += 1;
            if (s.numWeeks == WEEKS_COUNT) _award(s, contributor, FOUR_WEEKS);
        }
        if (!_markLabel(s, contributor, label)) {
            s.numLabels += 1;
            if (s.numLabels == ITrainerClassifier(trainer).classifier().numClasses()) {
                _award(s, contributor, ALL_CLASSES);
            }
        }
        stats[contributor] = s;
        emit ContributionCounted(contributor, label, s.contributions);
        return 0;
    }

    /// @inheritdoc IIncentiveMechanism
    /// @dev Awards one point (and `GOOD_10` / `GOOD_100` when due). The data handler has already refused
    /// a second claim of the same contribution (the first deleted its record: `UnknownContribution`).
    function handleRefund(address contributor, uint256 addedAt, bool agrees) external onlyTrainer {
        uint256 age = block.timestamp - addedAt;
        if (age < refundWait) revert TooEarly(addedAt + refundWait, block.timestamp);
        if (!agrees) revert ModelDisagrees();
        Stats memory s = stats[contributor];
        s.points += 1;
        if (s.points == GOOD_10_COUNT) _award(s, contributor, GOOD_10);
        if (s.points == GOOD_100_COUNT) _award(s, contributor, GOOD_100);
        stats[contributor] = s;
        emit PointEarned(contributor, s.points);
    }

    /// @inheritdoc IIncentiveMechanism
    /// @dev Always reverts with `ReportNotSupported`: there are no deposits to take.
    function handleReport(address, address, uint256, uint256, uint256, bool) external view onlyTrainer returns (uint256) {
        revert ReportNotSupported();
    }

    /// @notice Whether `contributor` already contributed data with `label`.
    /// @param contributor The account.
    /// @param label The label.
    function usedLabel(address contributor, uint64 label) external view returns (bool) {
        if (label < SMALL_LABELS) return stats[contributor].smallLabels & (1 << label) != 0;
        return labelUsed[contributor][label];
    }

    /// @dev Records that `contributor` used `label` (in `s` for small labels); returns whether it was
    /// already recorded.
    function _markLabel(Stats memory s, address contributor, uint64 label) private returns (bool seen) {
        if (label < SMALL_LABELS) {
            uint16 bit = uint16(1 << label);
            seen = s.smallLabels & bit != 0;
            s.smallLabels |= bit;
        } else {
            seen = labelUsed[contributor][label];
            labelUsed[contributor][label] = true;
        }
    }

    /// @dev Sets badge `badge` in `s` (written back by the caller) and announces it.
    function _award(Stats memory s, address contributor, uint8 badge) private {
        s.badges |= uint8(1 << badge);
        emit BadgeEarned(contributor, badge);
    }
}
