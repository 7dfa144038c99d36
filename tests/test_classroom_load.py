"""The class node under load and when its automine stalls.

30 student processes, each joining with its own file and sending 10 contributions at once through the class
gateway: all 300 are mined, every student then sees the same 300 contributions in the same order, and every
student's mirror matches the chain. (Throughput and the gateway's overhead are measured by
``python -m benchmarks.classroom``, not here.)

The pinned Anvil's automine can leave accepted transactions unmined under such a burst (foundry-rs/foundry#10122;
the race is explained in :class:`sumkit.classroom.gateway.Flusher`): once in two full CI runs a receipt never
came. The gateway's flusher mines or re-sends them; two tests put the node in each stalled state on purpose
(automine off, for a ready transaction nobody mines; a queued transaction whose nonce is already its account's
next, the state the race leaves) and check the flusher gets them mined without moving the class clock.
"""

from __future__ import annotations

import json
import time
import urllib.request

from eth_account import Account

import sumkit as sk
from benchmarks.classroom import run_load
from sumkit.classroom.gateway import STALL_SECONDS
from tests.nodes import require_node

STUDENTS, ADDS = 30, 10


def rpc(url: str, method: str, params: list) -> dict:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": "application/json"}), timeout=30) as a:
        return json.loads(a.read())


def receipt(url: str, tx_hash: str, within: float) -> dict | None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = rpc(url, "eth_getTransactionReceipt", [tx_hash])["result"]
        if found:
            return found
        time.sleep(0.1)
    return None


def send(room: sk.Classroom, key: str, nonce: int, value: int = 1) -> str:
    """A student's plain transfer at ``nonce``, signed and sent through the class gateway: its hash."""
    base = int(rpc(room.url, "eth_getBlockByNumber", ["latest", False])["result"]["baseFeePerGas"], 16)
    tx = {"to": room.chain.owner, "value": value, "gas": 21_000, "maxFeePerGas": 3 * base + 10**9,
          "maxPriorityFeePerGas": 10**9, "nonce": nonce, "chainId": room.chain.backend.chain_id, "type": 2}
    answer = rpc(room.url, "eth_sendRawTransaction", ["0x" + Account.from_key(key).sign_transaction(tx).raw_transaction.hex()])
    assert "result" in answer, answer
    return answer["result"]


def flushes(room: sk.Classroom) -> list[str]:
    log = room.dir / "node" / "gateway.log"
    return log.read_text().splitlines() if log.exists() else []


def test_a_ready_transaction_the_node_does_not_mine_is_mined_at_the_nodes_own_time(tmp_path):
    require_node()
    with sk.Classroom.start(students=["ana"], dir=tmp_path, levels=(), trainer=False) as room:
        key = json.loads(room.join_file("ana").read_text())["private_key"]
        before = rpc(room.node.url, "eth_getBlockByNumber", ["latest", False])["result"]
        assert "error" not in rpc(room.node.url, "evm_setAutomine", [False])  # the node stops mining by itself
        started = time.time()
        tx_hash = send(room, key, 0)
        mined = receipt(room.url, tx_hash, within=10 * STALL_SECONDS + 10)
        assert mined is not None and int(mined["status"], 16) == 1
        waited = time.time() - started
        assert waited >= STALL_SECONDS  # nobody mined it before the flusher's wait
        block = rpc(room.url, "eth_getBlockByNumber", [mined["blockNumber"], False])["result"]
        # the class clock did not jump: the block's time is the node's clock, the previous block's plus real time
        assert 0 <= int(block["timestamp"], 16) - int(before["timestamp"], 16) <= waited + 2
        assert any("ready" in line and "mined a block" in line for line in flushes(room))


def test_a_transaction_queued_behind_a_nonce_already_used_is_resent_and_a_real_gap_is_left_alone(tmp_path):
    require_node()
    with sk.Classroom.start(students=["ana"], dir=tmp_path, levels=(), trainer=False) as room:
        key = json.loads(room.join_file("ana").read_text())["private_key"]
        ana = room.students["ana"]
        stuck = send(room, key, 1)  # nonce 0 not sent yet: queued, as it should be
        ahead = send(room, key, 3)  # a real gap (nonce 2 is never sent): stays queued on any node
        # The race's end state: the account's next nonce is already 1 (as if nonce 0 was mined while nonce 1 was
        # being checked), while nonce 1 waits in the queue for nonce 0, which nobody will send again.
        assert "result" in rpc(room.node.url, "anvil_setNonce", [ana, hex(1)])
        mined = receipt(room.url, stuck, within=10 * STALL_SECONDS + 10)
        assert mined is not None and int(mined["status"], 16) == 1
        assert any("re-sent 2 stuck" in line for line in flushes(room))
        time.sleep(3 * STALL_SECONDS)  # the flusher keeps looking: the gap is not its to fill
        assert rpc(room.url, "eth_getTransactionReceipt", [ahead])["result"] is None
        queued = rpc(room.node.url, "txpool_content", [])["result"]["queued"]
        assert [int(n) for n in next(iter(queued.values()))] == [3]
        assert int(rpc(room.url, "eth_getTransactionCount", [ana, "latest"])["result"], 16) == 2


def test_thirty_students_sending_ten_contributions_at_once(tmp_path):
    require_node()
    with sk.Classroom.start(students=STUDENTS, dir=tmp_path, levels=()) as room:
        load = run_load(room, ADDS)
        assert load["succeeded"] == load["sent"] == STUDENTS * ADDS
        assert load["seen_by_all"] == load["unique_seen"] == [STUDENTS * ADDS]
        assert load["orders"] == 1  # the same contributions in the same order for everyone
        assert load["all_mirrors_match"]
        assert len(room.trainer.added()) == STUDENTS * ADDS and room.trainer.check_model()
        contributors = {c.contributor for c in room.trainer.added()}
        assert contributors == set(room.students.values())
