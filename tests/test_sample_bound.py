"""Issues 12 and 19: no deposit may be stuck because its refund or report cannot fit a transaction.

A prediction costs gas in proportion to the sample's length times the model's classes; the review found a
50-class x 2,400-feature sparse nearest centroid that accepted a sample with every feature active (5.2M gas to
add) whose refund and every report then needed 38M gas, over a 30M block. The trainer now refuses any sample
with ``len(x) * classes > MAX_SAMPLE_WORK`` (Python before sending, the contract for anyone else), and a report
after the any-address wait no longer asks the model at all.

Issue 19 (findings 5 and 8): the bound now counts classes for every sample, the empty one included
(``(len(x) + 1) * classes``), a trainer refuses a model of more than ``MAX_CLASSES`` classes, and everything is sized
for EIP-7825's transaction cap of 16,777,216 gas (measured here: refunds and reports at the bound; every model's
worst case, deployment chunks included, in tests/test_gas.py). Heavy deployments run on revm (identical gas, proven
by tests/test_revm.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import sumkit as sk
from sumkit.handles.trainer import MAX_CLASSES, MAX_SAMPLE_WORK, _Deployment

from .conftest import ANY_WAIT, COST_WEIGHT, OWNER_WAIT, WAIT, expect_revert

CLASSES, FEATURES = 50, 2_400
CAP = 16_777_216  # EIP-7825: the most gas one transaction may use (mainnet and public testnets since Osaka)


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
    """The costliest sample the trainer accepts: MAX_SAMPLE_WORK / 50 - 1 = 99 active features, each in its own
    storage word (15 counts to a word), so a prediction reads 99 x 50 = 4,950 words cold."""
    return list(range(0, FEATURES, 15))[: MAX_SAMPLE_WORK // CLASSES - 1]


def test_python_bound_is_the_contracts(big):
    _, trainer = big
    assert trainer.contract.call("MAX_SAMPLE_WORK") == MAX_SAMPLE_WORK
    assert trainer.contract.call("MAX_CLASSES") == MAX_CLASSES


def test_every_feature_active_is_refused_before_sending_and_on_chain(big):
    chain, trainer = big
    every = list(range(FEATURES))  # the review's sample: (2,400 + 1) x 50 = 120,050 > 5,000
    block, deposit = chain.block_number, trainer.next_deposit()
    with pytest.raises(ValueError, match=r"2,400 values .* 50 classes: \(2,400 \+ 1\) x 50 = 120,050 > MAX_SAMPLE_WORK = 5,000"):
        trainer.add_data(every, 0, sender=chain.alice)
    assert chain.block_number == block  # nothing was sent
    # Sent without sumkit's check, the contract refuses it, with its own hint, and nothing moves.
    e = expect_revert(chain, trainer, "SampleTooLarge", trainer.contract.transact, "addData", every, 0,
                      sender=chain.alice, value=deposit)
    assert e.args_ == {"length": FEATURES, "numClasses": CLASSES, "max": MAX_SAMPLE_WORK}
    assert "fewer active features" in e.hint
    # One feature more than the bound is refused too.
    longer = sorted(set(at_the_bound()) | {2})
    assert (len(longer) + 1) * CLASSES == MAX_SAMPLE_WORK + CLASSES
    with pytest.raises(ValueError, match="MAX_SAMPLE_WORK"):
        trainer.add_data(longer, 0, sender=chain.alice)
    expect_revert(chain, trainer, "SampleTooLarge", trainer.contract.transact, "addData", longer, 0,
                  sender=chain.alice, value=deposit)


def test_a_sample_at_the_bound_comes_out_within_a_block(big):
    chain, trainer = big
    x = at_the_bound()
    assert (len(x) + 1) * CLASSES == MAX_SAMPLE_WORK
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
    # The sample is really the expensive kind (it reads thousands of cold words) and still fits a transaction.
    assert 10_000_000 < refund_gas <= CAP and 10_000_000 < report_gas <= CAP
    # After anyAddressClaimWait the verdict does not matter, so the model is not asked.
    assert late_gas < 200_000


# -- classes count for every sample, the empty one included (issue 19, finding 5) -------------------------------

def naive_bayes(classes: int, features: int = 1) -> sk.models.NaiveBayes:
    """A Naive Bayes model with every count non-zero (so a prediction reads real, distinct values)."""
    counts = [[1 + (c + f) % 7 for f in range(features)] for c in range(classes)]
    return sk.models.NaiveBayes(counts, [3] * classes)


def test_a_model_with_too_many_classes_is_refused_before_any_deposit():
    # The review's model: 30,000 classes took addData([]) for 88k gas, but its refund needed 37.8M gas. sumkit
    # refuses it before sending anything, and a trainer refuses it on chain for anyone who deploys it raw.
    chain = sk.Chain(backend="revm")
    model = naive_bayes(30_000)
    nonce = chain.nonce(chain.owner)
    with pytest.raises(ValueError, match=r"30,000 classes; a trainer takes at most MAX_CLASSES = 1,000"):
        sk.deploy(chain, model)
    assert chain.nonce(chain.owner) == nonce  # nothing was sent
    with pytest.raises(sk.DeployInterrupted) as e:
        _Deployment(chain, model, sk.incentives.DepositRefundTake(), "x", "", chain.owner).run()
    reverted = e.value.cause
    assert isinstance(reverted, sk.Reverted) and reverted.error == "TooManyClasses"
    assert reverted.args_ == {"numClasses": 30_000, "max": MAX_CLASSES} and "Group rare classes" in reverted.hint
    assert e.value.done == e.value.total - 1  # only the trainer, the last transaction (it takes deposits), failed
    assert max(chain.gas_log["gas_used"]) <= CAP  # every deployment chunk of the model fit a transaction


def test_at_max_classes_even_the_empty_sample_counts_and_every_refund_fits():
    chain = sk.Chain(backend="revm")
    trainer = sk.deploy(chain, naive_bayes(MAX_CLASSES, features=8), sk.incentives.DepositRefundTake(
        refund_wait=WAIT, owner_claim_wait=OWNER_WAIT, any_address_claim_wait=ANY_WAIT, cost_weight=COST_WEIGHT))
    longest = list(range(MAX_SAMPLE_WORK // MAX_CLASSES - 1))  # (4 + 1) x 1,000 = MAX_SAMPLE_WORK
    with pytest.raises(ValueError, match=r"\(5 \+ 1\) x 1000 = 6,000 > MAX_SAMPLE_WORK"):
        trainer.add_data(longest + [5], 0, sender=chain.alice)
    expect_revert(chain, trainer, "SampleTooLarge", trainer.contract.transact, "addData", longest + [5], 0,
                  sender=chain.alice, value=trainer.next_deposit())
    gas = {}
    for name, x in (("empty", []), ("longest", longest)):
        c = trainer.add_data(x, trainer.predict(x), sender=chain.alice)
        chain.travel(seconds=WAIT)
        assert trainer.refund(c, sender=chain.alice) == c.deposit
        gas[name] = chain.last_receipt.gas_used
    print(f"Naive Bayes, {MAX_CLASSES:,} classes: refund of the empty sample {gas['empty']:,} gas, of the longest "
          f"accepted ({len(longest)} features) {gas['longest']:,}")
    assert 1_000_000 < gas["empty"] < gas["longest"] <= CAP
