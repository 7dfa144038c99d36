"""sk.deploy: every component wired to its trainer; a deployment that stops midway resumes where it stopped."""

from __future__ import annotations

import pytest

import sumkit as sk
from sumkit.trainer import DeployInterrupted

MODEL = sk.models.DensePerceptron.from_floats([1.0, -1.0])


def fail_once(monkeypatch, chain: sk.Chain, contract_name: str, error: BaseException) -> None:
    """Make the chain refuse the deployment of ``contract_name`` once (an injected fault, as if interrupted)."""
    real_deploy = chain.deploy
    state = {"failed": False}

    def deploy(name, *args, **kwargs):
        if name == contract_name and not state["failed"]:
            state["failed"] = True
            raise error
        return real_deploy(name, *args, **kwargs)

    monkeypatch.setattr(chain, "deploy", deploy)


def test_components_are_bound_to_the_trainer(chain):
    trainer = sk.deploy(chain, MODEL)
    for component in (trainer.data_handler, trainer.incentive_contract, trainer.classifier):
        assert component.call("trainer") == trainer.address
    assert trainer.check_model() and trainer.classifier.call("finalized")
    assert list(chain.gas_log["contract"]) == ["DataHandler", "DepositRefundTake", "DensePerceptron", "CollaborativeTrainer"]


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("node went away")], ids=["interrupt", "error"])
def test_an_interrupted_deployment_resumes_where_it_stopped(chain, monkeypatch, error):
    fail_once(monkeypatch, chain, "CollaborativeTrainer", error)
    with pytest.raises(DeployInterrupted) as info:
        sk.deploy(chain, MODEL)
    stopped = info.value
    assert (stopped.done, stopped.total) == (3, 4) and stopped.cause is error
    assert "resume()" in str(stopped)
    mined = len(chain.gas_log)
    trainer = stopped.resume()
    assert len(chain.gas_log) == mined + 1  # only the missing transaction was sent
    assert trainer.predict([2.0, 1.0]) == 1
    c = trainer.add_data([0.0, 1.0], 1, sender=chain.alice)
    assert c.contributor == chain.alice and trainer.check_model()


def test_resume_refuses_when_the_owner_moved_on(chain, monkeypatch):
    fail_once(monkeypatch, chain, "DensePerceptron", RuntimeError("stopped"))
    with pytest.raises(DeployInterrupted) as info:
        sk.deploy(chain, MODEL)
    sk.deploy(chain, MODEL)  # the owner sends other transactions: the predicted trainer address is gone
    with pytest.raises(RuntimeError, match="deploy again"):
        info.value.resume()

