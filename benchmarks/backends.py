"""Milliseconds per ``addData`` transaction and per view call, and the gas of each, on every way to run the
same contracts: sumkit's in-process driver (py-evm), web3.py over EthereumTesterProvider (explicit gas), a
local development node (Anvil, through sumkit), and revm when it is importable.

    python -m benchmarks.backends [--adds 40] [--views 100] [--json FILE]

The goal: the in-process driver takes at most 0.6x the time of web3.py + EthereumTesterProvider.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import sumkit as sk
from sumkit.chain.chain import contract_address

from . import write_json

GOAL = 0.6  # in-process time / web3.py + EthereumTesterProvider time, at most
WEIGHTS, INTERCEPT = [10.0, -10.0, 0.0, 1.0, -1.0, 0.5, 2.0, -2.0], -0.5
X = [1.0, 0.0, 0.5, -0.25, 0.75, 0.0, 1.5, -1.0]
INCENTIVE = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), cost_weight=10**14)


def _ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def through_sumkit(chain: sk.Chain, adds: int, views: int) -> dict[str, Any]:
    """Time sumkit's own path: a raw ``addData`` transaction (deposit from the mirror of the incentive), and
    ``predict`` views."""
    model = sk.models.DensePerceptron.from_floats(WEIGHTS, INTERCEPT)
    trainer = sk.deploy(chain, model, INCENTIVE)
    x = model.encode(X)
    add_times, gas = [], []
    for _ in range(adds):
        value = trainer.next_deposit()
        start = time.perf_counter()
        receipt = trainer.contract.transact("addData", x, 1, sender=chain.alice, value=value)
        add_times.append(time.perf_counter() - start)
        gas.append(receipt.gas_used)
    view_times = []
    for _ in range(views):
        start = time.perf_counter()
        trainer.contract.call("predict", x)
        view_times.append(time.perf_counter() - start)
    return {"add_ms": _ms(add_times), "view_ms": _ms(view_times), "deploy_gas": list(chain.gas_log["gas_used"][:3]),
            "add_gas": gas}


def through_web3_eth_tester(adds: int, views: int) -> dict[str, Any]:
    """The same with plain web3.py over EthereumTesterProvider (the same py-evm and accounts), explicit gas."""
    from eth_tester import EthereumTester
    from web3 import EthereumTesterProvider, Web3

    from sumkit.chain.backends.pyevm import PyEvmBackend

    backend = PyEvmBackend(start_time=sk.chain.GENESIS_TIME)
    w3 = Web3(EthereumTesterProvider(EthereumTester(backend=backend.tester)))
    owner, alice = backend.accounts[0], backend.accounts[1]
    clock = iter(range(sk.chain.GENESIS_TIME + sk.chain.BLOCK_TIME, 2**40, sk.chain.BLOCK_TIME))

    def next_block_at_sumkits_time() -> None:  # same block times as sumkit's clock, so the same gas
        evm = backend.tester.chain
        evm.header = evm.header.copy(timestamp=next(clock))

    model = sk.models.DensePerceptron.from_floats(WEIGHTS, INTERCEPT)
    trainer_address = contract_address(owner, w3.eth.get_transaction_count(owner) + 2)
    ctor_args, _ = model.deploy_steps(trainer_address)

    def deploy(name: str, *args: Any) -> Any:
        artifact = sk.artifacts.load(name)
        factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        next_block_at_sumkits_time()
        tx_hash = factory.constructor(*args).transact({"from": owner, "gas": sk.chain.TX_GAS_LIMIT})
        receipt = w3.eth.get_transaction_receipt(tx_hash)
        return w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"]), receipt["gasUsed"]

    incentive, g1 = deploy(INCENTIVE.contract_name, *INCENTIVE.constructor_args(trainer_address))
    classifier, g2 = deploy(model.contract_name, *ctor_args)
    trainer, g3 = deploy("CollaborativeTrainer", "SUM model", "", incentive.address, classifier.address, owner)
    x = model.encode(X)
    add_times, gas = [], []
    for _ in range(adds):
        next_block_at_sumkits_time()
        value = trainer.functions.nextDeposit().call({"from": owner}, block_identifier="pending")
        start = time.perf_counter()
        tx_hash = trainer.functions.addData(x, 1).transact({"from": alice, "value": value, "gas": sk.chain.TX_GAS_LIMIT})
        receipt = w3.eth.get_transaction_receipt(tx_hash)
        add_times.append(time.perf_counter() - start)
        gas.append(receipt["gasUsed"])
    view_times = []
    for _ in range(views):
        start = time.perf_counter()
        trainer.functions.predict(x).call()
        view_times.append(time.perf_counter() - start)
    return {"add_ms": _ms(add_times), "view_ms": _ms(view_times), "deploy_gas": [g1, g2, g3], "add_gas": gas}


def drivers(adds: int, views: int) -> dict[str, Callable[[], dict[str, Any]]]:
    """Every driver to measure here, by name (the node and revm only when available)."""
    found: dict[str, Callable[[], dict[str, Any]]] = {
        "sumkit in process (py-evm)": lambda: through_sumkit(sk.Chain(), adds, views),
        "web3.py + EthereumTesterProvider": lambda: through_web3_eth_tester(adds, views),
    }
    try:
        sk.Chain(backend="revm")
        found["sumkit in process (revm)"] = lambda: through_sumkit(sk.Chain(backend="revm"), adds, views)
    except ImportError as e:
        print(f"revm: not measured ({e})")

    def on_node() -> dict[str, Any]:
        with sk.LocalNode() as node:
            return through_sumkit(sk.Chain.connect(node.url), adds, views)

    try:
        sk.node.find_anvil()
        found["sumkit on a local node (Anvil)"] = on_node
    except sk.node.NodeNotAvailable as e:
        print(f"local node: not measured ({e})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.backends", description=__doc__.splitlines()[0])
    parser.add_argument("--adds", type=int, default=40, help="addData transactions per driver")
    parser.add_argument("--views", type=int, default=100, help="view calls per driver")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    rows = []
    for name, run in drivers(args.adds, args.views).items():
        result = run()
        rows.append({"driver": name, **result})
    reference = rows[0]
    print(f"{'driver':<34} {'addData ms':>11} {'view ms':>9} {'deploy gas':>28} {'addData gas':>12} {'same gas':>9}")
    for row in rows:
        same = row["deploy_gas"] == reference["deploy_gas"] and row["add_gas"] == reference["add_gas"]
        row["same_gas_as_in_process"] = same
        deploy_gas = "/".join(f"{g:,}" for g in row["deploy_gas"])
        print(f"{row['driver']:<34} {row['add_ms']:>11.2f} {row['view_ms']:>9.2f} {deploy_gas:>28} "
              f"{statistics.median(row['add_gas']):>12,.0f} {'yes' if same else 'NO':>9}")
    web3_row = next(r for r in rows if r["driver"].startswith("web3.py"))
    ratio = reference["add_ms"] / web3_row["add_ms"]
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"in-process addData time / web3.py + EthereumTesterProvider: {ratio:.2f} (goal <= {GOAL}: {verdict})")
    write_json(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
