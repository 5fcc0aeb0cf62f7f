"""Readable from the back of the room: every text on every page, light and dark theme, at 1280 px.

Walks the rendered DOM text and plotly's SVG text (tests/readability.py) and fails with the list
of texts under 14 px or under 4.5:1 contrast against their background.
"""

import time

import pytest

from tests.apptest import PAGES
from tests.browser import SEVEN, draw, open_draw, prediction
from tests.readability import measure, offenders, report

expect = pytest.importorskip("playwright.sync_api").expect


def open_page(page, url: str, name: str) -> None:
    """A page as a student sees it: the Draw page with a 7 drawn, the others with their charts drawn."""
    if name == "draw":
        draw(page, open_draw(page, url), SEVEN)
        expect(prediction(page)).to_have_text("7", timeout=15_000)
        expect(page.locator(".js-plotly-plot")).to_have_count(4, timeout=15_000)  # with the live network
    else:
        page.goto(f"{url}/{name}")
        expect(page.get_by_test_id("stHeading").first).to_be_visible(timeout=15_000)
    page.wait_for_load_state("networkidle")
    some = "" if name == "class" else "c.length && "  # every page has a chart but a student's Class page
    page.wait_for_function(  # wait for all of them
        f"(c => {some}c.every(p => p.querySelector('svg text')))([...document.querySelectorAll('.stPlotlyChart')])"
        " && !document.querySelector('[data-stale=true]')"
    )
    time.sleep(1)  # plotly's last relayout
    # Streamlit fades elements in: measure once every finite animation and transition has ended.
    page.wait_for_function("document.getAnimations().every(a => a.effect.getComputedTiming().endTime === Infinity)")


def app_background(page) -> float:
    """The app background's mean channel, 0-255: tells the light from the dark theme."""
    rgb = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    return sum(float(v) for v in rgb[rgb.index("(") + 1 : -1].split(",")[:3]) / 3


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_every_text_is_large_enough_and_contrasted(browser, server, name, theme):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, color_scheme=theme)
    page = context.new_page()
    try:
        open_page(page, server, name)
        assert (app_background(page) > 128) == (theme == "light"), "the app follows the browser's theme"
        texts = measure(page)
        charts = [t for t in texts if t["kind"] == "chart"]
        assert len(texts) > 20 and (charts or name == "class"), "the walk finds the page's text and charts"
        bad = offenders(texts)
        smallest = min(t["px"] for t in texts if t["sized"])
        weakest = min(t["contrast"] for t in texts if t["kind"] != "icon")
        print(f"{name} {theme}: {len(texts)} texts ({len(charts)} charts), smallest {smallest} px, lowest {weakest}:1")
        assert not bad, f"{len(bad)} texts under 14 px or 4.5:1 on {name}, {theme} theme:\n{report(bad)}"
    finally:
        context.close()
