"""Matplotlib figures used by the notebooks. matplotlib is imported only when a figure is drawn.

>>> import pandas as pd
>>> import sumkit as sk
>>> table = pd.DataFrame({"chain accuracy": [0.97, 0.95], "scikit-learn accuracy": [0.97, 0.95],
...                       "deploy gas": [2_500_000, 3_100_000], "update gas": [110_000, 160_000],
...                       "predict gas": [40_000, 60_000]}, index=["DensePerceptron", "NaiveBayes"])
>>> fig = sk.plots.compare_models(table)
>>> len(fig.axes)
4
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

ACCURACY_COLUMNS = ("chain accuracy", "scikit-learn accuracy")
GAS_COLUMNS = ("deploy gas", "update gas", "predict gas")


def compare_models(
    table: pd.DataFrame,
    accuracy: Sequence[str] = ACCURACY_COLUMNS,
    gas: Sequence[str] = GAS_COLUMNS,
    title: str = "The same data through every model",
    color_by: str | None = "data",
) -> Figure:
    """One panel of bars per measure, one bar per model (the rows of ``table``, named by its index).

    The first panel puts the ``accuracy`` columns side by side (e.g. on chain vs scikit-learn); each of the
    ``gas`` columns gets its own panel, labelled in thousands of gas. If ``table`` has a ``color_by`` column
    (e.g. ``data``: "dense" or "sparse"), gas bars are coloured by its values. Missing columns raise
    ``ValueError``.
    """
    import matplotlib.pyplot as plt

    missing = [c for c in (*accuracy, *gas) if c not in table.columns]
    if missing:
        raise ValueError(f"the table has no column(s) {missing}; its columns are {list(table.columns)}")
    names = [str(name) for name in table.index]
    positions = np.arange(len(names))
    fig, axes = plt.subplots(1, 1 + len(gas), figsize=(3.6 * (1 + len(gas)), 3.8), squeeze=False)
    axes = axes[0]

    ax = axes[0]
    width = 0.8 / max(len(accuracy), 1)
    for k, column in enumerate(accuracy):
        offset = (k - (len(accuracy) - 1) / 2) * width
        bars = ax.bar(positions + offset, table[column].to_numpy(dtype=float), width, label=column)
        ax.bar_label(bars, fmt="%.3f", fontsize=7, label_type="center", rotation=90, color="white")
    low = float(np.nanmin(table[list(accuracy)].to_numpy(dtype=float))) if len(table) else 0.0
    ax.set_ylim(max(0.0, low - 0.1), 1.08)
    ax.set_title("test accuracy")
    ax.legend(fontsize=7, loc="upper right", ncol=len(accuracy))

    groups = table[color_by].astype(str).to_numpy() if color_by in table.columns else np.full(len(table), "")
    palette = dict(zip(dict.fromkeys(groups), ("tab:gray", "tab:green", "tab:purple", "tab:brown", "tab:olive")))
    colors = [palette.get(g, "tab:gray") for g in groups]
    for ax, column in zip(axes[1:], gas):
        values = table[column].to_numpy(dtype=float) / 1000
        bars = ax.bar(positions, values, 0.6, color=colors)
        ax.bar_label(bars, fmt="%.0fk", fontsize=7, padding=1)
        ax.set_title(column)
        ax.set_ylabel("thousands of gas")
        ax.margins(y=0.15)

    for ax in axes:
        ax.set_xticks(positions, names, rotation=30, ha="right", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    if color_by in table.columns:
        from matplotlib.patches import Patch

        handles = [Patch(color=color, label=f"{group} {color_by}") for group, color in palette.items()]
        fig.legend(handles=handles, fontsize=8, loc="upper right", ncol=len(handles), frameon=False)
    return fig


def underflow(log_probabilities: Sequence[float], fixed_point_scale: int = 10**9) -> Figure:
    """How a running product of probabilities dies and a running sum of logs does not.

    Plots, against the number of factors multiplied so far, the ``log10`` of: the float64 product, the
    fixed-point integer product (``p * scale`` rounded down after each step, as integer-only code would do),
    and the exact value from the sum of logs. A product that reaches 0 leaves the plot: that is the underflow.
    """
    import matplotlib.pyplot as plt

    logs = np.asarray(log_probabilities, dtype=float)
    if logs.ndim != 1 or not len(logs) or np.any(logs > 0) or not np.all(np.isfinite(logs)):
        raise ValueError("log_probabilities must be a non-empty 1-D sequence of finite logs of probabilities (<= 0)")
    steps = np.arange(1, len(logs) + 1)
    exact = np.cumsum(logs) / np.log(10)
    with np.errstate(under="ignore"):
        product = np.cumprod(np.exp(logs))
    fixed, value = [], fixed_point_scale
    for p in np.exp(logs):
        value = value * int(p * fixed_point_scale) // fixed_point_scale
        fixed.append(value / fixed_point_scale)
    fixed = np.asarray(fixed)

    def log10_or_nan(values: np.ndarray) -> np.ndarray:
        out = np.full(values.shape, np.nan)
        positive = values > 0
        out[positive] = np.log10(values[positive])
        return out

    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(steps, exact, label="sum of logs (exact)", color="tab:green", linewidth=3, alpha=0.6)
    ax.plot(steps, log10_or_nan(product), label="float64 product", color="tab:blue")
    ax.plot(steps, log10_or_nan(fixed), label=f"fixed-point integer product (scale {fixed_point_scale:.0e})",
            color="tab:red", marker=".")
    for values, color in ((product, "tab:blue"), (fixed, "tab:red")):
        zero = np.flatnonzero(values == 0)
        if len(zero):
            ax.axvline(steps[zero[0]], color=color, linestyle=":", linewidth=1)
            ax.annotate(f"0 after {steps[zero[0]]} factors", (steps[zero[0]], exact[zero[0]]), color=color,
                        fontsize=8, xytext=(6, -14), textcoords="offset points")
    ax.axhline(np.log10(np.finfo(float).smallest_subnormal), color="gray", linewidth=0.8, linestyle="--",
               label="smallest positive float64")
    ax.set_xlabel("number of probabilities multiplied")
    ax.set_ylabel("log10 of the running product")
    ax.set_title("Multiplying many probabilities underflows; adding their logs does not")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig
