"""The Draw page's live answer: our component (assets/live.js), whose bars follow the pen, computed in the browser,
until the server's answer for the finished drawing replaces them. What it is given: digitdemo/live.py."""

import functools

import streamlit as st

from digitdemo import live
from digitdemo.nn import Forward, Layer
from digitdemo.pages.common import script
from digitdemo.preprocess import Steps

SENT = "draw.live_sent"  # the id of the reader whose weights this session's browser holds


@functools.cache
def _component(name: str, html: str, css: str, js: str):
    """One of our components v2 components (its CSS and script: files in assets/), registered once a process."""
    return st.components.v2.component(
        name,
        html=html,
        css=(live.ASSETS / css).read_text(),
        js=script(js),
        isolate_styles=False,  # in the page's own tree: its text is measured with the page's (tests/readability.py)
    )


def sees() -> None:
    """What the model sees, for the canvas: the steps, the network and its hidden units, drawn in the browser from
    the live answer's readings (assets/sees.js), so they follow the pen and the server sends no figure for them."""
    _component("digitdemo.live_sees", live.SEES_HTML, "sees.css", "sees.js")(key="draw.sees", width="stretch")


def _resend() -> None:
    # The browser lacks the weights it was told it holds (a component mounted afresh in a new tab's page): again.
    st.session_state.pop(SENT, None)


def answer(
    layers: list[Layer] | None,
    steps: Steps | None,
    shown: Forward | None,
    switches: dict[str, bool],
    silenced: tuple,
    live_canvas: bool,
) -> None:
    """The probability bars: the browser's while the pen moves on the canvas, the server's for a finished drawing."""
    model_id = None if layers is None else live.model_id(layers)
    weights = model_id is not None and live_canvas and st.session_state.get(SENT) != model_id
    data = live.payload(layers, weights, steps, shown, switches, silenced, live_canvas)
    # In a list: Streamlit looks for data frames in a dict's every key (0.2 ms each), not in a list.
    mount = _component("digitdemo.live_answer", live.HTML, "live.css", "live.js")
    mount(data=[data], key="draw.live", on_missing_change=_resend, width="stretch")
    if weights:
        st.session_state[SENT] = model_id
