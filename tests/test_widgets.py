"""The Playground panel: real ipywidgets driving the real chain through the Trainer, clicks and all."""

from __future__ import annotations

import ipywidgets as w
import numpy as np
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
    (c,) = trainer._contributions
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
    bad = trainer._contributions[-1]
    assert panel.contribution.value == bad and bad.contributor == chain.mallory
    panel.wait.value = WAIT
    panel.travel_button.click()
    panel.account.value = chain.alice
    panel.contribution.value = trainer._contributions[0]
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
    assert trainer._contributions[-1].x == (1, 3) and panel.history.iloc[-1]["error"] is None
