"""A class on one chain: the class node behind a method gateway, join files, the class registry, the dashboard.

Instructor::

    with sk.Classroom.start(students=["ana", "ben"], dir="class") as room:
        room.join_file("ana"); room.travel(days=1); room.dashboard()

    python -m sumkit.classroom start --students 30 --dir class [--host H] [--port P]

Student::

    chain = sk.Chain.join("ana.json")       # that student's key only; travel and snapshot refuse
    trainer = sk.Trainer.at(chain, chain.backend.info["contracts"]["trainer"])
"""

from ..chain.backends.classnode import ClassBackend
from .recipe import class_data, held_out
from .room import LEVELS, Classroom, read_roster

__all__ = ["LEVELS", "ClassBackend", "Classroom", "class_data", "held_out", "read_roster"]
