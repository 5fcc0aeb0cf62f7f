"""The lab's network diagram in a real headless Chromium: static on the Model page, live on Draw."""

import time

import pytest

from tests.browser import ONE, SEVEN, draw, open_draw, prediction

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect


def diagram(tab, heading: str):
    """The plotly chart whose layer headings include ``heading``."""
    chart = tab.locator(".js-plotly-plot").filter(has_text=heading).first
    chart.scroll_into_view_if_needed()
    return chart


def output_labels(chart) -> dict[int, float]:
    """The output layer's labels, "7 98%", as {digit: percent}."""
    labels = {}
    for text in chart.locator(".scatterlayer .textpoint").all_text_contents():
        digit, _, share = text.strip().partition(" ")
        if share.strip().endswith("%"):
            labels[int(digit)] = float(share.strip().rstrip("%"))
    return labels


def fills(chart) -> list[str]:
    return chart.locator(".scatterlayer .point").evaluate_all("nodes => nodes.map(n => n.style.fill)")


def test_the_model_page_draws_the_labs_network(page, server, tmp_path):  # noqa: F811
    page.goto(f"{server}/model")
    chart = diagram(page, "10,025 params")
    expect(chart).to_be_visible(timeout=15_000)
    for text in ["L1", "Dense 25", "Dense 15", "Dense 10", "390 params", "160 params", "ReLU", "linear"]:
        expect(chart).to_contain_text(text)
    expect(chart.locator(".scatterlayer .point")).to_have_count(25 + 15 + 10)
    assert len(set(fills(chart))) == 1, "static: no unit is lit"
    chart.screenshot(path=tmp_path / "model_diagram.png")


def _draw_page_labels(chart) -> dict[int, float]:
    """The Draw page's diagram (assets/sees.js, an SVG): its output labels, "7  98%", as {digit: percent}."""
    labels = {}
    for text in chart.locator(".dd-sees-digit").all_text_contents():
        digit, _, share = text.strip().partition(" ")
        labels[int(digit)] = float(share.strip().rstrip("%"))
    return labels


def test_the_draw_page_network_follows_the_drawing(page, server, tmp_path):  # noqa: F811
    canvas = open_draw(page, server, "/draw?model=drawing")  # the lab's network, on more data
    draw(page, canvas, SEVEN)
    expect(prediction(page)).to_have_text("7", timeout=15_000)
    chart = page.locator(".dd-sees-net")  # drawn in the browser for a canvas drawing
    chart.scroll_into_view_if_needed()
    expect(chart.locator(".dd-sees-unit")).to_have_count(25 + 15 + 10, timeout=15_000)
    for text in ["L1: Dense 25", "L2: Dense 15", "L3: Dense 10", "10,025 params", "ReLU", "linear", "→ softmax →"]:
        expect(chart).to_contain_text(text)
    labels = _draw_page_labels(chart)
    assert max(labels, key=labels.get) == 7 and len(labels) == 10
    lit = chart.locator(".dd-sees-unit").evaluate_all("nodes => nodes.map(n => n.getAttribute('fill'))")
    assert len(set(lit[:25])) > 3, "the first layer's units lit to different levels"
    assert "rgb(255,255,255)" in lit[:40], "some ReLU units are off for this drawing"
    links = sum(d.count("M") for d in chart.locator("path").evaluate_all("ps => ps.map(p => p.getAttribute('d'))"))
    assert 10 <= links <= 30 + 30 + 20, "only the strongest connections, not all 10,375"
    chart.screenshot(path=tmp_path / "draw_diagram_7.png")

    page.get_by_role("button", name="Clear").click()
    expect(prediction(page)).to_have_text("—", timeout=15_000)
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    time.sleep(1)
    draw(page, canvas, ONE)
    expect(prediction(page)).to_have_text("1", timeout=15_000)
    page.wait_for_function(  # the output "1" now has the largest share
        "() => [...document.querySelectorAll('.dd-sees-digit')]"
        ".some(t => /^1\\s+[1-9]\\d*%$/.test(t.textContent.trim()))"
    )
    labels = _draw_page_labels(chart)
    assert max(labels, key=labels.get) == 1
    after = chart.locator(".dd-sees-unit").evaluate_all("nodes => nodes.map(n => n.getAttribute('fill'))")
    assert after != lit, "the units light up differently for a 1"
