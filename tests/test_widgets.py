"""The widgets: the Playground panel and the simulation dashboard, real ipywidgets on the real chain, clicks and all."""

from __future__ import annotations

import time
from pathlib import Path

import ipywidgets as w
import numpy as np
import pandas as pd
import pytest

import sumkit as sk

from .conftest import NEGATIVE, POSITIVE, WAIT, make_trainer

X = np.array([POSITIVE, NEGATIVE])
Y = [1, 0]


@pytest.fixture
def panel(chain):
    return sk.widgets.Playground(make_trainer(chain), X, Y)


def test_the_panel_is_made_of_real_widgets_and_shows_the_free_prediction(chain, panel):
    assert isinstance(panel.view, w.VBox) and isinstance(panel.add_button, w.Button)
    assert "application/vnd.jupyter.widget-view+json" in panel._repr_mimebundle_()
    trainer = panel.trainer
    assert f"predicts <b>{trainer.predict(POSITIVE)}</b> for sample 0" in panel.info.value
    assert sk.format_ether(trainer.next_deposit()) in panel.info.value
    panel.sample.value = 1  # choosing a sample proposes its true label
    assert panel.label.value == 0 and "for sample 1 (true label 0)" in panel.info.value
    assert panel.history.empty and "nothing yet" in panel.log.value
    assert len(chain.gas_log) == 3  # looking costs nothing: only the deployment was sent


def test_add_travel_refund_by_clicking(chain, panel):
    trainer = panel.trainer
    start = chain.balance(chain.alice)
    panel.account.value = chain.alice
    panel.add_button.click()
    (c,) = trainer.added()
    assert c.contributor == chain.alice and c.label == 1 and panel.contribution.value == c
    assert chain.balance(chain.alice) == start - c.deposit
    panel.refund_button.click()  # too early: the revert and its hint go to the log, nothing changes
    last = panel.history.iloc[-1]
    assert last["error"] == "TooEarly" and "try again in" in last["message"]
    assert chain.balance(chain.alice) == start - c.deposit
    panel.wait.value = WAIT
    now = chain.now
    panel.travel_button.click()
    assert chain.now == now + WAIT
    panel.refund_button.click()
    assert chain.balance(chain.alice) == start and chain.balance(trainer.address) == 0
    history = panel.history
    assert list(history["action"]) == ["add", "refund", "travel", "refund"]
    assert list(history["amount"]) == [-c.deposit, 0, 0, c.deposit]
    assert history["error"].isna().tolist() == [True, False, True, True]
    repeat = 2**63 // c.deposit + 2  # a long session's refunds: more than 9.2 ether in all
    refunds = pd.concat([history["amount"][history["amount"] > 0]] * repeat)
    assert refunds.sum() == repeat * c.deposit > 2**63  # exact: int64 would wrap around
    assert "alice: refund paid" in panel.log.value and panel.log.value.index("refund paid") < panel.log.value.index(
        "added sample 0"
    )  # newest first


def test_a_flipped_label_is_taken_by_a_contributor_of_good_data(chain, panel):
    trainer = panel.trainer
    panel.account.value = chain.alice
    panel.add_button.click()
    panel.account.value = chain.mallory
    panel.sample.value = 1
    panel.label.value = 1  # the wrong label for a negative sample
    panel.add_button.click()
    bad = trainer.added()[-1]
    assert panel.contribution.value == bad and bad.contributor == chain.mallory
    panel.wait.value = WAIT
    panel.travel_button.click()
    panel.account.value = chain.alice
    panel.contribution.value = trainer.added()[0]
    panel.refund_button.click()  # alice now has good data
    panel.contribution.value = bad
    before = chain.balance(chain.alice)
    panel.report_button.click()
    taken = int(panel.history.iloc[-1]["amount"])
    assert taken > 0 and chain.balance(chain.alice) == before + taken
    assert "trainer holds" in panel.balances.value and sk.format_ether(chain.balance(trainer.address)) in panel.balances.value


def test_python_side_refusals_are_logged_and_nothing_is_sent(chain, panel):
    n_tx = len(chain.gas_log)
    panel.refund_button.click()  # no contribution yet
    assert panel.history.iloc[-1]["error"] == "ValueError" and "add one first" in panel.history.iloc[-1]["message"]
    panel.account.value = chain.alice
    panel.add_button.click()
    n_tx = len(chain.gas_log)
    panel.account.value = chain.bob
    panel.refund_button.click()  # someone else's contribution
    last = panel.history.iloc[-1]
    assert last["error"] == "ValueError" and "only the contributor" in last["message"]
    assert len(chain.gas_log) == n_tx


def test_under_points_a_report_is_refused_before_sending(chain):
    model = sk.models.DensePerceptron.from_floats([1.0, -1.0, 0.5])
    trainer = sk.deploy(chain, model, sk.incentives.Points(refund_wait=WAIT))
    panel = sk.widgets.Playground(trainer, X, Y, accounts=["alice", "bob"])
    assert [name for name, _ in panel.account.options] == ["alice", "bob"]
    panel.add_button.click()
    assert panel.history.iloc[-1]["amount"] == 0  # adding is free under Points
    panel.account.value = chain.bob
    panel.report_button.click()
    assert "nothing to take" in panel.history.iloc[-1]["message"]


def test_bad_panel_input(chain):
    trainer = make_trainer(chain)
    with pytest.raises(ValueError, match="2 rows but y has 1 labels"):
        sk.widgets.Playground(trainer, X, Y[:1])
    with pytest.raises(ValueError, match="no samples"):
        sk.widgets.Playground(trainer, np.empty((0, 3)), [])
    with pytest.raises(ValueError, match="accounts must name"):
        sk.widgets.Playground(trainer, X, Y, accounts=["eve"])
    with pytest.raises(ValueError, match="accounts must name"):
        sk.widgets.Playground(trainer, X, Y, accounts=["now"])  # a Chain attribute, not an account
    with pytest.raises(ValueError, match="has 2 features but the model expects 3"):
        sk.widgets.Playground(trainer, [[1.0, 2.0]], [1])
    with pytest.raises(ValueError, match="label"):
        sk.widgets.Playground(trainer, X, [1, 7])


def test_a_sparse_model_takes_lists_of_feature_indices(chain):
    model = sk.models.SparsePerceptron.from_floats([2.0, -2.0, 0.5, 0.0], intercept=-0.1)
    trainer = sk.deploy(chain, model)
    panel = sk.widgets.Playground(trainer, [[0, 2], [1], [1, 3]], [1, 0, 0])
    panel.sample.value = 2
    assert "predicts <b>0</b> for sample 2 (true label 0)" in panel.info.value
    panel.add_button.click()
    assert trainer.added()[-1].x == (1, 3) and panel.history.iloc[-1]["error"] is None


def test_the_playground_tables_follow_the_chain(chain, panel):
    trainer = panel.trainer
    assert "none yet" in panel.contribution_table.value
    panel.account.value = chain.alice
    panel.add_button.click()
    (c,) = trainer.added()
    table = panel.contribution_table.value
    assert "<td style='padding:0 8px; text-align:left'>alice</td>" in table
    assert table.count(sk.format_ether(c.deposit)) == 2  # the deposit, and all of it left to claim
    assert sk.format_ether(chain.balance(chain.alice)) in panel.balances.value
    panel.wait.value = WAIT
    panel.travel_button.click()
    panel.refund_button.click()
    row = trainer.contributions().iloc[0]
    assert row["refunded"] and row["claimable"] == 0
    assert f"{sk.format_ether(0)}</td><td style='padding:0 8px; text-align:left'>yes" in panel.contribution_table.value


# -- the simulation dashboard -----------------------------------------------------------------------

def small_simulation(chain, days=2.0):
    agents = [
        sk.sim.Honest("good", balance=1_000, deposit_mean=50, wait_mean=sk.hours(1), wait_std=sk.minutes(10)),
        sk.sim.LabelFlipper("bad", balance=1_000, deposit_mean=100, wait_mean=sk.hours(3), wait_std=sk.minutes(30)),
    ]
    pool = (np.array([POSITIVE, NEGATIVE] * 10), [1, 0] * 10)
    return sk.sim.Simulation(make_trainer(chain), agents, data=pool, test=pool, days=days, settle_days=1, seed=0,
                             progress=False)


def points(chart: str, series: str) -> int:
    """How many points the chart's polyline for ``series`` has."""
    start = chart.index(f"data-series='{series}'")
    attribute = chart.index("points='", start) + len("points='")
    return len(chart[attribute:chart.index("'", attribute)].split())


def test_the_dashboard_draws_while_steps_run_and_stop_keeps_the_partial_result(chain):
    simulation = small_simulation(chain)
    dashboard = sk.widgets.SimulationDashboard(simulation)
    assert "appears when the run starts" in dashboard.chart.value and dashboard.text().startswith("simulating:   0%")
    seen = []
    for day in simulation.steps():
        dashboard.draw()
        seen.append(points(dashboard.chart.value, "accuracy"))
        if day >= 1:
            dashboard.stop()
    result = simulation.result()
    assert result.interrupted and 1 <= result.days < 3
    assert seen[0] == 1 and seen == sorted(seen) and seen[-1] == len(result.history) - 1
    dashboard.draw(result)
    for agent in ("good", "bad"):
        assert points(dashboard.chart.value, agent) == len(result.history)
    summary = result.summary()
    for agent in ("good", "bad"):
        row = summary.loc[agent]
        cells = [agent, f"{100 * row['final'] / row['start']:.1f}%", row["adds"], row["skips"]]
        assert all(f">{cell}</td>" in dashboard.table.value for cell in cells)
    assert "stopped" in dashboard.status.value and "(interrupted)" in dashboard.text()
    assert "application/vnd.jupyter.widget-view+json" in dashboard._repr_mimebundle_()


def test_without_a_kernel_the_dashboard_runs_with_the_text_progress_bar(chain):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    simulation = small_simulation(chain, days=0.5)
    dashboard = sk.widgets.SimulationDashboard(simulation)
    with ThreadPoolExecutor(1) as pool:  # a thread of its own: whatever event loop this one runs
        result = pool.submit(asyncio.run, dashboard.run()).result()
    assert not result.interrupted and result.days == pytest.approx(1.5)
    assert dashboard.text().startswith("simulating: 100%")


def test_bad_dashboard_input(chain):
    with pytest.raises(ValueError, match="must be an sk.sim.Simulation"):
        sk.widgets.SimulationDashboard(make_trainer(chain))
    with pytest.raises(ValueError, match="refresh must be a positive"):
        sk.widgets.SimulationDashboard(small_simulation(chain), refresh=0)


def test_in_a_kernel_the_stop_button_is_handled_while_the_run_goes(tmp_path):
    """A real kernel awaits dashboard.run(); the test plays the frontend: it watches the chart's updates on iopub
    and, while the cell is still busy, sends the click on Stop exactly as JupyterLab does (a comm message)."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(Path(__file__).resolve().parent.parent))
    try:
        setup = ("import sumkit as sk\nfrom tests.test_widgets import small_simulation\n"
                 "simulation = small_simulation(sk.Chain(), days=60)\n"
                 "dashboard = sk.widgets.SimulationDashboard(simulation, refresh=0.1)\n"
                 "print(dashboard.stop_button.model_id)")  # the id of the button's comm
        printed = []
        reply = kc.execute_interactive(setup, timeout=120, output_hook=printed.append)
        assert reply["content"]["status"] == "ok"
        (stop_id,) = [m["content"]["text"].strip() for m in printed if m["msg_type"] == "stream"]
        run = kc.execute("result = await dashboard.run()")
        charts, busy = [], True
        deadline = time.monotonic() + 300
        while busy and time.monotonic() < deadline:
            msg = kc.get_iopub_msg(timeout=60)
            content, kind = msg["content"], msg["msg_type"]
            if kind == "comm_msg" and "data-series='accuracy'" in str(content["data"].get("state", {}).get("value")):
                charts.append(points(content["data"]["state"]["value"], "accuracy"))
                if len(charts) == 3:  # the curve has grown while the cell runs: click Stop
                    click = {"comm_id": stop_id, "data": {"method": "custom", "content": {"event": "click"}}}
                    kc.shell_channel.send(kc.session.msg("comm_msg", click))
            elif kind in ("error", "stream") and msg["parent_header"].get("msg_id") == run:
                raise AssertionError(f"the run wrote {content}")
            busy = not (kind == "status" and content["execution_state"] == "idle"
                        and msg["parent_header"].get("msg_id") == run)
        assert len(charts) >= 3 and charts[:3] == sorted(set(charts[:3]))  # new points at each redraw
        check = "assert result.interrupted and 0 < result.days < 30, result"
        outputs = []
        reply = kc.execute_interactive(check, timeout=60, output_hook=outputs.append)
        assert reply["content"]["status"] == "ok", outputs
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
