"""What the server spends its time on per drawing: py-spy over N drawings of the Draw page.

    python -m bench.profile_server [--drawings 20] [--app streamlit_app.py --path /draw] [--under _live]

Samples every thread of the Streamlit server with py-spy (pip install py-spy) while a real
Chromium draws, then prints the share of samples under each of the heaviest functions; with
``--under NAME``, also the ms per drawing under each call that function NAME makes, by its line.
"""

import argparse
import collections
import linecache
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.harness import canvas_on, clear, draw, draw_anew, launch, streamlit_server, wait_metric

RATE = 250  # py-spy's samples a second: each sample stands for 1/RATE s of a thread's time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=20)
    parser.add_argument("--app", default="streamlit_app.py")
    parser.add_argument("--path", default="/draw")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--under", help="a function's name: where its time goes, by the line of each call it makes")
    args = parser.parse_args()
    raw = tempfile.mkdtemp() + "/pyspy.txt"
    with streamlit_server(args.app) as (process, url, _), sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url + args.path)
        draw(page, canvas_on(page))
        wait_metric(page, "7", timeout=120_000)
        spy = subprocess.Popen(
            ["py-spy", "record", "--pid", str(process.pid), "--format", "raw", "--output", raw, "--rate", str(RATE),
             "--threads", "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1)
        for _ in range(args.drawings):
            draw_anew(page, clear(page, settle=1.0))
            wait_metric(page, "7")
        spy.send_signal(2)  # SIGINT: py-spy writes its file
        spy.wait(30)
        browser.close()
    inclusive, calls, total, waiting = collections.Counter(), collections.Counter(), 0, 0
    for line in Path(raw).read_text().splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if "idle" in stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if _waits(frames[-1]):
            waiting += int(count)
            continue
        total += int(count)
        calls.update(_calls_under(frames, args.under, int(count)))
        for frame in set(
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] for f in frames[1:]
        ):
            inclusive[frame] += int(count)
    each = total / RATE / args.drawings * 1000
    print(f"{total} busy samples at {RATE} Hz over {args.drawings} drawings ({each:.0f} ms each)")
    print(f"(left out: {waiting} samples of threads sleeping or blocked, which py-spy --nonblocking counts as busy)")
    for frame, count in inclusive.most_common(args.top):
        print(f"{count / total:6.1%}  {frame}")
    if args.under:
        ms = 1000 / RATE / args.drawings
        print(f"\nunder {args.under}, ms per drawing by the line of each call it makes:")
        for call, count in calls.most_common(args.top):
            print(f"{count * ms:6.1f}  {call}")


def _calls_under(frames: list[str], name: str | None, count: int) -> dict[str, int]:
    """The call that the outermost frame of function ``name`` makes, as "line: callee" (or "line" when it is busy
    itself), with the stack's sample count."""
    for outer, inner in zip(frames, [*frames[1:], None], strict=True):
        if outer.split(" (")[0] == name:
            line = outer.rsplit(":", 1)[-1].rstrip(")")
            return {f"{line}: {inner.split(' (')[0]}" if inner else line: count}
    return {}


# A thread's innermost Python line that only waits: py-spy, not pausing the server, reports a thread
# in time.sleep or a blocking poll as busy (the config-file poller's sleep drew 11% of the samples).
_WAITING = re.compile(r"\bsleep\(|\.poll\(|\.acquire\(|\.select\(|\.wait\(|\.get\(block=True")


def _waits(frame: str) -> bool:
    """Whether a py-spy frame, "function (path/file.py:line)", is a line that waits."""
    found = re.search(r"\((.+):(\d+)\)$", frame)
    if not found:
        return False
    path, number = found.group(1), int(found.group(2))
    for root in ["", *sys.path]:
        text = linecache.getline(str(Path(root) / path), number)
        if text:
            return bool(_WAITING.search(text))
    return False


if __name__ == "__main__":
    main()
