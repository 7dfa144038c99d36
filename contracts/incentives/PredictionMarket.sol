// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {ReentrancyGuard} from "../utils/ReentrancyGuard.sol";
import {ContributionKey} from "../data/ContributionKey.sol";
import {IClassifier} from "../models/Classifier.sol";
import {IIncentiveMechanism} from "./IncentiveMechanism.sol";

/// @title IMarketTrainer
/// @notice What a `PredictionMarket` uses of its `CollaborativeTrainer`: the model (to check test rows),
/// its records (to check replayed samples) and `report` (to collect each stake once).
interface IMarketTrainer {
    /// @notice The trainer's model.
    function classifier() external view returns (IClassifier);
    /// @notice The record of a contribution, by key (the trainer is its `DataHandler`).
    /// @param key The contribution's key.
    /// @return initialDeposit The deposit paid.
    /// @return claimable What is left of it.
    /// @return exists Whether the record exists.
    function records(bytes32 key) external view returns (uint96 initialDeposit, uint96 claimable, bool exists);
    /// @notice Takes (part of) the deposit of a contribution, decided by the incentive mechanism.
    /// @param x The sample, exactly as added.
    /// @param label Its label.
    /// @param contributor Who added it.
    /// @param addedAt The block time at which it was added.
    /// @return amount The wei paid to the caller.
    function report(int64[] calldata x, uint64 label, address contributor, uint256 addedAt)
        external
        returns (uint256 amount);
}

/// @title PredictionMarket
/// @notice "Prediction market rewards" (Harris & Waggoner 2019), run on chain. A sponsor deposits a
/// bounty and commits to a hidden test set split in pieces (one salted hash per piece); the contract picks
/// some pieces that the sponsor reveals at once, so everyone sees what the task is. Then anyone may add
/// data through the trainer, paying a fixed stake per contribution. When the market ends, the sponsor
/// reveals the rest of the test set (each piece checked against its hash). The contract then replays every
/// contribution in order on a fresh copy of the initial model and pays each contributor
/// `bounty * (L(h_{t-1}) - L(h_t))` for each of its contributions `t`, where `L` is the 0-1 loss on the
/// pieces revealed at the end. Harmful data has a negative reward, taken from the contributor's stake.
/// What the contributors do not earn is burned: a sponsor gains nothing by cheating.
/// @dev Salts. A piece is committed as `keccak256(abi.encode(salt, rows, labels))` with a secret random
/// 32-byte salt per piece, revealed with the piece. Without it, anyone who knows where the test data comes
/// from (a public dataset, a known split) could hash candidate pieces until one matches a commitment,
/// learn the hidden test rows during participation, and contribute exactly them.
///
/// Money. Stakes stay in the trainer (its data handler records them) until the replay collects each
/// of them once, through the trainer's `report`; the bounty stays here. Rewards are integers: with `n`
/// evaluation rows the bounty is `R = bounty / n` "rounds" (the sponsor must make it divisible), and one
/// round pays each contributor its score, the number of test errors its contributions removed (negative
/// if they added errors). So with no removal a contributor is paid exactly `stakes + R * score` wei and
/// the total paid beyond the stakes is exactly `bounty * (L(h_0) - L(h_T))`, never more than the bounty.
///
/// Removal ("rounds", as in the original simulation). A contributor cannot lose more than its stakes.
/// After a replay, if some contributor with a negative score cannot afford all the remaining rounds, the
/// one affording the fewest rounds `k` (the earliest such contributor on ties) is removed: every
/// contributor is paid `k` rounds of its score, the rounds left drop by `k`, and the contributions are
/// replayed from `h_0` without the removed contributor's data. A removed contributor gets nothing: its
/// stakes paid for its harm in the `k` rounds, and what is left (less than one round's loss, `|score|`
/// wei) is burned. When everybody can afford the remaining rounds (or all are removed, or no round is
/// left), they are paid and the rest is burned: the contract sends the unearned bounty (and the dust of
/// removed contributors) to `BURN_ADDRESS`, keeping exactly what contributors may still withdraw.
///
/// Bounded steps. Each transaction's work is bounded whatever the test set's size. `settle` does at most
/// `maxSteps` steps, each of bounded gas: create the replay model; replay one contribution (its update
/// already fitted in the transaction that added it); evaluate the model on ONE test piece (a piece's
/// evaluation was measured when it was revealed and refused above `MAX_PIECE_GAS`), keeping the partial
/// error count and the next piece in storage; or tally one contributor. It stops early when the gas left
/// could not cover its heaviest step so far. The model is evaluated after every contribution whose update
/// went through, never per change of contributor, so the settlement's cost does not depend on how
/// contributions interleave. The test set is not stored: each `settle` call carries the evaluation pieces
/// it needs (the sponsor revealed them, with their salts, in `PieceRevealed` events, so anyone can push
/// the settlement), each checked against its hash.
///
/// A way out. If no `settle` call makes progress for `revealWindow` seconds, anyone may `abandon` the
/// settlement: every contributor gets all its stakes back (removed ones too: an unfinished settlement
/// proves nothing) and the whole bounty is burned. Not returned to the sponsor, who would otherwise get
/// the contributors' data for free by making settlement fail; not shared among contributors, who would
/// otherwise profit from stalling it, harmful ones most.
///
/// The replay model is created for each replay from init code whose hash was fixed at deployment
/// (`modelInitCodeHash`: the model's creation code with the constructor arguments of the trainer's
/// initial model, bound to this market), so every replay provably starts from the same `h_0`; sumkit
/// builds it from the same parameters as the trainer's model. Only models deployed in one transaction
/// can be replayed.
contract PredictionMarket is TrainerOwned, ReentrancyGuard, IIncentiveMechanism {
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
    /// @param worst The contributor to remove (stage 3), if `minAfford < roundsLeft`.
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
        uint128 minAfford;
        uint128 roundsLeft;
        uint128 roundsNow;
    }

    /// @notice The unearned bounty is sent here: an address nobody controls.
    address public constant BURN_ADDRESS = address(0xdEaD);
    /// @notice The most pieces a test set may have.
    uint256 public constant MAX_PIECES = 255;
    /// @notice The most evaluation rows a test set may have (errors are counted in a `uint32`).
    uint256 public constant MAX_TEST_ROWS = type(uint32).max;
    /// @notice The most gas the evaluation of one test piece may take (checked when it is revealed): one
    /// settlement step, several of which fit a mainnet block.
    uint256 public constant MAX_PIECE_GAS = 5_000_000;
    /// @notice The most rows a piece may have (checked at commit): a bigger piece could never be evaluated
    /// within `MAX_PIECE_GAS`, even at 2,000 gas per row (less than the cheapest prediction of the kit's
    /// models, about 2,300 gas for an empty sparse sample).
    uint256 public constant MAX_ROWS_PER_PIECE = MAX_PIECE_GAS / 2_000;
    /// @notice The shortest `revealWindow` and `minDuration`: the sponsor (and the contributors) must have
    /// time to act before anyone may forfeit, abandon or end.
    uint256 public constant MIN_WINDOW = 1 hours;
    /// @notice The longest `revealWindow` and `minDuration`, so that no stake waits longer than that for
    /// each phase.
    uint256 public constant MAX_WINDOW = 365 days;
    /// @notice Gas kept back at the end of a `settle` call, beyond its heaviest step.
    uint256 public constant SETTLE_GAS_RESERVE = 100_000;
    /// @notice A call that failed with less than `1 / OUT_OF_GAS_DIVISOR` of the gas it had left ran out of gas.
    uint256 private constant OUT_OF_GAS_DIVISOR = 32;
    /// @notice Settlement stage: replaying contributions.
    uint8 private constant STAGE_REPLAY = 0;
    /// @notice Settlement stage: evaluating the replay model, piece by piece.
    uint8 private constant STAGE_EVALUATE = 1;
    /// @notice Settlement stage: finding the contributor to remove.
    uint8 private constant STAGE_SCAN = 2;
    /// @notice Settlement stage: paying the rounds.
    uint8 private constant STAGE_PAY = 3;

    /// @notice The stake each contribution pays, in wei.
    uint256 public immutable stake;
    /// @notice Participation may end this many seconds after it opened (or after `minContributions`).
    uint256 public immutable minDuration;
    /// @notice Participation may end after this many contributions (or after `minDuration`).
    uint256 public immutable minContributions;
    /// @notice Seconds the sponsor has to reveal (the selected pieces after committing, the rest after the
    /// end), then anyone may call `forfeit`; also the longest the settlement may go without progress before
    /// anyone may call `abandon`.
    uint256 public immutable revealWindow;
    /// @notice keccak256 of the init code that creates each replay copy of the initial model `h_0`.
    bytes32 public immutable modelInitCodeHash;

    /// @notice The current phase.
    Phase public phase;
    /// @notice Who committed the test set and the bounty (the trainer's owner).
    address public sponsor;
    /// @notice The bounty, in wei.
    uint256 public bounty;
    /// @notice Rows in every test piece.
    uint256 public rowsPerPiece;
    /// @notice How many pieces are picked to be revealed before participation opens.
    uint256 public revealCount;
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
    /// @notice After a forfeit: the share of the bounty each contribution earns, in wei.
    uint256 public forfeitSharePerContribution;
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

    /// @notice The sponsor deposited `bounty` wei and committed to a test set of `pieces` pieces of
    /// `rowsPerPiece` rows; `revealCount` of them will be revealed first, picked with the hash of block `atBlock`.
    event TestSetCommitted(
        address indexed sponsor, uint256 bounty, uint256 pieces, uint256 rowsPerPiece, uint256 revealCount, uint256 atBlock
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
    /// @notice Contribution `index` was replayed (`updated` is false if its update reverted and was skipped).
    event ContributionReplayed(uint256 indexed index, bool updated);
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
    /// @notice The sponsor did not reveal in time: each contribution earns `sharePerContribution` wei of the
    /// bounty; `burned` wei (rounding dust, or the whole bounty without contributions) were burned.
    event MarketForfeited(uint256 sharePerContribution, uint256 burned);
    /// @notice The settlement made no progress in time: contributors get their stakes back (`owed` wei from
    /// this market, the rest through the trainer's `refund`) and the bounty, `burned` wei, was burned.
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
    /// @notice A piece of `rowsPerPiece` rows could never be evaluated within `MAX_PIECE_GAS`: at most
    /// `maxRows` rows per piece (use more, smaller pieces).
    error PieceTooLarge(uint256 rowsPerPiece, uint256 maxRows);
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
    /// @param stake_ The stake per contribution, in wei (positive).
    /// @param minDuration_ Seconds after participation opens before it may end (or see `minContributions_`),
    /// from `MIN_WINDOW` to `MAX_WINDOW`.
    /// @param minContributions_ Contributions after which participation may end (or see `minDuration_`), at least 1.
    /// @param revealWindow_ Seconds the sponsor has for each reveal (and the longest the settlement may
    /// stall), from `MIN_WINDOW` to `MAX_WINDOW`.
    /// @param modelInitCodeHash_ keccak256 of the init code of the replay model (`h_0`, bound to this market).
    constructor(
        address trainer_,
        uint256 stake_,
        uint256 minDuration_,
        uint256 minContributions_,
        uint256 revealWindow_,
        bytes32 modelInitCodeHash_
    ) TrainerOwned(trainer_) {
        if (stake_ == 0) revert StakeTooLow(1, 0);
        if (revealWindow_ < MIN_WINDOW || revealWindow_ > MAX_WINDOW) {
            revert RevealWindowOutOfRange(revealWindow_, MIN_WINDOW, MAX_WINDOW);
        }
        if (minDuration_ < MIN_WINDOW || minDuration_ > MAX_WINDOW) {
            revert MinDurationOutOfRange(minDuration_, MIN_WINDOW, MAX_WINDOW);
        }
        if (minContributions_ == 0) revert MinContributionsZero();
        stake = stake_;
        minDuration = minDuration_;
        minContributions = minContributions_;
        revealWindow = revealWindow_;
        modelInitCodeHash = modelInitCodeHash_;
    }

    /// @dev Lets through only calls of phase `expected`.
    modifier inPhase(Phase expected) {
        if (phase != expected) revert WrongPhase(uint8(phase), uint8(expected));
        _;
    }

    /// @notice Accepts the stakes the trainer pays when the settlement collects them.
    receive() external payable {
        if (msg.sender != trainer) revert UnexpectedEther(msg.sender);
    }

    // -- 1. commitment ---------------------------------------------------------------------------

    /// @notice The sponsor deposits the bounty (the ether sent) and commits to a test set.
    /// @param hashes The hash of each piece, `keccak256(abi.encode(bytes32 salt, int64[][] rows, uint64[] labels))`
    /// with a secret random salt per piece.
    /// @param rowsPerPiece_ The rows in every piece, at most `MAX_ROWS_PER_PIECE`.
    /// @param revealCount_ How many pieces the contract picks for the sponsor to reveal at once.
    function commitTestSet(bytes32[] calldata hashes, uint256 rowsPerPiece_, uint256 revealCount_)
        external
        payable
        inPhase(Phase.Commit)
    {
        address owner_ = _trainerOwner();
        if (msg.sender != owner_) revert NotSponsor(msg.sender, owner_);
        uint256 pieces = hashes.length;
        if (pieces < 2 || pieces > MAX_PIECES || rowsPerPiece_ == 0 || revealCount_ == 0 || revealCount_ >= pieces) {
            revert InvalidTestSet(pieces, rowsPerPiece_, revealCount_);
        }
        if (rowsPerPiece_ > MAX_ROWS_PER_PIECE) revert PieceTooLarge(rowsPerPiece_, MAX_ROWS_PER_PIECE);
        uint256 testRows = (pieces - revealCount_) * rowsPerPiece_;
        if (testRows > MAX_TEST_ROWS) revert InvalidTestSet(pieces, rowsPerPiece_, revealCount_);
        if (msg.value == 0 || msg.value > type(uint96).max || msg.value % testRows != 0) {
            revert InvalidBounty(msg.value, testRows);
        }
        phase = Phase.RevealSelected;
        sponsor = msg.sender;
        bounty = msg.value;
        rowsPerPiece = rowsPerPiece_;
        revealCount = revealCount_;
        commitBlock = block.number;
        revealDeadline = block.timestamp + revealWindow;
        pieceHashes = hashes;
        emit TestSetCommitted(msg.sender, msg.value, pieces, rowsPerPiece_, revealCount_, block.number);
    }

    /// @notice The pieces the sponsor must reveal before participation opens, in increasing order.
    /// @dev Drawn from `blockhash(commitBlock)`: the hash of the block that included the commitment, unknown
    /// when the sponsor signed it. This is NOT secure randomness: whoever builds that block can choose it
    /// among many. Available from the next block, for 256 blocks.
    /// @return indices The piece indices.
    function selectedPieces() external view returns (uint256[] memory indices) {
        uint256 mask = selectedMask;
        if (mask == 0) mask = _drawSelection();
        indices = new uint256[](revealCount);
        uint256 j;
        for (uint256 i = 0; j < indices.length; ++i) {
            if (mask & (1 << i) != 0) indices[j++] = i;
        }
    }

    /// @notice The gas that evaluating a piece takes (checking its labels, hashing it, predicting every row
    /// with the trainer's model): a reveal refuses a piece above `MAX_PIECE_GAS`. Free to call before
    /// committing.
    /// @param rows The piece's rows (encoded samples).
    /// @param labels Their labels.
    /// @return gasUsed The gas.
    function pieceGas(int64[][] calldata rows, uint64[] calldata labels) external view returns (uint256 gasUsed) {
        IClassifier model = IMarketTrainer(trainer).classifier();
        (, gasUsed) = _examine(0, bytes32(0), rows, labels, model, model.numClasses());
    }

    /// @notice The sponsor reveals (some of) the selected pieces; participation opens once all are.
    /// @param indices The pieces' indices.
    /// @param salts Each piece's salt, in the same order.
    /// @param rows Each piece's rows (encoded samples).
    /// @param labels Each piece's labels.
    function revealSelected(
        uint256[] calldata indices,
        bytes32[] calldata salts,
        int64[][][] calldata rows,
        uint64[][] calldata labels
    ) external inPhase(Phase.RevealSelected) {
        _onlySponsor();
        uint256 mask = selectedMask;
        if (mask == 0) {
            mask = _drawSelection();
            selectedMask = mask;
            emit PiecesSelected(mask);
        }
        uint256 revealed = _reveal(indices, salts, rows, labels, mask);
        if (revealed & mask == mask) {
            phase = Phase.Participation;
            participationStart = block.timestamp;
            emit ParticipationOpened(block.timestamp);
        }
    }

    // -- 2. participation (called by the trainer) --------------------------------------------------

    /// @inheritdoc IIncentiveMechanism
    function nextDeposit() external view returns (uint256) {
        return stake;
    }

    /// @inheritdoc IIncentiveMechanism
    /// @dev Only during participation; the stake stays in the trainer, recorded by its data handler.
    function handleAddData(address contributor, uint256 sent, uint64 label)
        external
        onlyTrainer
        returns (uint256 deposit)
    {
        if (phase != Phase.Participation) revert WrongPhase(uint8(phase), uint8(Phase.Participation));
        deposit = stake;
        if (sent < deposit) revert StakeTooLow(deposit, sent);
        Account storage account = accounts[contributor];
        uint32 now32 = uint32(block.timestamp);
        if (account.lastAddedAt == now32) revert SameSecondContribution(contributor, block.timestamp);
        if (account.lastAddedAt == 0) {
            contributors.push(contributor);
            activeContributors += 1;
        }
        account.lastAddedAt = now32;
        account.balance += uint128(deposit);
        contributions.push(Contribution({contributor: contributor, addedAt: now32, label: label}));
        emit Staked(contributor, contributions.length - 1, deposit);
    }

    /// @inheritdoc IIncentiveMechanism
    /// @dev Only after a forfeit or an abandonment: then each stake still in the trainer is refunded through it.
    function handleRefund(address, uint256, bool) external view onlyTrainer {
        if (phase != Phase.Forfeited && phase != Phase.Abandoned) revert UseMarketWithdraw();
    }

    /// @inheritdoc IIncentiveMechanism
    /// @dev Only the market itself may report, while settling: that is how it collects each stake once.
    function handleReport(address reporter, address, uint256, uint256, uint256 claimable, bool)
        external
        view
        onlyTrainer
        returns (uint256 amount)
    {
        if (reporter != address(this) || phase != Phase.Settle) revert UseMarketWithdraw();
        return claimable;
    }

    /// @notice Ends participation, once `minDuration` has passed or `minContributions` were added (anyone
    /// may call it). The sponsor then has `revealWindow` seconds to reveal the rest of the test set.
    function end() external inPhase(Phase.Participation) {
        uint256 endsAt = participationStart + minDuration;
        uint256 count = contributions.length;
        if (block.timestamp < endsAt && count < minContributions) {
            revert TooEarlyToEnd(endsAt, block.timestamp, count, minContributions);
        }
        phase = Phase.RevealRest;
        revealDeadline = block.timestamp + revealWindow;
        owed = count * stake;
        emit MarketEnded(count, revealDeadline);
    }

    // -- 3. reward ---------------------------------------------------------------------------------

    /// @notice The sponsor reveals (some of) the remaining pieces; the settlement opens once all are.
    /// @param indices The pieces' indices.
    /// @param salts Each piece's salt, in the same order.
    /// @param rows Each piece's rows (encoded samples).
    /// @param labels Each piece's labels.
    function revealRest(
        uint256[] calldata indices,
        bytes32[] calldata salts,
        int64[][][] calldata rows,
        uint64[][] calldata labels
    ) external inPhase(Phase.RevealRest) {
        _onlySponsor();
        uint256 all = (1 << pieceHashes.length) - 1;
        uint256 revealed = _reveal(indices, salts, rows, labels, all & ~selectedMask);
        if (revealed == all) {
            phase = Phase.Settle;
            uint256 testRows = (pieceHashes.length - revealCount) * rowsPerPiece;
            uint256 rounds = bounty / testRows;
            progressDeadline = block.timestamp + revealWindow;
            settlement = Settlement({
                model: address(0),
                replay: 1,
                stage: STAGE_REPLAY,
                piece: 0,
                errors: 0,
                partialErrors: 0,
                cursor: 0,
                worst: 0,
                minAfford: type(uint128).max,
                roundsLeft: uint128(rounds),
                roundsNow: 0
            });
            emit SettlementOpened(rounds, testRows, progressDeadline);
            if (contributions.length == 0) _finish();
        }
    }

    /// @notice Pushes the settlement forward by at most `maxSteps` steps (anyone may call it). A step
    /// creates the replay model (only as a call's first step), replays one contribution, evaluates the model
    /// on one test piece, or tallies one contributor. Stops early, leaving room for the bookkeeping, when
    /// the gas left could not cover the heaviest step so far (or an evaluation's `maxPieceGas`), or when the
    /// next step needs data the call did not carry.
    /// @param initCode The replay model's init code (hashing to `modelInitCodeHash`); may be empty unless
    /// the call starts a replay.
    /// @param indices The evaluation pieces this call may need (among those not selected at the start),
    /// best in the order they will be needed from `settlement.piece` on.
    /// @param salts Each piece's salt, in the same order.
    /// @param rows Each piece's rows.
    /// @param labels Each piece's labels.
    /// @param first The index of the contribution whose sample is `xs[0]`.
    /// @param xs The samples of contributions `first, first + 1, ...`, exactly as added.
    /// @param maxSteps The most steps to do.
    /// @return steps The steps done.
    function settle(
        bytes calldata initCode,
        uint256[] calldata indices,
        bytes32[] calldata salts,
        int64[][][] calldata rows,
        uint64[][] calldata labels,
        uint256 first,
        int64[][] calldata xs,
        uint256 maxSteps
    ) external nonReentrant inPhase(Phase.Settle) returns (uint256 steps) {
        _checkCounts(indices, salts, rows, labels);
        Settlement memory s = settlement;
        uint256 heaviest;
        uint256 verified; // bit j: pieces[j] matched its hash in this call
        uint256 hint; // where in `indices` the next piece probably is
        uint256 evaluationGas = maxPieceGas;
        while (steps < maxSteps && phase == Phase.Settle) {
            uint256 before = gasleft();
            uint256 need = s.stage == STAGE_EVALUATE && evaluationGas > heaviest ? evaluationGas : heaviest;
            if (steps > 0 && before < need + SETTLE_GAS_RESERVE) break;
            bool done = true;
            if (s.stage == STAGE_REPLAY) {
                done = s.model == address(0) ? _startReplay(s, initCode, steps) : _replayOne(s, first, xs, steps);
            } else if (s.stage == STAGE_EVALUATE) {
                (done, verified, hint) = _evaluateOne(s, indices, salts, rows, labels, verified, hint, steps);
            } else if (s.stage == STAGE_SCAN) {
                _scanOne(s);
            } else {
                _payOne(s);
            }
            if (!done) break;
            ++steps;
            uint256 used = before - gasleft();
            if (used > heaviest) heaviest = used;
        }
        settlement = s;
        if (steps > 0 && phase == Phase.Settle) progressDeadline = block.timestamp + revealWindow;
        emit SettleProgress(s.replay, s.stage, s.cursor, steps, progressDeadline);
        if (phase == Phase.Withdraw) _sendValue(BURN_ADDRESS, burned);
    }

    /// @notice If the settlement made no progress until `progressDeadline`, anyone may abandon it: every
    /// contributor gets all its stakes back (those the settlement collected with `withdraw`, the others with
    /// the trainer's `refund`) and the whole bounty is burned: neither returned to the sponsor (who would
    /// then get the data for free by making settlement fail) nor shared (which would pay for stalling it).
    function abandon() external nonReentrant inPhase(Phase.Settle) {
        if (block.timestamp < progressDeadline) revert SettlementNotStalled(progressDeadline, block.timestamp);
        Settlement memory s = settlement;
        uint256 collected = s.replay > 1 || s.stage >= STAGE_SCAN ? contributions.length : s.cursor;
        phase = Phase.Abandoned;
        owed = collected * stake;
        uint256 toBurn = address(this).balance - owed;
        burned = toBurn;
        emit SettlementAbandoned(owed, toBurn);
        _sendValue(BURN_ADDRESS, toBurn);
    }

    /// @notice If the sponsor did not reveal in time, anyone may end the market: the bounty goes to the
    /// contributors, an equal share per contribution (the rounding dust is burned; without contributions
    /// the whole bounty is burned). Each contributor then gets its stakes back with the trainer's `refund`
    /// and its share with `withdraw`.
    function forfeit() external nonReentrant {
        Phase current = phase;
        if (current != Phase.RevealSelected && current != Phase.RevealRest) {
            revert WrongPhase(uint8(current), uint8(Phase.RevealRest));
        }
        if (block.timestamp < revealDeadline) revert RevealWindowOpen(revealDeadline, block.timestamp);
        uint256 count = contributions.length;
        uint256 share = count == 0 ? 0 : bounty / count;
        uint256 dust = bounty - share * count;
        phase = Phase.Forfeited;
        forfeitSharePerContribution = share;
        owed = share * count;
        burned = dust;
        emit MarketForfeited(share, dust);
        _sendValue(BURN_ADDRESS, dust);
    }

    /// @notice What `account` may withdraw from this market now, in wei (after a forfeit: its share of the
    /// bounty; after an abandonment: the stakes the settlement collected; the other stakes are refunded
    /// through the trainer).
    /// @param account The account.
    /// @return amount The wei.
    function withdrawable(address account) public view returns (uint256 amount) {
        Account memory a = accounts[account];
        if (phase == Phase.Withdraw) return a.balance;
        if (phase == Phase.Forfeited) return uint256(a.balance) / stake * forfeitSharePerContribution;
        if (phase == Phase.Abandoned) return uint256(a.collected) * stake;
        return 0;
    }

    /// @notice Withdraws everything the caller is owed: its stakes and rewards after the settlement, its
    /// share of a forfeited bounty, or its collected stakes after an abandonment.
    /// @return amount The wei paid to the caller.
    function withdraw() external nonReentrant returns (uint256 amount) {
        Phase current = phase;
        if (current != Phase.Withdraw && current != Phase.Forfeited && current != Phase.Abandoned) {
            revert WrongPhase(uint8(current), uint8(Phase.Withdraw));
        }
        amount = withdrawable(msg.sender);
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        Account storage account = accounts[msg.sender];
        account.balance = 0;
        account.collected = 0;
        owed -= amount;
        emit Withdrawn(msg.sender, amount);
        _sendValue(msg.sender, amount);
    }

    // -- views -------------------------------------------------------------------------------------

    /// @notice How many contributions were added.
    function contributionCount() external view returns (uint256) {
        return contributions.length;
    }

    /// @notice How many different contributors there are.
    function contributorCount() external view returns (uint256) {
        return contributors.length;
    }

    /// @notice How many pieces the test set has.
    function pieceCount() external view returns (uint256) {
        return pieceHashes.length;
    }

    // -- internals ---------------------------------------------------------------------------------

    /// @dev Reverts unless the caller is the sponsor.
    function _onlySponsor() private view {
        if (msg.sender != sponsor) revert NotSponsor(msg.sender, sponsor);
    }

    /// @dev The selection mask drawn from the commitment block's hash.
    function _drawSelection() private view returns (uint256 mask) {
        if (block.number <= commitBlock) revert SelectionNotReady(commitBlock);
        bytes32 hash = blockhash(commitBlock);
        if (hash == bytes32(0)) revert SelectionExpired(commitBlock);
        uint256 pieces = pieceHashes.length;
        uint256 seed = uint256(keccak256(abi.encode(hash, address(this))));
        for (uint256 chosen = 0; chosen < revealCount; seed = uint256(keccak256(abi.encode(seed)))) {
            uint256 bit = 1 << (seed % pieces);
            if (mask & bit == 0) {
                mask |= bit;
                ++chosen;
            }
        }
    }

    /// @dev Reverts unless there are as many salts, row lists and label lists as indices.
    function _checkCounts(
        uint256[] calldata indices,
        bytes32[] calldata salts,
        int64[][][] calldata rows,
        uint64[][] calldata labels
    ) private pure {
        uint256 n = indices.length;
        if (salts.length != n || rows.length != n || labels.length != n) {
            uint256 fewest = salts.length < rows.length ? salts.length : rows.length;
            revert PieceCountMismatch(n, fewest < labels.length ? fewest : labels.length);
        }
    }

    /// @dev Checks and records revealed pieces among `allowed`; returns the revealed mask.
    function _reveal(
        uint256[] calldata indices,
        bytes32[] calldata salts,
        int64[][][] calldata rows,
        uint64[][] calldata labels,
        uint256 allowed
    ) private returns (uint256 revealed) {
        _checkCounts(indices, salts, rows, labels);
        revealed = revealedMask;
        IClassifier model = IMarketTrainer(trainer).classifier();
        uint64 numClasses = model.numClasses();
        uint256 count = pieceHashes.length;
        uint256 most;
        for (uint256 k = 0; k < indices.length; ++k) {
            uint256 index = indices[k];
            if (index >= count) revert UnknownPiece(index, count);
            uint256 bit = 1 << index;
            if (revealed & bit != 0) revert PieceAlreadyRevealed(index);
            if (allowed & bit == 0) revert PieceNotRequested(index);
            _checkShape(index, rows[k], labels[k]);
            (bytes32 hash, uint256 gasUsed) = _examine(index, salts[k], rows[k], labels[k], model, numClasses);
            if (hash != pieceHashes[index]) revert PieceMismatch(index, pieceHashes[index], hash);
            if (gasUsed > MAX_PIECE_GAS) revert PieceTooCostly(index, gasUsed, MAX_PIECE_GAS);
            revealed |= bit;
            if (gasUsed > most) most = gasUsed;
            emit PieceRevealed(index, salts[k], rows[k], labels[k], gasUsed);
        }
        revealedMask = revealed;
        if (most > maxPieceGas) maxPieceGas = most;
    }

    /// @dev What one evaluation of piece `index` does, measured: label checks, its hash, a prediction per
    /// row (reverting on a row the model cannot read). Returns the hash and the gas used.
    function _examine(
        uint256 index,
        bytes32 salt,
        int64[][] calldata rows,
        uint64[] calldata labels,
        IClassifier model,
        uint64 numClasses
    ) private view returns (bytes32 hash, uint256 gasUsed) {
        uint256 start = gasleft();
        if (labels.length != rows.length) revert WrongPieceShape(index, rows.length, labels.length, rows.length);
        hash = _hashPiece(salt, rows, labels);
        for (uint256 r = 0; r < rows.length; ++r) {
            if (labels[r] >= numClasses) revert InvalidTestRow(index, r);
            try model.predict(rows[r]) returns (uint64) {}
            catch {
                revert InvalidTestRow(index, r);
            }
        }
        gasUsed = start - gasleft();
    }

    /// @dev Reverts unless piece `index` has the committed number of rows and labels.
    function _checkShape(uint256 index, int64[][] calldata rows, uint64[] calldata labels) private view {
        if (rows.length != rowsPerPiece || labels.length != rowsPerPiece) {
            revert WrongPieceShape(index, rows.length, labels.length, rowsPerPiece);
        }
    }

    /// @dev The salted hash of a piece, as committed: `keccak256(abi.encode(salt, rows, labels))`.
    function _hashPiece(bytes32 salt, int64[][] calldata rows, uint64[] calldata labels)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(salt, rows, labels));
    }

    /// @dev The first evaluation piece (not selected at the start) from index `from` on; the piece count if none.
    function _nextEvaluationPiece(uint256 from) private view returns (uint256 index) {
        uint256 count = pieceHashes.length;
        uint256 selected = selectedMask;
        for (index = from; index < count && selected & (1 << index) != 0; ++index) {}
    }

    /// @dev Reverts if a failed call probably ran out of gas (it would make the replay depend on the gas sent).
    function _checkNotOutOfGas(uint256 before) private view {
        if (gasleft() < before / OUT_OF_GAS_DIVISOR) revert ReplayOutOfGas();
    }

    /// @dev Creates the replay copy of `h_0`, to be evaluated next. Returns false unless it is the call's
    /// first step (a deployment's gas is not known in advance: it gets the whole call).
    function _startReplay(Settlement memory s, bytes calldata initCode, uint256 steps) private returns (bool) {
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
        _startEvaluation(s);
        emit ReplayStarted(s.replay, model);
        return true;
    }

    /// @dev Replays contribution `s.cursor` (then the model is evaluated if it changed). Returns false (if
    /// `steps > 0`) when its sample is not in `xs`.
    function _replayOne(Settlement memory s, uint256 first, int64[][] calldata xs, uint256 steps)
        private
        returns (bool)
    {
        uint256 index = s.cursor;
        Contribution memory c = contributions[index];
        Account storage account = accounts[c.contributor];
        bool updated;
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
            updated = true;
            try IClassifier(s.model).update(x, c.label) {}
            catch {
                _checkNotOutOfGas(before);
                updated = false;
            }
            emit ContributionReplayed(index, updated);
        }
        s.cursor = uint64(index + 1);
        if (updated) {
            _startEvaluation(s); // the model changed: measure its loss
        } else if (index + 1 == contributions.length) {
            _startScan(s); // the model did not change (skipped or removed): its loss did not either
        }
        return true;
    }

    /// @dev Moves the settlement to the evaluation of the current replay model.
    function _startEvaluation(Settlement memory s) private view {
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
    ) private returns (bool, uint256, uint256) {
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
    function _startScan(Settlement memory s) private pure {
        s.stage = STAGE_SCAN;
        s.cursor = 0;
        s.minAfford = type(uint128).max;
    }

    /// @dev Looks at contributor `s.cursor`: does it afford the fewest rounds so far?
    function _scanOne(Settlement memory s) private view {
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
    function _payOne(Settlement memory s) private {
        uint256 index = s.cursor;
        address who = contributors[index];
        Account storage account = accounts[who];
        bool removing = s.minAfford < s.roundsLeft;
        if (!account.removed) {
            int256 score = account.score;
            int256 change = int256(uint256(s.roundsNow)) * score;
            uint256 balance = uint256(int256(uint256(account.balance)) + change);
            owed = uint256(int256(owed) + change);
            account.score = 0;
            if (removing && index == s.worst) {
                account.removed = true;
                account.balance = 0;
                activeContributors -= 1;
                owed -= balance;
                emit ContributorRemoved(who, s.replay, balance);
            } else {
                account.balance = uint128(balance);
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

    /// @dev Ends the settlement: what contributors are not owed is burned (sent by the caller).
    function _finish() private {
        phase = Phase.Withdraw;
        uint256 toBurn = address(this).balance - owed;
        burned = toBurn;
        emit Settled(owed, toBurn);
        if (contributions.length == 0) _sendValue(BURN_ADDRESS, toBurn);
    }
}
