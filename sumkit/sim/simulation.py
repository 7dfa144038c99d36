"""The simulation: agents acting on a deployed trainer, on the real chain, on a simulated clock.

>>> simulation = Simulation(trainer, [good, bad], data=(X, y), test=(X_test, y_test), days=30)  # doctest: +SKIP
>>> result = simulation.run()                                                                  # doctest: +SKIP
>>> result.plot()                                                                              # doctest: +SKIP

Each agent acts at times drawn from its own rhythm; between actions the chain travels in time, so
deposits, refund waits and claim waits run exactly as they would on a real network. Every add, refund
and take is a real transaction. Accuracy over time is computed with the trainer's mirror
(``trainer.model``), which is bit-exact with the contract and much faster than calling it.
"""

from __future__ import annotations

import heapq
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..plumbing.errors import Reverted
from ..handles.trainer import Contribution, Trainer
from ..plumbing.units import DAY, HOUR
from .agents import UNIT, Agent

if TYPE_CHECKING:
    import pandas as pd

EVENT_COLUMNS = ["time", "day", "agent", "address", "action", "amount", "gas", "label", "contributor", "error"]
EVALUATIONS = 200  # points of the accuracy/balance history when eval_every is not given


@dataclass
class _Open:
    """A contribution the simulation follows until nothing is left to claim from it."""

    contribution: Contribution
    x: list[int]
    label: int
    claimable: int
    refunded: bool = False
    taken_by: set[str] = field(default_factory=set)
    sample: Any = None  # the sample as the agent sent it (before encoding)
    flagged_at: dict[str, int] = field(default_factory=dict)  # reporter -> time of its flag (with a take delay)

    @property
    def done(self) -> bool:
        """Nothing left to do: the deposit is all paid out, or (no deposit, e.g. Points) it was refunded."""
        return self.refunded if self.contribution.deposit == 0 else self.claimable == 0


class _Verdict:
    """Whether the model agrees with a followed contribution's label, predicted once, when first asked (a
    mechanism's rules call it only when their answer depends on it)."""

    __slots__ = ("model", "item", "value")

    def __init__(self, model: Any, item: _Open) -> None:
        self.model, self.item, self.value = model, item, None

    def __call__(self) -> bool:
        if self.value is None:
            self.value = bool(self.model.predict_encoded(self.item.x) == self.item.label)
        return self.value


@dataclass
class SimulationResult:
    """What a simulation produced: plain pandas tables, plus a plot.

    ``events`` has one row per action: ``time`` (unix s), ``day`` (days since the start), ``agent``,
    ``address`` (account name), ``action`` (``add``, ``refund``, ``report``; under a take delay
    ``flag``, a report that only flagged, and ``defend``, an add that puts the model right on a flagged
    contribution; or ``skip`` when the deposit was above the agent's budget or balance), ``amount`` (wei, as
    exact Python ints, so that sums never overflow: the deposit paid, the refund or the take; for a skip, the
    price refused), ``gas``, ``label``, ``contributor`` (whose contribution was refunded, flagged or taken) and
    ``error`` (the revert's error name, if any).
    ``history`` has one row per evaluation: ``time``, ``day``, ``accuracy`` on the test set, ``held`` (what
    the trainer holds) and one column per agent with its balance (all its accounts together), both in units
    of :data:`UNIT` wei. ``start_balances`` and ``final_balances`` are exact, in wei.
    ``interrupted`` is True when the run was stopped early (Ctrl-C, kernel interrupt, or :meth:`Simulation.stop`).
    ``contributions`` lists every :class:`~sumkit.Contribution` the agents added, in order: the objects
    ``trainer.refund`` and ``trainer.report`` take, e.g. to claim by hand what the run left behind.
    """

    events: pd.DataFrame
    history: pd.DataFrame
    agents: list[Agent]
    start_balances: dict[str, int]
    final_balances: dict[str, int]
    days: float
    wall_time: float
    interrupted: bool = False
    contributions: list[Contribution] = field(default_factory=list)

    def __repr__(self) -> str:
        state = "interrupted" if self.interrupted else "complete"
        return (
            f"<SimulationResult ({state}): {self.days:.2f} days, {len(self.events)} events, accuracy "
            f"{self.start_accuracy:.1%} -> {self.final_accuracy:.1%}, {self.wall_time:.1f} s>"
        )

    @property
    def start_accuracy(self) -> float:
        return float(self.history["accuracy"].iloc[0])

    @property
    def final_accuracy(self) -> float:
        return float(self.history["accuracy"].iloc[-1])

    def balances_percent(self) -> pd.DataFrame:
        """Each agent's balance over time as a percentage of its start balance, indexed by day."""
        names = [a.name for a in self.agents]
        table = self.history.set_index("day")[names].astype(float)
        return table.div([self.start_balances[n] / UNIT for n in names], axis=1) * 100

    def summary(self) -> pd.DataFrame:
        """One row per agent: start and final balance (units), change, and what it did.

        Columns: ``kind`` (its class), ``start`` and ``final`` (units), ``change_%``, ``adds`` (contributions,
        defences included), ``deposited``, ``refunded`` and ``taken`` (units), ``skips`` (actions it sent nothing
        at: the price was above its budget), ``refunded_%`` (of what it deposited; empty if it deposited
        nothing), and ``lost_per_add``: for an attacker (an agent whose data is bad: ``good`` False), the units
        its balance fell per contribution, what its bad data cost it; empty for the other agents, whose change
        is not the cost of their data (an honest agent's balance also grows by what it takes).
        """
        import pandas as pd

        rows = []
        for agent in self.agents:
            mine = self.events[(self.events["agent"] == agent.name) & self.events["error"].isna()]
            start = self.start_balances[agent.name]

            def total(action: str, frame: pd.DataFrame = mine) -> float:
                return float(frame.loc[frame["action"] == action, "amount"].astype(float).sum()) / UNIT

            adds = int(mine["action"].isin(["add", "defend"]).sum())
            deposited = total("add") + total("defend")
            lost = (start - self.final_balances[agent.name]) / UNIT
            rows.append(
                {
                    "agent": agent.name,
                    "kind": type(agent).__name__,
                    "start": start / UNIT,
                    "final": self.final_balances[agent.name] / UNIT,
                    "change_%": (self.final_balances[agent.name] - start) / start * 100,
                    "adds": adds,
                    "deposited": deposited,
                    "refunded": total("refund"),
                    "taken": total("report"),
                    "skips": int((mine["action"] == "skip").sum()),
                    "refunded_%": total("refund") / deposited * 100 if deposited else float("nan"),
                    "lost_per_add": lost / adds if adds and not agent.good else float("nan"),
                }
            )
        return pd.DataFrame(rows).set_index("agent")

    def plot(self, ax: Any = None, title: str | None = None) -> Any:
        """Accuracy and every agent's balance (as % of its start) against days, like the paper's figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4.5))
        day = self.history["day"]
        ax.plot(day, self.history["accuracy"] * 100, color="black", lw=2, label="accuracy on the test set")
        percent = self.balances_percent()
        for agent in self.agents:
            style = "-" if agent.good else "--"
            ax.plot(percent.index, percent[agent.name], style, lw=1.5, label=f"{agent.name} balance")
        ax.axhline(100, color="grey", lw=0.5)
        ax.set_xlabel("time (days)")
        ax.set_ylabel("percent (balances: of start)")
        ax.set_title(title or ("Balances and accuracy" + (" (interrupted)" if self.interrupted else "")))
        ax.legend(loc="best", fontsize="small")
        return ax


class Simulation:
    """Agents acting on ``trainer`` for ``days`` simulated days, reproducibly (``seed``).

    ``data=(X, y)`` is the pool agents draw samples from (with their true labels); ``test=(X, y)``
    measures accuracy every ``eval_every`` seconds (default: 200 times over the run, at most hourly).
    After ``days``, agents stop adding data but keep claiming for ``settle_days`` more days, so that
    balances show where the deposits ended up. Each agent gets fresh accounts funded with its
    ``balance``. :meth:`run` shows a progress bar and returns a :class:`SimulationResult`; calling it
    again after an interruption continues where it stopped.

    >>> sim = Simulation(trainer, [Honest("good"), LabelFlipper("bad")], data=(X, y), test=(Xt, yt),
    ...                  days=10, seed=0)                                  # doctest: +SKIP
    """

    def __init__(
        self,
        trainer: Trainer,
        agents: Sequence[Agent],
        *,
        data: tuple[Any, Any],
        test: tuple[Any, Any],
        days: float = 30,
        settle_days: float = 0,
        seed: int | None = 0,
        eval_every: int | None = None,
        progress: bool = True,
    ) -> None:
        if not isinstance(trainer, Trainer):
            raise ValueError(f"trainer must be a deployed sk.Trainer (from sk.deploy), got {type(trainer).__name__}")
        agents = list(agents)
        if not agents or not all(isinstance(a, Agent) for a in agents):
            raise ValueError("agents must be a non-empty list of sk.sim agents (Honest, LabelFlipper, ...)")
        names = [a.name for a in agents]
        if len(set(names)) != len(names):
            raise ValueError(f"agent names must be unique, got {names}")
        for agent in agents:
            agent.validate()
        if not (isinstance(days, (int, float)) and np.isfinite(days) and days > 0):
            raise ValueError(f"days must be a positive number of simulated days, got {days!r}")
        if not (isinstance(settle_days, (int, float)) and np.isfinite(settle_days) and settle_days >= 0):
            raise ValueError(f"settle_days must be a number of simulated days >= 0, got {settle_days!r}")
        if eval_every is None:  # about EVALUATIONS points over the run, at most one an hour
            eval_every = max(HOUR, round((days + settle_days) * DAY / EVALUATIONS))
        if not (isinstance(eval_every, (int, np.integer)) and eval_every >= 1):
            raise ValueError(f"eval_every must be an int number of seconds >= 1, got {eval_every!r}")
        self.trainer, self.chain, self.agents = trainer, trainer.chain, agents
        self.days, self.settle_days = float(days), float(settle_days)
        self.seed, self.eval_every, self.progress = seed, int(eval_every), progress
        model = trainer.model
        self._pool_X, self._pool_y, _, _ = self._check_set("data", data)
        self._test_X, _, test_enc, self._test_labels = self._check_set("test", test)
        self._test_enc = tuple(map(tuple, test_enc))  # immutable: a model may keep a faster form of it
        self.rng = np.random.default_rng(seed)
        # The mechanism's rules (sumkit.incentives.base.Mechanism) decide who may claim what, and when.
        self.mechanism = trainer.incentive
        self.refund_wait = int(self.mechanism.claim_wait)  # the World's name: nothing is claimed before it
        self.take_delay = int(self.mechanism.take_delay)
        self._classes = tuple(model.classes)
        self._addresses: dict[str, list[str]] = {}
        self._open: list[_Open] = []
        self._contributions: list[Contribution] = []
        self._good: dict[str, int] = {}
        self._events: list[tuple[Any, ...]] = []
        self._history: list[dict[str, Any]] = []
        self._masks: dict[Any, np.ndarray] = {}
        self._queue: list[tuple[int, int, int]] = []
        self._started = False
        self._stop = False
        self._interrupted = False
        self._wall = 0.0
        self.start_balances: dict[str, int] = {}
        self.current_accuracy = self.accuracy()

    def __repr__(self) -> str:
        return f"<Simulation of {len(self.agents)} agents for {self.days:g} days on {self.trainer!r}>"

    # -- input -------------------------------------------------------------------------------------
    def _check_set(self, what: str, pair: tuple[Any, Any]) -> tuple[list[Any], list[Any], list[list[int]], np.ndarray]:
        model = self.trainer.model
        shape = f"(n_samples, {model.n_features})" if hasattr(model, "n_features") else "(n_samples, ...)"
        try:
            X, y = pair
        except (TypeError, ValueError):
            raise ValueError(f"{what} must be a pair (X, y), X of shape {shape} and y of n_samples labels") from None
        if isinstance(X, np.ndarray) and X.ndim != 2:
            raise ValueError(f"{what}: X must be 2-D of shape {shape}, got shape {X.shape}")
        y = list(np.asarray(y).tolist())
        if len(X) != len(y) or len(y) == 0:
            raise ValueError(f"{what}: X has {len(X)} rows and y has {len(y)} labels; they must match and be > 0")
        rows, encoded, labels = list(X), [], []
        for i, (row, label) in enumerate(zip(rows, y)):
            try:
                encoded.append(model.encode(row))
                labels.append(model.encode_label(label))
            except ValueError as e:
                raise ValueError(f"{what}: row {i}: {e} (X must have shape {shape}, y the classes "
                                 f"{list(model.classes)})") from None
        return rows, y, encoded, np.asarray(labels)

    # -- what agents use ---------------------------------------------------------------------------
    def addresses(self, agent: Agent) -> list[str]:
        """The accounts of ``agent`` in this simulation."""
        return self._addresses[agent.name]

    def accuracy(self) -> float:
        """Accuracy of the trainer's mirror (bit-exact with the chain) on the test set, now."""
        return float(np.mean(self.trainer.model.predict_encoded_many(self._test_enc) == self._test_labels))

    def draw(self, rng: np.random.Generator) -> tuple[Any, Any]:
        """A random sample of the pool with its true label."""
        i = int(rng.integers(len(self._pool_y)))
        return self._pool_X[i], self._pool_y[i]

    def draw_where(
        self, wanted: Callable[[Any, Any], bool], rng: np.random.Generator, key: Any = None
    ) -> tuple[Any, Any] | None:
        """A random pool sample (with its true label) for which ``wanted(x, y)``, or None if there is none.
        ``key`` caches which samples qualify."""
        mask = self._masks.get(key) if key is not None else None
        if mask is None:
            mask = np.flatnonzero([wanted(x, y) for x, y in zip(self._pool_X, self._pool_y)])
            if key is not None:
                self._masks[key] = mask
        if len(mask) == 0:
            return None
        i = int(mask[rng.integers(len(mask))])
        return self._pool_X[i], self._pool_y[i]

    def open_contributions(self) -> list[_Open]:
        """The contributions the simulation still follows (something may still be claimed from them), oldest
        first."""
        return list(self._open)

    def price(self) -> int:
        """The deposit required now, in wei."""
        return self._price()

    def add(self, agent: Agent, x: Any, label: Any, address: str, budget: int, action: str = "add") -> _Open | None:
        """``agent`` adds ``(x, label)`` from ``address`` if the deposit required now is within ``budget`` wei and
        the account's balance; logs it as ``action``; returns the followed contribution (None if skipped or
        refused)."""
        price = self._price()
        if price > budget or price > self.chain.balance(address):
            self._event(agent, address, "skip", price, label)
            return None
        try:
            c = self.trainer.add_data(x, label, sender=address, value=price)
        except (Reverted, ValueError) as e:
            self._event(agent, address, action, 0, label, error=getattr(e, "error", None) or type(e).__name__)
            return None
        self._event(agent, address, action, c.deposit, label)
        self._contributions.append(c)
        if self._last_update is not None:
            self._last_update = c.added_at
        item = _Open(c, list(c.x), self.trainer.model.encode_label(c.label), c.deposit, sample=x)
        if self.mechanism.has_claim(c.deposit):  # e.g. nothing to claim from a free contribution under DRT
            self._open.append(item)
        return item

    def claim(self, agent: Agent, item: _Open, address: str, *, refund: bool) -> int:
        """``agent`` claims from ``item`` from ``address``: its refund, or a report; logs it; returns the wei paid
        (0 for a refused claim, or for a report that only flagged, with a take delay)."""
        return self._transact(agent, item, address, refund=refund)

    def good_data(self, address: str) -> int:
        """How many of ``address``'s contributions were refunded in this simulation."""
        return self._good.get(address, 0)

    def other_label(self, y: Any, rng: np.random.Generator) -> Any:
        """A class other than ``y``, at random among the model's classes."""
        others = [c for c in self._classes if c != y]
        return others[0] if len(others) == 1 else others[int(rng.integers(len(others)))]

    # -- running -------------------------------------------------------------------------------------
    def _setup(self) -> None:
        for agent in self.agents:
            n = agent.n_addresses
            total = round(agent.balance * UNIT)
            shares = [total - (n - 1) * (total // n)] + [total // n] * (n - 1)  # the first gets the remainder
            names = [agent.name] if n == 1 else [f"{agent.name}{k}" for k in range(n)]
            self._addresses[agent.name] = [self.chain.new_account(v, name=m) for v, m in zip(shares, names)]
        self._start = self.chain.now
        # The time deposits are priced from, to price them locally (None: the price does not depend on time).
        self._last_update: int | None = self.mechanism.last_update_time(self.trainer.incentive_contract)
        self.start_balances = {a.name: self._balance(a) for a in self.agents}
        self._next_eval = self._start
        for index, agent in enumerate(self.agents):
            heapq.heappush(self._queue, (self._start + agent.next_wait(self.rng), index, index))
        self._seq = len(self.agents)
        self._started = True

    def _balance(self, agent: Agent) -> int:
        return sum(self.chain.balance(a) for a in self._addresses[agent.name])

    def _record_history(self, at: int) -> None:
        self.current_accuracy = self.accuracy()
        row = {"time": at, "day": (at - self._start) / DAY, "accuracy": self.current_accuracy}
        row["held"] = self.chain.balance(self.trainer.address) / UNIT
        for agent in self.agents:
            row[agent.name] = self._balance(agent) / UNIT
        self._history.append(row)

    def _event(self, agent: Agent, address: str, action: str, amount: int, label: Any = None,
               error: str | None = None, contributor: str | None = None) -> None:
        """Log one action: a mined transaction (at its block time, with its gas) unless ``error`` or a skip."""
        mined = error is None and action != "skip"
        receipt = self.chain.last_receipt
        at = receipt.block_time if mined and receipt is not None else self.chain.now
        gas = receipt.gas_used if mined and receipt is not None else 0
        name = self.chain.name_of(address)
        owner = self.chain.name_of(contributor) if contributor is not None else name
        self._events.append((at, (at - self._start) / DAY, agent.name, name, action, amount, gas, label, owner, error))

    def run(self) -> SimulationResult:
        """Run (or continue) the simulation to its end, with a progress bar; Ctrl-C (or :meth:`stop`) ends it
        cleanly after the current action and returns the partial result (``interrupted=True``)."""
        from tqdm.auto import tqdm

        total = round(self.days + self.settle_days, 3)
        steps = self.steps()
        # In a notebook, tqdm draws a widget whose saved text form is the bar as first drawn ("0%"): show it
        # through a display handle instead, and update that handle at the end, so that a saved (or statically
        # rendered) notebook shows the bar in its final state.
        widget = self.progress and "tqdm.notebook" in {cls.__module__ for cls in tqdm.__mro__}
        bar = tqdm(total=total, initial=round(self.day, 3), unit="day", disable=not self.progress, desc="simulating",
                   bar_format="{l_bar}{bar}| {n:.2f}/{total:g} days [{elapsed}<{remaining}]",
                   **({"display": False} if widget else {}))
        handle = None
        if widget:
            from IPython.display import display

            handle = display(bar.container, display_id=True)
        try:
            for day in steps:
                bar.update(max(0.0, day - bar.n))
        except KeyboardInterrupt:  # a second Ctrl-C, while the bar was drawing
            pass
        finally:
            steps.close()
            if not self._interrupted:  # the run reached its end, whose time no step yields: the bar says so
                bar.update(max(0.0, total - bar.n))
            bar.close()
            if handle is not None:
                handle.update(bar.container)
        return self.result()

    def steps(self) -> Iterator[float]:
        """Run (or continue) the simulation one step at a time: each action, or each evaluation of the model.
        Yields the simulated day reached, so that a caller can show progress or do other work between steps
        (``sk.widgets.SimulationDashboard`` does). It ends at the end of the run, or after :meth:`stop` or
        Ctrl-C; then :meth:`result` has the tables (``interrupted=True`` if it ended early).

        >>> for day in simulation.steps():   # doctest: +SKIP
        ...     if day > 2: simulation.stop()
        """
        began = time.perf_counter()
        if not self._started:
            self._setup()
        end = self._start + round((self.days + self.settle_days) * DAY)
        self._adding_ends = self._start + round(self.days * DAY)
        self._stop = False
        interrupted = True  # unless the loop reaches the end
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGINT, self._on_interrupt)
        try:
            while not self._stop:
                when = self._queue[0][0]
                if self._next_eval <= min(when, end):
                    self._record_history(self._next_eval)
                    self._next_eval += self.eval_every
                    yield self.day
                    continue
                if when > end:
                    interrupted = False
                    break
                _, _, index = heapq.heappop(self._queue)
                agent = self.agents[index]
                heapq.heappush(self._queue, (when + agent.next_wait(self.rng), self._seq, index))
                self._seq += 1
                if when > self.chain.now:
                    self.chain.travel(seconds=when - self.chain.now)
                self._act(agent)
                yield (min(when, end) - self._start) / DAY
        except KeyboardInterrupt:
            pass
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            self._wall += time.perf_counter() - began
            self._interrupted = interrupted
            last = min(max(self.chain.now, self._history[-1]["time"] if self._history else self._start), end)
            if not self._history or self._history[-1]["time"] < last:
                self._record_history(last)

    @property
    def day(self) -> float:
        """How many simulated days have passed since the start (0 before the first run)."""
        return (self.chain.now - self._start) / DAY if self._started else 0.0

    def stop(self) -> None:
        """Ask a running simulation to end after its current action, keeping what it did (the dashboard's
        Stop button; Ctrl-C does the same). :meth:`run` or :meth:`steps` continues it later."""
        self._stop = True

    def _on_interrupt(self, signum: int, frame: Any) -> None:
        if self._stop:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        self.stop()

    def result(self) -> SimulationResult:
        """The tables so far (after :meth:`run`, even an interrupted one, or during :meth:`steps`)."""
        import pandas as pd

        if not self._history:
            raise RuntimeError("nothing was simulated yet: call run() first")

        history = pd.DataFrame(self._history)
        events = pd.DataFrame(self._events, columns=EVENT_COLUMNS)
        # Python ints, exact: as int64 a total of wei wraps around, without a word, past 9.2 ether (a few days of
        # the good agent's deposits at the paper's pace), and a table of sums would show negative deposits.
        events["amount"] = events["amount"].astype(object)
        return SimulationResult(
            events=events,
            history=history,
            agents=list(self.agents),
            start_balances=dict(self.start_balances),
            final_balances={a.name: self._balance(a) for a in self.agents},
            days=float(history["day"].iloc[-1]) if len(history) else 0.0,
            wall_time=self._wall,
            interrupted=self._interrupted,
            contributions=list(self._contributions),
        )

    # -- one action ----------------------------------------------------------------------------------
    def _act(self, agent: Agent) -> None:
        agent.act(self, self.rng)
        self._claim(agent)
        if self.chain.now < self._adding_ends and agent.contributes and agent.wants_to_contribute(self, self.rng):
            self._contribute(agent)

    def _contribute(self, agent: Agent) -> None:
        rng = self.rng
        budget = agent.next_budget(rng)
        for _ in range(agent.burst):
            choice = agent.choose(self, rng)
            if choice is None:
                return
            x, label = choice
            if self.add(agent, x, label, agent.contributor_address(self, rng), budget) is None:
                return

    def _price(self) -> int:
        """The deposit required now: the incentive's Python twin (same integer arithmetic) when it has one,
        saving a call; else the contract's ``nextDeposit``."""
        if self._last_update is not None:
            return self.trainer.incentive.deposit(self.chain.now - self._last_update)
        return self.trainer.next_deposit()

    def _claim(self, agent: Agent) -> None:
        if not self._open or not (agent.claims_refunds or agent.takes):
            return
        mine = self._addresses[agent.name]
        model, rules = self.trainer.model, self.mechanism
        now, claimed = self.chain.now, False  # each transaction moves the clock: read it again after each
        for item in list(self._open):
            c = item.contribution
            age = now - c.added_at
            if age < self.refund_wait:
                break  # the rest are younger
            if item.done:
                continue
            # The model's verdict, computed only when a rule asks for it: most open contributions are old bad
            # ones that this agent already took from, and predicting each at every action cost most of a long
            # run. (Claims do not change the model, so one verdict serves the whole item.)
            agrees = _Verdict(model, item)
            if c.contributor in mine and agent.claims_refunds and not item.refunded and rules.may_refund(age, agrees):
                self._transact(agent, item, c.contributor, refund=True)
                now, claimed = self.chain.now, True
            if not agent.takes:
                continue
            for address in mine:
                if item.claimable == 0:
                    break
                if address in item.taken_by:
                    continue
                flagged = item.flagged_at.get(address)
                if flagged is not None and now < flagged + self.take_delay:
                    continue  # flagged: the take comes after the delay
                if not rules.may_report(age, reporter_good_data=self._good.get(address, 0), model_agrees=agrees,
                                        own=address == c.contributor):
                    continue
                self._transact(agent, item, address, refund=False)
                now, claimed = self.chain.now, True
        if claimed:
            self._open = [item for item in self._open if not item.done]

    def _transact(self, agent: Agent, item: _Open, address: str, *, refund: bool) -> int:
        c = item.contribution
        action = "refund" if refund else "report"
        try:
            paid = self.trainer.refund(c, sender=address) if refund else self.trainer.report(c, sender=address)
        except Reverted as e:
            self._event(agent, address, action, 0, c.label, error=e.error or "Reverted", contributor=c.contributor)
            if refund:
                item.refunded = e.error == "UnknownContribution"  # a refund deletes the record
            elif e.error != "TooEarly":
                item.taken_by.add(address)
            return 0
        if not refund and paid == 0 and self.take_delay:  # a flag: the take may come after the delay
            self._event(agent, address, "flag", 0, c.label, contributor=c.contributor)
            item.flagged_at[address] = self.chain.last_receipt.block_time
            return 0
        self._event(agent, address, action, paid, c.label, contributor=c.contributor)
        item.claimable -= paid
        if refund:
            item.refunded = True
            self._good[address] = self._good.get(address, 0) + 1
        else:
            item.taken_by.add(address)
        return paid
