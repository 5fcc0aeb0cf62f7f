"""What the Draw page's live check costs the server: 30 students in a room, each page asking every 2 s whether the
room changed (issue 16), measured at the server.

    python -m bench.round_check [--students 30] [--seconds 30] [--db sqlite|postgres]

Light clients speak Streamlit's own protocol, each a session of its own on /draw?room=CODE, and rerun the live
check's fragment as the browser does (the fragment id the server announced with its run_every). Three phases,
each as long: a quiet room (only the change counter is read); a busy room, a drawing stored every 0.5 s by
another student, so every check also reads what the page shows (the page must not rerun: nothing it shows
changed); then a round starts, and every student's next check reruns the whole page. Server CPU per check is
the server's CPU over the phase, less what it spends idle for as long, divided by the checks answered.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.harness import app_servers, cpu_seconds
from digitdemo.classroom import rooms, service, storage

FINISHED_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


class Student:
    """One Draw page over the websocket: it connects, then reruns its live check as the browser's timer does."""

    def __init__(self, url: str, code: str):
        self.url, self.query = url, f"room={code}"
        self.check_id: str | None = None  # the fragment with run_every (ForwardMsg.auto_rerun)
        self.page_hash = ""  # the Draw page's, as the browser sends it back with every rerun
        self.page_reruns = 0  # whole-page runs a check asked for (st.rerun(scope="app"))
        self.texts: list[str] = []

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.url.replace("http", "ws") + "/_stcore/stream", max_size=None)
        first = BackMsg()
        first.rerun_script.page_name = "draw"
        first.rerun_script.query_string = self.query
        first.rerun_script.context_info.url = f"{self.url}/draw"
        await self.ws.send(first.SerializeToString())
        await self.until_finished()

    async def until_finished(self) -> None:
        self.texts = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.ws.recv())
            if message.HasField("navigation"):  # st.navigation names the page it ran
                self.page_hash = message.navigation.page_script_hash
            if message.HasField("auto_rerun"):
                self.check_id = message.auto_rerun.fragment_id
            elif message.HasField("delta") and message.delta.HasField("new_element"):
                element = message.delta.new_element
                if element.HasField("markdown"):
                    self.texts.append(element.markdown.body)
            elif message.HasField("script_finished"):
                if message.script_finished == FINISHED_FOR_RERUN:
                    self.page_reruns += 1
                    continue
                return

    async def check(self) -> float:
        """The live check once, as the browser asks for it every 2 s; seconds until it (and any rerun) finished."""
        message = BackMsg()
        message.rerun_script.page_name = "draw"
        message.rerun_script.page_script_hash = self.page_hash
        message.rerun_script.query_string = self.query
        message.rerun_script.fragment_id = self.check_id
        message.rerun_script.is_auto_rerun = True
        started = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        await self.until_finished()
        return time.perf_counter() - started


async def phase(students: list[Student], seconds: float) -> list[float]:
    """Every student checks every room.CHECK_S seconds (staggered, as pages opened at different moments)."""
    from digitdemo.pages.classroom.room import CHECK_S

    replies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def one(i: int, student: Student) -> None:
        await asyncio.sleep(CHECK_S * i / len(students))
        while time.perf_counter() < deadline:
            replies.append(await student.check())
            await asyncio.sleep(CHECK_S)

    await asyncio.gather(*(one(i, s) for i, s in enumerate(students)))
    return replies


def busy_room(store: storage.ClassStore, code: str, stop: threading.Event) -> None:
    """Another student's drawings, one every 0.5 s: the room's change counter moves under every check."""
    ink = service.ink_picture(np.eye(20))
    x, p = np.full(400, 0.5, dtype=np.float32), np.full(10, 0.1, dtype=np.float32)
    other, sent = service.join(store, code), 0
    while not stop.is_set():
        if sent == rooms.MAX_DRAWINGS_PER_STUDENT:
            other, sent = service.join(store, code), 0
        # A minute apart in sending time: the room's rate limit counts sends per minute.
        service.send_drawing(store, other, code, 7, x, ink, 7, p, "m", now=1e6 + 60 * sent)
        sent += 1
        stop.wait(0.5)


def ms(seconds: list[float]) -> str:
    values = sorted(1000 * s for s in seconds)
    return f"reply p50 {statistics.median(values):4.0f} ms, p95 {values[int(0.95 * (len(values) - 1))]:4.0f} ms"


async def lesson(url: str, pid: int, store: storage.ClassStore, code: str, count: int, seconds: float) -> None:
    students = [Student(url, code) for _ in range(count)]
    for student in students:
        await student.connect()
    assert all(s.check_id for s in students), "the Draw page announced no live check"
    cpu, wall = cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(seconds)
    idle = (cpu_seconds(pid) - cpu) / (time.perf_counter() - wall)  # CPU per second with nobody checking
    print(f"{count} students on the Draw page; the server idle: {1000 * idle:.1f} ms of CPU per second")

    def measured(name: str, replies: list[float], cpu: float, wall: float, reruns: int) -> None:
        spent = cpu_seconds(pid) - cpu - idle * (time.perf_counter() - wall)
        print(
            f"  {name:<44} {len(replies):4d} checks, server CPU {1000 * spent / len(replies):5.2f} ms per check, "
            f"{ms(replies)}, whole-page reruns {reruns}"
        )

    before = sum(s.page_reruns for s in students)
    cpu, wall = cpu_seconds(pid), time.perf_counter()
    replies = await phase(students, seconds)
    measured("quiet room (the change counter only)", replies, cpu, wall, sum(s.page_reruns for s in students) - before)

    stop = threading.Event()
    writer = threading.Thread(target=busy_room, args=(storage.ClassStore(store.location), code, stop))
    before = sum(s.page_reruns for s in students)
    writer.start()
    cpu, wall = cpu_seconds(pid), time.perf_counter()
    replies = await phase(students, seconds)
    stop.set()
    writer.join()
    measured("busy room (a drawing every 0.5 s)", replies, cpu, wall, sum(s.page_reruns for s in students) - before)

    before = sum(s.page_reruns for s in students)
    service.start_round(store, code, rooms.ONE_DIGIT, digit=4)
    cpu, wall = cpu_seconds(pid), time.perf_counter()
    replies = await phase(students, 2.0)  # one check each: the round's start
    seen = sum(any("# Draw a 4" in t for t in s.texts) for s in students)  # what each page's last run drew
    measured(
        "a round starts (each page reruns once)", replies, cpu, wall, sum(s.page_reruns for s in students) - before
    )
    print(f"  {seen} of {count} pages show 'Draw a 4' after their first check since the round started")
    for student in students:
        await student.ws.close()
    # The database's part of a check, in this process on the same database: the change counter, and what the
    # page shows (asked only when the counter moved).
    someone = service.join(store, code)
    for name, ask in (
        ("service.board_version", lambda: service.board_version(store, code)),
        ("service.student_view", lambda: service.student_view(store, someone)),
    ):
        cpu, n = time.process_time(), 2000
        for _ in range(n):
            ask()
        print(f"  {name:<44} {1000 * (time.process_time() - cpu) / n:.3f} ms of CPU each (the bench's process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = None
        if args.db == "postgres":
            from bench.postgres import PostgresServer

            server = PostgresServer().start()
            location = server.url(server.create_database())
        else:
            location = str(Path(folder) / "class.db")
        os.environ[storage.DB_ENV] = location
        store = storage.ClassStore(location)
        code = service.create_room(store).code
        try:
            with app_servers(1) as (url, pids):
                asyncio.run(lesson(url, pids[0], store, code, args.students, args.seconds))
        finally:
            store.close()
            if server is not None:
                server.stop()
    print(f"class database: {args.db}; checks every 2 s; reply: the check sent → its run finished.")


if __name__ == "__main__":
    main()
