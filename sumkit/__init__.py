"""sumkit: Sharing Updatable Models (SUM) on a blockchain (in process, or any Ethereum node), for teaching.

>>> import sumkit as sk
>>> chain = sk.Chain()
>>> model = sk.models.DensePerceptron.from_floats([1.0, -1.0])
>>> trainer = sk.deploy(chain, model, sk.incentives.DepositRefundTake(refund_wait=sk.days(1)))
>>> trainer.predict([2.0, 1.0])
1
"""

# The layers, bottom up: the Solidity toolchain (solc) and plumbing (units, encodings, ABI, errors); the chain and
# its backends; the models and incentive mechanisms; handles on deployed contracts; teaching (datasets, lab,
# widgets, plots, the simulation, the course, the grader, the class node).
from . import classroom, course, incentives, models, sim
from .chain import Chain, node
from .plumbing import abi, encoding, errors, units
from .solc import artifacts
from .teaching import datasets, lab, plots, widgets
from .classroom import Classroom
from .solc.magic import CompileError, compile_source, register_magic
from .plumbing.errors import Reverted
from .chain.node import LocalNode
from .handles.trainer import Contribution, DeployInterrupted, Trainer, deploy
from .plumbing.units import days, ether, format_ether, hours, minutes, seconds

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
    "abi",
    "artifacts",
    "classroom",
    "course",
    "datasets",
    "days",
    "deploy",
    "encoding",
    "errors",
    "ether",
    "format_ether",
    "hours",
    "incentives",
    "lab",
    "minutes",
    "models",
    "node",
    "plots",
    "seconds",
    "sim",
    "units",
    "widgets",
]

register_magic()  # %%solidity in a notebook (see sumkit.solc.magic)
