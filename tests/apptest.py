"""Helpers for AppTest: render one page, inject a drawing into the canvas."""

import base64
import io
import json

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

PAGES = ["draw", "softmax", "activations", "dataset", "model", "training", "predictions", "errors", "class"]


def _page_script(name: str) -> None:
    import importlib

    module = {"class": "class_"}.get(name, name)  # a page whose URL name is a Python keyword
    importlib.import_module(f"digitdemo.pages.{module}").render()


def page(name: str) -> AppTest:
    """An AppTest that renders one page, not yet run."""
    return AppTest.from_function(_page_script, args=(name,), default_timeout=60)


def inject_drawing(at: AppTest, rgba: np.ndarray, version: int = 0) -> None:
    """Put a drawing where the canvas component reports it: its session-state value."""
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    at.session_state[f"draw.canvas.{version}"] = {
        "drawing": {"raw": {"objects": [{"type": "path"}], "background": "#000000"}, "data": url},
        "backgroundFit": None,
    }


def run_with_a_drawing(name: str) -> AppTest:
    """Run one page; the Draw page with a held-out digit on its canvas."""
    at = page(name)
    if name == "draw":
        from digitdemo import data
        from digitdemo.drawings import render_drawing

        images, _ = data.load_source()
        inject_drawing(at, render_drawing(images[9000], np.random.default_rng(0)))
    return at.run()


def plot_spec(at: AppTest, key_part: str) -> dict:
    """The plotly figure (as JSON) of the chart whose element id contains key_part."""
    for element in at.get("plotly_chart"):
        if key_part in element.proto.id:
            return json.loads(element.proto.spec)
    raise AssertionError(f"no plotly chart with {key_part!r}")


def captions_of(spec: dict) -> list[str]:
    return [a["text"] for a in spec["layout"].get("annotations", [])]
