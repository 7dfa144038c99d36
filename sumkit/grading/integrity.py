"""What the grader checks has not been modified while it graded: the kit's modules in memory and its files on disk.

A :class:`Guard` lives in the grading process (:mod:`sumkit.grading.worker`). It records every module of the kit
(and of the checker modules, wherever they live) as it was when the process imported it: the identity of each
function, class and method, their code objects and defaults, the exercise registry, the interpreter's tracing
hooks and the size and modification time of each file of the kit. :meth:`Guard.problems` says in plain words
what differs since, e.g. ``"sumkit.course.evaluate was replaced"``; code that comes from a notebook cell rather
than from a file of the kit is flagged even in a module first imported by the learner's cell.

:class:`KitFiles` is the parent's side: it keeps a copy of every file of the kit in memory, says which ones
changed after a submission ran, and puts them back.
"""

from __future__ import annotations

import builtins
import hashlib
import os
import sys
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..solc.artifacts import ROOT

KIT_DIRS = ("sumkit", "contracts")  # under ROOT: the package and the contracts with their built artifacts
_SKIP = ("__pycache__",)


def kit_files(root: Path = ROOT) -> list[Path]:
    """Every file of the kit the grader relies on (sources, checkers, contract artifacts), sorted."""
    found = []
    for top in KIT_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / top):
            dirnames[:] = [d for d in dirnames if d not in _SKIP]
            found += [Path(dirpath) / f for f in filenames if not f.endswith(".pyc")]
    return sorted(found)


class KitFiles:
    """The kit's files as they were when grading started: which changed since, a way to put them back, and
    private copies for the grading processes (each imports its own, so what one submission writes into "its"
    kit no other submission sees).
    """

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self.saved = {p: p.read_bytes() for p in kit_files(root)}

    def copy_to(self, dest: Path) -> Path:
        """Write the kit as it was saved under ``dest`` (same layout: ``sumkit/``, ``contracts/``); returns dest."""
        for path, data in self.saved.items():
            target = dest / path.relative_to(self.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return dest

    def changed(self) -> list[str]:
        """Files of the kit written, added or deleted since (paths relative to the kit's root)."""
        now = set(kit_files(self.root))
        out = [p for p in sorted(now - set(self.saved))]
        for path, data in self.saved.items():
            try:
                if path.read_bytes() != data:
                    out.append(path)
            except OSError:
                out.append(path)
        return [str(p.relative_to(self.root)) for p in sorted(out)]

    def restore(self) -> None:
        """Put every file back as it was and remove files added since."""
        for path in set(kit_files(self.root)) - set(self.saved):
            path.unlink()
        for path, data in self.saved.items():
            try:
                if path.read_bytes() == data:
                    continue
            except OSError:
                pass
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def _fingerprints(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for path in kit_files(root):
        try:
            st = path.stat()
        except OSError:
            continue
        out[str(path)] = (st.st_size, st.st_mtime_ns)
    return out


def _callable_state(value: Any) -> tuple:
    if isinstance(value, types.FunctionType):
        return (id(value), id(value.__code__), id(value.__defaults__), id(value.__kwdefaults__))
    return (id(value),)


def _module_state(module: types.ModuleType) -> dict[str, tuple]:
    """What the learner could patch in ``module``: functions, classes (and their members), modules, constants."""
    state: dict[str, tuple] = {}
    for name, value in list(vars(module).items()):
        if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, type)):
            state[name] = _callable_state(value)
            if isinstance(value, type) and value.__module__ == module.__name__:
                for member, inner in list(vars(value).items()):
                    if isinstance(inner, (staticmethod, classmethod)):
                        inner = inner.__func__
                    if isinstance(inner, property):
                        state[f"{name}.{member}"] = tuple(_callable_state(f) for f in (inner.fget, inner.fset))
                    elif callable(inner):
                        state[f"{name}.{member}"] = _callable_state(inner)
        elif isinstance(value, (int, float, str, bytes, tuple, frozenset)) and not name.startswith("__"):
            state[name] = ("=", repr(value)[:200])
    return state


def _foreign_code(module: types.ModuleType) -> list[str]:
    """Functions in ``module`` whose code was not loaded from a file (it was typed into a notebook cell)."""
    out = []
    for name, value in list(vars(module).items()):
        if isinstance(value, types.FunctionType):
            filename = value.__code__.co_filename
            if filename.startswith("<") or "ipykernel" in filename or not os.path.exists(filename):
                out.append(f"{module.__name__}.{name}")
    return out


class Guard:
    """A record of the kit in memory and on disk; :meth:`problems` lists what changed since.

    >>> guard = Guard(["sumkit"])
    >>> guard.problems()
    []
    """

    def __init__(self, packages: Iterable[str] = ("sumkit",), root: Path = ROOT) -> None:
        self.packages = tuple(packages)
        self.root = root
        self.modules: dict[str, dict[str, tuple]] = {}
        self.files = _fingerprints(root)
        self.builtins = {name: id(value) for name, value in vars(builtins).items() if not name.startswith("_")}
        self.registry: dict[str, tuple] = {}
        self.extend()

    def _ours(self, name: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in self.packages)

    def watch(self, package: str) -> None:
        """Also guard ``package`` (a checker module outside sumkit, e.g. a course's own)."""
        if package not in self.packages:
            self.packages += (package,)
        self.extend()

    def extend(self) -> None:
        """Record the modules imported since (trusted moments only: before any learner code, or after the kit's
        own cells)."""
        from .. import course

        for name, module in list(sys.modules.items()):
            if module is not None and self._ours(name) and name not in self.modules:
                self.modules[name] = _module_state(module)
        for id_, ex in list(course._REGISTRY.items()):
            self.registry.setdefault(id_, self._exercise_state(ex))

    @staticmethod
    def _exercise_state(ex: Any) -> tuple:
        return (id(ex), ex.points, _callable_state(ex.checker), id(ex.checker.__globals__))

    def problems(self, files: bool = True) -> list[str]:
        """What was modified since the record, in words (empty when nothing was)."""
        from .. import course

        found = []
        for name, module in list(sys.modules.items()):
            if module is None or not self._ours(name):
                continue
            if sys.modules.get(name) is not module and name in self.modules:
                found.append(f"the module {name} was replaced")
            found += [f"{q} holds code typed in a notebook cell" for q in _foreign_code(module)]
            before = self.modules.get(name)
            if before is None:
                continue
            now = _module_state(module)
            for attr, state in before.items():
                if now.get(attr) != state:
                    found.append(f"{name}.{attr} was {'deleted' if attr not in now else 'replaced'}")
        for name in self.modules:
            if name not in sys.modules:
                found.append(f"the module {name} was removed from sys.modules")
        registry = course._REGISTRY if isinstance(getattr(course, "_REGISTRY", None), dict) else {}
        for id_, state in self.registry.items():
            if id_ not in registry or self._exercise_state(registry[id_]) != state:
                found.append(f"the checker of exercise {id_} was replaced")
        for name, ident in self.builtins.items():
            if id(getattr(builtins, name, None)) != ident:
                found.append(f"the built-in {name} was replaced")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            found.append("a trace or profile function was installed (it could rewrite the checker as it runs)")
        if files:
            now = _fingerprints(self.root)
            changed = sorted(p for p in set(now) | set(self.files) if now.get(p) != self.files.get(p))
            if changed:
                found.append("the kit's files on disk were written: " + ", ".join(
                    os.path.relpath(p, self.root) for p in changed[:5]) + (" ..." if len(changed) > 5 else ""))
        return sorted(set(found))


def digest(data: bytes | str) -> str:
    """A short SHA-256 hex digest (for reports and tests)."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()[:16]
