"""Gas used by each SUM operation, per configuration.

    python -m benchmarks.gas                 # prints a table
    python -m benchmarks.gas --json gas.json # also writes [{"config", "operation", "gas"}, ...]

Every configuration runs the same story on a fresh chain, in this order: ``deploy`` (every
transaction needed to deploy and wire up all contracts), ``add_agree`` (alice adds data with the
label the model predicts), ``refund`` (alice, after the refund wait), ``add_update`` (mallory adds the
other label; the model updates but still disagrees with her), ``report`` (alice takes mallory's
deposit after the wait). Gas numbers are deterministic.

The incentive mechanism is part of the configuration (``INCENTIVES``; Deposit-Refund-Take unless listed).
Under Points (``points-*`` configs) adding is free, ``refund`` is the claim of alice's point (it pays 0 wei),
and ``report`` does not apply (Points has no deposits to take): that operation is omitted from the
results, the table and the JSON, rather than given a made-up number.

A second table (run without ``--config``) puts the largest transaction of every operation next to EIP-7825's cap
of 16,777,216 gas, with the headroom left: each model at the largest size the kit accepts with a sample at
``MAX_SAMPLE_WORK``'s bound (``CAP_CONFIGS``: deployment chunks, extend, add, refund, report, take), then the market
at the audit's size (commit, reveal batches, settle steps, withdraw). Its JSON rows also carry ``transactions`` and
``headroom`` (the cap minus the gas); an operation the cap refuses has ``gas`` null and is printed OVER THE CAP.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from eth_utils import keccak

import sumkit as sk
from sumkit.handles.trainer import MAX_CLASSES, MAX_SAMPLE_WORK
from sumkit.incentives.prediction_market import TX_GAS_CAP
from sumkit.models import naive_bayes, sparse_nearest_centroid, sparse_perceptron
from sumkit.plumbing.encoding import DEFAULT_FEATURE_BOUND, SCALE

from . import write_json

OPERATIONS = ("deploy", "add_agree", "refund", "add_update", "report")

# The gas each operation may use at most (asserted by tests/test_gas.py).
CEILINGS: dict[str, dict[str, int]] = {
    "dense-perceptron-9": {
        "deploy": 2_900_000,
        "add_agree": 116_000,
        "add_update": 104_000,
        "refund": 88_000,
        "report": 82_000,
    },
    "dense-ncc-9": {
        "deploy": 3_100_000,
        "add_agree": 126_000,
        "add_update": 107_000,
        "refund": 97_000,
        "report": 92_000,
    },
    "sparse-ncc-1000": {
        "deploy": 14_500_000,
        "add_agree": 183_000,
        "add_update": 164_000,
        "refund": 152_000,
        "report": 159_000,
    },
    "sparse-perceptron-1000": {
        "deploy": 7_500_000,
        "add_agree": 138_000,
        # Half of the original contracts' 311,032 (issue 12): the trainer now calls the model with plain
        # Solidity instead of inline assembly (+2,722 gas here), more readable in the contract learners read first.
        "add_update": 155_516,
        "refund": 110_000,
        "report": 108_000,
    },
    "naive-bayes-1000": {
        "deploy": 14_200_000,
        "add_agree": 163_000,
        "add_update": 164_000,
        "refund": 148_000,
        "report": 154_000,
    },
}


def _dense_perceptron_9() -> tuple[Any, np.ndarray]:
    """A 9-feature perceptron that predicts 0 for the benchmark sample with a margin, so one update
    towards 1 changes it but does not flip its prediction."""
    direction = np.array([1, 1, 1, 1, 1, 1, 1, 0, 0], dtype=float)
    x = direction / np.linalg.norm(direction)
    model = sk.models.DensePerceptron.from_floats([-1.0] * 7 + [0.5, 0.5], intercept=0.0)
    return model, x


def _dense_ncc_9() -> tuple[Any, np.ndarray]:
    """A 2-class 9-feature nearest-centroid model whose class 0 centroid is nearest to the benchmark sample
    (squared distances about 0.60 and 5.90); with counts of 10 one update moves class 1's centroid only an
    eleventh of the way, so the prediction stays 0."""
    direction = np.array([1, 1, 1, 1, 1, 1, 1, 0, 0], dtype=float)
    x = direction / np.linalg.norm(direction)
    model = sk.models.NearestCentroid.from_floats([[0.5] * 9, [-0.5] * 7 + [0.5, 0.5]], counts=[10, 10])
    return model, x


# The active features of the sparse benchmark sample: 20 of 1000, spread over the whole vocabulary.
SPARSE_SAMPLE = [1, 2, 3, 14, 15, 26, 37, 48, 59, 110, 111, 112, 213, 314, 515, 616, 717, 818, 919, 920]


def _sparse_perceptron_1000() -> tuple[Any, list[int]]:
    """A trained-looking 1000-feature sparse perceptron (every weight non-zero) that predicts 0 for the
    benchmark sample with a margin of 30 steps, so one update (21 steps) changes it but does not flip it."""
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.1, 2.0, 1000) * rng.choice([-1.0, 1.0], 1000)
    intercept = -30.5 - weights[SPARSE_SAMPLE].sum()
    return sk.models.SparsePerceptron.from_floats(weights, intercept), SPARSE_SAMPLE


def _naive_bayes_1000() -> tuple[Any, list[int]]:
    """A 2-class 1000-feature naive Bayes model (every count non-zero) trained on 100 samples per class: class 0
    had the benchmark sample's features in 70-90 of its samples, class 1 in 5-15, so one more class 1 sample does
    not flip the prediction from 0."""
    rng = np.random.default_rng(0)
    counts = rng.integers(1, 30, (2, 1000))
    counts[0, SPARSE_SAMPLE] = rng.integers(70, 90, len(SPARSE_SAMPLE))
    counts[1, SPARSE_SAMPLE] = rng.integers(5, 15, len(SPARSE_SAMPLE))
    return sk.models.NaiveBayes(counts.tolist(), [100, 100]), SPARSE_SAMPLE


def _sparse_ncc_1000() -> tuple[Any, list[int]]:
    """A 2-class 1000-feature sparse nearest-centroid model (every activation count non-zero) whose class 0
    centroid is nearest to the benchmark sample: class 0 has the sample's features in 70-90% of its 100 samples,
    class 1 in 5-15% of its 100; one more sample in class 1 barely moves its centroid, so the prediction stays 0."""
    rng = np.random.default_rng(0)
    centroids = rng.uniform(0.05, 0.3, (2, 1000))
    centroids[0, SPARSE_SAMPLE] = rng.uniform(0.7, 0.9, len(SPARSE_SAMPLE))
    centroids[1, SPARSE_SAMPLE] = rng.uniform(0.05, 0.15, len(SPARSE_SAMPLE))
    return sk.models.SparseNearestCentroid.from_centroids(centroids, counts=[100, 100]), SPARSE_SAMPLE


CONFIGS: dict[str, Callable[[], tuple[Any, Any]]] = {
    "dense-perceptron-9": _dense_perceptron_9,
    "sparse-perceptron-1000": _sparse_perceptron_1000,
    "naive-bayes-1000": _naive_bayes_1000,
    "dense-ncc-9": _dense_ncc_9,
    "sparse-ncc-1000": _sparse_ncc_1000,
}


def _deposit_refund_take() -> Any:
    return sk.incentives.DepositRefundTake(
        refund_wait=sk.days(1), owner_claim_wait=sk.days(9), any_address_claim_wait=sk.days(9), cost_weight=10**14
    )


# The incentive mechanism of each config that does not use Deposit-Refund-Take.
INCENTIVES: dict[str, Callable[[], Any]] = {
    "points-dense-perceptron-9": lambda: sk.incentives.Points(refund_wait=sk.days(1)),
}
CONFIGS["points-dense-perceptron-9"] = _dense_perceptron_9

# The prediction market runs its own story (``measure_market``), with its own operations: ``deploy``,
# ``commit`` (the sponsor's test set and bounty), ``add_data`` (one contribution and its stake),
# ``settle_per_contribution`` (the gas of the whole settlement of ``MARKET_CONTRIBUTIONS`` contributions
# divided by their number: the model is evaluated after each of them, one test piece per settlement step) and
# ``withdraw``. Its ceilings are about 5% above what issue 12's version measured; ``deploy`` rose 3% for issue 19
# (5,658,245 measured): the market's code now reuses known errors after a removal and keeps penalties through an
# abandonment, and the dense perceptron it deploys checks its feature bound while the trainer checks its class cap
# (findings 1 and 5). That made 5,675,403; keeping two constants internal that Python never reads from the chain
# (SETTLE_GAS_RESERVE; MAX_ROWS_PER_PIECE, which Python derives from two constants it checks) saved 17,158.
MARKET_OPERATIONS = ("deploy", "commit", "add_data", "settle_per_contribution", "withdraw")
MARKET_CONTRIBUTIONS = 50
INCENTIVES["market-dense-perceptron-9"] = lambda: sk.incentives.PredictionMarket(
    stake=sk.ether("0.01"), min_duration=sk.days(1), reveal_window=sk.days(7)
)
CONFIGS["market-dense-perceptron-9"] = _dense_perceptron_9
CEILINGS["market-dense-perceptron-9"] = {
    "deploy": 5_665_000,
    "commit": 290_000,
    "add_data": 233_000,
    "settle_per_contribution": 158_000,
    "withdraw": 46_000,
}


def measure_market(config: str) -> dict[str, int]:
    """The prediction market's story on a fresh chain: deploy, commit a 16-row test set in 4 pieces (1
    revealed first), ``MARKET_CONTRIBUTIONS`` contributions from 4 accounts (a quarter with flipped labels),
    end, reveal the rest, settle (in as many transactions as the gas limit needs), withdraw."""
    model, _ = CONFIGS[config]()
    chain = sk.Chain()
    rng = np.random.default_rng(0)
    X_test = rng.normal(size=(16, model.n_features))
    y_test = (X_test.sum(axis=1) > 0).astype(int)
    gas: dict[str, int] = {}

    def since(n: int) -> int:
        return int(chain.gas_log["gas_used"].iloc[n:].sum())

    start = len(chain.gas_log)
    trainer = sk.deploy(chain, model, INCENTIVES[config](), name=config)
    gas["deploy"] = since(start)
    market = trainer.market
    start = len(chain.gas_log)
    salts = [keccak(text=f"sumkit benchmark salt {i}") for i in range(4)]  # fixed, so the gas repeats exactly
    market.commit_test_set(X_test, y_test, pieces=4, bounty=sk.ether("0.12"), sender=chain.owner, salts=salts)
    gas["commit"] = since(start)
    market.reveal_selected(sender=chain.owner)
    people = [chain.alice, chain.bob, chain.carol, chain.mallory]
    adds = []
    for i in range(MARKET_CONTRIBUTIONS):
        x = rng.normal(size=model.n_features)
        y = int(x.sum() > 0)
        who = people[i % len(people)]
        start = len(chain.gas_log)
        trainer.add_data(x, 1 - y if who == chain.mallory else y, sender=who)
        adds.append(since(start))
    gas["add_data"] = adds[0]
    chain.travel(days=1)
    market.end(sender=chain.alice)
    market.reveal_rest(sender=chain.owner)
    start = len(chain.gas_log)
    market.settle(sender=chain.bob, batch=10_000, progress=False)
    gas["settle_per_contribution"] = since(start) // MARKET_CONTRIBUTIONS
    start = len(chain.gas_log)
    market.withdraw(sender=chain.alice)
    gas["withdraw"] = since(start)
    return {op: gas[op] for op in MARKET_OPERATIONS}


def measure(config: str) -> dict[str, int]:
    """Run the benchmark story for ``config`` on a fresh chain; returns gas per operation (in ``OPERATIONS``
    order, without the operations that do not apply to the config's incentive mechanism)."""
    if config == "market-dense-perceptron-9":
        return measure_market(config)
    model, x = CONFIGS[config]()
    incentive = INCENTIVES.get(config, _deposit_refund_take)()
    chain = sk.Chain()
    gas: dict[str, int] = {}

    def last(n: int = 1) -> int:
        return int(chain.gas_log["gas_used"].iloc[-n:].sum())

    before = len(chain.gas_log)
    trainer = sk.deploy(chain, model, incentive, name=config)
    gas["deploy"] = last(len(chain.gas_log) - before)

    agreeing = trainer.predict(x)
    good = trainer.add_data(x, agreeing, sender=chain.alice)
    gas["add_agree"] = last()

    chain.travel(days=1)
    trainer.refund(good, sender=chain.alice)
    gas["refund"] = last()

    flipped = model.classes[1 - model.encode_label(agreeing)]
    bad = trainer.add_data(x, flipped, sender=chain.mallory)
    gas["add_update"] = last()
    if trainer.predict(x) != agreeing:
        raise AssertionError(f"{config}: one update flipped the model; the report step needs a margin")

    chain.travel(days=1)
    if not isinstance(incentive, sk.incentives.Points):  # under Points there is nothing to take
        trainer.report(bad, sender=chain.alice)
        gas["report"] = last()
    return {op: gas[op] for op in OPERATIONS if op in gas}


# -- the prediction market within EIP-7825's transaction cap (issue 19) ----------------------------------------
# Each story below records the gas of every transaction, stage by stage; ``market_cap_rows`` reports the
# largest transaction of each stage next to the cap (16,777,216 gas since Osaka), and the review's settlement
# spam measurement (a contribution that changes nothing: its add and what it adds to the settlement).

MARKET_STAGES = ("commit", "reveal_selected", "add", "reveal_rest", "settle", "withdraw")


def audit_size_market(backend: str = "revm") -> tuple[sk.Chain, Any, dict[str, list[int]], dict[str, Any]]:
    """The audit's market: a 30-feature dense perceptron, a test set of 1,100 rows in 55 pieces of 20 (one
    revealed first: 1,080 evaluation rows), Alice corrects ``h_0`` on a sample, Bob teaches it a wrong label;
    then the reveal, the settlement and the withdrawals, each sized to the cap by ``trainer.market``. Returns
    the chain, the trainer, the gas of each stage's transactions and the story's data (for checks)."""
    chain = sk.Chain(backend=backend)
    rng = np.random.default_rng(12)
    truth = rng.normal(size=30)
    h0 = sk.models.DensePerceptron.from_floats(rng.normal(size=30) * 0.05, 0.0)
    stake = sk.ether("0.1")
    trainer = sk.deploy(chain, h0, sk.incentives.PredictionMarket(stake=stake), name="audit size")
    m = trainer.market
    X = rng.normal(size=(1100, 30))
    y = (X @ truth > 0).astype(int)
    bounty = 1080 * 10**15
    start = {n: chain.balance(getattr(chain, n)) for n in ("owner", "alice", "bob")}
    stages: dict[str, list[int]] = {}

    def stage(name: str, action: Callable[[], Any]) -> None:
        n = len(chain.gas_log)
        action()
        stages[name] = [int(g) for g in chain.gas_log["gas_used"].iloc[n:]]

    salts = [keccak(text=f"sumkit audit salt {i}") for i in range(55)]  # fixed, so the gas repeats exactly
    stage("commit", lambda: m.commit_test_set(X, y, pieces=55, bounty=bounty, sender=chain.owner, salts=salts))
    stage("reveal_selected", lambda: m.reveal_selected(sender=chain.owner))
    candidates = [(x, int(x @ truth > 0)) for x in rng.normal(size=(50, 30))]
    x_good, y_good = next((x, y) for x, y in candidates if h0.predict(x) != y)
    x_bad, y_bad = next((x, y) for x, y in candidates if h0.predict(x) == y)
    stage("add", lambda: (trainer.add_data(x_good, y_good, sender=chain.alice),
                          trainer.add_data(x_bad, 1 - y_bad, sender=chain.bob)))
    chain.travel(days=1)
    m.end(sender=chain.alice)
    stage("reveal_rest", lambda: m.reveal_rest(sender=chain.owner))
    stage("settle", lambda: m.settle(sender=chain.carol, progress=False))
    result = m.result()
    stage("withdraw", lambda: [m.withdraw(sender=who) for who in (chain.alice, chain.bob) if m.withdrawable(who)])
    return chain, trainer, stages, {"h0": h0, "bounty": bounty, "stake": stake, "start": start, "result": result}


def _market_on_500_rows(backend: str, name: str, *, bounty: int) -> tuple[sk.Chain, Any, Any]:
    """A fresh chain with a market on a 2-feature perceptron (h_0 = [0, 0], -0.5) and a 520-row test set in 26
    pieces of 20 (zero salts), the first piece revealed: the setting of the review's spam and removal figures."""
    h0 = sk.models.DensePerceptron.from_floats([0.0, 0.0], -0.5)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(520, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    chain = sk.Chain(backend=backend)
    market = sk.incentives.PredictionMarket(stake=sk.ether(1), min_duration=sk.days(1), reveal_window=sk.days(3))
    trainer = sk.deploy(chain, h0, market, name=name)
    m = trainer.market
    m.commit_test_set(X, y, pieces=26, bounty=bounty, sender=chain.owner, salts=[bytes(32)] * 26)
    m.reveal_selected(sender=chain.owner)
    return chain, trainer, m


def no_op_spam(spam: int = 10, backend: str = "revm") -> dict[str, int]:
    """The review's settlement-spam measurement on a 500-row test set (a 2-feature perceptron, 26 pieces of 20,
    one revealed first): the gas Mallory pays to add a contribution the model already agrees with
    (``add``), and what each such contribution adds to the whole settlement (``settle_per_no_op``: the
    settlement with ``spam`` of them minus the one without, divided by ``spam``)."""
    totals, add = {}, 0
    for n in (0, spam):
        chain, trainer, m = _market_on_500_rows(backend, "spam", bounty=500 * 10**12)
        trainer.add_data([1.0, -1.0], 1, sender=chain.alice)  # h_0 gets it wrong: the update helps
        for _ in range(n):
            trainer.add_data([3.0, 0.0], 1, sender=chain.mallory)  # the model already agrees: no update
            add = int(chain.last_receipt.gas_used)
        chain.travel(days=1)
        m.end(sender=chain.bob)
        m.reveal_rest(sender=chain.owner)
        start = len(chain.gas_log)
        m.settle(sender=chain.bob, progress=False)
        totals[n] = int(chain.gas_log["gas_used"].iloc[start:].sum())
    return {"add": add, "settle_per_no_op": (totals[spam] - totals[0]) // spam}


def sybil_removals(sybils: int = 6, backend: str = "revm") -> dict[str, int]:
    """Removals on the same 500-row test set: Alice corrects the model ``sybils`` times, each time after a
    Sybil (a fresh account) taught it the wrong label back with a stake that cannot cover the harm. Each Sybil
    is removed in turn (``sybils + 1`` replays); a replay after a removal reuses the errors it knows up to the
    removed Sybil's contribution. Returns the whole settlement's gas, its transactions, its largest one and
    the replays."""
    chain, trainer, m = _market_on_500_rows(backend, "sybils", bounty=500 * 10**18)
    for i in range(sybils):
        sybil = chain.new_account(sk.ether(10), name=f"sybil {i}")
        trainer.add_data([1.0, -1.0], 1, sender=chain.alice)
        trainer.add_data([1.0, -1.0], 0, sender=sybil)
    chain.travel(days=1)
    m.end(sender=chain.bob)
    m.reveal_rest(sender=chain.owner)
    start = len(chain.gas_log)
    m.settle(sender=chain.bob, progress=False)
    gas = [int(g) for g in chain.gas_log["gas_used"].iloc[start:]]
    return {"settle": sum(gas), "transactions": len(gas), "largest": max(gas),
            "replays": m.contract.call("settlement")[1]}


# -- every model configuration at its worst case, next to the cap (issue 19, finding 8) ---------------------------
# Each configuration is a model at the largest size the kit accepts and a sample at the bound (``MAX_SAMPLE_WORK``
# counts ``(len(x) + 1) x classes``; sparse samples spread one active feature per storage word, so every value
# costs a cold read), deployed with Deposit-Refund-Take on revm (gas equal to py-evm's, tests/test_revm.py).
# ``cap_story`` records the largest transaction of each operation: ``deploy`` (the model's constructor with its
# first chunk), ``extend`` (each further chunk), the trainer and its mechanism, ``add_agree``, ``refund``,
# ``add_update`` (another account adds the same sample with a label the model then still disagrees with),
# ``report`` (the first account flags that contribution: the mechanism's ``take_delay`` is on) and ``take`` (its
# report a delay later, which takes the deposit); both ask the model. An operation over the cap is refused with
# OutOfGas: its row says so (``gas`` None) instead of a number.

# The most features a DensePerceptron deploys with: its single deployment transaction's init code (the contract's
# code and 32 bytes per weight) must stay within EIP-3860's 49,152 bytes; 1,431 features are refused.
DENSE_MAX_FEATURES = 1_430
# The most features a NearestCentroid of 2 classes deploys with: 2 x (features + 1) values, four to a storage word,
# in at most MAX_WORDS_PER_DEPLOY = 600 words.
CENTROID_MAX_FEATURES = 1_199


def _spread(k: int, per_word: int) -> list[int]:
    """``k`` active features, one per storage word of ``per_word`` values: every one costs a cold read."""
    return list(range(0, k * per_word, per_word))


def _bound_len(classes: int) -> int:
    """The longest sample ``MAX_SAMPLE_WORK`` lets a model of ``classes`` classes take."""
    return MAX_SAMPLE_WORK // classes - 1


def _cap_dense_perceptron() -> tuple[Any, Any]:
    sign = np.random.default_rng(0).choice([-1.0, 1.0], DENSE_MAX_FEATURES)
    bound = DEFAULT_FEATURE_BOUND * 0.99  # every value near the feature bound
    return sk.models.DensePerceptron.from_floats(sign, 0.0, learning_rate=0.001), sign * bound


def _cap_nearest_centroid() -> tuple[Any, Any]:
    sign = np.random.default_rng(0).choice([-1.0, 1.0], CENTROID_MAX_FEATURES)
    bound = DEFAULT_FEATURE_BOUND * 0.99
    return sk.models.NearestCentroid.from_floats([sign * bound, -sign * bound], counts=[10, 10]), sign * bound


def _cap_nearest_centroid_classes() -> tuple[Any, Any]:
    classes = MAX_CLASSES  # 1,000 classes x 1 feature: 500 words
    return sk.models.NearestCentroid.from_floats([[c / classes] for c in range(classes)], counts=[10] * classes), [0.0]


def _cap_sparse_perceptron() -> tuple[Any, Any]:
    x = _spread(_bound_len(2), sparse_perceptron.PARAMS_PER_WORD)
    return sk.models.SparsePerceptron([-SCALE] * (x[-1] + 1), 0, 1), x  # predicts 0 by far; a step of 1 per update


def _cap_naive_bayes() -> tuple[Any, Any]:
    x = _spread(_bound_len(2), naive_bayes.SLOTS_PER_WORD)
    counts = np.ones((2, x[-1] + 1), dtype=int)
    counts[0, x] = 60_000  # class 0 has seen every active feature: one more class-1 sample does not flip it
    return sk.models.NaiveBayes(counts.tolist(), [60_000, 60_000]), x


def _cap_naive_bayes_classes() -> tuple[Any, Any]:
    counts = np.ones((MAX_CLASSES, 8), dtype=int)
    counts[0] = 60_000
    return sk.models.NaiveBayes(counts.tolist(), [60_000] * MAX_CLASSES), list(range(_bound_len(MAX_CLASSES)))


def _cap_sparse_centroid() -> tuple[Any, Any]:
    x = _spread(_bound_len(2), sparse_nearest_centroid.VALUES_PER_WORD)
    activations = np.ones((2, x[-1] + 1), dtype=int)  # every stored word non-zero
    activations[0, x] = 10
    return sk.models.SparseNearestCentroid(activations.tolist(), [10, 10]), x


def _cap_sparse_centroid_classes() -> tuple[Any, Any]:
    """The review's 50 classes x 2,400 features (tests/test_sample_bound.py), at the bound: 119 active features."""
    classes, features = 50, 2_400
    activations = np.zeros((classes, features), dtype=int)
    for c in range(classes):
        activations[c, c * 45 : c * 45 + 6 * (c % 5 + 1)] = c % 7 + 1
    x = _spread(_bound_len(classes), sparse_nearest_centroid.VALUES_PER_WORD)
    return sk.models.SparseNearestCentroid(activations.tolist(), [10] * classes), x


CAP_CONFIGS: dict[str, Callable[[], tuple[Any, Any]]] = {
    f"dense-perceptron-{DENSE_MAX_FEATURES}": _cap_dense_perceptron,
    f"nearest-centroid-2x{CENTROID_MAX_FEATURES}": _cap_nearest_centroid,
    f"nearest-centroid-{MAX_CLASSES}x1": _cap_nearest_centroid_classes,
    f"sparse-perceptron-x{_bound_len(2)}": _cap_sparse_perceptron,
    f"naive-bayes-2-x{_bound_len(2)}": _cap_naive_bayes,
    f"naive-bayes-{MAX_CLASSES}-x{_bound_len(MAX_CLASSES)}": _cap_naive_bayes_classes,
    f"sparse-ncc-2-x{_bound_len(2)}": _cap_sparse_centroid,
    f"sparse-ncc-50x2400-x{_bound_len(50)}": _cap_sparse_centroid_classes,
}
CAP_OPERATIONS = ("deploy", "extend", "finalize", "trainer", "incentive", "add_agree", "refund", "add_update",
                  "report", "take")
CAP_TAKE_DELAY = 3_600  # Deposit-Refund-Take's two-step take: a report flags, one a delay later takes


def cap_story(config: str, backend: str = "revm") -> dict[str, tuple[int | None, int]]:
    """The worst case of ``config`` (in ``CAP_CONFIGS``) on a fresh chain: for each operation, its largest
    transaction's gas (None: refused, over the cap) and how many transactions it took."""
    model, x = CAP_CONFIGS[config]()
    chain = sk.Chain(backend=backend)
    result: dict[str, tuple[int | None, int]] = {}
    start = len(chain.gas_log)
    incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                any_address_claim_wait=sk.days(9), cost_weight=10**14,
                                                take_delay=CAP_TAKE_DELAY)
    trainer = sk.deploy(chain, model, incentive, name=config)
    log = chain.gas_log.iloc[start:]
    model_log = log[log["contract"] == model.contract_name]
    for op in ("deploy", "extend", "finalize"):
        gas = model_log["gas_used"][model_log["function"] == op]
        if len(gas):
            result[op] = (int(gas.max()), len(gas))
    result["trainer"] = (int(log["gas_used"][log["contract"] == "CollaborativeTrainer"].max()), 1)
    result["incentive"] = (int(log["gas_used"][log["contract"] == "DepositRefundTake"].max()), 1)

    def send(op: str, action: Callable[[], Any]) -> Any:
        try:
            out = action()
        except sk.Reverted as e:
            if "OutOfGas" not in str(e):
                raise
            result[op] = (None, 1)
            return None
        result[op] = (int(chain.last_receipt.gas_used), 1)
        return out

    agreeing = trainer.predict(x)
    good = send("add_agree", lambda: trainer.add_data(x, agreeing, sender=chain.alice))
    chain.travel(days=1)
    if good is not None:
        send("refund", lambda: trainer.refund(good, sender=chain.alice))
    if model.n_classes == 2:
        other = model.classes[1 - model.encode_label(agreeing)]
    elif isinstance(model, sk.models.SparseNearestCentroid):  # the class farthest from the sample
        numerators, denominators = trainer.classifier.call("squaredDistances", x)
        other = model.classes[int(np.argmax([n / d for n, d in zip(numerators, denominators)]))]
    else:  # class 0 is the sample's (Naive Bayes' counts, the nearest centroid), the last one far from it
        other = model.classes[-1]
    bad = send("add_update", lambda: trainer.add_data(x, other, sender=chain.bob))
    chain.travel(days=1)
    if bad is not None:
        if trainer.predict(x) == other:
            raise AssertionError(f"{config}: one update flipped the model; the report needs a margin")
        if send("report", lambda: trainer.report(bad, sender=chain.alice)) != 0:  # with take_delay: a flag
            raise AssertionError(f"{config}: the first report should only flag the contribution")
        chain.travel(seconds=CAP_TAKE_DELAY)
        if not send("take", lambda: trainer.report(bad, sender=chain.alice)):
            raise AssertionError(f"{config}: the take after the delay paid nothing")
    return {op: result[op] for op in CAP_OPERATIONS if op in result}


def cap_rows(configs: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows of {"config", "operation", "gas", "transactions"} for each worst-case model configuration (``gas``
    None: over the cap, refused)."""
    return [{"config": c, "operation": op, "gas": gas, "transactions": n}
            for c in (configs or list(CAP_CONFIGS)) for op, (gas, n) in cap_story(c).items()]


def market_cap_rows() -> list[dict[str, Any]]:
    """Rows of {"config", "operation", "gas", "transactions"}: the largest transaction of each stage of the
    audit's market (``transactions``: how many the stage sent), the no-op spam measurement and the Sybil
    removals (``transactions`` 0: a difference or a total over several transactions, not one transaction)."""
    _, _, stages, _ = audit_size_market()
    rows = [{"config": "market-1100x30-55-pieces", "operation": f"largest {name}", "gas": max(gas),
             "transactions": len(gas)} for name, gas in stages.items()]
    spam = no_op_spam()
    rows += [{"config": "market-500-rows-no-op", "operation": "add", "gas": spam["add"], "transactions": 1},
             {"config": "market-500-rows-no-op", "operation": "settle_per_no_op", "gas": spam["settle_per_no_op"],
              "transactions": 0}]
    removals = sybil_removals()
    rows += [{"config": "market-500-rows-6-sybils", "operation": f"settle total ({removals['replays']} replays)",
              "gas": removals["settle"], "transactions": 0},
             {"config": "market-500-rows-6-sybils", "operation": "largest settle", "gas": removals["largest"],
              "transactions": 1}]
    return rows


def market_cap_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table of ``cap_rows`` and ``market_cap_rows``: each operation's largest transaction next to the
    cap, with the headroom left (``txs``: how many transactions the operation sent)."""
    cap = TX_GAS_CAP
    header = f"{'config':<30} {'operation':<28} {'gas':>11} {'txs':>5} {'of the cap':>10} {'headroom':>11}"
    lines = [f"{header}   (cap: {cap:,} gas, EIP-7825)"]
    for r in rows:
        one = r["transactions"] > 0  # a transaction's gas (the largest of a stage), not a total or a difference
        if r["gas"] is None:
            lines.append(f"{r['config']:<30} {r['operation']:<28} {'> cap':>11} {r['transactions']:>5} "
                         f"{'':>10} {'':>11}  OVER THE CAP (refused: OutOfGas)")
            continue
        note = "  OVER THE CAP" if one and r["gas"] > cap else ""
        ratio = f"{r['gas'] / cap:.1%}" if one else ""
        headroom = f"{cap - r['gas']:,}" if one else ""
        txs = r["transactions"] or ""
        lines.append(f"{r['config']:<30} {r['operation']:<28} {r['gas']:>11,} {txs:>5} {ratio:>10} "
                     f"{headroom:>11}{note}")
    return "\n".join(lines)


def run(configs: list[str]) -> list[dict[str, Any]]:
    """Measure every config; returns rows of {"config", "operation", "gas"}."""
    return [{"config": c, "operation": op, "gas": g} for c in configs for op, g in measure(c).items()]


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table: one line per config and operation, with its ceiling and the ratio."""
    lines = [f"{'config':<26} {'operation':<24} {'gas':>11} {'ceiling':>11} {'of ceiling':>10}"]
    for r in rows:
        ceiling = CEILINGS.get(r["config"], {}).get(r["operation"])
        ratio = f"{r['gas'] / ceiling:.1%}" if ceiling else ""
        ceiling_text = f"{ceiling:,}" if ceiling else ""
        note = "  OVER" if ceiling and r["gas"] > ceiling else ""
        lines.append(f"{r['config']:<26} {r['operation']:<24} {r['gas']:>11,} {ceiling_text:>11} {ratio:>10}{note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gas", description="Gas used per SUM operation.")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE")
    parser.add_argument("--config", action="append", choices=sorted(CONFIGS), help="only these configs")
    args = parser.parse_args(argv)
    rows = run(args.config or list(CONFIGS))
    print(table(rows))
    if not args.config:
        cap = cap_rows() + market_cap_rows()
        for r in cap:  # in the JSON too: what one transaction leaves under the cap (None: refused, or not one)
            r["headroom"] = TX_GAS_CAP - r["gas"] if r["transactions"] and r["gas"] is not None else None
        print()
        print(market_cap_table(cap))
        rows = rows + cap
    write_json(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
