"""DepositRefundTake: the settings of ``contracts/incentives/DepositRefundTake.sol``, its rules (the deposit; who
may refund or take, and when) and its statistics on a deployed trainer (:class:`DepositRefundTakeHandle`, behind
``trainer.good_data()``). A :class:`~sumkit.incentives.base.Mechanism`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..plumbing.units import DAY, HOUR, warn_if_short
from .base import Agrees, verdict

if TYPE_CHECKING:
    from ..chain.chain import Contract

COST_PERIOD = HOUR  # the contract's COST_PERIOD


@dataclass(frozen=True)
class DepositRefundTake:
    """Deposit, Refund and Take: self-assessment with deposits.

    - Adding data costs ``cost_weight * 1 hour / isqrt(seconds since the last contribution)`` wei.
    - After ``refund_wait`` seconds the contributor gets the deposit back if the model agrees.
    - Contributors with good (refunded) data may take from contributions the model disagrees with.
    - After ``owner_claim_wait`` the owner, after ``any_address_claim_wait`` anyone takes what is left.
    - The waits must satisfy ``refund_wait < owner_claim_wait <= any_address_claim_wait`` and
      ``owner_claim_wait - refund_wait >= refund_wait``: a contributor always has a refund window at least as long
      as the wait before it (with the defaults, 8 days) before the owner or anyone may take the deposit.
    - The model's verdict is read for a refund or a take only in a block where no data was added, so one
      transaction cannot flip the model, claim and flip it back (the contract's ``ModelUpdatedThisBlock``).
    - ``take_delay`` (seconds, 0 = off) makes a take in two steps: a first ``trainer.report`` only flags the
      contribution (it pays 0 and warns its contributor, who may still fix the model and claim the refund);
      a ``report`` ``take_delay`` to ``2 * take_delay`` seconds later takes, if the model still disagrees (after
      that the flag has expired and a report flags again). It defends against
      "flip the model, then take" (see ``sk.sim.FlipAndTake``); 0 keeps the paper's one-step take.

    >>> drt = DepositRefundTake(refund_wait=DAY, cost_weight=10**14)
    >>> drt.deposit(seconds_since_last_update=100)     # 1e14 * 3600 / 10
    36000000000000000
    """

    refund_wait: int = DAY
    owner_claim_wait: int = 9 * DAY
    any_address_claim_wait: int = 9 * DAY
    cost_weight: int = 10**14
    take_delay: int = 0
    short_waits: bool = False  # True: a refund_wait under a minute is meant (no warning)
    contract_name: str = field(default="DepositRefundTake", init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("refund_wait", "owner_claim_wait", "any_address_claim_wait", "cost_weight", "take_delay"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative int (seconds or wei), got {value!r}")
        if not self.refund_wait < self.owner_claim_wait <= self.any_address_claim_wait:
            raise ValueError(
                "the waits must satisfy refund_wait < owner_claim_wait <= any_address_claim_wait, so that a "
                "contributor has time to claim the refund before the owner or anyone may take the deposit "
                f"(got {self.refund_wait}, {self.owner_claim_wait}, {self.any_address_claim_wait} seconds)"
            )
        window = self.owner_claim_wait - self.refund_wait
        if window < self.refund_wait:
            raise ValueError(
                f"the refund window owner_claim_wait - refund_wait is {window} seconds, shorter than refund_wait "
                f"({self.refund_wait} s): a contributor must have at least as long to claim a refund as they waited "
                f"for it, so raise owner_claim_wait to at least 2 * refund_wait = {2 * self.refund_wait} "
                "(the contract's RefundWindowTooShort)"
            )
        warn_if_short("refund_wait", self.refund_wait, allowed=self.short_waits)

    def deposit(self, seconds_since_last_update: int) -> int:
        """The deposit the contract charges, in wei (same integer arithmetic)."""
        elapsed = max(0, int(seconds_since_last_update))
        return self.cost_weight * COST_PERIOD // (math.isqrt(elapsed) if elapsed > 1 else 1)

    # -- the contract and its constructor ------------------------------------------------------------------
    def constructor_args(self, trainer: str) -> tuple[Any, ...]:
        """The contract's constructor arguments for a deployment owned by ``trainer``."""
        return (trainer, self.cost_weight, self.refund_wait, self.owner_claim_wait, self.any_address_claim_wait,
                self.take_delay)

    def bind(self, model: Any, address: str) -> DepositRefundTake:
        """The same settings: nothing depends on the model or on where the contract is deployed."""
        return self

    @classmethod
    def read(cls, contract: Contract) -> DepositRefundTake:
        """The settings of the deployed ``DepositRefundTake`` at ``contract``, read with its views."""
        call = contract.call
        return cls(refund_wait=call("refundWait"), owner_claim_wait=call("ownerClaimWait"),
                   any_address_claim_wait=call("anyAddressClaimWait"), cost_weight=call("costWeight"),
                   take_delay=call("takeDelay"), short_waits=True)

    # -- rules ----------------------------------------------------------------------------------------------
    @property
    def claim_wait(self) -> int:
        """Nothing may be claimed from a contribution before ``refund_wait``: neither its refund nor a take."""
        return self.refund_wait

    def last_update_time(self, contract: Contract) -> int:
        """The contract's ``lastUpdateTime``: the deposit falls with the time since the last contribution (and
        each contribution resets it to its own time)."""
        return int(contract.call("lastUpdateTime"))

    def has_claim(self, deposit: int) -> bool:
        """Only a deposit can be claimed (refunded or taken): a contribution that paid nothing leaves nothing."""
        return deposit > 0

    def may_refund(self, age: int, model_agrees: Agrees) -> bool:
        """After ``refund_wait``, the contributor gets the deposit back if the model agrees with its label now.

        >>> DepositRefundTake().may_refund(DAY, model_agrees=True), DepositRefundTake().may_refund(DAY - 1, True)
        (True, False)
        """
        return age >= self.refund_wait and verdict(model_agrees)

    def may_report(self, age: int, *, reporter_good_data: int, model_agrees: Agrees, own: bool = False,
                   owner: bool = False) -> bool:
        """Never one's own contribution, and not before ``refund_wait``. After ``any_address_claim_wait`` anyone,
        and after ``owner_claim_wait`` the owner, takes what is left; before, only a reporter with good data, and
        only from a contribution the model disagrees with (under a ``take_delay`` that first report flags it).

        >>> drt = DepositRefundTake()
        >>> drt.may_report(2 * DAY, reporter_good_data=0, model_agrees=False)   # no good data yet
        False
        >>> drt.may_report(9 * DAY, reporter_good_data=0, model_agrees=True)    # anyone, after 9 days
        True
        """
        if own or age < self.refund_wait:
            return False
        if age >= self.any_address_claim_wait or (owner and age >= self.owner_claim_wait):
            return True
        return reporter_good_data > 0 and not verdict(model_agrees)

    def check_report(self) -> None:
        """Reports are how deposits are taken: always meaningful here."""

    # -- the handle -------------------------------------------------------------------------------------------
    def handle(self, trainer: Any, *, attached: bool = False) -> DepositRefundTakeHandle:
        """Its statistics on ``trainer``: :class:`DepositRefundTakeHandle`."""
        return DepositRefundTakeHandle(trainer)


class DepositRefundTakeHandle:
    """Deposit-Refund-Take's statistics on a deployed trainer, read from the chain: what ``trainer.good_data()``
    returns.

    >>> DepositRefundTakeHandle(trainer).good_data(chain.alice)   # doctest: +SKIP
    1
    """

    def __init__(self, trainer: Any) -> None:  # a sumkit.Trainer deployed with DepositRefundTake
        self.trainer = trainer
        self.contract = trainer.incentive_contract

    def good_data(self, account: str | None = None) -> int:
        """How many of ``account``'s contributions were refunded as good data (all contributors' when
        ``account`` is None)."""
        if account is None:
            return self.contract.call("totalGoodDataCount")
        return self.contract.call("numGoodData", account)
