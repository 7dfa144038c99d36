"""sumkit.chain.history: a snapshot undoes exactly what was mined inside it, even when the history learnt older
events inside it (``backfill``: a trainer deployed by someone else attached with ``sk.Trainer.at``)."""

from __future__ import annotations

import sumkit as sk

from .conftest import NEGATIVE, POSITIVE, make_trainer
from .nodes import node  # noqa: F401 - the fixture


def test_a_snapshot_keeps_events_mined_before_it_when_older_ones_were_backfilled_inside_it(node):
    other = sk.Chain.connect(node.url)  # another kernel deploys a trainer and contributes, then is gone
    theirs = make_trainer(other)
    theirs.add_data(POSITIVE, 1, sender=other.alice)
    mine = sk.Chain.connect(node.url)  # this kernel has a trainer of its own, with a contribution
    own = make_trainer(mine)
    kept = own.add_data(NEGATIVE, 1, sender=mine.bob)
    before = mine.events()
    with mine.snapshot():
        attached = sk.Trainer.at(mine, theirs.address)  # reads the other trainer's older events into the history
        assert len(attached.added()) == 1
        own.add_data(POSITIVE, 1, sender=mine.alice)  # mined inside: undone at the end
        assert len(own.added()) == 2
    assert own.added() == [kept] and own.check_model()  # what was mined before the snapshot is all still there
    after = mine.events()

    def own_events(events):
        return events[events["address"] == own.address][["block", "event"]].values.tolist()

    assert own_events(after) == own_events(before)
    assert len(attached.added()) == 1  # the other trainer's events, mined before the snapshot, stay known
    assert list(after["block"]) == sorted(after["block"])  # in chain order
