"""Readable from the back of the room: every text on every page, light and dark theme, at 1280 px.

Walks the rendered DOM text and plotly's SVG text (tests/readability.py) and fails with the list
of texts under 14 px or under 4.5:1 contrast against their background.
"""

import time

import pytest

from digitdemo.classroom import auth, service, storage
from tests.apptest import PAGES
from tests.browser import SEVEN, draw, open_draw, prediction, streamlit_server
from tests.class_drawings import fill_room
from tests.readability import measure, offenders, report

expect = pytest.importorskip("playwright.sync_api").expect


def open_page(page, url: str, name: str) -> None:
    """A page as a student sees it: the Draw page with a 7 drawn, the others with their charts drawn."""
    if name == "draw":
        draw(page, open_draw(page, url), SEVEN)
        expect(prediction(page)).to_have_text("7", timeout=15_000)
        expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=15_000)  # the logits
        expect(page.get_by_test_id("live-sees")).to_be_visible()  # the steps, the network, hidden units: in the browser
        # The probabilities are the live bars (their text is measured with the page's): the server's, settled.
        expect(page.locator('[data-testid="live-answer"]')).to_have_attribute("data-source", "server")
    else:
        page.goto(f"{url}/{name}")
        expect(page.get_by_test_id("stHeading").first).to_be_visible(timeout=15_000)
    settle(page, charts=name != "class")


def settle(page, charts: bool = True) -> None:
    """Wait until every chart has drawn and every fade-in has ended."""
    page.wait_for_load_state("networkidle")
    some = "c.length && " if charts else ""  # every page has a chart but a student's Class page
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


def check(page, name: str, theme: str, charts_expected: bool = True) -> None:
    """Measure the page as shown and fail with every text under 14 px or 4.5:1."""
    assert (app_background(page) > 128) == (theme == "light"), "the app follows the browser's theme"
    texts = measure(page)
    charts = [t for t in texts if t["kind"] == "chart"]
    assert len(texts) > 20 and (charts or not charts_expected), "the walk finds the page's text and charts"
    bad = offenders(texts)
    smallest = min(t["px"] for t in texts if t["sized"])
    weakest = min(t["contrast"] for t in texts if t["kind"] != "icon")
    print(f"{name} {theme}: {len(texts)} texts ({len(charts)} charts), smallest {smallest} px, lowest {weakest}:1")
    assert not bad, f"{len(bad)} texts under 14 px or 4.5:1 on {name}, {theme} theme:\n{report(bad)}"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_every_text_is_large_enough_and_contrasted(browser, server, name, theme):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, color_scheme=theme)
    page = context.new_page()
    try:
        open_page(page, server, name)
        check(page, name, theme, charts_expected=name != "class")
    finally:
        context.close()


PASSWORD = "readable-from-the-back"


@pytest.fixture(scope="module")
def taught_class(browser, tmp_path_factory, shipped_model):
    """A server whose room of 200 drawings by 5 students the teacher has taught the model: the Class page's link.

    The teaching tab stays open, so its finished run stays for other tabs opening its link (?run=).
    """
    db = tmp_path_factory.mktemp("class") / "class.db"
    store = storage.ClassStore(db)
    fill_room(store, service.create_room(store).code, shipped_model)
    store.close()
    with streamlit_server({storage.DB_ENV: str(db), auth.PASSWORD_ENV: PASSWORD}) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        teacher = context.new_page()
        teacher.goto(f"{url}/class?{auth.LINK_PARAMETER}={PASSWORD}")
        teacher.get_by_role("button", name="Teach the model").click()
        expect(teacher.get_by_role("heading", name="The taught model")).to_be_visible(timeout=240_000)
        yield context, teacher.url  # a run belongs to the browser that started it (issue 28): its other tabs
        context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_teachers_comparison_is_large_enough_and_contrasted(browser, taught_class, theme):
    """The teacher's Class page with the lab's model, the room's model (the wider network) and the taught model side
    by side (issue 29), and the sentence saying which is better, below the board and the room code."""
    context, url = taught_class
    page = context.new_page()  # another tab of the teacher's browser, in this theme
    page.emulate_media(color_scheme=theme)
    try:
        page.goto(f"{url}&{auth.LINK_PARAMETER}={PASSWORD}")
        expect(page.get_by_role("heading", name="The taught model")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("MNIST held-out 5000 read right")).to_have_count(3)
        expect(page.get_by_text("the model the room reads with now").first).to_be_visible()
        settle(page)
        check(page, "class (teacher, comparison)", theme)
    finally:
        page.close()
