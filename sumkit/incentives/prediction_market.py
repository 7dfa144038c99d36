"""PredictionMarket: the settings of ``contracts/incentives/PredictionMarket.sol`` and its pure rules (commitments,
the offline settlement), a :class:`~sumkit.incentives.base.Mechanism`; the ``trainer.market`` handle that drives a
deployed market (its ``handle``) is :class:`sumkit.incentives.market.Market`, in the module next to this one.

The story, one method per step (``m = trainer.market``)::

    m.commit_test_set(X_test, y_test, pieces=4, bounty=sk.ether(1), sender=chain.owner)  # salted hashes on chain
    m.reveal_selected(sender=chain.owner)         # the pieces the contract picked, checked against their hashes
    trainer.add_data(x, y, sender=chain.alice)    # each contribution pays the stake
    m.end(sender=chain.alice)                     # after min_duration or min_contributions
    m.reveal_rest(sender=chain.owner)             # the rest of the test set, checked too
    m.settle(sender=chain.bob)                    # replays every contribution on a copy of h_0, in bounded steps
    m.withdraw(sender=chain.alice)                # stakes plus (or minus) rewards
    m.abandon(sender=chain.carol)                 # (only if nobody pushed the settlement for reveal_window)
    m.forfeit(sender=chain.carol)                 # (only if the sponsor did not reveal in time: bounty burned)
    m.balances()                                  # who staked, who earned, who was removed

Rewards are exact integers: with ``n`` evaluation rows (the pieces not revealed at the start) the bounty
``B`` must be a multiple of ``n``; a contributor whose data removed ``s`` test errors (over all its
contributions; negative if it added errors) is paid ``stakes + (B / n) * s`` wei. With nobody removed, the
total paid beyond the stakes is exactly ``B * (L(h_0) - L(h_T))`` for the 0-1 loss ``L``. What is not earned
is burned (sent to ``0x...dEaD``), so the sponsor gets nothing back.

Each test piece is committed with a secret random salt (``piece_hash``), kept by the sponsor's handle and
revealed with the piece: without it, anyone who knows where the test data comes from could find the hidden
pieces by hashing candidates. The settlement works in steps of bounded gas (one contribution replayed, or
the model evaluated on one piece), so every transaction fits ``TX_GAS_CAP`` (16,777,216 gas, EIP-7825) whatever
the test set's size. The model is evaluated only after an update that changed it (each model's ``update`` says
whether it did): a contribution that changes nothing costs the settlement its replay, not an evaluation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import eth_abi
from eth_utils import keccak, to_checksum_address

from ..chain.chain import init_code
from ..plumbing.units import DAY, HOUR, ether
from .base import Agrees

if TYPE_CHECKING:
    from ..chain.chain import Contract
    from .market import Market

# The contract's Phase enum, in order.
PHASES: tuple[str, ...] = (
    "commit", "reveal_selected", "participation", "reveal_rest", "settle", "withdraw", "forfeited", "abandoned"
)
MAX_PIECES = 255  # the contract's MAX_PIECES
TX_GAS_CAP = 16_777_216  # the contract's TX_GAS_CAP: the most gas a transaction may use (EIP-7825, since Osaka)
MAX_PIECE_GAS = 8_000_000  # the contract's MAX_PIECE_GAS: the most gas one piece's evaluation may take
PIECE_ROW_GAS = 20_000  # the contract's PIECE_ROW_GAS: bound of a test row's evaluation beyond its values
PIECE_CLASS_GAS = 2_600  # the contract's PIECE_CLASS_GAS: bound per class of a test row beyond its values
PIECE_VALUE_GAS = 2_600  # the contract's PIECE_VALUE_GAS: bound per value and class of a test row
MAX_ROWS_PER_PIECE = MAX_PIECE_GAS // PIECE_ROW_GAS  # the contract's MAX_ROWS_PER_PIECE
MIN_WINDOW, MAX_WINDOW = HOUR, 365 * DAY  # the contract's bounds on reveal_window and min_duration
STAGES = ("replay", "evaluate", "scan", "pay")  # the contract's settlement stages, in order
BURN_ADDRESS = to_checksum_address("0x000000000000000000000000000000000000dEaD")  # the contract's BURN_ADDRESS

Piece = tuple[list[list[int]], list[int], bytes]  # encoded rows, on-chain labels, the secret salt


def piece_hash(rows: Sequence[Sequence[int]], labels: Sequence[int], salt: bytes) -> str:
    """The commitment to one test piece, as the contract computes it:
    ``keccak256(abi.encode(salt, rows, labels))``, where ``salt`` is 32 secret random bytes
    (``secrets.token_bytes(32)``) that the sponsor reveals with the piece.

    >>> piece_hash([[1, 2]], [0], bytes(32)) != piece_hash([[1, 2]], [0], bytes(31) + b"\\x01")
    True
    """
    if not isinstance(salt, bytes) or len(salt) != 32:
        raise ValueError(f"salt must be 32 bytes (secrets.token_bytes(32)), got {salt!r:.20}")
    encoded = eth_abi.encode(
        ["bytes32", "int64[][]", "uint64[]"],
        [salt, [[int(v) for v in r] for r in rows], [int(v) for v in labels]],
    )
    return "0x" + keccak(encoded).hex()


def piece_arguments(pieces: Sequence[tuple[int, bytes, Any, Any]]) -> tuple[list, list, list, list]:
    """The contract's four piece arguments (indices, salts, rows, labels) from ``(index, salt, rows, labels)``
    tuples.

    >>> piece_arguments([(3, bytes(32), [[1, 2]], [0])])[0]
    [3]
    """
    return ([p[0] for p in pieces], [p[1] for p in pieces], [p[2] for p in pieces], [p[3] for p in pieces])


def _non_negative_int(name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative int, got {value!r}")


@dataclass(frozen=True)
class PredictionMarket:
    """Prediction market rewards (Harris & Waggoner 2019), on chain.

    - A sponsor (the trainer's owner) deposits a bounty and commits to a test set in pieces.
    - The contract picks ``reveal`` pieces that the sponsor reveals before participation opens.
    - Each contribution pays ``stake`` wei. Participation may end after ``min_duration`` seconds or
      ``min_contributions`` contributions, whichever comes first.
    - The sponsor has ``reveal_window`` seconds to reveal the rest; otherwise anyone may ``forfeit`` the
      market: the bounty is burned and the contributors get their stakes back (a sponsor who could win its
      bounty back by forfeiting would get the others' data for free). ``reveal_window`` and ``min_duration``
      are from 1 hour to 365 days and ``min_contributions`` at least 1, so nobody can forfeit or end the
      market before the sponsor (or anyone) could act.
    - The settlement replays the contributions and pays each by how much it reduced the test loss:
      ``bounty / n`` wei per test error removed (``n`` evaluation rows), as much taken per error added.
      Integers throughout, no rounding: the bounty must be a multiple of ``n``.
    - A contributor cannot lose more than its stakes. If one with a negative score cannot afford the
      rest of the bounty's "rounds", it is removed: everybody is paid the rounds it could afford, the
      contributions are replayed without its data, and it gets nothing back (its leftover, less than one
      round's loss, is burned with the unearned bounty).
    - What nobody earned is sent to ``BURN_ADDRESS`` when the settlement ends; the market then holds
      exactly what contributors may withdraw.
    - If nobody pushes the settlement for ``reveal_window`` seconds, anyone may ``abandon`` it: every
      contributor gets its stakes back less what the rounds already paid took from it (a removed
      contributor gets nothing), and the whole bounty is burned.

    ``sk.deploy`` binds it to the model (``bind``): every replay starts from a copy of the initial model.

    >>> PredictionMarket(stake=ether("0.01"), min_duration=DAY).stake
    10000000000000000
    """

    stake: int = ether("0.01")
    min_duration: int = DAY
    min_contributions: int = 2**64
    reveal_window: int = 7 * DAY
    init_code: bytes = field(default=b"", repr=False)
    contract_name: str = field(default="PredictionMarket", init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("stake", "min_duration", "min_contributions", "reveal_window"):
            _non_negative_int(name, getattr(self, name))
        if self.stake == 0:
            raise ValueError("stake must be positive: a contributor stakes it on each contribution")
        if not MIN_WINDOW <= self.reveal_window <= MAX_WINDOW:
            raise ValueError(
                f"reveal_window must be from {MIN_WINDOW} s (1 hour) to {MAX_WINDOW} s (365 days), got "
                f"{self.reveal_window}: with less, anyone could forfeit the market before the sponsor can reveal"
            )
        if not MIN_WINDOW <= self.min_duration <= MAX_WINDOW:
            raise ValueError(
                f"min_duration must be from {MIN_WINDOW} s (1 hour) to {MAX_WINDOW} s (365 days), got "
                f"{self.min_duration}: with less, anyone could end participation before anyone can contribute"
            )
        if self.min_contributions == 0:
            raise ValueError(
                "min_contributions must be at least 1: with 0, anyone could end participation as soon as it opens"
            )

    def bind(self, model: Any, market_address: str) -> PredictionMarket:
        """These settings with the init code of the replay model: ``model`` (the initial model ``h_0``)
        deployed with ``market_address`` as its trainer, so the market may update its copies."""
        ctor_args, setup_calls = model.deploy_steps(market_address)
        if setup_calls:
            raise ValueError(
                f"a prediction market replays the model from its constructor alone, but this {model.contract_name} "
                f"needs {len(setup_calls)} setup transaction(s) after it: use a smaller model"
            )
        return dataclasses.replace(self, init_code=init_code(model.contract_name, *ctor_args))

    def constructor_args(self, trainer: str) -> tuple[Any, ...]:
        """The contract's constructor arguments for a deployment owned by ``trainer``."""
        if not self.init_code:
            raise ValueError(
                "this PredictionMarket is not bound to a model: deploy it with sk.deploy(chain, model, market)"
            )
        return (trainer, self.stake, self.min_duration, self.min_contributions, self.reveal_window,
                keccak(self.init_code))

    @classmethod
    def read(cls, contract: Contract) -> PredictionMarket:
        """The settings of the deployed ``PredictionMarket`` at ``contract``, read with its views (not bound: the
        initial model is read from the chain's past, see ``sumkit.handles.attach.bind_market``)."""
        call = contract.call
        return cls(stake=call("stake"), min_duration=call("minDuration"), min_contributions=call("minContributions"),
                   reveal_window=call("revealWindow"))

    # -- rules: contributors stake, and the settlement pays; nobody claims from a contribution --------------
    @property
    def claim_wait(self) -> int:
        """0: no refund or take waits on a contribution's age (stakes and rewards are withdrawn from the market)."""
        return 0

    @property
    def take_delay(self) -> int:
        """0: contributors never take from each other."""
        return 0

    def deposit(self, seconds_since_last_update: int) -> int:
        """Every contribution stakes ``stake`` wei, whenever it comes."""
        return self.stake

    def last_update_time(self, contract: Contract) -> None:
        """None: the stake does not depend on time."""
        return None

    def has_claim(self, deposit: int) -> bool:
        """Always: each contribution's stake (and its reward) comes back through the market."""
        return True

    def may_refund(self, age: int, model_agrees: Agrees) -> bool:
        """Never through ``trainer.refund`` while the market runs: stakes and rewards are withdrawn with
        ``trainer.market.withdraw`` (which, after a forfeit or an abandonment, refunds the stakes itself)."""
        return False

    def may_report(self, age: int, *, reporter_good_data: int, model_agrees: Agrees, own: bool = False,
                   owner: bool = False) -> bool:
        """Never: only the market itself reports, while settling, to collect each stake once."""
        return False

    def check_report(self) -> None:
        """Nothing to check here: the contract refuses a report with ``UseMarketWithdraw`` and its hint."""

    # -- the handle -------------------------------------------------------------------------------------------
    def handle(self, trainer: Any, *, attached: bool = False) -> Market:
        """``trainer.market``: the sponsor's :class:`~sumkit.incentives.market.Market`, which keeps the test
        pieces; for a trainer deployed elsewhere (``attached``), one that reads the revealed pieces from the chain."""
        from .market import Market  # the handle's module imports this one's rules

        return Market.at(trainer) if attached else Market(trainer)


@dataclass
class Settlement:
    """What a settlement pays (the result of :func:`settle_offline`, or of the contract): ``balances`` in wei
    by contributor address (0 for removed ones), ``removed`` addresses, ``burned`` wei, ``replays`` run."""

    balances: dict[str, int]
    removed: list[str]
    burned: int
    replays: int


def settle_offline(
    model: Any,
    contributions: Sequence[tuple[str, Sequence[int], int]],
    rows: Sequence[Sequence[int]],
    labels: Sequence[int],
    *,
    bounty: int,
    stake: int,
) -> Settlement:
    """The contract's settlement, in Python, with the same integer arithmetic: replay ``contributions``
    (``(contributor, encoded x, on-chain label)``, in order) on copies of ``model`` (``h_0``), score each
    contributor by the evaluation errors its runs removed, pay ``bounty // len(rows)`` rounds, removing the
    contributor who affords the fewest rounds while some cannot afford them all.

    >>> from sumkit.models import DensePerceptron
    >>> h0 = DensePerceptron.from_floats([0.0], -0.5)
    >>> s = settle_offline(h0, [("alice", [10**9], 1)], [[10**9], [-10**9]], [1, 0], bounty=20, stake=100)
    >>> s.balances, s.burned                         # one error removed: 20 // 2 = 10 wei
    ({'alice': 110}, 10)
    """
    n = len(rows)
    rounds_left = bounty // n
    who = [c for c, _, _ in contributions]
    order = list(dict.fromkeys(who))
    balance = {c: stake * who.count(c) for c in order}
    removed: list[str] = []

    def errors(m: Any) -> int:
        return sum(m.predict_encoded(list(x)) != y for x, y in zip(rows, labels))

    replays = 0
    while True:
        replays += 1
        m = model.copy()
        current, score = errors(m), dict.fromkeys(order, 0)
        for i, (c, x, label) in enumerate(contributions):
            if c in removed:
                continue
            try:
                m.check_update(list(x), label)
                m.update_encoded(list(x), label)
            except ValueError:  # the contract skips an update that reverts
                pass
            if i + 1 == len(contributions) or contributions[i + 1][0] != c:
                after = errors(m)
                score[c] += current - after
                current = after
        affords = {c: balance[c] // -score[c] for c in order if c not in removed and score[c] < 0}
        worst = min(affords, key=lambda c: (affords[c], order.index(c))) if affords else None
        min_afford = affords[worst] if worst is not None else None
        removing = min_afford is not None and min_afford < rounds_left
        k = min_afford if removing else rounds_left
        for c in order:
            if c not in removed:
                balance[c] += k * score[c]
        if removing:
            balance[worst] = 0
            removed.append(worst)
        rounds_left -= k
        if not (removing and rounds_left > 0 and len(removed) < len(order)):
            break
    burned = bounty + stake * len(contributions) - sum(balance.values())
    return Settlement(balance, removed, burned, replays)
