"""A class at once: 30 students' sessions drawing on one server, measured at the server.

    python -m bench.classroom [--students 30] [--seconds 30] [--processes 1 2]

--processes: one configuration after the other in one run, side by side: 1 is `streamlit run`, N > 1 is
`python -m digitdemo serve --processes N` (N workers behind HAProxy, sticky by cookie). Each light client
first opens the page as a browser does, for HAProxy's cookie, and sends it with its websocket and images.

Browsers are too heavy to run 30 of on 2 cores, and they would compete with the server for
the CPU being measured. So a real Chromium draws a 7 and a 1 once, the messages it sends
are recorded, and 30 light clients replay them over Streamlit's own websocket protocol,
each its own session, fetching the images the page refers to as a browser would. Each
reply is checked: the Prediction metric must show the digit that client drew.

Three phases: in turn (one drawing at a time), all at once (30 drawings sent together),
and a lesson (each student draws every 2 to 6 s, at random, for --seconds).
"""

import argparse
import asyncio
import random
import statistics
import time
import urllib.request

import websockets
from playwright.sync_api import sync_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.harness import app_servers, canvas_on, cpu_seconds, draw, first_visit_cookies, launch, rss_mb, wait_metric

ONE = [(140, 50), (140, 240)]
SEVEN = [(90, 70), (190, 70), (190, 90), (160, 150), (130, 230)]


def record_strokes(url: str) -> dict[str, bytes]:
    """The BackMsg a real Chromium sends for a stroke of each digit, from a session of its own."""
    strokes = {}
    with sync_playwright() as p:
        browser = launch(p)
        for digit, stroke in [("7", SEVEN), ("1", ONE)]:
            sent = []
            page = browser.new_page()
            page.on("websocket", lambda ws, sent=sent: ws.on("framesent", lambda payload: sent.append(payload)))
            page.goto(url + "/draw")
            draw(page, canvas_on(page), stroke)
            wait_metric(page, digit)
            strokes[digit] = next(
                frame for frame in reversed(sent) if b"draw.canvas.0" in frame and b'"data":"data:image' in frame
            )
            page.close()
        browser.close()
    return strokes


class Student:
    """One session: a websocket speaking Streamlit's protocol, as the browser does."""

    def __init__(self, url: str, digit: str, stroke: bytes):
        self.url, self.digit, self.stroke = url, digit, stroke
        self.latencies: list[float] = []
        self.wrong = 0

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        self.cookies = await loop.run_in_executor(None, first_visit_cookies, self.url)  # HAProxy's worker cookie
        self.ws = await websockets.connect(
            self.url.replace("http", "ws") + "/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            additional_headers={"Cookie": self.cookies},
        )
        first = BackMsg()
        first.rerun_script.page_name = "draw"
        first.rerun_script.context_info.url = self.url + "/draw"
        await self.ws.send(first.SerializeToString())
        await self._until_finished()

    async def _until_finished(self) -> str | None:
        """Read messages until the run ends; return the Prediction metric's value, fetching images."""
        value, images = None, []
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.ws.recv())
            if message.HasField("delta") and message.delta.HasField("new_element"):
                element = message.delta.new_element
                if element.HasField("metric") and element.metric.label == "Prediction":
                    value = element.metric.body
                elif element.HasField("imgs"):
                    images += [img.url for img in element.imgs.imgs]
            elif message.HasField("script_finished"):
                break
        loop = asyncio.get_running_loop()
        for path in images:  # what the browser then asks the server for, from the worker holding the session
            request = urllib.request.Request(self.url + path, headers={"Cookie": self.cookies})
            await loop.run_in_executor(None, lambda r=request: urllib.request.urlopen(r).read())
        return value

    async def draw_once(self) -> None:
        started = time.perf_counter()
        await self.ws.send(self.stroke)
        value = await self._until_finished()
        self.latencies.append(time.perf_counter() - started)
        self.wrong += value != self.digit

    async def close(self) -> None:
        await self.ws.close()


def summary(
    name: str, latencies: list[float], wrong: int, cpu: list[float], wall: float, rss: list[float], own: float
) -> None:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    shares = " + ".join(f"{c / wall:.0%}" for c in cpu)
    print(
        f"{name:<28} {len(latencies):5d} drawings  p50 {statistics.median(ordered) * 1000:6.0f} ms  "
        f"p95 {p95 * 1000:6.0f} ms  max {ordered[-1] * 1000:6.0f} ms  server CPU {shares} of a core  "
        f"RSS {' + '.join(f'{r:.0f}' for r in rss)} MB  wrong or lost {wrong}  load generator {own / wall:.0%}"
    )


async def classroom(url: str, pids: list[int], strokes: dict[str, bytes], students: int, seconds: float) -> None:
    class_ = [Student(url, d, strokes[d]) for d in ("7", "1") * (students // 2) + ("7",) * (students % 2)]
    started = time.perf_counter()
    for student in class_:
        await student.connect()
    rss = " + ".join(f"{rss_mb(pid):.0f}" for pid in pids)
    print(f"{students} sessions connected in {time.perf_counter() - started:.1f} s, RSS {rss} MB")

    async def phase(name: str, body) -> None:
        for s in class_:
            s.latencies, s.wrong = [], 0
        wall, cpu, own = time.perf_counter(), [cpu_seconds(pid) for pid in pids], time.process_time()
        await body()
        wall, cpu = time.perf_counter() - wall, [cpu_seconds(pid) - c for pid, c in zip(pids, cpu, strict=True)]
        own = time.process_time() - own  # the light clients' own CPU: on this machine they share its cores
        latencies = [t for s in class_ for t in s.latencies]
        summary(name, latencies, sum(s.wrong for s in class_), cpu, wall, [rss_mb(pid) for pid in pids], own)

    async def in_turn():
        for _ in range(2):
            for s in class_:
                await s.draw_once()

    async def at_once():
        for _ in range(3):
            await asyncio.gather(*(s.draw_once() for s in class_))

    async def lesson():
        deadline = time.perf_counter() + seconds

        async def student_life(s: Student):
            rng = random.Random(id(s))
            await asyncio.sleep(rng.uniform(0, 4))
            while time.perf_counter() < deadline:
                await s.draw_once()
                await asyncio.sleep(rng.uniform(2, 6))

        await asyncio.gather(*(student_life(s) for s in class_))

    await phase("in turn (one at a time)", in_turn)
    await phase(f"all {students} at once", at_once)
    await phase(f"a lesson ({seconds:.0f} s)", lesson)
    for s in class_:
        await s.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--processes", type=int, nargs="+", default=[1], help="one run each, side by side")
    args = parser.parse_args()
    strokes = None
    for processes in args.processes:
        with app_servers(processes) as (url, pids):
            strokes = strokes or record_strokes(url)
            label = "streamlit run" if processes == 1 else f"serve --processes {processes}: workers, then HAProxy"
            print(f"\n--- {label}")
            asyncio.run(classroom(url, pids, strokes, args.students, args.seconds))
    print("latency: stroke message sent → the run finished and its images fetched (add the canvas's 200 ms).")


if __name__ == "__main__":
    main()
