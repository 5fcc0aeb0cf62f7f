"""Shared by the benchmarks: start a Streamlit server, read its CPU and memory, drive Chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
# A 7 as a student draws it, in canvas pixels.
SEVEN = [(90, 70), (190, 70), (190, 90), (160, 150), (130, 230)]
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


@contextmanager
def streamlit_server(
    app: str = "streamlit_app.py", *options: str, cwd: Path = REPO, env: dict | None = None, log: Path | None = None
):
    """Run `streamlit run app` in ``cwd`` on a free port; yield (process, url, start time).

    env: variables added to this process's; log: a file for the server's terminal output (else it is dropped).
    """
    port = free_port()
    out = open(log, "w") if log is not None else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", app, "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", *options],
        cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
             **(env or {})},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield process, url, started
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log is not None:
            out.close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def canvas_on(page, settle: float = 1.0):
    """The drawing surface, once it takes strokes: it wires its handlers just after it appears."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=60_000)
    time.sleep(settle)
    return canvas


_INKED = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 0) return true; return false; }"""


def clear(page, settle: float = 0.5):
    """Press Clear and return the drawing surface once it is blank again: a stroke drawn while the canvas is still
    being replaced by Clear's new one is lost (the typical demo lost 12 of 20 that way)."""
    page.get_by_role("button", name="Clear").click()
    wait_metric(page, "—")
    deadline = time.monotonic() + 60
    while page.locator("canvas.dc-canvas.lower-canvas").first.evaluate(_INKED):  # the strokes' layer
        assert time.monotonic() < deadline, "Clear left the canvas inked for 60 s"
        time.sleep(0.05)
    return canvas_on(page, settle=settle)  # a student is no faster


def draw(page, canvas, stroke=SEVEN) -> None:
    """Draw a stroke; returns at mouse-up."""
    box = canvas.bounding_box()
    for _ in range(20):  # None: the canvas was just replaced (a rerun remounted it); the locator finds the new one
        if box is not None:
            break
        canvas.wait_for(state="visible", timeout=30_000)
        time.sleep(0.25)
        box = canvas.bounding_box()
    page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
    page.mouse.down()
    for x, y in stroke[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=10)
    page.mouse.up()


def draw_anew(page, canvas, stroke=SEVEN, tries: int = 3) -> int:
    """Draw a stroke on a blank canvas (after ``clear``); returns how many times it was drawn. Under load a canvas
    just mounted by Clear can miss a whole stroke (no ink, nothing sent: the typical demo lost 13 of 20 so while
    tests ran beside it); a stroke that left the canvas blank 1 s after mouse-up is drawn again, as a student would."""
    strokes_layer = page.locator("canvas.dc-canvas.lower-canvas").first
    for attempt in range(1, tries + 1):
        draw(page, canvas, stroke)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            if strokes_layer.evaluate(_INKED):
                return attempt
            time.sleep(0.05)
    return tries


def wait_metric(page, text: str, timeout: float = 30_000) -> None:
    """Wait, polling every animation frame, until the first metric shows ``text``."""
    page.wait_for_function(
        "t => { const m = document.querySelector('[data-testid=stMetricValue]');"
        " return m && m.innerText.trim() === t }",
        arg=text,
        polling="raf",
        timeout=timeout,
    )


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


@contextmanager
def app_servers(processes: int = 1, env: dict | None = None):
    """The app on a free port of 127.0.0.1: `streamlit run` for 1 process, else `python -m digitdemo serve
    --processes N` (N workers behind HAProxy); yields (url, the pids serving it: the workers, and HAProxy)."""
    if processes == 1:
        with streamlit_server(env=env) as (process, url, _):
            yield url, [process.pid]
        return
    with serve(processes, env=env) as (process, url):
        yield url, children(process.pid)


@contextmanager
def serve(processes: int, cwd: Path = REPO, env: dict | None = None):
    """`python -m digitdemo serve --processes N` on a free port of 127.0.0.1, started in ``cwd``; yields (the
    serve process, url) once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "digitdemo", "serve", "--processes", str(processes), "--port", str(port),
         "--address", "127.0.0.1"],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, seconds=180)
        yield process, url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def first_visit_cookies(url: str) -> str:
    """The Cookie header a browser holds after opening the page: HAProxy's worker cookie, Streamlit's XSRF one."""
    with urllib.request.urlopen(f"{url}/draw", timeout=30) as reply:
        cookies = [header.split(";", 1)[0] for header in reply.headers.get_all("Set-Cookie") or []]
    return "; ".join(cookies)
