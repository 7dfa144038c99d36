# %% 00.1
def send_payment(w3, key, to, wei):
    """Send wei to `to`, signed with `key`; return the receipt."""
    account = Account.from_key(key)
    tx = {"to": to, "value": wei, "gas": 21_000, "chainId": w3.eth.chain_id,
          "nonce": w3.eth.get_transaction_count(account.address),
          "maxFeePerGas": 2 * 10**9, "maxPriorityFeePerGas": 10**9}
    tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash)


pay = send_payment

# %% 00.2
def my_fee_split(gas_used, base_fee, max_fee, max_tip):
    """(burned, tip) in wei, or None if max_fee is below the base fee."""
    if max_fee < base_fee:
        return None
    tip_per_gas = min(max_tip, max_fee - base_fee)
    return gas_used * base_fee, gas_used * tip_per_gas


fee_split = my_fee_split

# %% 00.3
POLL = """
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title One vote per address, three choices.
contract Poll {
    error AlreadyVoted(address voter);
    error NoSuchChoice(uint8 choice);

    event Voted(address indexed voter, uint8 choice);

    mapping(address => bool) public hasVoted;
    uint256[3] public votes;

    function vote(uint8 choice) external {
        if (choice >= 3) revert NoSuchChoice(choice);
        if (hasVoted[msg.sender]) revert AlreadyVoted(msg.sender);
        hasVoted[msg.sender] = true;
        votes[choice] += 1;
        emit Voted(msg.sender, choice);
    }
}
"""
poll_source = POLL

# %% 00.4
VAULT = """
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Keeps ether for each depositor; withdraw sends it all back.
contract Vault {
    error NothingToWithdraw();
    error TransferFailed();

    event Deposited(address indexed who, uint256 amount);
    event Withdrawn(address indexed who, uint256 amount);

    mapping(address => uint256) public balanceOf;

    function deposit() public payable {
        balanceOf[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    receive() external payable {
        deposit();
    }

    function withdraw() external {
        uint256 amount = balanceOf[msg.sender];          // checks
        if (amount == 0) revert NothingToWithdraw();
        balanceOf[msg.sender] = 0;                       // effects
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = msg.sender.call{value: amount}(""); // interactions
        if (!ok) revert TransferFailed();
    }
}
"""
vault_source = VAULT
