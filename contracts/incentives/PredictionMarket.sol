// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClassifier} from "../models/Classifier.sol";
import {IIncentiveMechanism} from "./IncentiveMechanism.sol";
import {IMarketTrainer} from "./IMarketTrainer.sol";
import {MarketSettlement} from "./MarketSettlement.sol";

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
/// Removal replays reuse what is known. Before the removed contributor's first contribution, the new replay
/// is the previous one: it replays those updates (to rebuild the model) but reads their test errors from
/// `errorsAfter` instead of evaluating the model again; only what follows is evaluated.
///
/// Bounded steps. Each transaction fits `TX_GAS_CAP` (EIP-7825) whatever the test set's size. `settle` does
/// at most `maxSteps` steps, each of bounded gas: create the replay model; replay one contribution (its
/// update already fitted in the transaction that added it); evaluate the model on ONE test piece (a piece's
/// evaluation is bounded at commit from its shape, `pieceGasBound <= MAX_PIECE_GAS`, and measured again when
/// it is revealed), keeping the partial error count and the next piece in storage; or tally one
/// contributor. It stops early when the gas left could not cover its heaviest step so far. The model is
/// evaluated after every contribution whose update changed it (each model's `update` says whether it did),
/// never per change of contributor: a contribution that changes nothing costs its replay and no evaluation,
/// and the settlement's cost does not depend on how contributions interleave. The test set is not stored: each `settle` call carries the evaluation pieces
/// it needs (the sponsor revealed them, with their salts, in `PieceRevealed` events, so anyone can push
/// the settlement), each checked against its hash.
///
/// A way out. If no `settle` call makes progress for `revealWindow` seconds, anyone may `abandon` the
/// settlement: every contributor gets its stakes back, less what the rounds already paid took from them
/// (`penalties`: a removed contributor gets nothing, as in a finished settlement), and the whole bounty is
/// burned. Not returned to the sponsor, who would otherwise get the contributors' data for free by making
/// settlement fail; not shared among contributors, who would otherwise profit from stalling it.
///
/// Forfeit. If the sponsor does not reveal in time, anyone may `forfeit` the market: contributors get their
/// stakes back and the whole bounty is burned. Not shared per contribution: a sponsor could otherwise add
/// harmless contributions of its own, never reveal, and win most of its bounty back with the data of the
/// others. A piece that cannot be revealed (its evaluation above `MAX_PIECE_GAS`) is refused at commit, from
/// its shape, so a forfeit is always the sponsor's choice, and it costs the sponsor the whole bounty.
///
/// The replay model is created for each replay from init code whose hash was fixed at deployment
/// (`modelInitCodeHash`: the model's creation code with the constructor arguments of the trainer's
/// initial model, bound to this market), so every replay provably starts from the same `h_0`; sumkit
/// builds it from the same parameters as the trainer's model. Only models deployed in one transaction
/// can be replayed.
contract PredictionMarket is MarketSettlement, IIncentiveMechanism {
    /// @notice Participation may end this many seconds after it opened (or after `minContributions`).
    uint256 public immutable minDuration;
    /// @notice Participation may end after this many contributions (or after `minDuration`).
    uint256 public immutable minContributions;
    /// @notice Seconds the sponsor has to reveal (the selected pieces after committing, the rest after the
    /// end), then anyone may call `forfeit`; also the longest the settlement may go without progress before
    /// anyone may call `abandon`.
    uint256 public immutable revealWindow;

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
    ) MarketSettlement(trainer_, stake_, modelInitCodeHash_) {
        if (stake_ == 0) revert StakeTooLow(1, 0);
        if (revealWindow_ < MIN_WINDOW || revealWindow_ > MAX_WINDOW) {
            revert RevealWindowOutOfRange(revealWindow_, MIN_WINDOW, MAX_WINDOW);
        }
        if (minDuration_ < MIN_WINDOW || minDuration_ > MAX_WINDOW) {
            revert MinDurationOutOfRange(minDuration_, MIN_WINDOW, MAX_WINDOW);
        }
        if (minContributions_ == 0) revert MinContributionsZero();
        minDuration = minDuration_;
        minContributions = minContributions_;
        revealWindow = revealWindow_;
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
    /// @param rowsPerPiece_ The rows in every piece.
    /// @param maxRowLength_ The most values in a row (a reveal refuses longer rows). With `rowsPerPiece_`, it
    /// bounds a piece's evaluation (`pieceGasBound`), which must be at most `MAX_PIECE_GAS`: a piece that
    /// could not be revealed and evaluated within one transaction is refused here, not at the reveal.
    /// @param revealCount_ How many pieces the contract picks for the sponsor to reveal at once.
    function commitTestSet(bytes32[] calldata hashes, uint256 rowsPerPiece_, uint256 maxRowLength_, uint256 revealCount_)
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
        uint256 gasBound = pieceGasBound(rowsPerPiece_, maxRowLength_);
        if (gasBound > MAX_PIECE_GAS) revert PieceTooLarge(rowsPerPiece_, maxRowLength_, gasBound, MAX_PIECE_GAS);
        // The bound keeps rowsPerPiece_ <= MAX_ROWS_PER_PIECE and maxRowLength_ < 2**32 (the casts below), and
        // the evaluation rows (at most 254 x 400) countable in the settlement's uint32 error counts.
        uint256 testRows = (pieces - revealCount_) * rowsPerPiece_;
        if (msg.value == 0 || msg.value > type(uint96).max || msg.value % testRows != 0) {
            revert InvalidBounty(msg.value, testRows);
        }
        phase = Phase.RevealSelected;
        sponsor = msg.sender;
        bounty = msg.value;
        rowsPerPiece = uint32(rowsPerPiece_);
        maxRowLength = uint32(maxRowLength_);
        revealCount = uint8(revealCount_);
        commitBlock = block.number;
        revealDeadline = block.timestamp + revealWindow;
        pieceHashes = hashes;
        emit TestSetCommitted(msg.sender, msg.value, pieces, rowsPerPiece_, maxRowLength_, revealCount_, block.number);
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

    /// @notice The most gas the evaluation of a piece of `rows` rows of up to `rowLength` values may take with
    /// the trainer's model: `rows * (PIECE_ROW_GAS + numClasses * (PIECE_CLASS_GAS + rowLength * PIECE_VALUE_GAS))`
    /// (the worst case of the kit's models, measured in its tests). `commitTestSet` refuses pieces above
    /// `MAX_PIECE_GAS`.
    /// @param rows The rows per piece.
    /// @param rowLength The most values in a row.
    /// @return gasBound The bound (`type(uint256).max` if it would not fit 256 bits).
    function pieceGasBound(uint256 rows, uint256 rowLength) public view returns (uint256 gasBound) {
        uint256 classes = IMarketTrainer(trainer).classifier().numClasses();
        if (rows > MAX_PIECE_GAS || rowLength > MAX_PIECE_GAS || classes > MAX_PIECE_GAS) return type(uint256).max;
        return rows * (PIECE_ROW_GAS + classes * (PIECE_CLASS_GAS + rowLength * PIECE_VALUE_GAS));
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
                initialErrors: 0,
                reusing: false,
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
    /// contributor gets its stakes back (those the settlement collected with `withdraw`, the others with the
    /// trainer's `refund`) less what the rounds already paid took from them (`penalties`; a removed
    /// contributor gets nothing), and the whole bounty is burned: neither returned to the sponsor (who would
    /// then get the data for free by making settlement fail) nor shared (which would pay for stalling it).
    function abandon() external nonReentrant inPhase(Phase.Settle) {
        if (block.timestamp < progressDeadline) revert SettlementNotStalled(progressDeadline, block.timestamp);
        Settlement memory s = settlement;
        uint256 collected = s.replay > 1 || s.stage >= STAGE_SCAN ? contributions.length : s.cursor;
        phase = Phase.Abandoned;
        owed = collected * stake - penalties;
        uint256 toBurn = address(this).balance - owed;
        burned = toBurn;
        emit SettlementAbandoned(owed, toBurn);
        _sendValue(BURN_ADDRESS, toBurn);
    }

    /// @notice If the sponsor did not reveal in time, anyone may end the market: the whole bounty is burned
    /// (sent where nobody, the sponsor included, controls it) and each contributor gets its stakes back with
    /// the trainer's `refund`. The bounty is not shared per contribution: a sponsor could add harmless
    /// contributions of its own, never reveal, and win its bounty back with the others' data.
    function forfeit() external nonReentrant {
        Phase current = phase;
        if (current != Phase.RevealSelected && current != Phase.RevealRest) {
            revert WrongPhase(uint8(current), uint8(Phase.RevealRest));
        }
        if (block.timestamp < revealDeadline) revert RevealWindowOpen(revealDeadline, block.timestamp);
        uint256 toBurn = bounty;
        phase = Phase.Forfeited;
        owed = 0;
        burned = toBurn;
        emit MarketForfeited(toBurn);
        _sendValue(BURN_ADDRESS, toBurn);
    }

    /// @notice What `account` may withdraw from this market now, in wei (after the settlement: its stakes and
    /// rewards; after an abandonment: the stakes the settlement collected, less its penalties, nothing if it
    /// was removed; the other stakes are refunded through the trainer, as are all stakes after a forfeit).
    /// @param account The account.
    /// @return amount The wei.
    function withdrawable(address account) public view returns (uint256 amount) {
        Account memory a = accounts[account];
        if (phase == Phase.Withdraw) return a.balance;
        if (phase == Phase.Abandoned && !a.removed) {
            uint256 staked = uint256(a.collected) * stake;
            return a.balance < staked ? a.balance : staked;
        }
        return 0;
    }

    /// @notice Withdraws everything the caller is owed: its stakes and rewards after the settlement, or its
    /// collected stakes (less its penalties) after an abandonment.
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
        uint256 longest = maxRowLength;
        uint256 count = pieceHashes.length;
        uint256 most;
        for (uint256 k = 0; k < indices.length; ++k) {
            uint256 index = indices[k];
            if (index >= count) revert UnknownPiece(index, count);
            uint256 bit = 1 << index;
            if (revealed & bit != 0) revert PieceAlreadyRevealed(index);
            if (allowed & bit == 0) revert PieceNotRequested(index);
            _checkShape(index, rows[k], labels[k]);
            (bytes32 hash, uint256 gasUsed) = _examine(index, salts[k], rows[k], labels[k], model, numClasses, longest);
            if (hash != pieceHashes[index]) revert PieceMismatch(index, pieceHashes[index], hash);
            if (gasUsed > MAX_PIECE_GAS) revert PieceTooCostly(index, gasUsed, MAX_PIECE_GAS); // not a kit model
            revealed |= bit;
            if (gasUsed > most) most = gasUsed;
            emit PieceRevealed(index, salts[k], rows[k], labels[k], gasUsed);
        }
        revealedMask = revealed;
        if (most > maxPieceGas) maxPieceGas = most;
    }

    /// @dev What one evaluation of piece `index` does, measured: label checks, its hash, a prediction per
    /// row (reverting on a row longer than `longest` or that the model cannot read). Returns the hash and the
    /// gas used.
    function _examine(
        uint256 index,
        bytes32 salt,
        int64[][] calldata rows,
        uint64[] calldata labels,
        IClassifier model,
        uint64 numClasses,
        uint256 longest
    ) private view returns (bytes32 hash, uint256 gasUsed) {
        uint256 start = gasleft();
        hash = _hashPiece(salt, rows, labels);
        for (uint256 r = 0; r < rows.length; ++r) {
            if (rows[r].length > longest) revert TestRowTooLong(index, r, rows[r].length, longest);
            if (labels[r] >= numClasses) revert InvalidTestRow(index, r);
            try model.predict(rows[r]) returns (uint64) {}
            catch {
                revert InvalidTestRow(index, r);
            }
        }
        gasUsed = start - gasleft();
    }
}
