"""Amounts read right at every size (wei, gwei, ether), and hints that compare two amounts never show them equal."""

from __future__ import annotations

import pytest

import sumkit as sk
from sumkit.plumbing.units import format_ether, format_ether_apart

from .conftest import POSITIVE, expect_revert


@pytest.mark.parametrize("wei, text", [
    (0, "0 ETH"),
    (1, "1 wei"),
    (3, "3 wei"),
    (-3, "-3 wei"),
    (10**9 - 1, "999999999 wei"),
    (10**9, "1 gwei"),
    (sk.units.gwei(2.5), "2.5 gwei"),
    (10**12 - 1, "999.999999999 gwei"),  # just under 1e-6 ether: still exact, in gwei
    (10**12, "0.000001 ETH"),
    (36 * 10**14, "0.0036 ETH"),
    (sk.ether(1.5), "1.5 ETH"),
    (-sk.ether(2), "-2 ETH"),
    (sk.ether(1234), "1234 ETH"),
])
def test_format_ether_picks_the_unit_that_shows_the_amount(wei, text):
    assert format_ether(wei) == text


def test_format_ether_rounds_ether_to_digits_or_shows_every_decimal():
    assert format_ether(sk.ether("0.1234567")) == "0.123457 ETH"
    assert format_ether(sk.ether("0.1234567"), digits=2) == "0.12 ETH"
    assert format_ether(sk.ether("0.12") + 7, digits=None) == "0.120000000000000007 ETH"


def test_two_amounts_that_differ_never_read_the_same():
    assert format_ether_apart(sk.ether("0.12"), sk.ether("0.5")) == ("0.12 ETH", "0.5 ETH")
    assert format_ether_apart(sk.ether("0.12"), sk.ether("0.12") - 1) == ("0.12 ETH", "0.119999999999999999 ETH")
    assert format_ether_apart(5, 5) == ("5 wei", "5 wei")


def test_deposit_hints_show_what_was_sent_in_its_own_unit(chain, trainer):
    required = trainer.next_deposit()
    e = expect_revert(chain, trainer, "DepositTooLow", trainer.add_data, POSITIVE, 1, sender=chain.bob, value=1)
    assert f"needs a deposit of {format_ether(required)} but 1 wei was sent" in e.hint
    e = expect_revert(chain, trainer, "DepositTooLow", trainer.add_data, POSITIVE, 1, sender=chain.bob,
                      value=required - 1)
    shown = format_ether_apart(required, required - 1)
    assert shown[0] != shown[1] and f"needs a deposit of {shown[0]} but {shown[1]} was sent" in e.hint

