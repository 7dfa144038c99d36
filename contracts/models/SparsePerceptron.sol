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
/// @dev Parameters are fixed point (`SCALE = 1e9`), stored as 42-bit signed integers (from -2**41 to
/// 2**41 - 1: about +-2,199 in real units), six to a storage word. Parameter 0 is the intercept and
/// parameter `i + 1` the weight of feature `i`; parameter `p` lives in word `p / 6`, bits `42 * (p % 6)`.
/// A prediction reads one word per group of six neighbouring parameters, and the intercept shares its
/// word with the first five weights. A model with many features is deployed in chunks: the constructor
/// takes the first pre-packed words, `extend` the rest, `finalize` locks them (see `ModelSetup`); when the
/// constructor receives every word the model is finalized at once.
/// It is an `IClassifier` (`predict`, `update`, `numClasses`, and `finalized` from `ModelSetup`).
contract SparsePerceptron is TrainerOwned, ModelSetup {
    /// @notice Fixed-point scale: the real number 1.0 is stored as `SCALE`.
    int256 public constant SCALE = 1e9;
    /// @notice Parameters stored per 256-bit storage word.
    uint256 public constant PARAMS_PER_WORD = 6;
    /// @notice Bits per stored parameter.
    uint256 public constant BITS = 42;
    /// @notice The largest value a parameter can hold, fixed point: `2**41 - 1`.
    int256 public constant MAX_PARAMETER = 2199023255551;
    /// @notice The smallest value a parameter can hold, fixed point: `-2**41`.
    int256 public constant MIN_PARAMETER = -2199023255552;
    /// @notice The bits of one stored parameter: `2**42 - 1`.
    uint256 private constant MASK = 0x3ffffffffff;
    /// @notice `256 - BITS`: shifting a parameter's top bit to bit 255 and back sign-extends it.
    uint256 private constant TOP = 214;
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
    /// `value`, outside the range `[min, max]` its 42 bits hold.
    error ParameterOutOfRange(uint256 index, int256 value, int256 min, int256 max);
    /// @notice The learning rate must be positive and at most `max` (fixed point).
    error InvalidLearningRate(int256 learningRate, int256 max);

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
            _words[i] = words[i];
        }
        emit ParametersLoaded(0, words.length);
        if (words.length == n) _finalize();
    }

    /// @notice Stores more packed parameter words, from word `firstWord` on. Only the deployer, during setup.
    /// @param firstWord The index of the first word sent.
    /// @param words The packed words (six 42-bit parameters each, parameter `p` at bits `42 * (p % 6)`).
    function extend(uint256 firstWord, uint256[] calldata words) external onlyDuringSetup {
        uint256 n = numWords;
        _checkWords(firstWord, words.length, n);
        for (uint256 i = 0; i < words.length; ++i) {
            _words[firstWord + i] = words[i];
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
    /// @dev Checks the indices with `SparseInput`'s rules in the same loop, before reading each word, so
    /// every word read is a parameter word. Unchecked arithmetic is safe: each term fits in 42 bits and a sample has far fewer than 2**200 of them.
    /// @param x The indices of the active features, strictly increasing.
    /// @return s The decision value.
    function score(int64[] calldata x) public view returns (int256 s) {
        uint256 n = numFeatures;
        uint256 bad = type(uint256).max; // the position of the first invalid index, if any
        assembly ("memory-safe") {
            let base := _words.slot
            let current := 0
            let word := sload(base)
            s := sar(TOP, shl(TOP, word))
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
                    current := w
                    word := sload(add(base, w))
                }
                s := add(s, sar(TOP, shl(sub(TOP, mul(BITS, mod(p, PARAMS_PER_WORD))), word)))
            }
        }
        if (bad != type(uint256).max) SparseInput.fail(x, bad, n);
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
    /// @dev `score` checks the indices. Each touched storage word is read and written once: the indices
    /// are increasing, so the words are too. A parameter leaving its 42 bits stops the loop and reverts.
    function update(int64[] calldata x, uint64 label) external onlyTrainer {
        if (label >= NUM_CLASSES) revert LabelOutOfRange(label, NUM_CLASSES);
        if (predict(x) == label) return;
        int256 step = label == 1 ? learningRate : -learningRate;
        int256 newIntercept;
        uint256 bad = type(uint256).max; // the position in `x` of an overflowing weight, if any
        int256 badValue;
        assembly ("memory-safe") {
            let base := _words.slot
            let current := 0
            let word := sload(base)
            newIntercept := add(sar(TOP, shl(TOP, word)), step)
            word := or(and(word, not(MASK)), and(newIntercept, MASK))
            let end := add(x.offset, shl(5, x.length))
            for { let ptr := x.offset } lt(ptr, end) { ptr := add(ptr, 32) } {
                let p := add(calldataload(ptr), 1)
                let w := div(p, PARAMS_PER_WORD)
                if iszero(eq(w, current)) {
                    sstore(add(base, current), word)
                    current := w
                    word := sload(add(base, w))
                }
                let shift := mul(BITS, mod(p, PARAMS_PER_WORD))
                let value := add(sar(TOP, shl(sub(TOP, shift), word)), step)
                if or(slt(value, not(MAX_PARAMETER)), sgt(value, MAX_PARAMETER)) {
                    bad := shr(5, sub(ptr, x.offset))
                    badValue := value
                    break
                }
                word := or(and(word, not(shl(shift, MASK))), shl(shift, and(value, MASK)))
            }
            sstore(add(base, current), word)
        }
        if (newIntercept < MIN_PARAMETER || newIntercept > MAX_PARAMETER) {
            revert ParameterOutOfRange(numFeatures, newIntercept, MIN_PARAMETER, MAX_PARAMETER);
        }
        if (bad != type(uint256).max) {
            revert ParameterOutOfRange(uint256(int256(x[bad])), badValue, MIN_PARAMETER, MAX_PARAMETER);
        }
        emit ModelUpdated(label, newIntercept);
    }

    /// @dev Parameter `slot` of `word`, sign-extended from 42 bits.
    function _get(uint256 word, uint256 slot) private pure returns (int256) {
        unchecked {
            return int256(word << (TOP - BITS * slot)) >> TOP;
        }
    }

    /// @dev `word` with parameter `slot` replaced by `value` (which fits in 42 bits).
    function _set(uint256 word, uint256 slot, int256 value) private pure returns (uint256) {
        unchecked {
            uint256 shift = BITS * slot;
            return (word & ~(MASK << shift)) | ((uint256(value) & MASK) << shift);
        }
    }
}
