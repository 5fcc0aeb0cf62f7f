"""The Draw page's figures go out pre-checked on every stroke: what validation would send, minus its cost."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from digitdemo import data
from digitdemo.figures import network
from digitdemo.handwriting.canvas import render_drawing
from digitdemo.pages import common
from digitdemo.preprocess import preprocess
from tests.apptest import plot_spec, run_with_an_upload

DRAW_FIGURES = [
    "draw.logits_chart",
    "draw.network",
    "draw.hidden",
    "draw.why_pixels",
    "draw.why_nearest",
]


@pytest.fixture(scope="module", params=[False, True], ids=["classroom", "presenter"])
def drawn(request):
    """The Draw page with a held-out digit uploaded, as a student's screen and as the projector's (?present=1): an
    upload's steps, network and hidden units are the server's figures (a canvas drawing's, the browser's).

    "Why this answer?" open, with a second digit picked: its pixel maps and look-alikes go out on every stroke too.
    """
    query = {"why": "True", "present": "1"} if request.param else {"why": "True"}  # present: each figure enlarged
    return run_with_an_upload({"draw.why_not": 3}, **query)


@pytest.mark.parametrize("key", DRAW_FIGURES)
def test_a_draw_figure_sent_unvalidated_is_what_validation_would_send(drawn, key):
    """Draw sends its figures without Streamlit's per-stroke validation (common.show_plot, prechecked): validating
    one must change nothing but add plotly's template, whose layout Streamlit's theme fills in the browser anyway
    (a named colorscale, say, would be read the other way round by plotly.js, and an unknown property raise)."""
    sent = plot_spec(drawn, key)
    assert "template" not in sent["layout"], "sent pre-checked (validation adds the template)"
    validated = json.loads(go.Figure(sent).to_json())  # raises ValueError on a property plotly does not know
    validated["layout"].pop("template")
    assert validated == sent


def _strip_drawn_in_place(images, labels, size=140, gap=14):
    """The steps picture as strip drew it before its labels were cached: every label drawn where it goes."""
    from PIL import Image, ImageDraw

    tiles = [common.pixels(image, size) for image in images]
    canvas = Image.new("L", (len(tiles) * (size + gap) - gap, size + 44), 255)
    pen = ImageDraw.Draw(canvas)
    for i, (tile, (first, second)) in enumerate(zip(tiles, labels, strict=True)):
        canvas.paste(tile, (i * (size + gap), 0))
        pen.text((i * (size + gap), size + 4), first, font=common._label_font(), fill=0)
        pen.text((i * (size + gap), size + 23), second, font=common._label_font(), fill=90)
    return canvas


@pytest.mark.parametrize(
    "labels",
    [
        [("Step 1", "your ink"), ("Step 2", "cropped 80x120"), ("Step 3", "fitted 14x20")],  # "f" starts at -1 px
        [("Step 2", "not cropped (280x280)"), ("Step 3", "stretched to 28x28"), ("Step 4", "not centred")],
        [("Step 1", "a label far wider than its column runs into the next"), ("Step 2", "x" * 40), ("f", "fjf")],
    ],
)
def test_the_steps_picture_has_the_same_pixels_with_its_labels_cached(labels):
    """strip pastes labels drawn once (drawing text was most of its cost per stroke): the picture a student sees
    is pixel for pixel what drawing each label in place gives, twice over (cached), wide and overhanging labels too."""
    rng = np.random.default_rng(0)
    images = [rng.random(shape) for shape in [(280, 280), (120, 80), (20, 14)]]
    expected = np.asarray(_strip_drawn_in_place(images, labels))
    for _ in range(2):
        np.testing.assert_array_equal(np.asarray(common.strip(images, labels)), expected)


def test_the_wider_networks_layers_are_drawn_in_columns_each_unit_a_marker_of_its_own(wide_model):
    """400-256-128-10 on the live diagram: 256 and 128 units in columns of at most 32, none on another, lit."""
    images, _ = data.load_source()
    x = preprocess(render_drawing(images[9000], np.random.default_rng(0))).x
    out = wide_model.forward(x)
    figure = network.network(wide_model.layers, x, [a[0] for a in out.hidden], out.probabilities[0])
    nodes = figure["data"][-1]
    assert len(nodes["x"]) == 256 + 128 + 10
    places = set(zip(nodes["x"], nodes["y"], strict=True))
    assert len(places) == 256 + 128 + 10, "no unit hides another"
    l1_columns, l2_columns = sorted(set(nodes["x"][:256])), sorted(set(nodes["x"][256:384]))
    assert (len(l1_columns), len(l2_columns)) == (8, 4), "columns of 32 units"
    assert max(l1_columns) < min(l2_columns), "the layers' columns do not meet"
    assert np.allclose(nodes["marker"]["color"][:256], out.hidden[0][0] / out.hidden[0][0].max(), atol=0.001)
    hover = nodes["hovertext"][255]
    assert hover.startswith("L1 unit 255"), "a hover names each unit"
