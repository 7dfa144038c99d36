"""Shared fixtures: a fresh chain and a small deployed trainer whose behaviour is easy to reason about."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings

import sumkit as sk

# Property tests draw the same examples on every run, so a CI result can be reproduced exactly; to search
# new examples locally: python -m pytest --hypothesis-profile=explore
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("default")

WAIT = sk.days(1)
OWNER_WAIT = sk.days(5)
ANY_WAIT = sk.days(9)
COST_WEIGHT = 10**14

# A 3-feature perceptron: predicts 1 when x[0] > x[1] (plus a small bias towards 0), with a wide
# margin so that a few poisoned updates do not flip it.
WEIGHTS = [10.0, -10.0, 0.0]
INTERCEPT = -0.5
POSITIVE = np.array([1.0, 0.0, 0.0])  # score 10 - 0.5 > 0: predicted 1
NEGATIVE = np.array([0.0, 1.0, 0.0])  # score -10 - 0.5 < 0: predicted 0


@pytest.fixture
def chain() -> sk.Chain:
    return sk.Chain()


def make_trainer(chain: sk.Chain, **incentive_args: int) -> sk.Trainer:
    args = dict(refund_wait=WAIT, owner_claim_wait=OWNER_WAIT, any_address_claim_wait=ANY_WAIT, cost_weight=COST_WEIGHT)
    args.update(incentive_args)
    model = sk.models.DensePerceptron.from_floats(WEIGHTS, INTERCEPT)
    return sk.deploy(chain, model, sk.incentives.DepositRefundTake(**args), name="test", owner=chain.owner)


@pytest.fixture
def trainer(chain: sk.Chain) -> sk.Trainer:
    return make_trainer(chain)


def deploy_bare(chain: sk.Chain, model) -> sk.chain.Contract:
    """The model contract alone (with its setup calls), bound to chain.owner as its trainer, so tests can call
    update directly."""
    ctor_args, setup_calls = model.deploy_steps(chain.owner)
    contract = chain.deploy(model.contract_name, *ctor_args)
    for fn, args in setup_calls:
        contract.transact(fn, *args, sender=chain.owner)
    return contract


def update_both(contract: sk.chain.Contract, model, x: list[int], label: int, overflow: tuple[str | None, ...]):
    """Update the bare ``contract`` (see ``deploy_bare``) and its mirror ``model`` with one sample. If the mirror
    says the update would revert, the contract must revert with one of the ``overflow`` errors (None: a panic)
    and neither changes: returns None. Otherwise returns ``(receipt, changed)`` after checking that the contract's
    parameters equal the mirror's."""
    try:
        model.check_update(x, label)
    except ValueError:
        with pytest.raises(sk.Reverted) as e:
            contract.transact("update", x, label, sender=contract.chain.owner)
        assert e.value.error in overflow, e.value.reason
        return None
    receipt = contract.transact("update", x, label, sender=contract.chain.owner)
    changed = model.update_encoded(x, label)
    assert model.matches(contract)
    return receipt, changed


def check_bad_sparse_sample(chain: sk.Chain, trainer: sk.Trainer, x: list[int], error: str) -> None:
    """A bad sparse sample ``x`` is refused in Python before any transaction (by add_data and predict), and on
    chain with ``error`` and a hint (by the model's predict, and by addData sent straight to the trainer)."""
    label = trainer.model.classes[0]
    sent = len(chain.gas_log)
    with pytest.raises(ValueError):
        trainer.add_data(x, label, sender=chain.alice)
    with pytest.raises(ValueError):
        trainer.predict(x)
    assert len(chain.gas_log) == sent  # refused before any transaction
    with pytest.raises(sk.Reverted) as e:
        trainer.classifier.call("predict", x)
    assert e.value.error == error and e.value.hint
    with pytest.raises(sk.Reverted) as e:
        trainer.contract.transact("addData", x, 0, sender=chain.alice, value=trainer.next_deposit())
    assert e.value.error == error


def sparse_rows(data, n: int, count: int) -> list[list[int]]:
    """``count`` random sparse samples over ``n`` features (sorted unique indices), drawn with hypothesis."""
    from hypothesis import strategies as st

    return [sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=n))) for _ in range(count)]


def travel_to(chain: sk.Chain, timestamp: int) -> None:
    """Move the chain's clock to ``timestamp`` (the next transaction's block time)."""
    chain.travel(seconds=timestamp - chain.now)


def expect_revert(chain: sk.Chain, trainer: sk.Trainer, error: str, fn, *args, state=None, **kwargs) -> sk.Reverted:
    """Call fn, expect sk.Reverted with ``error`` and that error's own learner hint (from ``HINTS``, not the
    generic one), and no change to the balances, to ``state()`` if given, to the gas log or to the clock."""
    from sumkit.plumbing.errors import HINTS

    def now_state():
        return balances(chain, trainer), state() if state is not None else None

    before, log_len, now = now_state(), len(chain.gas_log), chain.now
    with pytest.raises(sk.Reverted) as info:
        fn(*args, **kwargs)
    assert info.value.error == error, info.value.reason
    assert info.value.hint and error in HINTS
    assert now_state() == before
    assert len(chain.gas_log) == log_len and chain.now == now
    return info.value


def balances(chain: sk.Chain, trainer: sk.Trainer) -> dict[str, int]:
    accounts = {n: getattr(chain, n) for n in ("owner", "alice", "bob", "carol", "mallory")}
    return {**{n: chain.balance(a) for n, a in accounts.items()}, "trainer": chain.balance(trainer.address)}
