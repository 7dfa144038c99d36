"""The class dashboard clicked in Chromium, in notebook 09 (which starts a small class of its own): its student
table is what the chain says, and its clock button moves the class clock for everyone."""

from __future__ import annotations

import json
import re
import time

from .jupyterlab import Notebook
from .test_widgets_in_jupyterlab import table

PANEL = ".sumkit-class-dashboard"
CHAIN_SAYS = """import json
print(json.dumps({"rows": [[r.student, sk.format_ether(r.balance), str(r.contributions), str(r.levels)]
                           for r in dashboard.stats().itertuples()],
                  "time": room.now}))"""


def test_the_class_dashboard_follows_the_chain_and_moves_the_clock(page, lab):
    notebook = Notebook(page, lab, "09_classroom.ipynb").open()
    cell = page.locator(".jp-CodeCell", has_text="dashboard = room.dashboard()")
    cell.locator(".jp-InputArea-prompt").click()  # select the dashboard's cell
    notebook.menu("Run", "Run All Above Selected Cell")
    notebook.wait_until_idle()
    page.keyboard.press("Control+Enter")  # then run that cell (not the last one, which stops the class)
    panel = page.locator(PANEL)
    panel.wait_for(timeout=120_000)
    notebook.wait_until_idle()
    assert notebook.errors() == []

    def shown() -> list[list[str]]:
        rows = table(page, f"{PANEL} .sumkit-class-students")
        return [[r[0], r[1], r[2], r[8]] for r in rows[1:]]  # student, balance, contributions, levels solved

    chain = json.loads(notebook.run_code(CHAIN_SAYS))
    assert shown() == chain["rows"]
    assert [r[0] for r in shown()] == ["you", "sam"] and int(shown()[1][2]) == 3  # sam's three contributions
    assert shown()[0][3] == "1"  # the notebook solved your reentrancy instance
    clock, feed = panel.locator(".sumkit-class-clock"), panel.locator(".sumkit-class-feed")
    assert "you solved level reentrancy" in feed.inner_text()
    before = clock.inner_text()
    panel.locator("button", has_text=re.compile("^Move the class clock$")).click()
    deadline = time.monotonic() + 60  # the feed is drawn last: once it says so, the clock is drawn too
    while "moved the class clock by 1 d" not in feed.inner_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "moved the class clock by 1 d" in feed.inner_text()
    day = lambda text: re.search(r"(\d{4}-\d\d-\d\d)", text).group(1)  # noqa: E731
    assert day(clock.inner_text()) > day(before), (before, clock.inner_text())  # a day later, not a minute
    after = json.loads(notebook.run_code(CHAIN_SAYS))
    assert after["time"] >= chain["time"] + 86_400  # the node's clock moved by a day
    assert shown() == after["rows"]
    notebook.screenshot("-dashboard")
    notebook.run_code("dashboard.close(); room.stop()")
