"""``python -m sumkit.classroom start (--students N | --roster FILE) --dir DIR [--host H] [--port P]``: start a
class (or restart the one in DIR), print where the join files are, and serve until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import warnings

from .room import LEVELS, OPEN_HOST_WARNING, Classroom, read_roster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sumkit.classroom")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start a class (or restart the one in --dir)")
    who = start.add_mutually_exclusive_group()
    who.add_argument("--students", type=int, help="how many students (named student01, student02, ...)")
    who.add_argument("--roster", help="a file with one student name per line")
    start.add_argument("--dir", required=True, help="the class directory (join files, the chain's state)")
    start.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    start.add_argument("--port", type=int, help="the port (default: a free one; kept on restart)")
    start.add_argument("--url", help="the URL students use (default http://HOST:PORT; with --host 0.0.0.0, this "
                                     "machine's name)")
    start.add_argument("--levels", default=",".join(LEVELS), help="lab levels per student (comma-separated, or '')")
    args = parser.parse_args(argv)
    students = read_roster(args.roster) if args.roster else args.students
    if args.host not in ("127.0.0.1", "localhost"):
        print("WARNING: " + OPEN_HOST_WARNING.format(host=args.host), file=sys.stderr)
    levels = [name for name in args.levels.split(",") if name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the host warning was printed above
        room = Classroom.start(students, dir=args.dir, host=args.host, port=args.port, url=args.url, levels=levels)
    stop = threading.Event()  # Ctrl-C or a termination signal stops the class cleanly, whenever it comes
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    with room:
        print(f"class node: {room.url} ({len(room.students)} students)")
        print(f"join files: {room.dir / 'students'} (hand each student their own file only)")
        print(f"instructor: {room.dir / 'instructor.json'} (keep it to yourself)")
        print("serving; Ctrl-C stops (start again with the same --dir to go on)", flush=True)
        while room.running and not stop.wait(1):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
