"""Agent-based simulations on the real chain: who gains, who loses, and what happens to the model.

>>> import sumkit as sk
>>> from sumkit import sim
>>> agents = [sim.Honest("good", deposit_mean=50, wait_mean=sk.minutes(10)),
...           sim.LabelFlipper("bad", deposit_mean=100, wait_mean=sk.hours(1))]
>>> result = sim.Simulation(trainer, agents, data=(X, y), test=(Xt, yt), days=30, seed=0).run()  # doctest: +SKIP
>>> result.plot()                                                                             # doctest: +SKIP

Balances and deposits are in units of :data:`UNIT` wei (0.001 ether), as in the paper's experiment.
"""

from .agents import (
    UNIT,
    Agent,
    Careless,
    FlipAndTake,
    Honest,
    LabelFlipper,
    Reporter,
    Spammer,
    Sybil,
    TargetedPoisoner,
    World,
)
from .simulation import Simulation, SimulationResult

__all__ = [
    "UNIT",
    "Agent",
    "Careless",
    "FlipAndTake",
    "Honest",
    "LabelFlipper",
    "Reporter",
    "Simulation",
    "SimulationResult",
    "Spammer",
    "Sybil",
    "TargetedPoisoner",
    "World",
]
