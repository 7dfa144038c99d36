"""Exercises of notebook 05, the attack lab: each answer is an exploit function ``f(level)``.

A checker runs the learner's function on a fresh instance of the level (on a chain of its own, so the
notebook's chain is untouched), asks the level's validator whether it is won, then runs the same function
against the fixed twin, which must refuse it. Under the grader it also runs as another player (an address,
balance and name drawn from the grading secret: :func:`hidden_player`), so an exploit that hard-codes
``chain.mallory`` (or any other account) instead of ``level.player`` does not score.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..teaching import lab
from ..chain.chain import Chain
from ..plumbing.errors import Reverted
from ..plumbing.units import ether, format_ether
from . import Partial, Wrong, exercise, variant_seeds

# The attackers contracts/lab/attackers/ ships: level own_attacker must be won with a contract of your own.
SHIPPED_ATTACKERS = {"ReentrancyAttacker", "AirdropPhisher"}
ID_OF = {"reentrancy": "05.1", "own_attacker": "05.2", "open_record": "05.3", "stale_prediction": "05.4"}


def _hints(name: str) -> list[str]:
    return list(lab._SPECS[name].hints)


def _state(level: lab.Level) -> str:
    chain = level.chain
    return (f"the trainer holds {format_ether(chain.balance(level.contract.address))} and owes the honest "
            f"contributors {format_ether(level.owed)}; {chain.name_of(level.player)} gained "
            f"{format_ether(chain.balance(level.player) - level.start_balance)}")


PLAYER_SEEDS = (1,)  # the hidden player under the public default; a grading secret draws another


def player_case(seed: int) -> tuple[int, str, int]:
    """05's hidden player ``seed``: how many unfunded accounts come before it (0 to 255, so its address changes
    with the seed), its name (one of the course's other characters) and its balance (20 to 200 ether)."""
    rng = np.random.default_rng(seed)
    return (int(rng.integers(0, 256)), str(rng.choice(["eve", "frank", "grace", "heidi", "ivan", "judy"])),
            ether(int(rng.integers(20, 201))))


def hidden_player(chain: Chain, seed: int) -> str:
    """The player of hidden case ``seed`` (:func:`player_case`): a new account of ``chain``."""
    skip, name, balance = player_case(seed)
    for _ in range(skip):
        chain.new_account(0)
    return chain.new_account(balance, name=name)


def _attempt(name: str, exploit: Callable[[lab.Level], object], *, fixed: bool = False,
             seed: int | None = None) -> tuple[lab.Level, Reverted | None, set[str]]:
    """Run ``exploit`` on a fresh instance of level ``name`` (played by :func:`hidden_player` ``seed``, else by
    Mallory); returns the level, the revert it hit (if any) and who sent the exploit's transactions (names)."""
    chain = Chain()
    player = hidden_player(chain, seed) if seed is not None else None
    level = lab.level(name, chain, fixed=fixed, player=player)
    set_up = len(chain.gas_log)  # the transactions before are the level's own
    failure = None
    try:
        exploit(level)
    except Reverted as e:
        failure = e
    return level, failure, set(chain.gas_log.sender.iloc[set_up:])


def _check_exploit(name: str, exploit: Callable[[lab.Level], object], points: float, *,
                   own_contract: bool = False) -> Partial:
    """Full ``points`` (with what happened) if ``exploit`` wins level ``name`` and the fixed twin refuses it."""
    if not callable(exploit):
        raise Wrong(f"the answer must be a function taking the level, like def attack(level): ..., "
                    f"not a {type(exploit).__name__}")
    level, failure, _ = _attempt(name, exploit)
    if own_contract:
        shipped = SHIPPED_ATTACKERS & set(level.chain.gas_log.query("function == 'deploy'").contract)
        if shipped:
            raise Wrong(f"you deployed the lab's {', '.join(sorted(shipped))}: in this level the attacker is "
                        "yours, compiled from your own Solidity with sk.compile_source")
    if failure is not None and failure.error == "PaymentFailed" and name in ("reentrancy", "own_attacker"):
        raise Wrong("your exploit reverted on the vulnerable level: one refund in the chain of calls could not be "
                    "paid (the trainer held less than a deposit), and one revert undoes the whole transaction, "
                    "every earlier refund included. When should receive() stop asking? "
                    f"({_state(level)})")
    if failure is not None:
        raise Wrong(f"your exploit reverted on the vulnerable level: {failure.reason}. {failure.hint} "
                    f"(level.hint() helps; {_state(level)})")
    if not level.validate():
        if name == "own_attacker" and level.chain.balance(level.contract.address) == 0:
            return Partial(points / 3, "the trainer is empty, but the deposits are not in your account: the level counts "
                              f"level.player's balance, not your contract's ({_state(level)})")
        if name == "stale_prediction":
            raise Wrong(f"the level is not won yet. Goal: {level.goal} Look at level.contributions(): which of "
                        "yours were refunded, and does the model agree with them now?")
        raise Wrong(f"the level is not won yet. Goal: {level.goal} Now {_state(level)}.")
    won = ("a contribution of yours that the model now disagrees with was refunded" if name == "stale_prediction"
           else _state(level))
    twin, refused, _ = _attempt(name, exploit, fixed=True)
    if twin.validate():  # cannot happen with the fixed contracts; kept so the check can never pass silently
        raise Wrong("your exploit also wins the fixed twin: tell your instructor, the lab has a bug")
    for seed in variant_seeds(ID_OF[name], PLAYER_SEEDS, visible=0):  # under the grader, another player
        other, failure, senders = _attempt(name, exploit, seed=seed)
        if failure is not None or not other.validate() or senders - {other.chain.name_of(other.player)}:
            raise Wrong("your exploit wins only when the player is Mallory (a hidden check plays it as another "
                        "account): attack as level.player, sending every transaction from it, and use the level's "
                        "own contracts (level.contract, level.ids, ...), not names from your chain")
    why = f" with {refused.error or refused.reason}" if refused is not None else ""
    return Partial(points, f"won: {won}. The fixed twin refused it{why}.")


@exercise("05.1", title="Drain the refund that pays first", points=2, hints=_hints("reentrancy"))
def _(drain):
    return _check_exploit("reentrancy", drain, 2)


@exercise("05.2", title="Your own attacker, in Solidity", points=3, hints=_hints("own_attacker"))
def _(drain_with_solidity):
    return _check_exploit("own_attacker", drain_with_solidity, 3, own_contract=True)


@exercise("05.3", title="Forge a record", points=2, hints=_hints("open_record"))
def _(forge):
    return _check_exploit("open_record", forge, 2)


@exercise("05.4", title="A refund for bad data", points=2, hints=_hints("stale_prediction"))
def _(stale_refund):
    return _check_exploit("stale_prediction", stale_refund, 2)
