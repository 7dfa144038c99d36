"""ipywidgets panels: drive a SUM deployment by hand, and watch a simulation as it runs, in Jupyter. ipywidgets
is imported only when a panel is built, so ``import sumkit`` stays fast.

>>> panel = sk.widgets.Playground(trainer, X_test, y_test)   # doctest: +SKIP
>>> panel                                                   # doctest: +SKIP

Every button calls the same ``Trainer`` method a notebook cell would (``add_data``, ``refund``, ``report``,
``chain.travel``) on the real chain; what happened, including each revert with its hint, goes to the log, and
``panel.history`` keeps it as a table.

>>> result = await sk.widgets.SimulationDashboard(simulation).run()   # doctest: +SKIP

runs a :class:`~sumkit.sim.Simulation` while a panel draws its accuracy and balances, with a Stop button.
"""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..plumbing.errors import Reverted
from ..models.base import rows_of
from ..sim.simulation import Simulation
from ..plumbing.units import DAY, HOUR, format_duration, format_ether

if TYPE_CHECKING:
    import pandas as pd

    from ..sim.simulation import SimulationResult
    from ..handles.trainer import Contribution, Trainer

# The account names a panel offers by default (the chain's named accounts, except the owner).
ACCOUNTS = ("alice", "bob", "carol", "mallory")
# How far the travel button can move the clock: a label and the seconds.
TRAVELS = (("10 minutes", 600), ("1 hour", HOUR), ("1 day", DAY), ("9 days", 9 * DAY))
# How many log lines the panel shows (the newest first); ``history`` keeps them all.
LOG_LINES = 8


class Playground:
    """A panel over a deployed trainer: choose who you are and a sample, read the free prediction and the
    deposit due now, add the sample with any label, move the clock, and refund or report a contribution.

    ``X`` and ``y`` are the samples to pick from (rows of a matrix, or lists of feature indices for a sparse
    model) and their true labels. ``accounts`` names the chain's accounts to act as. The widgets are attributes
    (``account``, ``sample``, ``label``, ``add_button``, ``wait``, ``travel_button``, ``contribution``,
    ``refund_button``, ``report_button``), so a cell can also set and click them; ``history`` is the log. After
    each action the panel redraws the contributions (``trainer.contributions()``) and the balances.

    >>> panel = Playground(trainer, X_test, y_test)                  # doctest: +SKIP
    >>> panel.sample.value = 3; panel.add_button.click()             # doctest: +SKIP
    >>> panel.history.tail(1)[["action", "account", "error"]]        # doctest: +SKIP
    """

    def __init__(self, trainer: Trainer, X: Any, y: Sequence[Any], accounts: Sequence[str] = ACCOUNTS) -> None:
        import ipywidgets as w

        model = trainer.model
        rows = rows_of(X, model.sparse)
        if len(rows) == 0:
            raise ValueError("X has no samples: give the panel at least one row to choose from")
        if len(rows) != len(y):
            raise ValueError(f"X has {len(rows)} rows but y has {len(y)} labels")
        unknown = [name for name in accounts if name not in ("owner", *ACCOUNTS)]
        if unknown or not accounts:
            raise ValueError(f"accounts must name the chain's accounts (owner, {', '.join(ACCOUNTS)}); got {unknown}")
        for row, label in zip(rows, y):
            model.encode(row)  # a ValueError now, not at the first click
            model.encode_label(label)
        self.trainer, self.chain = trainer, trainer.chain
        self.rows, self.y = rows, list(y)
        self._history: list[dict[str, Any]] = []
        self._seen = 0  # how many contributions the last refresh listed

        self.account = w.Dropdown(options=[(n, getattr(self.chain, n)) for n in accounts], description="You are")
        self.sample = w.IntSlider(value=0, min=0, max=len(rows) - 1, description="Sample")
        self.label = w.ToggleButtons(options=list(model.classes), value=self._true_label(0), description="Label")
        self.add_button = w.Button(description="Add data", button_style="primary", icon="plus")
        self.wait = w.Dropdown(options=list(TRAVELS), value=DAY, description="Wait")
        self.travel_button = w.Button(description="Travel", icon="clock-o")
        self.contribution = w.Dropdown(options=[], description="Contribution")
        self.refund_button = w.Button(description="Refund", button_style="success")
        self.report_button = w.Button(description="Report", button_style="warning")
        self.info = w.HTML()
        self.log = w.HTML().add_class("sumkit-log")
        self.contribution_table = w.HTML().add_class("sumkit-contributions")
        self.balances = w.HTML().add_class("sumkit-balances")

        self.sample.observe(self._sample_changed, names="value")
        self.add_button.on_click(lambda _: self.add())
        self.travel_button.on_click(lambda _: self.travel())
        self.refund_button.on_click(lambda _: self.refund())
        self.report_button.on_click(lambda _: self.report())

        self.view = w.VBox([
            w.HTML("<b>1. Pick a sample and a label, then add it</b> (it costs the deposit shown)"),
            w.HBox([self.account, self.sample]),
            self.label,
            self.info,
            self.add_button,
            w.HTML("<b>2. Let time pass</b> (a refund or a take needs the refund wait to be over)"),
            w.HBox([self.wait, self.travel_button]),
            w.HTML("<b>3. Claim back your deposit, or take from someone else's bad data</b>"),
            self.contribution,
            w.HBox([self.refund_button, self.report_button]),
            w.HTML("<b>What happened</b> (newest first)"),
            self.log,
            w.HTML("<b>Contributions</b> (read from the chain)"),
            self.contribution_table,
            w.HTML("<b>Balances</b>"),
            self.balances,
        ]).add_class("sumkit-playground")
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.view._repr_mimebundle_(**kwargs)

    # -- actions (what the buttons do) ------------------------------------------------------------
    def add(self) -> Contribution | None:
        """Add the chosen sample with the chosen label, from the chosen account; returns the contribution
        (None if it was refused)."""
        i = self.sample.value
        return self._act("add", lambda: self.trainer.add_data(self.rows[i], self.label.value, sender=self.account.value),
                         paid=lambda c: -c.deposit)

    def travel(self) -> None:
        """Move the clock forward by the chosen wait."""
        seconds = self.wait.value
        self._act("travel", lambda: self.chain.travel(seconds=seconds), detail=format_duration(seconds))

    def refund(self) -> int | None:
        """Claim back the chosen contribution's deposit, as the chosen account; returns the wei paid."""
        c = self.contribution.value
        if c is None:
            return self._note("refund", "no contribution yet: add one first")
        return self._act("refund", lambda: self.trainer.refund(c, sender=self.account.value), paid=lambda v: v)

    def report(self) -> int | None:
        """Take from the chosen contribution's deposit, as the chosen account; returns the wei paid."""
        c = self.contribution.value
        if c is None:
            return self._note("report", "no contribution yet: add one first")
        return self._act("report", lambda: self.trainer.report(c, sender=self.account.value), paid=lambda v: v)

    # -- display ----------------------------------------------------------------------------------
    @property
    def history(self) -> pd.DataFrame:
        """Every action taken through the panel: ``time`` (block time), ``action``, ``account``, ``amount`` (wei
        the account received, as exact Python ints so that sums never wrap around; negative for a deposit
        paid), ``error`` (the custom error, or the Python exception's type) and ``message``."""
        import pandas as pd

        columns = ["time", "action", "account", "amount", "error", "message"]
        table = pd.DataFrame(self._history, columns=columns)
        table["amount"] = table["amount"].astype(object)
        return table

    def refresh(self) -> None:
        """Redraw the prediction, the deposit due now, the contributions (choice and table), the log and the
        balances."""
        i = self.sample.value
        predicted = self.trainer.predict(self.rows[i])  # a free call
        self.info.value = (
            f"The model predicts <b>{html.escape(str(predicted))}</b> for sample {i} "
            f"(true label {html.escape(str(self.y[i]))}). Adding it now costs a deposit of "
            f"<b>{format_ether(self.trainer.next_deposit())}</b>; the clock reads {self._clock()}."
        )
        contributions = list(self.trainer.added())
        chosen = self.contribution.value
        self.contribution.options = [(self._describe(c, n), c) for n, c in enumerate(contributions)]
        if contributions:  # keep the choice, unless a contribution was added: then choose the newest
            keep = chosen in contributions and len(contributions) == self._seen
            self.contribution.value = chosen if keep else contributions[-1]
        self._seen = len(contributions)
        self.contribution_table.value = self._contribution_table()
        self.balances.value = self._balance_table()
        lines = [f"<li>{html.escape(e['message'])}</li>" for e in reversed(self._history[-LOG_LINES:])]
        self.log.value = f"<ul>{''.join(lines)}</ul>" if lines else "<i>nothing yet</i>"

    # -- helpers ----------------------------------------------------------------------------------
    def _balance_table(self) -> str:
        cells = [(name, format_ether(self.chain.balance(address))) for name, address in self.account.options]
        cells.append(("trainer holds", format_ether(self.chain.balance(self.trainer.address))))
        return _html_table([n for n, _ in cells], [[v for _, v in cells]])

    def _contribution_table(self) -> str:
        table = self.trainer.contributions()
        if table.empty:
            return "<i>none yet</i>"
        rows = [
            [f"#{n}", r.contributor, r.label, format_ether(r.deposit), format_ether(r.claimable),
             "yes" if r.refunded else "no", "yes" if r.model_agrees else "no"]
            for n, r in enumerate(table.itertuples())
        ]
        return _html_table(["", "contributor", "label", "deposit", "left to claim", "refunded", "model agrees"], rows)

    def _true_label(self, i: int) -> Any:
        return self.trainer.model.classes[self.trainer.model.encode_label(self.y[i])]

    def _sample_changed(self, change: dict[str, Any]) -> None:
        self.label.value = self._true_label(change["new"])
        self.refresh()

    def _clock(self) -> str:
        import pandas as pd

        return str(pd.Timestamp(self.chain.now, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M"))

    def _describe(self, c: Contribution, n: int) -> str:
        return f"#{n} by {self.chain.name_of(c.contributor)}: label {c.label}, deposit {format_ether(c.deposit)}"

    def _act(self, action: str, fn: Any, *, paid: Any = None, detail: str = "") -> Any:
        """Run ``fn``; log what it paid or why it was refused (a revert's hint, a ValueError's message)."""
        who = self.chain.name_of(self.account.value)
        try:
            result = fn()
        except Reverted as e:
            self._record(action, who, 0, e.error or "Reverted", f"{action} refused: {e.error}. {e.hint}")
            return None
        except ValueError as e:
            self._record(action, who, 0, "ValueError", f"{action} not sent: {e}")
            return None
        amount = int(paid(result)) if paid is not None else 0
        if action == "travel":
            message = f"travelled {detail}"
        elif action == "add":
            message = f"{who} added sample {self.sample.value} with label {self.label.value}, paying {format_ether(-amount)}"
        else:
            message = f"{who}: {action} paid {format_ether(amount)}"
        self._record(action, who, amount, None, message)
        return result

    def _note(self, action: str, message: str) -> None:
        self._record(action, self.chain.name_of(self.account.value), 0, "ValueError", f"{action} not sent: {message}")

    def _record(self, action: str, who: str, amount: int, error: str | None, message: str) -> None:
        self._history.append(
            {"time": self.chain.now, "action": action, "account": who, "amount": amount, "error": error,
             "message": message}
        )
        self.refresh()



# -- the simulation dashboard -----------------------------------------------------------------------

# How often a running dashboard lets the kernel handle a click (seconds of simulation between two yields).
YIELD_EVERY = 0.05
# The chart's size in pixels, and the colours of the agents' balance lines (in the agents' order).
CHART_WIDTH, CHART_HEIGHT, MARGIN = 640, 240, 36
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
ACTIONS = (("add", "adds"), ("refund", "refunds"), ("report", "takes"), ("skip", "skips"))


class SimulationDashboard:
    """A live panel over a :class:`~sumkit.sim.Simulation`: while it runs, the accuracy on the test set and each
    agent's balance (% of its start) are drawn against simulated days, and a table counts each agent's adds,
    refunds, takes and skips; at most once every ``refresh`` seconds. The Stop button ends the run after the
    current action and keeps the partial result, like interrupting the kernel.

    ``run()`` is a coroutine, so that the kernel can handle the Stop button while the simulation runs: await it
    in a notebook cell. Where no kernel shows widgets (plain Python), it runs ``simulation.run()`` with its text
    progress bar; a notebook client that cannot render widgets shows the panel's text form, a progress bar.

    >>> dashboard = SimulationDashboard(sim.Simulation(trainer, agents, data=pool, test=test))   # doctest: +SKIP
    >>> result = await dashboard.run()                                                       # doctest: +SKIP
    """

    def __init__(self, simulation: Simulation, refresh: float = 0.25) -> None:
        import ipywidgets as w

        if not isinstance(simulation, Simulation):
            raise ValueError(f"simulation must be an sk.sim.Simulation, got {type(simulation).__name__}")
        if not (isinstance(refresh, (int, float)) and refresh > 0):
            raise ValueError(f"refresh must be a positive number of seconds, got {refresh!r}")
        self.simulation, self.refresh = simulation, float(refresh)
        self.total = simulation.days + simulation.settle_days
        self._handle: Any = None
        self._began = 0.0
        self.progress = w.FloatProgress(value=0, min=0, max=self.total, description="day 0.00")
        self.stop_button = w.Button(description="Stop", icon="stop", button_style="danger", disabled=True,
                                    tooltip="end the run after the current action; the partial result is kept")
        self.chart = w.HTML().add_class("sumkit-chart")
        self.table = w.HTML().add_class("sumkit-actions")
        self.status = w.HTML().add_class("sumkit-status")
        self.stop_button.on_click(lambda _: self.stop())
        self.view = w.VBox([w.HBox([self.progress, self.stop_button]), self.chart, self.table, self.status])
        self.view.add_class("sumkit-dashboard")
        self.draw()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.view._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.text()  # what a client that cannot render widgets shows
        return bundle

    async def run(self) -> SimulationResult:
        """Show the panel and run (or continue) the simulation; returns its result, partial if stopped."""
        from IPython import get_ipython

        if getattr(get_ipython(), "kernel", None) is None:  # no kernel, no widgets: the text progress bar
            return self.simulation.run()
        from IPython.display import display

        if self._handle is None:
            self._handle = display(self, display_id=True)
        self._began = time.perf_counter()
        self.stop_button.disabled = False
        steps = self.simulation.steps()
        drawn = yielded = time.perf_counter()
        try:
            for _ in steps:
                now = time.perf_counter()
                if now - drawn >= self.refresh:
                    self.draw()
                    drawn = now
                if now - yielded >= YIELD_EVERY:
                    await asyncio.sleep(0)  # the kernel handles pending messages: a click on Stop
                    yielded = time.perf_counter()
        except KeyboardInterrupt:  # a second Ctrl-C, between two steps
            pass
        finally:
            steps.close()
            self.stop_button.disabled = True
        result = self.simulation.result()
        self.draw(result)
        self._handle.update(self)  # the final text form, for clients that cannot render widgets
        return result

    def stop(self) -> None:
        """End the run after the current action (what the Stop button does)."""
        self.simulation.stop()
        self.status.value = "<b>stopping</b> after the current action..."

    def text(self) -> str:
        """The panel as text: a progress bar, the accuracy and the balances."""
        from tqdm import tqdm

        result = self._result()
        bar = tqdm.format_meter(self._day(result), self.total, 0, ncols=60, prefix="simulating",
                                bar_format="{l_bar}{bar}| {n:.2f}/{total:g} days")
        if result is None:
            return bar
        balances = ", ".join(f"{name} {value:.1f}%" for name, value in _balances_now(result).items())
        state = " (interrupted)" if result.interrupted else ""
        return f"{bar}{state}; accuracy {result.final_accuracy:.1%}; balances (% of start): {balances}"

    def draw(self, result: SimulationResult | None = None) -> None:
        """Redraw the progress, the chart, the table and the status line from the simulation's tables."""
        result = result or self._result()
        day = self._day(result)
        self.progress.value = day
        self.progress.description = f"day {day:.2f}"
        if result is None:
            self.chart.value = "<i>the chart appears when the run starts</i>"
            self.table.value = ""
            self.status.value = f"ready: {self.total:g} days to simulate"
            return
        self.chart.value = self._chart(result)
        self.table.value = self._table(result)
        if not self.stop_button.disabled:
            self.status.value = (f"running: day {day:.2f} of {self.total:g}, accuracy {result.final_accuracy:.1%} "
                                 f"({time.perf_counter() - self._began:.1f} s)")
        elif result.interrupted:
            self.status.value = (f"<b>stopped</b> at day {day:.2f} of {self.total:g}: the partial result is kept; "
                                 f"run again to continue")
        else:
            self.status.value = f"<b>done</b>: {result.days:.2f} days simulated in {result.wall_time:.1f} s"

    def _day(self, result: SimulationResult | None) -> float:
        """The simulated day reached: the clock's, or the last evaluation's if later (the run's end)."""
        return min(self.total, max(self.simulation.day, result.days if result is not None else 0.0))

    def _result(self) -> SimulationResult | None:
        try:
            return self.simulation.result()
        except RuntimeError:  # nothing simulated yet
            return None

    def _chart(self, result: SimulationResult) -> str:
        """Accuracy and balances (% of start) against days, as an SVG line chart."""
        history, percent = result.history, result.balances_percent()
        series = [("accuracy", "accuracy", "#000", "", 2.5, list(history["accuracy"] * 100))]
        for n, agent in enumerate(result.agents):
            dash = "" if agent.good else "6 4"
            series.append((agent.name, f"{agent.name} balance", COLORS[n % len(COLORS)], dash, 1.5,
                           list(percent[agent.name])))
        days = list(history["day"])
        top = max(120.0, *(max(values) for *_, values in series))
        top = 20 * -(-top // 20)  # the next multiple of 20
        width, height = CHART_WIDTH - 2 * MARGIN, CHART_HEIGHT - 2 * MARGIN

        def x(day: float) -> float:
            return MARGIN + width * day / self.total

        def y(value: float) -> float:
            return MARGIN + height * (1 - max(0.0, value) / top)

        parts = [f"<svg width='{CHART_WIDTH}' height='{CHART_HEIGHT}' xmlns='http://www.w3.org/2000/svg' "
                 f"style='font: 11px sans-serif'>"]
        for value in (0, 50, 100, top):  # the percent grid, 100% emphasised
            parts.append(f"<line x1='{MARGIN}' x2='{MARGIN + width}' y1='{y(value):.1f}' y2='{y(value):.1f}' "
                         f"stroke='{'#999' if value == 100 else '#e5e5e5'}'/>")
            parts.append(f"<text x='{MARGIN - 4}' y='{y(value) + 4:.1f}' text-anchor='end'>{value:g}%</text>")
        for day in (0, self.total / 2, self.total):
            parts.append(f"<text x='{x(day):.1f}' y='{MARGIN + height + 14}' text-anchor='middle'>day {day:g}</text>")
        for n, (key, label, color, dash, stroke, values) in enumerate(series):
            points = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in zip(days, values))
            parts.append(f"<polyline data-series='{html.escape(key)}' fill='none' stroke='{color}' "
                         f"stroke-width='{stroke}' stroke-dasharray='{dash}' points='{points}'/>")
            parts.append(f"<text x='{MARGIN + 8 + 150 * n}' y='{MARGIN - 12}' fill='{color}'>"
                         f"{html.escape(label)}</text>")
        parts.append("</svg>")
        return "".join(parts)

    def _table(self, result: SimulationResult) -> str:
        """Each agent's balance (% of start) and how many times it added, was refunded, took and skipped."""
        events, percent = result.events, _balances_now(result)
        done = events[events["error"].isna()]
        rows = []
        for agent in result.agents:
            mine = done[done["agent"] == agent.name]["action"].value_counts()
            rows.append([agent.name, type(agent).__name__, f"{percent[agent.name]:.1f}%",
                         *(int(mine.get(action, 0)) for action, _ in ACTIONS)])
        return _html_table(["agent", "kind", "balance (% of start)", *(name for _, name in ACTIONS)], rows)


def _balances_now(result: SimulationResult) -> dict[str, float]:
    """Each agent's balance now, as a percentage of its start."""
    return {name: 100 * result.final_balances[name] / start for name, start in result.start_balances.items()}


def _html_table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A small HTML table, every cell escaped."""
    cell = "<{0} style='padding:0 8px; text-align:left'>{1}</{0}>"
    lines = ["<tr>" + "".join(cell.format("th", html.escape(str(h))) for h in head) + "</tr>"]
    lines += ["<tr>" + "".join(cell.format("td", html.escape(str(v))) for v in row) + "</tr>" for row in rows]
    return f"<table>{''.join(lines)}</table>"
