// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {ReentrancyGuard} from "../utils/ReentrancyGuard.sol";
import {ContributionKey} from "../data/ContributionKey.sol";
import {IClassifier} from "../models/Classifier.sol";
import {IMarketTrainer} from "./IMarketTrainer.sol";

/// @title MarketSettlement
/// @notice The records of a `PredictionMarket` (its phase, test pieces, contributions and accounts) and the
/// stages of its settlement: replay one contribution, evaluate the replay model on one test piece, find the
/// contributor to remove, pay one contributor. `PredictionMarket` adds the entry points of every phase.
abstract contract MarketSettlement is TrainerOwned, ReentrancyGuard {
    /// @notice The market's phases, in order (`Forfeited` replaces the last three when the sponsor does
    /// not reveal in time; `Abandoned` replaces `Withdraw` when the settlement stalls).
    enum Phase {
        Commit,
        RevealSelected,
        Participation,
        RevealRest,
        Settle,
        Withdraw,
        Forfeited,
        Abandoned
    }

    /// @notice One contribution, in the order it was added (one storage slot).
    /// @param contributor Who added it.
    /// @param addedAt Its block time.
    /// @param label Its label.
    struct Contribution {
        address contributor;
        uint32 addedAt;
        uint64 label;
    }

    /// @notice What is kept per contributor (one storage slot).
    /// @param balance What the contributor is owed now, in wei (its stakes until the settlement pays it).
    /// @param score Test errors its data removed in the current replay (negative: errors added).
    /// @param lastAddedAt The block time of its latest contribution.
    /// @param collected How many of its stakes the settlement collected from the trainer.
    /// @param removed Whether it was removed during the settlement.
    struct Account {
        uint128 balance;
        int64 score;
        uint32 lastAddedAt;
        uint24 collected;
        bool removed;
    }

    /// @notice Where the settlement stands (four storage slots).
    /// @param model The replay copy of the model for the current replay (zero before it is created).
    /// @param replay The current replay, from 1.
    /// @param stage 0: replaying contributions; 1: evaluating; 2: finding who to remove; 3: paying the rounds.
    /// @param piece While evaluating: the next test piece to evaluate.
    /// @param errors The replay model's test errors at its last complete evaluation.
    /// @param partialErrors While evaluating: the errors counted so far.
    /// @param cursor The next contribution to replay (stages 0 and 1) or contributor (stages 2 and 3).
    /// @param worst The contributor to remove (stage 3), if `minAfford < roundsLeft`; after a removal, the one removed.
    /// @param initialErrors The test errors of `h_0` (measured once, in the first replay).
    /// @param reusing In a replay after a removal: true until the first contribution of the contributor just
    /// removed. Up to there the replay is the previous one, so each update's errors are read from
    /// `errorsAfter` instead of evaluating the model again.
    /// @param minAfford The fewest rounds a contributor with a negative score can afford.
    /// @param roundsLeft Rounds of the bounty not paid yet.
    /// @param roundsNow Rounds paid at the end of the current replay.
    struct Settlement {
        address model;
        uint32 replay;
        uint8 stage;
        uint8 piece;
        uint32 errors;
        uint32 partialErrors;
        uint64 cursor;
        uint64 worst;
        uint32 initialErrors;
        bool reusing;
        uint128 minAfford;
        uint128 roundsLeft;
        uint128 roundsNow;
    }

    /// @notice The unearned bounty is sent here: an address nobody controls.
    address public constant BURN_ADDRESS = address(0xdEaD);
    /// @notice The most pieces a test set may have.
    uint256 public constant MAX_PIECES = 255;
    /// @notice The most gas a transaction may use on today's Ethereum (EIP-7825, since Osaka): every reveal
    /// and every settlement step must fit it.
    uint256 public constant TX_GAS_CAP = 16_777_216;
    /// @notice The most gas the evaluation of one test piece may take (one settlement step): about half of
    /// `TX_GAS_CAP`, leaving room for the piece's calldata, its hash and its event. Checked at commit from
    /// the piece's shape (`pieceGasBound`) and again, measured, when it is revealed.
    uint256 public constant MAX_PIECE_GAS = 8_000_000;
    /// @notice Gas bound of one test row's evaluation beyond its classes (the call, its checks, the count).
    uint256 public constant PIECE_ROW_GAS = 20_000;
    /// @notice Gas bound per class of a test row beyond its values (a prediction scores every class, even
    /// for an empty row: Naive Bayes' logarithms of each class's count and total, about 2,400 gas, measured).
    uint256 public constant PIECE_CLASS_GAS = 2_600;
    /// @notice Gas bound per value and class of a test row: the worst case of the kit's models, a cold
    /// storage read per (value, class) (a sparse nearest centroid with one active feature per storage word:
    /// about 2,400 gas, measured).
    uint256 public constant PIECE_VALUE_GAS = 2_600;
    /// @notice The most rows a piece may have whatever the model (`MAX_PIECE_GAS / PIECE_ROW_GAS`).
    uint256 internal constant MAX_ROWS_PER_PIECE = MAX_PIECE_GAS / PIECE_ROW_GAS;
    /// @notice The shortest `revealWindow` and `minDuration`: the sponsor (and the contributors) must have
    /// time to act before anyone may forfeit, abandon or end.
    uint256 public constant MIN_WINDOW = 1 hours;
    /// @notice The longest `revealWindow` and `minDuration`, so that no stake waits longer than that for
    /// each phase.
    uint256 public constant MAX_WINDOW = 365 days;
    /// @notice Gas kept back at the end of a `settle` call, beyond its heaviest step.
    uint256 internal constant SETTLE_GAS_RESERVE = 100_000;
    /// @notice A call that failed with less than `1 / OUT_OF_GAS_DIVISOR` of the gas it had left ran out of gas.
    uint256 internal constant OUT_OF_GAS_DIVISOR = 32;
    /// @notice Settlement stage: replaying contributions.
    uint8 internal constant STAGE_REPLAY = 0;
    /// @notice Settlement stage: evaluating the replay model, piece by piece.
    uint8 internal constant STAGE_EVALUATE = 1;
    /// @notice Settlement stage: finding the contributor to remove.
    uint8 internal constant STAGE_SCAN = 2;
    /// @notice Settlement stage: paying the rounds.
    uint8 internal constant STAGE_PAY = 3;

    /// @notice The stake each contribution pays, in wei.
    uint256 public immutable stake;
    /// @notice keccak256 of the init code that creates each replay copy of the initial model `h_0`.
    bytes32 public immutable modelInitCodeHash;

    /// @notice The current phase.
    Phase public phase;
    /// @notice Who committed the test set and the bounty (the trainer's owner).
    address public sponsor;
    /// @notice Rows in every test piece (at most `MAX_ROWS_PER_PIECE`; in the phase's storage slot).
    uint32 public rowsPerPiece;
    /// @notice The most values a test row may have (committed with the pieces; bounds a piece's evaluation).
    uint32 public maxRowLength;
    /// @notice How many pieces are picked to be revealed before participation opens.
    uint8 public revealCount;
    /// @notice The bounty, in wei.
    uint256 public bounty;
    /// @notice The block of the commitment: its hash picks the pieces revealed first.
    uint256 public commitBlock;
    /// @notice Until when (unix seconds) the sponsor may reveal what the current phase asks for.
    uint256 public revealDeadline;
    /// @notice During the settlement: if no `settle` call makes progress until then (unix seconds), anyone
    /// may `abandon` it.
    uint256 public progressDeadline;
    /// @notice When participation opened (unix seconds).
    uint256 public participationStart;
    /// @notice A bit per piece picked to be revealed first (bit `i` for piece `i`); 0 until drawn.
    uint256 public selectedMask;
    /// @notice A bit per revealed piece.
    uint256 public revealedMask;
    /// @notice The most gas the evaluation of a revealed piece took (what `settle` keeps for an evaluation step).
    uint256 public maxPieceGas;
    /// @notice Wei that contributors may still withdraw (counting stakes not collected from the trainer).
    uint256 public owed;
    /// @notice Contributors not removed by the settlement.
    uint256 public activeContributors;
    /// @notice Wei burned when the settlement, the forfeit or the abandonment finished.
    uint256 public burned;
    /// @notice What the settlement's paid rounds took from the stakes of contributors (a removed contributor's
    /// whole stakes): an abandonment keeps these penalties.
    uint256 public penalties;
    /// @notice Where the settlement stands.
    Settlement public settlement;
    /// @notice The hash of each test piece, `keccak256(abi.encode(salt, rows, labels))`.
    bytes32[] public pieceHashes;
    /// @notice Every contribution, in order.
    Contribution[] public contributions;
    /// @notice Every contributor, in the order of their first contribution.
    address[] public contributors;
    /// @notice Each contributor's account.
    mapping(address contributor => Account) public accounts;
    /// @notice The test errors after contribution `index` in the latest replay that evaluated it, plus one (0:
    /// never evaluated); a replay after a removal reads them up to the removed contributor's first contribution.
    mapping(uint256 index => uint256) public errorsAfter;

    /// @notice The sponsor deposited `bounty` wei and committed to a test set of `pieces` pieces of
    /// `rowsPerPiece` rows of at most `maxRowLength` values; `revealCount` of them will be revealed first, picked
    /// with the hash of block `atBlock`. `revealCount` of them will be revealed first, picked with the hash of block `atBlock`.
    event TestSetCommitted(
        address indexed sponsor,
        uint256 bounty,
        uint256 pieces,
        uint256 rowsPerPiece,
        uint256 maxRowLength,
        uint256 revealCount,
        uint256 atBlock
    );
    /// @notice The pieces to reveal first were drawn.
    event PiecesSelected(uint256 mask);
    /// @notice Test piece `index` was revealed with its `salt` and matched its hash; its evaluation took `gasUsed`.
    event PieceRevealed(uint256 indexed index, bytes32 salt, int64[][] rows, uint64[] labels, uint256 gasUsed);
    /// @notice Participation opened.
    event ParticipationOpened(uint256 start);
    /// @notice `contributor` staked on contribution number `index`.
    event Staked(address indexed contributor, uint256 indexed index, uint256 stake);
    /// @notice Participation ended after `count` contributions; the sponsor must reveal the rest by `deadline`.
    event MarketEnded(uint256 count, uint256 deadline);
    /// @notice Settlement opened: `rounds` rounds of the bounty, `testRows` evaluation rows; it may be
    /// abandoned if it makes no progress until `deadline`.
    event SettlementOpened(uint256 rounds, uint256 testRows, uint256 deadline);
    /// @notice Replay number `replay` started on the copy `model` of `h_0`.
    event ReplayStarted(uint256 indexed replay, address model);
    /// @notice Contribution `index` was replayed; `changed` is false if its update changed nothing or reverted
    /// (then its test loss is that of the model before it, and the model is not evaluated again).
    event ContributionReplayed(uint256 indexed index, bool changed);
    /// @notice In replay `replay`, the model after the first `contributions` contributions makes `errors` test errors.
    event ModelEvaluated(uint256 indexed replay, uint256 contributions, uint256 errors);
    /// @notice After replay `replay`, `rounds` rounds were paid.
    event RoundsPaid(uint256 indexed replay, uint256 rounds);
    /// @notice `contributor` scored `score` in replay `replay` and is now owed `balance` wei.
    event ContributorPaid(address indexed contributor, uint256 indexed replay, int256 score, uint256 balance);
    /// @notice `contributor` could not afford more rounds: removed, its leftover `dust` wei burned.
    event ContributorRemoved(address indexed contributor, uint256 indexed replay, uint256 dust);
    /// @notice A `settle` call did `steps` steps; the settlement is now at `stage`, `cursor` of replay
    /// `replay`, and may be abandoned if it makes no progress until `deadline`.
    event SettleProgress(uint256 replay, uint256 stage, uint256 cursor, uint256 steps, uint256 deadline);
    /// @notice The settlement finished: contributors are owed `owed` wei, `burned` wei were burned.
    event Settled(uint256 owed, uint256 burned);
    /// @notice The sponsor did not reveal in time: the whole bounty, `burned` wei, was burned; contributors get
    /// their stakes back through the trainer's `refund`.
    event MarketForfeited(uint256 burned);
    /// @notice The settlement made no progress in time: contributors get their stakes back, less the
    /// penalties of rounds already paid (`owed` wei from this market, the rest through the trainer's
    /// `refund`); removed contributors get nothing; the bounty and the penalties, `burned` wei, were burned.
    event SettlementAbandoned(uint256 owed, uint256 burned);
    /// @notice `account` withdrew `amount` wei.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice The call belongs to phase `expected`; the market is in phase `current`.
    error WrongPhase(uint8 current, uint8 expected);
    /// @notice Only the sponsor (the trainer's owner) may do this.
    error NotSponsor(address caller, address sponsor);
    /// @notice The test set's layout is invalid: it needs 2 to `MAX_PIECES` pieces, at least one row per
    /// piece, and `1 <= revealCount < pieces`.
    error InvalidTestSet(uint256 pieces, uint256 rowsPerPiece, uint256 revealCount);
    /// @notice A piece of `rowsPerPiece` rows of up to `maxRowLength` values might take `gasBound` gas to
    /// evaluate, more than the `maxGas` (`MAX_PIECE_GAS`) of one settlement step: use more, smaller pieces.
    error PieceTooLarge(uint256 rowsPerPiece, uint256 maxRowLength, uint256 gasBound, uint256 maxGas);
    /// @notice Row `row` of piece `index` has `length` values, more than the `maxRowLength` committed.
    error TestRowTooLong(uint256 index, uint256 row, uint256 length, uint256 maxRowLength);
    /// @notice Evaluating piece `index` took `gasUsed` gas, more than the `maxGas` one settlement step may take.
    error PieceTooCostly(uint256 index, uint256 gasUsed, uint256 maxGas);
    /// @notice The bounty must be positive, at most `type(uint96).max`, and a multiple of the `testRows`
    /// evaluation rows (so that rewards are exact).
    error InvalidBounty(uint256 bounty, uint256 testRows);
    /// @notice `revealWindow` must be from `min` to `max` seconds: with less, anyone could forfeit before the
    /// sponsor can reveal.
    error RevealWindowOutOfRange(uint256 revealWindow, uint256 min, uint256 max);
    /// @notice `minDuration` must be from `min` to `max` seconds: with less, anyone could end participation
    /// before anyone can contribute.
    error MinDurationOutOfRange(uint256 minDuration, uint256 min, uint256 max);
    /// @notice `minContributions` must be at least 1: with 0, anyone could end participation as soon as it opens.
    error MinContributionsZero();
    /// @notice The pieces to reveal first are drawn from the hash of the commitment's block, which is
    /// not known until the next block.
    error SelectionNotReady(uint256 commitBlock);
    /// @notice The commitment's block hash is no longer available (older than 256 blocks): the selection
    /// can no longer be drawn, and the bounty will be forfeited.
    error SelectionExpired(uint256 commitBlock);
    /// @notice There is no piece `index`; there are `count`.
    error UnknownPiece(uint256 index, uint256 count);
    /// @notice Piece `index` is not one of the pieces to reveal now.
    error PieceNotRequested(uint256 index);
    /// @notice Piece `index` was already revealed.
    error PieceAlreadyRevealed(uint256 index);
    /// @notice Piece `index` has `rows` rows and `labels` labels; every piece has `expected` of each.
    error WrongPieceShape(uint256 index, uint256 rows, uint256 labels, uint256 expected);
    /// @notice Piece `index` (with the salt sent) does not match its committed hash.
    error PieceMismatch(uint256 index, bytes32 committed, bytes32 revealed);
    /// @notice Row `row` of piece `index` is not a valid sample for the model, or its label is out of range.
    error InvalidTestRow(uint256 index, uint256 row);
    /// @notice A contribution needs a stake of `required` wei; `sent` wei were sent.
    error StakeTooLow(uint256 required, uint256 sent);
    /// @notice `contributor` already contributed at this block time: one contribution per contributor per block.
    error SameSecondContribution(address contributor, uint256 timestamp);
    /// @notice Participation may end at `endsAt` (unix seconds) or after `minContributions` contributions;
    /// it is `now` and there are `count`.
    error TooEarlyToEnd(uint256 endsAt, uint256 now, uint256 count, uint256 minContributions);
    /// @notice The sponsor may still reveal until `deadline` (unix seconds); it is `now`.
    error RevealWindowOpen(uint256 deadline, uint256 now);
    /// @notice The settlement made progress recently: it may be abandoned only from `deadline` (unix
    /// seconds) if nobody pushes it further; it is `now`.
    error SettlementNotStalled(uint256 deadline, uint256 now);
    /// @notice The init code sent does not hash to `modelInitCodeHash`.
    error WrongInitCode(bytes32 expected, bytes32 got);
    /// @notice The replay copy of the model could not be created, or is not finalized.
    error ReplayModelFailed();
    /// @notice `settle` needs the sample of contribution `index`; the call carried `first` .. `first + count - 1`.
    error ContributionDataMissing(uint256 index, uint256 first, uint256 count);
    /// @notice The sample sent for contribution `index` is not the one that was added.
    error ContributionDataMismatch(uint256 index);
    /// @notice The numbers of piece indices, salts, row lists and label lists differ.
    error PieceCountMismatch(uint256 indices, uint256 pieces);
    /// @notice `settle` needs evaluation piece `index` next, and the call did not carry it.
    error TestPieceMissing(uint256 index);
    /// @notice A call during the replay ran out of gas: send the transaction with more gas.
    error ReplayOutOfGas();
    /// @notice `account` has nothing to withdraw.
    error NothingToWithdraw(address account);
    /// @notice Stakes are not refunded or taken through the trainer in this market: use the market's
    /// `withdraw` after the settlement (refunds through the trainer only after a forfeit or an abandonment).
    error UseMarketWithdraw();
    /// @notice Only the trainer may send ether here (the stakes it collects).
    error UnexpectedEther(address sender);

    /// @param trainer_ The `CollaborativeTrainer` that owns this market.
    /// @param stake_ The stake per contribution, in wei.
    /// @param modelInitCodeHash_ keccak256 of the init code of the replay model (`h_0`, bound to this market).
    constructor(address trainer_, uint256 stake_, bytes32 modelInitCodeHash_) TrainerOwned(trainer_) {
        stake = stake_;
        modelInitCodeHash = modelInitCodeHash_;
    }

    // -- settlement stages -------------------------------------------------------------------------

    /// @dev Reverts unless piece `index` has the committed number of rows and labels.
    function _checkShape(uint256 index, int64[][] calldata rows, uint64[] calldata labels) internal view {
        if (rows.length != rowsPerPiece || labels.length != rowsPerPiece) {
            revert WrongPieceShape(index, rows.length, labels.length, rowsPerPiece);
        }
    }

    /// @dev The salted hash of a piece, as committed: `keccak256(abi.encode(salt, rows, labels))`.
    function _hashPiece(bytes32 salt, int64[][] calldata rows, uint64[] calldata labels)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(salt, rows, labels));
    }

    /// @dev The first evaluation piece (not selected at the start) from index `from` on; the piece count if none.
    function _nextEvaluationPiece(uint256 from) internal view returns (uint256 index) {
        uint256 count = pieceHashes.length;
        uint256 selected = selectedMask;
        for (index = from; index < count && selected & (1 << index) != 0; ++index) {}
    }

    /// @dev Reverts if a failed call probably ran out of gas (it would make the replay depend on the gas sent).
    function _checkNotOutOfGas(uint256 before) internal view {
        if (gasleft() < before / OUT_OF_GAS_DIVISOR) revert ReplayOutOfGas();
    }

    /// @dev Creates the replay copy of `h_0`, to be evaluated next. Returns false unless it is the call's
    /// first step (a deployment's gas is not known in advance: it gets the whole call).
    function _startReplay(Settlement memory s, bytes calldata initCode, uint256 steps) internal returns (bool) {
        if (steps > 0) return false;
        bytes32 hash = keccak256(initCode);
        if (hash != modelInitCodeHash) revert WrongInitCode(modelInitCodeHash, hash);
        bytes memory code = initCode;
        address model;
        assembly ("memory-safe") {
            model := create(0, add(code, 0x20), mload(code))
        }
        if (model == address(0) || !IClassifier(model).finalized()) revert ReplayModelFailed();
        s.model = model;
        if (s.replay == 1) {
            _startEvaluation(s); // measure h_0
        } else {
            // After a removal: h_0's errors are known, and so is every update's up to the removed contributor's
            // first contribution (`reusing`).
            s.errors = s.initialErrors;
            s.reusing = true;
        }
        emit ReplayStarted(s.replay, model);
        return true;
    }

    /// @dev Replays contribution `s.cursor`. If the update changed the model, its errors are measured next
    /// (or, while `reusing`, read from `errorsAfter`); if not, its loss is the loss before it: no evaluation, so
    /// contributions that change nothing cost no more than their replay. Returns false (if `steps > 0`) when
    /// its sample is not in `xs`.
    function _replayOne(Settlement memory s, uint256 first, int64[][] calldata xs, uint256 steps)
        internal
        returns (bool)
    {
        uint256 index = s.cursor;
        Contribution memory c = contributions[index];
        Account storage account = accounts[c.contributor];
        bool changed;
        if (s.reusing && c.contributor == contributors[s.worst]) s.reusing = false;
        if (!account.removed) {
            if (index < first || index - first >= xs.length) {
                if (steps == 0) revert ContributionDataMissing(index, first, xs.length);
                return false;
            }
            int64[] calldata x = xs[index - first];
            if (s.replay == 1) {
                // Collects the stake: the trainer finds the contribution from its exact data (or reverts).
                IMarketTrainer(trainer).report(x, c.label, c.contributor, c.addedAt);
                account.collected += 1;
            } else {
                bytes32 key = ContributionKey.compute(x, c.label, c.contributor, c.addedAt);
                (,, bool exists) = IMarketTrainer(trainer).records(key);
                if (!exists) revert ContributionDataMismatch(index);
            }
            uint256 before = gasleft();
            try IClassifier(s.model).update(x, c.label) returns (bool modelChanged) {
                changed = modelChanged;
            } catch {
                _checkNotOutOfGas(before);
            }
            emit ContributionReplayed(index, changed);
        }
        s.cursor = uint64(index + 1);
        uint256 known = changed && s.reusing ? errorsAfter[index] : 0;
        if (known != 0) {
            // The same update as in the previous replay, on the same model: the same errors.
            uint32 errors = uint32(known - 1);
            account.score += int64(int256(uint256(s.errors)) - int256(uint256(errors)));
            s.errors = errors;
            emit ModelEvaluated(s.replay, index + 1, errors);
        } else if (changed) {
            _startEvaluation(s); // the model changed: measure its loss
            return true;
        }
        if (index + 1 == contributions.length) _startScan(s); // the loss is known up to the last contribution
        return true;
    }

    /// @dev Moves the settlement to the evaluation of the current replay model.
    function _startEvaluation(Settlement memory s) internal view {
        s.stage = STAGE_EVALUATE;
        s.piece = uint8(_nextEvaluationPiece(0));
        s.partialErrors = 0;
    }

    /// @dev Evaluates the replay model on test piece `s.piece` (found in `indices` at `hint` or by a search;
    /// checked against its hash once per call, as recorded in `verified`). After the last piece, credits the
    /// change in errors to the contributor of the contribution just replayed. Returns false (if
    /// `steps > 0`) when the piece was not sent, with the updated `verified` and `hint`.
    function _evaluateOne(
        Settlement memory s,
        uint256[] calldata indices,
        bytes32[] calldata salts,
        int64[][][] calldata rows,
        uint64[][] calldata labels,
        uint256 verified,
        uint256 hint,
        uint256 steps
    ) internal returns (bool, uint256, uint256) {
        uint256 index = s.piece;
        uint256 j = hint < indices.length ? hint : 0;
        if (j >= indices.length || indices[j] != index) {
            for (j = 0; j < indices.length && indices[j] != index; ++j) {}
            if (j == indices.length) {
                if (steps == 0) revert TestPieceMissing(index);
                return (false, verified, hint);
            }
        }
        int64[][] calldata pieceRows = rows[j];
        uint64[] calldata pieceLabels = labels[j];
        if (j >= 256 || verified & (1 << j) == 0) {
            _checkShape(index, pieceRows, pieceLabels);
            bytes32 hash = _hashPiece(salts[j], pieceRows, pieceLabels);
            if (hash != pieceHashes[index]) revert PieceMismatch(index, pieceHashes[index], hash);
            if (j < 256) verified |= 1 << j;
        }
        uint32 errors = s.partialErrors;
        for (uint256 r = 0; r < pieceRows.length; ++r) {
            uint256 before = gasleft();
            try IClassifier(s.model).predict(pieceRows[r]) returns (uint64 label) {
                if (label != pieceLabels[r]) ++errors;
            } catch {
                _checkNotOutOfGas(before);
                ++errors; // a prediction that reverts counts as wrong
            }
        }
        s.partialErrors = errors;
        uint256 next = _nextEvaluationPiece(index + 1);
        if (next < pieceHashes.length) {
            s.piece = uint8(next);
            return (true, verified, j + 1);
        }
        // The evaluation is complete: the contribution just replayed (none for h_0) changed the errors.
        uint256 replayed = s.cursor;
        if (replayed > 0) {
            Account storage account = accounts[contributions[replayed - 1].contributor];
            account.score += int64(int256(uint256(s.errors)) - int256(uint256(errors)));
            errorsAfter[replayed - 1] = uint256(errors) + 1;
        } else {
            s.initialErrors = errors;
        }
        s.errors = errors;
        emit ModelEvaluated(s.replay, replayed, errors);
        if (replayed == contributions.length) {
            _startScan(s);
        } else {
            s.stage = STAGE_REPLAY;
        }
        return (true, verified, j + 1);
    }

    /// @dev Moves the settlement to the search for the contributor to remove.
    function _startScan(Settlement memory s) internal pure {
        s.stage = STAGE_SCAN;
        s.cursor = 0;
        s.minAfford = type(uint128).max;
    }

    /// @dev Looks at contributor `s.cursor`: does it afford the fewest rounds so far?
    function _scanOne(Settlement memory s) internal view {
        uint256 index = s.cursor;
        Account memory a = accounts[contributors[index]];
        if (!a.removed && a.score < 0) {
            uint256 afford = uint256(a.balance) / uint256(int256(-a.score));
            if (afford < s.minAfford) {
                s.minAfford = uint128(afford);
                s.worst = uint64(index);
            }
        }
        s.cursor = uint64(index + 1);
        if (index + 1 == contributors.length) {
            s.stage = STAGE_PAY;
            s.cursor = 0;
            s.roundsNow = s.minAfford < s.roundsLeft ? s.minAfford : s.roundsLeft;
        }
    }

    /// @dev Pays contributor `s.cursor` the rounds of this replay (and removes it if it is the worst).
    function _payOne(Settlement memory s) internal {
        uint256 index = s.cursor;
        address who = contributors[index];
        Account storage account = accounts[who];
        bool removing = s.minAfford < s.roundsLeft;
        if (!account.removed) {
            int256 score = account.score;
            int256 change = int256(uint256(s.roundsNow)) * score;
            uint256 before = account.balance;
            uint256 balance = uint256(int256(before) + change);
            uint256 staked = uint256(account.collected) * stake; // every stake is collected by now
            owed = uint256(int256(owed) + change);
            account.score = 0;
            if (removing && index == s.worst) {
                account.removed = true;
                account.balance = 0;
                activeContributors -= 1;
                owed -= balance;
                penalties = penalties + staked - _penalty(staked, before);
                emit ContributorRemoved(who, s.replay, balance);
            } else {
                account.balance = uint128(balance);
                penalties = penalties + _penalty(staked, balance) - _penalty(staked, before);
                emit ContributorPaid(who, s.replay, score, balance);
            }
        }
        s.cursor = uint64(index + 1);
        if (index + 1 == contributors.length) {
            s.roundsLeft -= s.roundsNow;
            emit RoundsPaid(s.replay, s.roundsNow);
            if (removing && s.roundsLeft > 0 && activeContributors > 0) {
                s.replay += 1;
                s.stage = STAGE_REPLAY;
                s.cursor = 0;
                s.model = address(0);
            } else {
                _finish();
            }
        }
    }

    /// @dev What a contributor who staked `staked` wei and is owed `balance` wei lost of its stakes.
    function _penalty(uint256 staked, uint256 balance) internal pure returns (uint256) {
        return balance < staked ? staked - balance : 0;
    }

    /// @dev Ends the settlement: what contributors are not owed is burned (sent by the caller).
    function _finish() internal {
        phase = Phase.Withdraw;
        uint256 toBurn = address(this).balance - owed;
        burned = toBurn;
        emit Settled(owed, toBurn);
        if (contributions.length == 0) _sendValue(BURN_ADDRESS, toBurn);
    }
}
