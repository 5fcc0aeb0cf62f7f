"""Take the README's screenshots from a running app: python scripts/screenshots.py [URL].

Start the app first (streamlit run streamlit_app.py); writes docs/*.png.
"""

import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SEVEN = [(90, 70), (190, 70), (190, 90), (160, 150), (130, 230)]
OUT = Path(__file__).resolve().parent.parent / "docs"


def main(url: str) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1300})
        page.goto(f"{url}/draw")
        canvas = page.locator("canvas.upper-canvas").first
        canvas.wait_for()
        time.sleep(1)
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + SEVEN[0][0], box["y"] + SEVEN[0][1])
        page.mouse.down()
        for x, y in SEVEN[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=10)
        page.mouse.up()
        page.get_by_test_id("stMetricValue").first.filter(has_text="7").wait_for()
        time.sleep(2)
        page.screenshot(path=OUT / "draw.png")
        for name in ["softmax", "dataset", "model", "errors"]:
            page.goto(f"{url}/{name}")
            page.get_by_test_id("stHeading").first.wait_for()
            time.sleep(3)
            page.screenshot(path=OUT / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8501")
