"""Notebook 00's exercises (sumkit.course.nb00): the reference answers pass with feedback that shows what was
measured, and typical mistakes (a counted nonce, a tip above the cap, a vault that pays before it records, a poll
that never refuses) get feedback that says what is wrong. About 30 s: two Solidity compiles per Solidity test."""

from __future__ import annotations

import pytest
from eth_account import Account

from sumkit.course import evaluate
from tests.answers import reference_answers


@pytest.fixture(scope="module")
def answers() -> dict:
    return reference_answers("00", Account=Account)  # what notebook 00 imports before the exercises


def test_payments_signed_with_the_key_pass_and_say_their_nonces(answers):
    result = evaluate("00.1", pay=answers["pay"])
    assert result.status == "correct"
    assert "12,345 wei to bob with nonce 0 (21,000 gas)" in result.feedback and "with nonce 2" in result.feedback


def test_a_nonce_counted_by_hand_is_refused_by_the_chain(answers):
    def always_nonce_zero(w3, key, to, wei):
        tx = {"to": to, "value": wei, "gas": 21_000, "chainId": w3.eth.chain_id, "nonce": 0,
              "maxFeePerGas": 2 * 10**9, "maxPriorityFeePerGas": 10**9}
        signed = Account.from_key(key).sign_transaction(tx)
        return w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))

    result = evaluate("00.1", pay=always_nonce_zero)
    assert result.status == "wrong" and "refused payment 2" in result.feedback and "nonce" in result.feedback


def test_the_fee_split_is_checked_against_the_chain_and_the_rule(answers):
    result = evaluate("00.2", fee_split=answers["fee_split"])
    assert result.status == "correct" and "21,000,000,000,000 wei paid on chain" in result.feedback
    uncapped = evaluate("00.2", fee_split=lambda g, base, cap, tip: (g * base, g * tip))
    assert uncapped.status == "wrong" and "capped by what max_fee leaves above the base fee" in uncapped.feedback
    whole_cap = evaluate("00.2", fee_split=lambda g, base, cap, tip: (g * base, g * (cap - base)))
    assert whole_cap.status == "wrong" and "not the whole fee cap" in whole_cap.feedback


def test_a_poll_that_never_refuses_a_second_vote_is_told_so(answers):
    correct = evaluate("00.3", poll_source=answers["POLL"])
    assert correct.status == "correct" and "votes(0..2) = [0, 2, 1] after 3 votes" in correct.feedback
    lax = answers["POLL"].replace("if (hasVoted[msg.sender]) revert AlreadyVoted(msg.sender);", "")
    result = evaluate("00.3", poll_source=lax)
    assert result.status == "wrong" and "alice voting a second time went through" in result.feedback


def test_a_vault_that_pays_before_it_records_is_robbed(answers):
    correct = evaluate("00.4", vault_source=answers["VAULT"])
    assert correct.status == "correct" and "left with its own 1 ETH only" in correct.feedback
    effects_last = answers["VAULT"].replace(
        "        balanceOf[msg.sender] = 0;                       // effects\n", "").replace(
        "        if (!ok) revert TransferFailed();\n", "        if (!ok) revert TransferFailed();\n"
        "        balanceOf[msg.sender] = 0;\n")
    assert effects_last != answers["VAULT"]
    result = evaluate("00.4", vault_source=effects_last)
    assert result.status == "wrong" and "left with 4 ETH" in result.feedback and "Checks, effects" in result.feedback
    broken = evaluate("00.4", vault_source="contract Vault { uint x = ; }")
    assert broken.status == "wrong" and "does not compile" in broken.feedback
