"""Why this answer in a real headless Chromium: draw a 7, open it, see the pixel map and the look-alikes."""

import pytest

from tests.browser import SEVEN, draw, no_errors, open_draw, prediction

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect


def test_drawing_a_seven_and_asking_why_shows_its_pixels_and_the_sevens_it_looks_like(page, server, tmp_path):
    canvas = open_draw(page, server)
    draw(page, canvas, SEVEN)
    expect(prediction(page)).to_have_text("7", timeout=15_000)
    assert page.locator(".js-plotly-plot").filter(has_text="why 7").count() == 0, "closed on the first screen"
    page.get_by_text("Why this answer?").click()
    pixels = page.locator(".js-plotly-plot").filter(has_text="why 7").first
    expect(pixels).to_be_visible(timeout=15_000)
    expect(pixels.locator(".heatmaplayer image, .hm image")).to_have_count(1)  # the 20x20 map, drawn
    looks_like = page.locator(".js-plotly-plot").filter(has_text="a 7").first
    looks_like.scroll_into_view_if_needed()
    expect(looks_like).to_be_visible(timeout=15_000)
    captions = [t.strip() for t in looks_like.locator(".annotation-text").all_text_contents()]
    assert len(captions) == 5 and captions.count("a 7") >= 3, captions
    expect(page.get_by_text("How much one unit matters for this digit")).to_be_visible()
    assert "why=True" in page.url, "the link keeps it open"
    page.get_by_text("Why this answer?").scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "why.png", full_page=True)
    no_errors(page)


def test_a_link_that_silences_every_unit_of_l1_leaves_the_network_only_its_biases(page, server, drawing_model):
    """/draw?why=True&off=L1.0,...,L1.24 as a teacher shares it: the drawing no longer reaches the output, so every
    drawing gets the same probabilities, those of relu(b2) through L3 of the model that reads (the drawing model)."""
    from digitdemo import why

    units = ",".join(f"L1.{u}" for u in range(25))
    canvas = open_draw(page, server, f"/draw?model=drawing&why=True&off={units}")
    draw(page, canvas, SEVEN)
    constant = why.forward(drawing_model.layers, [0.0] * 400, (tuple(range(25)), ())).probabilities[0]
    top, second = constant.argsort()[::-1][:2]
    expected = f"The model is unsure: {constant[top]:.0%} for {top}, {constant[second]:.0%} for {second}."
    expect(page.get_by_text(expected)).to_be_visible(timeout=15_000)  # a 7 it read at 98% with every unit on
    expect(prediction(page)).to_have_text(str(top))
    expect(page.get_by_text("With 25 units silenced")).to_be_visible()
    assert page.url.count("L1.") == 25, "the link still carries the experiment"
    no_errors(page)
