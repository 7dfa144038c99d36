"""Agents: who adds what, how often, with how much money, and what they claim.

Every agent draws, from the simulation's seeded random generator, the time until its next action
(``wait_mean`` +- ``wait_std`` seconds) and, for each contribution, the most it is willing to deposit
(``deposit_mean`` +- ``deposit_std`` units; see :data:`UNIT`). At each action it first claims what it can
(refunds of its own contributions the model now agrees with, shares of other contributions the model
disagrees with, leftovers after the claim waits), then perhaps contributes one sample (or a burst).

>>> good = Honest("good", balance=10_000, deposit_mean=50, deposit_std=10, wait_mean=10 * MINUTE)
>>> bad = LabelFlipper("bad", balance=10_000, deposit_mean=100, deposit_std=3, wait_mean=60 * MINUTE)
>>> bad
LabelFlipper('bad')
>>> Honest("careful", wait_mean=0)
Traceback (most recent call last):
...
ValueError: Honest 'careful': wait_mean must be >= 1 second, got 0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..plumbing.units import MINUTE


class World(Protocol):
    """What an agent may see and do: the small interface a :class:`~sumkit.sim.Simulation` offers its agents
    (and any other driver of agents may offer). Amounts are in **wei** (divide by :data:`UNIT` for the paper's
    units), times and waits in **seconds**. A followed contribution (``Followed``) has ``contribution`` (a
    :class:`~sumkit.Contribution`), ``x`` (its encoded sample), ``sample`` (as the agent sent it), ``label``
    (encoded), ``claimable`` (wei still in it), ``refunded``, ``flagged_at`` and ``taken_by``."""

    trainer: Any  # the sumkit.Trainer under attack or improvement (trainer.model: its mirror, as it is now)
    chain: Any  # its sumkit.Chain (chain.now: the current time, unix seconds)
    refund_wait: int  # seconds before a refund or a take is possible
    take_delay: int  # seconds between flagging and taking (0: takes at once)
    current_accuracy: float  # the model's accuracy on the test set (0 to 1), as of the last evaluation

    def addresses(self, agent: Agent) -> list[str]:
        """The accounts (addresses) of ``agent``: one, or ``agent.n_addresses`` for a Sybil."""
        ...

    def draw(self, rng: np.random.Generator) -> tuple[Any, Any]:
        """A random sample of the data pool with its **true** label: ``(x, y)``."""
        ...

    def draw_where(self, wanted: Callable[[Any, Any], bool], rng: np.random.Generator,
                   key: Any = None) -> tuple[Any, Any] | None:
        """A random pool sample ``(x, y)`` (true label) for which ``wanted(x, y)`` is True, or None if there is
        none; ``key`` (any hashable) caches which samples qualify, for the next call."""
        ...

    def other_label(self, y: Any, rng: np.random.Generator) -> Any:
        """A class other than ``y``, at random among the model's classes: a wrong label for a sample of ``y``."""
        ...

    def open_contributions(self) -> list[Any]:
        """The contributions something may still be claimed from (``Followed`` items), oldest first."""
        ...

    def price(self) -> int:
        """The deposit a contribution sent now would pay, in **wei** (``price() / UNIT`` in units)."""
        ...

    def add(self, agent: Agent, x: Any, label: Any, address: str, budget: int, action: str = "add") -> Any:
        """Send ``(x, label)`` from ``address`` if the price now is at most ``budget`` wei (and the balance); log
        it as ``action``; returns the ``Followed`` contribution, or None if it was skipped or refused."""
        ...

    def claim(self, agent: Agent, item: Any, address: str, *, refund: bool) -> int:
        """Claim from ``item`` from ``address``: its refund (``refund=True``, your own contribution) or a report
        (someone else's); returns the wei paid (0 if refused, or if the report only flagged)."""
        ...

    def good_data(self, address: str) -> int:
        """How many contributions of ``address`` were refunded (its "good data": reports need at least one)."""
        ...


UNIT = 10**15  # wei per deposit "unit" (0.001 ether): the paper's balances and deposits are in these units
HONEST_BONUS = 0.15  # the paper: honest agents contribute with probability accuracy + 0.15


@dataclass(eq=False)
class Agent:
    """Base class: an agent with its money and rhythm. Subclasses say what data and label it sends.

    ``balance`` is in units (see :data:`UNIT`); its account(s) are created and funded with exactly that
    much when the simulation starts. ``deposit_mean``/``deposit_std`` (units) draw, for each contribution,
    the most the agent is willing to pay: it contributes only when the deposit required at that moment is
    below it. ``wait_mean``/``wait_std`` (seconds) draw the time between its actions. With probability
    ``mistake_prob`` a label it meant to send is replaced by another class. ``burst`` is the most
    contributions it sends in a row (one per block) while each still costs less than its budget.
    """

    name: str
    balance: float = 10_000
    deposit_mean: float = 50
    deposit_std: float = 10
    wait_mean: float = 10 * MINUTE
    wait_std: float = 2 * MINUTE
    mistake_prob: float = 0.0
    burst: int = 1

    good = True  # for plots: drawn as a solid (good) or dashed (bad) line
    contributes = True  # whether it adds data at all
    claims_refunds = True  # whether it claims back its own deposits when due
    takes = True  # whether it takes from others' contributions when it can

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the valid range of any parameter out of range."""
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        checks: list[tuple[str, bool, str]] = [
            ("balance", self.balance > 0, "> 0 units"),
            ("deposit_mean", self.deposit_mean >= 0, ">= 0 units"),
            ("deposit_std", self.deposit_std >= 0, ">= 0 units"),
            ("wait_mean", self.wait_mean >= 1, ">= 1 second"),
            ("wait_std", self.wait_std >= 0, ">= 0 seconds"),
            ("mistake_prob", 0 <= self.mistake_prob <= 1, "in [0, 1]"),
            ("burst", isinstance(self.burst, (int, np.integer)) and self.burst >= 1, "an int >= 1"),
        ]
        for field_name, ok, valid in checks:
            value = getattr(self, field_name)
            finite = isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value)
            if not finite or not ok:
                raise ValueError(f"{type(self).__name__} {self.name!r}: {field_name} must be {valid}, got {value!r}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    # -- what the simulation asks ------------------------------------------------------------------
    @property
    def n_addresses(self) -> int:
        """How many accounts the agent uses (its balance is split evenly between them)."""
        return 1

    def next_wait(self, rng: np.random.Generator) -> int:
        """Seconds until the next action: a normal draw, at least 1 s."""
        return max(1, round(rng.normal(self.wait_mean, self.wait_std)))

    def next_budget(self, rng: np.random.Generator) -> int:
        """The most (in wei) the agent is willing to deposit for its next contribution."""
        return max(0, round(rng.normal(self.deposit_mean, self.deposit_std) * UNIT))

    def act(self, sim: World, rng: np.random.Generator) -> None:
        """Anything the agent does at an action before its claims and its contribution (nothing by default)."""

    def wants_to_contribute(self, sim: World, rng: np.random.Generator) -> bool:
        """Whether to contribute at this action (always, by default)."""
        return self.contributes

    def choose(self, sim: World, rng: np.random.Generator) -> tuple[Any, Any] | None:
        """The sample and the label to send, or None to skip. The base agent sends a random pool sample with its
        true label; each subclass says what it sends."""
        x, y = sim.draw(rng)
        return x, y

    def contributor_address(self, sim: World, rng: np.random.Generator) -> str:
        """The account that sends the next contribution."""
        return sim.addresses(self)[0]

    def mistake(self, y: Any, sim: World, rng: np.random.Generator) -> Any:
        """``y``, or with probability ``mistake_prob`` another class."""
        if self.mistake_prob and rng.random() < self.mistake_prob:
            return sim.other_label(y, rng)
        return y


@dataclass(eq=False, repr=False)
class Honest(Agent):
    """Sends true labels (up to ``mistake_prob``); like the paper, it contributes with probability
    ``accuracy + 0.15`` (a useful model is worth improving), claims its refunds when due and takes from
    bad contributions when it can.

    Under a take delay (``DepositRefundTake(take_delay=...)``) it defends its flagged contributions: when a
    reporter has flagged one that the model now disagrees with, and sending that sample again with its label
    puts the model right (checked on a copy of the mirror: the flag followed a flip), it sends it once (within
    its deposit budget) and claims the refund before the take can come.
    """

    def act(self, sim: World, rng: np.random.Generator) -> None:
        """Under a take delay: defend each of its flagged contributions that one more sample puts right, and
        claim their refunds."""
        mine = set(sim.addresses(self))
        model = sim.trainer.model
        for item in sim.open_contributions():
            c = item.contribution
            if c.contributor not in mine or item.refunded or not item.flagged_at or item.claimable == 0:
                continue
            if sim.chain.now - c.added_at < sim.refund_wait:
                break  # the rest are younger
            if model.predict_encoded(item.x) != item.label:
                trial = model.copy()
                trial.update_encoded(item.x, item.label)
                if trial.predict_encoded(item.x) != item.label:
                    continue  # one sample does not put it right: the model really disagrees
                if sim.add(self, item.sample, c.label, c.contributor, self.next_budget(rng), action="defend") is None:
                    continue
            if model.predict_encoded(item.x) == item.label:
                sim.claim(self, item, c.contributor, refund=True)

    def wants_to_contribute(self, sim: World, rng: np.random.Generator) -> bool:
        """With probability ``accuracy + 0.15`` (the paper's honest agent)."""
        return bool(rng.random() < sim.current_accuracy + HONEST_BONUS)

    def choose(self, sim: World, rng: np.random.Generator) -> tuple[Any, Any] | None:
        """A random pool sample with its true label (another class with probability ``mistake_prob``)."""
        x, y = sim.draw(rng)
        return x, self.mistake(y, sim, rng)


@dataclass(eq=False, repr=False)
class Careless(Honest):
    """An honest agent who often gets the label wrong (``mistake_prob`` 0.25 by default)."""

    mistake_prob: float = 0.25


@dataclass(eq=False, repr=False)
class LabelFlipper(Agent):
    """An attacker who always sends the wrong label, at every action (and up to ``burst`` in a row).
    It still claims refunds and takes whenever the rules let it."""

    deposit_mean: float = 100
    deposit_std: float = 3
    wait_mean: float = 60 * MINUTE
    wait_std: float = 10 * MINUTE
    good = False

    def choose(self, sim: World, rng: np.random.Generator) -> tuple[Any, Any] | None:
        """A random pool sample with a **wrong** label (another class than its true one)."""
        x, y = sim.draw(rng)
        return x, sim.other_label(y, rng)


@dataclass(eq=False, repr=False)
class TargetedPoisoner(LabelFlipper):
    """An attacker who flips only the samples of one class (``target_class``), optionally only inside a
    region (``region(x) -> bool``), to move one decision while leaving the rest of the model alone.
    It sends them as ``flip_to`` (default: another class)."""

    target_class: Any = None
    flip_to: Any = None
    region: Callable[[Any], bool] | None = None

    def validate(self) -> None:
        """The agent's checks, and ``target_class`` is given."""
        super().validate()
        if self.target_class is None:
            raise ValueError(f"TargetedPoisoner {self.name!r}: give target_class, the class whose samples it flips")

    def choose(self, sim: World, rng: np.random.Generator) -> tuple[Any, Any] | None:
        """A random pool sample of ``target_class`` (inside ``region``) sent as ``flip_to``; None when there is
        no such sample."""

        def wanted(x: Any, y: Any) -> bool:
            return bool(y == self.target_class and (self.region is None or self.region(x)))

        found = sim.draw_where(wanted, rng, key=("targeted", self.name))
        if found is None:
            return None
        x, y = found
        return x, (self.flip_to if self.flip_to is not None else sim.other_label(y, rng))


@dataclass(eq=False, repr=False)
class Spammer(LabelFlipper):
    """An attacker who floods: it checks the price often (every ``wait_mean`` seconds) and, whenever the
    deposit is below its budget, sends up to ``burst`` wrong labels in a row, one per block, while each
    stays below its budget. The time-based price rises after each one: that is what it fights."""

    wait_mean: float = 5 * MINUTE
    wait_std: float = 1 * MINUTE
    burst: int = 20


@dataclass(eq=False, repr=False)
class Sybil(LabelFlipper):
    """An attacker split over ``n_accounts`` addresses. The first sends wrong labels; the others send a
    few true labels (a fraction ``honest_fraction`` of its contributions) so that, once refunded, they
    count as good contributors and may report the first one's bad data: the attacker takes back
    (part of) its own deposits before honest reporters get them."""

    n_accounts: int = 5
    honest_fraction: float = 0.3

    def validate(self) -> None:
        """The agent's checks, and ``n_accounts`` >= 2, ``honest_fraction`` in [0, 1]."""
        super().validate()
        if not isinstance(self.n_accounts, (int, np.integer)) or self.n_accounts < 2:
            raise ValueError(f"Sybil {self.name!r}: n_accounts must be an int >= 2, got {self.n_accounts!r}")
        if not 0 <= self.honest_fraction <= 1:
            raise ValueError(f"Sybil {self.name!r}: honest_fraction must be in [0, 1], got {self.honest_fraction!r}")

    @property
    def n_addresses(self) -> int:
        """``n_accounts``: its balance is split evenly between them."""
        return int(self.n_accounts)

    def choose(self, sim: World, rng: np.random.Generator) -> tuple[Any, Any] | None:
        """With probability ``honest_fraction`` a pool sample with its true label (sent from a sibling account),
        otherwise with a wrong label (sent from the first account)."""
        x, y = sim.draw(rng)
        self._honest_next = bool(rng.random() < self.honest_fraction)
        return (x, y) if self._honest_next else (x, sim.other_label(y, rng))

    def contributor_address(self, sim: World, rng: np.random.Generator) -> str:
        """The first account for a wrong label, a random sibling for a true one."""
        addresses = sim.addresses(self)
        if getattr(self, "_honest_next", False):
            return addresses[1 + int(rng.integers(len(addresses) - 1))]
        return addresses[0]


@dataclass(eq=False, repr=False)
class FlipAndTake(Honest):
    """An attacker who flips the model, then takes (issue 12, finding 4). It contributes true labels like an
    honest agent until one of its contributions is refunded (it then has good data and may take), then stops
    contributing and only attacks. At each
    action it looks for someone else's contribution past the refund wait that the model agrees with (so its
    contributor is about to be refunded); if one cheap sample, that contribution's own sample with another
    label, flips the model on it (checked on a copy of the mirror) and costs less than what it would take,
    it sends that sample and at once reports the victim: without a take delay it takes the deposit in the
    next block. With a take delay its report only flags; it confirms after the delay, first flipping the
    model again if the victim put it right (and was not refunded yet).

    Its ``events`` rows: the flip is an ``add``, the take a ``report`` (or ``flag`` then ``report``).
    """

    wait_mean: float = 5 * MINUTE
    wait_std: float = 1 * MINUTE
    good = False

    def wants_to_contribute(self, sim: World, rng: np.random.Generator) -> bool:
        """Only until it has good data: while none of its contributions was refunded and none is waiting."""
        me = sim.addresses(self)[0]
        waiting = any(item.contribution.contributor == me and not item.refunded for item in sim.open_contributions())
        return sim.good_data(me) == 0 and not waiting

    def act(self, sim: World, rng: np.random.Generator) -> None:
        """Once it has good data: flip the model on someone else's refundable contribution, then report it."""
        me = sim.addresses(self)[0]
        if sim.good_data(me) == 0:
            return  # no refunded data yet: a take would fail NoGoodData
        model = sim.trainer.model
        for item in sim.open_contributions():
            c = item.contribution
            if sim.chain.now - c.added_at < sim.refund_wait:
                break  # the rest are younger
            if c.contributor == me or item.refunded or item.claimable == 0 or me in item.taken_by:
                continue
            flagged = item.flagged_at.get(me)
            if flagged is not None and sim.chain.now < flagged + sim.take_delay:
                continue  # flagged: wait for the delay
            if model.predict_encoded(item.x) == item.label and not self._flip(sim, item, rng):
                continue
            sim.claim(self, item, me, refund=False)

    def _flip(self, sim: World, item: Any, rng: np.random.Generator) -> bool:
        """Send the victim's sample with another label if that one sample flips the model on it and costs less
        than the victim's deposit left; returns whether the model now disagrees with the victim."""
        model = sim.trainer.model
        price = sim.price()
        if price >= item.claimable:
            return False
        label = sim.other_label(item.contribution.label, rng)
        trial = model.copy()
        trial.update_encoded(item.x, model.encode_label(label))
        if trial.predict_encoded(item.x) == item.label:
            return False  # one sample is not enough: not worth it
        sent = sim.add(self, item.sample, label, sim.addresses(self)[0], self.next_budget(rng))
        return sent is not None and model.predict_encoded(item.x) != item.label


@dataclass(eq=False, repr=False)
class Reporter(Agent):
    """A free rider: never contributes, only takes. Without refunded data of its own it may take only
    what is left of a contribution after the any-address claim wait."""

    deposit_mean: float = 0
    deposit_std: float = 0
    wait_mean: float = 60 * MINUTE
    wait_std: float = 10 * MINUTE
    contributes = False
    claims_refunds = False
