"""Figures: they draw what they claim, from plain tables, without a display."""

from __future__ import annotations

import doctest

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import sumkit as sk  # noqa: E402
from sumkit import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "chain accuracy": [0.97, 0.90],
            "scikit-learn accuracy": [0.96, 0.91],
            "deploy gas": [2_500_000, 3_000_000],
            "update gas": [110_000, 160_000],
            "predict gas": [40_000, 60_000],
        },
        index=["DensePerceptron", "NaiveBayes"],
    )


def test_the_module_examples_run():
    assert doctest.testmod(plots).failed == 0
    assert sk.plots is plots


def test_compare_models_draws_one_bar_per_model_and_measure():
    fig = plots.compare_models(table())
    accuracy, deploy, update, predict = fig.axes
    assert [t.get_text() for t in deploy.get_xticklabels()] == ["DensePerceptron", "NaiveBayes"]
    assert len(accuracy.patches) == 4  # two models x (chain, scikit-learn)
    assert [p.get_height() for p in accuracy.patches] == [0.97, 0.90, 0.96, 0.91]
    assert [p.get_height() for p in deploy.patches] == [2500, 3000]  # thousands of gas
    assert [p.get_height() for p in predict.patches] == [40, 60]
    assert update.get_title() == "update gas"


def test_compare_models_names_missing_columns():
    with pytest.raises(ValueError, match="predict gas"):
        plots.compare_models(table().drop(columns="predict gas"))
    fig = plots.compare_models(table().drop(columns="predict gas"), gas=("deploy gas", "update gas"))
    assert len(fig.axes) == 3


def test_underflow_shows_where_each_product_reaches_zero():
    fig = plots.underflow(np.log(np.full(250, 1 / 300)))
    (ax,) = fig.axes
    exact, product, fixed = (line.get_ydata() for line in ax.get_lines()[:3])
    assert exact[-1] == pytest.approx(250 * np.log10(1 / 300))
    assert np.isnan(product[-1]) and not np.isnan(product[0])  # the float64 product underflowed to 0
    first_zero = int(np.flatnonzero(np.isnan(product))[0]) + 1
    assert (1 / 300) ** (first_zero - 1) > 0 and (1 / 300) ** first_zero == 0
    assert np.isnan(fixed[10])  # the integer product dies much sooner
    texts = [t.get_text() for t in ax.texts]
    assert f"0 after {first_zero} factors" in texts


def test_underflow_rejects_bad_input():
    for bad in ([], [0.5], [np.nan], [[-1.0]]):
        with pytest.raises(ValueError, match="log_probabilities"):
            plots.underflow(bad)


def test_compare_models_colours_gas_bars_by_the_data_column():
    with_kind = table().assign(data=["dense", "sparse"])
    fig = plots.compare_models(with_kind)
    deploy = fig.axes[1]
    dense_bar, sparse_bar = deploy.patches
    assert dense_bar.get_facecolor() != sparse_bar.get_facecolor()
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["dense data", "sparse data"]
    assert not plots.compare_models(table()).legends  # no such column: one colour, no legend
