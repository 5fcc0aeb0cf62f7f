"""The Draw page's figures go out pre-checked on every stroke: what validation would send, minus its cost."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from digitdemo import data
from digitdemo.drawings import render_drawing
from tests.apptest import inject_drawing, page, plot_spec

DRAW_FIGURES = ["draw.probabilities", "draw.logits_chart", "draw.network", "draw.hidden"]


@pytest.fixture(scope="module", params=[False, True], ids=["classroom", "presenter"])
def drawn(request):
    """The Draw page with a held-out digit drawn, as a student's screen and as the projector's (?present=1)."""
    at = page("draw")
    if request.param:
        at.query_params["present"] = "1"  # larger text and charts: each figure enlarged before it is sent
    images, _ = data.load_source()
    inject_drawing(at, render_drawing(images[9000], np.random.default_rng(0)))
    return at.run()


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
