"""Helpers for AppTest: render one page, inject a drawing into the canvas."""

import base64
import io
import json
import time

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from digitdemo import config
from digitdemo.pages.classroom.room import DIGIT

PAGES = ["draw", "softmax", "activations", "dataset", "model", "training", "predictions", "errors", "class"]


def _page_script(name: str) -> None:
    import importlib

    module = "classroom.class_" if name == "class" else f"lab.{name}"  # "class" is a Python keyword
    importlib.import_module(f"digitdemo.pages.{module}").render()


def page(name: str) -> AppTest:
    """An AppTest that renders one page, not yet run."""
    return AppTest.from_function(_page_script, args=(name,), default_timeout=60)


def through_router(name: str) -> AppTest:
    """An AppTest of the whole app through router.py (what it does before every page, then the page), opening /name.

    Not yet run. AppTest.switch_page finds only page files, and our pages are functions: set the hash
    st.Page gives /name (streamlit.util.calc_hash of its url_path) instead. Set it again to change pages.
    """
    at = AppTest.from_file(str(config.REPO_DIR / "router.py"), default_timeout=60)
    at._page_hash = calc_hash(name)
    return at


def go(at: AppTest, name: str) -> AppTest:
    """An AppTest of the whole app (through_router) moved to /name in the same session, as a sidebar click; run."""
    at._page_hash = calc_hash(name)
    return at.run()


def inject_drawing(at: AppTest, rgba: np.ndarray, version: int = 0) -> None:
    """Put a drawing where the canvas component reports it: its session-state value."""
    url = "data:image/png;base64," + base64.b64encode(png(rgba)).decode()
    at.session_state[f"draw.canvas.{version}"] = {
        "drawing": {"raw": {"objects": [{"type": "path"}], "background": "#000000"}, "data": url},
        "backgroundFit": None,
    }


def run_with_a_drawing(name: str, **query: str) -> AppTest:
    """Run one page, with these link parameters; the Draw page with a held-out digit on its canvas."""
    at = page(name)
    for key, value in query.items():
        at.query_params[key] = value
    if name == "draw":
        inject_drawing(at, held_out_drawing())
    return at.run()


def held_out_drawing() -> np.ndarray:
    """A held-out digit as a canvas drawing: images[9000], drawn with rng 0 (RGBA, 280x280)."""
    from digitdemo import data
    from digitdemo.handwriting.canvas import render_drawing

    images, _ = data.load_source()
    return render_drawing(images[9000], np.random.default_rng(0))


def png(rgba: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return buffer.getvalue()


def run_with_an_upload(session: dict | None = None, **query: str) -> AppTest:
    """The Draw page with the held-out drawing uploaded as a picture: the server draws its steps, network and hidden
    units (for a drawing on the canvas the browser does: tests/test_browser_sees.py). ``session``: state set first."""
    at = page("draw")
    for key, value in query.items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    return upload(at.run(), held_out_drawing())


def upload(at: AppTest, rgba: np.ndarray) -> AppTest:
    """On the Draw page (run once), switch to "Upload a picture" and upload this picture as a PNG; run."""
    at.radio(key="draw.source").set_value("Upload a picture").run()
    return at.file_uploader(key="draw.upload").set_value(("digit.png", png(rgba), "image/png")).run()


def mounted(at: AppTest, component: str) -> bool:
    """Whether the page mounted our component of this name (digitdemo.live_answer, digitdemo.live_sees)."""
    return any(element.proto.component_name == component for element in at.get("bidi_component"))


def plot_spec(at: AppTest, key_part: str) -> dict:
    """The plotly figure (as JSON) of the chart whose element id contains key_part."""
    for element in at.get("plotly_chart"):
        if key_part in element.proto.id:
            return json.loads(element.proto.spec)
    raise AssertionError(f"no plotly chart with {key_part!r}")


def live_data(at: AppTest) -> dict:
    """What the Draw page gave its live answer (digitdemo/live.py's payload): the reader, the server's answer."""
    for element in at.get("bidi_component"):
        if element.proto.component_name == "digitdemo.live_answer":
            return json.loads(element.proto.json)[0]
    raise AssertionError("no live answer on the page")


def live_probabilities(at: AppTest) -> list[float] | None:
    """The probability bars the Draw page sent for the drawing it read (None: no answer)."""
    return live_data(at)["answer"]["probabilities"]


def captions_of(spec: dict) -> list[str]:
    return [a["text"] for a in spec["layout"].get("annotations", [])]


def retrain(at: AppTest, epochs: int, units1: int = 25) -> AppTest:
    """Press Retrain on the Training page with ``epochs`` and a first layer of ``units1``."""
    at.number_input(key="training.epochs").set_value(epochs)
    at.number_input(key="training.units1").set_value(units1)
    return at.button(key="FormSubmitter:training.form-Retrain").click().run()


def wait_for_training(at: AppTest, seconds: float = 120) -> AppTest:
    """Rerun the page as its progress fragment does, until the run has finished."""
    deadline = time.monotonic() + seconds
    while "training.job" in at.session_state and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    assert "training.job" not in at.session_state, "training did not finish"
    return at


def keypad(at: AppTest):
    """The room's "Which digit did you draw?" (its key changes with each drawing sent: room.digit_key)."""
    (found,) = [pills for pills in at.pills if pills.key.startswith(f"{DIGIT}.")]
    return found
