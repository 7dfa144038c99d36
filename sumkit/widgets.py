"""ipywidgets panels: drive a SUM deployment by hand, in Jupyter. ipywidgets is imported only when a panel
is built, so ``import sumkit`` stays fast.

>>> panel = sk.widgets.Playground(trainer, X_test, y_test)   # doctest: +SKIP
>>> panel                                                   # doctest: +SKIP

Every button calls the same ``Trainer`` method a notebook cell would (``add_data``, ``refund``, ``report``,
``chain.travel``) on the real chain; what happened, including each revert with its hint, goes to the log, and
``panel.history`` keeps it as a table.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import Reverted
from .models.base import rows_of
from .units import DAY, HOUR, format_duration, format_ether

if TYPE_CHECKING:
    import pandas as pd

    from .trainer import Contribution, Trainer

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
    ``refund_button``, ``report_button``), so a cell can also set and click them; ``history`` is the log.

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
        self.log = w.HTML()
        self.balances = w.HTML()

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
            self.balances,
        ])
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
        the account received; negative for a deposit paid), ``error`` (the custom error, or the Python
        exception's type) and ``message``."""
        import pandas as pd

        columns = ["time", "action", "account", "amount", "error", "message"]
        return pd.DataFrame(self._history, columns=columns)

    def refresh(self) -> None:
        """Redraw the prediction, the deposit due now, the contributions, the log and the balances."""
        i = self.sample.value
        predicted = self.trainer.predict(self.rows[i])  # a free call
        self.info.value = (
            f"The model predicts <b>{html.escape(str(predicted))}</b> for sample {i} "
            f"(true label {html.escape(str(self.y[i]))}). Adding it now costs a deposit of "
            f"<b>{format_ether(self.trainer.next_deposit())}</b>; the clock reads {self._clock()}."
        )
        contributions = list(self.trainer._contributions)
        chosen = self.contribution.value
        self.contribution.options = [(self._describe(c, n), c) for n, c in enumerate(contributions)]
        if contributions:  # keep the choice, unless a contribution was added: then choose the newest
            keep = chosen in contributions and len(contributions) == self._seen
            self.contribution.value = chosen if keep else contributions[-1]
        self._seen = len(contributions)
        self.balances.value = self._balance_table()
        lines = [f"<li>{html.escape(e['message'])}</li>" for e in reversed(self._history[-LOG_LINES:])]
        self.log.value = f"<ul>{''.join(lines)}</ul>" if lines else "<i>nothing yet</i>"

    # -- helpers ----------------------------------------------------------------------------------
    def _balance_table(self) -> str:
        cells = [(name, self.chain.balance(address)) for name, address in self.account.options]
        cells.append(("trainer holds", self.chain.balance(self.trainer.address)))
        head = "".join(f"<th style='padding:0 8px'>{html.escape(n)}</th>" for n, _ in cells)
        body = "".join(f"<td style='padding:0 8px'>{format_ether(v)}</td>" for _, v in cells)
        return f"<table><tr>{head}</tr><tr>{body}</tr></table>"

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

