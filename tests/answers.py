"""The reference answers (``notebooks/solutions/answers/NN.py``), run the way the solution notebook runs them."""

from __future__ import annotations

from typing import Any

import numpy as np

import sumkit as sk
from sumkit.course import build


def reference_answers(notebook: str, **names: Any) -> dict[str, Any]:
    """The names notebook ``notebook``'s reference answers define, run after ``names`` (what the notebook imports
    before its exercises; ``np`` and ``sk`` are always there).

    >>> reference_answers("07", eth_abi=eth_abi, keccak=keccak)["decode_error"]   # doctest: +SKIP
    """
    namespace: dict[str, Any] = {"np": np, "sk": sk, **names}
    path = build.ANSWERS / f"{notebook}.py"
    exec(compile(path.read_text(), f"answers/{notebook}.py", "exec"), namespace)
    return namespace
