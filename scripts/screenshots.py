"""Take the README's screenshots from a running app: python -m scripts.screenshots [URL].

Start the app first (streamlit run streamlit_app.py); writes docs/*.png, the network diagrams included.
"""

import argparse
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.harness import canvas_on, draw, launch, wait_metric

OUT = Path(__file__).resolve().parent.parent / "docs"


def main(url: str) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 1300})
        page.goto(f"{url}/draw")
        draw(page, canvas_on(page))
        wait_metric(page, "7")
        page.locator(".js-plotly-plot").nth(2).wait_for(timeout=60_000)  # logits, network, hidden bars
        page.wait_for_selector('[data-testid="live-answer"][data-source="server"]')  # the probabilities
        time.sleep(3)  # the charts finish drawing
        page.screenshot(path=OUT / "draw.png")
        _diagram(page, "logits → softmax", "draw_diagram.png")  # the network, live for the 7
        for name in ["softmax", "dataset", "model", "errors"]:
            page.goto(f"{url}/{name}")
            page.get_by_test_id("stHeading").first.wait_for()
            page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)  # the page has run to its charts
            time.sleep(3)
            page.screenshot(path=OUT / f"{name}.png")
            if name == "model":
                _diagram(page, "10,025 params", "model_diagram.png")  # the lab's figure, static
        # The Errors page's second tab: the real writers' 1s each model misreads (issues 15, 26).
        page.goto(f"{url}/errors?tab=Drawn+digits&digit=1")  # a click on the chosen 1 would unselect it
        page.get_by_text("1s read right").first.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)  # the models' mosaics (one reads all 1s?)
        time.sleep(3)
        page.screenshot(path=OUT / "errors-drawn.png")
        _presenter(browser, url)
        _phone(browser, url)
        browser.close()


def _diagram(page, heading: str, file: str) -> None:
    chart = page.locator(".js-plotly-plot").filter(has_text=heading).first
    chart.scroll_into_view_if_needed()
    time.sleep(1)
    chart.screenshot(path=OUT / file)
    page.evaluate("window.scrollTo(0, 0)")


def _presenter(browser, url: str) -> None:
    """Presenter mode on a 1280x800 projector: the Draw page with a 7, and the Errors page."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{url}/draw?present=1")
    draw(page, canvas_on(page))
    wait_metric(page, "7")
    page.locator(".js-plotly-plot").nth(2).wait_for(timeout=60_000)
    time.sleep(3)
    page.get_by_test_id("stMetric").first.evaluate("e => e.scrollIntoView({block: 'center'})")
    time.sleep(1)
    page.screenshot(path=OUT / "present-draw.png")
    page.goto(f"{url}/errors?present=1")
    page.locator(".js-plotly-plot").first.wait_for()
    time.sleep(3)
    page.locator(".js-plotly-plot").first.evaluate("e => e.scrollIntoView({block: 'end'})")
    time.sleep(1)
    page.screenshot(path=OUT / "present-errors.png")
    page.close()


def _phone(browser, url: str) -> None:
    """A phone, 390 px wide: the answer under the canvas after a stroke, and the predictions grid."""
    page = browser.new_page(viewport={"width": 390, "height": 664}, device_scale_factor=2)
    page.goto(f"{url}/draw")
    canvas = canvas_on(page)
    canvas.evaluate("c => c.scrollIntoView({block: 'center'})")
    time.sleep(0.5)
    draw(page, canvas)
    page.locator(".st-key-draw-verdict").get_by_text("Prediction: 7").wait_for()
    time.sleep(1)
    page.screenshot(path=OUT / "phone-draw.png")
    page.goto(f"{url}/predictions")
    page.locator(".js-plotly-plot").nth(2).wait_for()
    time.sleep(3)
    page.locator(".js-plotly-plot").last.evaluate("e => e.scrollIntoView({block: 'center'})")
    time.sleep(1)
    page.screenshot(path=OUT / "phone-predictions.png")
    page.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", default="http://localhost:8501", help="the running app (%(default)s)")
    main(parser.parse_args().url)
