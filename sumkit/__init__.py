"""sumkit: Sharing Updatable Models (SUM) on a blockchain (in process, or any Ethereum node), for teaching.

>>> import sumkit as sk
>>> chain = sk.Chain()
>>> model = sk.models.DensePerceptron.from_floats([1.0, -1.0])
>>> trainer = sk.deploy(chain, model, sk.incentives.DepositRefundTake(refund_wait=sk.days(1)))
>>> trainer.predict([2.0, 1.0])
1
"""

from . import classroom, course, datasets, encoding, incentives, lab, market, models, plots, sim, widgets
from .chain import Chain
from .classroom import Classroom
from .solidity import CompileError, compile_source, register_magic
from .errors import Reverted
from .node import LocalNode
from .trainer import Contribution, DeployInterrupted, Trainer, deploy
from .units import days, ether, format_ether, hours, minutes, seconds

__all__ = [
    "Chain",
    "Classroom",
    "CompileError",
    "compile_source",
    "Contribution",
    "DeployInterrupted",
    "LocalNode",
    "Reverted",
    "Trainer",
    "classroom",
    "course",
    "datasets",
    "days",
    "deploy",
    "encoding",
    "ether",
    "format_ether",
    "hours",
    "incentives",
    "lab",
    "market",
    "minutes",
    "models",
    "plots",
    "seconds",
    "sim",
    "widgets",
]

register_magic()  # %%solidity in a notebook (see sumkit.solidity)
