"""The Draw page's "What the model sees" for a drawing on the canvas, drawn in the browser (issue 27,
assets/sees.js): it follows the pen, and shows what the server's figures show for the same pixels (the steps'
pictures and labels, each unit's output, the strongest links)."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from digitdemo import artifacts
from digitdemo.classroom.rooms import DRAWING_MODEL, WIDE_MODEL
from digitdemo.figures.network import strongest_links
from digitdemo.pages.common import pixels
from digitdemo.pages.lab.draw import CANVAS_PX, step_labels
from digitdemo.preprocess import preprocess, read_canvas
from tests.browser import SEVEN, draw, live_ready, open_draw, prediction

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

SEES = '[data-testid="live-sees"]'
SHOWN = """() => {
  const sees = window.digitdemoSees;
  const reading = window.digitdemoReading;
  return {
    labels: sees.tiles.map(tile => [tile.label.textContent, tile.did.textContent]),
    squares: sees.tiles.map(tile => tile.scratch.toDataURL('image/png')),
    links: sees.net.links,
    hidden: reading.hidden.map(h => Array.from(h)),
    probabilities: reading.probabilities,
    fills: [...document.querySelectorAll('.dd-sees-unit')].map(c => c.getAttribute('fill')),
    digits: [...document.querySelectorAll('.dd-sees-digit')].map(t => t.textContent),
  };
}"""


def _grey(data_url: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("L"), dtype=int)


@pytest.mark.parametrize(
    "reader, switches",
    [
        (DRAWING_MODEL, {"crop": True, "fit": True, "centre": True}),
        (WIDE_MODEL, {"crop": False, "fit": True, "centre": True}),
        (WIDE_MODEL, {"crop": True, "fit": False, "centre": False}),  # a plain resize: centring has no box
    ],
)
def test_the_browsers_steps_and_network_are_pythons_for_the_same_drawing(page, server, reader, switches):
    query = "&".join(f"{step}=False" for step, on in switches.items() if not on and step != "centre")
    canvas = open_draw(page, server, f"/draw?model={reader}&{query}")
    live_ready(page)
    draw(page, canvas, SEVEN)
    expect(prediction(page)).not_to_have_text("—", timeout=30_000)  # the server read it (a plain resize: not a 7)
    expect(page.locator(SEES)).to_be_visible()
    shown = page.evaluate(SHOWN)
    png = canvas.evaluate("c => c.parentElement.querySelector('canvas.lower-canvas').toDataURL('image/png')")
    steps = preprocess(read_canvas(base64.b64decode(png.split(",", 1)[1]), (CANVAS_PX, CANVAS_PX)), **switches)
    model = artifacts.load(artifacts.reader_dir(reader))
    out = model.forward(steps.x)
    assert shown["labels"] == [list(label) for label in step_labels(steps, switches)]
    # Each step's picture, padded square (before it is enlarged), as common.pixels pads it: within a grey level.
    images = [steps.ink, steps.cropped, steps.fitted, steps.centred, steps.small]
    for square, image in zip(shown["squares"], images, strict=True):
        expected = np.asarray(pixels(image, max(image.shape)), dtype=int)
        assert np.abs(_grey(square) - expected).max() <= 1
    # Every unit's output, and its fill: its output over its layer's strongest, white (off) to blue.
    for browser, python in zip(shown["hidden"], out.hidden, strict=True):
        np.testing.assert_allclose(browser, python[0], atol=1e-4)
    levels = np.concatenate([a[0] / a[0].max() for a in out.hidden] + [out.probabilities[0] / out.probabilities.max()])
    fills = np.array([(255 - int(fill[4:].split(",")[0])) / (255 - 31) for fill in shown["fills"]])
    np.testing.assert_allclose(fills, levels, atol=0.01)
    digit = int(out.predicted_digit[0])
    assert shown["digits"][digit] == f"{digit}  {out.probabilities[0, digit]:.0%}", "the answer's probability"
    # The strongest links by |weight x activation|, as the server's figure draws them (a near tie may swap one).
    python = set(strongest_links(model.layers, steps.x, [a[0] for a in out.hidden]))
    browser = {tuple(link) for link in shown["links"]}
    assert len(browser) == len(python) and len(browser ^ python) <= 2


def test_the_steps_and_the_network_follow_the_pen_and_clear_hides_them(page, server):
    canvas = open_draw(page, server)
    live_ready(page)
    sees = page.locator(SEES)
    expect(sees).to_be_hidden()  # a blank canvas: nothing to see
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + SEVEN[0][0], box["y"] + SEVEN[0][1])
    page.mouse.down()
    shown = []
    for (x0, y0), (x1, y1) in zip(SEVEN, SEVEN[1:], strict=False):
        for t in np.linspace(0, 1, 8)[1:]:
            page.mouse.move(box["x"] + x0 + (x1 - x0) * t, box["y"] + y0 + (y1 - y0) * t)
            page.wait_for_timeout(30)
            shown.append(page.evaluate("() => window.digitdemoSees && window.digitdemoSees.tiles[4].did.textContent"))
    updates = page.evaluate("() => window.digitdemoSees.updates")
    expect(sees).to_be_visible()  # the pen is still down: the server has not been asked
    expect(prediction(page)).to_have_text("—")
    page.mouse.up()
    assert updates >= 10, f"the pictures and the diagram followed the pen ({updates} updates in {len(shown)} moves)"
    assert shown[-1] == "20x20: the input"
    expect(prediction(page)).to_have_text("7", timeout=30_000)
    page.get_by_role("button", name="Clear").click()
    expect(prediction(page)).to_have_text("—", timeout=30_000)
    expect(sees).to_be_hidden()
