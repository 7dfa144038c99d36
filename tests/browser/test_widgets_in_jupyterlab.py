"""The two widgets clicked in Chromium: the playground's buttons change the log, the contributions and the balances
as the chain says; the simulation dashboard's Stop button ends a run while its cell is busy."""

from __future__ import annotations

import json
import re
import time

from .jupyterlab import Notebook, curve_points

PANEL = ".sumkit-playground"
# What the chain says, printed as JSON by a cell the test adds to the playground notebook.
CHAIN_SAYS = """import json
print(json.dumps({
    "balances": {**{n: sk.format_ether(chain.balance(getattr(chain, n))) for n in people},
                 "trainer holds": sk.format_ether(chain.balance(trainer.address))},
    "contributions": [[r.contributor, sk.format_ether(r.deposit), sk.format_ether(r.claimable),
                       "yes" if r.refunded else "no"] for r in trainer.contributions().itertuples()],
    "log": list(reversed(panel.history.message))[:8]}))"""


def table(page, selector: str) -> list[list[str]]:
    """The rows of the HTML table in ``selector``, as text (the header row first)."""
    return page.evaluate("""s => [...document.querySelectorAll(s + ' tr')].map(
        tr => [...tr.querySelectorAll('th, td')].map(c => c.textContent.trim()))""", selector)


class Panel:
    """The playground as the page shows it."""

    def __init__(self, page) -> None:
        self.page = page
        self.root = page.locator(PANEL)

    def log(self) -> list[str]:
        return [line.strip() for line in self.root.locator(".sumkit-log li").all_inner_texts()]

    def balances(self) -> dict[str, str]:
        head, values = table(self.page, f"{PANEL} .sumkit-balances")
        return dict(zip(head, values))

    def contributions(self) -> list[list[str]]:
        """Rows of the contributions table: contributor, deposit, left to claim, refunded."""
        rows = table(self.page, f"{PANEL} .sumkit-contributions")[1:]
        return [[row[1], row[3], row[4], row[5]] for row in rows]

    def choose(self, label: str, option: str) -> None:
        self.root.locator(".widget-dropdown", has=self.page.locator(f"label:text-is('{label}')")).locator(
            "select").select_option(label=option)

    def click(self, button: str) -> str:
        """Click a button and wait for the log to get a line; returns that line."""
        lines = len(self.log())
        first = self.log()[0] if lines else None
        self.root.locator("button", has_text=re.compile(f"^{button}$")).click()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            log = self.log()
            if log and (log[0] != first or len(log) != lines):
                return log[0]
            time.sleep(0.1)
        raise AssertionError(f"clicking {button} logged nothing; log: {self.log()}")


def test_the_playground_panel_follows_the_chain_click_by_click(page, lab):
    notebook = Notebook(page, lab, "06_playground.ipynb").open()
    notebook.run_all()
    notebook.wait_until_idle()
    assert notebook.errors() == []
    panel = Panel(page)
    start, rows = panel.balances(), panel.contributions()
    assert rows and rows[0][0] == "alice" and rows[0][3] == "yes"  # the scripted scenario: alice was refunded

    # Mallory adds the sample with the wrong label: she pays the deposit, the trainer holds it, a row appears.
    panel.choose("You are", "mallory")
    panel.root.locator(".widget-toggle-buttons button:not(.mod-active)").first.click()
    line = panel.click("Add data")
    assert line.startswith("mallory added sample")
    deposit = re.search(r"paying (\S+ ETH)", line).group(1)
    added = panel.balances()
    assert added["mallory"] != start["mallory"] and added["trainer holds"] == deposit
    assert panel.contributions()[-1] == ["mallory", deposit, deposit, "no"]

    # A day passes; her refund is refused (the model disagrees) and nothing moves.
    assert panel.click("Travel") == "travelled 1 d"
    line = panel.click("Refund")
    assert line.startswith("refund refused: ModelDisagrees") and panel.balances() == added

    # Alice, who has good data, takes from Mallory's deposit.
    panel.choose("You are", "alice")
    line = panel.click("Report")
    taken = re.fullmatch(r"alice: report paid (\S+ ETH)", line).group(1)
    reported = panel.balances()
    assert reported["alice"] != added["alice"] and reported["trainer holds"] != added["trainer holds"]
    assert panel.contributions()[-1][:2] == ["mallory", deposit] and taken != "0 ETH"
    notebook.screenshot("-clicked")

    # Everything the panel shows is what the chain says.
    chain = json.loads(notebook.run_code(CHAIN_SAYS))
    assert panel.balances() == chain["balances"]
    assert panel.contributions() == chain["contributions"]
    assert panel.log() == chain["log"]


def test_the_dashboard_draws_while_the_run_goes_and_stop_ends_it(page, lab):
    notebook = Notebook(page, lab, "04_attack_and_defend.ipynb").open()
    cell = page.locator(".jp-CodeCell", has_text="SimulationDashboard(simulation).run()")
    cell.locator(".jp-InputArea-prompt").click()  # select the dashboard's cell
    notebook.menu("Run", "Run All Above Selected Cell")
    page.keyboard.press("Control+Enter")  # then run that cell
    status = page.locator(".sumkit-dashboard .sumkit-status")
    status.filter(has_text="running").wait_for(timeout=300_000)
    # Stop as soon as the curve has grown once while the run goes: the later the click, the likelier the run
    # ends by itself before the click reaches a loaded kernel (then the status says "done", not "stopped").
    seen, deadline = [curve_points(page)], time.monotonic() + 300
    while len(set(seen)) < 2 and "running" in status.inner_text() and time.monotonic() < deadline:
        time.sleep(0.05)
        seen.append(curve_points(page))
    assert len(set(seen)) >= 2 and seen == sorted(seen), f"the curve did not grow while the run went: {seen}"
    assert "running" in status.inner_text(), "the run ended before the test could click Stop"
    clicked = time.monotonic()
    page.locator(".sumkit-dashboard button", has_text="Stop").click()
    status.filter(has_text=re.compile("stopped|done")).wait_for(timeout=60_000)
    assert "stopped" in status.inner_text(), f"the run ended by itself before Stop arrived: {status.inner_text()}"
    latency = time.monotonic() - clicked
    notebook.wait_until_idle()
    notebook.screenshot("-stopped")
    output = cell.locator(".jp-OutputArea").inner_text()
    assert "SimulationResult (interrupted)" in output, output
    day, total = map(float, re.search(r"stopped at day ([\d.]+) of ([\d.]+)", status.inner_text()).groups())
    assert 0 < day < total and notebook.errors() == []
    print(f"Stop took {latency:.2f} s, at day {day:.2f} of {total:g}")
