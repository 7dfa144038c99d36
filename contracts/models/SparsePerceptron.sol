// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {ModelSetup} from "./ModelSetup.sol";
import {SparseInput} from "./SparseInput.sol";

/// @title SparsePerceptron
/// @notice A binary perceptron over sparse binary features: a sample is the list of the indices of its
/// active features (strictly increasing). Predicts 1 when `intercept + sum(weights[i] for active i) > 0`,
/// else 0. When it gets a sample wrong it learns: `weights[i] += sign * learningRate` for every active
/// `i`, and `intercept += sign * learningRate`, with `sign = +1` for label 1 and `-1` for label 0.
/// @dev Parameters are fixed point (`SCALE = 1e9`) from -2**40 to 2**40 - 1 (about +-1,099 in real units),
/// six to a storage word in 42-bit fields. Parameter 0 is the intercept and parameter `i + 1` the weight of
/// feature `i`; parameter `p` lives in word `p / 6`, bits `42 * (p % 6)`. A field holds `value + OFFSET`
/// (offset binary, always in [0, 2**41)) in its low 41 bits; its top bit, the guard, is always 0. So an update
/// adds (or subtracts) `learningRate` to every active field of a word with one addition, and a guard bit that
/// turns 1 shows that a parameter left its range (a field cannot carry into its neighbour: the guard absorbs it).
/// A prediction reads one word per group of six neighbouring parameters; an update reads each touched word
/// once, keeps it in memory and writes it once. A model with many features is deployed in chunks: the
/// constructor takes the first pre-packed words, `extend` the rest, `finalize` locks them (see `ModelSetup`);
/// when the constructor receives every word the model is finalized at once.
/// It is an `IClassifier` (`predict`, `update`, `numClasses`, and `finalized` from `ModelSetup`).
contract SparsePerceptron is TrainerOwned, ModelSetup {
    /// @notice Fixed-point scale: the real number 1.0 is stored as `SCALE`.
    int256 public constant SCALE = 1e9;
    /// @notice Parameters stored per 256-bit storage word.
    uint256 public constant PARAMS_PER_WORD = 6;
    /// @notice Bits per stored parameter: 41 value bits and a guard bit.
    uint256 public constant BITS = 42;
    /// @notice The largest value a parameter can hold, fixed point: `2**40 - 1`.
    int256 public constant MAX_PARAMETER = 1099511627775;
    /// @notice The smallest value a parameter can hold, fixed point: `-2**40`.
    int256 public constant MIN_PARAMETER = -1099511627776;
    /// @notice A parameter `v` is stored as `v + OFFSET` (`2**40`), so every stored field is non-negative.
    int256 public constant OFFSET = 1099511627776;
    /// @notice The bits of one stored parameter: `2**42 - 1`.
    uint256 private constant FIELD_MASK = 0x3ffffffffff;
    /// @notice The guard bit of each of a word's six fields (bit `42 * j + 41`).
    uint256 private constant GUARDS = 0x800000000020000000000800000000020000000000800000000020000000000;
    /// @notice The value bits of a word's six fields: a well-formed word has no other bit set.
    uint256 private constant VALUE_BITS = 0x7fffffffffdffffffffff7fffffffffdffffffffff7fffffffffdffffffffff;
    /// @notice Bytes of memory per word kept by an update: its index, its value and its touched fields.
    uint256 private constant ENTRY_BYTES = 96;
    /// @notice A perceptron separates two classes.
    uint64 private constant NUM_CLASSES = 2;

    /// @notice How many features the model has; a sample's indices lie in `[0, numFeatures)`.
    uint256 public immutable numFeatures;
    /// @notice The learning rate, fixed point.
    int256 public immutable learningRate;
    /// @notice How many storage words hold the parameters (`ceil((numFeatures + 1) / 6)`).
    uint256 public immutable numWords;

    /// @dev The packed parameters (intercept, then the weights): word `w` is `_words[w]`. A fixed-size array
    /// (far larger than any model) puts word `w` at slot `_words.slot + w`: no hashing per access.
    uint256[1 << 64] private _words;

    /// @notice The model learned from a sample it got wrong; `intercept` is its new intercept.
    event ModelUpdated(uint64 label, int256 intercept);

    /// @notice Perceptron labels are 0 or 1.
    error LabelOutOfRange(uint64 label, uint64 numClasses);
    /// @notice Updating parameter `index` (a feature, or `numFeatures` for the intercept) would give
    /// `value`, outside the range `[min, max]` its 41 bits hold.
    error ParameterOutOfRange(uint256 index, int256 value, int256 min, int256 max);
    /// @notice The learning rate must be positive and at most `max` (fixed point).
    error InvalidLearningRate(int256 learningRate, int256 max);
    /// @notice Packed word `index` has a bit set outside its six parameters' 41 value bits (each field's guard
    /// bit, and the word's top 4 bits, must be 0).
    error MalformedWord(uint256 index, uint256 word);

    /// @param trainer_ The `CollaborativeTrainer` that owns this model.
    /// @param numFeatures_ How many features the model has.
    /// @param learningRate_ The learning rate, fixed point (`1e9` means 1.0).
    /// @param words The first packed parameter words (all `numWords` of them for a model deployed in one
    /// transaction, which is then finalized at once).
    constructor(address trainer_, uint256 numFeatures_, int256 learningRate_, uint256[] memory words)
        TrainerOwned(trainer_)
    {
        if (learningRate_ <= 0 || learningRate_ > MAX_PARAMETER) {
            revert InvalidLearningRate(learningRate_, MAX_PARAMETER);
        }
        uint256 n = (numFeatures_ + PARAMS_PER_WORD) / PARAMS_PER_WORD;
        _checkWords(0, words.length, n);
        numFeatures = numFeatures_;
        learningRate = learningRate_;
        numWords = n;
        for (uint256 i = 0; i < words.length; ++i) {
            _store(i, words[i]);
        }
        emit ParametersLoaded(0, words.length);
        if (words.length == n) _finalize();
    }

    /// @notice Stores more packed parameter words, from word `firstWord` on. Only the deployer, during setup.
    /// @param firstWord The index of the first word sent.
    /// @param words The packed words (six parameters each, parameter `p` at bits `42 * (p % 6)`, stored as
    /// `value + OFFSET` in the field's low 41 bits).
    function extend(uint256 firstWord, uint256[] calldata words) external onlyDuringSetup {
        uint256 n = numWords;
        _checkWords(firstWord, words.length, n);
        for (uint256 i = 0; i < words.length; ++i) {
            _store(firstWord + i, words[i]);
        }
        emit ParametersLoaded(firstWord, words.length);
    }

    /// @notice How many classes the model distinguishes: a perceptron has labels 0 and 1.
    /// @return 2.
    function numClasses() external pure returns (uint64) {
        return NUM_CLASSES;
    }

    /// @notice The weight of feature `feature`, fixed point.
    /// @param feature A feature index in `[0, numFeatures)`.
    /// @return The weight.
    function weight(uint256 feature) public view returns (int256) {
        uint256 p = feature + 1;
        return _get(_words[p / PARAMS_PER_WORD], p % PARAMS_PER_WORD);
    }

    /// @notice All weights, fixed point.
    /// @return w The weights, one per feature.
    function weights() external view returns (int256[] memory w) {
        w = new int256[](numFeatures);
        for (uint256 i = 0; i < w.length; ++i) {
            w[i] = weight(i);
        }
    }

    /// @notice The intercept, fixed point.
    /// @return The intercept.
    function intercept() external view returns (int256) {
        return _get(_words[0], 0);
    }

    /// @notice The decision value `intercept + sum(weights[i] for active i)`, fixed point.
    /// @param x The indices of the active features, strictly increasing.
    /// @return s The decision value.
    function score(int64[] calldata x) public view returns (int256 s) {
        (s,,) = _scan(x, false);
    }

    /// @notice The model's prediction for one sample: 1 when `score(x) > 0`, else 0.
    /// @param x The indices of the active features, strictly increasing.
    /// @return The predicted label.
    function predict(int64[] calldata x) public view returns (uint64) {
        return score(x) > 0 ? 1 : 0;
    }

    /// @notice Learns from one sample when it predicts it wrong (see the contract's notice). Only the trainer.
    /// @param x The indices of the active features, strictly increasing.
    /// @param label The sample's class, 0 or 1.
    /// @dev One pass over `x` scores it and keeps each word it reads; if the prediction is wrong, one addition
    /// per kept word moves all its active parameters, and the guard bits catch a parameter leaving its range
    /// before that word is written (the revert undoes the words written before it).
    /// @return Whether the model changed (false when it already predicted `label`).
    function update(int64[] calldata x, uint64 label) external onlyTrainer returns (bool) {
        if (label >= NUM_CLASSES) revert LabelOutOfRange(label, NUM_CLASSES);
        (int256 s, uint256 entries, uint256 count) = _scan(x, true);
        if ((s > 0 ? 1 : 0) == label) return false;
        uint256 rate = uint256(learningRate);
        bool up = label == 1;
        uint256 overflowAt = type(uint256).max; // the kept word in which a parameter left its range, if any
        uint256 first; // word 0 (the intercept's) after the update
        assembly ("memory-safe") {
            let base := _words.slot
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let entry := add(entries, mul(i, ENTRY_BYTES))
                let word := mload(add(entry, 32))
                // One `rate` per touched field: the fields are 42 bits apart and `rate` < 2**40.
                let delta := mul(mload(add(entry, 64)), rate)
                let updated := sub(word, delta)
                if up { updated := add(word, delta) }
                if and(updated, GUARDS) {
                    overflowAt := i
                    break
                }
                sstore(add(base, mload(entry)), updated)
                if iszero(i) { first := updated }
            }
        }
        if (overflowAt != type(uint256).max) _revertOutOfRange(entries + overflowAt * ENTRY_BYTES, up);
        emit ModelUpdated(label, _get(first, 0));
        return true;
    }

    /// @dev One pass over `x`: checks the indices with `SparseInput`'s rules in the same loop, before reading
    /// each word (so every word read is a parameter word), and returns the decision value `s`. With `keep`, it
    /// also writes one entry per word read (the intercept's word first) to memory from `entries` on: the word's
    /// index, its value, and a 1 at the lowest bit of each field the sample touches. Unchecked arithmetic is
    /// safe: each stored field is below 2**41 and a sample has far fewer than 2**200 indices.
    function _scan(int64[] calldata x, bool keep) private view returns (int256 s, uint256 entries, uint256 count) {
        uint256 n = numFeatures;
        uint256 bad = type(uint256).max; // the position of the first invalid index, if any
        assembly ("memory-safe") {
            let base := _words.slot
            let current := 0
            let word := sload(base)
            let touched := 1 // the intercept: field 0 of word 0
            let sum := and(word, FIELD_MASK)
            entries := mload(0x40)
            let out := entries
            let previous := not(0)
            let end := add(x.offset, shl(5, x.length))
            for { let ptr := x.offset } lt(ptr, end) { ptr := add(ptr, 32) } {
                let index := calldataload(ptr)
                // SparseInput's rules: in [0, n) (a negative index reads as a huge unsigned number) and
                // above the previous index.
                if iszero(and(lt(index, n), sgt(index, previous))) {
                    bad := shr(5, sub(ptr, x.offset))
                    break
                }
                previous := index
                let p := add(index, 1)
                let w := div(p, PARAMS_PER_WORD)
                if iszero(eq(w, current)) {
                    if keep {
                        mstore(out, current)
                        mstore(add(out, 32), word)
                        mstore(add(out, 64), touched)
                        out := add(out, ENTRY_BYTES)
                    }
                    current := w
                    word := sload(add(base, w))
                    touched := 0
                }
                let shift := mul(BITS, mod(p, PARAMS_PER_WORD))
                sum := add(sum, and(shr(shift, word), FIELD_MASK))
                touched := or(touched, shl(shift, 1))
            }
            if keep {
                mstore(out, current)
                mstore(add(out, 32), word)
                mstore(add(out, 64), touched)
                out := add(out, ENTRY_BYTES)
                mstore(0x40, out)
                count := div(sub(out, entries), ENTRY_BYTES)
            }
            // Every stored field is `value + OFFSET`: one OFFSET per term (the intercept and each index).
            s := sub(sum, mul(OFFSET, add(x.length, 1)))
        }
        if (bad != type(uint256).max) SparseInput.fail(x, bad, n);
    }

    /// @dev Reverts with `ParameterOutOfRange` for the first parameter of the kept word at `entry` that the
    /// update moves out of range (a guard bit turned 1 there, so there is one).
    function _revertOutOfRange(uint256 entry, bool up) private view {
        uint256 w;
        uint256 word;
        uint256 touched;
        assembly ("memory-safe") {
            w := mload(entry)
            word := mload(add(entry, 32))
            touched := mload(add(entry, 64))
        }
        int256 step = up ? learningRate : -learningRate;
        for (uint256 slot = 0; slot < PARAMS_PER_WORD; ++slot) {
            int256 value = _get(word, slot) + step;
            if ((touched >> (BITS * slot)) & 1 == 1 && (value < MIN_PARAMETER || value > MAX_PARAMETER)) {
                uint256 p = w * PARAMS_PER_WORD + slot;
                revert ParameterOutOfRange(p == 0 ? numFeatures : p - 1, value, MIN_PARAMETER, MAX_PARAMETER);
            }
        }
        assert(false); // unreachable: a guard bit turns 1 only when a touched field leaves its range
    }

    /// @dev Stores packed word `index`; reverts with `MalformedWord` if a bit outside the value bits is set.
    function _store(uint256 index, uint256 word) private {
        if (word & ~VALUE_BITS != 0) revert MalformedWord(index, word);
        _words[index] = word;
    }

    /// @dev Parameter `slot` of `word`: its field, minus the offset.
    function _get(uint256 word, uint256 slot) private pure returns (int256) {
        return int256((word >> (BITS * slot)) & FIELD_MASK) - OFFSET;
    }
}
