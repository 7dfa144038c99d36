"""Attach to a trainer deployed elsewhere (``sk.Trainer.at``): what it is, read from the chain.

Which of sumkit's contracts sits at an address is told by its code (the compiled runtime code, whose
immutable values the compiler leaves as zeros); a model's parameters and a mechanism's settings are read
with the contracts' own views. Nothing is taken from the kernel that deployed it, so a restarted kernel, a
classmate or another machine gets the same handle.

>>> trainer = sk.Trainer.at(chain, "0x...")        # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from eth_utils import keccak

from ..plumbing.encoding import unpack_sample
from ..solc import artifacts as _artifacts
from ..incentives import MECHANISMS
from ..models import DensePerceptron, NaiveBayes, NearestCentroid, SparseNearestCentroid, SparsePerceptron

if TYPE_CHECKING:
    from ..chain.chain import Chain, Contract


@functools.cache
def _runtimes() -> dict[str, np.ndarray]:
    """The runtime code of every deployable contract sumkit ships, by name."""
    codes = {}
    for name, artifact in _artifacts.load_all().items():
        code = artifact.get("deployedBytecode", "0x")
        if len(code) > 2:
            codes[name] = np.frombuffer(bytes.fromhex(code[2:]), dtype=np.uint8)
    return codes


def contract_kind(code: bytes) -> str | None:
    """The name of sumkit's contract whose runtime code ``code`` is (immutables aside), or None."""
    deployed = np.frombuffer(code, dtype=np.uint8)
    for name, runtime in _runtimes().items():
        if len(runtime) == len(deployed):
            differ = runtime != deployed
            if not differ.any() or not runtime[differ].any():  # only where the compiler left immutables zero
                return name
    return None


def kind_at(chain: Chain, address: str, *, expected: tuple[str, ...], role: str) -> str:
    """The kind of contract at ``address`` (one of ``expected``), or a ValueError saying what is there instead."""
    code = chain.backend.code(address)
    if not code:
        raise ValueError(
            f"there is no contract at {address} on this chain ({role}): check the address (copy it from "
            "trainer.address, the class registry or the join file), and that you are connected to the chain it "
            "was deployed on"
        )
    kind = contract_kind(code)
    if kind not in expected:
        what = f"sumkit's {kind}" if kind else "a contract sumkit does not know (its code is none of sumkit's)"
        raise ValueError(f"the contract at {address} is {what}, not a {' or '.join(expected)} ({role})")
    return kind


# -- models: their parameters, read with the contract's views -------------------------------------------------
Call = Callable[..., Any]  # call(function name, *args) -> its decoded result


def _perceptron(cls: Any, call: Call, **bound: Any) -> Any:
    return cls(list(call("weights")), call("intercept"), call("learningRate"), **bound)


def _per_class(call: Call, fn: str) -> list[Any]:
    return [call(fn, k) for k in range(call("numClasses"))]


MODEL_READERS: dict[str, Callable[[Call], Any]] = {
    "DensePerceptron": lambda call: _perceptron(DensePerceptron, call, feature_bound=call("featureBound")),
    "SparsePerceptron": lambda call: _perceptron(SparsePerceptron, call),
    "NaiveBayes": lambda call: NaiveBayes([list(c) for c in _per_class(call, "counts")], _per_class(call, "classCount"),
                                          _per_class(call, "classTotal"), call("alpha")),
    "NearestCentroid": lambda call: NearestCentroid([list(c) for c in _per_class(call, "centroid")],
                                                    _per_class(call, "count"), feature_bound=call("featureBound")),
    "SparseNearestCentroid": lambda call: SparseNearestCentroid([list(a) for a in _per_class(call, "activations")],
                                                                _per_class(call, "count")),
}


def read_model(classifier: Contract, *, block: int | None = None) -> Any:
    """The mirror of the model deployed at ``classifier``, with its parameters as the chain holds them now (or
    after mined block ``block``). Its classes are the on-chain labels 0, 1, ...: the names a deployer gave them
    stay in that deployer's kernel."""
    model = MODEL_READERS[classifier.name](lambda fn, *args: classifier.call(fn, *args, block=block))
    if block is None and not model.matches(classifier):  # reader and mirror disagree: a bug, not a learner's mistake
        raise RuntimeError(f"the {classifier.name} at {classifier.address} could not be read back exactly")
    return model


def deployment_block(chain: Chain, trainer: Contract) -> int | None:
    """The block that deployed ``trainer`` (its constructor logs ``OwnershipTransferred`` from the zero address)."""
    for event in chain.logs("OwnershipTransferred", address=trainer.address):
        if int(event["previousOwner"], 16) == 0:
            return event["block"]
    return None


def bind_market(chain: Chain, trainer: Contract, classifier: Contract, market: Contract, settings: Any) -> Any:
    """``settings`` bound to the market's initial model ``h_0`` (what every settlement replay starts from), rebuilt
    from the chain by :func:`initial_model` and checked against the market's ``modelInitCodeHash``; left unbound
    (no ``init_code``) when it cannot be rebuilt: the market handle then says why before it would start a replay."""
    model = initial_model(chain, trainer, classifier)
    if model is None:
        return settings
    try:
        bound = settings.bind(model, market.address)
    except ValueError:  # a model deployed with setup calls: no market replays it
        return settings
    if "0x" + keccak(bound.init_code).hex() != market.call("modelInitCodeHash"):
        return settings  # not the model it was deployed with: leave it unbound
    return bound


def initial_model(chain: Chain, trainer: Contract, classifier: Contract) -> Any | None:
    """The trainer's initial model ``h_0``, from the chain alone, or None if it cannot be rebuilt.

    Where the chain keeps past state (py-evm, a node), it is read as it was when the trainer was deployed. Where it
    does not (revm: ``chain.capabilities.past_state`` is False), it is the current model with every contribution
    that changed it undone, newest first: the contributions come from the trainer's ``ContributionAdded`` events,
    and one changed the model when the classifier logged its update in the same block (a perceptron learns only
    from its mistakes). A NearestCentroid's updates cannot be undone (``UNDOABLE`` is False).
    """
    added = chain.logs("ContributionAdded", address=trainer.address)
    if chain.capabilities.past_state:
        block = deployment_block(chain, trainer)
        if block is None:
            return None
        if added and added[0]["block"] == block:
            block -= 1  # on a network a contribution may share the deployment's block: the state before it
        return read_model(classifier, block=block)
    model = read_model(classifier)
    if not added:
        return model
    if not model.UNDOABLE:
        return None
    updated = {e["block"] for e in chain.logs(address=classifier.address)}  # it logs only its updates once deployed
    for event in reversed(added):
        if event["block"] in updated:
            model.undo_encoded(list(unpack_sample(event["x"])), event["label"])
    try:
        return dataclasses.replace(model)  # checked again, derived values recomputed
    except ValueError:  # a count below zero: these events do not undo to a model
        return None


# -- incentive mechanisms: their settings -----------------------------------------------------------------
def read_incentive(contract: Contract) -> Any:
    """The settings of the incentive mechanism at ``contract``, read from its views (by the mechanism's ``read``)."""
    return MECHANISMS[contract.name].read(contract)


TRAINERS = ("CollaborativeTrainer",)
INCENTIVES = tuple(MECHANISMS)  # DepositRefundTake, Points, PredictionMarket
