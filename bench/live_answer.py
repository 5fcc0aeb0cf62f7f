"""The Draw page's live answer (issue 27) in Chromium: updates a second while the pen moves, the delay from a pointer
move to the bars, what it adds to the page's first load, and the server's CPU per drawing before and after, beside
a typical demo's, in one run.

    python -m bench.live_answer [--drawings 20] [--before main] [--no-baseline] [--no-cpu]

Live figures: one stroke of about 2 s on /draw (the wider network reads) and on /draw?model=lab, drawn twice: with
the mouse through Playwright (a move every 10 ms at most; the driver's round trips set the pace) and with pointer
events made in the page every 4 ms (a 250 Hz pen: what the page can keep up with). A move's delay is from its
event's timestamp to the bars' next update (the live answer's data-probabilities changing, which live.js does inside
an animation frame, just before the browser paints).
First load: the bytes the browser receives (HTTP bodies and websocket frames) from opening /draw until the canvas is
ready, and, with the live answer, until its reader's weights are in. Server CPU: bench.drawing_server's drawings
(Clear, a 7 drawn with the mouse, the Prediction metric shows 7), for the typical demo, digitdemo at REF (``--before``,
extracted with `git archive`), and this tree.
"""

import argparse
import contextlib
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from bench.drawing_server import APPS, measure
from bench.harness import REPO, canvas_on, draw, launch, streamlit_server, wait_metric

LIVE = '[data-testid="live-answer"]'
RECORD = """
() => {
  window.benchMoves = [];
  window.benchShown = [];
  addEventListener("pointermove", (e) => window.benchMoves.push(e.timeStamp), {capture: true, passive: true});
  const live = document.querySelector('[data-testid="live-answer"]');
  new MutationObserver(() => window.benchShown.push(performance.now()))
    .observe(live, {attributes: true, attributeFilter: ["data-probabilities"]});
}
"""


def first_load(browser, url: str, path: str) -> dict:
    """Bytes received from opening the page until the canvas is ready (and the live answer's weights are in), then
    from a drawing's mouse-up until its answer shows (and a second more)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    received = {"websocket": 0}
    responses = []

    def on_socket(socket):
        def on_frame(payload) -> None:
            received["websocket"] += len(payload)

        socket.on("framereceived", on_frame)

    page.on("response", lambda response: responses.append(response))
    page.on("websocket", on_socket)
    page.goto(url + path)
    canvas = canvas_on(page)
    live = page.locator(LIVE).count() > 0
    if live:
        page.wait_for_function(
            "() => window.digitdemoLive && window.digitdemoLive.read(new Uint8ClampedArray(16), 2, 2) !== null",
            timeout=60_000,
        )
    time.sleep(2)  # what is still arriving
    http = 0
    for response in responses:
        with contextlib.suppress(Exception):  # a response dropped before its size was known: not counted
            http += response.request.sizes()["responseBodySize"]
    loaded = received["websocket"]
    draw(page, canvas)
    wait_metric(page, "7", timeout=60_000)
    time.sleep(1)
    context.close()
    return {"http": http, "websocket": loaded, "drawing": received["websocket"] - loaded, "live": live}


def live_stroke(browser, url: str, path: str, seconds: float = 2.0) -> dict:
    """One long stroke, a move every 10 ms: the bars' updates a second and each move's delay to the bars."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(url + path)
    canvas = canvas_on(page)
    page.wait_for_function(
        "() => window.digitdemoLive && window.digitdemoLive.read(new Uint8ClampedArray(16), 2, 2) !== null",
        timeout=60_000,
    )
    page.evaluate(RECORD)
    box = canvas.bounding_box()
    # A zigzag over the canvas, as a student scribbling: the drawing grows all the time.
    points = [(60 + 160 * abs(i / 20 % 2 - 1), 40 + i) for i in range(200)]
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    start = page.evaluate("performance.now()")
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        x, y = points[i % len(points)]
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(10)
        i += 1
    end = page.evaluate("performance.now()")
    page.mouse.up()
    moves, shown = page.evaluate("[window.benchMoves, window.benchShown]")
    context.close()
    return _rates(moves, shown, start, end)


SYNTHETIC = """
async ([seconds, every]) => {
  const canvas = (function find(root) {
    const found = root.querySelector("canvas.upper-canvas");
    if (found) return found;
    for (const e of root.querySelectorAll("*")) if (e.shadowRoot) { const f = find(e.shadowRoot); if (f) return f; }
    return null;
  })(document);
  const box = canvas.getBoundingClientRect();
  const at = (i) => ({clientX: box.left + 60 + 160 * Math.abs((i / 20) % 2 - 1), clientY: box.top + 40 + (i % 200),
                      pointerId: 1, pointerType: "mouse", isPrimary: true, bubbles: true, composed: true, buttons: 1});
  canvas.dispatchEvent(new PointerEvent("pointerdown", {...at(0), button: 0}));
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < 1000 * seconds) {
    await new Promise((resolve) => setTimeout(resolve, every));
    canvas.dispatchEvent(new PointerEvent("pointermove", at(++i)));
  }
  const end = performance.now();
  canvas.dispatchEvent(new PointerEvent("pointerup", {...at(i), button: 0, buttons: 0}));
  return [start, end];
}
"""


def synthetic_stroke(browser, url: str, path: str, seconds: float = 2.0, every_ms: int = 4) -> dict:
    """The same, with pointer events made in the page every 4 ms (a 250 Hz pen, faster than any display): how many
    updates the page can make, not how fast a test driver moves the mouse."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(url + path)
    canvas_on(page)
    page.wait_for_function(
        "() => window.digitdemoLive && window.digitdemoLive.read(new Uint8ClampedArray(16), 2, 2) !== null",
        timeout=60_000,
    )
    page.evaluate(RECORD)
    start, end = page.evaluate(SYNTHETIC, [seconds, every_ms])
    moves, shown = page.evaluate("[window.benchMoves, window.benchShown]")
    context.close()
    return _rates(moves, shown, start, end)


def _rates(moves: list[float], shown: list[float], start: float, end: float) -> dict:
    during = [t for t in shown if start <= t <= end]
    delays = []
    for move in moves:
        after = [t for t in shown if t >= move]
        if after and move <= end:
            delays.append(after[0] - move)
    rate = len(during) / ((end - start) / 1000)
    return {"moves": len(moves), "updates": len(during), "per_second": rate, "delays": delays}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=20, help="drawings for the server's CPU (default 20)")
    parser.add_argument("--before", metavar="REF", help="also digitdemo at this git ref, side by side")
    parser.add_argument("--no-baseline", action="store_true", help="skip the typical demo's CPU")
    parser.add_argument("--no-cpu", action="store_true", help="skip the server CPU per drawing (the longest part)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="digitdemo-before-") as before, sync_playwright() as p:
        trees = {}
        if args.before:
            archive = subprocess.run(["git", "archive", args.before], cwd=REPO, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", before], input=archive.stdout, check=True)
            trees[f"digitdemo at {args.before}"] = Path(before)
        trees["digitdemo"] = REPO
        browser = launch(p)
        loads, strokes = {}, {}
        for name, cwd in trees.items():
            with streamlit_server(cwd=cwd) as (_, url, _):
                loads[name] = first_load(browser, url, "/draw")
                if loads[name]["live"]:
                    for path in ("/draw", "/draw?model=lab"):
                        strokes[f"{name} {path}, the mouse"] = live_stroke(browser, url, path)
                        strokes[f"{name} {path}, 250 Hz"] = synthetic_stroke(browser, url, path)
        report_browser(loads, strokes)
        if args.no_cpu:
            return
        apps = {} if args.no_baseline else {name: (*spec, REPO) for name, spec in APPS.items() if "baseline" in name}
        apps.update({name: ("streamlit_app.py", "/draw", [], cwd) for name, cwd in trees.items()})
        print(f"Server CPU per drawing ({args.drawings} drawings each: Clear, a 7, the metric shows 7):", flush=True)
        base = None
        for name, (app, path, options, cwd) in apps.items():
            for attempt in (1, 2):  # a canvas caught mid-remount by Clear: that app's drawings again, once
                try:
                    r = measure(browser, app, path, options, args.drawings, cwd)
                    break
                except (TypeError, PlaywrightError) as error:
                    print(f"  {name}: attempt {attempt} failed ({type(error).__name__})", flush=True)
            else:
                continue
            base = base or r
            lat = sorted(r["latencies"])
            print(
                f"  {name:<42} {r['cpu'] * 1000:6.0f} ms ({r['cpu'] / base['cpu']:6.1%} of the first)  "
                f"mouse-up -> metric p50 {statistics.median(lat) if lat else float('nan'):.3f} s",
                flush=True,
            )
        browser.close()


def report_browser(loads: dict, strokes: dict) -> None:
    print("First load of /draw: bytes received until the canvas is ready (and the live answer's weights are in)")
    for name, load in loads.items():
        total = load["http"] + load["websocket"]
        http, socket = load["http"] / 1e3, load["websocket"] / 1e3
        print(f"  {name:<28} {total / 1e3:9.0f} KB  (HTTP {http:.0f} KB, websocket {socket:.0f} KB)")
    if len(loads) == 2:
        (a, b) = loads.values()
        print(f"  added: {(b['http'] + b['websocket'] - a['http'] - a['websocket']) / 1e3:.0f} KB")
    print("A drawing (a 7): websocket bytes from mouse-up until its answer shows, and a second more")
    for name, load in loads.items():
        print(f"  {name:<28} {load['drawing'] / 1e3:9.0f} KB")
    print("While the pen moves (one stroke of 2 s: the mouse through Playwright, as fast as it goes, a move every")
    print("10 ms at most; or pointer events made in the page every 4 ms):")
    for name, r in strokes.items():
        delays = sorted(r["delays"])
        p90 = delays[int(0.9 * (len(delays) - 1))] if delays else float("nan")
        print(
            f"  {name:<44} {r['per_second']:5.1f} updates/s ({r['updates']} for {r['moves']} moves); move -> bars "
            f"p50 {statistics.median(delays) if delays else float('nan'):.1f} ms, p90 {p90:.1f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
