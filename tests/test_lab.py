"""The attack lab: every level is won by its reference exploit, the same exploit fails on the fixed twin, and the lab
hands out hints one at a time and no solution. The reference exploits live here and in the notebook-05 answers
(notebooks/solutions/answers/05.py, loaded below): sumkit itself ships none."""

from __future__ import annotations

import pytest

import sumkit as sk
from sumkit import artifacts, lab
from sumkit.course import build
from tests.answers import reference_answers

NAMES = ["reentrancy", "own_attacker", "open_record", "tx_origin", "stale_prediction", "unchecked_take"]
# The custom error each reference exploit hits on the fixed twin.
FIXED_ERRORS = {
    "reentrancy": "Reentrancy",
    "own_attacker": "Reentrancy",
    "open_record": "NotTrainer",
    "tx_origin": "NotOwner",
    "stale_prediction": "ModelDisagrees",
    "unchecked_take": "NothingLeftToClaim",
}
WARNING = "DELIBERATELY VULNERABLE — for the attack lab only; never deploy"


ANSWERS = reference_answers("05")  # notebook 05's reference exploits, by name


def _exploit_tx_origin(level):
    phisher = level.deploy("AirdropPhisher", level.contract.address)
    level.lure(phisher.address)  # the owner signs; the phisher calls report(id) for every contribution


def _exploit_unchecked_take(level):
    chain, player, trainer = level.chain, level.player, level.contract
    good = trainer.transact("addData", list(lab.POSITIVE), 1, sender=player, value=lab.DEPOSIT).output
    chain.travel(seconds=lab.REFUND_WAIT)
    trainer.transact("refund", good, sender=player)  # now the player has good data too
    share = lab.DEPOSIT * trainer.call("numGoodData", player) // trainer.call("totalGoodData")
    while chain.balance(trainer.address) >= share:  # report again and again: claimable wraps around
        trainer.transact("report", level.ids["carol"], sender=player)


EXPLOITS = {
    "reentrancy": ANSWERS["drain"],
    "own_attacker": ANSWERS["drain_with_solidity"],
    "open_record": ANSWERS["forge"],
    "tx_origin": _exploit_tx_origin,
    "stale_prediction": ANSWERS["stale_refund"],
    "unchecked_take": _exploit_unchecked_take,
}


def test_levels_lists_every_level_with_a_one_line_goal():
    goals = lab.levels()
    assert list(goals) == NAMES
    assert all(goal and "\n" not in goal for goal in goals.values())


def test_the_lab_hands_out_no_solution():
    level = lab.level("reentrancy")
    assert not hasattr(lab, "exploits") and not hasattr(level, "solution")


def test_unknown_level_is_a_value_error_naming_the_valid_levels():
    with pytest.raises(ValueError, match="unknown level 'reentrancy2'.*reentrancy, own_attacker, open_record, tx_origin"):
        lab.level("reentrancy2")


def test_a_player_from_another_chain_or_the_owner_is_a_value_error():
    with pytest.raises(ValueError, match="not an account of this chain"):
        lab.level("reentrancy", player="0x" + "12" * 20)
    with pytest.raises(ValueError, match="not an account of this chain"):
        lab.level("reentrancy", player="mallory")
    chain = sk.Chain()
    with pytest.raises(ValueError, match="cannot be chain.owner"):
        lab.level("reentrancy", chain, player=chain.owner)
    assert lab.level("reentrancy", chain, player=chain.bob.lower()).player == chain.bob


def test_tx_origin_is_not_won_by_gains_elsewhere_on_the_chain():
    chain = sk.Chain()
    target = lab.level("tx_origin", chain)
    EXPLOITS["reentrancy"](lab.level("reentrancy", chain))  # Mallory gets richer elsewhere: that is not this level
    assert chain.balance(target.player) > target.start_balance and not target.validate()


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_exploit_wins_the_level(name):
    level = lab.level(name)
    assert not level.validate(), "a fresh level must not be won already"
    EXPLOITS[name](level)
    assert level.validate()


@pytest.mark.parametrize("name", NAMES)
def test_the_same_exploit_fails_against_the_fixed_twin(name):
    level = lab.level(name, fixed=True)
    with pytest.raises(sk.Reverted) as failure:
        EXPLOITS[name](level)
    assert failure.value.error == FIXED_ERRORS[name], failure.value.reason
    assert failure.value.hint
    assert not level.validate()
    assert level.chain.balance(level.contract.address) >= level.owed  # the victims can still be paid


def test_reentrancy_pays_the_same_refund_three_times():
    level = lab.level("reentrancy")
    start = level.chain.balance(level.player)
    attacker = level.deploy("ReentrancyAttacker", level.contract.address)
    attacker.transact("contribute", list(lab.POSITIVE), 1, sender=level.player, value=lab.DEPOSIT)
    level.chain.travel(days=1)
    receipt = attacker.transact("attack", sender=level.player)
    assert attacker.call("timesPaid") == 3
    assert receipt.gas_used < 200_000  # three refunds for the gas of one transaction (178,549 measured)
    attacker.transact("withdraw", sender=level.player)
    assert level.chain.balance(level.player) - start == level.owed == 2 * lab.DEPOSIT
    assert level.chain.balance(level.contract.address) == 0


def test_after_a_failed_attack_the_fixed_twin_still_refunds_the_victims():
    level = lab.level("reentrancy", fixed=True)
    with pytest.raises(sk.Reverted):
        EXPLOITS["reentrancy"](level)
    alice = level.chain.alice
    before = level.chain.balance(alice)
    level.contract.transact("refund", level.ids["alice"], sender=alice)
    assert level.chain.balance(alice) - before == lab.DEPOSIT


def test_tx_origin_sends_the_forgotten_deposits_to_the_thief_not_the_owner():
    level = lab.level("tx_origin")
    owner_before = level.chain.balance(level.chain.owner)
    EXPLOITS["tx_origin"](level)
    assert level.chain.balance(level.player) - level.start_balance == 2 * lab.DEPOSIT
    assert level.chain.balance(level.chain.owner) == owner_before
    with pytest.raises(ValueError, match="tx_origin"):
        lab.level("reentrancy", level.chain).lure(level.contract.address)


def test_unchecked_take_wraps_the_claimable_amount_around():
    level = lab.level("unchecked_take")
    EXPLOITS["unchecked_take"](level)
    carol = level.contract.call("contribution", level.ids["carol"])
    assert carol["claimable"] > carol["deposit"]  # 2**96 minus a bit: the subtraction underflowed
    fixed = lab.level("unchecked_take", fixed=True)
    with pytest.raises(sk.Reverted):
        EXPLOITS["unchecked_take"](fixed)
    assert fixed.contract.call("contribution", fixed.ids["carol"])["claimable"] == 0


def test_stale_prediction_refunds_data_the_model_disagrees_with():
    level = lab.level("stale_prediction")
    EXPLOITS["stale_prediction"](level)
    table = level.contributions()
    bad = table[(table.contributor == "mallory") & (table.label == 1)].iloc[0]
    assert bad.refunded and not bad.model_agrees


def test_levels_share_a_chain_and_honest_mistakes_get_hints():
    chain = sk.Chain()
    first, second = lab.level("reentrancy", chain), lab.level("unchecked_take", chain)
    assert first.chain is second.chain is chain and first.contract.address != second.contract.address
    with pytest.raises(sk.Reverted) as wrong:
        first.contract.transact("addData", list(lab.POSITIVE), 1, sender=chain.mallory, value=1)
    assert wrong.value.error == "WrongDeposit" and "1 ETH" in wrong.value.hint
    with pytest.raises(sk.Reverted) as missing:
        first.contract.transact("refund", 99, sender=chain.mallory)
    assert missing.value.error == "NoSuchContribution"
    with pytest.raises(sk.Reverted) as other:
        first.contract.transact("refund", first.ids["alice"], sender=chain.mallory)
    assert other.value.error == "NotContributor"


@pytest.mark.parametrize("name", NAMES)
def test_describe_shows_the_goal_not_the_hints_and_excerpt_shows_the_bug(name):
    level = lab.level(name)
    text = level.describe()
    assert level.goal in text and "level.hint()" in text
    assert not any(hint in text for hint in lab._SPECS[name].hints)
    assert "BUG" in level.excerpt() and "FIX" in level.excerpt(fixed=True)
    assert level.fix


@pytest.mark.parametrize("name", NAMES)
def test_hints_come_one_at_a_time_and_the_last_is_not_code(name):
    level = lab.level(name)
    every = lab._SPECS[name].hints
    assert len(every) >= 2 and level.hints == ()
    for n in range(1, len(every) + 1):
        shown = level.hint()
        assert shown.startswith(f"Hint {n}/{len(every)}: ") and every[n - 1] in shown
        assert level.hints == every[:n] and every[n - 1] not in level.describe()
    assert "No more hints" in level.hint() and level.hints == every
    last = every[-1]
    assert "(" not in last, "the last hint names the idea, not the calls"
    assert ".transact" not in last and "sender=" not in last


def test_own_attacker_accepts_only_a_compiled_artifact():
    level = lab.level("own_attacker")
    with pytest.raises(ValueError, match="write the attacker yourself"):
        level.deploy("ReentrancyAttacker", level.contract.address)
    with pytest.raises(TypeError, match="artifact"):
        level.deploy(42)
    assert level.owed == 3 * lab.DEPOSIT and level.chain.balance(level.contract.address) == level.owed


def test_own_attacker_is_not_won_while_the_loot_sits_in_the_attacker_contract():
    level = lab.level("own_attacker")
    chain, player = level.chain, level.player
    attacker = chain.deploy("ReentrancyAttacker", level.contract.address, sender=player)  # past level.deploy's refusal
    attacker.transact("contribute", list(lab.POSITIVE), 1, sender=player, value=lab.DEPOSIT)
    chain.travel(days=1)
    attacker.transact("attack", sender=player)
    assert chain.balance(level.contract.address) == 0 and attacker.call("timesPaid") == 4
    assert not level.validate()  # emptied, but the deposits are in the contract, not in the player's account
    attacker.transact("withdraw", sender=player)
    assert level.validate() and chain.balance(player) - level.start_balance == level.owed == 3 * lab.DEPOSIT


def test_every_vulnerable_contract_carries_the_warning():
    vulnerable = {"ReentrantRefundTrainer", "OpenRecordHandler", "TxOriginTrainer", "StalePredictionTrainer",
                  "UncheckedTakeTrainer"}
    for name in vulnerable:
        artifact = artifacts.load(name)
        assert WARNING in artifact["userdoc"]["notice"], name
        assert WARNING in (artifacts.CONTRACTS.parent / artifact["sourceName"]).read_text()


def test_the_notebook_has_exercises_and_no_solution_code():
    import nbformat

    nb = nbformat.read(artifacts.ROOT / "notebooks" / "05_attack_lab.ipynb", as_version=4)
    assert not [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert "sk.lab.exploits" not in "".join(c.source for c in nb.cells)
    assert sorted(build.exercise_cells(nb)) == ["05.1", "05.2", "05.3", "05.4"]
    assert sum("# your code here" in c.source for c in nb.cells if c.cell_type == "code") == 2  # the practice levels
