// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrainerOwned} from "../access/TrainerOwned.sol";
import {ModelSetup} from "./ModelSetup.sol";
import {SparseInput} from "./SparseInput.sol";

/// @title SparseNearestCentroid
/// @notice A nearest-centroid classifier over sparse binary features, for any number of classes: a sample is
/// the list of the indices of its active features (strictly increasing). Each class keeps its count (how many
/// samples it has seen) and, per feature, how many of those samples had the feature active: the centroid is
/// `activations / count`, the exact mean. It predicts the class whose centroid is nearest in squared Euclidean
/// distance (ties go to the lowest class). Adding a sample adds 1 to its class's count and to its activation
/// count of every active feature: an update touches only the active features, never all of them.
/// @dev Activation counts are whole numbers (binary features sum to whole numbers, so no fixed point is needed),
/// stored in 17 bits (at most 131,071), fifteen to a storage word, class after class: class `c`'s count of
/// feature `i` lives in word `c * wordsPerClass + i / 15`, bits `17 * (i % 15)`. Each class also keeps
/// `sumOfSquares = sum(activations[i]**2)` up to date, so a distance needs no pass over all features:
/// `||x - activations / n||**2 = (|x| * n**2 - 2 * n * sum(activations[i] for active i) + sumOfSquares) / n**2`,
/// an exact fraction; classes are compared by cross-multiplying. A class's record holds its sum of squares
/// (96 bits) and its count (32 bits), two records to a word. With fewer than 2**32 features and counts below
/// 2**32, every product stays below 2**162.
/// A model with many features is deployed in chunks: the constructor takes the first pre-packed words, `extend`
/// the rest, `finalize` locks them (see `ModelSetup`); when the constructor receives every word the model is
/// finalized at once. It is an `IClassifier` (through `ModelSetup`).
contract SparseNearestCentroid is TrainerOwned, ModelSetup {
    /// @notice Activation counts stored per 256-bit storage word.
    uint256 public constant VALUES_PER_WORD = 15;
    /// @notice Bits per stored activation count.
    uint256 public constant BITS = 17;
    /// @notice The largest activation count a feature can reach in one class (`2**BITS - 1`, written out so
    /// inline assembly can use it).
    uint256 public constant MAX_ACTIVATIONS = 131_071;
    /// @notice Bits of a class record: its sum of squares, then its count.
    uint256 private constant RECORD_BITS = 128;
    /// @notice Where a class's count sits in its record.
    uint256 private constant COUNT_SHIFT = 96;
    /// @notice The bits of a class's sum of squares in its record.
    uint256 private constant SQUARES_MASK = (1 << COUNT_SHIFT) - 1;
    /// @notice The bits of one class record.
    uint256 private constant RECORD_MASK = (1 << RECORD_BITS) - 1;
    /// @notice No value marks "no word loaded yet".
    uint256 private constant NO_WORD = type(uint256).max;
    /// @notice Storage slot of activation word 0: word `w` is at slot `WORDS_SLOT + w`, one addition away (no
    /// hashing, unlike a mapping). Solidity's own variables use the first few slots and hashed slots are spread
    /// over all 2**256, so nothing else lives from slot 2**128 on.
    uint256 private constant WORDS_SLOT = 1 << 128;
    /// @notice Storage slot of record word 0: the records of classes `2r` and `2r + 1` are at `RECORDS_SLOT + r`.
    uint256 private constant RECORDS_SLOT = 1 << 129;

    /// @notice How many features the model has; a sample's indices lie in `[0, numFeatures)`.
    uint256 public immutable numFeatures;
    /// @notice Storage words per class (`ceil(numFeatures / 15)`).
    uint256 public immutable wordsPerClass;
    /// @dev How many classes the model distinguishes.
    uint256 private immutable _numClasses;

    /// @notice Class `label` learned from a sample; it has now seen `count` samples.
    event CentroidUpdated(uint64 label, uint64 count);

    /// @notice Labels are `0 .. numClasses - 1`.
    error LabelOutOfRange(uint64 label, uint64 numClasses);
    /// @notice Class `label` has seen feature `feature` active `MAX_ACTIVATIONS` times: its count cannot grow.
    error ActivationsOverflow(uint64 label, uint256 feature);
    /// @notice A nearest-centroid model needs at least two classes; it got `numClasses`.
    error TooFewClasses(uint256 numClasses);
    /// @notice Every class needs a count of at least 1 (its centroid is `activations / count`); class `label`
    /// has 0.
    error EmptyClass(uint256 label);

    /// @param trainer_ The `CollaborativeTrainer` that owns this model.
    /// @param numFeatures_ How many features the model has.
    /// @param counts How many samples each class has already seen (one per class, each at least 1).
    /// @param words The first packed words of activation counts (all `numWords()` of them for a model deployed in
    /// one transaction, which is then finalized at once).
    constructor(address trainer_, uint32 numFeatures_, uint32[] memory counts, uint256[] memory words)
        TrainerOwned(trainer_)
    {
        uint256 k = counts.length;
        if (k < 2) revert TooFewClasses(k);
        for (uint256 c = 0; c < k; ++c) {
            if (counts[c] == 0) revert EmptyClass(c);
            _setRecords(c / 2, _records(c / 2) | (uint256(counts[c]) << (COUNT_SHIFT + RECORD_BITS * (c % 2))));
        }
        uint256 perClass = (uint256(numFeatures_) + VALUES_PER_WORD - 1) / VALUES_PER_WORD;
        numFeatures = numFeatures_;
        wordsPerClass = perClass;
        _numClasses = k;
        _load(0, words, numFeatures_, perClass, k);
        if (words.length == perClass * k) _finalize();
    }

    /// @notice Stores more packed words of activation counts, from word `firstWord` on. Only the deployer, during
    /// setup. A word sent again replaces the earlier one.
    /// @param firstWord The index of the first word sent.
    /// @param words The packed words (fifteen 17-bit counts each, feature `i` at bits `17 * (i % 15)`).
    function extend(uint256 firstWord, uint256[] calldata words) external onlyDuringSetup {
        _load(firstWord, words, numFeatures, wordsPerClass, _numClasses);
    }

    /// @notice How many classes the model distinguishes; labels are `0 .. numClasses() - 1`.
    /// @return The number of classes.
    function numClasses() external view returns (uint64) {
        return uint64(_numClasses);
    }

    /// @notice How many storage words hold the activation counts (`wordsPerClass * numClasses()`).
    /// @return The number of words.
    function numWords() external view returns (uint256) {
        return wordsPerClass * _numClasses;
    }

    /// @notice How many samples of class `label` had each feature active (its centroid times its count).
    /// @param label The class.
    /// @return values One activation count per feature.
    function activations(uint256 label) external view returns (uint256[] memory values) {
        values = new uint256[](numFeatures);
        uint256 base = label * wordsPerClass;
        for (uint256 i = 0; i < values.length; ++i) {
            values[i] = (_word(base + i / VALUES_PER_WORD) >> (BITS * (i % VALUES_PER_WORD))) & MAX_ACTIVATIONS;
        }
    }

    /// @notice How many samples class `label` has seen.
    /// @param label The class.
    /// @return The count.
    function count(uint256 label) external view returns (uint64) {
        return uint64(_record(label) >> COUNT_SHIFT);
    }

    /// @notice The sum of the squares of class `label`'s activation counts (kept up to date by updates).
    /// @param label The class.
    /// @return The sum of squares.
    function sumOfSquares(uint256 label) external view returns (uint256) {
        return _record(label) & SQUARES_MASK;
    }

    /// @notice The squared Euclidean distance from `x` to each class's centroid, as exact fractions:
    /// class `c`'s distance is `numerators[c] / denominators[c]`.
    /// @param x The indices of the active features, strictly increasing.
    /// @return numerators The numerators, one per class.
    /// @return denominators The denominators `count**2`, one per class.
    function squaredDistances(int64[] calldata x)
        external
        view
        returns (uint256[] memory numerators, uint256[] memory denominators)
    {
        uint256 k = _numClasses;
        numerators = new uint256[](k);
        denominators = new uint256[](k);
        for (uint256 c = 0; c < k; ++c) {
            (numerators[c], denominators[c]) = _distance(x, c, c == 0);
        }
    }

    /// @notice The model's prediction for one sample: the class with the nearest centroid.
    /// @param x The indices of the active features, strictly increasing.
    /// @return label The predicted class, in `[0, numClasses())`.
    function predict(int64[] calldata x) external view returns (uint64 label) {
        (uint256 best, uint256 bestSquare) = _distance(x, 0, true);
        uint256 k = _numClasses;
        for (uint256 c = 1; c < k; ++c) {
            (uint256 d, uint256 square) = _distance(x, c, false);
            unchecked {
                if (d * bestSquare < best * square) (best, bestSquare, label) = (d, square, uint64(c));
            }
        }
    }

    /// @notice Trains the model on one sample: adds 1 to class `label`'s count and to its activation count of
    /// each active feature. Only the trainer may call it.
    /// @dev An activation count `v` becomes `v + 1`, so the sum of squares grows by `2 * v + 1`.
    /// @param x The indices of the active features, strictly increasing.
    /// @param label The sample's class.
    /// @return Always true: the class's count changed.
    function update(int64[] calldata x, uint64 label) external onlyTrainer returns (bool) {
        uint256 k = _numClasses;
        if (label >= k) revert LabelOutOfRange(label, uint64(k));
        uint256 n = numFeatures;
        uint256 recordShift = RECORD_BITS * (label % 2);
        uint256 records = _records(label / 2);
        uint256 record = (records >> recordShift) & RECORD_MASK;
        uint32 newCount = uint32(record >> COUNT_SHIFT) + 1;
        uint256 squares = record & SQUARES_MASK;
        uint256 base = WORDS_SLOT + label * wordsPerClass; // the storage slot of the class's first word
        uint256 full = NO_WORD; // the feature whose activation count is at its maximum, if any
        bool badInput; // whether `x` breaks the rules of `SparseInput.check`
        // For each active feature `i`: check it (in range, above the one before), load its word (once per word),
        // add 1 at bits `17 * (i % 15)` (no carry: the count is below its maximum) and grow the sum of squares by
        // `2 * v + 1`; store each word once. Indices are compared as raw unsigned words: a negative or malformed
        // int64 is out of range.
        assembly ("memory-safe") {
            let current := not(0)
            let word := 0
            let low := 0 // the smallest index allowed next
            for {
                let p := x.offset
                let end := add(p, shl(5, x.length))
            } lt(p, end) { p := add(p, 0x20) } {
                let i := calldataload(p)
                if or(iszero(lt(i, n)), lt(i, low)) {
                    badInput := 1
                    break
                }
                low := add(i, 1)
                let w := add(base, div(i, VALUES_PER_WORD))
                if iszero(eq(w, current)) {
                    if iszero(eq(current, not(0))) { sstore(current, word) }
                    current := w
                    word := sload(w)
                }
                let shift := mul(BITS, mod(i, VALUES_PER_WORD))
                let value := and(shr(shift, word), MAX_ACTIVATIONS)
                if eq(value, MAX_ACTIVATIONS) {
                    full := i
                    break
                }
                squares := add(squares, add(add(value, value), 1))
                word := add(word, shl(shift, 1))
            }
            if iszero(eq(current, not(0))) { sstore(current, word) }
        }
        if (badInput) SparseInput.check(x, n); // reverts with the exact error
        if (full != NO_WORD) revert ActivationsOverflow(label, full);
        unchecked {
            record = squares | (uint256(newCount) << COUNT_SHIFT);
            _setRecords(label / 2, (records & ~(RECORD_MASK << recordShift)) | (record << recordShift));
        }
        emit CentroidUpdated(label, newCount);
        return true;
    }

    /// @dev The numerator of the squared distance from `x` to class `c`'s centroid, and the squared count (its
    /// denominator). With `checkInput` (the first pass over `x`) it applies the rules of `SparseInput.check`.
    /// Unchecked arithmetic is safe within the bounds in the contract's notes.
    function _distance(int64[] calldata x, uint256 c, bool checkInput)
        private
        view
        returns (uint256 d, uint256 square)
    {
        uint256 record = _record(c);
        uint256 base = WORDS_SLOT + c * wordsPerClass; // the storage slot of the class's first word
        uint256 n = numFeatures;
        uint256 active;
        bool badInput;
        // The sum of class `c`'s activation counts of the active features, reading each word once. The checking
        // pass compares indices as raw unsigned words: a negative or malformed int64 is out of range.
        assembly ("memory-safe") {
            let current := not(0)
            let word := 0
            let p := x.offset
            let end := add(p, shl(5, x.length))
            switch checkInput
            case 0 {
                for {} lt(p, end) { p := add(p, 0x20) } {
                    let i := calldataload(p)
                    let w := add(base, div(i, VALUES_PER_WORD))
                    if iszero(eq(w, current)) {
                        current := w
                        word := sload(w)
                    }
                    active := add(active, and(shr(mul(BITS, mod(i, VALUES_PER_WORD)), word), MAX_ACTIVATIONS))
                }
            }
            default {
                let low := 0 // the smallest index allowed next
                for {} lt(p, end) { p := add(p, 0x20) } {
                    let i := calldataload(p)
                    if or(iszero(lt(i, n)), lt(i, low)) {
                        badInput := 1
                        break
                    }
                    low := add(i, 1)
                    let w := add(base, div(i, VALUES_PER_WORD))
                    if iszero(eq(w, current)) {
                        current := w
                        word := sload(w)
                    }
                    active := add(active, and(shr(mul(BITS, mod(i, VALUES_PER_WORD)), word), MAX_ACTIVATIONS))
                }
            }
        }
        if (badInput) SparseInput.check(x, n); // reverts with the exact error
        unchecked {
            uint256 count_ = record >> COUNT_SHIFT;
            square = count_ * count_;
            d = x.length * square + (record & SQUARES_MASK) - 2 * count_ * active;
        }
    }

    /// @dev The sum of the squares of the fifteen activation counts packed in `word`.
    function _squares(uint256 word) private pure returns (uint256 sum) {
        unchecked {
            for (uint256 slot = 0; slot < VALUES_PER_WORD; ++slot) {
                uint256 value = word & MAX_ACTIVATIONS;
                sum += value * value;
                word >>= BITS;
            }
        }
    }

    /// @dev Class `c`'s record: its sum of squares (low 96 bits) and its count (above).
    function _record(uint256 c) private view returns (uint256) {
        return (_records(c / 2) >> (RECORD_BITS * (c % 2))) & RECORD_MASK;
    }

    /// @dev Stores `words` from word `firstWord` on (the unused top bits and the slots past the last feature
    /// are cleared) and updates each class's sum of squares by what changed.
    function _load(uint256 firstWord, uint256[] memory words, uint256 n, uint256 perClass, uint256 k) private {
        uint256 total = perClass * k;
        _checkWords(firstWord, words.length, total);
        int256[] memory change = new int256[](k);
        unchecked {
            for (uint256 j = 0; j < words.length; ++j) {
                uint256 w = firstWord + j;
                uint256 c = w / perClass;
                uint256 first = (w - c * perClass) * VALUES_PER_WORD;
                uint256 slots = n - first < VALUES_PER_WORD ? n - first : VALUES_PER_WORD; // the last may hold fewer
                uint256 kept = words[j] & ((1 << (BITS * slots)) - 1);
                uint256 old = _word(w);
                _setWord(w, kept);
                // the class's sum of squares changes by sum(new**2) - sum(old**2) over this word's counts
                int256 delta = int256(_squares(kept));
                if (old != 0) delta -= int256(_squares(old));
                change[c] += delta;
            }
            for (uint256 c = 0; c < k; ++c) {
                if (change[c] != 0) {
                    _setRecords(c / 2, uint256(int256(_records(c / 2)) + (change[c] << (RECORD_BITS * (c % 2)))));
                }
            }
        }
        emit ParametersLoaded(firstWord, words.length);
    }

    /// @dev Activation word `w`.
    function _word(uint256 w) private view returns (uint256 value) {
        assembly ("memory-safe") {
            value := sload(add(WORDS_SLOT, w))
        }
    }

    /// @dev Stores activation word `w`.
    function _setWord(uint256 w, uint256 value) private {
        assembly ("memory-safe") {
            sstore(add(WORDS_SLOT, w), value)
        }
    }

    /// @dev Record word `r` (the records of classes `2r` and `2r + 1`).
    function _records(uint256 r) private view returns (uint256 value) {
        assembly ("memory-safe") {
            value := sload(add(RECORDS_SLOT, r))
        }
    }

    /// @dev Stores record word `r`.
    function _setRecords(uint256 r, uint256 value) private {
        assembly ("memory-safe") {
            sstore(add(RECORDS_SLOT, r), value)
        }
    }
}
