"""Gas ceilings (gas is deterministic, so exact numbers may be asserted)."""

from __future__ import annotations

import pytest

from benchmarks.gas import CEILINGS, MARKET_OPERATIONS, OPERATIONS, measure, run, table


@pytest.mark.parametrize("config", sorted(CEILINGS))
def test_gas_ceilings(config):
    measured = measure(config)
    assert list(measured) == list(MARKET_OPERATIONS if config.startswith("market-") else OPERATIONS)
    over = {op: (gas, CEILINGS[config][op]) for op, gas in measured.items() if gas > CEILINGS[config][op]}
    assert not over, f"over the ceiling (gas, ceiling): {over}"


def test_gas_is_deterministic_and_tabulated():
    rows = run(["dense-perceptron-9"])
    assert rows == run(["dense-perceptron-9"])
    assert [r["operation"] for r in rows] == list(OPERATIONS)
    assert "report" in table(rows)


def test_points_config_omits_report_which_does_not_apply():
    from benchmarks.gas import CONFIGS, INCENTIVES

    rows = run(["points-dense-perceptron-9"])
    assert [r["operation"] for r in rows] == [op for op in OPERATIONS if op != "report"]
    assert all(r["gas"] > 0 for r in rows)
    text = table(rows)
    assert "points-dense-perceptron-9" in text and "report" not in text
    # Every Deposit-Refund-Take config measures every operation and has a ceiling for each.
    assert {c for c in CONFIGS if c not in INCENTIVES} <= set(CEILINGS)
    assert "market-dense-perceptron-9" in CEILINGS  # the prediction market has ceilings too (issue 12)
