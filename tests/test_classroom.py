"""The class node: the gateway refuses every development-node family to students (each with its reason), lets the
instructor move time, caps transaction gas as a public mempool does, refuses oversized requests and batches and
keeps serving; join files hold only their own student's key; a student's chain refuses travel and snapshot; the
registry validates level instances on chain; a restarted class loses nothing that was mined."""

from __future__ import annotations

import json
import stat
import time
import urllib.error
import urllib.request

import pytest
from eth_account import Account

import sumkit as sk
from sumkit.classroom.gateway import MAX_BATCH, MAX_REQUEST_BYTES, TX_GAS_CAP
from tests.nodes import require_node

STUDENTS = ["ana", "ben"]


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    require_node()
    with sk.Classroom.start(students=STUDENTS, dir=tmp_path_factory.mktemp("class"), levels=("reentrancy",)) as started:
        yield started


@pytest.fixture(scope="module")
def ana(room):
    return sk.Chain.join(room.join_file("ana"))


def post(url: str, payload, raw: bytes | None = None) -> tuple[int, object]:
    body = raw if raw is not None else json.dumps(payload).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def rpc(url: str, method: str, params: list | None = None) -> dict:
    return post(url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})[1]


# -- join files ----------------------------------------------------------------------------------------
def test_each_join_file_holds_only_its_own_students_key(room):
    secrets = json.loads((room.dir / "instructor.json").read_text())
    files = {name: room.join_file(name).read_text() for name in STUDENTS}
    for name, text in files.items():
        info = json.loads(text)
        assert info["student"] == name and info["url"] == room.url
        assert Account.from_key(info["private_key"]).address == info["address"] == room.students[name]
        others = [n for n in STUDENTS if n != name]
        for other in others:
            other_info = json.loads(files[other])
            assert other_info["private_key"][2:].lower() not in text.lower()
            assert other_info["address"] not in text
        assert secrets["admin_token"] not in text and secrets["mnemonic"] not in text
        assert set(info["contracts"]) == {"registry", "trainer"}
        assert stat.S_IMODE(room.join_file(name).stat().st_mode) == 0o600
    assert stat.S_IMODE((room.dir / "instructor.json").stat().st_mode) == 0o600
    assert secrets["mnemonic"] != "test test test test test test test test test test test junk"


def test_a_joined_chain_signs_only_for_its_student(room, ana):
    assert ana.accounts == [room.students["ana"]]
    with pytest.raises(ValueError, match="not an account of this chain"):
        ana._transact(room.students["ben"], room.students["ana"], b"", value=1, gas=21_000, context=("x", "y"))
    assert rpc(room.url, "eth_accounts") == {"jsonrpc": "2.0", "id": 1, "result": []}


# -- the gateway's refusals, one family each ----------------------------------------------------------
@pytest.mark.parametrize("method, params, why", [
    ("evm_increaseTime", [86_400], "only the instructor may move the class clock"),
    ("evm_setNextBlockTimestamp", [2_000_000_000], "only the instructor may move the class clock"),
    ("evm_snapshot", [], "an undo would erase your classmates"),
    ("evm_revert", ["0x1"], "an undo would erase your classmates"),
    ("evm_mine", [], "control mining and time"),
    ("anvil_setBalance", ["0x" + "11" * 20, "0xffff"], "change the chain's state directly"),
    ("anvil_setCode", ["0x" + "11" * 20, "0x00"], "change the chain's state directly"),
    ("anvil_setStorageAt", ["0x" + "11" * 20, "0x0", "0x" + "00" * 32], "change the chain's state directly"),
    ("anvil_impersonateAccount", ["0x" + "11" * 20], "impersonation would let you send as any account"),
    ("anvil_autoImpersonateAccount", [True], "impersonation would let you send as any account"),
    ("anvil_mine", [], "development-node control method"),
    ("hardhat_setBalance", ["0x" + "11" * 20, "0xffff"], "development-node control method"),
    ("personal_unlockAccount", ["0x" + "11" * 20, "", 0], "keys held by the node"),
    ("eth_sendTransaction", [{"from": "0x" + "11" * 20}], "sign the transaction with your own key"),
    ("eth_sign", ["0x" + "11" * 20, "0x00"], "the node signs for nobody"),
    ("debug_setHead", ["0x1"], "debug methods can change"),
    ("miner_stop", [], "mining is the instructor's"),
    ("made_up_method", [], "not one of the methods a public node offers"),
])
def test_the_gateway_refuses_each_development_family_with_its_reason(room, method, params, why):
    answer = rpc(room.url, method, params)
    assert "result" not in answer
    assert answer["error"]["code"] == -32601
    assert method in answer["error"]["message"] and why in answer["error"]["message"]


def test_the_class_chain_says_what_it_can_do(room, ana):
    # Declared by the class backend, not probed from the node: a shared chain nobody undoes; only the instructor's
    # chain sets block times.
    assert ana.capabilities.shared and room.chain.capabilities.shared
    assert not ana.capabilities.time_control and room.chain.capabilities.time_control
    assert not ana.capabilities.snapshots and not room.chain.capabilities.snapshots
    assert ana.name_of(ana.owner) == "ana" and room.chain.name_of(room.students["ben"]) == "ben"
    assert room.chain.account("instructor") == room.chain.owner


def test_the_gateways_gas_cap_is_sumkits_and_a_students_chain_refuses_more(ana):
    from sumkit.chain.backends.base import TX_GAS_CAP as SUMKIT_CAP

    assert TX_GAS_CAP == SUMKIT_CAP == 2**24  # the gateway (its own process) keeps a copy of EIP-7825's cap
    nonce = ana.nonce(ana.owner)
    with pytest.raises(ValueError, match="16,777,217 is refused: its gas limit 16,777,217 is above 16,777,216"):
        ana.send_data(ana.owner, ana.owner, b"", gas=TX_GAS_CAP + 1)  # refused before sending, not silently capped
    assert ana.nonce(ana.owner) == nonce


def test_a_student_cannot_move_time_or_snapshot_and_the_instructor_can(room, ana):
    with pytest.raises(RuntimeError, match="only the instructor moves its clock"):
        ana.travel(days=10)
    with pytest.raises(RuntimeError, match="an undo would erase your classmates"):
        with ana.snapshot():
            pass
    before = ana.w3.eth.get_block("latest")["timestamp"]
    after = room.travel(days=2)
    assert after >= before + 2 * 86_400
    assert ana.w3.eth.get_block("latest")["timestamp"] == after  # everyone sees the instructor's clock at once
    # Between moves, time passes for real: a student's block a second later is past the instructor's last block,
    # and the next move starts from it.
    time.sleep(1.1)
    ana.send_data(ana.owner, ana.owner, b"", gas=30_000)
    latest = ana.w3.eth.get_block("latest")["timestamp"]
    assert latest > after
    assert room.travel(hours=1) >= latest + 3_600


def test_a_student_cannot_take_the_instructors_trainer(room, ana):
    trainer = sk.Trainer.at(ana, room.trainer.address)
    with pytest.raises(sk.Reverted):
        trainer.contract.transact("transferOwnership", ana.owner, sender=ana.owner)
    assert room.trainer.owner == room.chain.owner


def test_the_gateway_caps_transaction_gas_as_a_public_mempool_does(room, ana):
    key = json.loads(room.join_file("ben").read_text())["private_key"]
    ben = Account.from_key(key)
    nonce = ana.w3.eth.get_transaction_count(ben.address)
    fee = 2 * ana.w3.eth.get_block("latest")["baseFeePerGas"] + 10**9

    def signed(gas: int, nonce: int) -> str:
        tx = {"to": room.students["ana"], "value": 1, "gas": gas, "maxFeePerGas": fee, "maxPriorityFeePerGas": 10**9,
              "nonce": nonce, "chainId": ana.backend.chain_id, "type": 2}
        return "0x" + bytes(ben.sign_transaction(tx).raw_transaction).hex()

    refused = rpc(room.url, "eth_sendRawTransaction", [signed(TX_GAS_CAP + 1, nonce)])
    assert "16,777,217 exceeds the cap of 16,777,216 (EIP-7825)" in refused["error"]["message"]
    assert ana.w3.eth.get_transaction_count(ben.address) == nonce  # nothing was sent
    accepted = rpc(room.url, "eth_sendRawTransaction", [signed(TX_GAS_CAP, nonce)])
    assert ana.w3.eth.wait_for_transaction_receipt(accepted["result"])["status"] == 1


def test_oversized_requests_and_batches_are_refused_and_others_still_served(room):
    status, answer = post(room.url, None, raw=b"[" + b" " * (MAX_REQUEST_BYTES + 1) + b"]")
    assert status == 413 and "request too large" in answer["error"]["message"]
    calls = [{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber", "params": []} for i in range(MAX_BATCH + 1)]
    status, answer = post(room.url, calls)
    assert f"batch too large: {MAX_BATCH + 1} calls" in answer["error"]["message"]
    status, answers = post(room.url, calls[:3] + [{"jsonrpc": "2.0", "id": 9, "method": "evm_mine", "params": []}])
    assert [a["id"] for a in answers] == [0, 1, 2, 9]
    assert all("result" in a for a in answers[:3]) and "error" in answers[3]
    assert "result" in rpc(room.url, "eth_blockNumber")


def test_a_wrong_admin_token_is_not_the_instructor(room):
    status, answer = post(room.url + "/admin/" + "x" * 43, {"jsonrpc": "2.0", "id": 1, "method": "evm_mine"})
    assert status == 403 and "instructor's file only" in answer["error"]["message"]


# -- the registry ------------------------------------------------------------------------------------
def test_level_instances_count_only_when_validated_on_chain(room, ana):
    info = json.loads(room.join_file("ana").read_text())
    registry = ana.at(info["contracts"]["registry"], "ClassRegistry")
    mine = info["instances"]["reentrancy"]
    assert registry.call("instanceAt", mine)["student"] == ana.owner
    with pytest.raises(sk.Reverted, match="NotSolvedYet"):
        registry.transact("submitInstance", mine, sender=ana.owner)
    bens = json.loads(room.join_file("ben").read_text())["instances"]["reentrancy"]
    with pytest.raises(sk.Reverted, match="NotYourInstance"):
        registry.transact("submitInstance", bens, sender=ana.owner)
    with pytest.raises(sk.Reverted, match="NotInstructor"):
        registry.transact("createInstance", ana.owner, registry.address, "reentrancy", 0, 1, "0x" + "00" * 20,
                           sender=ana.owner)
    # Solve it for real: the reentrancy attacker drains the target (as in the lab).
    target = registry.call("instanceAt", mine)["target"]
    attacker = ana.deploy("ReentrancyAttacker", target, sender=ana.owner)
    attacker.transact("contribute", list(sk.lab.POSITIVE), 1, sender=ana.owner, value=sk.lab.DEPOSIT)
    room.travel(days=1, minutes=1)
    attacker.transact("attack", sender=ana.owner)
    receipt = registry.transact("submitInstance", mine, sender=ana.owner)
    assert receipt.event("LevelSolved")["student"] == ana.owner
    assert any(e["event"] == "LevelSolved" for e in room.chain.logs(address=room.registry.address))


def test_students_register_their_own_trainers(room, ana):
    info = json.loads(room.join_file("ana").read_text())
    registry = ana.at(info["contracts"]["registry"], "ClassRegistry")
    with pytest.raises(sk.Reverted, match="NoCode"):
        registry.transact("registerTrainer", ana.owner, "mine", sender=ana.owner)
    with pytest.raises(sk.Reverted, match="AlreadyListed"):
        registry.transact("registerTrainer", room.trainer.address, "mine", sender=ana.owner)


# -- the dashboard (its drawing is clicked in Chromium: tests/browser/test_classroom_in_jupyterlab.py) ----
def test_the_dashboard_says_what_the_chain_says(room, ana):
    data = sk.classroom.class_data()
    trainer = sk.Trainer.at(ana, room.trainer.address)
    trainer.add_data(data.X_train[60], data.y_train[60], sender=ana.owner)
    # Ana deploys her own design and registers it: the dashboard ranks it with the class model.
    own = sk.deploy(ana, sk.classroom.recipe.class_model(), sk.classroom.recipe.INCENTIVE, name="ana model")
    registry = ana.at(room.registry.address, "ClassRegistry")
    registry.transact("registerTrainer", own.address, "ana model", sender=ana.owner)
    own.add_data(data.X_train[61], 1 - data.y_train[61], sender=ana.owner)  # a wrong label: her model loses accuracy
    dashboard = room.dashboard()
    ranking = dashboard.trainers.value
    assert ">ana model</td>" in ranking and ">ana</td>" in ranking and ">instructor</td>" in ranking
    table = dashboard.stats().set_index("student")
    added = [c for t in (room.trainer, own) for c in t.added() if c.contributor == room.students["ana"]]  # every listed trainer
    assert table.loc["ana", "contributions"] == len(added) > 0
    assert table.loc["ana", "deposits"] == sum(c.deposit for c in added)
    solved = [e for e in room.chain.logs("LevelSolved", address=room.registry.address) if e["student"] == ana.owner]
    assert table.loc["ana", "levels"] == len(solved) and table.loc["ben", "levels"] == 0
    assert table.loc["ana", "balance"] == ana.balance(ana.owner)
    assert "ana" in dashboard.students.value and "class model" in dashboard.trainers.value
    assert ("ana solved level reentrancy" in dashboard.feed.value) == bool(solved)
    assert "ana added data to class model" in dashboard.feed.value and "DepositCharged" not in dashboard.feed.value
    before = room.now
    dashboard.wait.value = sk.hours(12)
    dashboard.travel()
    assert room.now >= before + sk.hours(12)
    assert "moved the class clock by 12 h" in dashboard.feed.value


def test_the_command_line_starts_a_class_and_warns_about_an_open_host(tmp_path):
    import subprocess
    import sys

    roster = tmp_path / "roster.txt"
    roster.write_text("ana\n# a comment\nben\n")
    command = [sys.executable, "-m", "sumkit.classroom", "start", "--roster", str(roster), "--dir", str(tmp_path / "c"),
               "--host", "0.0.0.0", "--levels", ""]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(4)]
        assert lines[0].startswith("class node: http://") and "(2 students)" in lines[0] and "0.0.0.0" not in lines[0]
        assert sorted(p.name for p in (tmp_path / "c" / "students").iterdir()) == ["ana.json", "ben.json"]
    finally:
        process.send_signal(2)  # Ctrl-C
        _, err = process.communicate(timeout=60)
    assert "WARNING: the class node listens on 0.0.0.0: anyone who can reach this address can read" in err
    assert process.returncode == 0


# -- notebook 09's checkers: right answers pass, wrong ones say what is wrong --------------------------
def test_notebook_09_checkers_say_what_is_wrong(room, ana):
    from sumkit import course

    trainer = sk.Trainer.at(ana, room.trainer.address)
    registry = ana.at(room.registry.address, "ClassRegistry")
    me = ana.owner

    assert course.evaluate("09.1", contribute=lambda t, x, y, who: t.add_data(x, y, sender=who), trainer=trainer,
                           me=me).status == "correct"
    wrong = course.evaluate("09.1", contribute=lambda t, x, y, who: t.add_data(x, 1 - y, sender=who), trainer=trainer,
                            me=me)
    assert wrong.status == "wrong" and "recorded with label" in wrong.feedback
    silent = course.evaluate("09.1", contribute=lambda t, x, y, who: None, trainer=trainer, me=me)
    assert silent.status == "wrong" and "no contribution of yours" in silent.feedback

    def first_of_level(registry, me, level):  # ignores whose instance it is
        for i in range(registry.call("instanceCount")):
            if registry.call("instanceAt", i)["level"] == level:
                return registry.call("instanceAt", i)["target"]

    def mine(registry, me, level):
        for i in range(registry.call("instanceCount")):
            instance = registry.call("instanceAt", i)
            if instance["student"] == me and instance["level"] == level:
                return instance["target"]

    assert course.evaluate("09.2", my_target=mine, registry=registry, me=me).status == "correct"
    assert registry.call("instanceAt", 0)["student"] == room.students["ana"]  # so for ben, the first is a classmate's
    result = course.evaluate("09.2", my_target=first_of_level, registry=registry, me=room.students["ben"])
    assert result.status == "wrong" and "classmate's target" in result.feedback

    def counts(w3, address, first=0):
        contract = w3.eth.contract(address=address, abi=sk.artifacts.load("CollaborativeTrainer")["abi"])
        found: dict[str, int] = {}
        for log in contract.events.ContributionAdded().get_logs(from_block=first):
            found[log["args"]["contributor"]] = found.get(log["args"]["contributor"], 0) + 1
        return found

    assert course.evaluate("09.3", contributions_per_account=counts, trainer=trainer).status == "correct"
    recent = course.evaluate("09.3", contributions_per_account=lambda w3, a: counts(w3, a, w3.eth.block_number),
                             trainer=trainer)
    assert recent.status == "wrong" and ("missing" in recent.feedback or "too low" in recent.feedback)
