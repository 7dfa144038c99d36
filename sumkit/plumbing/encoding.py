"""Fixed-point encoding: how real numbers become the integers the contracts compute with.

The whole kit uses one scale, ``SCALE = 10**9``: the real number 1.5 is sent as 1_500_000_000. Samples
and model parameters are stored on chain as ``int64``, so a value must lie within about +-9.2e9.

>>> to_fixed([1.5, -0.25])
[1500000000, -250000000]
>>> from_fixed([1500000000])
array([1.5])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

SCALE = 10**9
INT64_MAX = 2**63 - 1
MAX_ABS_VALUE = INT64_MAX / SCALE  # the largest real magnitude an int64 fixed-point number holds
# The feature bound of a dense model deployed without one (real units): a model trains only on samples whose every
# value lies within +-DEFAULT_FEATURE_BOUND. Standardised features stay well inside it (the kit's datasets: at most
# 85.6, on digits' test split), and it refuses a poisoning sample of magnitude 100,000 (notebook 04).
DEFAULT_FEATURE_BOUND = 100.0
FEATURE_BOUND_MARGIN = 2.0  # encode_feature_bound(X=...): this many times the largest |value| of the training data


def to_fixed(values: Sequence[float] | np.ndarray, *, what: str = "value") -> list[int]:
    """Encode real numbers as fixed-point ``int64`` integers (rounded to the nearest).

    Raises ``ValueError`` for NaN, infinity, or a magnitude beyond ``MAX_ABS_VALUE``.
    """
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr.ravel()))[0])
        raise ValueError(f"{what} contains NaN or infinity (at position {bad}): clean or impute your data first")
    scaled = np.rint(arr * SCALE)
    too_big = np.abs(scaled) > INT64_MAX
    if np.any(too_big):
        bad = int(np.flatnonzero(too_big.ravel())[0])
        raise ValueError(
            f"{what} at position {bad} is {arr.ravel()[bad]:g}: fixed-point values must lie within "
            f"+-{MAX_ABS_VALUE:.3g} (scale your features, e.g. with StandardScaler)"
        )
    return [int(v) for v in scaled.ravel()]


def from_fixed(values: Sequence[int]) -> np.ndarray:
    """Decode fixed-point integers back to floats."""
    return np.asarray([int(v) / SCALE for v in values], dtype=float)


def check_int(value: int, bits: int = 64, *, what: str = "value") -> int:
    """``value`` if it fits a signed ``bits``-bit integer; otherwise a ``ValueError`` naming ``what``."""
    bound = 2 ** (bits - 1)
    if not -bound <= value < bound:
        raise ValueError(
            f"{what} = {value / SCALE:g} (fixed point {value}) does not fit the contract's int{bits} storage "
            f"(+-{bound / SCALE:,.3f}): scale your features or use a smaller learning rate"
        )
    return value


class EncodedSample(tuple):
    """A sample already encoded for the contract (fixed point, or sparse indices): what ``Contribution.x`` holds.

    Encoding it again would scale it twice, so the encoders refuse it with a pointer to what to do instead.
    """

    __slots__ = ()


def _refuse_encoded(x: Any) -> None:
    if isinstance(x, EncodedSample):
        raise ValueError(
            "this sample is already encoded for the contract (it is a Contribution's x, in fixed point: 1.0 is "
            f"{SCALE:,}); encoding it again would scale it twice. Pass the original features, or use "
            "trainer.model.predict_encoded(c.x) for a stored sample"
        )


def _refuse_strings(arr: np.ndarray, what: str) -> None:
    if arr.dtype.kind in "USO" and any(isinstance(v, (str, bytes)) for v in arr.ravel()):
        raise ValueError(f"{what} holds strings ({arr.ravel()[0]!r}, ...): give numbers, e.g. np.asarray(x, dtype=float)")


def dense_sample(x: Sequence[float] | np.ndarray, n_features: int) -> list[int]:
    """Validate and encode one dense sample: a 1-D array of ``n_features`` finite numbers."""
    _refuse_encoded(x)
    _refuse_strings(np.asarray(x), "x")
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"x must be one sample, a 1-D array of {n_features} features; got shape {arr.shape}")
    if arr.shape[0] != n_features:
        raise ValueError(f"x has {arr.shape[0]} features but the model expects {n_features}")
    return to_fixed(arr, what="x")


def encode_feature_bound(bound: float | None = None, X: Any = None) -> int:
    """The fixed-point feature bound of a dense model: ``bound`` (real units) if given, else
    ``FEATURE_BOUND_MARGIN`` times the largest magnitude in the training data ``X`` if given, else
    ``DEFAULT_FEATURE_BOUND``. ``ValueError`` if it is not positive or does not fit an ``int64``.

    >>> encode_feature_bound(X=[[0.5, -3.0]]) == 6 * SCALE
    True
    """
    if bound is not None and X is not None:
        raise ValueError("give feature_bound or X (the training data to derive it from), not both")
    if X is not None:
        arr = np.asarray(X, dtype=float)
        if arr.size == 0 or not np.all(np.isfinite(arr)):
            raise ValueError("X must be the (non-empty, finite) training data to derive the feature bound from")
        bound = FEATURE_BOUND_MARGIN * float(np.max(np.abs(arr)))
    (fixed,) = to_fixed([DEFAULT_FEATURE_BOUND if bound is None else bound], what="feature_bound")
    if fixed <= 0:
        raise ValueError(f"feature_bound must be positive, got {bound!r}")
    return fixed


def check_feature_bound(x: Sequence[int], bound: int) -> None:
    """``ValueError`` if a value of the encoded sample ``x`` lies outside ``+-bound`` (both fixed point), as the
    contract's ``FeatureOutOfRange`` would revert."""
    for i, v in enumerate(x):
        if not -bound <= v <= bound:
            raise ValueError(
                f"feature {i} is {v / SCALE:,g}: this model trains only on values within +-{bound / SCALE:,g} "
                "(its feature_bound, fixed at deployment), so that one sample of huge magnitude cannot drag the "
                "shared model away from everyone else's data; scale your features like the training data "
                "(contract error FeatureOutOfRange)"
            )


def trunc_div(a: int, b: int) -> int:
    """Integer division rounding toward zero, like Solidity's ``/`` on signed integers."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def sparse_sample(x: Sequence[int] | np.ndarray, n_features: int) -> list[int]:
    """Validate one sparse sample: the indices of its active features, strictly increasing, each in
    ``[0, n_features)``. Returns them as a list of Python ints (what the contract receives).

    >>> sparse_sample([3, 14, 15], 20)
    [3, 14, 15]
    """
    if isinstance(x, (str, bytes)):
        raise ValueError(f"x must be a sequence of feature indices (ints), not {type(x).__name__}")
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(
            f"x must be one sparse sample, a 1-D sequence of feature indices; got shape {arr.shape}"
            + (" (for a dense 0/1 row use np.flatnonzero(row))" if arr.ndim == 2 else "")
        )
    if arr.size == 0:
        return []
    if arr.dtype == bool:
        raise ValueError("x must hold feature indices, not a boolean mask: use np.flatnonzero(mask) to get the indices")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError("x must hold integer feature indices; found a non-integer value")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"x must hold integer feature indices, got values of type {arr.dtype}")
    indices = [int(v) for v in arr]
    for position, index in enumerate(indices):
        if not 0 <= index < n_features:
            raise ValueError(
                f"feature index {index} (at position {position}) is out of range: this model has {n_features} "
                f"features, so indices must lie in [0, {n_features})"
            )
        if position and index <= indices[position - 1]:
            raise ValueError(
                f"feature indices must be strictly increasing (sorted, no duplicates): {index} at position "
                f"{position} follows {indices[position - 1]}; use sorted(set(x))"
            )
    return indices


def unpack_sample(packed: bytes | str) -> tuple[int, ...]:
    """The encoded sample logged in a ``ContributionAdded`` event (bytes, or their ``0x`` hex string as event
    arguments give them): 8 bytes per value, each a big-endian two's complement ``int64`` (a quarter of the log
    gas of an ``int64[]``, which pads every value to 32 bytes).

    >>> unpack_sample("0x0000000000000003ffffffffffffffff")
    (3, -1)
    """
    if isinstance(packed, str):
        packed = bytes.fromhex(packed.removeprefix("0x"))
    if len(packed) % 8:
        raise ValueError(f"a packed sample holds 8 bytes per value; got {len(packed)} bytes")
    return tuple(int(v) for v in np.frombuffer(packed, dtype=">i8"))
