"""The prediction market, one plug-in: the settings of ``contracts/incentives/PredictionMarket.sol`` and its pure
rules (commitments, the offline settlement), a :class:`~sumkit.incentives.base.Mechanism`, and :class:`Market`, the
``trainer.market`` handle that drives a deployed market (sends its transactions and reads what it reports from the
chain).

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
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import eth_abi
from eth_utils import keccak, to_checksum_address

from ..chain.chain import init_code
from ..plumbing.errors import Reverted, add_hint
from ..plumbing.units import DAY, HOUR, ether
from .base import Agrees

if TYPE_CHECKING:
    import pandas as pd

    from ..chain.chain import Contract

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
        """``trainer.market``: the sponsor's :class:`Market`, which keeps the test pieces; for a trainer deployed
        elsewhere (``attached``), one that reads the revealed pieces from the chain."""
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


# -- the handle: trainer.market -------------------------------------------------------------------------------
_TX_MARGIN = 300_000  # gas kept for a transaction's base cost, its checks and bookkeeping around the pieces

_NEXT_STEP = {  # what to call in each phase, by the contract's Phase number
    0: "the sponsor commits with trainer.market.commit_test_set(X, y, pieces=..., bounty=..., sender=...)",
    1: "the sponsor reveals the selected pieces with trainer.market.reveal_selected(sender=...)",
    2: "contributors add data with trainer.add_data(x, y, sender=...); trainer.market.end(sender=...) closes it",
    3: "the sponsor reveals the rest with trainer.market.reveal_rest(sender=...) (after the deadline anyone may "
       "trainer.market.forfeit(sender=...))",
    4: "anyone pushes the settlement with trainer.market.settle(sender=...)",
    5: "everyone withdraws with trainer.market.withdraw(sender=...)",
    6: "contributors get their stakes back with trainer.market.withdraw(sender=...) (the bounty was burned)",
    7: "contributors withdraw their stakes (less penalties) with trainer.market.withdraw(sender=...)",
}


def _wrong_phase(a: dict[str, Any]) -> str:
    def name(phase: int) -> str:
        return PHASES[phase] if 0 <= phase < len(PHASES) else str(phase)

    return (
        f"The prediction market is in phase {name(a['current'])!r}, and this call belongs to phase "
        f"{name(a['expected'])!r}. Now: {_NEXT_STEP.get(a['current'], '')} (trainer.market.phase tells the phase)."
    )


add_hint("WrongPhase", _wrong_phase)


class Market:
    """The handle of a deployed prediction market: ``trainer.market``.

    Keeps the sponsor's test pieces client-side (``pieces``: encoded rows, labels and the secret salt of
    each) between the commitment and the reveals; the salts are never printed. Everything else is read
    from the chain.
    """

    def __init__(self, trainer: Any) -> None:  # a sumkit.Trainer deployed with PredictionMarket (it imports us)
        self.trainer = trainer
        self.chain = trainer.chain
        self.contract = trainer.incentive_contract
        self.pieces: list[Piece] = []

    @classmethod
    def at(cls, trainer: Any) -> Market:
        """The handle of a market for anyone but its sponsor (``trainer.market`` of a ``sk.Trainer.at`` trainer):
        the pieces revealed so far are read from the chain's ``PieceRevealed`` events, so once the sponsor has
        revealed them all, anyone can settle."""
        market = cls(trainer)
        revealed = {e["index"]: ([list(r) for r in e["rows"]], list(e["labels"]), bytes.fromhex(e["salt"][2:]))
                    for e in trainer.chain.logs("PieceRevealed", address=market.contract.address)}
        count = market.contract.call("pieceCount")
        if count and len(revealed) == count:
            market.pieces = [revealed[i] for i in range(count)]
        return market

    def __repr__(self) -> str:
        return f"<Market at {self.contract.address}: phase {self.phase!r}>"

    # -- state --------------------------------------------------------------------------------------
    @property
    def phase(self) -> str:
        """The current phase: one of ``PHASES``."""
        return PHASES[self.contract.call("phase")]

    @property
    def stake(self) -> int:
        """The stake per contribution, in wei."""
        return self.contract.call("stake")

    @property
    def bounty(self) -> int:
        """The bounty, in wei (0 before the commitment)."""
        return self.contract.call("bounty")

    @property
    def burned(self) -> int:
        """Wei burned when the settlement (or the forfeit) finished."""
        return self.contract.call("burned")

    @property
    def hashes(self) -> list[str]:
        """The committed hash of each test piece, read from the chain."""
        return [self.contract.call("pieceHashes", i) for i in range(self.contract.call("pieceCount"))]

    def selected(self) -> list[int]:
        """The pieces the contract picked for the sponsor to reveal before participation opens."""
        return list(self.contract.call("selectedPieces"))

    def revealed(self) -> list[int]:
        """The pieces revealed so far."""
        mask = self.contract.call("revealedMask")
        return [i for i in range(self.contract.call("pieceCount")) if mask >> i & 1]

    def evaluation_pieces(self) -> list[int]:
        """The pieces that make the final test set: those not selected at the start."""
        mask = self.contract.call("selectedMask")
        return [i for i in range(self.contract.call("pieceCount")) if not mask >> i & 1]

    def evaluation_errors(self, model: Any) -> int:
        """How many evaluation rows the mirror ``model`` gets wrong (the 0-1 loss times the row count)."""
        self._need_pieces()
        return sum(
            model.predict_encoded(row) != label
            for i in self.evaluation_pieces()
            for row, label in zip(*self.pieces[i][:2])
        )

    # -- 1. commitment ------------------------------------------------------------------------------
    def commit_test_set(
        self, X: Any, y: Sequence[Any], *, pieces: int, bounty: int, reveal: int = 1, sender: str,
        salts: Sequence[bytes] | None = None,
    ) -> list[str]:
        """Deposit ``bounty`` wei and commit to the test set ``X, y`` split in ``pieces`` equal pieces, of
        which the contract will pick ``reveal`` to be revealed first. Each piece gets a secret random salt
        (``secrets.token_bytes(32)``). Returns the salted hashes put on chain; the pieces and their salts stay
        here, with the sponsor, until revealed. Refuses (before sending, as the contract does) pieces whose
        evaluation might take more than ``MAX_PIECE_GAS``: the bound comes from the pieces' shape alone (rows
        per piece, longest row, the model's classes), so no test row leaves this process before its reveal,
        not even in a free call to a node.

        ``salts`` (one per piece) replaces the random salts only to make a run repeat exactly (a benchmark, a
        test): the block hash that picks the pieces revealed first depends on the commitment. Salts anyone can
        guess give the hidden pieces away, so never pass them for a real market.
        """
        from ..models.base import rows_of

        model = self.trainer.model
        rows = [model.encode(row) for row in rows_of(X, getattr(model, "sparse", False))]
        labels = [model.encode_label(label) for label in y]
        if len(rows) != len(labels):
            raise ValueError(f"X has {len(rows)} rows but y has {len(labels)} labels")
        if not isinstance(pieces, int) or not 2 <= pieces <= MAX_PIECES:
            raise ValueError(f"pieces must be an int from 2 to {MAX_PIECES}, got {pieces!r}")
        if not isinstance(reveal, int) or not 1 <= reveal < pieces:
            raise ValueError(f"reveal must be an int from 1 to pieces - 1 = {pieces - 1}, got {reveal!r}")
        if len(rows) < pieces or len(rows) % pieces:
            raise ValueError(
                f"{len(rows)} rows cannot be split in {pieces} equal pieces: use a multiple of {pieces} rows "
                f"(for example the first {len(rows) - len(rows) % pieces})"
            )
        per = len(rows) // pieces
        if per > MAX_ROWS_PER_PIECE:
            raise ValueError(
                f"pieces of {per} rows are too big: at most {MAX_ROWS_PER_PIECE} rows per piece, so that one "
                f"piece's evaluation fits one settlement step; use at least "
                f"{-(-len(rows) // MAX_ROWS_PER_PIECE)} pieces"
            )
        longest = max(len(r) for r in rows)
        bound = self.contract.call("pieceGasBound", per, longest)  # the shape only: nothing of the test set
        if bound > MAX_PIECE_GAS:
            raise ValueError(
                f"evaluating one piece of {per} rows of up to {longest} values may take {bound:,} gas with this "
                f"model, more than the {MAX_PIECE_GAS:,} one settlement step may take: use more pieces (of fewer rows)"
            )
        test_rows = (pieces - reveal) * per
        if not isinstance(bounty, int) or bounty <= 0 or bounty % test_rows:
            suggestion = max(test_rows, bounty - bounty % test_rows) if isinstance(bounty, int) else test_rows
            raise ValueError(
                f"bounty must be a positive multiple of the {test_rows} evaluation rows (so that rewards are "
                f"exact), got {bounty!r}; for example {suggestion}"
            )
        if salts is None:
            salts = [secrets.token_bytes(32) for _ in range(pieces)]
        elif len(salts) != pieces or not all(isinstance(s, bytes) and len(s) == 32 for s in salts):
            raise ValueError(f"salts must be {pieces} values of 32 bytes, one per piece")
        split = [(rows[i * per:(i + 1) * per], labels[i * per:(i + 1) * per], salts[i]) for i in range(pieces)]
        hashes = [piece_hash(r, lab, salt) for r, lab, salt in split]
        self.contract.transact("commitTestSet", hashes, per, longest, reveal, sender=sender, value=bounty)
        self.pieces = split
        return hashes

    def reveal_selected(self, *, sender: str) -> list[int]:
        """Reveal the pieces the contract picked, in as many transactions as ``TX_GAS_CAP`` needs;
        participation opens. Returns their indices."""
        if self.phase != "reveal_selected":
            self._reveal("revealSelected", [], sender)  # reverts with the phase's hint
        done = set(self.revealed())
        indices = [i for i in self.selected() if i not in done]
        self._reveal_in_batches("revealSelected", indices, sender, None)
        return indices

    def reveal_piece(self, index: int, X: Any, y: Sequence[Any], *, sender: str, salt: bytes | None = None) -> None:
        """Reveal piece ``index`` as ``X, y`` (a real value or a tampered one: the contract checks the hash),
        with ``salt`` (by default the salt this handle committed it with)."""
        from ..models.base import rows_of

        model = self.trainer.model
        rows = [model.encode(row) for row in rows_of(X, getattr(model, "sparse", False))]
        labels = [model.encode_label(label) for label in y]
        if salt is None:
            self._need_pieces()
            salt = self.pieces[index][2]
        fn = "revealSelected" if self.phase == "reveal_selected" else "revealRest"
        self.contract.transact(fn, *piece_arguments([self._encode_piece(index, (rows, labels, salt))]), sender=sender,
                               gas=TX_GAS_CAP)

    # -- 2. participation ---------------------------------------------------------------------------
    def end(self, *, sender: str) -> None:
        """End participation (anyone may, once ``min_duration`` passed or ``min_contributions`` were made)."""
        self.contract.transact("end", sender=sender)

    # -- 3. reward ----------------------------------------------------------------------------------
    def reveal_rest(self, *, sender: str, batch: int | None = None) -> list[int]:
        """Reveal every remaining piece, ``batch`` pieces per transaction (by default as many as fit
        ``TX_GAS_CAP`` at the gas measured per piece so far, ``reveal_batch()``)."""
        if self.phase != "reveal_rest":
            self._reveal("revealRest", [], sender)  # reverts with the phase's hint
        done = set(self.revealed())
        todo = [i for i in range(len(self.pieces)) if i not in done]
        self._reveal_in_batches("revealRest", todo, sender, batch)
        return todo

    def reveal_batch(self) -> int:
        """How many pieces one reveal transaction carries: as many as fit ``TX_GAS_CAP`` (EIP-7825), with a margin
        for the rest of the transaction, when each costs its calldata, its event and its evaluation. The
        evaluation is measured once a piece was revealed (``maxPieceGas``, the most one took, plus a quarter); before
        that, or if it is lower, the contract's bound from the committed shape (``pieceGasBound``)."""
        bound = self.contract.call("pieceGasBound", self.contract.call("rowsPerPiece"),
                                   self.contract.call("maxRowLength"))
        measured = self.contract.call("maxPieceGas")
        evaluation = min(bound, measured * 5 // 4) if measured else bound
        per_piece = evaluation + self._piece_calldata_gas() + 8 * self._piece_bytes()
        return max(1, (TX_GAS_CAP - _TX_MARGIN) // per_piece)

    def settle(self, *, sender: str, batch: int = 1000, progress: bool = True, gas: int = TX_GAS_CAP) -> int:
        """Push the settlement to its end, at most ``batch`` steps per transaction (fewer when the next
        step might not fit in ``gas``, by default ``TX_GAS_CAP``: 16,777,216, EIP-7825), with a progress bar.
        A step replays one contribution or evaluates the model on one test piece. Returns the number of
        transactions sent. Anyone may call it."""
        if not isinstance(batch, int) or batch < 1:
            raise ValueError(f"batch must be a positive int, got {batch!r}")
        if self.phase != "settle":
            return len([self._settle_once(sender, batch, gas)])  # reverts with the phase's hint
        if len(self.trainer.added()) != self.contract.call("contributionCount"):
            raise ValueError("this handle did not see every contribution: settle from the session that added them")
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(desc="settling", unit="tx")
        sent = 0
        try:
            while self.phase == "settle":
                self._settle_once(sender, batch, gas)
                sent += 1
                if bar is not None:
                    s = self.contract.call("settlement")
                    bar.set_postfix(replay=s[1], stage=STAGES[s[2]], cursor=s[6])
                    bar.update()
        finally:
            if bar is not None:
                bar.close()
        return sent

    def forfeit(self, *, sender: str) -> None:
        """After the reveal window, if the sponsor did not reveal: burn the bounty; every contributor gets
        its stakes back (``withdraw``). Anyone may call it."""
        self.contract.transact("forfeit", sender=sender)

    def abandon(self, *, sender: str) -> None:
        """If nobody pushed the settlement for ``reveal_window`` seconds, give every contributor its stakes
        back, less the penalties of the rounds already paid (nothing to a removed contributor), and burn the
        bounty (anyone may call it)."""
        self.contract.transact("abandon", sender=sender)

    def withdrawable(self, account: str) -> int:
        """What ``account`` may withdraw from the market now, in wei."""
        return self.contract.call("withdrawable", account)

    def withdraw(self, *, sender: str) -> int:
        """Withdraw everything ``sender`` is owed; returns the wei received. After a forfeit or an
        abandonment, this also refunds each of its stakes still in the trainer."""
        if self.phase in ("forfeited", "abandoned"):
            total = 0
            who = to_checksum_address(sender)
            for c in self.trainer.added():
                if c.contributor == who and self.trainer.contract.call("records", c.key)[1] > 0:
                    total += self.trainer.refund(c, sender=sender)
            if self.withdrawable(sender) > 0 or total == 0:
                total += self.contract.transact("withdraw", sender=sender).output
            return total
        return self.contract.transact("withdraw", sender=sender).output

    def result(self) -> Settlement:
        """The settlement as the contract recorded it (after ``settle``, before anyone withdraws: a
        withdrawal empties its balance), comparable with :func:`settle_offline`."""
        balances, removed = {}, []
        for i in range(self.contract.call("contributorCount")):
            who = self.contract.call("contributors", i)
            account = self.contract.call("accounts", who)
            balances[who] = account[0]
            if account[4]:
                removed.append(who)
        return Settlement(balances, removed, self.burned, self.contract.call("settlement")[1])

    # -- tables -------------------------------------------------------------------------------------
    def balances(self) -> pd.DataFrame:
        """One row per contributor: contributions, wei staked, wei owed now (``balance``; stakes plus
        rewards once settled, 0 once withdrawn), ``profit`` (balance minus stakes) and whether it was removed."""
        import pandas as pd

        stake = self.stake
        counts: dict[str, int] = {}
        for i in range(self.contract.call("contributionCount")):
            who = self.contract.call("contributions", i)[0]
            counts[who] = counts.get(who, 0) + 1
        rows = []
        for i in range(self.contract.call("contributorCount")):
            who = self.contract.call("contributors", i)
            account = self.contract.call("accounts", who)
            phase = self.phase
            balance = self.withdrawable(who) if phase in ("withdraw", "forfeited", "abandoned") else account[0]
            if phase in ("forfeited", "abandoned"):
                balance += sum(self.trainer.contract.call("records", c.key)[1]
                               for c in self.trainer.added() if c.contributor == who)
            staked = counts.get(who, 0) * stake
            rows.append({
                "contributor": self.chain.name_of(who),
                "contributions": counts.get(who, 0),
                "staked": staked,
                "balance": balance,
                "profit": balance - staked,
                "removed": account[4],
            })
        columns = ["contributor", "contributions", "staked", "balance", "profit", "removed"]
        return pd.DataFrame(rows, columns=columns)

    # -- internals ----------------------------------------------------------------------------------
    def _need_pieces(self) -> None:
        if not self.pieces:
            raise ValueError("this handle has no test pieces: commit_test_set(...) keeps them for the sponsor")

    @staticmethod
    def _encode_piece(index: int, piece: Piece) -> tuple[int, bytes, list[list[int]], list[int]]:
        """A piece as the contract reads it: ``(index, salt, rows, labels)``."""
        rows, labels, salt = piece
        return (index, salt, [list(r) for r in rows], list(labels))

    def _piece_calldata_gas(self) -> int:
        """About the calldata gas of one piece (16 gas per byte, the price of a non-zero byte)."""
        return 16 * self._piece_bytes()

    def _piece_bytes(self) -> int:
        """About the ABI size of the biggest piece, in bytes: 32 per value, plus offsets and lengths."""
        if not self.pieces:
            return 0
        return max(32 * (6 + 3 * len(rows) + sum(len(r) for r in rows)) for rows, _, _ in self.pieces)

    def _reveal(self, fn: str, indices: list[int], sender: str) -> None:
        if indices:
            self._need_pieces()
        pieces = [self._encode_piece(i, self.pieces[i]) for i in indices]
        self.contract.transact(fn, *piece_arguments(pieces), sender=sender, gas=TX_GAS_CAP)

    def _reveal_in_batches(self, fn: str, indices: list[int], sender: str, batch: int | None) -> None:
        self._need_pieces()
        if batch is not None and (not isinstance(batch, int) or batch < 1):
            raise ValueError(f"batch must be a positive int, got {batch!r}")
        start, most = 0, len(indices)
        while start < len(indices):
            chunk = indices[start:start + min(batch or self.reveal_batch(), most)]
            try:
                self._reveal(fn, chunk, sender)
            except Reverted as e:
                # Sized by measured gas, a batch may meet a costlier piece (a sparse model's longer rows): the cap
                # refused it before anything was sent, so the rest goes in smaller batches.
                if batch is not None or len(chunk) == 1 or not e.reason.startswith("OutOfGas"):
                    raise
                most = len(chunk) // 2
                continue
            start += len(chunk)

    def _no_initial_model(self) -> str:
        """Why this handle cannot start a settlement replay: it could not rebuild ``h_0`` from the chain."""
        chain, kind = self.chain, self.trainer.classifier.name
        no_past = (f"the {chain.backend.name} backend keeps no past state (chain.capabilities.past_state is False), so "
                   "h_0 can only be rebuilt by undoing every contribution from the current model")
        if chain.capabilities.past_state:
            why = "the model the chain held at the trainer's deployment does not hash to the market's modelInitCodeHash"
        elif not self.trainer.model.UNDOABLE:
            why = f"{no_past}, and a {kind}'s rounded updates cannot be undone"
        else:
            why = f"{no_past}, and that did not give the model whose init code hashes to modelInitCodeHash"
        return (f"this handle cannot start a settlement replay: each replay starts from the initial model h_0, which "
                f"it could not rebuild from the chain ({why}). Start it from the sponsor's handle "
                "(trainer.market.settle(...) in the session that deployed the trainer) or from a handle on a chain "
                "that keeps past state (py-evm, a node); this handle pushes the steps of a replay once it has started "
                "(a removal starts a new one), and withdraws.")

    def _settle_once(self, sender: str, batch: int, gas: int) -> Any:
        s = self.contract.call("settlement")
        stage, cursor = STAGES[s[2]], s[6]
        # The evaluation pieces in the order the contract will need them: from the current one, cyclically,
        # as many as the gas could evaluate (each costs its evaluation and its calldata).
        order = self.evaluation_pieces() if self.pieces else []
        if stage == "evaluate":
            start = order.index(s[3])
            order = order[start:] + order[:start]
        budget = gas - _TX_MARGIN
        if order:
            # Each piece sent costs its calldata, each evaluated its measured gas (the most a revealed piece took).
            per_piece = self.contract.call("maxPieceGas") + self._piece_calldata_gas()
            order = order[:max(1, (budget // 2) // per_piece)]
            budget -= len(order) * self._piece_calldata_gas()
        pieces = [self._encode_piece(i, self.pieces[i]) for i in order]
        # The samples from the next contribution to replay on (from the first if a new replay may start), as
        # many as a quarter of the gas pays the calldata of (the contract stops where the samples end).
        first = cursor if stage in ("replay", "evaluate") else 0
        xs: list[list[int]] = []
        room = budget // 4
        for c in self.trainer.added()[first:first + batch]:
            cost = 16 * 32 * (len(c.x) + 2)
            if xs and cost > room:
                break
            xs.append(list(c.x))
            room -= cost
        starts_replay = stage == "replay" and s[0] == "0x" + "00" * 20  # only as a call's first step
        init_code = self.trainer.incentive.init_code if starts_replay else b""
        if starts_replay and not init_code:
            raise RuntimeError(self._no_initial_model())
        return self.contract.transact(
            "settle", init_code, *piece_arguments(pieces), first, xs, batch, sender=sender, gas=gas
        )
