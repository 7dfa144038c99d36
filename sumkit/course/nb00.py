"""Exercises of notebook 00 (the Ethereum and Solidity primer): a payment signed with your own key, what a
transaction pays in fees, a contract with storage, events and custom errors, and a vault that sends ether safely.

Each checker runs the learner's answer on a fresh in-process chain of its own: real signed transactions for 00.1
and 00.2, the learner's Solidity compiled with the kit's pinned compiler and deployed for 00.3 and 00.4 (attacked
by a reentrant contract of the checker's own). Under the grader they run more cases.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import Partial, Wrong, exercise, require_function, variant_seeds
from .nb01 import require_wei

GWEI = 10**9


def _funded_key(chain: Any, seed: str, wei: int) -> Any:
    """A fresh eth-account account (deterministic from ``seed``), funded by Alice."""
    from eth_account import Account
    from eth_utils import keccak

    account = Account.from_key(keccak(text=f"sumkit exercise 00: {seed}"))
    chain.w3.eth.send_transaction({"from": chain.alice, "to": account.address, "value": wei})
    return account


# -- 00.1 ------------------------------------------------------------------------------------------------------

@exercise("00.1", title="A payment you sign yourself", points=2, hints=[
    "Account.from_key(key) gives the account; its .address is the sender. The transaction is a dict: to, value, "
    "gas, nonce, chainId, maxFeePerGas, maxPriorityFeePerGas.",
    "The nonce is the number of transactions the sender has sent so far: w3.eth.get_transaction_count(address). "
    "The chain id is w3.eth.chain_id. A plain transfer uses exactly 21,000 gas.",
    "account.sign_transaction(tx).raw_transaction is what you send, with w3.eth.send_raw_transaction; then "
    "w3.eth.wait_for_transaction_receipt(tx_hash) gives the receipt.",
    "A node never sees your key, only a signature over the transaction, valid for one chain and one nonce: "
    "that is what stops anyone from replaying it.",
])
def check_pay(pay):
    import sumkit as sk

    fn = require_function(pay, "pay", "def send_payment(w3, key, to, wei): ...")
    chain = sk.Chain()
    account = _funded_key(chain, "00.1", sk.ether(1))
    seen: list[str] = []
    for to, wei in [(chain.bob, 12_345), (chain.carol, 10**15), (chain.bob, 1)]:
        seen.append(_compare_payment(fn, chain, account, to, wei, len(seen) + 1))
    for seed in variant_seeds("00.1", (1, 2), visible=0):  # other recipients and amounts, from the secret
        to, wei = payment_case(seed)
        seen.append(_compare_payment(fn, chain, account, getattr(chain, to), wei, len(seen) + 1))
    return Partial(2, f"{len(seen)} payments signed by {account.address[:10]}..., nonces in order: " + "; ".join(seen))


def payment_case(seed: int) -> tuple[str, int]:
    """00.1's hidden case ``seed``: who is paid (a named account) and how much, 1 wei to 0.01 ether."""
    rng = np.random.default_rng(seed)
    return str(rng.choice(["alice", "bob", "carol", "mallory"])), int(10 ** rng.uniform(0, 16))


def _compare_payment(fn: Callable, chain: Any, account: Any, to: str, wei: int, number: int) -> str:
    """Payment number ``number``: ``fn`` signs ``wei`` to ``to`` with ``account``'s key; :class:`Wrong` unless the
    chain moved exactly that, from that key, at its next nonce, and ``fn`` returned the receipt."""
    nonce = chain.nonce(account.address)
    before = chain.balance(to)
    try:
        receipt = fn(chain.w3, account.key, to, wei)
    except Exception as e:  # a refusal by the chain is feedback; anything else is the learner's own error
        if "nonce" in str(e).lower():
            raise Wrong(f"the chain refused payment {number}: {e}. Ask the chain for the sender's nonce "
                        "each time (w3.eth.get_transaction_count) rather than counting yourself") from None
        if "Web3RPCError" in type(e).__name__ or "sender" in str(e).lower():
            raise Wrong(f"the chain refused payment {number}: {e}") from None
        raise
    if chain.balance(to) - before != wei:
        raise Wrong(f"payment {number} should move {wei:,} wei to {chain.name_of(to)}, but their balance "
                    f"changed by {chain.balance(to) - before:,} wei")
    if chain.nonce(account.address) != nonce + 1:
        raise Wrong(f"payment {number} should be the key's transaction number {nonce} (its nonce), but "
                    f"the key's account sent {chain.nonce(account.address) - nonce} transactions: sign with the "
                    "key you are given, not with a development account (no 'from' with send_transaction)")
    if not hasattr(receipt, "get") or receipt.get("status") != 1 or receipt.get("from") != account.address:
        raise Wrong(f"payment {number} went through, but the function returned {receipt!r:.80} rather "
                    "than its receipt: wait for it with w3.eth.wait_for_transaction_receipt(tx_hash)")
    return f"{wei:,} wei to {chain.name_of(to)} with nonce {nonce} ({receipt['gasUsed']:,} gas)"


# -- 00.2 ------------------------------------------------------------------------------------------------------

def fee_split(gas_used: int, base_fee: int, max_fee: int, max_tip: int) -> tuple[int, int] | None:
    """EIP-1559: ``(burned, tip)`` in wei for a transaction mined at ``base_fee`` (wei per gas), or None when its
    ``max_fee`` is below the base fee (no block can include it)."""
    if max_fee < base_fee:
        return None
    return gas_used * base_fee, gas_used * min(max_tip, max_fee - base_fee)


@exercise("00.2", title="What a transaction pays", points=2, hints=[
    "The sender pays gas used × the effective price; the effective price is the base fee plus a tip per gas.",
    "The tip per gas is the smaller of max_tip and what the fee cap leaves above the base fee (max_fee - base_fee). "
    "The base fee part is burned; the tip goes to the block's producer.",
    "A transaction whose max_fee is below the block's base fee cannot be in that block at all: return None.",
    "The fee cap protects the sender from a base fee that rose while the transaction waited; the tip buys a place "
    "in the block. Gas used is fixed by the code run; the price is the market's.",
])
def check_fee_split(fee_split):
    import sumkit as sk

    fn = require_function(fee_split, "fee_split", "def fee_split(gas_used, base_fee, max_fee, max_tip): ...")
    # On chain: signed transfers with fee caps; the in-process chain's base fee is 0, so the sender pays the tip.
    chain = sk.Chain()
    account = _funded_key(chain, "00.2", sk.ether(1))
    measured = []
    for max_fee, max_tip in [(3 * GWEI, 1 * GWEI), (GWEI // 2, 2 * GWEI)]:
        before = chain.balance(account.address)
        tx = {"to": chain.bob, "value": 0, "gas": 21_000, "nonce": chain.nonce(account.address),
              "chainId": chain.w3.eth.chain_id, "maxFeePerGas": max_fee, "maxPriorityFeePerGas": min(max_tip, max_fee)}
        receipt = chain.w3.eth.wait_for_transaction_receipt(
            chain.w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction))
        base_fee = chain.w3.eth.get_block(receipt["blockNumber"])["baseFeePerGas"]
        paid = before - chain.balance(account.address)
        _compare_fee(fn, receipt["gasUsed"], base_fee, max_fee, min(max_tip, max_fee), paid)
        measured.append(f"{receipt['gasUsed']:,} gas at base fee {base_fee} and tip cap "
                        f"{min(max_tip, max_fee) / GWEI:g} gwei: {paid:,} wei paid on chain")
    # A busy mainnet block: base fees the in-process chain does not have, by the EIP-1559 rule.
    cases = [(120_000, 20 * GWEI, 30 * GWEI, 2 * GWEI), (120_000, 29 * GWEI, 30 * GWEI, 2 * GWEI),
             (21_000, 31 * GWEI, 30 * GWEI, 2 * GWEI)]
    for case in cases:
        _compare_fee(fn, *case, None)
    for seed in variant_seeds("00.2", (1, 2), visible=0):  # other gas, base fees and caps, from the secret
        for case in fee_cases(seed):
            _compare_fee(fn, *case, None)
            cases.append(case)
    return Partial(2, "your split matches: " + "; ".join(measured) + f"; and {len(cases)} cases at mainnet base "
                      f"fees (e.g. 120,000 gas at 29 gwei with caps 30/2 gwei: burned {120_000 * 29 * GWEI:,} wei, "
                      f"tip {120_000 * GWEI:,} wei)")


def fee_cases(seed: int) -> list[tuple[int, int, int, int]]:
    """00.2's hidden case ``seed``: (gas_used, base_fee, max_fee, max_tip) four times, at one base fee of 0 to
    300 gwei (any wei): a fee cap below it, equal to it, between it and it plus the tip, and above that."""
    rng = np.random.default_rng(seed)
    base_fee = int(rng.integers(0, 300 * GWEI))
    tip = int(rng.integers(0, 10 * GWEI))

    def gas() -> int:
        return int(rng.integers(21_000, 16_777_217))

    return [(gas(), base_fee, int(rng.integers(0, base_fee)) if base_fee else 0, tip),
            (gas(), base_fee, base_fee, tip),
            (gas(), base_fee, base_fee + int(rng.integers(0, tip + 1)), tip),
            (gas(), base_fee, base_fee + tip + int(rng.integers(0, 100 * GWEI)), tip)]


def _compare_fee(fn: Callable, gas_used: int, base_fee: int, max_fee: int, max_tip: int, paid: int | None) -> None:
    args = f"fee_split({gas_used:,}, base_fee={base_fee:,}, max_fee={max_fee:,}, max_tip={max_tip:,})"
    expected = fee_split(gas_used, base_fee, max_fee, max_tip)
    yours = fn(gas_used, base_fee, max_fee, max_tip)
    if expected is None:
        if yours is not None:
            raise Wrong(f"{args} returned {yours!r}, but the fee cap is below the base fee: no block includes "
                        "that transaction, return None")
        return
    if not isinstance(yours, (tuple, list)) or len(yours) != 2:
        raise Wrong(f"{args} returned {yours!r}; return a pair (burned, tip) of wei")
    burned, tip = (require_wei(v, args) for v in yours)
    where = f" (the chain took {paid:,} wei from the sender)" if paid is not None else ""
    if burned + tip != sum(expected):
        detail = ""
        if burned + tip == gas_used * max_fee:
            detail = ": the sender pays the base fee plus the tip, not the whole fee cap"
        elif tip == gas_used * max_tip and expected[1] != tip:
            detail = ": the tip is capped by what max_fee leaves above the base fee"
        raise Wrong(f"{args} gave burned {burned:,} + tip {tip:,} = {burned + tip:,} wei, but the sender pays "
                    f"{sum(expected):,}{where}{detail}")
    if (burned, tip) != expected:
        raise Wrong(f"{args}: the total {burned + tip:,} wei is right, but the split is not: the base fee part is "
                    "burned, only the rest is the tip")


# -- 00.3 ------------------------------------------------------------------------------------------------------

def compile_answer(source: Any, name: str, what: str) -> dict[str, Any]:
    """The artifact of contract ``name`` in the learner's Solidity ``source``, else :class:`Wrong` saying why."""
    import sumkit as sk

    if not isinstance(source, str):
        raise Wrong(f"{what} should be your Solidity source, a string (\"\"\"...\"\"\"), not a {type(source).__name__}")
    try:
        artifacts = sk.compile_source(source)
    except sk.CompileError as e:
        raise Wrong(f"your Solidity does not compile:\n{e}") from None
    if name not in artifacts:
        raise Wrong(f"there is no contract named {name} in your source (found: {', '.join(artifacts) or 'none'})")
    return artifacts[name]


def _expect_revert(action: Callable[[], Any], error: str, args: dict[str, Any], what: str) -> None:
    import sumkit as sk

    try:
        action()
    except sk.Reverted as e:
        if e.error != error:
            raise Wrong(f"{what} reverted with {e.reason}, but the contract should revert with the custom error "
                        f"{error}({', '.join(args)})") from None
        if list(e.args_.values()) != list(args.values()):
            raise Wrong(f"{what} reverted with {error}, but with arguments {e.args_} instead of {args}") from None
        return
    raise Wrong(f"{what} went through, but it should revert with {error}({', '.join(args)})")


@exercise("00.3", title="A poll: storage, events and custom errors", points=3, hints=[
    "Storage: `mapping(address => bool) public hasVoted;` and `uint256[3] public votes;` (public makes the getters "
    "hasVoted(address) and votes(uint256)).",
    "In vote(choice): first the checks (`if (choice >= 3) revert NoSuchChoice(choice);`, then the same for a voter "
    "who voted), then the effects (hasVoted[msg.sender] = true; votes[choice] += 1;), then `emit Voted(msg.sender, "
    "choice);`.",
    "Declare the error and the event at the top of the contract: `error AlreadyVoted(address voter);`, "
    "`error NoSuchChoice(uint8 choice);`, `event Voted(address indexed voter, uint8 choice);`.",
    "A revert undoes everything the transaction did: checks can come in any order, but nothing is kept of a "
    "transaction that reverts, except the gas it burned.",
])
def check_poll(poll_source):
    import sumkit as sk

    artifact = compile_answer(poll_source, "Poll", "poll_source")
    chain = sk.Chain()
    try:
        poll = chain.deploy(artifact, sender=chain.owner)
    except sk.Reverted as e:
        raise Wrong(f"your Poll reverted while deploying: {e.reason}") from None
    names = {f["name"] for f in artifact["abi"] if f.get("type") in ("function", "event", "error")}
    missing = sorted({"vote", "hasVoted", "votes", "Voted", "AlreadyVoted", "NoSuchChoice"} - names)
    if missing:
        raise Wrong(f"your Poll has no {', '.join(missing)}: the check calls vote(uint8), hasVoted(address), "
                    "votes(uint256) and reads the Voted event, AlreadyVoted and NoSuchChoice errors")
    ballots = [(chain.alice, 1), (chain.bob, 2), (chain.carol, 1)]
    for voter, choice in ballots:
        _vote(poll, chain, voter, choice)
    for seed in variant_seeds("00.3", (1,), visible=0):  # more voters (new accounts), their choices from the secret
        for n, choice in enumerate(ballot_case(seed)):
            ballots.append((chain.new_account(10**17, name=f"voter {n + 1}"), choice))
            _vote(poll, chain, *ballots[-1])
    gas_vote = chain.gas_log.gas_used.iloc[-1]
    counts = [poll.call("votes", i) for i in range(3)]
    expected = [sum(c == i for _, c in ballots) for i in range(3)]
    if counts != expected:
        raise Wrong(f"after the votes {[(chain.name_of(v), c) for v, c in ballots]}, votes(0..2) reads {counts}, "
                    f"not {expected}")
    if not poll.call("hasVoted", chain.alice) or poll.call("hasVoted", chain.owner):
        raise Wrong("hasVoted should be true for an address that voted and false for one that did not")
    _expect_revert(lambda: poll.transact("vote", 2, sender=chain.alice), "AlreadyVoted", {"voter": chain.alice},
                   "alice voting a second time")
    _expect_revert(lambda: poll.transact("vote", 3, sender=chain.owner), "NoSuchChoice", {"choice": 3},
                   "a vote for choice 3")
    if [poll.call("votes", i) for i in range(3)] != expected:
        raise Wrong("a reverted vote changed the counts")
    return Partial(3, f"votes(0..2) = {counts} after {len(ballots)} votes (a vote cost {gas_vote:,} gas; reading "
                      "the counts sent no transaction); Voted events as sent; a second vote reverted with "
                      "AlreadyVoted, choice 3 with NoSuchChoice, and nothing changed")


def ballot_case(seed: int) -> list[int]:
    """00.3's hidden case ``seed``: the choices (0 to 2) of 1 to 4 more voters."""
    rng = np.random.default_rng(seed)
    return [int(c) for c in rng.integers(0, 3, int(rng.integers(1, 5)))]


def _vote(poll: Any, chain: Any, voter: str, choice: int) -> None:
    """``voter`` votes ``choice``; :class:`Wrong` unless the Voted event says so."""
    receipt = poll.transact("vote", choice, sender=voter)
    try:
        event = receipt.event("Voted")
    except KeyError:
        raise Wrong(f"{chain.name_of(voter)}'s vote emitted no Voted event: "
                    "`emit Voted(msg.sender, choice);`") from None
    if list(event.values()) != [voter, choice]:
        raise Wrong(f"{chain.name_of(voter)} voted {choice}, but the Voted event says {event}")


# -- 00.4 ------------------------------------------------------------------------------------------------------

ROBBER = """
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

interface IVault {
    function deposit() external payable;
    function withdraw() external;
}

/// @notice The checker's attacker: deposits, withdraws, and asks again from receive() while the vault pays.
contract Robber {
    IVault public immutable vault;
    uint256 public rounds;

    constructor(IVault vault_) { vault = vault_; }

    function rob() external payable {
        vault.deposit{value: msg.value}();
        vault.withdraw();
    }

    receive() external payable {
        if (rounds < 5 && address(vault).balance >= msg.value && msg.value > 0) {
            rounds += 1;
            try vault.withdraw() {} catch {}
        }
    }
}
"""


@functools.cache
def _robber() -> dict[str, Any]:
    import sumkit as sk

    return sk.compile_source(ROBBER)["Robber"]


@exercise("00.4", title="A vault that sends ether safely", points=3, hints=[
    "deposit() is `external payable` and adds msg.value to balanceOf[msg.sender]; receive() does the same for "
    "ether sent with no function call. `mapping(address => uint256) public balanceOf;` gives the getter.",
    "withdraw(): read the amount, revert NothingToWithdraw() if it is 0, set balanceOf[msg.sender] = 0, emit "
    "Withdrawn, and only then send: `(bool ok, ) = msg.sender.call{value: amount}(\"\"); if (!ok) revert "
    "TransferFailed();`.",
    "The check's attacker withdraws again from its receive() while your vault is still sending: if the balance "
    "is set to 0 after the call, it is paid twice.",
    "Checks, effects, interactions: once the state says the money left, a call back finds nothing to take.",
])
def check_vault(vault_source):
    import sumkit as sk

    artifact = compile_answer(vault_source, "Vault", "vault_source")
    chain = sk.Chain()
    vault = chain.deploy(artifact, sender=chain.owner)
    names = {f.get("name") for f in artifact["abi"]} | {f["type"] for f in artifact["abi"]}
    missing = sorted({"deposit", "withdraw", "balanceOf", "receive", "Deposited", "Withdrawn",
                      "NothingToWithdraw"} - names)
    if missing:
        raise Wrong(f"your Vault has no {', '.join(missing)}")
    amounts = {chain.alice: sk.ether(2), chain.bob: sk.ether(3)}
    for who, wei in amounts.items():
        receipt = vault.transact("deposit", sender=who, value=wei)
        if "Deposited" not in [n for n, _ in receipt.events]:
            raise Wrong(f"{chain.name_of(who)}'s deposit emitted no Deposited event")
    chain.w3.eth.send_transaction({"from": chain.carol, "to": vault.address, "value": sk.ether(1)})
    amounts[chain.carol] = sk.ether(1)
    for who, wei in amounts.items():
        if vault.call("balanceOf", who) != wei:
            how = "sent plain ether (receive())" if who == chain.carol else f"deposited {sk.format_ether(wei)}"
            raise Wrong(f"{chain.name_of(who)} {how}, but balanceOf says {sk.format_ether(vault.call('balanceOf', who))}")
    before = chain.balance(chain.bob)
    vault.transact("withdraw", sender=chain.bob)
    if chain.balance(chain.bob) - before != amounts[chain.bob] or vault.call("balanceOf", chain.bob) != 0:
        raise Wrong(f"bob withdrew, but received {sk.format_ether(chain.balance(chain.bob) - before)} of his "
                    f"{sk.format_ether(amounts[chain.bob])} (balanceOf now {vault.call('balanceOf', chain.bob)})")
    _expect_revert(lambda: vault.transact("withdraw", sender=chain.bob), "NothingToWithdraw", {},
                   "bob withdrawing a second time")
    # The attack: a contract deposits 1 ether and asks again from receive() while the vault pays it.
    robber = chain.deploy(_robber(), vault.address, sender=chain.mallory)
    held = chain.balance(vault.address)
    try:
        robber.transact("rob", sender=chain.mallory, value=sk.ether(1))
    except sk.Reverted as e:
        raise Wrong(f"an honest contract's deposit and withdrawal reverted: {e.reason}. A contract may withdraw "
                    "too (its receive() runs when the ether arrives)") from None
    stolen = chain.balance(robber.address) - sk.ether(1)
    if stolen > 0:
        raise Wrong(f"a reentrant contract deposited 1 ETH and left with {sk.format_ether(stolen + sk.ether(1))}: "
                    f"it called withdraw() again from its receive() ({robber.call('rounds')} times) before your "
                    "vault set its balance to 0. Checks, effects, then interactions")
    if chain.balance(vault.address) != held:
        raise Wrong(f"the vault held {sk.format_ether(held)} before the robber came and "
                    f"{sk.format_ether(chain.balance(vault.address))} after")
    return Partial(3, f"alice, bob and carol (by a plain transfer) credited {', '.join(sk.format_ether(w) for w in amounts.values())}; "
                      f"bob withdrew {sk.format_ether(amounts[chain.bob])}, and again: NothingToWithdraw; a reentrant "
                      f"contract asked {robber.call('rounds')} more time(s) from its receive() and left with its own "
                      f"1 ETH only; the vault still holds {sk.format_ether(chain.balance(vault.address))} for alice and carol")
