"""The class restarted while a student is connected: their next call says the class is not answering; the
instructor restarts it from DIR (same port, same chain); the student goes on, or rejoins with the same file,
and nothing that was mined is lost. The same when only the gateway stops (its process killed): the instructor
restarts the gateway alone (``room.restart_gateway()``) and the node's chain is untouched."""

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


def test_a_killed_gateway_restarted_alone_loses_nothing(tmp_path):
    require_node()
    data = sk.classroom.class_data()
    with sk.Classroom.start(students=["ana"], dir=tmp_path, levels=()) as room:
        url = room.url
        ana = sk.Chain.join(room.join_file("ana"))
        trainer = sk.Trainer.at(ana, ana.backend.info["contracts"]["trainer"])
        added = [trainer.add_data(data.X_train[i], data.y_train[i], sender=ana.owner) for i in range(40, 42)]
        mined = room.chain.w3.eth.block_number
        room._gateway.kill()  # the gateway's process dies (a crash, an out-of-memory kill); the node keeps running
        room._gateway.wait()
        assert room.node.running and not room.running
        with pytest.raises(ConnectionError, match="the class node .* is not answering.*Nothing that was mined is lost"):
            trainer.add_data(data.X_train[42], data.y_train[42], sender=ana.owner)
        room.restart_gateway()
        assert room.running and room.url == url
        assert room.chain.w3.eth.block_number == mined  # the chain did not move: nothing was lost or added
        # the same kernel goes on, with the same file, through the same URL ...
        added.append(trainer.add_data(data.X_train[42], data.y_train[42], sender=ana.owner))
        room.travel(hours=13)
        assert trainer.refund(added[0], sender=ana.owner) == added[0].deposit
        # ... and a fresh kernel rejoins and sees everything
        attached = sk.Trainer.at(sk.Chain.join(room.join_file("ana")), trainer.address)
        assert [c.key for c in attached.added()] == [c.key for c in added]
        assert attached.check_model() and room.trainer.check_model()
