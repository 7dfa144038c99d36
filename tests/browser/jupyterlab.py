"""Driving one notebook in JupyterLab as a learner would: open it, Run All Cells from the menu, wait until the
kernel is idle, read the outputs, type a cell."""

from __future__ import annotations

import re
import time
from typing import Any

from .conftest import ARTIFACTS, Lab

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# The open notebook's cells as JupyterLab's model holds them: type, execution count, and each output's type, MIME
# types and error name and value.
CELLS = """() => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    const result = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i), outputs = [];
        for (let j = 0; cell.type === 'code' && j < cell.outputs.length; j++) {
            const o = cell.outputs.get(j).toJSON();
            outputs.push({type: o.output_type, mimes: Object.keys(o.data || {}), ename: o.ename, evalue: o.evalue});
        }
        result.push({type: cell.type, count: cell.type === 'code' ? cell.executionCount : null, outputs});
    }
    return result;
}"""

# True when the notebook is open and its kernel connected and idle.
KERNEL_READY = """() => {
    const panel = window.jupyterapp?.shell.currentWidget, kernel = panel?.sessionContext?.session?.kernel;
    return !!panel?.context?.isReady && kernel?.connectionStatus === 'connected' && kernel?.status === 'idle';
}"""

# True when the run is over: no cell is queued or running ("[*]") and the kernel is idle. (Run All queues every
# cell at once; after an error JupyterLab clears the queue.)
RUN_IS_OVER = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(e => e.textContent.trim());
    const status = document.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status');
    return prompts.length > 0 && !prompts.some(p => p.includes('*')) && status === 'idle';
}"""


class Notebook:
    """One notebook open in its own JupyterLab page."""

    def __init__(self, page: Any, lab: Lab, name: str) -> None:
        self.page, self.lab, self.name = page, lab, name

    def open(self) -> Notebook:
        """Open the notebook (in a reset workspace) and wait for its kernel to be ready."""
        self.page.goto(f"{self.lab.url}/lab/tree/{self.name}?reset&token={self.lab.token}")
        self.page.wait_for_function(KERNEL_READY, timeout=300_000, polling=250)
        return self

    def menu(self, *path: str) -> None:
        """Click through the main menu, e.g. ``menu("Run", "Run All Cells")``."""
        for item in path:
            self.page.get_by_role("menuitem", name=item, exact=True).click()

    def run_all(self) -> None:
        self.menu("Run", "Run All Cells")
        self.page.wait_for_function("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
                                    ".some(e => e.textContent.trim() !== '[ ]:')")

    def wait_until_idle(self, timeout: float = 900) -> float:
        """Wait for the end of the run (see RUN_IS_OVER); returns the seconds waited."""
        began = time.monotonic()
        self.page.wait_for_function(RUN_IS_OVER, timeout=timeout * 1000, polling=500)
        return time.monotonic() - began

    def cells(self) -> list[dict[str, Any]]:
        """The notebook's cells as JupyterLab holds them (see CELLS)."""
        return self.page.evaluate(CELLS)

    def errors(self) -> list[str]:
        """Every error output, as ``"cell N: Name: value"``."""
        return [f"cell {n}: {o['ename']}: {o['evalue']}" for n, cell in enumerate(self.cells())
                for o in cell["outputs"] if o["type"] == "error"]

    def not_run(self) -> list[int]:
        """The code cells that have no execution count."""
        return [n for n, cell in enumerate(self.cells()) if cell["type"] == "code" and cell["count"] is None]

    def widgets(self) -> int:
        """How many widget outputs the notebook holds."""
        return sum(WIDGET_MIME in o["mimes"] for cell in self.cells() for o in cell["outputs"])

    def rendered_widgets(self) -> int:
        """How many widget views are drawn in the page (with a size, and not an error message)."""
        drawn = 0
        views = self.page.locator(".jp-OutputArea-output > .jupyter-widgets")
        for i in range(views.count()):
            box = views.nth(i).bounding_box()
            if box and box["width"] * box["height"] > 0 and "Error displaying widget" not in views.nth(i).inner_text():
                drawn += 1
        return drawn

    def run_code(self, code: str, timeout: float = 60) -> str:
        """Add a cell at the end with ``code``, run it, and return its output's text."""
        self.page.locator(".jp-Notebook .jp-Cell").last.locator(".jp-InputArea-prompt").click()  # command mode
        self.page.keyboard.press("b")  # a new code cell below
        self.page.keyboard.press("Enter")  # edit it
        self.page.keyboard.insert_text(code)
        self.page.keyboard.press("Control+Enter")  # run it and stay
        cell = self.page.locator(".jp-Notebook .jp-CodeCell").last
        cell.locator(".jp-InputArea-prompt", has_text=re.compile(r"^\[\d+\]:$")).wait_for(timeout=timeout * 1000)
        return cell.locator(".jp-OutputArea").inner_text()

    def screenshot(self, suffix: str = "") -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name.removesuffix('.ipynb')}{suffix}.png"))


# Records, in window.curveSeen, the number of points of the dashboard's accuracy curve at every change of the page
# while the dashboard says it is running: however fast the run, no redraw is missed.
WATCH_THE_CURVE = """() => {
    window.curveSeen = [];
    new MutationObserver(() => {
        const line = document.querySelector(".sumkit-chart polyline[data-series='accuracy']");
        const status = document.querySelector('.sumkit-dashboard .sumkit-status')?.textContent ?? '';
        const points = line ? line.getAttribute('points').split(' ').length : 0;
        if (status.includes('running') && points !== window.curveSeen.at(-1)) window.curveSeen.push(points);
    }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def curve_points(page: Any) -> int:
    """How many points the simulation dashboard's accuracy curve has now (0 before it is drawn)."""
    script = "() => document.querySelector(`.sumkit-chart polyline[data-series='accuracy']`)?.getAttribute('points')"
    return len((page.evaluate(script) or "").split())
