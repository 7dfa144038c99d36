// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {IClassifier} from "./Classifier.sol";

/// @title NearestCentroid
/// @notice A nearest-centroid classifier over dense fixed-point features, for any number of classes.
/// Each class has a centroid (the running mean of its samples) and a count. It predicts the class whose
/// centroid is nearest to the sample in squared Euclidean distance (ties go to the lowest class). Every
/// sample added moves its class's centroid: `centroid += (x - centroid) / (count + 1)`, then `count += 1`.
/// @dev All numbers are fixed point with `SCALE = 1e9`. The division rounds toward zero (Solidity's signed
/// `/`), so an updated centroid value always lies between its old value and the sample's: it stays in the
/// `int64` range and an update never overflows. Storage is one flat list of 64-bit values, four per word
/// (value `v` lives in word `v / 4`, bits `64 * (v % 4)`): first the centroids, class after class (class `c`,
/// feature `j` is value `c * numFeatures + j`), then the counts (class `c`'s `uint64` is value
/// `numClasses * numFeatures + c`). No word is left half empty, so a prediction reads as few words as possible.
/// Every feature value of a sample the model learns from must lie within `+-featureBound`, fixed at deployment: a
/// shared model must bound its inputs, or one far sample (say `x = [-100000, -100000]` where the data lies within
/// +-5) drags its class's centroid so far away that the class is never predicted again.
contract NearestCentroid is TrainerOwned, IClassifier {
    /// @notice Fixed-point scale: the real number 1.0 is stored as `SCALE`.
    int256 public constant SCALE = 1e9;
    /// @notice Values stored per 256-bit storage word.
    uint256 private constant PER_WORD = 4;
    /// @notice Bits per stored value.
    uint256 private constant BITS = 64;
    /// @notice The bits of one stored value.
    uint256 private constant MASK = (1 << BITS) - 1;

    /// @notice How many features a sample must have.
    uint256 public immutable numFeatures;
    /// @dev How many classes the model distinguishes.
    uint256 private immutable _numClasses;
    /// @notice The largest magnitude of a feature value the model learns from, fixed point (`100e9` means +-100).
    int64 public immutable featureBound;

    /// @dev The packed values (centroids, then counts).
    mapping(uint256 word => uint256) private _words;

    /// @notice The centroid of class `label` moved towards a sample; the class has now seen `count` samples.
    event CentroidUpdated(uint64 label, uint64 count);

    /// @notice A sample has `got` features; this model needs `expected`.
    error WrongFeatureCount(uint256 expected, uint256 got);
    /// @notice Labels are `0 .. numClasses - 1`.
    error LabelOutOfRange(uint64 label, uint64 numClasses);
    /// @notice A nearest-centroid model needs at least two classes, and `ceil(numClasses * (numFeatures + 1) / 4)`
    /// packed words; it got `numWords` words for `numClasses` classes.
    error InvalidModelShape(uint256 numWords, uint256 numClasses);
    /// @notice The feature bound must be positive; `featureBound` was given (fixed point).
    error NonPositiveFeatureBound(int64 featureBound);
    /// @notice Feature `index` of a training sample is `value`, outside `+-featureBound` (all fixed point).
    error FeatureOutOfRange(uint256 index, int64 value, int64 featureBound);

    /// @param trainer_ The `CollaborativeTrainer` that owns this model.
    /// @param numFeatures_ How many features a sample has.
    /// @param numClasses_ How many classes the model distinguishes (at least two).
    /// @param words The packed values, four 64-bit values per word (value `v` at bits `64 * (v % 4)` of word
    /// `v / 4`): the centroids, fixed point, class after class, then each class's count.
    /// @param featureBound_ The largest magnitude of a feature value `update` accepts, fixed point; must be positive.
    constructor(
        address trainer_,
        uint256 numFeatures_,
        uint256 numClasses_,
        uint256[] memory words,
        int64 featureBound_
    ) TrainerOwned(trainer_) {
        uint256 n = (numClasses_ * (numFeatures_ + 1) + PER_WORD - 1) / PER_WORD;
        if (numClasses_ < 2 || words.length != n) revert InvalidModelShape(words.length, numClasses_);
        if (featureBound_ <= 0) revert NonPositiveFeatureBound(featureBound_);
        featureBound = featureBound_;
        numFeatures = numFeatures_;
        _numClasses = numClasses_;
        for (uint256 w = 0; w < n; ++w) {
            _words[w] = words[w];
        }
    }

    /// @inheritdoc IClassifier
    function numClasses() external view returns (uint64) {
        return uint64(_numClasses);
    }

    /// @inheritdoc IClassifier
    /// @dev A dense nearest-centroid model is deployed in one transaction: it is complete from the start.
    function finalized() external pure returns (bool) {
        return true;
    }

    /// @notice The centroid of class `label`, fixed point.
    /// @param label The class.
    /// @return values Its `numFeatures` values.
    function centroid(uint256 label) external view returns (int64[] memory values) {
        uint256 n = numFeatures;
        values = new int64[](n);
        for (uint256 j = 0; j < n; ++j) {
            values[j] = int64(_value(label * n + j));
        }
    }

    /// @notice How many samples the centroid of class `label` averages.
    /// @param label The class.
    /// @return The class's count.
    function count(uint256 label) external view returns (uint64) {
        return _value(_numClasses * numFeatures + label);
    }

    /// @notice The squared Euclidean distance from `x` to each class's centroid, at scale `SCALE**2`.
    /// @param x The encoded sample.
    /// @return d The squared distances, one per class.
    function squaredDistances(int64[] calldata x) external view returns (uint256[] memory d) {
        d = new uint256[](_numClasses);
        _scan(x, d);
    }

    /// @inheritdoc IClassifier
    function predict(int64[] calldata x) external view returns (uint64 label) {
        return _scan(x, new uint256[](0));
    }

    /// @dev Measures the squared distance from `x` to every centroid (writing them into `d` if it has room) and
    /// returns the nearest class, the lowest on ties. Unchecked arithmetic is safe: each difference fits in 65
    /// bits, its square in 130, and no sample is long enough for their sum to leave the uint256 range.
    function _scan(int64[] calldata x, uint256[] memory d) private view returns (uint64 label) {
        uint256 n = numFeatures;
        if (x.length != n) revert WrongFeatureCount(n, x.length);
        uint256 k = _numClasses;
        uint256 best = type(uint256).max;
        unchecked {
            uint256 v;
            uint256 word;
            for (uint256 c = 0; c < k; ++c) {
                uint256 sum;
                for (uint256 j = 0; j < n; ++j) {
                    word = v % PER_WORD == 0 ? _words[v / PER_WORD] : word >> BITS;
                    int256 diff = _feature(x, j) - int64(uint64(word));
                    sum += uint256(diff * diff);
                    ++v;
                }
                if (c < d.length) d[c] = sum;
                if (sum < best) (best, label) = (sum, uint64(c));
            }
        }
    }

    /// @inheritdoc IClassifier
    /// @dev Each centroid value `v` of the class becomes `v + (x[j] - v) / (count + 1)`, rounded toward zero. Every
    /// value of `x` must lie within `+-featureBound` (`FeatureOutOfRange`): `x[j] + bound` lies in `[0, 2 * bound]`
    /// exactly when it is in range (a negative sum wraps to a huge unsigned number), one comparison per value.
    function update(int64[] calldata x, uint64 label) external onlyTrainer returns (bool) {
        uint256 n = numFeatures;
        uint256 k = _numClasses;
        if (x.length != n) revert WrongFeatureCount(n, x.length);
        if (label >= k) revert LabelOutOfRange(label, uint64(k));
        uint256 countAt = k * n + label;
        uint64 newCount = _value(countAt) + 1;
        unchecked {
            int256 divisor = int256(uint256(newCount));
            int256 bound = featureBound;
            uint256 v = label * n;
            uint256 word = _words[v / PER_WORD];
            for (uint256 j = 0; j < n; ++j) {
                uint256 shift = BITS * (v % PER_WORD);
                if (shift == 0 && j != 0) word = _words[v / PER_WORD];
                int256 value = int64(uint64(word >> shift));
                int256 feature = _feature(x, j);
                if (uint256(feature + bound) > uint256(2 * bound)) {
                    revert FeatureOutOfRange(j, int64(feature), int64(bound));
                }
                value += (feature - value) / divisor;
                word = (word & ~(MASK << shift)) | ((uint256(value) & MASK) << shift);
                if (shift == BITS * (PER_WORD - 1) || j == n - 1) _words[v / PER_WORD] = word;
                ++v;
            }
            uint256 countShift = BITS * (countAt % PER_WORD);
            word = _words[countAt / PER_WORD];
            _words[countAt / PER_WORD] = (word & ~(MASK << countShift)) | (uint256(newCount) << countShift);
        }
        emit CentroidUpdated(label, newCount);
        return true;
    }

    /// @dev Feature `j` of `x` (`j < x.length`, checked by the caller), read without re-validating its encoding:
    /// the word is sign-extended from its low 64 bits, exactly what a well-formed `int64` holds.
    function _feature(int64[] calldata x, uint256 j) private pure returns (int256 value) {
        assembly ("memory-safe") {
            value := signextend(7, calldataload(add(x.offset, shl(5, j))))
        }
    }

    /// @dev Stored value `v`, as its 64 bits.
    function _value(uint256 v) private view returns (uint64) {
        return uint64(_words[v / PER_WORD] >> (BITS * (v % PER_WORD)));
    }
}
