"""Shared by the browser tests: the benchmarks' harness (a server on a free port, Chromium and its flags, drawing
a stroke), and what the tests look at."""

from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bench import harness
from bench.harness import CHROMIUM, FLAGS, SEVEN, canvas_on, draw, free_port  # noqa: F401 (for the tests)

ONE = [(140, 50), (140, 240)]


@contextmanager
def streamlit_server(env: dict[str, str] | None = None, log: Path | None = None):
    """`streamlit run streamlit_app.py` on a free port; yields its URL; its terminal output goes to ``log``."""
    with harness.streamlit_server(env=env, log=log) as (_, url, _):
        yield url


def open_draw(page, url: str, path: str = "/draw"):
    """Open a page with the canvas; the canvas, once it takes strokes."""
    page.goto(f"{url}{path}")
    return canvas_on(page)


def touch_stroke(context, page, canvas, stroke) -> None:
    """Draw a stroke with a finger (touch events through the DevTools protocol), as on a phone."""
    canvas.scroll_into_view_if_needed()  # as a finger would scroll first: touches land where the screen is
    box = canvas.bounding_box()
    cdp = context.new_cdp_session(page)
    points = [(box["x"] + x, box["y"] + y) for x, y in stroke]
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]}
    )
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        for t in np.linspace(0, 1, 10)[1:]:
            point = {"x": x0 + (x1 - x0) * t, "y": y0 + (y1 - y0) * t}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def live_ready(page) -> None:
    """Until the browser holds the reader's weights (sent with the Draw page's first run)."""
    page.wait_for_function(
        "() => window.digitdemoLive && window.digitdemoLive.read(new Uint8ClampedArray(4 * 4), 2, 2) !== null",
        timeout=60_000,
    )


def prediction(page):
    return page.get_by_test_id("stMetricValue").first


def no_errors(page):
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_text("Page not found").count() == 0
