"""Issue 12, finding 2: no deposit may be stuck because its refund or report cannot fit a block.

A prediction costs gas in proportion to the sample's length times the model's classes; the review found a
50-class x 2,400-feature sparse nearest centroid that accepted a sample with every feature active (5.2M gas to
add) whose refund and every report then needed 38M gas, over a 30M block. The trainer now refuses any sample
with ``len(x) * classes > MAX_SAMPLE_WORK`` (Python before sending, the contract for anyone else), and a report
after the any-address wait no longer asks the model at all.
"""

from __future__ import annotations

import numpy as np
import pytest

import sumkit as sk
from sumkit.trainer import MAX_SAMPLE_WORK

from .conftest import ANY_WAIT, COST_WEIGHT, OWNER_WAIT, WAIT, expect_revert

CLASSES, FEATURES = 50, 2_400
BLOCK = 30_000_000  # a mainnet block, and the gas limit sumkit sends with every transaction


@pytest.fixture(scope="module")
def big():
    """The review's model: 50 classes x 2,400 sparse features. Each class has seen a few features (so classes
    differ); a prediction reads every word it needs whatever its value, and zero words deploy fast."""
    activations = np.zeros((CLASSES, FEATURES), dtype=int)
    for c in range(CLASSES):
        activations[c, c * 45 : c * 45 + 6 * (c % 5 + 1)] = c % 7 + 1
    model = sk.models.SparseNearestCentroid(activations.tolist(), [10] * CLASSES)
    chain = sk.Chain()
    incentive = sk.incentives.DepositRefundTake(refund_wait=WAIT, owner_claim_wait=OWNER_WAIT,
                                                any_address_claim_wait=ANY_WAIT, cost_weight=COST_WEIGHT)
    trainer = sk.deploy(chain, model, incentive, name="50 classes x 2,400 features")
    return chain, trainer


def at_the_bound() -> list[int]:
    """The costliest sample the trainer accepts: MAX_SAMPLE_WORK / 50 = 240 active features that touch every
    one of a class's 160 storage words (15 counts to a word), so a prediction reads all 8,000 words cold."""
    one_per_word = list(range(0, FEATURES, 15))  # 160 features, each in its own word
    rest = [i + 1 for i in one_per_word][: MAX_SAMPLE_WORK // CLASSES - len(one_per_word)]
    return sorted(one_per_word + rest)


def test_python_bound_is_the_contracts(big):
    _, trainer = big
    assert trainer.contract.call("MAX_SAMPLE_WORK") == MAX_SAMPLE_WORK


def test_every_feature_active_is_refused_before_sending_and_on_chain(big):
    chain, trainer = big
    every = list(range(FEATURES))  # the review's sample: 2,400 x 50 = 120,000 > 12,000
    block, deposit = chain.block_number, trainer.next_deposit()
    with pytest.raises(ValueError, match=r"2,400 values .* 50 classes: 120,000 > MAX_SAMPLE_WORK = 12,000"):
        trainer.add_data(every, 0, sender=chain.alice)
    assert chain.block_number == block  # nothing was sent
    # Sent without sumkit's check, the contract refuses it, with its own hint, and nothing moves.
    e = expect_revert(chain, trainer, "SampleTooLarge", trainer.contract.transact, "addData", every, 0,
                      sender=chain.alice, value=deposit)
    assert e.args_ == {"length": FEATURES, "numClasses": CLASSES, "max": MAX_SAMPLE_WORK}
    assert "fewer active features" in e.hint
    # One feature more than the bound is refused too.
    longer = sorted(set(at_the_bound()) | {2})
    assert len(longer) * CLASSES == MAX_SAMPLE_WORK + CLASSES
    with pytest.raises(ValueError, match="MAX_SAMPLE_WORK"):
        trainer.add_data(longer, 0, sender=chain.alice)
    expect_revert(chain, trainer, "SampleTooLarge", trainer.contract.transact, "addData", longer, 0,
                  sender=chain.alice, value=deposit)


def test_a_sample_at_the_bound_comes_out_within_a_block(big):
    chain, trainer = big
    x = at_the_bound()
    assert len(x) * CLASSES == MAX_SAMPLE_WORK
    with chain.snapshot():
        # Alice's sample, labelled as the model predicts it: her refund needs one full prediction.
        good = trainer.add_data(x, trainer.predict(x), sender=chain.alice)
        chain.travel(seconds=WAIT)
        before = chain.balance(chain.alice)
        assert trainer.refund(good, sender=chain.alice) == good.deposit
        refund_gas = chain.last_receipt.gas_used
        assert chain.balance(chain.alice) - before == good.deposit
        # Bob's copy, labelled as the class farthest from it: Alice (now with good data) reports it.
        numerators, denominators = trainer.classifier.call("squaredDistances", x)
        farthest = int(np.argmax([n / d for n, d in zip(numerators, denominators)]))
        bad = trainer.add_data(x, farthest, sender=chain.bob)
        chain.travel(seconds=WAIT)
        assert trainer.predict(x) != farthest
        assert trainer.report(bad, sender=chain.alice) == bad.deposit
        report_gas = chain.last_receipt.gas_used
        # Carol's copy, left alone: after the any-address wait anyone takes it without asking the model.
        left = trainer.add_data(x, farthest, sender=chain.carol)
        chain.travel(seconds=ANY_WAIT)
        assert trainer.report(left, sender=chain.mallory) == left.deposit
        late_gas = chain.last_receipt.gas_used
        assert chain.balance(trainer.address) == 0
    print(f"at the bound: refund {refund_gas:,} gas, report {report_gas:,}, report after every wait {late_gas:,}")
    # The sample is really the expensive kind (it reads thousands of cold words) and still fits a block.
    assert 15_000_000 < refund_gas <= BLOCK and 15_000_000 < report_gas <= BLOCK
    # After anyAddressClaimWait the verdict does not matter, so the model is not asked.
    assert late_gas < 200_000
