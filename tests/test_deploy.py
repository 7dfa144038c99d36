"""sk.deploy: every component wired to its trainer; a deployment that stops midway resumes where it stopped."""

from __future__ import annotations

import pytest

import sumkit as sk
from sumkit.handles.trainer import DeployInterrupted, _Deployment

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
    for component in (trainer.incentive_contract, trainer.classifier):
        assert component.call("trainer") == trainer.address
    assert trainer.check_model() and trainer.classifier.call("finalized")
    assert list(chain.gas_log["contract"]) == ["DepositRefundTake", "DensePerceptron", "CollaborativeTrainer"]


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("node went away")], ids=["interrupt", "error"])
def test_an_interrupted_deployment_resumes_where_it_stopped(chain, monkeypatch, error):
    fail_once(monkeypatch, chain, "CollaborativeTrainer", error)
    with pytest.raises(DeployInterrupted) as info:
        sk.deploy(chain, MODEL)
    stopped = info.value
    assert (stopped.done, stopped.total) == (2, 3) and stopped.cause is error
    assert "resume()" in str(stopped)
    mined = len(chain.gas_log)
    trainer = stopped.resume()
    assert len(chain.gas_log) == mined + 1  # only the missing transaction was sent
    assert trainer.predict([2.0, 1.0]) == 1
    c = trainer.add_data([0.0, 1.0], 1, sender=chain.alice)
    assert c.contributor == chain.alice and trainer.check_model()


def test_resume_plans_again_when_the_owner_moved_on(chain, monkeypatch):
    fail_once(monkeypatch, chain, "DensePerceptron", RuntimeError("stopped"))
    with pytest.raises(DeployInterrupted) as info:
        sk.deploy(chain, MODEL)
    abandoned = info.value.deployment.trainer_address
    chain.new_account(sk.ether(1), funder=chain.owner)  # the owner's next nonce is gone: so is that trainer address
    trainer = info.value.resume()
    assert trainer.address != abandoned and trainer.address == chain.next_contract_address(chain.owner, skip=-1)
    assert trainer.incentive_contract.call("trainer") == trainer.classifier.call("trainer") == trainer.address
    assert trainer.add_data([0.0, 1.0], 1, sender=chain.alice).contributor == chain.alice


def test_an_interleaved_transaction_stops_the_deployment_before_it_breaks_the_binding(chain):
    deployment = _Deployment(chain, MODEL.copy(), sk.incentives.DepositRefundTake(), "x", "", chain.owner)
    deployment.steps[0][1](deployment.first_nonce)  # the incentive mechanism is mined, bound to the planned trainer
    deployment.done = 1
    chain.w3.eth.send_transaction({"from": chain.owner, "to": chain.bob, "value": 1})  # someone else's transaction
    with pytest.raises(DeployInterrupted) as info:
        deployment.run()
    assert isinstance(info.value.cause, sk.chain.NonceTaken) and "No ether has moved" in str(info.value)
    assert info.value.done == 1 and chain.nonce(chain.owner) == deployment.first_nonce + 2
    trainer = info.value.resume()
    assert trainer.incentive_contract.call("trainer") == trainer.address and trainer.predict([2.0, 1.0]) == 1


def big_sparse_model(n_features: int = 7_000) -> sk.models.SparsePerceptron:
    """A sparse perceptron too big for its constructor alone: it needs extend(...) calls and finalize()."""
    return sk.models.SparsePerceptron.from_floats([0.001 * (1 + i % 7) for i in range(n_features)], intercept=-0.5)


def test_a_chunked_model_deploys_in_several_transactions_and_predicts(chain):
    model = big_sparse_model()
    _, setup_calls = model.deploy_steps(chain.owner)
    assert [fn for fn, _ in setup_calls] == ["extend", "finalize"]
    trainer = sk.deploy(chain, model)
    assert len(chain.gas_log) == 3 + len(setup_calls)
    assert chain.gas_log["gas_used"].max() < sk.chain.TX_GAS_LIMIT
    assert trainer.check_model()
    X = [[1, 2, 3], [6_990, 6_999], list(range(0, 7_000, 50))]
    assert list(trainer.predict_many(X)) == list(model.predict_many(X))
    assert trainer.accuracy(X, model.predict_many(X)) == 1.0


def test_the_trainer_refuses_a_model_whose_setup_was_not_finalized(chain, monkeypatch):
    real_transact = sk.chain.Contract.transact

    def transact(self, fn, *args, **kwargs):
        if fn == "finalize":
            raise KeyboardInterrupt
        return real_transact(self, fn, *args, **kwargs)

    monkeypatch.setattr(sk.chain.Contract, "transact", transact)
    with pytest.raises(DeployInterrupted) as info:
        sk.deploy(chain, big_sparse_model())
    stopped = info.value
    assert stopped.total - stopped.done == 2  # finalize and the trainer are missing
    monkeypatch.undo()
    # The owner skips finalize (a transaction spends its nonce instead) and deploys the trainer by hand.
    chain.new_account(sk.ether(1), funder=chain.owner)
    c = stopped.deployment.contracts
    with pytest.raises(sk.Reverted) as refused:
        chain.deploy("CollaborativeTrainer", "x", "", c["incentive"].address, c["classifier"].address, chain.owner)
    assert refused.value.error == "ModelNotFinalized" and "resume" in refused.value.hint


def test_a_model_no_network_could_deploy_is_refused_before_anything_is_sent():
    # EIP-3860: a contract creation carries at most 49,152 bytes of init code. A DensePerceptron deploys in one
    # transaction (its code and 32 bytes per weight): 1,430 features fit, 1,431 do not (benchmarks.gas).
    chain = sk.Chain(backend="revm")
    nonce = chain.nonce(chain.owner)
    with pytest.raises(ValueError, match=r"DensePerceptron takes 49,1\d\d bytes of init code .* 49,152 .*EIP-3860"):
        sk.deploy(chain, sk.models.DensePerceptron.from_floats([0.5] * 1_431))
    assert chain.nonce(chain.owner) == nonce  # not even the incentive mechanism was deployed
    trainer = sk.deploy(chain, sk.models.DensePerceptron.from_floats([0.5] * 1_430))
    assert trainer.predict([1.0] * 1_430) == 1
