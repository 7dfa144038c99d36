"""The class node under load, and what its gateway costs.

    python -m benchmarks.classroom [--students 30] [--adds 10] [--calls 200] [--json FILE]

Starts a class, then ``--students`` student processes, each joining with its own file and sending ``--adds``
contributions to the class trainer at once (signed with its key, consecutive nonces, all sent before any
receipt is awaited). Reports: how many succeeded, the wall time and throughput (contributions mined per
second, from the first send to the last receipt), whether every student saw the same contributions in the same
order and the mirror matched the chain, how long the students took to prepare, send and read; and the gateway's
overhead per request (median ms of an ``eth_blockNumber`` and of an ``eth_call`` request, each one HTTP request
on a kept-alive connection, straight to the node and through the gateway).

The student processes are forked from a server process that imported sumkit once (multiprocessing's
"forkserver"), as a class's kernels have each imported it before the class starts, and they get their rows from
this process: 30 imports of sumkit and scikit-learn (about 2.5 s of CPU each, mostly eth-account, web3 and
scikit-learn) would otherwise be most of the run on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import statistics
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from . import write_json

WAIT_FOR_ALL = 300  # seconds to wait for receipts, and for the students' last answers


def student(path: str, samples: list[tuple[list[float], int]], barrier: Any) -> dict[str, Any]:
    """One student process: join and prepare; when everyone is ready (``barrier``) send one contribution per
    sample (features, label) at once (signed with the student's key, consecutive nonces, all sent before any receipt is awaited); when every
    student's are mined (``barrier`` again) read the trainer's contributions once."""
    from eth_account import Account
    from web3 import Web3

    import sumkit as sk
    from sumkit.classroom.recipe import INCENTIVE

    chain = sk.Chain.join(path)
    info = json.loads(Path(path).read_text())
    trainer = sk.Trainer.at(chain, info["contracts"]["trainer"])
    signer = Account.from_key(info["private_key"])
    w3 = Web3(Web3.HTTPProvider(info["url"]))
    add = trainer.contract._signature("addData")
    nonce = w3.eth.get_transaction_count(signer.address)
    tip = 10**9
    fee = 3 * w3.eth.get_block("latest")["baseFeePerGas"] + tip
    deposit = INCENTIVE.deposit(1)  # the most a contribution can cost: enough whoever is mined before it
    txs = []
    for i, (features, label) in enumerate(samples):
        calldata = add.encode_call([trainer.model.encode(features), trainer.model.encode_label(label)])
        tx = {"to": trainer.address, "data": "0x" + calldata.hex(), "value": deposit, "gas": 400_000,
              "maxFeePerGas": fee, "maxPriorityFeePerGas": tip, "nonce": nonce + i, "chainId": info["chain_id"],
              "type": 2}
        txs.append(signer.sign_transaction(tx).raw_transaction)
    barrier.wait(WAIT_FOR_ALL)
    started = time.time()
    hashes = [w3.eth.send_raw_transaction(raw) for raw in txs]
    statuses = [w3.eth.wait_for_transaction_receipt(h, timeout=WAIT_FOR_ALL, poll_latency=0.05)["status"] for h in hashes]
    finished = time.time()
    barrier.wait(WAIT_FOR_ALL)
    keys = [c.key for c in trainer.added()]
    return {"student": info["student"], "succeeded": sum(statuses), "sent": len(txs), "started": started,
            "finished": finished, "seen": len(keys), "unique": len(set(keys)),
            "order": hashlib.sha256("".join(keys).encode()).hexdigest(), "check_model": trainer.check_model()}


def _student_process(path: str, samples: list[tuple[list[float], int]], barrier: Any, results: Any) -> None:
    try:
        results.put(student(path, samples, barrier))
    except BaseException:  # noqa: BLE001 - the parent reports it
        barrier.abort()  # nobody waits for this student any more
        results.put({"error": f"{Path(path).stem}: {traceback.format_exc()[-2000:]}"})


def run_load(room: Any, adds: int) -> dict[str, Any]:
    """Every student of ``room`` in a process of their own, sending at the same moment; what they all saw."""
    from sumkit.classroom.recipe import class_data

    names = list(room.students)
    before = len(room.trainer.added())
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sumkit", "web3", "eth_account"])  # this module is small: each child imports it
    barrier = context.Barrier(len(names) + 1)  # the students and this process, which times the phases
    answers = context.Queue()
    data = class_data()  # each student's rows, chosen here: the students need no scikit-learn
    rows = [[(50 + i * adds + j) % len(data.y_train) for j in range(adds)] for i in range(len(names))]
    processes = [context.Process(target=_student_process, name=f"student {n}", args=(
        str(room.join_file(n)), [(data.X_train[r].tolist(), int(data.y_train[r])) for r in rows[i]], barrier, answers))
                 for i, n in enumerate(names)]
    began = time.time()
    phases = []
    try:
        for p in processes:
            p.start()
        for _step in ("prepared", "mined"):
            _wait_for_students(barrier, processes, answers)
            phases.append(time.time())
        results = [answers.get(timeout=WAIT_FOR_ALL) for _ in processes]
        phases.append(time.time())
        failed = [r["error"] for r in results if "error" in r]
        if failed:
            raise RuntimeError(f"a student process failed: {failed[0]}")
    finally:
        for p in processes:
            if p.pid is None:
                continue  # never started
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()
    start, end = min(r["started"] for r in results), max(r["finished"] for r in results)
    succeeded = sum(r["succeeded"] for r in results)
    return {"students": len(names), "adds_each": adds, "sent": sum(r["sent"] for r in results),
            "succeeded": succeeded, "expected_total": before + succeeded,
            "seen_by_all": sorted({r["seen"] for r in results}), "unique_seen": sorted({r["unique"] for r in results}),
            "orders": len({r["order"] for r in results}), "all_mirrors_match": all(r["check_model"] for r in results),
            "seconds": round(end - start, 2), "per_second": round(succeeded / (end - start), 1),
            "prepare_seconds": round(phases[0] - began, 1), "send_seconds": round(phases[1] - phases[0], 1),
            "read_seconds": round(phases[2] - phases[1], 1)}


def _wait_for_students(barrier: Any, processes: list[Any], answers: Any) -> None:
    """Pass ``barrier`` once every student waits at it; a student process that ended before (it failed) or
    ``WAIT_FOR_ALL`` seconds without everyone raise, with the first student's error."""
    deadline = time.monotonic() + WAIT_FOR_ALL
    while barrier.n_waiting < len(processes):
        if any(p.exitcode is not None for p in processes) or time.monotonic() > deadline:
            barrier.abort()
            errors = []
            while not answers.empty():
                answer = answers.get()
                if "error" in answer:
                    errors.append(answer["error"])
            raise RuntimeError(f"a student process failed: {errors[0] if errors else 'no answer in time'}")
        time.sleep(0.05)
    barrier.wait(WAIT_FOR_ALL)


def overhead(room: Any, calls: int) -> list[dict[str, Any]]:
    """Median ms per JSON-RPC request (one HTTP request each, on a kept-alive connection) straight to the node and
    through the gateway."""
    import requests

    trainer = room.trainer
    data = "0x" + trainer.contract._signature("predict").encode_call([trainer.model.encode([0.0] * 30)]).hex()
    rows = []
    for request, method, params in (("eth_blockNumber", "eth_blockNumber", []),
                                    ("eth_call predict", "eth_call", [{"to": trainer.address, "data": data}, "latest"])):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        row: dict[str, Any] = {"request": request}
        for where, url in (("node", room.node.url), ("gateway", room.url)):
            session = requests.Session()
            samples = []
            for _ in range(calls + 1):
                t = time.perf_counter()
                answer = session.post(url, data=body, headers={"Content-Type": "application/json"}).json()
                samples.append(time.perf_counter() - t)
                if "result" not in answer:
                    raise RuntimeError(f"{request} through the {where} failed: {answer}")
            row[f"{where}_ms"] = round(1000 * statistics.median(samples[1:]), 3)  # the first opens the connection
        row["overhead_ms"] = round(row["gateway_ms"] - row["node_ms"], 3)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classroom", description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--adds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    import sumkit as sk

    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        with sk.Classroom.start(students=args.students, dir=folder, levels=()) as room:
            setup = time.perf_counter() - t
            load = run_load(room, args.adds)
            rows = overhead(room, args.calls)
    print(f"class of {args.students} started in {setup:.1f} s (class trainer and registry deployed, no lab levels)")
    print(f"load: {load['succeeded']}/{load['sent']} contributions succeeded in {load['seconds']} s "
          f"({load['per_second']} per second through the gateway); every student saw {load['seen_by_all']} "
          f"contributions, {load['orders']} distinct order(s); mirrors match the chain: {load['all_mirrors_match']}")
    print(f"student processes: prepared (joined, attached, signed) in {load['prepare_seconds']} s, sent and got every "
          f"receipt in {load['send_seconds']} s, read the trainer's history in {load['read_seconds']} s")
    print(f"{'request':<18}{'node ms':>10}{'gateway ms':>12}{'overhead ms':>13}")
    for row in rows:
        print(f"{row['request']:<18}{row['node_ms']:>10.3f}{row['gateway_ms']:>12.3f}{row['overhead_ms']:>13.3f}")
    write_json([{"kind": "load", **load}, *({"kind": "overhead", **row} for row in rows)], args.json)


if __name__ == "__main__":
    main()
