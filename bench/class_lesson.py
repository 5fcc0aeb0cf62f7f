"""A 30-student lesson in a room, measured at the server: drawing, sending, and the class board open.

    python -m bench.class_lesson [--students 30] [--seconds 60] [--processes 1 2]

--processes: as bench.classroom, one configuration after the other (1: `streamlit run`; N: `serve`, N workers
behind HAProxy; each client first opens the page, for HAProxy's cookie); CPU per process, the workers then HAProxy.

As bench.classroom: a real Chromium does each step once (a student draws a 7, chooses 7 and presses
Send to the class), its websocket messages are recorded, and light clients replay them over
Streamlit's own protocol, each its own session: 30 students in the room, and one teacher's Class
page whose board fragment is rerun every 1.5 s, as the browser asks for it. After a send the canvas
is a new widget, so each student uses the canvas id the server last sent it. Every send must come
back with "Sent your 7"; at the end the database must hold exactly the acknowledged drawings.
"""

import argparse
import asyncio
import os
import random
import signal
import statistics
import tempfile
import time
from pathlib import Path

import websockets
from playwright.sync_api import sync_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.harness import (
    SEVEN,
    app_servers,
    canvas_on,
    cpu_seconds,
    draw,
    first_visit_cookies,
    launch,
    rss_mb,
    wait_metric,
)
from digitdemo.classroom import service, storage

PASSWORD = "bench-lesson"
FINISHED_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


def record(url: str, code: str) -> dict[str, bytes]:
    """The messages a real Chromium sends as a student: a stroke, choosing the digit, Send to the class."""
    frames: dict[str, bytes] = {}
    with sync_playwright() as p:
        browser = launch(p)
        sent: list[bytes] = []
        page = browser.new_page()
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
        page.goto(f"{url}/draw?room={code}")
        draw(page, canvas_on(page), SEVEN)
        wait_metric(page, "7")
        # What the student's own actions sent, not the page's live check (a fragment the browser reruns every 2 s,
        # carrying every widget's value): replayed alone, it set the digit without the keypad's own run, and Send
        # then did nothing (every send of a run refused, 2026-12-06).
        own = [f for f in sent if not _message(f).rerun_script.is_auto_rerun]
        frames["stroke"] = next(f for f in reversed(own) if b"draw.canvas.0" in f and b'"data":"data:image' in f)
        page.get_by_role("radio", name="7", exact=True).click()
        page.get_by_role("button", name="Send to the class").wait_for()
        time.sleep(1)
        frames["digit"] = next(f for f in reversed(sent) if not _message(f).rerun_script.is_auto_rerun)
        page.get_by_role("button", name="Send to the class").click()
        page.get_by_text("Sent your 7").wait_for(timeout=30_000)
        frames["send"] = next(f for f in reversed(sent) if b"room.send" in f)
        page.close()

        browser.close()
    return frames


def _message(frame: bytes) -> BackMsg:
    message = BackMsg()
    message.ParseFromString(frame)
    return message


class Client:
    """One session over Streamlit's websocket protocol, as the browser speaks it."""

    def __init__(self, url: str, page: str, query: str):
        self.url, self.page, self.query = url, page, query
        self.canvas_id: str | None = None
        self.keypad_id: str | None = None  # the keypad's key changes with each drawing sent, as the canvas's does
        self.fragment_id: str | None = None  # the last fragment the page drew (on the Class page: the board)
        self.alerts: list[str] = []
        self.strokes: list[tuple[float, float]] = []  # this session's strokes: (sent, perf_counter; reply, seconds)

    async def connect(self) -> None:
        cookies = await asyncio.get_running_loop().run_in_executor(None, first_visit_cookies, self.url)
        self.ws = await websockets.connect(
            self.url.replace("http", "ws") + "/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            additional_headers={"Cookie": cookies},  # HAProxy's worker cookie: one worker holds the session
        )
        first = BackMsg()
        first.rerun_script.page_name = self.page
        first.rerun_script.query_string = self.query
        first.rerun_script.context_info.url = f"{self.url}/{self.page}"
        await self.ws.send(first.SerializeToString())
        await self.until_finished()

    async def until_finished(self) -> None:
        """Read until the run ends (a rerun the script asked for is followed to its end)."""
        self.alerts = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.ws.recv())
            if message.HasField("delta") and message.delta.fragment_id:
                self.fragment_id = message.delta.fragment_id
            if message.HasField("delta") and message.delta.HasField("new_element"):
                element = message.delta.new_element
                if element.HasField("bidi_component") and "draw.canvas." in element.bidi_component.id:
                    self.canvas_id = element.bidi_component.id  # a new canvas after each send
                elif element.HasField("button_group") and "room.digit." in element.button_group.id:
                    self.keypad_id = element.button_group.id
                elif element.HasField("alert"):
                    self.alerts.append(element.alert.body)
            elif message.HasField("script_finished") and message.script_finished != FINISHED_FOR_RERUN:
                return

    async def signed_in(self) -> None:
        """The teacher's link signs in, then the browser loads the page again without it (issue 28): here, the same
        session runs the page again (a light client keeps no cookie)."""
        self.query = "&".join(part for part in self.query.split("&") if not part.startswith("teacher="))
        again = BackMsg()
        again.rerun_script.page_name = self.page
        again.rerun_script.query_string = self.query
        await self.ws.send(again.SerializeToString())
        await self.until_finished()

    async def refresh(self) -> float:
        """What the browser sends every 1.5 s for a fragment with run_every: rerun just that fragment."""
        message = BackMsg()
        message.rerun_script.page_name = self.page
        message.rerun_script.query_string = self.query
        message.rerun_script.fragment_id = self.fragment_id
        message.rerun_script.is_auto_rerun = True
        started = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        await self.until_finished()
        return time.perf_counter() - started

    async def send(self, frame: bytes) -> float:
        """Send a recorded message, with this session's canvas and keypad; seconds until the run finished."""
        message = _message(frame)
        for widget in message.rerun_script.widget_states.widgets:
            if "draw.canvas." in widget.id and self.canvas_id is not None:
                widget.id = self.canvas_id
            elif "room.digit." in widget.id and self.keypad_id is not None:
                widget.id = self.keypad_id
        started = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        await self.until_finished()
        return time.perf_counter() - started


def p50_p95(seconds: list[float]) -> str:
    if not seconds:
        return "none"
    ms = sorted(1000 * s for s in seconds)
    return f"p50 {statistics.median(ms):5.0f} ms  p95 {ms[min(len(ms) - 1, int(0.95 * len(ms)))]:5.0f} ms  n={len(ms)}"


async def lesson(
    url: str, pids: list[int], code: str, frames: dict[str, bytes], students: int, seconds: float, kill_after=None
) -> int:
    """kill_after: seconds into the lesson at which one worker is killed with -9 (serve restarts it)."""
    room = [Client(url, "draw", f"room={code}") for _ in range(students)]
    board = Client(url, "class", f"teacher={PASSWORD}")
    for client in [board, *room]:
        await client.connect()
    await board.signed_in()
    times: dict[str, list[float]] = {"stroke": [], "digit": [], "send": [], "board": []}
    acknowledged, refused = 0, []
    deadline = time.perf_counter() + seconds
    cpu, wall = [cpu_seconds(pid) for pid in pids], time.perf_counter()

    reconnected: list[float] = []  # seconds from a dropped connection to the page running again
    dropped: set[int] = set()

    async def again(client: Client) -> None:
        """As the browser does when its websocket drops: connect again until the page runs."""
        lost = time.perf_counter()
        dropped.add(id(client))
        while True:
            try:
                await client.connect()
                break
            except (OSError, websockets.ConnectionClosed, websockets.InvalidStatus):
                await asyncio.sleep(0.5)
        reconnected.append(time.perf_counter() - lost)

    async def student(client: Client) -> None:
        nonlocal acknowledged
        rng = random.Random(id(client))
        await asyncio.sleep(rng.uniform(0, 8))
        while time.perf_counter() < deadline:
            try:
                sent = time.perf_counter()
                client.strokes.append((sent, await client.send(frames["stroke"])))
                times["stroke"].append(client.strokes[-1][1])
                await asyncio.sleep(rng.uniform(1, 3))  # choosing the digit
                times["digit"].append(await client.send(frames["digit"]))
                await asyncio.sleep(rng.uniform(0.5, 1.5))
                times["send"].append(await client.send(frames["send"]))
            except websockets.ConnectionClosed:
                await again(client)
                continue
            if any(alert.startswith("Sent your 7") for alert in client.alerts):
                acknowledged += 1
            else:
                refused.append(client.alerts[-1] if client.alerts else "no answer")
            await asyncio.sleep(rng.uniform(8, 14))  # the next drawing: about 10 s, inside 6 a minute

    async def projector() -> None:
        while time.perf_counter() < deadline:
            try:
                times["board"].append(await board.refresh())
            except websockets.ConnectionClosed:
                await again(board)
            await asyncio.sleep(1.5)

    killed_at = None

    async def kill() -> None:
        nonlocal killed_at
        await asyncio.sleep(kill_after)
        killed_at = time.perf_counter()
        worker = next(pid for pid in pids if b"streamlit" in Path(f"/proc/{pid}/cmdline").read_bytes())
        os.kill(worker, signal.SIGKILL)
        print(f"  killed worker {worker} with -9 at {kill_after:.0f} s")

    await asyncio.gather(projector(), *(student(c) for c in room), *([kill()] if kill_after else []))
    if kill_after:
        others = [(sent, t) for c in room if id(c) not in dropped for sent, t in c.strokes]
        print(f"  {len(dropped)} sessions were dropped and connected again: {p50_p95(reconnected)}")
        print(f"  the other workers' students' strokes, the whole lesson: {p50_p95([t for _, t in others])}")
        # What they notice: the dropped sessions' pages run anew on their worker, all within a few seconds.
        for start, end, when in [(-10, 0, "the 10 s before the kill"), (0, 10, "the 10 s after it"),
                                 (10, 30, "10-30 s after it")]:  # fmt: skip
            chosen = [t for sent, t in others if start <= sent - killed_at < end]
            print(f"  the other workers' students' strokes, {when:<24} {p50_p95(chosen)}")
    wall = time.perf_counter() - wall
    live = [(pid, c) for pid, c in zip(pids, cpu, strict=True) if Path(f"/proc/{pid}").exists()]
    pids = [pid for pid, _ in live]  # a killed worker's figures are gone with it
    shares = " + ".join(f"{(cpu_seconds(pid) - c) / wall:.0%}" for pid, c in live)
    rss = " + ".join(f"{rss_mb(pid):.0f}" for pid in pids)
    print(f"{students} students and one board for {wall:.0f} s: server CPU {shares} of a core, RSS {rss} MB")
    for name, label in [("stroke", "a stroke (prediction)"), ("digit", "choosing the digit"),
                        ("send", "Send to the class"), ("board", "a board refresh")]:  # fmt: skip
        print(f"  {label:<24} {p50_p95(times[name])}")
    print(f"  sends acknowledged {acknowledged}, refused {len(refused)} {sorted(set(refused))[:3]}")
    # The board alone, nothing changing: what a refresh costs the server when only the change counter is read.
    quiet, cpu = [], sum(cpu_seconds(pid) for pid in pids)
    for _ in range(30):
        quiet.append(await board.refresh())
    cpu = sum(cpu_seconds(pid) for pid in pids) - cpu
    print(f"  board alone, unchanged  {p50_p95(quiet)}  server CPU {1000 * cpu / len(quiet):.1f} ms per refresh")
    for client in [board, *room]:
        await client.ws.close()
    return acknowledged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--processes", type=int, nargs="+", default=[1], help="one run each, side by side")
    parser.add_argument("--kill-worker-after", type=float, metavar="S", help="kill -9 one worker S s into the lesson")
    args = parser.parse_args()
    for processes in args.processes:
        print(f"\n--- {'streamlit run' if processes == 1 else f'serve --processes {processes}'}")
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "class.db"
            os.environ[storage.DB_ENV] = str(db)
            os.environ["DIGITDEMO_TEACHER_PASSWORD"] = PASSWORD
            store = storage.ClassStore(db)
            code = service.create_room(store).code
            with app_servers(processes) as (url, pids):
                frames = record(url, code)
                before = service.get_room(store, code).drawings
                kill = args.kill_worker_after if processes > 1 else None
                acknowledged = asyncio.run(lesson(url, pids, code, frames, args.students, args.seconds, kill))
            stored = service.get_room(store, code).drawings - before
            rows = {d.student_id for d in service.room_drawings(store, code)}
            print(f"  stored {stored} drawings from {len(rows)} students: lost {acknowledged - stored}")
            # The brake on joining (issue 28): what it costs a real class joining at once (nothing refused, we hope).
            joins = service.joins(store, code)
            print(f"  joins: {args.students} students joined at once (+ the recording browser); refused "
                  f"{joins.refused}, the room's budget {joins.budget} a minute")  # fmt: skip
            store.close()
    print("reply time: message sent → the run finished (a send includes the page's full rerun).")


if __name__ == "__main__":
    main()
