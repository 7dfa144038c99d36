"""``room.dashboard()``: the instructor's live view of a class, derived from the chain only.

Per student: balance, contributions, good data (refunded) and bad data (taken by others), what they got back in
refunds and took from others, points (Points trainers), levels solved (``LevelSolved`` events of the registry),
and the net they gained or lost. The class model's accuracy on the instructor's held-out set over class time;
the registered trainers ranked by the accuracy they kept; a feed of the newest events (contributions, refunds,
takes, levels solved, fresh level instances, ``tx_origin`` baits offered and why a claimed one failed, the clock);
the clock control (only the instructor moves the class clock). It reads new events every ``refresh`` seconds
while the kernel is idle, and at every click.
"""

from __future__ import annotations

import asyncio
import datetime
import html
from typing import TYPE_CHECKING, Any

import numpy as np
from hexbytes import HexBytes

from ..plumbing.errors import decode_revert
from ..plumbing.units import days, format_duration, format_ether, hours
from ..teaching.widgets import _html_table
from .recipe import class_model, held_out

if TYPE_CHECKING:
    from .room import Classroom

WAITS = {"1 hour": hours(1), "12 hours": hours(12), "1 day": days(1), "7 days": days(7)}
FEED = 12  # events in the feed
FEED_EVENTS = ("ContributionAdded", "ContributionRefunded", "DepositTaken", "LevelSolved", "AirdropOffered",
               "AirdropFailed", "InstanceCreated", "TrainerPublished", "TrainerRegistered", "ClockMoved")
CHART_WIDTH, CHART_HEIGHT, MARGIN = 520, 180, 36


def _when(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class Dashboard:
    """The class dashboard (see the module). ``refresh()`` reads what is new; ``stats()`` is the student table as a
    pandas DataFrame."""

    def __init__(self, room: Classroom, refresh: float = 3.0) -> None:
        import ipywidgets as w

        self.room, self.chain = room, room.chain
        self._names = {address: name for name, address in room.students.items()}
        self._names[self.chain.owner] = "instructor"
        self._cursor = 0  # the next block to read events from
        self._events: list[dict[str, Any]] = []  # decoded, oldest first: block, time, address, event, args
        self._followed: set[str] = set()
        self._listings: dict[str, dict[str, Any]] = {}  # trainer address -> {name, lister, incentive, first accuracy}
        self._accuracy: list[tuple[int, float, int]] = []  # (block time, accuracy, contributions so far)
        self._X, self._y = held_out()
        self._model = class_model()  # for the encoding of the held-out set
        self._rows = [self._model.encode(row) for row in self._X]
        self.clock = w.HTML().add_class("sumkit-class-clock")
        self.wait = w.Dropdown(options=list(WAITS.items()), value=days(1), description="Move by")
        self.travel_button = w.Button(description="Move the class clock", icon="clock-o", button_style="warning")
        self.travel_button.on_click(lambda _: self.travel())
        self.students = w.HTML().add_class("sumkit-class-students")
        self.chart = w.HTML().add_class("sumkit-class-chart")
        self.trainers = w.HTML().add_class("sumkit-class-trainers")
        self.feed = w.HTML().add_class("sumkit-class-feed")
        self.view = w.VBox([
            w.HBox([self.clock, self.wait, self.travel_button]),
            w.HTML("<b>Students</b> (from the chain)"), self.students,
            w.HTML("<b>The class model's accuracy on the held-out set</b>"), self.chart,
            w.HTML("<b>Trainers</b> (ranked by the accuracy they kept)"), self.trainers,
            w.HTML("<b>What happened</b> (newest first)"), self.feed,
        ]).add_class("sumkit-class-dashboard")
        self._task: asyncio.Task[None] | None = None
        self.refresh()
        try:
            self._task = asyncio.get_running_loop().create_task(self._poll(refresh))
        except RuntimeError:  # no event loop running (a script): refresh() by hand
            self._task = None

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.view._repr_mimebundle_(**kwargs)

    async def _poll(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                self.refresh()
            except ConnectionError:
                self.clock.value = "<b>the class node is not answering</b> (restart the class from its directory)"

    def close(self) -> None:
        """Stop refreshing."""
        if self._task is not None:
            self._task.cancel()

    # -- actions ----------------------------------------------------------------------------------
    def travel(self) -> None:
        """Move the class clock by the chosen wait (everyone sees it at once)."""
        seconds = self.wait.value
        self.room.travel(seconds=seconds)
        self._events.append({"block": self.chain.block_number - 1, "event": "ClockMoved", "address": None,
                             "args": {"seconds": seconds}, "index": len(self._events)})
        self.refresh()

    # -- reading the chain -------------------------------------------------------------------------
    def _read(self) -> None:
        """Decode every event of the registry, the listed trainers and their incentive mechanisms since the last
        read (a newly listed trainer is read from the first block)."""
        backend = self.chain.backend
        latest = backend.block_number - 1
        registry = self.room.registry.address
        if registry not in self._followed:
            self._followed.add(registry)
        new_logs = backend.logs(sorted(self._followed), self._cursor, latest) if self._cursor <= latest else []
        added: list[str] = []
        for block, _tx, log in new_logs:
            event = self._decode(block, log)
            if event and event["address"] == registry and event["event"] in ("TrainerPublished", "TrainerRegistered"):
                added.append(event["args"]["trainer"])
        while added:  # trainers listed since the last read: their whole history
            fresh = [a for a in dict.fromkeys(added) if a not in self._followed]
            added = []
            for trainer in fresh:
                self._listing(trainer)
                addresses = [trainer, self._listings[trainer]["incentive"]]
                self._followed.update(addresses)
                for block, _tx, log in backend.logs(addresses, 0, latest):
                    self._decode(block, log)
        self._events.sort(key=lambda e: (e["block"], e["index"]))
        self._cursor = latest + 1

    def _decode(self, block: int, log: Any) -> dict[str, Any] | None:
        decoded = self.chain.history.decode_log(log.address, log.topics, log.data)
        if decoded is None:
            return None
        event = {"block": block, "address": log.address, "event": decoded[0], "args": decoded[1],
                 "index": len(self._events)}
        self._events.append(event)
        return event

    def _listing(self, trainer: str) -> None:
        from ..chain.chain import Contract

        contract = Contract(self.chain, "CollaborativeTrainer", trainer)
        registered = next((e for e in self._events if e["event"] in ("TrainerPublished", "TrainerRegistered")
                           and e["args"]["trainer"] == trainer), None)
        lister = registered["args"].get("student", self.chain.owner) if registered else self.chain.owner
        self._listings[trainer] = {"name": registered["args"]["name"] if registered else trainer[:10],
                                   "lister": self._names.get(lister, lister[:10]),
                                   "incentive": contract.call("incentiveMechanism"), "contract": contract,
                                   "first": None}

    def _accuracy_of(self, trainer: str) -> float | None:
        """The trainer's accuracy on the held-out set (None if its model does not take these samples)."""
        try:
            labels = [label for start in range(0, len(self._rows), 64)
                      for label in self._listings[trainer]["contract"].call("predictMany", self._rows[start:start + 64])]
        except Exception:  # noqa: BLE001 - another kind of model (other features, classes): not comparable
            return None
        return float(np.mean([self._model.decode_label(label) for label in labels] == np.asarray(self._y)))

    # -- what the panel shows ------------------------------------------------------------------------
    def stats(self) -> Any:
        """One row per student: balance, contributions, good and bad data, refunds and takes (wei), points, levels
        solved, and the net gained or lost (wei) across every listed trainer."""
        import pandas as pd

        rows = {name: {"student": name, "balance": self.chain.balance(address), "contributions": 0, "good": 0,
                       "bad": 0, "deposits": 0, "refunds": 0, "takes": 0, "points": 0, "levels": 0}
                for name, address in self.room.students.items()}
        owner_of: dict[str, str] = {}
        bad: set[str] = set()
        for e in self._events:
            args, kind = e["args"], e["event"]
            if kind == "ContributionAdded":
                owner_of[args["key"]] = args["contributor"]
                row = rows.get(self._names.get(args["contributor"], ""))
                if row:
                    row["contributions"] += 1
                    row["deposits"] += args["deposit"]
            elif kind == "ContributionRefunded":
                row = rows.get(self._names.get(owner_of.get(args["key"], ""), ""))
                if row:
                    row["good"] += 1
                    row["refunds"] += args["amount"]
            elif kind == "DepositTaken":
                taker = rows.get(self._names.get(args["reporter"], ""))
                if taker:
                    taker["takes"] += args["amount"]
                victim = rows.get(self._names.get(owner_of.get(args["key"], ""), ""))
                if victim and args["key"] not in bad:
                    bad.add(args["key"])
                    victim["bad"] += 1
            elif kind == "PointEarned":
                row = rows.get(self._names.get(args["contributor"], ""))
                if row:
                    row["points"] = max(row["points"], args["points"])
            elif kind == "LevelSolved":
                row = rows.get(self._names.get(args["student"], ""))
                if row:
                    row["levels"] += 1
        table = pd.DataFrame(list(rows.values()))
        table["net"] = table["refunds"] + table["takes"] - table["deposits"]
        return table

    def refresh(self) -> None:
        """Read what is new on the chain and redraw."""
        self._read()
        now = self.room.now
        self.clock.value = f"<b>Class time:</b> {_when(now)}&nbsp;&nbsp;"
        trainer = self.room.trainer
        if trainer is not None and trainer.address in self._listings:
            count = sum(1 for e in self._events if e["event"] == "ContributionAdded" and e["address"] == trainer.address)
            if not self._accuracy or self._accuracy[-1][2] != count:
                accuracy = self._accuracy_of(trainer.address)
                if accuracy is not None:
                    self._accuracy.append((now, accuracy, count))
        table = self.stats()
        self.students.value = _html_table(
            ["student", "balance", "contributions", "good data", "bad data", "refunds", "takes", "points",
             "levels solved", "gained / lost"],
            [[r.student, format_ether(r.balance), r.contributions, r.good, r.bad, format_ether(r.refunds),
              format_ether(r.takes), r.points, r.levels, ("+" if r.net >= 0 else "-") + format_ether(abs(r.net))]
             for r in table.itertuples()])
        self.chart.value = self._chart()
        self.trainers.value = self._trainer_table()
        self.feed.value = "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in self._feed()) + "</ul>"

    def _trainer_table(self) -> str:
        rows = []
        for address, listing in self._listings.items():
            accuracy = self._accuracy_of(address)
            if listing["first"] is None:
                first = None
                if self.room.trainer is not None and address == self.room.trainer.address:
                    first = float(np.mean(self._model.predict_many(self._X) == np.asarray(self._y)))
                listing["first"] = first if first is not None else accuracy
            kept = None if accuracy is None or listing["first"] is None else accuracy - listing["first"]
            contributions = sum(1 for e in self._events if e["event"] == "ContributionAdded" and e["address"] == address)
            rows.append((kept if kept is not None else -2.0, [listing["name"], listing["lister"], contributions,
                         "n/a" if accuracy is None else f"{accuracy:.1%}",
                         "n/a" if kept is None else f"{kept:+.1%}"]))
        rows.sort(key=lambda r: -r[0])
        return _html_table(["trainer", "listed by", "contributions", "accuracy now", "kept (vs listed)"],
                           [r for _, r in rows])

    def _chart(self) -> str:
        if not self._accuracy:
            return "<i>no measurement yet</i>"
        width, height = CHART_WIDTH - 2 * MARGIN, CHART_HEIGHT - 2 * MARGIN
        counts = [c for *_, c in self._accuracy]
        top = max(max(counts), 1)

        def x(count: int) -> float:
            return MARGIN + width * count / top

        def y(value: float) -> float:
            return MARGIN + height * (1 - value)

        points = " ".join(f"{x(c):.1f},{y(a):.1f}" for _, a, c in self._accuracy)
        last = self._accuracy[-1]
        return (f"<svg width='{CHART_WIDTH}' height='{CHART_HEIGHT}' xmlns='http://www.w3.org/2000/svg' "
                f"style='font: 11px sans-serif'>"
                + "".join(f"<line x1='{MARGIN}' x2='{MARGIN + width}' y1='{y(v):.1f}' y2='{y(v):.1f}' stroke='#e5e5e5'/>"
                          f"<text x='{MARGIN - 4}' y='{y(v) + 4:.1f}' text-anchor='end'>{v:.0%}</text>"
                          for v in (0, 0.5, 1))
                + f"<polyline data-series='accuracy' fill='none' stroke='#000' stroke-width='2' points='{points}'/>"
                f"<text x='{MARGIN + width}' y='{MARGIN + height + 14}' text-anchor='end'>{top} contributions</text>"
                f"<text x='{MARGIN + 8}' y='{MARGIN - 12}'>accuracy {last[1]:.1%} after {last[2]} contributions "
                f"({_when(last[0])})</text></svg>")

    def _feed(self) -> list[str]:
        lines = []
        registry = self.room.registry.address
        created = [e for e in self._events if e["event"] == "InstanceCreated" and e["address"] == registry]
        instances = {e["args"]["id"]: e["args"] for e in created}  # id -> student, level, target, ...
        firsts: dict[tuple[str, str], int] = {}  # (student, level) -> its first instance: setup, not news
        for e in created:
            firsts.setdefault((e["args"]["student"], e["args"]["level"]), e["args"]["id"])
        shown = [e for e in self._events if e["event"] in FEED_EVENTS  # the rest (fees charged, ...) is detail
                 and (e["event"] != "InstanceCreated" or firsts[e["args"]["student"], e["args"]["level"]]
                      != e["args"]["id"])]
        who = lambda a: self._names.get(a, a[:10])  # noqa: E731
        for e in reversed(shown[-FEED:]):
            args, kind = e["args"], e["event"]
            listing = self._listings.get(e["address"] or "", {}).get("name", "a trainer")
            if kind == "ContributionAdded":
                lines.append(f"{who(args['contributor'])} added data to {listing} (deposit {format_ether(args['deposit'])})")
            elif kind == "ContributionRefunded":
                lines.append(f"a contribution to {listing} was refunded {format_ether(args['amount'])}")
            elif kind == "DepositTaken":
                lines.append(f"{who(args['reporter'])} took {format_ether(args['amount'])} from bad data in {listing}")
            elif kind == "LevelSolved":
                lines.append(f"{who(args['student'])} solved level {args['level']}")
            elif kind == "InstanceCreated":
                lines.append(f"the instructor gave {who(args['student'])} a fresh instance of level {args['level']} "
                             f"(instance {args['id']})")
            elif kind == "AirdropOffered":
                level = instances.get(args["id"], {}).get("level", "tx_origin")
                lines.append(f"{who(args['student'])} offered a bait for level {level} (instance {args['id']}): "
                             "room.claim_airdrops() lets its owner claim it")
            elif kind == "AirdropFailed":
                instance = instances.get(args["id"], {})
                student = who(instance["student"]) if instance else f"instance {args['id']}"
                why = decode_revert(HexBytes(args["reason"])).reason or "it reverted without a reason"
                lines.append(f"{student}'s bait did not solve level {instance.get('level', 'tx_origin')} "
                             f"(instance {args['id']}), undone: {why}")
            elif kind in ("TrainerPublished", "TrainerRegistered"):
                lines.append(f"{who(args.get('student', self.chain.owner))} listed trainer {args['name']!r}")
            elif kind == "ClockMoved":
                lines.append(f"the instructor moved the class clock by {format_duration(args['seconds'])}")
        return lines
