"""Shared by the browser tests: a Streamlit server on a free port, headless Chromium's flags, drawing helpers."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from digitdemo import config

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A 7 as a student draws it, in canvas pixels: the bar, then the stem.
SEVEN = [(90, 70), (190, 70), (190, 90), (160, 150), (130, 230)]
ONE = [(140, 50), (140, 240)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(env: dict[str, str] | None = None, log: Path | None = None):
    """`streamlit run streamlit_app.py` on a free port; yields its URL; its terminal output goes to ``log``."""
    port = free_port()
    out = open(log, "w") if log is not None else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1"],
        cwd=config.REPO_DIR, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=out, stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the Streamlit server did not start")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log is not None:
            out.close()


def open_draw(page, url: str, path: str = "/draw"):
    page.goto(f"{url}{path}")
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=30_000)
    time.sleep(1)  # the canvas wires its handlers just after it appears
    return canvas


def draw(page, canvas, stroke):
    box = canvas.bounding_box()
    (x, y), rest = stroke[0], stroke[1:]
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.down()
    for x, y in rest:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=10)
    page.mouse.up()


def prediction(page):
    return page.get_by_test_id("stMetricValue").first


def no_errors(page):
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_text("Page not found").count() == 0
