// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {ModelSetup} from "./ModelSetup.sol";
import {SparseInput} from "./SparseInput.sol";

/// @title NaiveBayes
/// @notice A multinomial naive Bayes classifier over sparse binary features (a sample is the strictly
/// increasing list of the indices of its active features; each counts once), for any number of classes.
/// It predicts the class `c` with the largest
/// `ln(classCount[c]) + sum over active f of ln((count[c][f] + alpha) / (classTotal[c] + alpha * numFeatures))`,
/// the log-posterior of scikit-learn's `MultinomialNB` up to a constant (ties go to the lowest class; a class
/// with no samples is never predicted). It learns from every sample: `count[label][f] += 1` for each active
/// `f`, `classTotal[label] += number of active features`, `classCount[label] += 1`.
/// @dev Everything is computed in log space, so long samples never underflow. With `S = SCALE` the score is
/// `ln(classCount) + sum of ln(prod of (count * S + alpha) over groups of 4 features) - k * ln(classTotal * S +
/// alpha * numFeatures)` (the `ln S` terms cancel between numerator and denominator). `ln` is a fixed-point
/// natural logarithm with 64 fractional bits (`2**64` is 1.0), exact to about 1e-9: the leading bit gives
/// the integer part of log2, and the mantissa `m` in [1, 2) goes through `2 * atanh((m - 1) / (m + 1))` (five
/// terms) after folding it into [1, sqrt 2). `alpha` is fixed point (`SCALE = 1e9`) in `[1, MAX_ALPHA]`.
/// Storage packs sixteen 16-bit slots per word; slot `s` lives in word `s / 16`, bits `16 * (s % 16)`. The header
/// holds, for class `c`, `classCount[c]` (32 bits) at slot `4c` and `classTotal[c]` (32 bits) at slot `4c + 2`;
/// `count[c][f]` (16 bits: up to 65,535, so a class learns from at most 65,535 samples with one feature) is
/// slot `4C + f * C + c` (`C` classes). A feature's counts for every class are neighbours, so a
/// prediction reads about one word per active feature. It is an `IClassifier` (through `ModelSetup`). A large model
/// is deployed in chunks (see `ModelSetup`); when the constructor receives every word it is finalized at once.
contract NaiveBayes is TrainerOwned, ModelSetup {
    /// @notice Fixed-point scale of `alpha`: the real number 1.0 is stored as `SCALE`.
    uint256 public constant SCALE = 1e9;
    /// @notice The largest smoothing `alpha`, fixed point (1000.0): keeps every `count * SCALE + alpha` below
    /// 2**63, so four of them multiply without overflow.
    uint256 public constant MAX_ALPHA = 1e12;
    /// @notice Fixed-point scale of the log scores: `ONE` is 1.0 (64 fractional bits).
    int256 public constant ONE = 0x10000000000000000;
    /// @notice 16-bit slots per 256-bit storage word.
    uint256 public constant SLOTS_PER_WORD = 16;
    /// @notice The largest feature count: `2**16 - 1`.
    uint256 public constant MAX_COUNT = 0xffff;
    /// @notice The largest class count or class total: `2**32 - 1`.
    uint256 public constant MAX_TOTAL = 0xffffffff;
    /// @notice The score of a class that has no samples yet (it is never predicted).
    int256 public constant NO_SAMPLES = type(int256).min;
    /// @notice Features multiplied together before one logarithm is taken.
    uint256 private constant GROUP = 4;
    /// @notice `ln 2` with 64 fractional bits.
    uint256 private constant LN2 = 0xb17217f7d1cf79ab;
    /// @notice `sqrt 2` with 64 fractional bits.
    uint256 private constant SQRT2 = 0x16a09e667f3bcc908;
    /// @notice `ONE / 3`, `ONE / 5`, `ONE / 7`, `ONE / 9` (rounded down): the series' coefficients.
    uint256 private constant THIRD = 6148914691236517205;
    uint256 private constant FIFTH = 3689348814741910323;
    uint256 private constant SEVENTH = 2635249153387078802;
    uint256 private constant NINTH = 2049638230412172401;

    /// @notice How many features the model has; a sample's indices lie in `[0, numFeatures)`.
    uint256 public immutable numFeatures;
    /// @notice How many classes the model distinguishes (at least 2).
    uint256 private immutable _numClasses;
    /// @notice The smoothing added to every count, fixed point (`1e9` is scikit-learn's default `alpha=1.0`).
    uint256 public immutable alpha;
    /// @notice How many storage words hold the counts (`ceil((4 + numFeatures) * numClasses / 16)`).
    uint256 public immutable numWords;

    /// @dev The packed counts: word `w` is `_words[w]`. A fixed-size array (far larger than any model) puts
    /// word `w` at slot `_words.slot + w`: no hashing per access.
    uint256[1 << 64] private _words;

    /// @notice The model learned from a sample of class `label`.
    event ModelUpdated(uint64 label);

    /// @notice Label `label` does not exist: labels are `0 .. numClasses - 1`.
    error LabelOutOfRange(uint64 label, uint64 numClasses);
    /// @notice A naive Bayes model needs at least two classes and a feature; `numClasses` and `numFeatures`
    /// were given.
    error InvalidShape(uint256 numClasses, uint256 numFeatures);
    /// @notice The smoothing `alpha` must lie in `[1, max]` (fixed point).
    error InvalidAlpha(uint256 alpha, uint256 max);
    /// @notice Learning this sample would take a count of class `label` past `max`: the count of feature
    /// `feature`, or for `feature == numFeatures` the class count, for `numFeatures + 1` the class total.
    error CountOverflow(uint64 label, uint256 feature, uint256 max);

    /// @param trainer_ The `CollaborativeTrainer` that owns this model.
    /// @param numFeatures_ How many features the model has.
    /// @param numClasses_ How many classes it distinguishes (at least 2).
    /// @param alpha_ The smoothing, fixed point (`1e9` means 1.0).
    /// @param words The first packed count words (all `numWords` of them for a model deployed in one
    /// transaction, which is then finalized at once).
    constructor(address trainer_, uint256 numFeatures_, uint256 numClasses_, uint256 alpha_, uint256[] memory words)
        TrainerOwned(trainer_)
    {
        if (numClasses_ < 2 || numClasses_ > type(uint64).max || numFeatures_ == 0 || numFeatures_ > type(uint64).max)
        {
            revert InvalidShape(numClasses_, numFeatures_);
        }
        if (alpha_ == 0 || alpha_ > MAX_ALPHA) revert InvalidAlpha(alpha_, MAX_ALPHA);
        uint256 n = ((4 + numFeatures_) * numClasses_ + SLOTS_PER_WORD - 1) / SLOTS_PER_WORD;
        _checkWords(0, words.length, n);
        numFeatures = numFeatures_;
        _numClasses = numClasses_;
        alpha = alpha_;
        numWords = n;
        for (uint256 i = 0; i < words.length; ++i) {
            _words[i] = words[i];
        }
        emit ParametersLoaded(0, words.length);
        if (words.length == n) _finalize();
    }

    /// @notice Stores more packed count words, from word `firstWord` on. Only the deployer, during setup.
    /// @param firstWord The index of the first word sent.
    /// @param words The packed words (sixteen 16-bit slots each, slot `s` at bits `16 * (s % 16)`).
    function extend(uint256 firstWord, uint256[] calldata words) external onlyDuringSetup {
        uint256 n = numWords;
        _checkWords(firstWord, words.length, n);
        for (uint256 i = 0; i < words.length; ++i) {
            _words[firstWord + i] = words[i];
        }
        emit ParametersLoaded(firstWord, words.length);
    }

    /// @notice How many classes the model distinguishes; labels are `0 .. numClasses() - 1`.
    /// @return The number of classes.
    function numClasses() external view returns (uint64) {
        return uint64(_numClasses);
    }

    /// @notice How many samples of class `c` the model has learned from (its prior).
    /// @param c A class.
    /// @return The class count.
    function classCount(uint256 c) public view returns (uint256) {
        return _header(c, 0);
    }

    /// @notice The total of the feature counts of class `c` (how many active features its samples had).
    /// @param c A class.
    /// @return The class total.
    function classTotal(uint256 c) public view returns (uint256) {
        return _header(c, 32);
    }

    /// @notice How many samples of class `c` had feature `f` active.
    /// @param c A class.
    /// @param f A feature.
    /// @return The count.
    function count(uint256 c, uint256 f) public view returns (uint256) {
        uint256 s = 4 * _numClasses + f * _numClasses + c;
        return (_words[s / SLOTS_PER_WORD] >> (16 * (s % SLOTS_PER_WORD))) & MAX_COUNT;
    }

    /// @notice The feature counts of class `c`, one per feature.
    /// @param c A class.
    /// @return counts_ The counts.
    function counts(uint256 c) external view returns (uint256[] memory counts_) {
        counts_ = new uint256[](numFeatures);
        uint256 numClasses_ = _numClasses;
        uint256 s = 4 * numClasses_ + c;
        uint256 current = type(uint256).max;
        uint256 word;
        for (uint256 f = 0; f < counts_.length; ++f) {
            if (s / SLOTS_PER_WORD != current) {
                current = s / SLOTS_PER_WORD;
                word = _words[current];
            }
            counts_[f] = (word >> (16 * (s % SLOTS_PER_WORD))) & MAX_COUNT;
            s += numClasses_;
        }
    }

    /// @notice The fixed-point natural logarithm used by the scores: `ln(v)` with 64 fractional bits.
    /// @param v A positive integer.
    /// @return The logarithm times `2**64`, rounded (error below about 1e-9 in real units).
    function ln(uint256 v) public pure returns (int256) {
        return _ln(v);
    }

    /// @notice Each class's log score for `x` (64 fractional bits), `NO_SAMPLES` for a class with no samples.
    /// @param x The indices of the active features, strictly increasing.
    /// @return scores The scores, one per class.
    function logScores(int64[] calldata x) public view returns (int256[] memory scores) {
        uint256 numClasses_ = _numClasses;
        uint256 n = numFeatures;
        uint256 a = alpha;
        uint256 k = x.length;
        scores = new int256[](numClasses_);
        uint256[] memory products = new uint256[](numClasses_);
        unchecked {
            // The prior and the denominator, from the header.
            for (uint256 c = 0; c < numClasses_; ++c) {
                uint256 samples = _header(c, 0);
                scores[c] = samples == 0 ? NO_SAMPLES : _ln(samples) - int256(k) * _ln(_header(c, 32) * SCALE + a * n);
            }
            // The features, in groups of GROUP: the product of `count * SCALE + alpha` per class, then its log.
            uint256 previous = type(uint256).max; // the previous index (none yet)
            uint256 current = type(uint256).max; // the storage word held in `word`
            uint256 word;
            uint256 bad = type(uint256).max; // the position of the first invalid index, if any
            for (uint256 start = 0; start < k; start += GROUP) {
                uint256 groupEnd = start + GROUP < k ? start + GROUP : k;
                assembly ("memory-safe") {
                    let base := _words.slot
                    let end := add(products, shl(5, add(numClasses_, 1)))
                    for { let q := add(products, 32) } lt(q, end) { q := add(q, 32) } { mstore(q, 1) }
                    for { let i := start } lt(i, groupEnd) { i := add(i, 1) } {
                        let index := calldataload(add(x.offset, shl(5, i)))
                        // SparseInput's rules: in [0, n) (a negative index reads as a huge unsigned number)
                        // and above the previous index.
                        if or(iszero(lt(index, n)), iszero(or(eq(previous, not(0)), gt(index, previous)))) {
                            bad := i
                            break
                        }
                        previous := index
                        let s := add(shl(2, numClasses_), mul(index, numClasses_))
                        for { let q := add(products, 32) } lt(q, end) { q := add(q, 32) } {
                            let w := shr(4, s)
                            if iszero(eq(w, current)) {
                                current := w
                                word := sload(add(base, w))
                            }
                            let value := add(mul(and(shr(shl(4, and(s, 15)), word), MAX_COUNT), SCALE), a)
                            mstore(q, mul(mload(q), value))
                            s := add(s, 1)
                        }
                    }
                }
                if (bad != type(uint256).max) SparseInput.fail(x, bad, n);
                for (uint256 c = 0; c < numClasses_; ++c) {
                    if (scores[c] != NO_SAMPLES) scores[c] += _ln(products[c]);
                }
            }
        }
    }

    /// @notice The model's prediction for one sample: the class with the largest log score (the lowest such
    /// class on a tie; class 0 when no class has samples).
    /// @param x The indices of the active features, strictly increasing.
    /// @return label The predicted class.
    function predict(int64[] calldata x) public view returns (uint64 label) {
        int256[] memory scores = logScores(x);
        int256 best = scores[0];
        for (uint256 c = 1; c < scores.length; ++c) {
            if (scores[c] > best) {
                best = scores[c];
                label = uint64(c);
            }
        }
    }

    /// @notice Learns from one sample (see the contract's notice). Only the trainer.
    /// @param x The indices of the active features, strictly increasing.
    /// @param label The sample's class.
    /// @dev The touched slots increase (the class's header, then one count per feature), so each storage word
    /// is read and written once. Overflow is detected in the loop and reverts after it.
    /// @return Always true: the sample's counts changed.
    function update(int64[] calldata x, uint64 label) external onlyTrainer returns (bool) {
        uint256 numClasses_ = _numClasses;
        if (label >= numClasses_) revert LabelOutOfRange(label, uint64(numClasses_));
        uint256 n = numFeatures;
        uint256 k = x.length;
        uint256 bad = type(uint256).max; // the position of the first invalid index, if any
        uint256 overflow = type(uint256).max; // numFeatures (+ 1) if the class count (total) would overflow
        bool fullCount; // whether a feature count would overflow
        assembly ("memory-safe") {
            let base := _words.slot
            // Header: the class count at bit 64 * (label % 4) of word label / 4, the class total 32 bits above.
            let current := shr(2, label)
            let word := sload(add(base, current))
            let shift := shl(6, and(label, 3))
            let samples := and(shr(shift, word), MAX_TOTAL)
            let total := and(shr(add(shift, 32), word), MAX_TOTAL)
            if eq(samples, MAX_TOTAL) { overflow := n }
            if gt(add(total, k), MAX_TOTAL) { overflow := add(n, 1) }
            word := add(word, add(shl(shift, 1), shl(add(shift, 32), k)))
            let first := add(shl(2, numClasses_), label)
            let full := 0 // whether some feature count was already at MAX_COUNT (found below, without a branch)
            let previous := not(0)
            let end := add(x.offset, shl(5, k))
            for { let ptr := x.offset } lt(ptr, end) { ptr := add(ptr, 32) } {
                let index := calldataload(ptr)
                // SparseInput's rules: in [0, n) (a negative index reads as a huge unsigned number) and
                // above the previous index.
                if iszero(and(lt(index, n), sgt(index, previous))) {
                    bad := shr(5, sub(ptr, x.offset))
                    break
                }
                previous := index
                let s := add(first, mul(index, numClasses_))
                let w := shr(4, s)
                if iszero(eq(w, current)) {
                    sstore(add(base, current), word)
                    current := w
                    word := sload(add(base, w))
                }
                shift := shl(4, and(s, 15))
                full := or(full, eq(and(shr(shift, word), MAX_COUNT), MAX_COUNT))
                word := add(word, shl(shift, 1))
            }
            sstore(add(base, current), word)
            if full { fullCount := 1 }
        }
        if (bad != type(uint256).max) SparseInput.fail(x, bad, n);
        if (overflow != type(uint256).max) revert CountOverflow(label, overflow, MAX_TOTAL);
        if (fullCount) {
            for (uint256 i = 0; i < k; ++i) {
                uint256 f = uint256(int256(x[i]));
                if (count(label, f) == 0) revert CountOverflow(label, f, MAX_COUNT); // it wrapped around
            }
        }
        emit ModelUpdated(label);
        return true;
    }

    /// @dev The 32-bit header value of class `c` at bit `offset` (0: class count, 32: class total) of its 64 bits.
    function _header(uint256 c, uint256 offset) private view returns (uint256) {
        return (_words[c / 4] >> (64 * (c % 4) + offset)) & MAX_TOTAL;
    }

    /// @dev `ln(v)` with 64 fractional bits, for `1 <= v < 2**256` (see the contract's dev note).
    function _ln(uint256 v) private pure returns (int256 result) {
        assembly ("memory-safe") {
            // n = the index of v's leading bit (floor(log2 v)).
            let n := shl(7, lt(0xffffffffffffffffffffffffffffffff, v))
            n := or(n, shl(6, lt(0xffffffffffffffff, shr(n, v))))
            n := or(n, shl(5, lt(0xffffffff, shr(n, v))))
            n := or(n, shl(4, lt(0xffff, shr(n, v))))
            n := or(n, shl(3, lt(0xff, shr(n, v))))
            n := or(n, shl(2, lt(0xf, shr(n, v))))
            n := or(n, shl(1, lt(0x3, shr(n, v))))
            n := or(n, lt(0x1, shr(n, v)))
            // m = v / 2**n with 64 fractional bits, in [1, 2).
            let m := 0
            switch lt(n, 64)
            case 1 { m := shl(sub(64, n), v) }
            default { m := shr(sub(n, 64), v) }
            // ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), for m < sqrt 2; else ln(m) = ln 2 - ln(2 / m).
            let one := 0x10000000000000000
            let folded := iszero(lt(m, SQRT2))
            let s := 0
            switch folded
            case 0 { s := div(shl(64, sub(m, one)), add(m, one)) }
            default { s := div(shl(64, sub(shl(1, one), m)), add(shl(1, one), m)) }
            let z := shr(64, mul(s, s))
            let p := add(SEVENTH, shr(64, mul(z, NINTH)))
            p := add(FIFTH, shr(64, mul(z, p)))
            p := add(THIRD, shr(64, mul(z, p)))
            p := add(one, shr(64, mul(z, p)))
            let r := shl(1, shr(64, mul(s, p)))
            switch folded
            case 0 { result := add(mul(n, LN2), r) }
            default { result := sub(mul(add(n, 1), LN2), r) }
        }
    }
}
