"""What sumkit asks of an incentive mechanism: the :class:`Mechanism` protocol.

Each mechanism is one plug-in, a module of this package named after its contract in ``contracts/incentives/``,
with side by side:

- **its contract and constructor**: ``contract_name``, ``constructor_args(trainer)``, ``bind(model, address)``
  (settings completed with what only the deployment knows) and ``read(contract)`` (the settings read back from a
  deployed contract, for ``sk.Trainer.at``);
- **its rules**, Python twins of the contract's, for whoever plans claims without sending a transaction to find
  out (``sk.sim.Simulation``, a learner's own script): ``deposit(seconds)`` (the price of a contribution),
  ``claim_wait``, ``may_refund``, ``may_report``, ``take_delay``, ``has_claim`` and ``check_report``;
- **its handle**: ``handle(trainer)``, the object that reads its statistics or drives it on a deployed trainer
  (``trainer.good_data()``, ``trainer.points()``, ``trainer.market``, ... delegate to it).

``sk.deploy``, ``sk.Trainer`` and ``sk.sim.Simulation`` ask the mechanism; none of them tests which one it is.
A new mechanism is a new contract plus one class that satisfies this protocol.

>>> import sumkit as sk
>>> isinstance(sk.incentives.Points(), Mechanism)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..chain.chain import Contract

Agrees = bool | Callable[[], bool]  # the model's verdict, or a function computing it (called only if it matters)


def verdict(model_agrees: Agrees) -> bool:
    """``model_agrees`` as a bool: called if it is a function (a rule asks for the verdict only when it matters,
    so a caller can pass an expensive prediction lazily)."""
    return bool(model_agrees() if callable(model_agrees) else model_agrees)


@runtime_checkable
class Mechanism(Protocol):
    """An incentive mechanism's settings, rules and handle (see the module's docstring).

    ``age`` arguments are the seconds since the contribution was added (``chain.now - c.added_at``).
    """

    contract_name: str  # the Solidity contract in contracts/incentives/

    # -- the contract and its constructor ------------------------------------------------------------
    def constructor_args(self, trainer: str) -> tuple[Any, ...]:
        """The contract's constructor arguments for a deployment owned by the trainer at ``trainer``."""
        ...

    def bind(self, model: Any, address: str) -> Mechanism:
        """These settings completed with what the deployment knows: the initial ``model`` and the address the
        mechanism will be deployed at (most mechanisms need neither and return themselves)."""
        ...

    @classmethod
    def read(cls, contract: Contract) -> Mechanism:
        """The settings of the deployed mechanism ``contract``, read with its views."""
        ...

    # -- rules: the contract's, in Python ---------------------------------------------------------------
    @property
    def claim_wait(self) -> int:
        """Seconds after a contribution before anything (a refund or a take) may be claimed from it."""
        ...

    @property
    def take_delay(self) -> int:
        """Seconds a reporter waits between flagging a contribution and taking from it (0: takes at once)."""
        ...

    def deposit(self, seconds_since_last_update: int) -> int:
        """What a contribution pays, in wei, ``seconds_since_last_update`` after the last one."""
        ...

    def last_update_time(self, contract: Contract) -> int | None:
        """The time the next deposit is priced from (``deposit(now - it)``), read from the deployed ``contract``;
        None when the price does not depend on time (ask ``trainer.next_deposit()``)."""
        ...

    def has_claim(self, deposit: int) -> bool:
        """Whether a contribution that paid ``deposit`` wei leaves its contributor or others anything to claim."""
        ...

    def may_refund(self, age: int, model_agrees: Agrees) -> bool:
        """Whether the contributor may claim its refund now (``trainer.refund``)."""
        ...

    def may_report(self, age: int, *, reporter_good_data: int, model_agrees: Agrees, own: bool = False,
                   owner: bool = False) -> bool:
        """Whether a reporter (with ``reporter_good_data`` refunded contributions; ``own``: the contributor itself;
        ``owner``: the trainer's owner) may report the contribution now (``trainer.report``): take from it, or
        flag it first under a ``take_delay``."""
        ...

    def check_report(self) -> None:
        """Raise ``ValueError``, saying why, when ``trainer.report`` means nothing under this mechanism."""
        ...

    # -- the handle ---------------------------------------------------------------------------------------
    def handle(self, trainer: Any, *, attached: bool = False) -> Any:
        """The mechanism's handle on ``trainer`` (a deployed ``sk.Trainer``); ``attached``: the trainer was
        deployed elsewhere (``sk.Trainer.at``), so the handle holds no secret of its deployer."""
        ...
