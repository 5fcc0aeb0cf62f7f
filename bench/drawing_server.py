"""Server CPU, latency and memory per drawing, digitdemo beside a typical demo, in one run.

    python -m bench.drawing_server [--drawings 20] [--before main]

Each drawing is what a student does: press Clear, draw a 7 in a real headless Chromium, and
wait for the Prediction metric to show 7. Only the Streamlit server process is measured
(CPU from /proc/PID/stat, RSS from /proc/PID/status); Chromium runs in its own processes.
``--before REF`` also measures digitdemo as it was at git REF (extracted with `git archive` to a
temporary folder), in the same run, so a change's cost is seen side by side.
"""

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from bench.harness import (
    REPO,
    canvas_on,
    clear,
    cpu_seconds,
    draw,
    draw_anew,
    launch,
    rss_mb,
    streamlit_server,
    wait_metric,
)

# app, page path, options: the baseline runs with Streamlit's defaults, as typical demos do.
APPS = {
    "baseline (Keras in server, plain resize)": (
        "bench/baseline_app.py",
        "",
        ["--runner.postScriptGC", "true", "--server.fileWatcherType", "auto"],
    ),
    "digitdemo": ("streamlit_app.py", "/draw", []),
}


def measure(browser, app: str, path: str, options: list[str], drawings: int, cwd: Path = REPO) -> dict:
    with streamlit_server(app, *options, cwd=cwd) as (process, url, started):
        healthy = time.perf_counter() - started
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url + path)
        page.locator("canvas.upper-canvas").first.wait_for(timeout=60_000)
        ready = time.perf_counter() - started
        canvas = canvas_on(page)
        draw(page, canvas)
        up = time.perf_counter()
        wait_metric(page, "7", timeout=120_000)  # the first prediction also loads the model
        cold = ready + time.perf_counter() - up
        # Idle CPU (Streamlit polls its config files) over a quiet spell, to tell apart. It starts 3 s after the first
        # answer: measured from the answer on, the first drawing's wake (its garbage, its media file) doubled it.
        time.sleep(3)
        idle_start, idle_cpu = time.perf_counter(), cpu_seconds(process.pid)
        time.sleep(10)
        idle = (cpu_seconds(process.pid) - idle_cpu) / (time.perf_counter() - idle_start)
        latencies, missed, redrawn = [], [], 0
        wall_before, cpu_before = time.perf_counter(), cpu_seconds(process.pid)
        for _ in range(drawings):
            redrawn += draw_anew(page, clear(page)) - 1
            up = time.perf_counter()
            try:
                wait_metric(page, "7", timeout=15_000)
            except PlaywrightTimeout:  # counted and shown, not hidden: a stroke lost or read as another digit
                missed.append(page.locator("[data-testid=stMetricValue]").first.inner_text().strip())
                continue
            latencies.append(time.perf_counter() - up)
        cpu = (cpu_seconds(process.pid) - cpu_before) / drawings
        wall = (time.perf_counter() - wall_before) / drawings
        rss = rss_mb(process.pid)
        page.close()
    return {
        "cpu": cpu,
        "work": cpu - idle * wall,
        "idle": idle,
        "wall": wall,
        "latencies": latencies,
        "missed": missed,
        "redrawn": redrawn,
        "rss": rss,
        "cold": cold,
        "healthy": healthy,
        "ready": ready,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=20)
    parser.add_argument("--before", metavar="REF", help="also measure digitdemo at this git ref, side by side")
    parser.add_argument("--no-baseline", action="store_true", help="skip the typical demo (ratios: to the first)")
    parser.add_argument("--path", default="/draw", help="digitdemo's page and link, e.g. '/draw?why=True'")
    args = parser.parse_args()
    apps = {name: (*spec, REPO) for name, spec in APPS.items() if not (args.no_baseline and "baseline" in name)}
    if "digitdemo" in apps:
        apps["digitdemo"] = ("streamlit_app.py", args.path, [], REPO)
    results = {}
    with tempfile.TemporaryDirectory(prefix="digitdemo-before-") as before:
        if args.before:
            archive = subprocess.run(["git", "archive", args.before], cwd=REPO, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", before], input=archive.stdout, check=True)
            apps = {**apps, f"digitdemo at {args.before}": ("streamlit_app.py", args.path, [], Path(before))}
            apps["digitdemo"] = apps.pop("digitdemo")  # the working tree last, beside its "before"
        with sync_playwright() as p:
            browser = launch(p)
            for name, (app, path, options, cwd) in apps.items():
                results[name] = measure(browser, app, path, options, args.drawings, cwd)
            browser.close()
    base = results[next(iter(apps))]
    print(f"{args.drawings} drawings each (Clear + one stroke of a 7), server process only")
    header = f"{'app':<42} {'CPU/drawing':>12} {'vs base':>8} {'less idle':>10} {'vs base':>8}"
    print(f"{header} {'latency p50':>12} {'p90':>7} {'RSS':>8} {'start→1st':>10}")
    for name, r in results.items():
        lat = sorted(r["latencies"])
        p90 = lat[int(0.9 * (len(lat) - 1))]
        print(
            f"{name:<42} {r['cpu'] * 1000:9.0f} ms {r['cpu'] / base['cpu']:8.1%} {r['work'] * 1000:7.0f} ms "
            f"{r['work'] / base['work']:8.1%} {statistics.median(lat):10.3f} s {p90:5.3f} s {r['rss']:5.0f} MB "
            f"{r['cold']:8.2f} s"
        )
    print("CPU/drawing: all the server's CPU during the drawings, divided by their number.")
    print("less idle: the same less what the server burns idle over that time (polling its config files):")
    for name, r in results.items():
        print(f"  {name}: idle {r['idle'] * 1000:.1f} ms/s over {r['wall']:.2f} s per drawing")
    print("latency: mouse-up to the Prediction metric showing 7 (the canvas itself waits 200 ms).")
    for name, r in results.items():
        if r["redrawn"]:
            print(f"  {name}: {r['redrawn']} strokes drawn again (the first left the canvas blank: harness.draw_anew)")
        if r["missed"]:
            print(f"  {name}: {len(r['missed'])} drawings not read as 7 within 15 s (showed {r['missed']})")
    print("start→1st: `streamlit run` to the canvas showing, plus mouse-up to the first prediction")
    print("           (the time a student waits; the drawing itself not counted). Parts:")
    for name, r in results.items():
        print(f"  {name}: server healthy {r['healthy']:.2f} s, canvas shown {r['ready']:.2f} s")


if __name__ == "__main__":
    main()
