"""Points: the settings of ``contracts/incentives/Points.sol``, its rules, its badges and their readable names,
and its statistics on a deployed trainer (:class:`PointsHandle`, behind ``trainer.points()``, ``trainer.badges()`` and
``trainer.leaderboard()``). A :class:`~sumkit.incentives.base.Mechanism`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..plumbing.encoding import unpack_sample
from ..plumbing.units import DAY, warn_if_short
from .base import Agrees, verdict

if TYPE_CHECKING:
    import pandas as pd

    from ..chain.chain import Contract

# Badge numbers of the contract (bit ``b`` of ``Points.badges(account)``), in order, with readable names.
BADGES: tuple[str, ...] = ("first contribution", "10 good", "100 good", "every class", "4 weeks")
GOOD_10_COUNT = 10  # the contract's GOOD_10_COUNT
GOOD_100_COUNT = 100  # the contract's GOOD_100_COUNT
WEEKS_COUNT = 4  # the contract's WEEKS_COUNT
WEEK = 7 * DAY  # a week is ``block.timestamp // WEEK``


def badge_names(bits: int) -> list[str]:
    """The readable names of the badges set in ``bits`` (the contract's ``badges(account)``).

    >>> badge_names(0b1001)
    ['first contribution', 'every class']
    """
    return [name for b, name in enumerate(BADGES) if bits >> b & 1]


@dataclass(frozen=True)
class Points:
    """Points and badges instead of money.

    - Adding data is free (any ether sent is returned).
    - After ``refund_wait`` seconds, a contribution the model agrees with earns its contributor one
      point, claimed with ``trainer.refund(c, sender=...)`` (it pays 0 wei); once per contribution.
    - Badges: "first contribution", "10 good" and "100 good" (claimed points), "every class" (data
      for every class of the model), "4 weeks" (contributions in 4 different calendar weeks,
      ``timestamp // 604800``).
    - There is nothing to take: ``report`` is not part of Points.

    The contract reads the number of classes from the trainer's model, so there is nothing else to set.

    >>> Points(refund_wait=DAY).constructor_args("0x" + "11" * 20)[1]
    86400
    """

    refund_wait: int = DAY
    short_waits: bool = False  # True: a refund_wait under a minute is meant (no warning)
    contract_name: str = field(default="Points", init=False, repr=False)

    def __post_init__(self) -> None:
        value = self.refund_wait
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"refund_wait must be a non-negative int (seconds), got {value!r}")
        warn_if_short("refund_wait", value, allowed=self.short_waits)

    def deposit(self, seconds_since_last_update: int) -> int:
        """Adding data is free: always 0 wei."""
        return 0

    # -- the contract and its constructor ------------------------------------------------------------------
    def constructor_args(self, trainer: str) -> tuple[Any, ...]:
        """The contract's constructor arguments for a deployment owned by ``trainer``."""
        return (trainer, self.refund_wait)

    def bind(self, model: Any, address: str) -> Points:
        """The same settings: the contract reads the number of classes from the trainer's model itself."""
        return self

    @classmethod
    def read(cls, contract: Contract) -> Points:
        """The settings of the deployed ``Points`` at ``contract``, read with its views."""
        return cls(refund_wait=contract.call("refundWait"), short_waits=True)

    # -- rules ----------------------------------------------------------------------------------------------
    @property
    def claim_wait(self) -> int:
        """A point is claimed ``refund_wait`` after the contribution at the earliest."""
        return self.refund_wait

    @property
    def take_delay(self) -> int:
        """Nothing is ever taken: 0."""
        return 0

    def last_update_time(self, contract: Contract) -> None:
        """None: adding is always free, whenever the last contribution was."""
        return None

    def has_claim(self, deposit: int) -> bool:
        """Always: a contribution the model agrees with earns a point, though it paid nothing."""
        return True

    def may_refund(self, age: int, model_agrees: Agrees) -> bool:
        """After ``refund_wait``, a contribution the model agrees with earns its contributor a point (claimed with
        ``trainer.refund``, which pays 0 wei).

        >>> Points().may_refund(DAY, model_agrees=True)
        True
        """
        return age >= self.refund_wait and verdict(model_agrees)

    def may_report(self, age: int, *, reporter_good_data: int, model_agrees: Agrees, own: bool = False,
                   owner: bool = False) -> bool:
        """Never: there are no deposits to take (the contract's ``ReportNotSupported``)."""
        return False

    def check_report(self) -> None:
        """Always a ``ValueError``: ``report`` is not part of Points."""
        raise ValueError(
            "Points has no deposits, so there is nothing to take: report() is not part of Points (data the "
            "model disagrees with simply earns no point)"
        )

    # -- the handle -------------------------------------------------------------------------------------------
    def handle(self, trainer: Any, *, attached: bool = False) -> PointsHandle:
        """Its statistics on ``trainer``: :class:`PointsHandle`."""
        return PointsHandle(trainer)


class PointsHandle:
    """Points' statistics on a deployed trainer, read from the chain: what ``trainer.points()``,
    ``trainer.badges()`` and ``trainer.leaderboard()`` return.

    >>> PointsHandle(trainer).points(chain.alice)   # doctest: +SKIP
    3
    """

    def __init__(self, trainer: Any) -> None:  # a sumkit.Trainer deployed with Points
        self.trainer = trainer
        self.contract = trainer.incentive_contract

    def points(self, account: str) -> int:
        """The points ``account`` has earned (contributions claimed as good)."""
        return self.contract.call("points", account)

    def badges(self, account: str) -> list[str]:
        """The readable names of the badges ``account`` has earned, in badge order."""
        return badge_names(self.contract.call("badges", account))

    def leaderboard(self) -> pd.DataFrame:
        """One row per contributor, most points first (see ``Trainer.leaderboard``)."""
        import pandas as pd

        trainer = self.trainer
        added = trainer.chain.events("ContributionAdded", address=trainer.address)
        rows = []
        for account in dict.fromkeys(added.get("contributor", [])):
            mine = added[added["contributor"] == account]
            rows.append(
                {
                    "account": trainer.chain.name_of(account),
                    "points": self.points(account),
                    "good": sum(trainer.model.predict_encoded(unpack_sample(x)) == label
                                for x, label in zip(mine["x"], mine["label"])),
                    "total": self.contract.call("totalContributions", account),
                    "badges": self.badges(account),
                }
            )
        table = pd.DataFrame(rows, columns=["account", "points", "good", "total", "badges"])
        return table.sort_values("points", ascending=False, kind="stable").reset_index(drop=True)
