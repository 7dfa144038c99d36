"""The class trainer: the model every student of a class contributes to, and the held-out set it is judged on.

It is built by a fixed recipe (a scikit-learn Perceptron fitted on a few samples of the breast cancer
dataset), so anyone can rebuild its deployed parameters and attach to it: :func:`attach_class_trainer` is a
stop-gap for ``sk.Trainer.at(chain, address)`` (which reads any trainer's parameters from the chain) and
checks that the trainer at the address was deployed with this recipe.
"""

from __future__ import annotations

from typing import Any

from ..chain import Chain, Contract
from ..datasets import Dataset, breast_cancer
from ..incentives import DepositRefundTake
from ..models import DensePerceptron
from ..trainer import Trainer, deploy
from ..units import days, hours

SEED_SAMPLES = 20  # the first training samples the starting model is fitted on
INCENTIVE = DepositRefundTake(refund_wait=hours(12), owner_claim_wait=days(7), any_address_claim_wait=days(7),
                              cost_weight=10**13)


def class_data() -> Dataset:
    """The class's data: students contribute from ``X_train``; ``X_test`` is the instructor's held-out set."""
    return breast_cancer(seed=0)


def class_model() -> DensePerceptron:
    """The class trainer's starting model (always the same)."""
    from sklearn.linear_model import Perceptron

    data = class_data()
    estimator = Perceptron(random_state=0).fit(data.X_train[:SEED_SAMPLES], data.y_train[:SEED_SAMPLES])
    return DensePerceptron.from_sklearn(estimator)


def deploy_class_trainer(chain: Chain) -> Trainer:
    """Deploy the class trainer from ``chain.owner``."""
    return deploy(chain, class_model(), INCENTIVE, name="class model",
                  description="The class's shared model: breast cancer screening, 30 features")


def attach_class_trainer(chain: Chain, address: str) -> Trainer:
    """A :class:`~sumkit.Trainer` handle on the class trainer at ``address`` (deployed by
    :func:`deploy_class_trainer`): its history comes from its events, so a fresh kernel sees everything.
    Raises ``ValueError`` if ``address`` holds no such trainer."""
    if not chain.backend.code(address):
        raise ValueError(f"no contract at {address}: is it the class trainer's address from your join file?")
    contract = Contract(chain, "CollaborativeTrainer", address)
    try:
        incentive = Contract(chain, "DepositRefundTake", contract.call("incentiveMechanism"))
        classifier = Contract(chain, "DensePerceptron", contract.call("classifier"))
    except Exception as e:  # noqa: BLE001 - any failure means it is not a class trainer
        raise ValueError(f"{address} is not a class trainer ({e})") from None
    trainer = Trainer(chain, contract, incentive, classifier, class_model(), INCENTIVE)
    _follow_from_start(chain, address)
    if not trainer.check_model():
        raise ValueError(f"the trainer at {address} was not deployed with the class recipe (its model differs)")
    return trainer


def _follow_from_start(chain: Chain, address: str) -> None:
    """Read the trainer's past events (a chain follows a node only from when it connected). Stop-gap until
    ``sk.Trainer.at``, which does this through the chain's own history."""
    followed = chain._followed
    if followed is None or any(e["address"] == address for e in chain._events):
        return
    for block, _tx_hash, log in chain.backend.logs([address], 0, followed):
        decoded = chain._decode_log(log.address, log.topics, log.data)
        if decoded is not None:
            chain._append_event(block, log.address, decoded)


def held_out(data: Dataset | None = None) -> tuple[Any, Any]:
    """The instructor's held-out set (X, y) the dashboard measures the class model on."""
    data = data or class_data()
    return data.X_test, data.y_test
