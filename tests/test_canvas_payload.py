"""The canvas's picture comes from the browser: anything but the canvas's own 280x280 PNG is refused unread."""

import base64
import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from digitdemo import preprocess
from digitdemo.pages.lab.draw import CANVAS_PX
from tests.apptest import page

REFUSED = "not the canvas's own"


def crafted_png(width: int, height: int, color_type: int = 0) -> bytes:
    """A valid PNG of any size, all zeros, built row by row so the test never holds its pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    row = bytes(1 + width * channels)  # filter byte 0, then black pixels
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def inject_payload(at, png: bytes) -> None:
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    at.session_state["draw.canvas.0"] = {
        "drawing": {"raw": {"objects": [{"type": "path"}], "background": "#000000"}, "data": url},
        "backgroundFit": None,
    }


@pytest.fixture
def opened(monkeypatch):
    """Every PIL.Image.open in this process, counted (the real one still runs)."""
    calls = []
    real_open = Image.open

    def counting_open(*args, **kwargs):
        calls.append(args)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Image, "open", counting_open)
    return calls


@pytest.mark.parametrize("side", [9400, 20000, CANVAS_PX * 2, CANVAS_PX - 1])
def test_a_canvas_payload_of_another_size_is_refused_unread(side, opened):
    at = page("draw")
    inject_payload(at, crafted_png(side, side))
    at.run()
    assert not at.exception
    assert REFUSED in at.error[0].value and at.metric[0].value == "—"
    assert opened == [], "the crafted picture was decoded"


@pytest.mark.parametrize("color_type", [0, 2, 4, 6])  # L, RGB, LA, RGBA
def test_a_canvas_payload_of_any_png_mode_is_read(color_type):
    at = page("draw")
    inject_payload(at, crafted_png(CANVAS_PX, CANVAS_PX, color_type))
    at.run()
    assert not at.exception
    assert not at.error
    assert "blank" in at.info[0].value  # all black: read, and found empty


def test_an_la_mode_drawing_is_recognised(shipped_model):
    from digitdemo import data
    from digitdemo.handwriting.canvas import render_drawing

    images, labels = data.load_source()
    rgba = render_drawing(images[9000], np.random.default_rng(0))
    buffer = io.BytesIO()
    Image.fromarray(rgba).convert("LA").save(buffer, format="PNG")
    at = page("draw")
    inject_payload(at, buffer.getvalue())
    at.run()
    assert not at.exception and not at.error
    assert at.metric[0].value == str(labels[9000])


@pytest.mark.parametrize(
    "data_url", ["data:image/png;base64,", "no base64 here", 12, ["a"], "data:image/png;base64,iVBO%%"]
)
def test_a_malformed_data_url_gets_a_sentence(data_url):
    at = page("draw")
    at.session_state["draw.canvas.0"] = {"drawing": {"raw": {"objects": []}, "data": data_url}, "backgroundFit": None}
    at.run()
    assert not at.exception
    assert at.error and at.metric[0].value == "—"


def test_png_size_reads_the_header_only():
    png = crafted_png(123, 45)
    assert preprocess.png_size(png[:24]) == (123, 45)
    assert preprocess.png_size(b"GIF89a" + bytes(30)) is None


# --- In a real browser at a device scale factor of 2 -------------------------------------------------

playwright = pytest.importorskip("playwright.sync_api")
from tests.browser import SEVEN, draw, open_draw, prediction  # noqa: E402


def test_a_retina_screen_sends_the_canvas_at_its_own_size(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=2)
    page_ = context.new_page()
    sent = []
    page_.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    try:
        canvas = open_draw(page_, server)
        draw(page_, canvas, SEVEN)
        playwright.expect(prediction(page_)).to_have_text("7", timeout=15_000)
        time.sleep(0.2)
    finally:
        context.close()
    marker = b"data:image/png;base64,"
    sizes = set()
    for payload in sent:
        payload = payload.encode("latin-1") if isinstance(payload, str) else payload
        start = payload.find(marker)
        if start >= 0:
            header = base64.b64decode(payload[start + len(marker) : start + len(marker) + 32])
            sizes.add(preprocess.png_size(header))
    assert sizes == {(CANVAS_PX, CANVAS_PX)}
