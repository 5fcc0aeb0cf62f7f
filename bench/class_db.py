"""The class database alone: size per 1000 drawings, and the time of a send, a board, a board check and a join.

    python -m bench.class_db [--drawings 3000] [--students 30] [--db sqlite postgres postgresql://...]

Real drawings (held-out digits rendered as canvas drawings, preprocessed, read by the shipped model,
their ink thumbnail made as the Draw page makes it) are sent into a fresh database in a temporary
folder, as 30 students would: first one at a time, then 30 threads at once. Between the rounds the
board is read as the Class page reads it. Last, fresh joins that never send (a script opening the link):
once the room keeps its 200 idle joiners, each join also drops the oldest.
No Streamlit: the server benchmark (bench.classroom) adds that. ``--db`` runs the same on each database named,
in turn: SQLite in a temporary folder, a throwaway PostgreSQL server on loopback (fsync on, as a real
one), or a server you name by URL (a room of its own is added there).
"""

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bench.postgres import PostgresServer
from digitdemo import artifacts, data
from digitdemo.classroom import export, service, storage
from digitdemo.classroom.storage import ClassStore
from digitdemo.handwriting.canvas import render_drawing
from digitdemo.preprocess import preprocess


def percentiles(seconds: list[float]) -> str:
    ms = sorted(1000 * s for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"p50 {statistics.median(ms):6.2f} ms  p95 {p95:6.2f} ms  (n={len(ms)})"


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def file_bytes(path: Path) -> int:
    path = Path(path)
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=3000)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument(
        "--db", nargs="+", default=["sqlite"], metavar="sqlite|postgres|URL",
        help="each in turn: a fresh SQLite file, a throwaway PostgreSQL server (bench.postgres), or a URL",
    )  # fmt: skip
    args = parser.parse_args()

    model = artifacts.load()
    images, labels = data.load_source()
    rng = np.random.default_rng(0)
    chosen = rng.choice(np.flatnonzero(~data.is_training_example()), size=200, replace=False)
    sendable = []
    for i in chosen:
        steps = preprocess(render_drawing(images[i], rng))
        out = model.forward(steps.x)
        ink = service.ink_picture(steps.cropped)
        sendable.append((int(labels[i]), steps.x, ink, int(out.predicted_digit[0]), out.probabilities[0]))
    inks = [len(s[2]) for s in sendable]
    print(f"{len(sendable)} distinct drawings; ink PNG {statistics.median(inks):.0f} B median, {max(inks)} B max")
    # Each send gets its own minute, so the per-student limits never refuse one here.
    service.rooms.MAX_DRAWINGS_PER_STUDENT = args.drawings
    service.rooms.MAX_DRAWINGS_PER_ROOM = args.drawings
    for db in args.db:
        print(f"\n--- {db} ---")
        if db == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                measure(Path(folder) / "class.db", sendable, args)
        elif db == "postgres":
            server = PostgresServer(options={"fsync": "on", "full_page_writes": "on"}).start()  # as a real one
            try:
                measure(server.url(server.create_database()), sendable, args)
            finally:
                server.stop()
        else:
            measure(db, sendable, args)


def measure(location, sendable: list, args) -> None:
    """Send, board, export and join times (and a SQLite file's size) of a fresh room in the database at location."""
    store = ClassStore(location)
    sqlite = not storage.is_url(location)
    code = service.create_room(store).code
    students = [service.join(store, code) for _ in range(args.students)]
    clock = iter(range(10**9))

    def send(k: int) -> None:
        meant, x, ink, read, p = sendable[k % len(sendable)]
        student = students[k % len(students)]
        service.send_drawing(store, student, code, meant, x, ink, read, p, "shipped", now=60.0 * next(clock))

    half = args.drawings // 2
    one_at_a_time = [timed(lambda k=k: send(k)) for k in range(half)]
    size_half = file_bytes(location) if sqlite else 0

    at_once: list[float] = []
    lock = threading.Lock()

    def student_thread(start: int) -> None:
        mine = [timed(lambda k=k: send(k)) for k in range(start, args.drawings, args.students)]
        with lock:
            at_once.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=student_thread, args=(half + s,)) for s in range(args.students)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started

    board_times = [timed(lambda: service.board(store, code, latest_hidden=False)) for _ in range(200)]
    version_times = [timed(lambda: service.board_version(store, code)) for _ in range(2000)]
    export_time = timed(lambda: export.zip_bytes(store, code))
    kept = service.rooms.MAX_IDLE_STUDENTS_PER_ROOM
    joins = [timed(lambda: service.join(store, code)) for _ in range(kept + 500)][kept:]
    board = service.board(store, code)
    store.close()

    n = board.drawings
    print(f"{n} drawings from {args.students} students; the model read {board.accuracy:.1%} of them right")
    if sqlite:
        with_wal, checkpointed = file_bytes(location), Path(location).stat().st_size
        per_1000 = checkpointed / n * 1000 / 1e6
        print(f"database size: {checkpointed / 1e6:.2f} MB = {per_1000:.2f} MB per 1000 drawings")
        print(
            f"  with its WAL: {size_half / 1e6:.2f} MB at {half} drawings, "
            f"{with_wal / 1e6:.2f} MB at {n} before closing"
        )
    print(f"send, one at a time:            {percentiles(one_at_a_time)}")
    print(f"send, {args.students} threads at once:     {percentiles(at_once)}; "
          f"{len(at_once) / wall:.0f} sends/s")  # fmt: skip
    print(f"board (numbers + latest 24):    {percentiles(board_times)}")
    print(f"board_version (nothing new?):   {percentiles(version_times)}")
    print(
        f"export zip of {n}:            {1000 * export_time:.0f} ms ({1000 * export_time / n * 1000:.0f} ms per 1000)"
    )
    print(f"join, {kept} idle kept, 1 dropped: {percentiles(joins)}; students kept {board.joined}")


if __name__ == "__main__":
    main()
