"""The class trainer: the model every student of a class contributes to, and the held-out set it is judged on.

It is built by a fixed recipe (a scikit-learn Perceptron fitted on a few samples of the breast cancer
dataset), so anyone can rebuild its starting parameters. Students attach to it with
``sk.Trainer.at(chain, address)``, which reads any trainer's model, mechanism and history from the chain.
"""

from __future__ import annotations

from typing import Any

from ..chain.chain import Chain
from ..teaching.datasets import Dataset, breast_cancer
from ..incentives import DepositRefundTake
from ..models import DensePerceptron
from ..handles.trainer import Trainer, deploy
from ..plumbing.units import days, hours

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


def held_out(data: Dataset | None = None) -> tuple[Any, Any]:
    """The instructor's held-out set (X, y) the dashboard measures the class model on."""
    data = data or class_data()
    return data.X_test, data.y_test
