"""What the server spends its time on per drawing: py-spy over N drawings of the Draw page.

    python -m bench.profile_server [--drawings 20] [--app streamlit_app.py --path /draw]

Samples every thread of the Streamlit server with py-spy (pip install py-spy) while a real
Chromium draws, then prints the share of samples under each of the heaviest functions.
"""

import argparse
import collections
import subprocess
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.harness import canvas_on, draw, launch, streamlit_server, wait_metric


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=20)
    parser.add_argument("--app", default="streamlit_app.py")
    parser.add_argument("--path", default="/draw")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    raw = tempfile.mkdtemp() + "/pyspy.txt"
    with streamlit_server(args.app) as (process, url, _), sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url + args.path)
        draw(page, canvas_on(page))
        wait_metric(page, "7", timeout=120_000)
        spy = subprocess.Popen(
            ["py-spy", "record", "--pid", str(process.pid), "--format", "raw", "--output", raw, "--rate", "250",
             "--threads", "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1)
        for _ in range(args.drawings):
            page.get_by_role("button", name="Clear").click()
            wait_metric(page, "—")
            draw(page, canvas_on(page))
            wait_metric(page, "7")
        spy.send_signal(2)  # SIGINT: py-spy writes its file
        spy.wait(30)
        browser.close()
    inclusive, total = collections.Counter(), 0
    for line in Path(raw).read_text().splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if "idle" in stack or not count.isdigit():
            continue
        frames = stack.split(";")
        total += int(count)
        for frame in set(
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] for f in frames[1:]
        ):
            inclusive[frame] += int(count)
    each = total / 250 / args.drawings * 1000
    print(f"{total} busy samples at 250 Hz over {args.drawings} drawings ({each:.0f} ms each)")
    for frame, count in inclusive.most_common(args.top):
        print(f"{count / total:6.1%}  {frame}")


if __name__ == "__main__":
    main()
