"""Every constant the Python mirrors retype from a contract equals the contract's, read from the chain (issue 19).

The mirrors do the contracts' integer arithmetic, so a constant retyped in Python that drifts from its contract
would make a mirror disagree with the chain only in the rare case that reaches the constant. One test reads every
public constant from freshly deployed contracts (no transaction beyond the deployments) and compares.
Constants a contract keeps private (packing details such as DensePerceptron's five parameters per word) cannot be
read from the chain: the bit-exact property tests of each model cover them.
"""

from __future__ import annotations

import sumkit as sk
from sumkit import encoding
from sumkit.handles import trainer as trainer_module
from sumkit.incentives import deposit_refund_take, points, prediction_market
from sumkit.models import naive_bayes, sparse_nearest_centroid, sparse_perceptron


def test_every_mirrored_constant_equals_the_chains():
    chain = sk.Chain()
    sparse = sk.deploy(chain, sk.models.NaiveBayes([[1, 2], [3, 4]], [1, 1]), sk.incentives.Points(), name="nb")
    drt = sk.deploy(chain, sk.models.DensePerceptron.from_floats([1.0]), name="dense")
    spc = sk.deploy(chain, sk.models.SparsePerceptron([1, 2], 0), name="sparse perceptron")
    snc = sk.deploy(chain, sk.models.SparseNearestCentroid([[1, 0], [0, 1]], [1, 1]), name="sparse centroids")
    ncc = sk.deploy(chain, sk.models.NearestCentroid([[0], [1]], [1, 1]), name="centroids")
    market = sk.deploy(chain, sk.models.DensePerceptron.from_floats([1.0]), sk.incentives.PredictionMarket(),
                       name="market").incentive_contract
    mirrored = {
        (drt.contract, "MAX_SAMPLE_WORK"): trainer_module.MAX_SAMPLE_WORK,
        (drt.contract, "MAX_CLASSES"): trainer_module.MAX_CLASSES,
        (drt.incentive_contract, "COST_PERIOD"): deposit_refund_take.COST_PERIOD,
        (sparse.incentive_contract, "GOOD_10_COUNT"): points.GOOD_10_COUNT,
        (sparse.incentive_contract, "GOOD_100_COUNT"): points.GOOD_100_COUNT,
        (sparse.incentive_contract, "WEEKS_COUNT"): points.WEEKS_COUNT,
        (sparse.incentive_contract, "NUM_BADGES"): len(points.BADGES),
        (sparse.incentive_contract, "FIRST_CONTRIBUTION"): points.BADGES.index("first contribution"),
        (sparse.incentive_contract, "GOOD_10"): points.BADGES.index("10 good"),
        (sparse.incentive_contract, "GOOD_100"): points.BADGES.index("100 good"),
        (sparse.incentive_contract, "ALL_CLASSES"): points.BADGES.index("every class"),
        (sparse.incentive_contract, "FOUR_WEEKS"): points.BADGES.index("4 weeks"),
        (drt.classifier, "SCALE"): encoding.SCALE,
        (ncc.classifier, "SCALE"): encoding.SCALE,
        (spc.classifier, "SCALE"): encoding.SCALE,
        (sparse.classifier, "SCALE"): encoding.SCALE,
        (sparse.classifier, "SLOTS_PER_WORD"): naive_bayes.SLOTS_PER_WORD,
        (sparse.classifier, "MAX_COUNT"): naive_bayes.MAX_COUNT,
        (sparse.classifier, "MAX_TOTAL"): naive_bayes.MAX_TOTAL,
        (sparse.classifier, "MAX_ALPHA"): naive_bayes.MAX_ALPHA,
        (sparse.classifier, "ONE"): naive_bayes.ONE,
        (spc.classifier, "PARAMS_PER_WORD"): sparse_perceptron.PARAMS_PER_WORD,
        (spc.classifier, "BITS"): sparse_perceptron.FIELD_BITS,
        (spc.classifier, "OFFSET"): sparse_perceptron.OFFSET,
        (spc.classifier, "MAX_PARAMETER"): 2 ** (sparse_perceptron.PARAMETER_BITS - 1) - 1,
        (spc.classifier, "MIN_PARAMETER"): -(2 ** (sparse_perceptron.PARAMETER_BITS - 1)),
        (snc.classifier, "VALUES_PER_WORD"): sparse_nearest_centroid.VALUES_PER_WORD,
        (snc.classifier, "BITS"): sparse_nearest_centroid.ACTIVATION_BITS,
        (snc.classifier, "MAX_ACTIVATIONS"): sparse_nearest_centroid.MAX_ACTIVATIONS,
        (market, "TX_GAS_CAP"): prediction_market.TX_GAS_CAP,
        (market, "MAX_PIECES"): prediction_market.MAX_PIECES,
        (market, "MAX_PIECE_GAS"): prediction_market.MAX_PIECE_GAS,
        (market, "PIECE_ROW_GAS"): prediction_market.PIECE_ROW_GAS,
        (market, "PIECE_CLASS_GAS"): prediction_market.PIECE_CLASS_GAS,
        (market, "PIECE_VALUE_GAS"): prediction_market.PIECE_VALUE_GAS,
        (market, "MIN_WINDOW"): prediction_market.MIN_WINDOW,
        (market, "MAX_WINDOW"): prediction_market.MAX_WINDOW,
        (market, "BURN_ADDRESS"): prediction_market.BURN_ADDRESS,
        # The default feature bound each dense model is deployed with, in fixed point.
        (drt.classifier, "featureBound"): int(encoding.DEFAULT_FEATURE_BOUND * encoding.SCALE),
        (ncc.classifier, "featureBound"): int(encoding.DEFAULT_FEATURE_BOUND * encoding.SCALE),
    }
    # The market keeps MAX_ROWS_PER_PIECE internal (its getter cost deployment gas, issue 19): Python derives it
    # the same way, from two constants checked above.
    assert prediction_market.MAX_ROWS_PER_PIECE == market.call("MAX_PIECE_GAS") // market.call("PIECE_ROW_GAS")
    differ = {f"{c.name}.{name}": (c.call(name), value) for (c, name), value in mirrored.items() if c.call(name) != value}
    assert not differ, f"(chain, Python) for each constant that differs: {differ}"
