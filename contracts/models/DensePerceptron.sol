// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {IClassifier} from "./Classifier.sol";

/// @title DensePerceptron
/// @notice A binary perceptron over dense fixed-point features.
/// Predicts 1 when `intercept + sum(weights[i] * x[i]) > 0`, else 0. When it gets a sample wrong it
/// learns: `weights += sign * learningRate * x` and `intercept += sign * learningRate`, with
/// `sign = +1` for label 1 and `-1` for label 0. Both the weights and the intercept are trained.
/// @dev All numbers are fixed point with `SCALE = 1e9`. Parameters are stored as `int48` (up to about
/// +-140,737 in real units), five to a storage word: parameter `i` lives in word `i / 5`, bits
/// `48 * (i % 5)`; the intercept is parameter `numFeatures`. Packing cuts the storage reads of a
/// prediction by five. Samples are `int64`.
/// Every feature value a sample trains the model with must lie within `+-featureBound`, fixed at deployment: a
/// shared model must bound its inputs, or one sample of huge magnitude (say `x[0] = -100,000` where the data
/// lies within +-3) moves the weights so far that the model gets every honest sample wrong, and then agrees
/// with the poison (its deposit comes back, it counts as good data). Predictions (free calls) take any value.
contract DensePerceptron is TrainerOwned, IClassifier {
    /// @notice Fixed-point scale: the real number 1.0 is stored as `SCALE`.
    int256 public constant SCALE = 1e9;
    /// @notice Parameters stored per 256-bit storage word.
    uint256 private constant PER_WORD = 5;
    /// @notice Bits per stored parameter.
    uint256 private constant BITS = 48;
    /// @notice The bits of one stored parameter.
    uint256 private constant MASK = (1 << BITS) - 1;
    /// @notice A perceptron separates two classes.
    uint64 private constant NUM_CLASSES = 2;

    /// @notice How many features a sample must have.
    uint256 public immutable numFeatures;
    /// @notice The learning rate, fixed point.
    int256 public immutable learningRate;
    /// @notice The largest magnitude of a feature value the model trains with, fixed point (`100e9` means +-100).
    int64 public immutable featureBound;

    /// @dev The packed parameters (weights, then the intercept).
    mapping(uint256 word => uint256) private _words;

    /// @notice The model learned from a sample it got wrong.
    event ModelUpdated(uint64 label, int256 intercept);

    /// @notice A sample has `got` features; this model needs `expected`.
    error WrongFeatureCount(uint256 expected, uint256 got);
    /// @notice Perceptron labels are 0 or 1.
    error LabelOutOfRange(uint64 label, uint64 numClasses);
    /// @notice Parameter `index` would leave the `int48` range it is stored in.
    error ParameterOverflow(uint256 index, int256 value);
    /// @notice The learning rate must be positive; `learningRate` was given (fixed point).
    error NonPositiveLearningRate(int256 learningRate);
    /// @notice The feature bound must be positive; `featureBound` was given (fixed point).
    error NonPositiveFeatureBound(int64 featureBound);
    /// @notice Feature `index` of a training sample is `value`, outside `+-featureBound` (all fixed point).
    error FeatureOutOfRange(uint256 index, int64 value, int64 featureBound);

    /// @param trainer_ The `CollaborativeTrainer` that owns this model.
    /// @param weights The initial weights, fixed point (for example from a scikit-learn Perceptron).
    /// @param intercept The initial intercept, fixed point.
    /// @param learningRate_ The learning rate, fixed point (`1e9` means 1.0); must be positive (with 0 the
    /// model would never learn, below 0 it would learn backwards).
    /// @param featureBound_ The largest magnitude of a feature value `update` accepts, fixed point; must be positive.
    constructor(address trainer_, int48[] memory weights, int48 intercept, int256 learningRate_, int64 featureBound_)
        TrainerOwned(trainer_)
    {
        if (learningRate_ <= 0) revert NonPositiveLearningRate(learningRate_);
        if (featureBound_ <= 0) revert NonPositiveFeatureBound(featureBound_);
        featureBound = featureBound_;
        uint256 n = weights.length;
        numFeatures = n;
        learningRate = learningRate_;
        uint256 word;
        for (uint256 i = 0; i <= n; ++i) {
            int48 value = i < n ? weights[i] : intercept;
            word |= uint256(uint48(value)) << (BITS * (i % PER_WORD));
            if (i % PER_WORD == PER_WORD - 1 || i == n) {
                _words[i / PER_WORD] = word;
                word = 0;
            }
        }
    }

    /// @inheritdoc IClassifier
    function numClasses() external pure returns (uint64) {
        return NUM_CLASSES;
    }

    /// @inheritdoc IClassifier
    /// @dev A dense perceptron is deployed in one transaction: it is complete from the start.
    function finalized() external pure returns (bool) {
        return true;
    }

    /// @notice Weight `i`, or the intercept for `i == numFeatures`, fixed point.
    function parameter(uint256 i) public view returns (int48) {
        return int48(uint48(_words[i / PER_WORD] >> (BITS * (i % PER_WORD))));
    }

    /// @notice All weights, fixed point.
    function weights() external view returns (int48[] memory w) {
        w = new int48[](numFeatures);
        for (uint256 i = 0; i < w.length; ++i) {
            w[i] = parameter(i);
        }
    }

    /// @notice The intercept, fixed point.
    function intercept() external view returns (int48) {
        return parameter(numFeatures);
    }

    /// @notice The decision value `intercept * SCALE + sum(weights[i] * x[i])`, at scale `SCALE**2`.
    function score(int64[] calldata x) public view returns (int256) {
        return _score(x, false);
    }

    /// @dev The decision value; with `bounded`, reverts with `FeatureOutOfRange` for a value outside
    /// `+-featureBound` (one comparison per value: `value + bound` lies in `[0, 2 * bound]` exactly when it is in
    /// range, and a negative sum wraps to a huge unsigned number). Unchecked arithmetic is safe here: each
    /// product of an int48 and an int64 fits in 111 bits, and no sample is long enough for a sum of them to
    /// leave the int256 range.
    function _score(int64[] calldata x, bool bounded) private view returns (int256 s) {
        uint256 n = numFeatures;
        if (x.length != n) revert WrongFeatureCount(n, x.length);
        int256 bound = featureBound;
        unchecked {
            uint256 word;
            for (uint256 i = 0; i < n; ++i) {
                word = i % PER_WORD == 0 ? _words[i / PER_WORD] : word >> BITS;
                int256 value = x[i];
                if (bounded && uint256(value + bound) > uint256(2 * bound)) {
                    revert FeatureOutOfRange(i, int64(value), int64(bound));
                }
                s += int256(int48(uint48(word))) * value;
            }
            word = n % PER_WORD == 0 ? _words[n / PER_WORD] : word >> BITS;
            s += int256(int48(uint48(word))) * SCALE;
        }
    }

    /// @inheritdoc IClassifier
    function predict(int64[] calldata x) public view returns (uint64) {
        return score(x) > 0 ? 1 : 0;
    }

    /// @inheritdoc IClassifier
    /// @dev A step changes weight `i` by `sign * learningRate * x[i] / SCALE`, rounded toward zero. Every value of
    /// `x` must lie within `+-featureBound` (`FeatureOutOfRange`), whether or not the model learns from it.
    function update(int64[] calldata x, uint64 label) external onlyTrainer returns (bool) {
        if (label >= NUM_CLASSES) revert LabelOutOfRange(label, NUM_CLASSES);
        if ((_score(x, true) > 0 ? 1 : 0) == label) return false;
        int256 step = label == 1 ? learningRate : -learningRate;
        uint256 n = numFeatures;
        uint256 word;
        uint256 updated;
        int256 value;
        for (uint256 i = 0; i <= n; ++i) {
            uint256 slot = i % PER_WORD;
            word = slot == 0 ? _words[i / PER_WORD] : word >> BITS;
            value = int256(int48(uint48(word))) + (i < n ? step * x[i] / SCALE : step);
            if (value < type(int48).min || value > type(int48).max) revert ParameterOverflow(i, value);
            updated |= (uint256(value) & MASK) << (BITS * slot);
            if (slot == PER_WORD - 1 || i == n) {
                _words[i / PER_WORD] = updated;
                updated = 0;
            }
        }
        emit ModelUpdated(label, value);
        return true;
    }
}
