"""The class restarted while a student is connected: their next call says the class is not answering; the
instructor restarts it from DIR (same port, same chain); the student goes on, or rejoins with the same file,
and nothing that was mined is lost."""

from __future__ import annotations

import pytest

import sumkit as sk
from tests.nodes import require_node


def test_a_restarted_class_loses_nothing_and_students_rejoin(tmp_path):
    require_node()
    data = sk.classroom.class_data()
    room = sk.Classroom.start(students=["ana"], dir=tmp_path, levels=())
    try:
        url = room.url
        ana = sk.Chain.join(room.join_file("ana"))
        trainer = sk.Trainer.at(ana, ana.backend.info["contracts"]["trainer"])
        added = [trainer.add_data(data.X_train[i], data.y_train[i], sender=ana.owner) for i in range(30, 33)]
        room.travel(hours=13)
    finally:
        room.stop()
    with pytest.raises(ConnectionError, match="the class node .* is not answering.*Nothing that was mined is lost"):
        trainer.next_deposit()
    with sk.Classroom.start(dir=tmp_path) as again:
        assert again.url == url and again.students == room.students
        assert len(again.trainer.added()) == 3 and again.trainer.check_model()
        # the same kernel goes on ...
        assert trainer.refund(added[0], sender=ana.owner) == added[0].deposit
        # ... and a fresh kernel rejoins with the same file and sees everything
        fresh = sk.Chain.join(again.join_file("ana"))
        attached = sk.Trainer.at(fresh, fresh.backend.info["contracts"]["trainer"])
        assert [c.key for c in attached.added()] == [c.key for c in added]
        assert attached.check_model()
        assert trainer.refund(added[1], sender=ana.owner) == added[1].deposit
