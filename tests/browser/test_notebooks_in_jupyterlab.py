"""Every notebook, run in JupyterLab in Chromium as a learner runs it: Run All Cells, no error, every widget drawn,
and every exercise's check cell ran and says "not answered yet" (this is the suite's only run of the student
notebooks when Chromium is there: tests/test_notebooks.py then leaves them to this test)."""

from __future__ import annotations

import pytest

from ..test_notebooks import RESULTS, assert_nothing_answered, read_results
from .conftest import ROOT
from .jupyterlab import WATCH_THE_CURVE, Notebook

NOTEBOOKS = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
DASHBOARD = "04_attack_and_defend.ipynb"
PLAYGROUND = "06_playground.ipynb"
NEWS = "official Jupyter news"  # the pop-up that asks whether to fetch Jupyter's news


def test_the_widget_notebooks_are_there():
    assert {DASHBOARD, PLAYGROUND} <= set(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(page, lab, name):
    notebook = Notebook(page, lab, name).open()
    page.evaluate(WATCH_THE_CURVE)
    notebook.run_all()
    notebook.wait_until_idle()
    notebook.screenshot()
    assert notebook.errors() == [] and notebook.not_run() == []
    assert notebook.rendered_widgets() == notebook.widgets()  # every widget output is drawn
    if name in (DASHBOARD, PLAYGROUND):
        assert notebook.widgets() >= 1
    if name == DASHBOARD:  # the curve got points while the run went
        growing = page.evaluate("() => window.curveSeen")
        assert len(growing) >= 3 and growing == sorted(growing), growing
    assert page.get_by_text(NEWS).count() == 0
    assert_nothing_answered(ROOT / "notebooks" / name, read_results(notebook.run_code(RESULTS)))
