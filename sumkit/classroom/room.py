"""The instructor's side: :class:`Classroom` starts (or restarts) a class on one chain, from a directory.

>>> with sk.Classroom.start(students=["ana", "ben"], dir="class") as room:      # doctest: +SKIP
...     room.join_file("ana")          # hand this file to Ana, and only to her
...     room.travel(days=1)            # only the instructor moves the class clock

``DIR`` holds everything: ``class.json`` (the roster, the port, the contract addresses: nothing secret),
``instructor.json`` (the class mnemonic, the admin URL: the instructor's only), ``students/<name>.json`` (one
join file each) and ``node/state.json`` (the chain, written by the node every second and on exit). Starting
again from the same ``DIR`` restarts the same class on the same port: students rejoin with the same files.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
import weakref
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from eth_account import Account

from ..chain.backends.base import TX_GAS_CAP
from ..chain.chain import Chain
from ..chain.node import LocalNode, terminate
from ..handles.trainer import Trainer
from ..plumbing.units import ether
from ..chain.backends.classnode import ClassBackend

STUDENT_BALANCE = ether(100)  # each student's starting ether
STAFF_BALANCE = ether(10_000)  # the instructor and the lab's honest contributors (alice, bob, carol, mallory)
STAFF = ("instructor", "alice", "bob", "carol", "mallory")  # accounts 0-4 of the class mnemonic
FIRST_STUDENT = 10  # student i's key is account FIRST_STUDENT + i of the class mnemonic
VICTIM = 1_000_000  # the owner of student i's tx_origin targets is account VICTIM + i (its tx.origin reaches no other's)
VICTIM_BALANCE = ether(10)  # for the gas of its airdrop claims
# The lab levels every student gets an instance of, each with its on-chain goal (ClassRegistry.Goal's number).
LEVELS = ("reentrancy", "own_attacker", "open_record", "tx_origin", "stale_prediction", "unchecked_take")
GOALS = {"reentrancy": 0, "open_record": 0,  # Insolvent
         "own_attacker": 1,  # EmptiedByYourAttack (submitAttack)
         "tx_origin": 2,  # OwnerPhished (offerAirdrop, then the instructor's claim_airdrops)
         "stale_prediction": 3,  # BadDataRefunded
         "unchecked_take": 4}  # ClaimWrapped
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,39}$")
OPEN_HOST_WARNING = ("the class node listens on {host}: anyone who can reach this address can read the whole "
                     "class chain (every transaction, every balance). Only the admin URL can control it; keep "
                     "instructor.json to yourself.")


def _derive(mnemonic: str, index: int) -> Any:
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}")


def _write_private(path: Path, content: dict[str, Any]) -> None:
    """Write a JSON file only its owner can read (a key or a credential is inside)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as f:
        json.dump(content, f, indent=2)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def read_roster(path: str | Path) -> list[str]:
    """Student names from a roster file: one per line (blank lines and ``#`` comments skipped)."""
    names = [line.split("#")[0].strip() for line in Path(path).read_text().splitlines()]
    return [n for n in names if n]


def _check_names(students: Sequence[str]) -> list[str]:
    names = list(students)
    if not names:
        raise ValueError("a class needs at least one student")
    bad = [n for n in names if not isinstance(n, str) or not NAME.match(n)]
    if bad:
        raise ValueError(f"student names must be 1-40 letters, digits, '_', '-' or '.' (they name files): {bad}")
    if len(set(names)) != len(names):
        raise ValueError(f"student names must be unique: {sorted({n for n in names if names.count(n) > 1})}")
    if set(names) & set(STAFF):
        raise ValueError(f"{sorted(set(names) & set(STAFF))} name the class's own accounts: choose other names")
    return names


class Classroom:
    """A running class: ``url`` (what students connect to), ``chain`` (the instructor's, through the same gateway
    with the admin credential), ``registry`` (the ``ClassRegistry``), ``trainer`` (the class trainer), ``students``
    ({name: address}). Create it with :meth:`start`; stop it with :meth:`stop` (or leave the ``with``)."""

    def __init__(self, dir: Path, config: dict[str, Any], secrets_: dict[str, Any], timeout: float) -> None:
        self.dir = dir
        self.config = config
        self.host, self.port = config["host"], config["port"]
        local = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # where this machine reaches it
        self.url = config.get("url") or f"http://{local}:{self.port}"  # what the join files give students
        self._local_url = f"http://{local}:{self.port}"
        self._admin_url = f"{self._local_url}/admin/{secrets_['admin_token']}"
        self._mnemonic = secrets_["mnemonic"]
        self.students: dict[str, str] = {}
        self.node = LocalNode(accounts=0, state=dir / "node" / "state.json", timeout=timeout)
        self._gateway: subprocess.Popen[bytes] | None = None
        self._gateway_finalizer: Any = None
        try:
            self._resume_clock()
            self._start_gateway(timeout)
            staff = [_derive(self._mnemonic, i) for i in range(len(STAFF))]
            backend = ClassBackend(self._admin_url, private_keys=[a.key for a in staff], instructor=True)
            self.chain = Chain(backend=backend, start_time=backend.latest_timestamp())
            self.chain.name_account(self.chain.owner, "instructor")
        except BaseException:
            self.stop()
            raise

    # -- starting -----------------------------------------------------------------------------------
    @classmethod
    def start(cls, students: Sequence[str] | int | None = None, *, dir: str | Path, host: str = "127.0.0.1",
              port: int | None = None, url: str | None = None, levels: Sequence[str] = LEVELS, trainer: bool = True,
              timeout: float = 60) -> Classroom:
        """Start the class in ``dir``: a new one (``students``: names, or a number for student01, student02, ...),
        or, when ``dir`` already holds one, the same class again (students rejoin with their files; ``students``
        must then be None or the same roster). ``levels``: the lab levels each student gets an instance of;
        ``trainer``: deploy and publish the class trainer (see :mod:`sumkit.classroom.recipe`). ``url``: the address
        students reach the node at, for the join files (default ``http://HOST:PORT``; with ``host="0.0.0.0"``,
        give this machine's name or address on the class network)."""
        dir = Path(dir)
        if isinstance(students, int):
            students = [f"student{i + 1:02d}" for i in range(students)]
        if (dir / "class.json").is_file():
            config = json.loads((dir / "class.json").read_text())
            if students is not None and list(students) != config["students"]:
                raise ValueError(f"{dir} already holds a class with students {config['students']}: restart it with "
                                 "students=None (or the same roster), or use a new directory for a new class")
            secrets_ = json.loads((dir / "instructor.json").read_text())
            room = cls(dir, config, secrets_, timeout)
            room._load()
            return room
        if students is None:
            raise ValueError(f"{dir} holds no class yet: give students=[names] (or a number) to start one")
        names = _check_names(students)
        unknown = sorted(set(levels) - set(GOALS))
        if unknown:
            raise ValueError(f"levels {unknown} cannot be validated on chain in a class; choose among {sorted(GOALS)}")
        if host not in ("127.0.0.1", "localhost"):
            warnings.warn(OPEN_HOST_WARNING.format(host=host), stacklevel=2)
        dir.mkdir(parents=True, exist_ok=True)
        port = port or _free_port(host)
        if url is None and host in ("0.0.0.0", "::"):
            url = f"http://{socket.gethostname()}:{port}"
        config = {"students": names, "host": host, "port": port, "url": url, "contracts": {}, "instances": {}}
        secrets_ = {"mnemonic": _new_mnemonic(),
                    "admin_token": secrets.token_urlsafe(32)}
        _write_private(dir / "instructor.json", secrets_)
        (dir / "class.json").write_text(json.dumps(config, indent=2))
        room = cls(dir, config, secrets_, timeout)
        try:
            room._admin_url_file()
            room._setup(names, levels, trainer)
        except BaseException:
            room.stop()
            raise
        return room

    def _node(self, method: str, params: list[Any]) -> Any:
        """A call straight to the node (before the gateway opens)."""
        request = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        with urllib.request.urlopen(urllib.request.Request(self.node.url, request, {"Content-Type": "application/json"}),
                                    timeout=30) as answer:
            reply = json.loads(answer.read())
        if "error" in reply:
            raise RuntimeError(f"the class node refused {method}: {reply['error']}")
        return reply["result"]

    def _resume_clock(self) -> None:
        """A node restarted from its state file would start its clock at genesis again, so the next block would be
        older than the last one mined: set it to the latest block's time before anyone can send."""
        latest = int(self._node("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
        self._node("evm_setTime", [latest])

    def _start_gateway(self, timeout: float) -> None:
        token_file = self.dir / "node" / "admin_token"
        _write_private(token_file, {})  # created private first, then filled
        token_file.write_text(self._admin_url.rsplit("/", 1)[1])
        # Run as a script, not a module of the package: the gateway needs none of sumkit (it starts in a moment and
        # stays small), and nothing a learner's kernel imports runs in it.
        command = [sys.executable, str(Path(__file__).with_name("gateway.py")), "--upstream", self.node.url, "--host", self.host,
                   "--port", str(self.port), "--token-file", str(token_file), "--log", str(self.dir / "node" / "gateway.log")]
        self._gateway = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
        self._gateway_finalizer = weakref.finalize(self, terminate, self._gateway)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._gateway.poll() is not None:
                error = self._gateway.stderr.read().decode(errors="replace") if self._gateway.stderr else ""
                raise RuntimeError(f"the class gateway stopped while starting: {error.strip()[-500:]}")
            try:
                with socket.create_connection((self._local_url.split("//")[1].rsplit(":", 1)[0], self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"the class gateway did not listen on {self.url} within {timeout} s")

    def _admin_url_file(self) -> None:
        secrets_ = json.loads((self.dir / "instructor.json").read_text())
        secrets_["admin_url"] = self._admin_url
        _write_private(self.dir / "instructor.json", secrets_)

    def _setup(self, names: list[str], levels: Sequence[str], trainer: bool) -> None:
        """A new class: fund everyone, deploy the registry, the class trainer and each student's level instances,
        then write the join files."""
        chain = self.chain
        for address in chain.accounts:
            chain.backend.request("anvil_setBalance", [address, hex(STAFF_BALANCE)])
        for i, name in enumerate(names):
            address = _derive(self._mnemonic, FIRST_STUDENT + i).address
            chain.backend.request("anvil_setBalance", [address, hex(STUDENT_BALANCE)])
            self.students[name] = address
            chain.name_account(address, name)
        self.registry = chain.deploy("ClassRegistry", chain.owner)
        self.config["contracts"]["registry"] = self.registry.address
        self.trainer = None
        if trainer:
            from .recipe import deploy_class_trainer

            self.trainer = deploy_class_trainer(chain)
            self.registry.transact("publishTrainer", self.trainer.address, "class model", sender=chain.owner)
            self.config["contracts"]["trainer"] = self.trainer.address
        self._create_instances(names, levels)
        self._save()
        for name in names:
            self._write_join_file(name)

    def _create_instances(self, names: list[str], level_names: Sequence[str]) -> None:
        """Every student's instance of every level. Levels whose setup waits (``tx_origin``: the owner's claim wait,
        ``unchecked_take``: a refund wait) wait together: one move of the class clock, before anyone joins."""
        from ..teaching import lab

        chain, owner = self.chain, self.chain.owner
        if "tx_origin" in level_names:
            for name in names:
                chain.backend.request("anvil_setBalance", [self._victim(name), hex(VICTIM_BALANCE)])
        levels = {(name, level_name): lab.Level(lab._SPECS[level_name], chain, self.students[name], fixed=False,
                                                travel=False,
                                                owner=self._victim(name) if level_name == "tx_origin" else None)
                  for name in names for level_name in level_names}
        wait = max((lab._SPECS[level_name].wait for level_name in level_names), default=0)
        if wait:
            self.travel(seconds=wait)
        frozen = "0x" + "00" * 20
        if "stale_prediction" in level_names:  # the lab model as deployed, bound to the registry: nobody trains it
            frozen = chain.deploy("DensePerceptron", self.registry.address, list(lab.WEIGHTS), 0, lab.FAST,
                                  lab.FEATURE_BOUND, sender=owner).address
        for (name, level_name), level in levels.items():
            level.finish_setup()
            receipt = self.registry.transact(
                "createInstance", self.students[name], level.contract.address, level_name, level.owed,
                GOALS[level_name], frozen if level_name == "stale_prediction" else "0x" + "00" * 20, sender=owner)
            self.config["instances"].setdefault(name, {})[level_name] = receipt.output

    def new_instance(self, name: str, level: str) -> int:
        """Give student ``name`` a fresh instance of ``level`` (say a classmate drained theirs first) and rewrite
        their join file with it; the old instance stays in the registry. A level whose setup waits (``tx_origin``,
        ``unchecked_take``) moves the class clock by its wait. Returns the new instance's id.

        >>> room.new_instance("ana", "own_attacker")              # doctest: +SKIP
        12
        """
        if name not in self.students:
            raise KeyError(f"no student {name!r} in this class: {', '.join(self.students)}")
        if level not in GOALS:
            raise ValueError(f"unknown level {level!r}: choose one of {', '.join(GOALS)}")
        self._create_instances([name], [level])
        self._save()
        self._write_join_file(name)
        return self.config["instances"][name][level]

    def _victim(self, name: str) -> str:
        """The account that owns student ``name``'s ``tx_origin`` targets (the victim who claims airdrops), derived
        from the class mnemonic; the instructor's chain signs for it from now on."""
        account = _derive(self._mnemonic, VICTIM + self.config["students"].index(name))
        if account.address not in self.chain.accounts:
            self.chain.backend.add_account(account.key)
            self.chain.backend.accounts.append(account.address)  # a ClassBackend sends only for its accounts
            self.chain.accounts.append(account.address)
            self.chain.name_account(account.address, f"{name}'s owner")
        return account.address

    def claim_airdrops(self) -> dict[str, str]:
        """Level ``tx_origin``'s victims: each target's owner (an account of the class's, one per student) claims the
        airdrop its student offered with ``registry.offerAirdrop(id, contract)``, one transaction each, through the
        registry, which judges the claim. Run it after moving the clock (or whenever students ask). Returns
        ``{student: "solved" or why not}``.

        >>> room.claim_airdrops()                                  # doctest: +SKIP
        {'ana': 'solved', 'ben': 'LootNotReceived(id=9, lost=2000000000000000000, gained=0)'}
        """
        from hexbytes import HexBytes

        from ..plumbing.errors import decode_revert

        results: dict[str, str] = {}
        offered = {e["id"] for e in self.chain.logs("AirdropOffered", address=self.registry.address)}
        gas = self.registry.call("CLAIM_GAS") + 100_000  # the lure always gets all its gas (see ClassRegistry)
        for id in sorted(offered):
            if int(self.registry.call("offeredAirdrop", id), 16) == 0:  # claimed already
                continue
            address = self.registry.call("instanceAt", id)["student"]
            student = next(name for name, known in self.students.items() if known == address)
            receipt = self.registry.transact("claimAirdrop", id, sender=self._victim(student), gas=gas)
            failed = [args for name, args in receipt.events if name == "AirdropFailed"]
            results[student] = decode_revert(HexBytes(failed[0]["reason"])).reason if failed else "solved"
        return results

    def _load(self) -> None:
        """A restarted class: handles on what the class already deployed."""
        for i, name in enumerate(self.config["students"]):
            self.students[name] = _derive(self._mnemonic, FIRST_STUDENT + i).address
            self.chain.name_account(self.students[name], name)
        self.registry = self.chain.at(self.config["contracts"]["registry"], "ClassRegistry", name="ClassRegistry")
        self.trainer = None
        if "trainer" in self.config["contracts"]:
            self.trainer = Trainer.at(self.chain, self.config["contracts"]["trainer"])

    def _save(self) -> None:
        (self.dir / "class.json").write_text(json.dumps(self.config, indent=2))

    def _write_join_file(self, name: str) -> None:
        account = _derive(self._mnemonic, FIRST_STUDENT + self.config["students"].index(name))
        _write_private(self.dir / "students" / f"{name}.json", {
            "url": self.url, "student": name, "address": account.address, "private_key": "0x" + account.key.hex(),
            "chain_id": self.chain.backend.chain_id, "contracts": self.config["contracts"],
            "instances": self.config["instances"].get(name, {}), "tx_gas_cap": TX_GAS_CAP,
        })

    # -- running ------------------------------------------------------------------------------------
    def join_file(self, name: str) -> Path:
        """The join file of student ``name`` (hand it to that student only: it holds their key)."""
        if name not in self.students:
            raise KeyError(f"no student {name!r} in this class: {', '.join(self.students)}")
        return self.dir / "students" / f"{name}.json"

    def travel(self, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> int:
        """Move the class clock forward (an empty block is mined at the new time, so everyone sees it at once);
        returns the new block time (at least the latest block's time plus the move)."""
        self.chain.travel(days=days, hours=hours, minutes=minutes, seconds=seconds)  # after the students' blocks
        when = self.chain.now
        answer = self.chain.backend.request("evm_mine", [when])
        if "error" in answer:
            raise RuntimeError(f"the class node did not mine at the new time: {answer['error']}")
        return self.now

    @property
    def now(self) -> int:
        """The class time: the timestamp of the latest block (what every student's chain sees last)."""
        return int(self.chain.backend.latest_timestamp())  # a ClassBackend follows others: it has this method

    def dashboard(self, **kwargs: Any) -> Any:
        """A live panel: per student balance, contributions, good and bad data, refunds and takes, points, levels
        solved; the class model's accuracy on the instructor's held-out set; a feed of events; the clock."""
        from .dashboard import Dashboard

        return Dashboard(self, **kwargs)

    def restart_gateway(self, timeout: float = 60) -> None:
        """Start the gateway again, on the same port with the same admin URL, after it stopped (it crashed, or its
        process was killed): the node and its chain are untouched, so students' next call works again with the
        same join files and nothing is lost. (If the node stopped too, start the class again from its directory:
        ``Classroom.start(dir=...)``.)"""
        if not self.node.running:
            raise RuntimeError("the class node is not running either: stop this class (room.stop()) and start it "
                               f"again from its directory: sk.Classroom.start(dir={str(self.dir)!r})")
        if self._gateway_finalizer is not None:
            self._gateway_finalizer()  # a gateway still running is stopped first
        self._start_gateway(timeout)

    @property
    def running(self) -> bool:
        return self.node.running and self._gateway is not None and self._gateway.poll() is None

    def stop(self) -> None:
        """Stop the gateway and the node (the chain stays in ``dir``: :meth:`start` again to go on)."""
        if self._gateway_finalizer is not None:
            self._gateway_finalizer()
        self._gateway = None
        if hasattr(self, "node"):
            self.node.stop()

    def __repr__(self) -> str:
        return f"<Classroom {self.url}: {len(self.students)} students ({'running' if self.running else 'stopped'})>"

    def __enter__(self) -> Classroom:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _new_mnemonic() -> str:
    """A fresh random 12-word mnemonic (from the operating system's randomness), for one class."""
    Account.enable_unaudited_hdwallet_features()
    return Account.create_with_mnemonic()[1]
