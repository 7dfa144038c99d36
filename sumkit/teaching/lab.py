"""The attack lab: Ethernaut-style levels on deliberately vulnerable variants of the SUM contracts.

Each level deploys a fresh, small "mini trainer" (``contracts/lab/``) holding the deposits of honest
contributors; one function in it has a classic bug. You play as ``level.player`` (Mallory): read the
code, find the bug, exploit it from Python (or, in the level ``own_attacker``, with a contract you write in
Solidity), then check with ``level.validate()``. ``level.hint()`` reveals one hint at a time; the last one
names the idea, never the code. Every level has a fixed twin (``fixed=True``) on which the same exploit
fails. The lab hands out no solutions: the reference exploits live in the tests and the instructors'
solution notebook.

>>> import sumkit as sk
>>> sk.lab.levels()["reentrancy"]                          # doctest: +ELLIPSIS
'Drain the trainer: ...'
>>> level = sk.lab.level("reentrancy")
>>> level.validate()
False
>>> level.hint()                                           # doctest: +ELLIPSIS
Hint 1/3: Read refund(): ...

The contracts are deliberately vulnerable: they are for this lab only; never deploy them anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import is_address, to_checksum_address

from ..solc.artifacts import SOURCES
from ..chain.chain import Chain, Contract, Receipt
from ..plumbing.encoding import SCALE  # 1.0 is stored as 10**9
from ..plumbing.units import days, ether, format_ether

if TYPE_CHECKING:
    import pandas as pd

DEPOSIT = ether(1)  # every contribution in the lab pays exactly this
REFUND_WAIT = days(1)
OWNER_CLAIM_WAIT = days(9)
POSITIVE = (SCALE, 0)  # the lab model predicts 1 for this sample
NEGATIVE = (0, SCALE)  # ... and 0 for this one
WEIGHTS = (SCALE, -SCALE)  # a 2-feature DensePerceptron: predicts 1 when x[0] > x[1]
FEATURE_BOUND = 100 * SCALE  # the lab model trains on values within +-100 (sumkit's default feature bound)
SLOW = SCALE // 10  # learning rate 0.1: one bad sample does not flip the model
FAST = SCALE  # learning rate 1.0: the model agrees with whatever it has just learned


class _Text(str):
    """A string that shows as plain text in a notebook (no quotes, real line breaks)."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


@dataclass(frozen=True)
class _Spec:
    name: str
    title: str
    goal: str
    hints: tuple[str, ...]
    source: str  # relative to contracts/
    contract: str  # the vulnerable contract
    fixed_contract: str
    excerpt: tuple[tuple[str, str], ...]  # (contract, function) pairs to show; the fixed twin is looked up
    fix: str
    setup: Callable[[Level], None]
    won: Callable[[Level, str], bool]
    wait: int = 0  # seconds the setup waits (the clock moves) before ``after_wait`` runs
    after_wait: Callable[[Level], None] | None = None


class Level:
    """One level: a fresh deployment of a vulnerable (or fixed) mini trainer, and its victims.

    ``contract`` is the target (it holds the deposits), ``model`` its ``DensePerceptron``,
    ``player`` your account (Mallory), ``owner`` the target's owner (``chain.owner``, who deploys it, unless a class
    gives each student's target its own), ``ids`` the ids of notable contributions, ``owed`` the wei the
    honest contributors are still owed. Create it with :func:`level`.
    """

    def __init__(self, spec: _Spec, chain: Chain, player: str, fixed: bool, *, travel: bool = True,
                 owner: str | None = None) -> None:
        self._spec = spec
        self.name = spec.name
        self.chain = chain
        self.player = player
        self.fixed = fixed
        self.owner = chain.owner if owner is None else owner
        self.contract: Contract
        self.model: Contract
        self.handler: Contract | None = None
        self.ids: dict[str, int] = {}
        self.owed = 0
        self._hints_shown = 0
        spec.setup(self)
        if travel:  # a class runs the waits of all its instances with one move of its clock, then finish_setup
            if spec.wait:
                chain.travel(seconds=spec.wait)
            self.finish_setup()

    def finish_setup(self) -> None:
        """The part of the setup after the level's wait (``travel=False`` leaves it to the caller, once the clock
        has moved ``_SPECS[name].wait`` seconds)."""
        if self._spec.after_wait is not None:
            self._spec.after_wait(self)
        self.start_balance = self.chain.balance(self.player)
        self.owner_start_balance = self.chain.balance(self.owner)

    def __repr__(self) -> str:
        kind = "fixed" if self.fixed else "vulnerable"
        return f"<Level {self.name!r} ({kind}): {self.contract.name} at {self.contract.address}>"

    @property
    def goal(self) -> str:
        """What you must achieve, in one line."""
        return self._spec.goal

    @property
    def hints(self) -> tuple[str, ...]:
        """The hints revealed so far with :meth:`hint`."""
        return self._spec.hints[: self._hints_shown]

    def hint(self) -> str:
        """Reveal the next hint, one per call (shows as text in a notebook); the last names the idea, not the code."""
        total = len(self._spec.hints)
        if self._hints_shown >= total:
            return _Text(f"No more hints for {self.name!r}: that was the last ({total}/{total}). "
                         f"{self._spec.hints[-1]}")
        self._hints_shown += 1
        return _Text(f"Hint {self._hints_shown}/{total}: {self._spec.hints[self._hints_shown - 1]}")

    @property
    def fix(self) -> str:
        """How the fixed twin closes the hole."""
        return self._spec.fix

    def describe(self) -> str:
        """The level's title, goal, your account and the target (shows as text in a notebook); hints come
        one at a time from :meth:`hint`.

        >>> print(level.describe())                            # doctest: +SKIP
        """
        lines = [
            f"Level {self.name!r}: {self._spec.title}" + (" (FIXED twin)" if self.fixed else ""),
            f"Goal: {self.goal}",
            f"You play as {self.chain.name_of(self.player)} ({self.player}), "
            f"balance {format_ether(self.chain.balance(self.player))}.",
            f"Target: {self.contract.name} at {self.contract.address}, "
            f"holding {format_ether(self.chain.balance(self.contract.address))} "
            f"(source: contracts/{self._spec.source}).",
            f"Stuck? level.hint() reveals the next hint ({self._hints_shown} of {len(self._spec.hints)} shown).",
        ]
        return _Text("\n".join(lines))

    def validate(self, player: str | None = None) -> bool:
        """Whether the level is won (by ``player``, default ``level.player``)."""
        return bool(self._spec.won(self, player or self.player))

    def excerpt(self, fixed: bool | None = None) -> str:
        """The vulnerable code of this level (or of its fixed twin), with line numbers, read from the .sol file."""
        fixed = self.fixed if fixed is None else fixed
        path = _source_path(self._spec.source)
        if path is None:
            return _Text(f"(the source contracts/{self._spec.source} is not available in this installation)")
        text = path.read_text()
        parts = []
        for contract, function in self._spec.excerpt:
            if fixed and contract == self._spec.contract:
                contract = self._spec.fixed_contract
            part = _function_lines(text, contract, function, path.name)
            if part is not None:
                parts.append(part)
        return _Text("\n\n".join(parts))

    # -- helpers for the player ------------------------------------------------------------------
    def deploy(self, contract: str | dict[str, Any], *args: Any) -> Contract:
        """Deploy, as the player, the lab contract named ``contract`` (an attacker from contracts/lab/attackers/)
        or an artifact you compiled with ``sk.compile_source`` (the only kind level ``own_attacker`` accepts)."""
        if isinstance(contract, str) and self.name == "own_attacker":
            raise ValueError(
                "in this level you write the attacker yourself: compile it with sk.compile_source(text) or a "
                "%%solidity cell and pass the artifact, e.g. level.deploy(artifacts['Drainer'], level.contract.address)"
            )
        if not isinstance(contract, (str, dict)):
            raise TypeError("deploy() takes a contract name or an artifact dict from sk.compile_source(...)")
        return self.chain.deploy(contract, *args, sender=self.player)

    def lure(self, address: str) -> Receipt:
        """Level 'tx_origin' only: the owner falls for the bait and calls ``claimAirdrop()`` on ``address``."""
        if self.name != "tx_origin":
            raise ValueError("lure() belongs to the level 'tx_origin': nobody else falls for airdrops here")
        return Contract(self.chain, "AirdropPhisher", address).transact("claimAirdrop", sender=self.owner)

    def contributions(self) -> pd.DataFrame:
        """Every contribution held by the target, read from the chain (amounts in wei)."""
        import pandas as pd

        rows = []
        if self.handler is not None:
            records = [self.handler.call("get", i) for i in range(self.handler.call("count"))]
        else:
            records = [self.contract.call("contribution", i) for i in range(self.contract.call("contributionCount"))]
        for i, r in enumerate(records):
            rows.append(
                {
                    "id": i,
                    "contributor": self.chain.name_of(r["contributor"]),
                    "label": r["label"],
                    "deposit": r["deposit"],
                    "claimable": r.get("claimable", 0 if r["refunded"] else r["deposit"]),
                    "refunded": r["refunded"],
                    "model_agrees": self.model.call("predict", r["x"]) == r["label"],
                }
            )
        columns = ["id", "contributor", "label", "deposit", "claimable", "refunded", "model_agrees"]
        return pd.DataFrame(rows, columns=columns)


# -- source excerpts ------------------------------------------------------------------------------
def _source_path(source: str) -> Path | None:
    """The .sol file ``source`` (a path under contracts/), from the source tree or the installed package."""
    path = SOURCES / source
    return path if path.is_file() else None


def _function_lines(text: str, contract: str, function: str, filename: str) -> str | None:
    """``function`` of ``contract`` in ``text`` with its NatSpec, as numbered lines (None if it has none)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"\s*(abstract )?contract {contract}\b", line))
    stop = next((i for i in range(start + 1, len(lines)) if re.match(r"\s*(abstract )?contract ", lines[i])), len(lines))
    first = next((i for i in range(start, stop) if re.match(rf"\s*function {function}\(", lines[i])), None)
    if first is None:
        return None
    top = first
    while top > 0 and lines[top - 1].strip().startswith("///"):
        top -= 1
    depth, end, opened = 0, first, False
    for end in range(first, len(lines)):
        depth += lines[end].count("{") - lines[end].count("}")
        opened = opened or "{" in lines[end]
        if opened and depth == 0:
            break
    body = "\n".join(f"{n + 1:4d}  {lines[n]}" for n in range(top, end + 1))
    return f"// {filename}, contract {contract}\n{body}"


# -- deployment -----------------------------------------------------------------------------------
def _deploy_lab_trainer(level: Level, vulnerable: str, fixed: str, *extra: int, learning_rate: int = SLOW) -> None:
    """A DensePerceptron bound to a new LabTrainer-based contract, both deployed by the owner."""
    chain, owner = level.chain, level.chain.owner
    name = fixed if level.fixed else vulnerable
    trainer_address = chain.next_contract_address(owner, skip=1)
    level.model = chain.deploy("DensePerceptron", trainer_address, list(WEIGHTS), 0, learning_rate, FEATURE_BOUND,
                               sender=owner)
    level.contract = chain.deploy(name, level.model.address, level.owner, DEPOSIT, REFUND_WAIT, *extra, sender=owner)
    assert level.contract.address == trainer_address


def _add(level: Level, x: tuple[int, int], label: int, sender: str) -> int:
    return level.contract.transact("addData", list(x), label, sender=sender, value=DEPOSIT).output


def _honest_pair(level: Level) -> None:
    """Alice and Bob add good data: the trainer now owes them their deposits."""
    level.ids["alice"] = _add(level, POSITIVE, 1, level.chain.alice)
    level.ids["bob"] = _add(level, NEGATIVE, 0, level.chain.bob)
    level.owed = 2 * DEPOSIT


def _insolvent(level: Level, player: str) -> bool:
    """The trainer can no longer pay back what the honest contributors are owed."""
    return level.chain.balance(level.contract.address) < level.owed


# -- level: reentrancy ------------------------------------------------------------------------------
def _setup_reentrancy(level: Level) -> None:
    _deploy_lab_trainer(level, "ReentrantRefundTrainer", "ReentrantRefundTrainerFixed")
    _honest_pair(level)




# -- level: open_record -----------------------------------------------------------------------------
# -- level: own_attacker ----------------------------------------------------------------------------
def _setup_own_attacker(level: Level) -> None:
    _deploy_lab_trainer(level, "ReentrantRefundTrainer", "ReentrantRefundTrainerFixed")
    _honest_pair(level)
    level.ids["carol"] = _add(level, POSITIVE, 1, level.chain.carol)
    level.owed += DEPOSIT


def _won_own_attacker(level: Level, player: str) -> bool:
    """The trainer is empty and the player holds the honest contributors' deposits."""
    chain = level.chain
    return chain.balance(level.contract.address) == 0 and chain.balance(player) - level.start_balance >= level.owed


def _setup_open_record(level: Level) -> None:
    chain, owner = level.chain, level.chain.owner
    trainer_address = chain.next_contract_address(owner, skip=2)
    level.model = chain.deploy("DensePerceptron", trainer_address, list(WEIGHTS), 0, SLOW, FEATURE_BOUND, sender=owner)
    handler = "GuardedRecordHandler" if level.fixed else "OpenRecordHandler"
    level.handler = chain.deploy(handler, trainer_address, sender=owner)
    level.contract = chain.deploy(
        "RecordTrainer", level.handler.address, level.model.address, DEPOSIT, REFUND_WAIT, sender=owner
    )
    assert level.contract.address == trainer_address
    _honest_pair(level)




# -- level: tx_origin -------------------------------------------------------------------------------
def _setup_tx_origin(level: Level) -> None:
    _deploy_lab_trainer(level, "TxOriginTrainer", "TxOriginTrainerFixed", OWNER_CLAIM_WAIT)
    _honest_pair(level)  # then the level waits OWNER_CLAIM_WAIT + REFUND_WAIT: forgotten deposits, the owner may sweep


def _won_tx_origin(level: Level, player: str) -> bool:
    """Forgotten deposits were swept (emptied without a refund), not to the owner, and the player gained."""
    chain = level.chain
    swept = 0
    for i in range(level.contract.call("contributionCount")):
        c = level.contract.call("contribution", i)
        swept += c["deposit"] if c["claimable"] == 0 and not c["refunded"] else 0
    owner_gain = chain.balance(level.owner) - level.owner_start_balance
    return swept > 0 and owner_gain < swept and chain.balance(player) > level.start_balance




# -- level: stale_prediction ------------------------------------------------------------------------
def _setup_stale_prediction(level: Level) -> None:
    _deploy_lab_trainer(level, "StalePredictionTrainer", "StalePredictionTrainerFixed", learning_rate=FAST)
    level.ids["alice"] = _add(level, POSITIVE, 1, level.chain.alice)
    level.owed = DEPOSIT


def _won_stale_prediction(level: Level, player: str) -> bool:
    """The player was refunded a contribution the model now disagrees with (bad data, refunded)."""
    for i in range(level.contract.call("contributionCount")):
        c = level.contract.call("contribution", i)
        if c["contributor"] == player and c["refunded"] and level.model.call("predict", c["x"]) != c["label"]:
            return True
    return False




# -- level: unchecked_take --------------------------------------------------------------------------
def _setup_unchecked_take(level: Level) -> None:
    chain = level.chain
    _deploy_lab_trainer(level, "UncheckedTakeTrainer", "UncheckedTakeTrainerFixed")
    level.ids["alice_first"] = _add(level, POSITIVE, 1, chain.alice)
    level.ids["bob_first"] = _add(level, NEGATIVE, 0, chain.bob)  # then the level waits REFUND_WAIT


def _after_wait_unchecked_take(level: Level) -> None:
    chain = level.chain
    first = [level.ids["alice_first"], level.ids["bob_first"]]
    for account, i in zip((chain.alice, chain.bob), first):  # alice and bob have good data: they may take
        level.contract.transact("refund", i, sender=account)
    _honest_pair(level)
    level.ids["carol"] = _add(level, NEGATIVE, 1, chain.carol)  # bad data: its deposit may be taken




_SPECS: dict[str, _Spec] = {
    spec.name: spec
    for spec in (
        _Spec(
            name="reentrancy",
            title="The refund that pays first",
            goal="Drain the trainer: take back more than your deposit, so it cannot refund Alice and Bob.",
            hints=(
                "Read refund(): in which order does it check, pay, and record that you were refunded?",
                "When ether is sent to a contract, its receive() function runs, and it may call back. Read "
                "contracts/lab/attackers/ReentrancyAttacker.sol: which of its functions does what, and who may "
                "call them?",
                "The idea: a refund that has already been paid is still 'not refunded' while the payment runs, "
                "so a receiver that asks again is paid again. Only data the model agrees with is refundable, and "
                "only after the refund wait; the loot sits in the attacker until you withdraw it.",
            ),
            source="lab/ReentrantRefund.sol",
            contract="ReentrantRefundTrainer",
            fixed_contract="ReentrantRefundTrainerFixed",
            excerpt=(("ReentrantRefundTrainer", "refund"),),
            fix=(
                "Checks-effects-interactions: mark the contribution as refunded before sending the ether, so a "
                "second refund() fails with AlreadyRefunded; and a reentrancy lock (nonReentrant) refuses any "
                "call back into the trainer while it pays (Reentrancy). sumkit's CollaborativeTrainer does both."
            ),
            setup=_setup_reentrancy,
            won=_insolvent,
        ),
        _Spec(
            name="own_attacker",
            title="Write the attacker yourself",
            goal="With an attacker contract you write in Solidity, empty the trainer and end with Alice's, Bob's "
            "and Carol's deposits in your account.",
            hints=(
                "It is the refund of level 'reentrancy' again: excerpt() shows it. Your contract must add data "
                "(paying the deposit), claim its refund, and ask again each time the ether arrives.",
                "Declare the trainer's functions you call in an interface at the top of your source "
                "(addData(int64[] calldata, uint64) payable returns (uint256), refund(uint256) returns (uint256)); "
                "receive() external payable runs when ether arrives.",
                "The idea: stop asking when the trainer holds less than one deposit, or the last call reverts "
                "and undoes everything; then send the loot on to your own account: the level counts your "
                "balance, not your contract's.",
            ),
            source="lab/ReentrantRefund.sol",
            contract="ReentrantRefundTrainer",
            fixed_contract="ReentrantRefundTrainerFixed",
            excerpt=(("ReentrantRefundTrainer", "refund"),),
            fix=(
                "The same as level 'reentrancy': checks-effects-interactions and a reentrancy lock. Your contract "
                "is refused with Reentrancy on the fixed twin."
            ),
            setup=_setup_own_attacker,
            won=_won_own_attacker,
        ),
        _Spec(
            name="open_record",
            title="The data handler anyone can write to",
            goal="Get paid a deposit you never paid: empty the trainer, so it cannot refund Alice and Bob.",
            hints=(
                "The trainer trusts every record its data handler holds (level.handler). Who may call record()?",
                "A record says who contributed, what, and with which deposit. Nothing checks that the deposit "
                "was paid.",
                "The idea: write yourself a record worth everything the trainer holds, for data the model "
                "agrees with, and claim it like an honest refund once the wait is over.",
            ),
            source="lab/OpenRecord.sol",
            contract="OpenRecordHandler",
            fixed_contract="GuardedRecordHandler",
            excerpt=(("OpenRecordHandler", "record"), ("RecordTrainer", "refund")),
            fix=(
                "Access control: record() carries the onlyTrainer modifier, so only the trainer, which has just "
                "received the deposit, can record one. Anyone else gets NotTrainer. sumkit's incentive mechanisms "
                "and models are all TrainerOwned, and its DataHandler is part of the trainer (recording is internal)."
            ),
            setup=_setup_open_record,
            won=_insolvent,
        ),
        _Spec(
            name="tx_origin",
            title="The owner check that looks at tx.origin",
            goal="Steal the forgotten deposits that only the owner may sweep: end with more ether than you started.",
            hints=(
                "report() lets the owner sweep old deposits. How does it recognise the owner, and whom does it pay?",
                "tx.origin is the account that signed the transaction, even when the call to the trainer comes "
                "from a contract that account called. msg.sender is the direct caller.",
                "The idea: the owner loves free airdrops and calls claimAirdrop on any contract you lure them to "
                "with level.lure; a contract the owner calls acts with the owner's tx.origin. Read "
                "contracts/lab/attackers/AirdropPhisher.sol.",
            ),
            source="lab/TxOriginTake.sol",
            contract="TxOriginTrainer",
            fixed_contract="TxOriginTrainerFixed",
            excerpt=(("TxOriginTrainer", "report"),),
            fix=(
                "Authorise msg.sender, the direct caller, never tx.origin: a contract the owner calls is then "
                "just another caller, and report() refuses it with NotOwner. (tx.origin is only ever right for "
                "checking that the caller is not a contract, and even that is fragile.)"
            ),
            setup=_setup_tx_origin,
            won=_won_tx_origin,
            wait=OWNER_CLAIM_WAIT + REFUND_WAIT,
        ),
        _Spec(
            name="stale_prediction",
            title="The refund that trusts an old verdict",
            goal="Get a refund for bad data: be refunded a contribution whose label the model now disagrees with.",
            hints=(
                "Look at addData() and refund(): when is the model asked whether it agrees with your data?",
                "A perceptron that gets a sample wrong learns from it. With this model's learning rate, right "
                "after learning it agrees with the sample, whatever its label.",
                "The idea: the verdict is recorded when you add; the model can change afterwards. Make it agree "
                "with your wrong label just long enough, then put it back before you ask for the refund.",
            ),
            source="lab/StalePrediction.sol",
            contract="StalePredictionTrainer",
            fixed_contract="StalePredictionTrainerFixed",
            excerpt=(("StalePredictionTrainer", "addData"), ("StalePredictionTrainer", "refund")),
            fix=(
                "Ask the model at refund time, after the refund wait, when others had time to correct it: "
                "refund() compares classifier.predict(x) with the label now, and bad data fails with "
                "ModelDisagrees (and can be taken by others). That is why sumkit's refund needs the sample again."
            ),
            setup=_setup_stale_prediction,
            won=_won_stale_prediction,
        ),
        _Spec(
            name="unchecked_take",
            title="The unchecked subtraction",
            goal="Take more than Carol's bad deposit: report until the trainer cannot refund Alice and Bob.",
            hints=(
                "report() pays a share deposit * good(you) / good(all) per call, until nothing is left. What "
                "happens when the last share is larger than what is left, inside unchecked { }?",
                "Only contributors with good data may report: how does a contribution become 'good' for you?",
                "The idea: each report subtracts your share from what is left of Carol's deposit, and nothing "
                "stops a second report or a share larger than what is left.",
            ),
            source="lab/UncheckedTake.sol",
            contract="UncheckedTakeTrainer",
            fixed_contract="UncheckedTakeTrainerFixed",
            excerpt=(("UncheckedTakeTrainer", "report"),),
            fix=(
                "Cap the share at what is left and keep the subtraction checked: Solidity 0.8 reverts on "
                "underflow outside unchecked blocks. The last report pays the remainder and the next one fails "
                "with NothingLeftToClaim. Use unchecked only where a check just above proves it safe."
            ),
            setup=_setup_unchecked_take,
            won=_insolvent,
            wait=REFUND_WAIT,
            after_wait=_after_wait_unchecked_take,
        ),
    )
}

def levels() -> dict[str, str]:
    """Every level's name and one-line goal, in lab order.

    >>> list(levels())
    ['reentrancy', 'own_attacker', 'open_record', 'tx_origin', 'stale_prediction', 'unchecked_take']
    """
    return {name: spec.goal for name, spec in _SPECS.items()}


def level(name: str, chain: Chain | None = None, *, fixed: bool = False, player: str | None = None) -> Level:
    """Deploy a fresh instance of level ``name`` (on ``chain``, default a new one) for ``player``
    (default ``chain.mallory``); ``fixed=True`` deploys the fixed twin instead.

    >>> lvl = level("unchecked_take")
    >>> lvl.validate()
    False
    """
    if name not in _SPECS:
        raise ValueError(f"unknown level {name!r}: choose one of {', '.join(_SPECS)}")
    chain = Chain() if chain is None else chain
    player = chain.mallory if player is None else player
    if not is_address(player) or to_checksum_address(player) not in chain.accounts:
        raise ValueError(f"player {player!r} is not an account of this chain: use chain.mallory, chain.alice, ...")
    if to_checksum_address(player) == chain.owner:
        raise ValueError("the player cannot be chain.owner: the owner deploys the level (and is a victim in one)")
    return Level(_SPECS[name], chain, to_checksum_address(player), fixed)
