// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IMarketEntry
/// @notice What `ReentrantWithdrawer` calls: the trainer's `addData` and the market's `withdraw`.
interface IMarketEntry {
    /// @notice Adds a sample with its label, paying the stake.
    /// @param x The encoded sample.
    /// @param label Its label.
    /// @return key The contribution's key.
    function addData(int64[] calldata x, uint64 label) external payable returns (bytes32 key);
    /// @notice Withdraws what the caller is owed.
    /// @return amount The wei paid.
    function withdraw() external returns (uint256 amount);
}

/// @title ReentrantWithdrawer
/// @notice FOR TESTS ONLY: a malicious contributor. It contributes through the trainer, and when the
/// prediction market pays it, its `receive` hook calls `withdraw` again, hoping to be paid twice. The
/// re-entry's failure is caught, so the outer payment goes through and the test can check that the
/// attacker got exactly what it was owed, once.
contract ReentrantWithdrawer {
    /// @notice The most times the hook re-enters.
    uint256 public constant MAX_REENTRIES = 3;

    /// @notice The trainer the attacker contributes to.
    IMarketEntry public immutable trainer;
    /// @notice The market it attacks.
    IMarketEntry public immutable market;
    /// @notice How many times the hook tried to re-enter `withdraw`.
    uint256 public reentries;
    /// @notice How many of those re-entries succeeded (the attack's goal).
    uint256 public reentriesSucceeded;
    /// @notice Wei received from the market.
    uint256 public received;

    /// @notice The hook re-entered `withdraw`; `ok` tells whether it succeeded.
    event Reentered(bool ok);

    /// @param trainer_ The `CollaborativeTrainer`.
    /// @param market_ Its `PredictionMarket`.
    constructor(address trainer_, address market_) {
        trainer = IMarketEntry(trainer_);
        market = IMarketEntry(market_);
    }

    /// @notice Contributes `x` with `label`, paying the ether sent as the stake.
    /// @param x The encoded sample.
    /// @param label Its label.
    function contribute(int64[] calldata x, uint64 label) external payable {
        trainer.addData{value: msg.value}(x, label);
    }

    /// @notice Withdraws from the market (the hook then tries to withdraw again).
    function attack() external {
        market.withdraw();
    }

    /// @notice Counts what the market pays and re-enters `withdraw` from inside the payment.
    receive() external payable {
        if (msg.sender != address(market)) return;
        received += msg.value;
        if (reentries < MAX_REENTRIES) {
            reentries += 1;
            (bool ok,) = address(market).call(abi.encodeCall(IMarketEntry.withdraw, ()));
            if (ok) reentriesSucceeded += 1;
            emit Reentered(ok);
        }
    }
}
