"""Gas ceilings (gas is deterministic, so exact numbers may be asserted)."""

from __future__ import annotations

import pytest

from benchmarks.gas import (
    CAP_CONFIGS,
    CEILINGS,
    MARKET_OPERATIONS,
    OPERATIONS,
    cap_rows,
    market_cap_table,
    measure,
    run,
    table,
)

CAP = 16_777_216  # EIP-7825: the most gas one transaction may use (mainnet and public testnets since Osaka)


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


# Issue 19, finding 8. At MAX_SAMPLE_WORK = 6,000 a 2-class sparse model's add (2,999 features, one storage word
# each, every one read and written) needed more than the cap: the bound is 5,000 since (the largest add: 15.3M).
@pytest.mark.parametrize("config", sorted(CAP_CONFIGS))
def test_worst_case_of_every_configuration_fits_the_transaction_cap(config):
    """Each model at the largest size the kit accepts, a sample at the bound: deployment (every chunk), add,
    refund, update, report (a flag) and take each fit one transaction of at most 16,777,216 gas (on revm, gas equal
    to py-evm's). The market's stages at the audit's size are asserted by tests/test_prediction_market.py."""
    rows = cap_rows([config])
    ops = {r["operation"] for r in rows}
    assert {"deploy", "trainer", "incentive", "add_agree", "add_update"} <= ops
    over = {r["operation"]: r["gas"] for r in rows if r["gas"] is None or r["gas"] > CAP}
    assert not over, f"over the cap (None: refused with OutOfGas): {over}\n{market_cap_table(rows)}"
    assert {"refund", "report", "take"} <= ops  # reached only when both adds fit
    assert max(r["gas"] for r in rows) > CAP // 8  # a worst case: at least one heavy transaction
