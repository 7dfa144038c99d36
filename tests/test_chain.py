"""sumkit.Chain: accounts, time, snapshots, the gas log, explicit gas limits."""

from __future__ import annotations

import pytest

import sumkit as sk
from sumkit.chain.chain import BLOCK_TIME, GENESIS_TIME, TX_GAS_LIMIT

from .conftest import NEGATIVE, POSITIVE, make_trainer


def test_named_accounts_are_funded(chain):
    names = [chain.owner, chain.alice, chain.bob, chain.carol, chain.mallory]
    assert len(set(names)) == 5 and len(chain.accounts) == 10
    assert all(chain.balance(a) == sk.ether(1_000_000) for a in names)
    assert chain.name_of(chain.mallory) == "mallory"


def test_clock_starts_fixed_and_each_block_takes_block_time(chain):
    assert chain.now == GENESIS_TIME + BLOCK_TIME
    trainer = make_trainer(chain)  # three deploy transactions, the incentive mechanism first
    assert list(chain.gas_log["block_time"]) == [GENESIS_TIME + BLOCK_TIME * k for k in range(1, 4)]
    assert chain.now == GENESIS_TIME + 4 * BLOCK_TIME
    assert trainer.incentive_contract.call("lastUpdateTime") == GENESIS_TIME + BLOCK_TIME


def test_travel_views_and_next_transaction_agree_on_the_time(chain):
    trainer = make_trainer(chain)
    last = trainer.incentive_contract.call("lastUpdateTime")
    for step in (dict(days=1), dict(hours=3, minutes=2), dict(seconds=1)):
        chain.travel(**step)
        now = chain.now
        quoted = trainer.next_deposit()  # a view, at the time views see
        assert quoted == trainer.incentive.deposit(now - last)  # ...which is chain.now
        c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
        assert c.added_at == now and c.deposit == quoted  # the transaction saw the same second
        assert chain.gas_log["block_time"].iloc[-1] == now
        last = now


def test_travel_rejects_going_back(chain):
    with pytest.raises(ValueError, match="forward"):
        chain.travel(seconds=-1)


def test_snapshot_undoes_state_time_and_log(chain):
    trainer = make_trainer(chain)
    before = (chain.balance(chain.alice), chain.now, len(chain.gas_log), chain.block_number)
    with chain.snapshot():
        c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
        chain.travel(days=3)
        assert chain.balance(chain.alice) < before[0]
    assert (chain.balance(chain.alice), chain.now, len(chain.gas_log), chain.block_number) == before
    # The chain keeps working after a revert, and the undone contribution is gone.
    with pytest.raises(sk.Reverted) as e:
        chain.travel(days=1)
        trainer.refund(c, sender=chain.alice)
    assert e.value.error == "UnknownContribution"
    trainer.add_data(POSITIVE, 1, sender=chain.alice)


def test_snapshot_restores_the_trainers_mirror_and_contributions(chain):
    trainer = make_trainer(chain)
    trainer.add_data(POSITIVE, 1, sender=chain.alice)
    weights, rows = list(trainer.model.weights), len(trainer.contributions())
    with chain.snapshot():
        trainer.add_data(NEGATIVE, 1, sender=chain.mallory)  # the model learns from this one
        assert trainer.model.weights != weights and len(trainer.contributions()) == rows + 1
    assert trainer.model.weights == weights and len(trainer.contributions()) == rows
    assert trainer.check_model()


def test_events_are_kept_in_order_filtered_and_undone_by_snapshots(chain):
    assert chain.events().empty
    trainer = make_trainer(chain)
    c = trainer.add_data(POSITIVE, 1, sender=chain.alice)
    added = chain.events("ContributionAdded")
    assert len(added) == 1 and added["contributor"][0] == chain.alice and added["key"][0] == c.key
    assert added["address"][0] == trainer.address and added["block"][0] == chain.last_receipt.block_number
    everything = chain.events()
    assert "OwnershipTransferred" in set(everything["event"]) and "ContributionAdded" in set(everything["event"])
    assert set(chain.events(address=trainer.incentive_contract.address)["event"]) == {"DepositCharged"}
    with chain.snapshot():
        trainer.add_data(POSITIVE, 1, sender=chain.bob)
        assert len(chain.events("ContributionAdded")) == 2
    assert len(chain.events("ContributionAdded")) == 1 and len(chain.events()) == len(everything)


def test_nested_snapshots(chain):
    trainer = make_trainer(chain)
    with chain.snapshot():
        trainer.add_data(POSITIVE, 1, sender=chain.alice)
        middle = chain.balance(chain.alice)
        with chain.snapshot():
            trainer.add_data(POSITIVE, 1, sender=chain.bob)
        assert chain.balance(chain.alice) == middle and len(chain.gas_log) == 4
    assert len(chain.gas_log) == 3


def test_gas_log_columns_and_explicit_gas_limit(chain):
    trainer = make_trainer(chain)
    log = chain.gas_log
    assert list(log.columns) == ["contract", "function", "sender", "gas_used", "block_time", "block"]
    assert list(log["contract"]) == ["DepositRefundTake", "DensePerceptron", "CollaborativeTrainer"]
    assert (log["sender"] == "owner").all() and (log["gas_used"] > 0).all()
    # Transactions carry an explicit limit: a limit below what addData needs makes it fail, readably.
    with pytest.raises(sk.Reverted, match="OutOfGas"):
        trainer.contract.transact("addData", [0, 0, 0], 1, sender=chain.alice, value=trainer.next_deposit(), gas=30_000)
    assert TX_GAS_LIMIT == 16_777_216  # EIP-7825's cap: what sumkit sends by default in process
    with pytest.raises(ValueError, match="invalid before it runs"):
        trainer.contract.transact("addData", [0, 0, 0], 1, sender=chain.alice, value=trainer.next_deposit(), gas=1_000)
    assert len(chain.gas_log) == 3


def test_free_calls_send_nothing(chain):
    trainer = make_trainer(chain)
    before = (chain.balance(chain.alice), len(chain.gas_log), chain.now)
    trainer.predict(POSITIVE)
    trainer.accuracy([POSITIVE], [1])
    assert (chain.balance(chain.alice), len(chain.gas_log), chain.now) == before


def test_value_and_sender_checks(chain):
    trainer = make_trainer(chain)
    with pytest.raises(ValueError, match="not an account"):
        trainer.add_data(POSITIVE, 1, sender="0x" + "12" * 20)
    with pytest.raises(ValueError, match="cannot send"):
        trainer.add_data(POSITIVE, 1, sender=chain.alice, value=sk.ether(2_000_000))


def test_deploy_rejects_interfaces(chain):
    with pytest.raises(ValueError, match="interface"):
        chain.deploy("IClassifier")


def test_units():
    assert sk.ether(0.1) == 10**17 and sk.ether("1.5") == 15 * 10**17
    assert sk.days(1) == 86_400 and sk.hours(2) == 7_200 and sk.minutes(3) == 180
    assert sk.format_ether(36 * 10**14) == "0.0036 ETH"
    with pytest.raises(ValueError):
        sk.ether("1e-19")


def test_new_accounts_are_funded_by_a_transfer_and_reproducible(chain):
    funder = chain.accounts[9]
    before = chain.balance(funder)
    eve = chain.new_account(sk.ether(3), name="eve")
    assert chain.balance(eve) == sk.ether(3) and chain.balance(funder) == before - sk.ether(3)
    assert chain.name_of(eve) == "eve" and eve in chain.accounts and len(chain.accounts) == 11
    assert list(chain.gas_log["function"]) == ["fund"] and chain.gas_log["gas_used"].iloc[0] == 21_000
    assert chain.last_receipt.function == "fund" and chain.last_receipt.gas_used == 21_000
    trainer = make_trainer(chain)
    c = trainer.add_data(POSITIVE, 1, sender=eve)  # the chain signs for the new account
    assert chain.balance(eve) == sk.ether(3) - c.deposit
    with chain.snapshot():
        temporary = chain.new_account(0)
    assert len(chain.accounts) == 11 and chain.new_account(0) == temporary  # same counter, same key
    assert sk.Chain().new_account(sk.ether(1)) == eve  # same calls on a fresh chain, same address
    with pytest.raises(ValueError, match="non-negative"):
        chain.new_account(-1)


def test_an_address_can_be_named(chain):
    chain.name_account(chain.carol.lower(), "instructor")  # any spelling of the address
    assert chain.name_of(chain.carol) == "instructor" and chain.account("instructor") == chain.carol
    chain.name_account(chain.bob, "bob")
    for bad in ("", "0xabc", None):
        with pytest.raises(ValueError, match="non-empty string not starting with 0x"):
            chain.name_account(chain.bob, bad)
    with pytest.raises(TypeError, match="an account is an address"):
        chain.name_account(12, "x")
    assert chain.name_of(chain.bob) == "bob"  # a refused name changes nothing


def test_runs_are_reproducible_down_to_the_block_hashes():
    """Same transactions on a fresh chain, same blocks: contracts that read block hashes (the prediction
    market's piece selection) behave the same in every run."""

    def head_hashes() -> list[bytes]:
        chain = sk.Chain()
        sk.deploy(chain, sk.models.DensePerceptron.from_floats([1.0, -1.0]))
        evm = chain.backend.tester.chain
        return [evm.get_canonical_block_by_number(n).hash for n in range(chain.block_number)]

    assert head_hashes() == head_hashes()


# Runtime code that writes one word at the memory offset given as its calldata (PUSH1 1, PUSH1 0, CALLDATALOAD,
# MSTORE, STOP): expanding memory costs quadratic gas, so 4 MB costs about 31M gas. Its init code returns it.
BURNER_RUNTIME = bytes.fromhex("600160003552" "00")
BURNER_INIT = bytes.fromhex("6007600c60003960076000f3") + BURNER_RUNTIME


@pytest.mark.parametrize("backend", ["py-evm", "revm"])
def test_work_above_the_eip_7825_cap_is_refused_whatever_the_gas_and_the_hint_says_split_it(backend):
    chain = sk.Chain(backend=backend)
    burner = chain.send_data(chain.owner, None, BURNER_INIT).contract_address
    assert chain.backend.code(burner) == BURNER_RUNTIME
    assert chain.send_data(chain.alice, burner, (1_000).to_bytes(32, "big")).gas_used < 100_000
    n_tx = len(chain.gas_log)
    with pytest.raises(sk.Reverted, match="OutOfGas") as refused:  # about 31M gas: fine in 2024, refused today
        chain.send_data(chain.alice, burner, (4_000_000).to_bytes(32, "big"))
    assert "EIP-7825" in refused.value.hint and "split the work" in refused.value.hint
    with pytest.raises(ValueError, match="EIP-7825"):
        chain.send_data(chain.alice, burner, (4_000_000).to_bytes(32, "big"), gas=30_000_000)
    assert len(chain.gas_log) == n_tx
