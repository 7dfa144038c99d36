"""The local development node for the tests that need one: a fresh node per test (it starts in a fraction of
a second). Without the node installed they are skipped with the reason, except in CI (CI=true), which fails."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import sumkit as sk
from sumkit.chain.node import NodeNotAvailable, find_anvil


def _unavailable(error: NodeNotAvailable) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the local-node tests: {error}")
    pytest.skip(str(error))


def require_node() -> None:
    """Skip (fail in CI) unless the local node is installed."""
    try:
        find_anvil()
    except NodeNotAvailable as e:
        _unavailable(e)


def start_node() -> sk.LocalNode:
    """A started local node, or a skip (a failure in CI) saying why there is none."""
    try:
        return sk.LocalNode()
    except NodeNotAvailable as e:
        _unavailable(e)
        raise


@pytest.fixture
def node() -> Iterator[sk.LocalNode]:
    with start_node() as started:
        yield started
