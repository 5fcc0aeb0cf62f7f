"""The Draw page's live answer in Chromium (issue 27): the bars follow the pen, computed in the browser, and equal
the server's.

The browser reads drawings made on a canvas in the page itself (blank, dots, one stroke, several strokes, ink on
the edge, small and large, here and there, thin and thick brushes); Python reads the same pixels (their PNG) with
preprocess.py and the same model: the 20x20 inputs within 0.01 a pixel, the probabilities within 0.001.
"""

import base64
import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitdemo import artifacts
from digitdemo.classroom.rooms import LAB_MODEL, WIDE_MODEL
from digitdemo.pages.lab.draw import CANVAS_PX
from digitdemo.preprocess import preprocess, read_canvas
from tests.browser import ONE, SEVEN, live_ready, open_draw, prediction, touch_stroke

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

LIVE = '[data-testid="live-answer"]'
ALL_ON = {"crop": True, "fit": True, "centre": True}
# A 4 and a 2 as strokes (canvas pixels); scaled and moved below.
FOUR = [[(80, 60), (70, 160), (170, 160)], [(150, 80), (150, 240)]]
TWO = [[(90, 90), (140, 60), (190, 100), (100, 230), (200, 230)]]


def _drawings() -> list[dict]:
    """At least 50 drawings: {strokes: [[(x, y), ...], ...], width: brush px, switches}."""
    rng = np.random.default_rng(27)
    shapes = [[SEVEN], [ONE], FOUR, TWO]
    drawings = [{"strokes": [], "width": 18}]  # blank
    drawings += [{"strokes": [[(x, y)]], "width": w} for x, y, w in [(140, 140, 18), (20, 30, 10), (270, 260, 40)]]
    drawings += [
        {"strokes": [[(60, 140), (220, 140)]], "width": 18},
        {"strokes": [[(140, 30), (140, 250)]], "width": 6},
    ]
    drawings += [{"strokes": [[(30, 40), (250, 230)]], "width": 30}, {"strokes": [[(200, 40), (60, 250)]], "width": 12}]
    # touching the edge, or running off it
    drawings += [{"strokes": [[(0, 0), (279, 279)]], "width": 18}, {"strokes": [[(5, 140), (275, 140)]], "width": 40}]
    drawings += [{"strokes": [[(x + 130, y - 60) for x, y in SEVEN]], "width": 18}]
    drawings += [{"strokes": [[(x - 80, y + 70) for x, y in stroke] for stroke in FOUR], "width": 18}]
    while len(drawings) < 56:
        shape = shapes[len(drawings) % len(shapes)]
        scale = rng.uniform(0.15, 1.0)
        dx, dy = rng.uniform(0, 280 - 250 * scale, size=2)
        strokes = [[(round(x * scale + dx, 1), round(y * scale + dy, 1)) for x, y in stroke] for stroke in shape]
        drawings.append({"strokes": strokes, "width": int(rng.choice([6, 10, 18, 25, 40]))})
    # the preprocessing switches, each off in turn, on some of them
    offs = [{"crop": False}, {"fit": False, "centre": False}, {"centre": False}]
    for i, drawing in enumerate(drawings):
        drawing["switches"] = {**ALL_ON, **(offs[i % 3] if i % 4 == 3 else {})}
    return drawings


DRAW_AND_READ = """
([drawings, size]) => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d", {willReadFrequently: true});
  return drawings.map(({strokes, width, switches}) => {
    context.fillStyle = "#000000";
    context.fillRect(0, 0, size, size);
    context.strokeStyle = "#FFFFFF";
    context.lineWidth = width;
    context.lineCap = context.lineJoin = "round";
    for (const stroke of strokes) {
      context.beginPath();
      context.moveTo(...stroke[0]);
      for (const point of stroke.length > 1 ? stroke.slice(1) : stroke) context.lineTo(...point);
      context.stroke();
    }
    const reading = window.digitdemoLive.read(context.getImageData(0, 0, size, size).data, size, size, switches);
    return {
      png: canvas.toDataURL("image/png"),
      x: reading.x && Array.from(reading.x),
      probabilities: reading.probabilities,
      box: reading.box,
      ink: reading.ink,
    };
  });
}
"""


def _python(png: str, switches: dict, model) -> tuple:
    payload = base64.b64decode(png.split(",", 1)[1])
    steps = preprocess(read_canvas(payload, (CANVAS_PX, CANVAS_PX)), **switches)
    out = None if steps.x is None else model.forward(steps.x)
    return steps, out


@pytest.mark.parametrize("reader", [WIDE_MODEL, LAB_MODEL])
def test_the_browser_reads_50_drawings_as_python_does(page, server, reader):
    model = artifacts.load(artifacts.reader_dir(reader))
    open_draw(page, server, f"/draw?model={reader}")
    live_ready(page)
    drawings = _drawings()
    assert len(drawings) >= 50
    readings = page.evaluate(DRAW_AND_READ, [drawings, CANVAS_PX])
    worst_pixel = worst_probability = 0.0
    answered = 0
    for drawing, browser in zip(drawings, readings, strict=True):
        steps, out = _python(browser["png"], drawing["switches"], model)
        assert (browser["x"] is None) == (steps.x is None), f"{drawing}: one of the two reads no digit"
        assert browser["box"] == (None if steps.box is None else list(steps.box)), drawing
        assert browser["ink"] == pytest.approx(float(steps.ink.sum(dtype=np.float64)), rel=1e-5, abs=1e-6)
        if steps.x is None:
            continue
        answered += 1
        worst_pixel = max(worst_pixel, float(np.abs(np.array(browser["x"]) - steps.x).max()))
        worst_probability = max(
            worst_probability, float(np.abs(np.array(browser["probabilities"]) - out.probabilities[0]).max())
        )
        assert int(np.argmax(browser["probabilities"])) == int(out.predicted_digit[0]), drawing
    assert worst_pixel <= 0.01 and worst_probability <= 0.001, (worst_pixel, worst_probability)
    assert answered >= 45, "blank, dots: no digit; the rest are read"
    print(f"{reader}: {answered} read; worst pixel {worst_pixel:.2g}, worst probability {worst_probability:.2g}")


RECORD = """
() => {
  const live = document.querySelector('[data-testid="live-answer"]');
  window.liveLog = [];
  new MutationObserver(() => window.liveLog.push({source: live.dataset.source, digit: live.dataset.digit,
    probabilities: live.dataset.probabilities})).observe(live, {attributes: true});
}
"""


def _stroke_slowly(page, canvas, stroke, pause_ms: int = 30) -> list[dict]:
    """Draw with the mouse, a point every ``pause_ms``; what the live answer showed while the pen was down."""
    box = canvas.bounding_box()
    shown = []
    page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
    page.mouse.down()
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
        for t in np.linspace(0, 1, 8)[1:]:
            page.mouse.move(box["x"] + x0 + (x1 - x0) * t, box["y"] + y0 + (y1 - y0) * t)
            page.wait_for_timeout(pause_ms)
            shown.append(page.locator(LIVE).evaluate("e => ({...e.dataset})"))
    page.mouse.up()
    return shown


def _server_answer(page) -> dict:
    page.wait_for_function(
        "() => { const e = document.querySelector('[data-testid=\"live-answer\"]');"
        " return e.dataset.source === 'server' && e.dataset.digit !== '' }",
        timeout=60_000,
    )
    return page.locator(LIVE).evaluate("e => ({...e.dataset})")


def test_the_bars_follow_the_pen_then_show_the_servers_equal_answer(page, server):
    canvas = open_draw(page, server)
    live_ready(page)
    live = page.locator(LIVE)
    expect(live).to_have_attribute("data-digit", "")  # a blank canvas: no answer
    expect(page.locator(".dd-live-bars")).to_be_hidden()
    shown = _stroke_slowly(page, canvas, SEVEN)
    assert all(s["source"] == "browser" for s in shown), "while the pen is down the browser answers"
    answers = {s["probabilities"] for s in shown if s["digit"] != ""}
    assert len(answers) >= 10, f"the bars moved with the pen ({len(answers)} different answers in {len(shown)} moves)"
    assert shown[-1]["digit"] == "7"
    final = _server_answer(page)
    expect(prediction(page)).to_have_text(final["digit"])
    browser = page.evaluate("() => window.digitdemoLive.state.reading.probabilities")
    np.testing.assert_allclose(json.loads(final["probabilities"]), browser, atol=0.001)
    # The finished drawing's pixels, read by Python, give what the server sent.
    png = canvas.evaluate("c => c.parentElement.querySelector('canvas.lower-canvas').toDataURL('image/png')")
    steps, out = _python(png, ALL_ON, artifacts.load(artifacts.reader_dir(WIDE_MODEL)))
    np.testing.assert_allclose(json.loads(final["probabilities"]), out.probabilities[0], atol=0.001)
    browser_x = page.evaluate("() => Array.from(window.digitdemoLive.state.reading.x)")
    assert np.abs(np.array(browser_x) - steps.x).max() <= 0.01


def test_a_second_stroke_moves_the_bars_and_clear_clears_them(page, server):
    canvas = open_draw(page, server)
    live_ready(page)
    _stroke_slowly(page, canvas, [(100, 60), (100, 220)], pause_ms=10)
    first = _server_answer(page)
    page.evaluate(RECORD)
    shown = _stroke_slowly(page, canvas, [(100, 60), (180, 60), (180, 220)], pause_ms=10)
    assert shown[0]["source"] == "browser" and shown[-1]["probabilities"] != first["probabilities"]
    second = _server_answer(page)
    assert second["probabilities"] != first["probabilities"]
    page.get_by_role("button", name="Clear").click()
    expect(page.locator(LIVE)).to_have_attribute("data-digit", "", timeout=30_000)
    expect(page.locator(LIVE)).to_have_attribute("data-probabilities", "")
    expect(page.locator(".dd-live-bars")).to_be_hidden()
    expect(prediction(page)).to_have_text("—", timeout=30_000)


def test_a_finger_moves_the_bars_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        canvas = open_draw(page, server)
        live_ready(page)
        canvas.evaluate("c => c.scrollIntoView({block: 'center'})")  # where a student holds it to draw
        page.wait_for_timeout(500)
        page.evaluate(RECORD)
        touch_stroke(context, page, canvas, SEVEN)
        final = _server_answer(page)
        log = page.evaluate("() => window.liveLog")
        browser_answers = [entry for entry in log if entry["source"] == "browser" and entry["digit"] != ""]
        assert browser_answers, "the browser answered while the finger was down"
        assert final["digit"] == "7"
        expect(page.locator(".st-key-draw-verdict")).to_contain_text("7")
    finally:
        context.close()


def test_an_upload_shows_the_servers_bars(page, server, tmp_path):
    picture = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(picture).line([(90, 70), (190, 70), (130, 230)], fill=0, width=18)
    path = tmp_path / "seven.png"
    picture.save(path)
    open_draw(page, server)
    page.get_by_text("Upload a picture").click()
    page.locator("input[type=file]").set_input_files(str(path))
    final = _server_answer(page)
    assert final["source"] == "server" and len(json.loads(final["probabilities"])) == 10
