"""Reverts, decoded: every failure of a contract surfaces as :class:`Reverted`.

``reason`` says what the contract said (a custom error with its arguments, a ``require`` message or
a panic); ``hint`` says, in a learner's words, what went wrong and what to do next.

>>> try:
...     trainer.refund(c, sender=chain.alice)          # doctest: +SKIP
... except Reverted as e:
...     print(e.reason)                                # TooEarly(availableAt=..., now=...)
...     print(e.hint)                                  # The wait is not over: try again in 23 h 59 min ...
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import eth_abi

from .abi import Signature, known_errors
from .units import format_duration, format_ether, format_ether_apart

ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string), what `require(cond, "message")` reverts with
PANIC = bytes.fromhex("4e487b71")  # Panic(uint256), what failed asserts and checked arithmetic revert with

PANICS = {
    0x01: "an assert failed",
    0x11: "an arithmetic operation overflowed or underflowed",
    0x12: "division or modulo by zero",
    0x21: "an invalid enum value",
    0x22: "a corrupt storage byte array",
    0x31: "pop() on an empty array",
    0x32: "an array index out of bounds",
    0x41: "too much memory was allocated",
    0x51: "a call to an uninitialised function",
}


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _required_and_sent(a: dict[str, Any]) -> tuple[str, str]:
    """The amounts of a revert's ``required`` and ``sent`` arguments, formatted so that they never read the same."""
    return format_ether_apart(a["required"], a["sent"])


HINTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "DepositTooLow": lambda a: (
        "This contribution needs a deposit of {} but {} was sent. ".format(*_required_and_sent(a)) +
        "Send at least the required deposit (trainer.next_deposit() tells the current price; "
        "it falls the longer nobody adds data)."
    ),
    "TooEarly": lambda a: (
        f"The wait is not over: try again in {format_duration(a['availableAt'] - a['now'])} "
        f"(at {_when(a['availableAt'])}). On the test chain you can skip ahead with chain.travel(...)."
    ),
    "ModelDisagrees": lambda a: (
        "The model does not (yet) predict your label for this sample, so your deposit is not refunded. "
        "Check trainer.predict(x): a refund needs the model to agree with your data."
    ),
    "ModelAgrees": lambda a: (
        "The model agrees with this contribution, so its deposit cannot be taken: only data the model "
        "now disagrees with can be reported."
    ),
    "NoGoodData": lambda a: (
        f"{a['reporter']} has no refunded (good) contribution yet. Add data the model agrees with, claim "
        "its refund after the wait, and then you may take from bad contributions."
    ),
    "CannotTakeOwnContribution": lambda a: (
        "You cannot take your own deposit. Ask for a refund with trainer.refund(...) instead (it needs "
        "the model to agree with your data)."
    ),
    "InvalidWaits": lambda a: (
        f"The waits must satisfy refund_wait ({format_duration(a['refundWait'])}) < owner_claim_wait "
        f"({format_duration(a['ownerClaimWait'])}) <= any_address_claim_wait "
        f"({format_duration(a['anyAddressClaimWait'])}): a contributor needs time to claim the refund before the "
        "owner or anyone may take the deposit."
    ),
    "SampleTooLarge": lambda a: (
        f"This sample has {a['length']} values (active features for a sparse model) and the model {a['numClasses']} "
        f"classes: ({a['length']} + 1) x {a['numClasses']} = {(a['length'] + 1) * a['numClasses']:,} > {a['max']:,}. "
        "Adding it (the model writes every feature) or predicting it (every refund and report needs that) would not "
        "fit in a transaction, so its deposit could never come out: send fewer active features."
    ),
    "TooManyClasses": lambda a: (
        f"The model has {a['numClasses']:,} classes; a trainer takes at most {a['max']:,}. Every prediction costs gas "
        "per class: with more, a refund could not fit in a transaction. Group rare classes together."
    ),
    "FeatureOutOfRange": lambda a: (
        f"Feature {a['index']} of this sample is {a['value'] / 1e9:,g}, outside the model's bound "
        f"+-{a['featureBound'] / 1e9:,g} (fixed at deployment): a shared model trains only on values in range, so "
        "that one huge sample cannot drag it away from everyone else's data. Scale your features like the "
        "training data."
    ),
    "NonPositiveFeatureBound": lambda a: (
        f"The feature bound must be positive; got {a['featureBound'] / 1e9:g} (fixed point {a['featureBound']})."
    ),
    "RefundWindowTooShort": lambda a: (
        f"The refund window owner_claim_wait - refund_wait is {format_duration(a['window'])}; it must be at least "
        f"refund_wait ({format_duration(a['min'])}), so contributors have as long to claim a refund as they waited "
        "for it. Raise owner_claim_wait to at least twice refund_wait."
    ),
    "ModelUpdatedThisBlock": lambda a: (
        "Data was added to the model in this same block, so its verdict is not read now: one transaction could "
        "otherwise flip the model, claim and flip it back. Send the refund or report again in a later block."
    ),
    "NonPositiveLearningRate": lambda a: (
        f"The learning rate must be positive; got {a['learningRate'] / 1e9:g} (fixed point {a['learningRate']})."
    ),
    "ClockWentBackwards": lambda a: "The block time went backwards; use a fresh chain.",
    "UnknownContribution": lambda a: (
        "No open contribution matches this sample, label, contributor and time. Either it was already "
        "refunded (a refund closes a contribution: its record is deleted, so each deposit is refunded once), "
        "or the data differ: pass the Contribution returned by add_data unchanged (the contract recognises it "
        "by its exact data); only its contributor can refund it, others may report it."
    ),
    "DuplicateContribution": lambda a: (
        "You already added this exact sample and label in this same second. Wait a second and try again."
    ),
    "AlreadyRefunded": lambda a: "This contribution was already refunded: each deposit is refunded once.",
    "AlreadyTaken": lambda a: (
        "You already took your share of this contribution. Each reporter takes from a contribution once."
    ),
    "NothingLeftToClaim": lambda a: (
        "Nothing is left of this contribution's deposit: it was all refunded or taken already, or it never "
        "had one (under Points adding is free, so there is nothing to take: bad data simply earns no point)."
    ),
    "ReportNotSupported": lambda a: (
        "Points has no deposits, so there is nothing to take: report is not part of Points. Earn points "
        "with your own good data instead: trainer.refund(c, sender=...) after the wait."
    ),
    "DepositTooLarge": lambda a: f"A deposit of {format_ether(a['deposit'])} is more than a record can hold.",
    "PayoutTooLarge": lambda a: "A payout was larger than what is left of the deposit (a contract bug).",
    "NotOwner": lambda a: f"Only the owner ({a['owner']}) may do this; {a['caller']} is not the owner.",
    "ZeroOwner": lambda a: "The owner cannot be the zero address.",
    "NotTrainer": lambda a: (
        "Components (model, incentive mechanism) only obey their CollaborativeTrainer: call "
        "the trainer, not the component."
    ),
    "ModelNotFinalized": lambda a: (
        "The model was deployed in chunks but its setup was not finished. Resume the deployment "
        "(sumkit.deploy raises DeployInterrupted with a resume() method) so every chunk is sent and finalize() is called."
    ),
    "NotDeployer": lambda a: (
        f"Only the account that deployed the model ({a['deployer']}) may send its remaining parameters."
    ),
    "AlreadyFinalized": lambda a: (
        "The model's setup is finished: its parameters are locked, and only the trainer's update rule changes them."
    ),
    "ZeroTrainer": lambda a: "A component needs the address of the trainer it belongs to.",
    "ComponentNotBound": lambda a: (
        f"The component {a['component']} was deployed for {a['boundTo']}, not for this trainer. "
        "Deploy with sumkit.deploy(...), which wires everything up."
    ),
    "Reentrancy": lambda a: "A payout called back into the trainer before it finished; that is refused.",
    "PaymentFailed": lambda a: (
        f"Sending {format_ether(a['amount'])} to {a['to']} failed, so nothing was changed: either the paying "
        "contract holds less ether than it owes, or the receiver is a contract that refused the ether."
    ),
    "WrongFeatureCount": lambda a: (
        f"The model needs {a['expected']} features per sample but got {a['got']}. Check the shape of x."
    ),
    "LabelOutOfRange": lambda a: (
        f"Label {a['label']} does not exist: this model's labels are 0 to {a['numClasses'] - 1}."
    ),
    "FeatureIndexOutOfRange": lambda a: (
        f"Feature index {a['index']} (at position {a['position']}) does not exist: this model has {a['numFeatures']} "
        f"features, so a sparse sample holds indices from 0 to {a['numFeatures'] - 1}."
    ),
    "FeatureIndicesNotIncreasing": lambda a: (
        f"A sparse sample lists the indices of its active features in increasing order, each once: {a['index']} "
        f"(at position {a['position']}) follows {a['previous']}. Send sorted(set(x)) (sumkit's models do it for you "
        "when you pass x through model.encode)."
    ),
    "ParameterOverflow": lambda a: (
        f"Updating parameter {a['index']} would leave the contract's int48 storage range (about +-140,737). Use smaller feature "
        "values (scale your data) or a smaller learning rate."
    ),
    "InvalidModelShape": lambda a: (
        f"A nearest-centroid model needs at least two classes and one packed word per four values (centroids and "
        f"counts); got {a['numWords']} words for {a['numClasses']} classes. Build it with "
        "sk.models.NearestCentroid.from_sklearn(...) and deploy it with sumkit.deploy(...)."
    ),
    "TooFewClasses": lambda a: (
        f"A nearest-centroid model needs at least two classes; got {a['numClasses']}. Build it with "
        "sk.models.SparseNearestCentroid.from_sklearn(...)."
    ),
    "EmptyClass": lambda a: (
        f"Class {a['label']} has a count of 0, so it has no centroid (activations / count). Give every class at "
        "least one sample (from_sklearn(est, y=y_train) counts them for you)."
    ),
    "ActivationsOverflow": lambda a: (
        f"Class {a['label']} has already seen feature {a['feature']} active 131,071 times, the most its 17-bit "
        "storage holds: this sample cannot be added to that class."
    ),
    "WordsOutOfRange": lambda a: (
        f"Words {a['firstWord']} to {a['firstWord'] + a['count'] - 1} are not all parameter words: this model has "
        f"{a['numWords']} (0 to {a['numWords'] - 1}). Deploy with sumkit.deploy(...), which sends the chunks for you."
    ),
    "MalformedWord": lambda a: (
        f"Packed word {a['index']} has a bit set outside its parameters' value bits: each 42-bit field keeps its top "
        "(guard) bit 0, and the word's top 4 bits are 0. Pack words with the mirror's packed_words(), or deploy with "
        "sumkit.deploy(...), which does it for you."
    ),
    "ParameterOutOfRange": lambda a: (
        f"Updating parameter {a['index']} would give {a['value'] / 1e9:,.3f}, outside what its packed storage holds "
        f"({a['min'] / 1e9:,.3f} to {a['max'] / 1e9:,.3f}). This sample cannot be learned; retrain the model with a "
        "smaller learning rate (or a regularised estimator) so its parameters stay smaller."
    ),
    "InvalidLearningRate": lambda a: (
        f"The learning rate must be positive and at most {a['max'] / 1e9:,.3f} (fixed point {a['max']}); got "
        f"{a['learningRate'] / 1e9:g}."
    ),
    "InvalidShape": lambda a: (
        f"Naive Bayes needs at least two classes and one feature; got {a['numClasses']} classes and "
        f"{a['numFeatures']} features. Build it with sk.models.NaiveBayes.from_sklearn(...) or NaiveBayes.empty(...)."
    ),
    "InvalidAlpha": lambda a: (
        f"The smoothing alpha must lie between 1e-9 and {a['max'] / 1e9:g} (fixed point 1 to {a['max']}); got "
        f"{a['alpha'] / 1e9:g}."
    ),
    "CountOverflow": lambda a: (
        f"Class {a['label']} cannot learn this sample: a count would pass {a['max']:,}, the most its storage holds "
        "(a feature's count per class is 16-bit, class counts and totals 32-bit)."
    ),
    # attack lab (sumkit.teaching.lab, contracts/lab/)
    "WrongDeposit": lambda a: (
        "Every contribution to this lab trainer pays exactly {}; {} was sent. Pass value=sk.lab.DEPOSIT.".format(
            *_required_and_sent(a))
    ),
    "NoSuchContribution": lambda a: (
        f"There is no contribution {a['id']}: ids go from 0 to {a['count'] - 1} ({a['count']} so far). "
        "level.contributions() lists them."
    ),
    "NotContributor": lambda a: (
        f"Only the contributor ({a['contributor']}) may claim this refund, not {a['caller']}."
    ),
    "NotAttacker": lambda a: "Only the account that deployed this attacker contract may use it: send as level.player.",
    "ForwardFailed": lambda a: f"The attacker contract could not forward {format_ether(a['amount'])} to its deployer.",
    # -- PredictionMarket --------------------------------------------------------------------------
    "NotSponsor": lambda a: (
        f"Only the sponsor ({a['sponsor']}) may do this; {a['caller']} is not the sponsor. The sponsor is the "
        "trainer's owner: it commits the test set and the bounty, and reveals the pieces."
    ),
    "InvalidTestSet": lambda a: (
        f"A test set needs 2 to 255 pieces of at least one row, and 1 <= reveal < pieces (got {a['pieces']} pieces of "
        f"{a['rowsPerPiece']} rows, {a['revealCount']} to reveal first)."
    ),
    "InvalidBounty": lambda a: (
        f"The bounty ({format_ether(a['bounty'])}) must be positive and a multiple of the {a['testRows']} evaluation "
        "rows, so that every reward is a whole number of wei."
    ),
    "SelectionNotReady": lambda a: (
        "The pieces to reveal first are drawn from the hash of the commitment's block, known only from the next "
        "block: send another transaction first."
    ),
    "SelectionExpired": lambda a: (
        "The commitment's block is more than 256 blocks old, so its hash (which picks the pieces to reveal first) is "
        "gone: the sponsor can no longer open participation, and after the reveal window anyone may forfeit."
    ),
    "UnknownPiece": lambda a: (
        f"There is no test piece {a['index']}: the test set has {a['count']} pieces (0 to {a['count'] - 1})."
    ),
    "PieceNotRequested": lambda a: (
        f"Piece {a['index']} is not to be revealed now: first the pieces the contract selected "
        "(trainer.market.selected()), after the end the others."
    ),
    "PieceAlreadyRevealed": lambda a: f"Piece {a['index']} was already revealed: each piece is revealed once.",
    "PieceCountMismatch": lambda a: (
        f"{a['indices']} piece indices but {a['pieces']} pieces were sent: send one piece per index."
    ),
    "WrongPieceShape": lambda a: (
        f"Piece {a['index']} has {a['rows']} rows and {a['labels']} labels, but every piece was committed with "
        f"{a['expected']} of each."
    ),
    "PieceMismatch": lambda a: (
        f"Piece {a['index']} does not match the hash committed for it: its rows or labels differ from what the "
        "sponsor committed to (even one changed value changes the hash). Reveal the piece exactly as committed."
    ),
    "InvalidTestRow": lambda a: (
        f"Row {a['row']} of piece {a['index']} is not a valid sample for this model (wrong number of features, or "
        "a label the model does not have): a test set the model cannot read is refused."
    ),
    "StakeTooLow": lambda a: (
        "Each contribution to this prediction market stakes {}; {} was sent. ".format(*_required_and_sent(a))
        + "trainer.add_data(...) pays the stake for you (trainer.next_deposit() tells it)."
    ),
    "SameSecondContribution": lambda a: (
        "You already contributed in this block: a prediction market takes one contribution per contributor per "
        "block time. Send the next one in a later block."
    ),
    "TooEarlyToEnd": lambda a: (
        f"Participation can end at {_when(a['endsAt'])} (in {format_duration(a['endsAt'] - a['now'])}) or after "
        f"{a['minContributions']} contributions ({a['count']} so far). On the test chain, chain.travel(...) skips "
        "ahead."
    ),
    "RevealWindowOpen": lambda a: (
        f"The sponsor may still reveal until {_when(a['deadline'])} (in {format_duration(a['deadline'] - a['now'])}): "
        "the market can be forfeited only after that."
    ),
    "WrongInitCode": lambda a: (
        "The replay model's init code does not match the hash fixed at deployment: every replay must start from "
        "the initial model h_0. trainer.market.settle(...) sends the right one."
    ),
    "ReplayModelFailed": lambda a: (
        "The replay copy of the model could not be created (or is not finalized): send settle with more gas."
    ),
    "ContributionDataMissing": lambda a: (
        f"settle needs the sample of contribution {a['index']}, but the call carried contributions {a['first']} to "
        f"{a['first'] + a['count'] - 1}. trainer.market.settle(...) sends the right window."
    ),
    "ContributionDataMismatch": lambda a: (
        f"The sample sent for contribution {a['index']} is not the one that was added: the replay must use "
        "exactly the data that trained the model."
    ),
    "ReplayOutOfGas": lambda a: (
        "A model call ran out of gas during the replay, which would make the result depend on the gas sent: "
        "send settle with more gas (or a smaller batch)."
    ),
    "NothingToWithdraw": lambda a: (
        f"{a['account']} has nothing to withdraw from the market: it made no contribution, was removed by the "
        "settlement, or already withdrew. The sponsor's bounty is never returned: what is not earned is burned."
    ),
    "UseMarketWithdraw": lambda a: (
        "In a prediction market stakes are not refunded or taken through the trainer: after the settlement, "
        "call trainer.market.withdraw(sender=...)."
    ),
    "UnexpectedEther": lambda a: "Only the trainer sends ether to the market (the stakes it collects).",
    "PieceTooLarge": lambda a: (
        f"A piece of {a['rowsPerPiece']} rows of up to {a['maxRowLength']} values may take {a['gasBound']:,} gas to "
        f"evaluate, more than the {a['maxGas']:,} one settlement step may take (every transaction must fit "
        "16,777,216 gas). Cut the test set in more, smaller pieces."
    ),
    # The class registry (contracts/classroom/ClassRegistry.sol, notebook 09)
    "NotInstructor": lambda a: (
        f"Only the class's instructor ({a['instructor']}) may do this: publishing the class's trainers and handing "
        "out level instances is theirs. Register your own trainer with registerTrainer(address, name) instead."
    ),
    "NoCode": lambda a: (
        f"{a['account']} holds no contract code, so it cannot be listed as a trainer or a level's target: check the "
        "address (deploy first, then register what sk.deploy returned: trainer.address)."
    ),
    "AlreadyListed": lambda a: (
        f"The trainer {a['trainer']} is already in the class registry: each trainer is listed once. Read the "
        "registry's list to find it."
    ),
    "EmptyName": lambda a: "A listing needs a name to show on the class dashboard: pass a non-empty name.",
    "UnknownInstance": lambda a: (
        f"There is no level instance {a['id']}: the registry holds {a['count']} (ids 0 to {a['count'] - 1}). Your "
        "own instances are listed in your join file and in the registry's InstanceCreated events."
    ),
    "NotYourInstance": lambda a: (
        f"Level instance {a['id']} belongs to {a['student']}, not to you ({a['caller']}): each student submits only "
        "their own instance. Find yours in your join file."
    ),
    "AlreadySolved": lambda a: f"Level instance {a['id']} is solved already: its LevelSolved event is on chain.",
    "NotSolvedYet": lambda a: (
        f"Level instance {a['id']} is not solved yet: its goal is not met on chain (its target holds "
        f"{format_ether(a['targetBalance'])} and owes {format_ether(a['owed'])} to others). Submit again once your "
        "attack has met the level's goal (the instructor guide's table says what the registry checks per level)."
    ),
    "SubmitAnotherWay": lambda a: (
        f"Level instance {a['id']} is judged while it happens, not by submitInstance: "
        + {1: "own_attacker: call submitAttack(id, yourContract); the registry calls yourContract.attack() and "
              "watches the ether.",
           2: "tx_origin: call offerAirdrop(id, yourContract); the owner claims it when the instructor hands out "
              "airdrops."}.get(a["goal"], "this level is submitted with submitInstance(id).")
    ),
    "NoFrozenModel": lambda a: (
        "A stale_prediction instance needs a frozen copy of its model (a DensePerceptron bound to the registry), "
        "whose verdict says which label is right: deploy one and pass its address."
    ),
    "AlreadyDrained": lambda a: (
        f"The target of instance {a['id']} holds {format_ether(a['held'])}, less than the {format_ether(a['owed'])} "
        "it owes: it was drained before your attack, so your attack cannot be seen doing it. Ask the instructor for "
        "a new instance (room.new_instance(name, level))."
    ),
    "TargetNotEmptied": lambda a: (
        f"Your attack left {format_ether(a['left'])} in the target of instance {a['id']}: it must empty it. Keep "
        "asking while the target holds at least one deposit, and start from a contribution of your contract's own."
    ),
    "LootNotReceived": lambda a: (
        f"The target lost {format_ether(a['lost'])} but your account gained only {format_ether(a['gained'])}: the "
        "loot must reach your own account in the same call. Send it on from your contract to you (not to the "
        "contract's caller: that is the registry or the owner), and use a contract you deployed."
    ),
    "NotEnoughGasForClaim": lambda a: (
        f"An airdrop claim needs {a['needed']:,} gas left when it starts (it gave {a['left']:,}), so that the offered "
        "contract always gets all the gas it may use: send it with a higher gas limit (room.claim_airdrops() does)."
    ),
    "NoAirdropOffered": lambda a: (
        f"No airdrop is offered for instance {a['id']}: the student offers one first with offerAirdrop(id, contract)."
    ),
    "NothingSwept": lambda a: (
        f"The owner claimed your airdrop, but nothing left the target of instance {a['id']}: point your contract at "
        "your own instance's target (registry.instanceAt(id)['target']) and check that the owner's wait has passed."
    ),
    "NotTargetOwner": lambda a: (
        f"Only the owner of instance {a['id']}'s target ({a['owner']}) claims its airdrop, not {a['caller']}: the "
        "instructor runs room.claim_airdrops(), which signs as each target's owner."
    ),
    "OnlyRegistry": lambda a: (
        "judgeAirdrop is part of claimAirdrop and only the registry calls it: the instructor runs "
        "room.claim_airdrops()."
    ),
    "TestRowTooLong": lambda a: (
        f"Row {a['row']} of piece {a['index']} has {a['length']} values, more than the {a['maxRowLength']} the "
        "sponsor committed to: the piece cannot be revealed as it is."
    ),
    "PieceTooCostly": lambda a: (
        f"Evaluating piece {a['index']} took {a['gasUsed']:,} gas, more than the {a['maxGas']:,} one settlement "
        "step may take (so that every settlement transaction fits a block). Commit the test set in smaller pieces: "
        "trainer.market.commit_test_set(...) checks this before sending."
    ),
    "RevealWindowOutOfRange": lambda a: (
        f"reveal_window must be from {format_duration(a['min'])} to {format_duration(a['max'])} (got "
        f"{format_duration(a['revealWindow'])}): with less, anyone could forfeit the market before the sponsor "
        "can reveal."
    ),
    "MinDurationOutOfRange": lambda a: (
        f"min_duration must be from {format_duration(a['min'])} to {format_duration(a['max'])} (got "
        f"{format_duration(a['minDuration'])}): with less, anyone could end participation before anyone can "
        "contribute."
    ),
    "MinContributionsZero": lambda a: (
        "min_contributions must be at least 1: with 0, anyone could end participation the moment it opens."
    ),
    "SettlementNotStalled": lambda a: (
        f"The settlement is still making progress: it may be abandoned only if nobody pushes it until "
        f"{_when(a['deadline'])} (in {format_duration(a['deadline'] - a['now'])}). Push it instead with "
        "trainer.market.settle(sender=...)."
    ),
    "TestPieceMissing": lambda a: (
        f"settle needs evaluation piece {a['index']} next (with its salt), and the call did not carry it. "
        "trainer.market.settle(...) sends the pieces in the order they are needed."
    ),
}


class Reverted(Exception):
    """A transaction or call reverted.

    Attributes: ``reason`` (the contract's words: error name and arguments, a require message or a
    panic), ``hint`` (what went wrong and what to do), ``error`` (the custom error's name or None),
    ``args_`` (its arguments), ``data`` (the raw revert data) and ``contract``/``function`` when known.
    """

    def __init__(
        self,
        reason: str,
        hint: str,
        *,
        error: str | None = None,
        args: dict[str, Any] | None = None,
        data: bytes = b"",
        contract: str | None = None,
        function: str | None = None,
    ) -> None:
        self.reason = reason
        self.hint = hint
        self.error = error
        self.args_ = dict(args or {})
        self.data = data
        self.contract = contract
        self.function = function
        where = f"{contract}.{function}: " if contract and function else ""
        super().__init__(f"{where}{reason}\nHint: {hint}")


def add_hint(error: str, hint: Callable[[dict[str, Any]], str]) -> None:
    """Give the custom error ``error`` a hint (a function of its decoded arguments): the module that knows what a
    learner should do next registers it (for example :mod:`sumkit.incentives.prediction_market` for the market's
    ``WrongPhase``)."""
    HINTS[error] = hint


GENERIC_HINT = "The contract refused this transaction; nothing was changed. Check its rules and your inputs."


def decode_revert(data: bytes, *, errors: dict[bytes, Signature] | None = None, **context: Any) -> Reverted:
    """Turn raw revert data into a :class:`Reverted`, custom errors decoded against ``errors`` (selector ->
    signature, e.g. ``sumkit.plumbing.abi.errors(abi)``; default: the errors of sumkit's own contracts)."""
    data = bytes(data)
    selector, body = data[:4], data[4:]
    if selector == ERROR_STRING:
        message = eth_abi.decode(["string"], body)[0]
        return Reverted(message, f"The contract said: {message!r}. {GENERIC_HINT}", data=data, **context)
    if selector == PANIC:
        code = eth_abi.decode(["uint256"], body)[0]
        what = PANICS.get(code, "an unknown panic")
        return Reverted(
            f"Panic(0x{code:02x}): {what}",
            f"The contract hit {what}. This usually means an input was too large or out of range.",
            data=data,
            **context,
        )
    sig = errors.get(selector) if errors is not None else known_errors().get(selector, (None, None))[1]
    if sig is not None:
        args = sig.decode_args(body)
        reason = f"{sig.name}({', '.join(f'{k}={v}' for k, v in args.items())})"
        try:
            hint = HINTS.get(sig.name, lambda a: GENERIC_HINT)(args)
        except (KeyError, IndexError, TypeError):  # a learner's own error with a kit error's name, other arguments
            hint = GENERIC_HINT
        return Reverted(reason, hint, error=sig.name, args=args, data=data, **context)
    if not data:
        return Reverted(
            "reverted without a reason",
            "The transaction was refused without a message: often invalid arguments (a value out of "
            "its type's range) or ether sent to a function that does not accept it.",
            data=data,
            **context,
        )
    return Reverted(f"reverted with unknown data 0x{data.hex()}", GENERIC_HINT, data=data, **context)


def _bytes_from(value: Any) -> bytes | None:
    """Revert data carried by an exception argument, if it looks like some."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        text = value.strip().removeprefix("execution reverted").removeprefix(":").strip()
        if text.startswith("0x"):
            try:
                return bytes.fromhex(text[2:])
            except ValueError:
                return None
        if text.startswith(("b'", 'b"')):  # eth-tester puts the repr of raw bytes in the message
            try:
                literal = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                return None
            return literal if isinstance(literal, bytes) else None
    return None


def as_reverted(exc: BaseException, *, errors: dict[bytes, Signature] | None = None, **context: Any) -> Reverted | None:
    """The :class:`Reverted` for an exception raised by any backend (py-evm, eth-tester, web3), or None
    when ``exc`` is not a revert.

    Handles py-evm's ``Revert``/``VMError``, eth-tester's ``TransactionFailed`` (a require message or
    the raw bytes of a custom error) and web3's ``ContractLogicError`` family (custom errors, panics).
    """
    if isinstance(exc, Reverted):
        return exc
    kind = type(exc).__name__
    module = type(exc).__module__ or ""
    if not (module.startswith(("eth", "web3")) or kind in ("TransactionFailed", "Revert")):
        return None
    for candidate in (getattr(exc, "data", None), *(exc.args or ())):
        data = _bytes_from(candidate)
        if data is not None and (len(data) >= 4 or not data):
            return decode_revert(data, errors=errors, **context)
    if kind in ("Revert",) and not exc.args:
        return decode_revert(b"", errors=errors, **context)
    if kind == "TransactionFailed" or "ContractLogicError" in [c.__name__ for c in type(exc).__mro__]:
        message = str(exc.args[0]) if exc.args else str(exc)
        message = message.removeprefix("execution reverted: ").removeprefix("execution reverted")
        return Reverted(message or "reverted", f"The contract said: {message!r}. {GENERIC_HINT}", **context)
    if "VMError" in [c.__name__ for c in type(exc).__mro__]:
        return Reverted(
            f"{kind}: {exc}",
            "The EVM stopped this transaction (for example it ran out of gas); nothing was changed.",
            **context,
        )
    return None
