"""Every notebook, run in JupyterLab in Chromium as a learner runs it: Run All Cells, no error, every widget drawn."""

from __future__ import annotations

import time
import pytest

from .conftest import ROOT
from .jupyterlab import Notebook, curve_points

NOTEBOOKS = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
DASHBOARD = "04_attack_and_defend.ipynb"
PLAYGROUND = "06_playground.ipynb"
NEWS = "official Jupyter news"  # the pop-up that asks whether to fetch Jupyter's news


def test_the_widget_notebooks_are_there():
    assert {DASHBOARD, PLAYGROUND} <= set(NOTEBOOKS)


def watch_the_dashboard(page) -> list[int]:
    """While the dashboard's run goes, the accuracy curve's point counts seen (at most twice a second)."""
    page.locator(".sumkit-dashboard .sumkit-status", has_text="running").wait_for(timeout=300_000)
    seen = []
    while "running" in page.locator(".sumkit-dashboard .sumkit-status").inner_text():
        seen.append(curve_points(page))
        time.sleep(0.5)
    return seen


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(page, lab, name):
    notebook = Notebook(page, lab, name).open()
    notebook.run_all()
    growing = watch_the_dashboard(page) if name == DASHBOARD else None
    notebook.wait_until_idle()
    notebook.screenshot()
    assert notebook.errors() == [] and notebook.not_run() == []
    assert notebook.rendered_widgets() == notebook.widgets()  # every widget output is drawn
    if name in (DASHBOARD, PLAYGROUND):
        assert notebook.widgets() >= 1
    if growing is not None:  # the curve got points while the run went
        assert len(set(growing)) >= 3 and growing == sorted(growing), growing
    assert page.get_by_text(NEWS).count() == 0
