"""Exercises of notebook 09 (a class on one chain): a contribution to the class model, your level instance found
in the class registry, and who contributed, from the logs.

Each checker works on the learner's own class chain (the one joined in the notebook) and compares what the
learner's code returned with what the chain says: the chain is the source of truth.
"""

from __future__ import annotations

from ..plumbing.errors import as_reverted
from . import Wrong, exercise, require_function


# -- 09.1 ------------------------------------------------------------------------------------------------------

@exercise("09.1", title="A contribution to the class model", points=2, hints=[
    "It is notebook 01's add_data, on the class trainer: the sample, its label, and who sends it.",
    "You may only send as yourself: sender=me (chain.owner on a joined chain is you).",
    "trainer.add_data(x, y, sender=me) returns the Contribution as the chain recorded it: return it.",
])
def check_contribute(contribute, trainer, me):
    fn = require_function(contribute, "contribute", "def contribute(trainer, x, y, me): ...")
    from ..classroom import class_data

    data = class_data()
    chain = trainer.chain
    before = len(trainer.added())
    row = 100 + before % 200  # a sample the class has probably not sent yet
    x, y = data.X_train[row], data.y_train[row]
    try:
        result = fn(trainer, x, y, me)
    except Exception as e:  # a revert, in the contract's words, is feedback; anything else is the learner's error
        reverted = as_reverted(e)
        if reverted is None:
            raise
        raise Wrong(f"the class trainer refused the contribution: {reverted.reason}. {reverted.hint}") from None
    mine = [c for c in trainer.added()[before:] if c.contributor == chain.account(me)]
    if not mine:
        raise Wrong("no contribution of yours reached the class trainer: did the function call trainer.add_data(...)"
                    " with sender=me?")
    if mine[-1].label != y:
        raise Wrong(f"your contribution was recorded with label {mine[-1].label}, but the sample's label is {y}")
    if getattr(result, "key", None) != mine[-1].key:
        raise Wrong(f"the contribution reached the chain, but the function returned {result!r:.80} instead of it: "
                    "return what trainer.add_data gives back")


# -- 09.2 ------------------------------------------------------------------------------------------------------

@exercise("09.2", title="Your level, found on chain", points=2, hints=[
    "The registry numbers every level instance: registry.call('instanceCount') says how many there are.",
    "registry.call('instanceAt', i) gives instance i as a dict with 'student', 'target', 'level', 'solved'.",
    "Go through them all and keep the one whose student is you and whose level is the one asked for; return its "
    "'target' (None if there is none).",
])
def check_my_target(my_target, registry, me):
    fn = require_function(my_target, "my_target", "def my_target(registry, me, level): ...")
    me = registry.chain.account(me)
    count = registry.call("instanceCount")
    instances = [registry.call("instanceAt", i) for i in range(count)]
    levels = sorted({i["level"] for i in instances if i["student"] == me})
    if not levels:
        raise Wrong("the registry holds no level instance for you, so there is nothing to find: was the class "
                    "started with levels?")
    for level in levels:
        want = next(i["target"] for i in instances if i["student"] == me and i["level"] == level)
        got = fn(registry, me, level)
        if got is None:
            raise Wrong(f"my_target(registry, me, {level!r}) returned None, but the registry holds your instance of it")
        if str(got).lower() != want.lower():
            others = {i["target"].lower() for i in instances if i["level"] == level}
            if str(got).lower() in others:
                raise Wrong(f"for {level!r} you returned a classmate's target: keep the instance whose student is you")
            raise Wrong(f"for {level!r} you returned {got!r:.60}, which is not your instance's target")
    if fn(registry, me, "no_such_level") is not None:
        raise Wrong("for a level you have no instance of, return None")


# -- 09.3 ------------------------------------------------------------------------------------------------------

@exercise("09.3", title="Who contributed? Ask the logs", points=2, hints=[
    "Every contribution emits ContributionAdded, whoever sent it; the node keeps every log.",
    "w3.eth.contract(address=trainer_address, abi=ABI).events.ContributionAdded().get_logs(from_block=0) returns "
    "them all (ABI is defined in the cell above).",
    "Count per log['args']['contributor'].",
])
def check_contributions_per_account(contributions_per_account, trainer):
    fn = require_function(contributions_per_account, "contributions_per_account",
                          "def contributions_per_account(w3, trainer_address): ...")
    from web3 import Web3

    chain = trainer.chain
    w3 = Web3(Web3.HTTPProvider(chain.backend.url))  # a plain client of the class node, as any program would use
    expected: dict[str, int] = {}
    for event in chain.logs("ContributionAdded", address=trainer.address):  # Trainer.at read them from block 0
        expected[event["contributor"]] = expected.get(event["contributor"], 0) + 1
    got = fn(w3, trainer.address)
    if not isinstance(got, dict):
        raise Wrong(f"contributions_per_account returned a {type(got).__name__}; return a dict: address -> count")
    got = {str(k).lower(): v for k, v in got.items()}
    want = {k.lower(): v for k, v in expected.items()}
    missing = [k for k in want if k not in got]
    if missing:
        raise Wrong(f"{len(missing)} contributor(s) missing: read every ContributionAdded log from block 0, not only "
                    "your own contributions or the recent blocks")
    wrong = [k for k in want if got[k] < want[k]]
    if wrong:
        raise Wrong("some counts are too low: read from block 0 (from_block=0)")
    if any(got.get(k, 0) != want.get(k, 0) for k in set(got) | set(want)):
        raise Wrong("some counts are too high, or name accounts that never contributed to this trainer: read only "
                    "this trainer's ContributionAdded logs")
