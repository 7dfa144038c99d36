"""Deploy a model with its incentive mechanism, and use it: predict, add data, refund, report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from eth_utils import is_address, to_checksum_address

from ..chain.chain import BLOCK_TIME, Chain, Contract, NonceTaken, contract_address, init_code
from ..plumbing.encoding import EncodedSample, unpack_sample
from ..incentives import DepositRefundTake, Mechanism, Points, PredictionMarket
from ..models.base import rows_of
from ..plumbing.units import format_ether

if TYPE_CHECKING:
    import pandas as pd

    from ..incentives.prediction_market import Market

# Samples per free predictMany call: a call, like a transaction, runs under a 16,777,216 gas limit, and one
# prediction of a large multi-class model can cost a few hundred thousand gas.
PREDICT_BATCH = 50
# CollaborativeTrainer.MAX_SAMPLE_WORK: the largest (len(x) + 1) * number of classes addData accepts, so that the
# add (the model's update writes each feature) and the prediction every later refund and report needs fit a
# transaction (EIP-7825: 16,777,216 gas).
MAX_SAMPLE_WORK = 5_000
# CollaborativeTrainer.MAX_CLASSES: the most classes a trainer's model may have.
MAX_CLASSES = 1_000


@dataclass(frozen=True)
class Contribution:
    """One sample added to a trainer: plain data, enough to refund or report it later.

    ``x`` is the sample as encoded on chain and ``label`` its class; ``added_at`` is the block time
    (unix seconds); ``deposit`` is in wei; ``key`` identifies its record (the trainer is the ``DataHandler``).
    """

    contributor: str
    label: Any
    added_at: int
    deposit: int
    x: tuple[int, ...] = field(repr=False)
    key: str = field(repr=False)


class Trainer:
    """A deployed SUM model: a ``CollaborativeTrainer`` (which is also the data handler: it holds the
    records and the deposits) with its incentive mechanism and classifier. Create it with :func:`deploy`.

    Everything it tells about the past is derived from the chain, whoever sent the transactions (sumkit,
    ``chain.w3``, another handle): :meth:`added` rebuilds the contributions from the trainer's
    ``ContributionAdded`` events, and :attr:`model`, the off-chain mirror, is the deployed model with every
    added sample replayed on it (the mirror does the contract's integer arithmetic, so it equals the chain:
    :meth:`check_model`). Both are cached until the chain changes (:attr:`Chain.version`).
    """

    def __init__(
        self,
        chain: Chain,
        contract: Contract,
        incentive_contract: Contract,
        classifier: Contract,
        model: Any,
        incentive: Any,
        *,
        base_block: int = -1,
    ) -> None:
        self.chain = chain
        self.contract = contract
        self.incentive_contract = incentive_contract
        self.classifier = classifier
        self.incentive = incentive
        # The mirror is _deployed with every contribution mined after block _base_block replayed on it: the
        # deployed parameters (deploy), or the parameters read from storage at that block (Trainer.at).
        self._deployed = model.copy()
        self._base_block = base_block
        self._derived: tuple[Any, list[Contribution], Any] | None = None  # (chain version, contributions, model)
        self._attached = False  # Trainer.at: handles deployed elsewhere keep no secrets (a market's pieces)
        self._handle: Any = None  # the incentive mechanism's handle (incentive.handle(self)), made when first asked

    @classmethod
    def at(cls, chain: Chain, address: str) -> Trainer:
        """A full handle on the ``CollaborativeTrainer`` at ``address``, deployed by anyone, from any kernel.

        The model's kind and parameters and the incentive mechanism with its settings are read from the chain;
        the contributions come from the trainer's events since its deployment (on a node, read from it), so a
        restarted kernel sees the whole history and can refund its own contributions. A wrong address (no code,
        another contract) is a ``ValueError`` saying what is there. Class labels are the on-chain ones (0, 1, ...).

        >>> trainer = sk.Trainer.at(chain, address)                 # doctest: +SKIP
        >>> mine = [c for c in trainer.added() if c.contributor == chain.alice]     # doctest: +SKIP
        """
        from . import attach

        if not isinstance(chain, Chain):
            raise TypeError(f"Trainer.at(chain, address): chain must be a sumkit Chain, got {chain!r:.60}")
        if not isinstance(address, str) or not is_address(address):
            raise ValueError(f"Trainer.at(chain, address): address must be a 0x... address (40 hex digits, e.g. "
                             f"trainer.address), got {address!r:.60}")
        address = to_checksum_address(address)
        attach.kind_at(chain, address, expected=attach.TRAINERS, role="a trainer")
        contract = chain.at(address, "CollaborativeTrainer")
        parts = {}
        for role, getter, kinds in (("incentive", "incentiveMechanism", attach.INCENTIVES),
                                    ("classifier", "classifier", tuple(attach.MODEL_READERS))):
            part = contract.call(getter)
            parts[role] = chain.at(part, attach.kind_at(chain, part, expected=kinds, role=f"the trainer's {role}"))
        # On a node: the events of the trainer and its mechanism from block 0 on (the trainer has none before its
        # deployment), in the chain's order; elsewhere the chain recorded them as they were mined.
        chain.version  # noqa: B018 - read what others mined up to now
        for part in (contract, parts["incentive"]):
            chain.history.backfill(part.address, 0)
        while True:  # the parameters as of the last block read (a node may mine one meanwhile: read again)
            base_block = chain.block_number - 1
            model = attach.read_model(parts["classifier"])
            if chain.block_number - 1 == base_block:
                break
            chain.version  # noqa: B018
        incentive = attach.read_incentive(parts["incentive"])
        if isinstance(incentive, PredictionMarket):  # settling replays from the initial model: bind it
            incentive = attach.bind_market(chain, contract, parts["classifier"], parts["incentive"], incentive)
        trainer = cls(chain, contract, parts["incentive"], parts["classifier"], model, incentive, base_block=base_block)
        trainer._attached = True
        return trainer

    @property
    def model(self) -> Any:
        """The off-chain mirror of the on-chain model, as the chain is now (read-only: change the model by
        adding data)."""
        return self._sync()[1]

    def added(self) -> list[Contribution]:
        """Every contribution added to this trainer, by anyone, oldest first, rebuilt from its
        ``ContributionAdded`` events: what :meth:`refund` and :meth:`report` take.

        >>> c = trainer.added()[-1]      # doctest: +SKIP
        """
        return list(self._sync()[0])

    def _sync(self) -> tuple[list[Contribution], Any]:
        """The contributions and the mirror, brought up to the chain's current version: new events are
        replayed on the cached mirror; after a snapshot was undone, everything is replayed from the deployed model."""
        version = self.chain.version
        if self._derived is not None and self._derived[0] == version:
            return self._derived[1], self._derived[2]
        if self._derived is not None and self._derived[0][0] == version[0]:  # no snapshot undone: read what is new
            seen, contributions, model = self._derived[0][1], self._derived[1], self._derived[2]  # grown in place
        else:
            if self.chain.block_number - 1 < self._base_block:  # undone past the block the parameters were read at
                from .attach import read_model

                self._deployed, self._base_block = read_model(self.classifier), self.chain.block_number - 1
            seen, contributions, model = 0, [], self._deployed.copy()
        for event in self.chain.logs("ContributionAdded", address=self.address, start=seen):
            x = EncodedSample(unpack_sample(event["x"]))
            if event["block"] > self._base_block:  # not yet in the parameters the mirror started from
                model.update_encoded(list(x), event["label"])
            contributions.append(Contribution(
                contributor=event["contributor"], label=model.decode_label(event["label"]), added_at=event["addedAt"],
                deposit=event["deposit"], x=x, key=event["key"],
            ))
        # chain.logs() may have read others' newer blocks after chain.version was taken (on a node, while others
        # send): the cache key is the log's length now, or the next call would replay those events twice.
        self._derived = ((version[0], self.chain.history.version[1]), contributions, model)
        return contributions, model

    def __repr__(self) -> str:
        return f"<Trainer {self.name!r} at {self.address}: {type(self.model).__name__}, {type(self.incentive).__name__}>"

    @property
    def address(self) -> str:
        """The ``CollaborativeTrainer`` contract: it holds every deposit."""
        return self.contract.address

    @property
    def name(self) -> str:
        return self.contract.call("name")

    @property
    def owner(self) -> str:
        return self.contract.call("owner")

    # -- free calls -------------------------------------------------------------------------------
    def predict(self, x: Sequence[float] | np.ndarray) -> Any:
        """The on-chain model's prediction for one sample: a free call, no transaction, no gas paid."""
        return self.model.decode_label(self.contract.call("predict", self.model.encode(x)))

    def predict_many(self, X: Any) -> np.ndarray:
        """The on-chain model's predictions for every sample of ``X`` (rows of a matrix, or lists of feature
        indices for a sparse model), in free calls of ``PREDICT_BATCH`` samples each."""
        rows = [self.model.encode(row) for row in rows_of(X, self.model.sparse)]
        labels = [
            label
            for start in range(0, len(rows), PREDICT_BATCH)
            for label in self.contract.call("predictMany", rows[start : start + PREDICT_BATCH])
        ]
        return np.asarray([self.model.decode_label(label) for label in labels])

    def accuracy(self, X: Any, y: Sequence[Any]) -> float:
        """The fraction of samples of ``X`` that the on-chain model labels as ``y``."""
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
        return float(np.mean(self.predict_many(X) == y))

    def next_deposit(self) -> int:
        """The deposit ``add_data`` requires right now, in wei."""
        return self.contract.call("nextDeposit")

    # -- transactions ------------------------------------------------------------------------------
    def add_data(self, x: Sequence[float] | np.ndarray, y: Any, *, sender: str, value: int | None = None,
                 max_deposit: int | None = None) -> Contribution:
        """Add one sample with its label, paying the required deposit (or ``value`` wei; any surplus is
        returned). Validates the sample before sending; the mirror ``model`` learns in step.

        ``max_deposit`` is the most you agree to pay: it is sent, the contract keeps the deposit due when the
        transaction is mined and returns the rest. Where others' transactions can be mined before yours (a real
        network) the deposit can rise between the quote and your block, so by default sumkit sends enough for
        a contribution mined right after someone else's (``incentive.deposit(BLOCK_TIME)``); in process and on
        a local node, where nothing is mined in between, it sends the quote.
        """
        model = self.model  # derived from the chain once (on a node, each derivation asks the node what is new)
        encoded = model.encode(x)
        label = model.encode_label(y)
        work = (len(encoded) + 1) * len(model.classes)
        if work > MAX_SAMPLE_WORK:
            raise ValueError(
                f"this sample has {len(encoded):,} values (active features, for a sparse model) and the model "
                f"{len(model.classes)} classes: ({len(encoded):,} + 1) x {len(model.classes)} = {work:,} > "
                f"MAX_SAMPLE_WORK = {MAX_SAMPLE_WORK:,}. Adding it (the model writes every feature) or predicting "
                "it (its refund and every report need that) would not fit in a transaction, so its deposit could "
                "never come out: the contract refuses it (SampleTooLarge). Send fewer active features."
            )
        model.check_update(encoded, label)  # ValueError if the contract would revert (e.g. an overflow)
        if value is None:
            value = self._deposit_to_send(max_deposit)
        elif max_deposit is not None:
            raise ValueError("give either value= (the exact wei to send) or max_deposit= (the most to pay), not both")
        key = self.contract.transact("addData", encoded, label, sender=sender, value=value).event("ContributionAdded")["key"]
        return next(c for c in reversed(self.added()) if c.key == key)  # as the chain recorded it

    def _deposit_to_send(self, max_deposit: int | None) -> int:
        quote = self.next_deposit()
        if max_deposit is None:
            headroom = not self.chain.capabilities.time_control
            return max(quote, self.incentive.deposit(BLOCK_TIME)) if headroom else quote
        if max_deposit < quote:
            raise ValueError(f"the deposit is now {format_ether(quote)}, more than max_deposit={format_ether(max_deposit)}: "
                             "wait (it falls the longer nobody adds data) or raise max_deposit")
        return max_deposit

    def _contribution(self, c: Any, action: str) -> Contribution:
        """``c`` as a :class:`Contribution`: one returned by ``add_data``, or a row of ``contributions()``."""
        if isinstance(c, Contribution):
            return c
        key = c.get("key") if hasattr(c, "get") and not isinstance(c, str) else None
        if isinstance(key, str):
            for known in self.added():
                if known.key == key:
                    return known
        raise TypeError(
            f"{action}() needs a Contribution: the value add_data(...) returned (c = trainer.add_data(...)), or a row "
            f"of trainer.contributions() (e.g. trainer.contributions().iloc[0]); got {type(c).__name__} {c!r:.60}"
        )

    def refund(self, c: Contribution, *, sender: str) -> int:
        """Claim back the deposit of your own contribution ``c`` (what ``add_data`` returned, or a row of
        ``contributions()``); returns the wei paid."""
        c = self._contribution(c, "refund")
        if self.chain.account(sender) != c.contributor:
            raise ValueError(
                f"only the contributor ({self.chain.name_of(c.contributor)}) can claim this refund, not "
                f"{self.chain.name_of(sender)}; to take from someone else's bad data use trainer.report(...)"
            )
        return self.contract.transact("refund", list(c.x), self.model.encode_label(c.label), c.added_at, sender=sender).output

    def report(self, c: Contribution, *, sender: str) -> int:
        """Take (part of) the deposit of someone else's contribution ``c``; returns the wei paid. Not under
        Points, which has no deposits (a ``ValueError`` says so before anything is sent)."""
        c = self._contribution(c, "report")
        self.incentive.check_report()  # a ValueError where report means nothing (Points)
        label = self.model.encode_label(c.label)
        return self.contract.transact("report", list(c.x), label, c.contributor, c.added_at, sender=sender).output

    # -- tables ----------------------------------------------------------------------------------
    def contributions(self) -> pd.DataFrame:
        """Every contribution added to this trainer (by anyone: see :meth:`added`), with its state read from the
        chain now.

        ``deposit`` is what was paid, ``claimable`` what is left of it (in wei); ``refunded`` says whether
        the contributor was refunded; ``model_agrees`` whether the model now predicts its label.
        """
        import pandas as pd

        rows = []
        model = self.model
        for c in self.added():
            _, claimable, exists = self.contract.call("records", c.key)
            refunded = not exists  # only a refund deletes a record
            rows.append(
                {
                    "contributor": self.chain.name_of(c.contributor),
                    "label": c.label,
                    "added_at": pd.Timestamp(c.added_at, unit="s", tz="UTC"),
                    "deposit": c.deposit,
                    "claimable": claimable,
                    "refunded": refunded,
                    "model_agrees": model.predict_encoded(c.x) == model.encode_label(c.label),
                    "key": c.key,
                }
            )
        columns = ["contributor", "label", "added_at", "deposit", "claimable", "refunded", "model_agrees", "key"]
        return pd.DataFrame(rows, columns=columns)

    # -- incentive statistics: thin delegates to the mechanism's handle (sumkit.incentives) -----------------
    def _incentive_handle(self, kind: type, what: str) -> Any:
        """The mechanism's handle (``incentive.handle(self)``), once ``what`` was checked to belong to ``kind``.
        Kept, so the sponsor's market keeps its test pieces; made afresh for a trainer deployed elsewhere."""
        if not isinstance(self.incentive, kind):
            raise ValueError(
                f"{what} needs a trainer deployed with {kind.__name__}, but this one uses "
                f"{type(self.incentive).__name__}"
            )
        if self._attached:  # not the deployer's handle: what it knows is read from the chain each time
            return self.incentive.handle(self, attached=True)
        if self._handle is None:
            self._handle = self.incentive.handle(self)
        return self._handle

    def good_data(self, account: str | None = None) -> int:
        """Deposit-Refund-Take: how many of ``account``'s contributions were refunded as good data (all
        contributors' when ``account`` is None); read from the chain. Delegates to
        :class:`~sumkit.incentives.deposit_refund_take.DepositRefundTakeHandle`.

        >>> trainer.good_data(chain.alice)   # doctest: +SKIP
        1
        """
        return self._incentive_handle(DepositRefundTake, "good_data()").good_data(account)

    def points(self, account: str) -> int:
        """Points: the points ``account`` has earned (contributions claimed as good), read from the chain.
        Delegates to :class:`~sumkit.incentives.points.PointsHandle`.

        >>> trainer.points(chain.alice)   # doctest: +SKIP
        3
        """
        return self._incentive_handle(Points, "points()").points(account)

    def badges(self, account: str) -> list[str]:
        """Points: the readable names of the badges ``account`` has earned, in badge order. Delegates to
        :class:`~sumkit.incentives.points.PointsHandle`.

        >>> trainer.badges(chain.alice)   # doctest: +SKIP
        ['first contribution', 'every class']
        """
        return self._incentive_handle(Points, "badges()").badges(account)

    def leaderboard(self) -> pd.DataFrame:
        """Points: one row per contributor, most points first. Every contributor counts, whoever sent the
        transaction: they are read from the trainer's ``ContributionAdded`` events (see ``chain.events``).

        Columns: ``account`` (a readable name), ``points`` (claimed good contributions), ``good`` (their
        contributions the model agrees with now: each has earned, or may still earn, a point),
        ``total`` (contributions added) and ``badges`` (readable names). Points, totals and badges are
        read from the chain. Delegates to :class:`~sumkit.incentives.points.PointsHandle`.
        """
        return self._incentive_handle(Points, "leaderboard()").leaderboard()

    @property
    def market(self) -> Market:
        """The prediction market's handle (``sk.incentives.PredictionMarket`` only): commit, reveal, end,
        settle, withdraw, balances. Delegates to ``PredictionMarket.handle``: the sponsor's handle keeps the test
        pieces; on a trainer from ``sk.Trainer.at``, one that reads the revealed pieces from the chain each time."""
        return self._incentive_handle(PredictionMarket, "market")

    def check_model(self) -> bool:
        """Whether the mirror's parameters equal the contract's, read from the chain."""
        return self.model.matches(self.classifier)


class DeployInterrupted(RuntimeError):
    """A deployment stopped midway (a transaction failed, it was interrupted, or another transaction from the
    owner took the nonce the plan needed).

    Nothing is lost: the transactions already mined stay, and :meth:`resume` sends the remaining ones
    and returns the :class:`Trainer`. ``cause`` is the original exception; ``done`` and ``total``
    count the transactions.
    """

    def __init__(self, deployment: _Deployment, cause: BaseException) -> None:
        self.deployment, self.cause = deployment, cause
        self.done, self.total = deployment.done, len(deployment.steps)
        step = deployment.steps[deployment.done][0]
        if isinstance(cause, NonceTaken):
            hint = (
                f"the {self.done} contract(s) deployed so far are bound to a trainer address that can no longer be "
                "created. No ether has moved (the trainer, which takes deposits, is always the last transaction): "
                "call .resume() on this exception to deploy again from the owner's next nonce."
            )
        else:
            hint = (
                f"fix the cause if needed, then call .resume() on this exception to send the remaining "
                f"{self.total - self.done} transaction(s); the {self.done} already mined are kept."
            )
        super().__init__(f"deployment stopped at transaction {self.done + 1} of {self.total} ({step}): {cause}\n"
                         f"Hint: {hint}")

    def resume(self) -> Trainer:
        """Send the remaining transactions (planning again from the owner's next nonce if another transaction
        took one the plan needed); returns the deployed :class:`Trainer`."""
        deployment = self.deployment
        if deployment.chain.nonce(deployment.owner) != deployment.first_nonce + deployment.done:
            deployment.plan()
        return deployment.run()


class _Deployment:
    """The transactions that deploy a trainer, sent in order from the owner, each with its planned nonce.

    The incentive mechanism and the model are bound to the trainer's address, which follows from the owner's
    address and nonce: the trainer is the owner's contract after the mechanism, the model and its setup calls.
    Every transaction carries its planned nonce, so one sent by someone else in between is refused before it
    runs (:class:`~sumkit.chain.chain.NonceTaken`) instead of breaking the binding; :meth:`plan` starts over.
    """

    def __init__(self, chain: Chain, model: Any, incentive: Any, name: str, description: str, owner: str) -> None:
        self.chain, self.model, self.owner = chain, model, owner
        self.name, self.description = name, description
        self._settings = incentive  # before bind(): plan() binds it to the incentive contract's address
        self.n_setup_calls = len(model.deploy_steps(owner)[1])  # not address-dependent
        self.plan()

    def plan(self) -> None:
        """Plan every transaction from the owner's next nonce (nothing is sent)."""
        chain, model, owner = self.chain, self.model, self.owner
        self.first_nonce = chain.nonce(owner)
        # Settings completed with what the deployment knows (PredictionMarket: h_0, the model it replays from).
        incentive = self.incentive = self._settings.bind(model, contract_address(owner, self.first_nonce))
        self.contracts: dict[str, Contract] = {}
        self.done = 0
        trainer = self.trainer_address = contract_address(owner, self.first_nonce + 2 + self.n_setup_calls)
        ctor_args, setup_calls = model.deploy_steps(trainer)
        init_code(model.contract_name, *ctor_args)  # ValueError before anything is sent if no network would take it
        self.steps: list[tuple[str, Any]] = [
            (incentive.contract_name, lambda nonce: self._deploy("incentive", incentive.contract_name, nonce,
                                                                 *incentive.constructor_args(trainer))),
            (model.contract_name, lambda nonce: self._deploy("classifier", model.contract_name, nonce, *ctor_args)),
        ]
        for i, (fn, args) in enumerate(setup_calls):
            label = f"{model.contract_name}.{fn} ({i + 1}/{len(setup_calls)})"
            self.steps.append((label, lambda nonce, fn=fn, args=args: self.contracts["classifier"].transact(
                fn, *args, sender=owner, nonce=nonce)))
        self.steps.append(
            ("CollaborativeTrainer", lambda nonce: self._deploy("trainer", "CollaborativeTrainer", nonce, self.name,
                                                                self.description, self.contracts["incentive"].address,
                                                                self.contracts["classifier"].address, owner))
        )

    def _deploy(self, role: str, contract: str, nonce: int, *args: Any) -> None:
        self.contracts[role] = self.chain.deploy(contract, *args, sender=self.owner, nonce=nonce)

    def run(self) -> Trainer:
        progress = None
        if self.n_setup_calls:  # a model deployed in chunks: show progress
            from tqdm.auto import tqdm

            progress = tqdm(total=len(self.steps), initial=self.done, desc=f"deploying {self.model.contract_name}",
                            unit="tx")
        try:
            while self.done < len(self.steps):
                try:
                    self.steps[self.done][1](self.first_nonce + self.done)
                except (Exception, KeyboardInterrupt) as e:
                    raise DeployInterrupted(self, e) from e
                self.done += 1
                if progress is not None:
                    progress.update()
        finally:
            if progress is not None:
                progress.close()
        contract = self.contracts["trainer"]
        if contract.address != self.trainer_address:  # the constructor's binding check would have reverted
            raise RuntimeError("the trainer was not deployed at its predicted address")
        c = self.contracts
        return Trainer(self.chain, contract, c["incentive"], c["classifier"], self.model, self.incentive)


def deploy(
    chain: Chain,
    model: Any,
    incentive: Any = None,
    *,
    name: str = "SUM model",
    description: str = "",
    owner: str | None = None,
) -> Trainer:
    """Deploy ``model`` with ``incentive`` (default: ``DepositRefundTake()``) and wire everything up.

    Transactions from ``owner`` (default ``chain.owner``), each with its planned nonce: the incentive mechanism
    and the model, each bound to the trainer's address (predicted from the owner's nonce); for a model too
    big for one transaction, its remaining parameters in chunks and ``finalize`` (with a progress bar);
    then the ``CollaborativeTrainer``, which checks the bindings. If a transaction fails midway, or another
    transaction from the owner takes a planned nonce, :class:`DeployInterrupted` is raised: its ``resume()``
    continues from there (or plans again from the owner's next nonce).

    >>> trainer = deploy(chain, model, DepositRefundTake(refund_wait=sk.days(1)))   # doctest: +SKIP
    """
    incentive = DepositRefundTake() if incentive is None else incentive
    _check_deploy_args(chain, model, incentive)
    return _Deployment(chain, model.copy(), incentive, name, description, owner or chain.owner).run()


def _check_deploy_args(chain: Any, model: Any, incentive: Any) -> None:
    """Say what was meant when deploy() gets the wrong kind of thing (before any transaction)."""
    if not isinstance(chain, Chain):
        raise TypeError(f"deploy(chain, model, incentive): chain must be a sumkit Chain (chain = sk.Chain()), got {chain!r:.60}")
    if model is None or not hasattr(model, "deploy_steps"):
        if hasattr(model, "fit") and hasattr(model, "get_params"):
            raise TypeError(
                f"deploy() needs a sumkit model mirror, not the scikit-learn estimator {type(model).__name__}: convert "
                "it first, e.g. sk.models.DensePerceptron.from_sklearn(estimator) (see sk.models for the others)"
            )
        raise TypeError(f"deploy() needs a sumkit model (e.g. sk.models.DensePerceptron.from_sklearn(...)), got {model!r:.60}")
    n_classes = getattr(model, "n_classes", 0)
    if n_classes > MAX_CLASSES:
        raise ValueError(
            f"this model has {n_classes:,} classes; a trainer takes at most MAX_CLASSES = {MAX_CLASSES:,}: every "
            "prediction costs gas per class, and with more a refund could not fit in a transaction (the contract's "
            "TooManyClasses). Group rare classes together"
        )
    if isinstance(incentive, type):
        raise TypeError(
            f"incentive must be an instance, not the class {incentive.__name__}: write "
            f"sk.incentives.{incentive.__name__}(...) with its settings"
        )
    if not isinstance(incentive, Mechanism):
        raise TypeError(
            "incentive must be sk.incentives.DepositRefundTake(...), Points(...) or PredictionMarket(...), got "
            f"{incentive!r:.60}"
        )
