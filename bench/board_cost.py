"""Server CPU of one board refresh (the Class page's live fragment) with 30 students, with and without a round.

    python -m bench.board_cost [--refreshes 40] [--students 30] [--db sqlite|postgres]

The signed-in teacher's Class page runs in AppTest on a room of 30 students and 300 drawings; each refresh is
one run of the page, and the board's part of it (board._board: the numbers, the round's view, the gallery, the
charts) is timed with time.thread_time, the CPU of the script's own thread. Four states of the room, in turn: no
round; a running "draw a 4" round holding 150 drawings; a "fool the model" round of 150 drawings with 20 misread
(the teacher's ticks) and 6 of them agreed (their pixel maps); each first with nothing new between refreshes,
then with one new drawing before each (the board is read and drawn again). Sending the elements to a browser is
not in these figures (bench.class_lesson measures a whole lesson through the server).
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.postgres import PostgresServer
from digitdemo.classroom import auth, rooms, service, storage
from digitdemo.pages.classroom import board

PASSWORD = "bench-teacher"


def timed_board() -> list[float]:
    """Wrap board._board so each call's thread CPU is recorded; the list it fills."""
    spent: list[float] = []
    original = board._board

    def wrapper(*args, **kwargs):
        start = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.thread_time() - start)

    board._board = wrapper
    return spent


def fill(store, code: str, students: list, n: int, start: float, meant: int = 4, misread: int = 0) -> list[int]:
    """n drawings of ``meant`` from the students in turn, the first ``misread`` read as 9; their ids."""
    rng = np.random.default_rng(n)
    ink = service.ink_picture(rng.random((20, 14)) > 0.5)
    ids = []
    for i in range(n):
        read = 9 if i < misread else meant
        p = np.full(10, 0.02, dtype=np.float32)
        p[read] = 0.82
        x = rng.random(400, dtype=np.float32)
        student = students[i % len(students)]
        ids.append(service.send_drawing(store, student, code, meant, x, ink, read, p, "m", now=start + 60 * (i // 30)))
    return ids


def measure(location, args) -> None:
    from tests.test_class_pages import teacher  # the test helpers' signed-in Class page

    os.environ[storage.DB_ENV] = str(location)
    os.environ[auth.PASSWORD_ENV] = PASSWORD
    store = storage.ClassStore(location)
    rooms.MAX_DRAWINGS_PER_STUDENT = 1000
    code = service.create_room(store).code
    students = [service.join(store, code, f"Student {i}") for i in range(args.students)]
    fill(store, code, students, 300, 1e6)
    at = teacher(PASSWORD)
    at.session_state["class.room"] = code
    at.run()
    spent = timed_board()
    now = [2e6]

    def refreshes(label: str) -> None:
        for changed in (False, True):
            spent.clear()
            for _ in range(args.refreshes):
                if changed:
                    fill(store, code, students[:1], 1, now[0])
                    now[0] += 60
                at.run()
            assert not at.exception, at.exception
            ms = sorted(1000 * s for s in spent)
            what = "a new drawing each" if changed else "nothing new"
            print(f"{label:34} {what:20} p50 {statistics.median(ms):6.2f} ms  max {ms[-1]:6.2f} ms  (n={len(ms)})")

    refreshes("no round")
    service.start_round(store, code, rooms.ONE_DIGIT, digit=4, now=now[0])
    fill(store, code, students, 150, now[0] + 1)
    now[0] += 60 * 10
    refreshes('"draw a 4", 150 drawings')
    service.end_round(store, code, now=now[0])
    fool = service.start_round(store, code, rooms.FOOL, digit=4, now=now[0] + 1)
    ids = fill(store, code, students, 150, now[0] + 2, misread=20)
    for drawing_id in ids[:6]:
        service.mark_agreed(store, code, fool.id, drawing_id)
    now[0] += 60 * 10
    refreshes('"fool the model", 20 misread, 6 in')
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=40)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    if args.db == "postgres":
        server = PostgresServer().start()
        try:
            measure(server.url(server.create_database()), args)
        finally:
            server.stop()
    else:
        with tempfile.TemporaryDirectory() as folder:
            measure(Path(folder) / "class.db", args)


if __name__ == "__main__":
    main()
