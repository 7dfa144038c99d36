"""Exercises of notebook 07 (to a real network): a contribution with plain web3.py, and who paid what, read
from the logs.

Each checker runs the learner's function on a fresh in-process chain of its own, through ``chain.w3``, and
compares with what sumkit saw (its events); under the grader it also runs hidden cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..plumbing.errors import as_reverted, decode_revert
from . import Partial, Wrong, exercise, require_function, variant_seeds


def _deployment(weights: tuple[float, ...] = (10.0, -10.0, 0.0)) -> tuple[Any, Any, Any]:
    """A fresh chain, a small perceptron under Deposit-Refund-Take, and its web3 contract object."""
    import sumkit as sk

    chain = sk.Chain()
    model = sk.models.DensePerceptron.from_floats(list(weights), -0.5)
    trainer = sk.deploy(chain, model, sk.incentives.DepositRefundTake(refund_wait=sk.days(1)), name="exercise")
    contract = chain.w3.eth.contract(address=trainer.address, abi=trainer.contract.abi)
    return chain, trainer, contract


# -- 07.1 ------------------------------------------------------------------------------------------------------

@exercise("07.1", title="A contribution with plain web3.py", points=2, hints=[
    "Two steps, as in the cells above: a free call to ask the price, then a transaction that pays it.",
    "contract.functions.nextDeposit().call() is the price now; .transact({...}) takes 'from' and 'value'.",
    "transact returns the transaction's hash, not its receipt: w3.eth.wait_for_transaction_receipt(tx_hash) "
    "gives the receipt.",
])
def check_contribute(contribute):
    fn = require_function(contribute, "contribute", "def contribute(w3, trainer, x, label, sender): ...")
    chain, trainer, contract = _deployment()
    sent = []
    for i, (x, label, sender) in enumerate([([1.0, 0.0, 0.0], 1, chain.bob), ([0.0, 2.0, 0.0], 0, chain.carol)]):
        if i:
            chain.travel(minutes=7 * i)  # the price changes with the time since the last contribution
        sent.append(_compare_contribution(fn, chain, trainer, contract, x, label, sender))
    for seed in variant_seeds("07.1", (1, 2), visible=0):  # other samples, labels, senders and waits
        wait, x, label, sender = contribution_case(seed)
        chain.travel(seconds=wait)
        sent.append(_compare_contribution(fn, chain, trainer, contract, x, label, getattr(chain, sender)))
    return Partial(2, f"{len(sent)} contributions, each with the deposit quoted and its receipt: " + "; ".join(sent))


def contribution_case(seed: int) -> tuple[int, list[float], int, str]:
    """A hidden contribution of 07.1 (or 07.2), drawn from ``seed``: the wait before it (1 minute to 3 hours), the
    sample (3 features, multiples of 1/8 in [-5, 5]), its label and its sender (a named account)."""
    rng = np.random.default_rng(seed)
    return (int(rng.integers(60, 3 * 3600)), (rng.integers(-40, 41, 3) / 8).tolist(), int(rng.integers(0, 2)),
            str(rng.choice(["alice", "bob", "carol", "mallory"])))


def _compare_contribution(fn: Callable, chain: Any, trainer: Any, contract: Any, x: list[float], label: int,
                          sender: str) -> str:
    """Call ``fn`` to add ``(x, label)`` from ``sender``; :class:`Wrong` unless the chain recorded exactly that,
    paid at the price quoted, and ``fn`` returned its receipt; else what was compared."""
    quote = trainer.next_deposit()
    n_before = len(chain.events("ContributionAdded"))
    try:
        receipt = fn(chain.w3, contract, trainer.model.encode(x), label, sender)
    except Exception as e:  # a revert, in the contract's words, is feedback; anything else is the learner's error
        reverted = as_reverted(e)
        if reverted is None:
            raise
        raise Wrong(f"the contract refused the transaction: {reverted.reason}. {reverted.hint}") from None
    added = chain.events("ContributionAdded")
    if len(added) == n_before:
        raise Wrong("no contribution was added: did the function send the transaction "
                    "(contract.functions.addData(x, label).transact({...}))?")
    row = added.iloc[-1]
    if row["contributor"] != sender:
        raise Wrong(f"the contribution came from {chain.name_of(row['contributor'])}, not from the sender given "
                    f"({chain.name_of(sender)}): pass 'from': sender to transact")
    if row["label"] != label:
        raise Wrong(f"the contribution was recorded with label {row['label']}, but the label given was {label}")
    if row["deposit"] != quote:
        raise Wrong(f"the deposit recorded is {row['deposit']} wei, but the price was {quote}")
    if not hasattr(receipt, "get") or receipt.get("status") != 1:
        raise Wrong(f"the contribution went through, but the function returned {type(receipt).__name__} "
                    f"{receipt!r:.80}, not the transaction's receipt (with its status and gasUsed): wait for it "
                    "with w3.eth.wait_for_transaction_receipt(tx_hash)")
    if receipt.get("gasUsed") != chain.gas_log["gas_used"].iloc[-1]:
        raise Wrong("the receipt returned is not the one of this contribution's transaction")
    return (f"{chain.name_of(sender)} paid {int(row['deposit']):,} wei (quoted {quote:,}), label {label}, "
            f"receipt status {receipt['status']}, {receipt['gasUsed']:,} gas")


# -- 07.2 ------------------------------------------------------------------------------------------------------

@exercise("07.2", title="Who paid what, from the logs", points=2, hints=[
    "Every contribution emits a ContributionAdded event; its arguments include the contributor and the deposit.",
    "trainer.events.ContributionAdded().get_logs(from_block=0) returns every such log of this contract; each "
    "has log['args'] with the event's arguments by name.",
    "Add the deposits up per contributor: a contributor may appear several times.",
])
def check_deposits_by_contributor(deposits_by_contributor):
    fn = require_function(deposits_by_contributor, "deposits_by_contributor",
                          "def deposits_by_contributor(w3, trainer): ...")
    chain, trainer, contract = _deployment()
    plan = [(chain.alice, [1.0, 0.0, 0.0], 1), (chain.bob, [0.0, 1.0, 0.0], 0), (chain.alice, [2.0, 0.0, 0.0], 1)]
    for sender, x, label in plan:
        chain.travel(minutes=5)
        trainer.add_data(x, label, sender=sender)
    for seed in variant_seeds("07.2", (1,), visible=0):  # more contributions: who, what and when from the secret
        for wait, x, label, sender in contributions_case(seed):
            chain.travel(seconds=wait)
            trainer.add_data(x, label, sender=getattr(chain, sender))
    # One contribution sent with plain web3.py: the logs show it as well.
    contract.functions.addData(trainer.model.encode([3.0, 0.0, 0.0]), 1).transact(
        {"from": chain.mallory, "value": trainer.next_deposit()})
    # A second trainer on the same chain, with its own contributions: they belong to it, not to this one.
    import sumkit as sk

    second = sk.deploy(chain, trainer.model.copy(), sk.incentives.DepositRefundTake(), name="another")
    second.add_data([1.0, 0.0, 0.0], 1, sender=chain.bob)
    added = chain.events("ContributionAdded", address=trainer.address)
    expected: dict[str, int] = {}
    for who, deposit in zip(added["contributor"], added["deposit"]):
        expected[who] = expected.get(who, 0) + int(deposit)
    yours = fn(chain.w3, contract)
    if not isinstance(yours, dict):
        raise Wrong(f"deposits_by_contributor returned a {type(yours).__name__}; return a dict: address -> wei")
    names = {a: chain.name_of(a) for a in set(expected) | set(yours)}
    missing = [names[a] for a in expected if a not in yours]
    if missing:
        raise Wrong(f"contributors missing: {', '.join(missing)} (every ContributionAdded log counts, however it "
                    "was sent)")
    extra = [names[a] for a in yours if a not in expected]
    if extra:
        raise Wrong(f"{', '.join(extra)} did not contribute to this trainer: read only this contract's logs "
                    "(trainer.events... filters by its address)")
    wrong = {names[a]: (yours[a], w) for a, w in expected.items() if yours[a] != w}
    if wrong:
        who, (got, want) = next(iter(wrong.items()))
        hint = " (only the first of several?)" if got < want else ""
        raise Wrong(f"{who}'s total is {got} wei, but the logs add up to a different amount{hint}: "
                    f"{'too little' if got < want else 'too much'}")
    return Partial(2, f"your totals equal the sums of this trainer's {len(added)} ContributionAdded logs: "
                      + ", ".join(f"{names[a]} {w:,} wei" for a, w in expected.items()))


def _compare_decoded(fn: Callable, abi: list, what: str, data: str) -> str:
    """:class:`Wrong` unless ``fn`` decodes the revert ``data`` as sumkit does; else the error it decoded."""
    expected = decode_revert(bytes.fromhex(data[2:]))  # the kit's own decoding, the reference
    yours = fn(abi, data)
    if yours is None:
        raise Wrong(f"for {what} (revert data {data[:10]}...) decode_error returned None, but the ABI has the "
                    f"error {expected.error}: compare data[:4] with each error's selector")
    if not isinstance(yours, (tuple, list)) or len(yours) != 2 or not isinstance(yours[1], dict):
        raise Wrong(f"for {what} decode_error returned {yours!r:.80}; return a pair (error name, "
                    "{argument name: value})")
    name, args = yours
    if name != expected.error:
        raise Wrong(f"for {what} you decoded {name!r}, but the selector {data[:10]} is {expected.error}'s")
    if {k: _plain(v) for k, v in args.items()} != {k: _plain(v) for k, v in expected.args_.items()}:
        raise Wrong(f"for {what} you decoded {expected.error} with {args}, but its arguments are "
                    f"{expected.args_}: decode data[4:] with the types of its inputs, in order")
    return f"{what}: {expected.error}({', '.join(f'{k}={v}' for k, v in expected.args_.items())})"


def _compare_unknown(fn: Callable, abi: list, stranger: str) -> None:
    """:class:`Wrong` unless ``fn`` returns None for revert data whose selector is no error of ``abi``."""
    yours = fn(abi, stranger)
    if yours is not None:
        raise Wrong(f"decode_error(abi, {stranger[:14]}...) returned {yours!r}, but no error of the ABI has the "
                    f"selector {stranger[:10]}: return None then")


def _unknown_selector(abi: list, seed: int) -> str:
    """Revert data (hex) with a selector drawn from ``seed`` that no error of ``abi`` has, and 1 to 3 words."""
    from eth_utils import keccak

    rng = np.random.default_rng(seed)
    known = {keccak(text=f"{e['name']}({','.join(i['type'] for i in e['inputs'])})")[:4]
             for e in abi if e.get("type") == "error"}
    selector = bytes(rng.integers(0, 256, 4, dtype=np.uint8))
    while selector in known:
        selector = bytes(rng.integers(0, 256, 4, dtype=np.uint8))
    return "0x" + (selector + bytes(rng.integers(0, 256, 32 * int(rng.integers(1, 4)), dtype=np.uint8))).hex()


def contributions_case(seed: int) -> list[tuple[int, list[float], int, str]]:
    """07.2's hidden case ``seed``: 2 to 5 more contributions, each as :func:`contribution_case` draws one."""
    rng = np.random.default_rng(seed)
    return [contribution_case(int(s)) for s in rng.integers(0, 2**31, int(rng.integers(2, 6)))]


# -- 07.3 ------------------------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """A decoded value in one comparable form: bytes as 0x-hex, addresses in lower case, tuples as lists."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def revert_case(seed: int) -> tuple[int, int, tuple[list[float], int, int]]:
    """07.3's hidden case ``seed``: a wrong feature count, a label out of range, and a contribution that was never
    made (sample, label, seconds before the latest block)."""
    rng = np.random.default_rng(seed)
    return (int(rng.choice([1, 2, 4, 5, 6, 8])), int(rng.integers(2, 2**16)),
            ((rng.integers(-40, 41, 3) / 8).tolist(), int(rng.integers(0, 2)), int(rng.integers(1, 10**6))))


def _reverts(chain: Any, trainer: Any, contract: Any, seed: int | None = None) -> list[tuple[str, str]]:
    """Real reverts of a trainer, sent with plain web3.py: (what was tried, the revert data web3.py carried). The
    visible ones, or with ``seed`` a hidden case's: another feature count, label and contribution, drawn from it."""
    x = trainer.model.encode([1.0, 0.0, 0.0])
    if seed is None:
        deposit = contract.functions.nextDeposit().call()
        contract.functions.addData(x, 1).transact({"from": chain.bob, "value": deposit})
        added_at = chain.now - 12  # the block time of that contribution (one block per transaction, 12 s apart)
        attempts = [
            ("addData paying 1 wei", lambda: contract.functions.addData(x, 1).transact({"from": chain.carol,
                                                                                       "value": 1})),
            ("a refund asked at once", lambda: contract.functions.refund(x, 1, added_at).transact({"from": chain.bob})),
            ("addData with label 7", lambda: contract.functions.addData(x, 7).transact({"from": chain.carol,
                                                                                       "value": 10**18})),
        ]
    else:
        n, label, (sample, other_label, age) = revert_case(seed)
        when = int(chain.w3.eth.get_block("latest")["timestamp"]) - age
        row = trainer.model.encode(sample)
        attempts = [
            (f"addData with {n} features", lambda: contract.functions.addData([x[0]] * n, 1).transact(
                {"from": chain.carol, "value": 10**18})),
            (f"addData with label {label}", lambda: contract.functions.addData(x, label).transact(
                {"from": chain.carol, "value": 10**18})),
            ("a refund of a contribution that does not exist", lambda: contract.functions.refund(
                row, other_label, when).transact({"from": chain.bob})),
        ]
    found = []
    for what, attempt in attempts:
        try:
            attempt()
        except Exception as e:  # web3.py's ContractCustomError carries the revert data as hex
            data = getattr(e, "data", None)
            if isinstance(data, str) and data.startswith("0x"):
                found.append((what, data))
                continue
            raise
        raise AssertionError(f"{what} did not revert: the exercise's chain is not as expected")
    return found


@exercise("07.3", title="Decode a custom error with eth-abi", points=2, hints=[
    "The first 4 bytes of the revert data are the selector: keccak(text='Name(type1,type2)')[:4] of one of the "
    "ABI's errors (items with 'type' == 'error'); the rest is the arguments, ABI-encoded.",
    "For each error in the ABI, build its signature from the 'type' of each input, with no spaces; compare its "
    "selector with data[:4] (bytes.fromhex(data[2:]) turns web3's hex string into bytes).",
    "eth_abi.decode([types...], data[4:]) returns the arguments in order; zip them with the inputs' 'name's. "
    "Return None when no error of the ABI has that selector.",
    "A custom error is an ABI-encoded call to a function that does not exist: the same selector and encoding, "
    "so any tool with the ABI can read it, and one without the ABI sees only bytes.",
])
def check_decode_error(decode_error):
    fn = require_function(decode_error, "decode_error", "def decode_custom_error(abi, data): ...")
    chain, trainer, contract = _deployment()
    abi = trainer.contract.abi + trainer.incentive_contract.abi + trainer.classifier.abi
    decoded = [_compare_decoded(fn, abi, what, data) for what, data in _reverts(chain, trainer, contract)]
    _compare_unknown(fn, abi, "0xdeadbeef" + "00" * 32)
    for seed in variant_seeds("07.3", (1,), visible=0):  # other reverts, and another unknown selector
        decoded += [_compare_decoded(fn, abi, what, data) for what, data in _reverts(chain, trainer, contract, seed)]
        _compare_unknown(fn, abi, _unknown_selector(abi, seed))
    return Partial(2, f"{len(decoded)} reverts decoded as sumkit decodes them: " + "; ".join(decoded)
                      + "; an unknown selector gave None")

