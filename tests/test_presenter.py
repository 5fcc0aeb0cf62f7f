"""Presenter mode (?present=1), for the projector: no sidebar or toolbar, larger text and charts, kept across pages."""

import numpy as np
import pytest

from digitdemo.figures import errors, style
from tests.browser import SEVEN, draw, prediction
from tests.readability import measure, offenders, report
from tests.test_readability import open_page

expect = pytest.importorskip("playwright.sync_api").expect

PROJECTOR = {"width": 1280, "height": 800}


def test_enlarge_scales_every_font_the_margins_and_the_height_only():
    figure = errors.confusion(np.eye(10, dtype=int), "m")
    big = style.enlarge(figure, 1.5)
    assert big["layout"]["xaxis"]["tickfont"]["size"] == 1.5 * figure["layout"]["xaxis"]["tickfont"]["size"]
    assert big["data"][0]["textfont"]["size"] == 24 and big["layout"]["height"] == 840
    assert big["layout"]["margin"]["t"] == 1.5 * figure["layout"]["margin"]["t"]
    assert big["data"][0]["x"] == figure["data"][0]["x"] and big["layout"]["xaxis"]["range"] == [-0.6, 9.6]
    assert figure["layout"]["height"] == 560, "the original is left alone"


def assert_presenting(page, name: str) -> list[dict]:
    """The projector's view: nothing but the page, everything readable from the back."""
    for hidden in ["stSidebar", "stMainMenu"]:
        assert not page.get_by_test_id(hidden).is_visible(), f"{hidden} shows"
    expect(page.get_by_test_id("stTopNav")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "22px"
    texts = measure(page)
    assert not offenders(texts, min_px=18), f"/{name} in presenter mode:\n{report(offenders(texts, min_px=18))}"
    return texts


def test_presenter_mode_shows_the_class_what_it_needs_on_every_page(browser, server):
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    try:
        page.goto(f"{server}/draw?present=1")
        canvas = page.locator("canvas.upper-canvas").first
        canvas.wait_for()
        page.wait_for_timeout(1000)  # the canvas wires its handlers just after it appears
        draw(page, canvas, SEVEN)
        expect(prediction(page)).to_have_text("7", timeout=15_000)
        expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=15_000)  # the logits
        expect(page.get_by_test_id("live-sees")).to_be_visible()  # the steps, the network, hidden units: the browser's
        expect(page.locator('[data-testid="live-answer"]')).to_have_attribute("data-source", "server")
        expect(page.get_by_text("Brush width (px)")).to_be_hidden()
        texts = assert_presenting(page, "draw")
        ticks = [t["px"] for t in texts if t["kind"] == "chart"]
        assert min(ticks) >= 20, "chart text 1.35 times its 15 px"
        # The pages are along the top; presenter mode stays on from page to page.
        page.get_by_role("link", name="Predictions").click()
        page.wait_for_function("location.pathname === '/predictions' && location.search.includes('present=1')")
        expect(page.get_by_role("heading", name="Predictions")).to_be_visible(timeout=15_000)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot svg text').length > 60")
        page.wait_for_timeout(1500)
        assert_presenting(page, "predictions")
    finally:
        context.close()


def test_present_0_brings_the_sidebar_back(browser, server):
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    try:
        open_page(page, server, "softmax?present=1")
        expect(page.get_by_test_id("stSidebar")).to_have_count(0)
        open_page(page, server, "softmax?present=0")
        expect(page.get_by_test_id("stSidebar")).to_be_visible()
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"
    finally:
        context.close()
