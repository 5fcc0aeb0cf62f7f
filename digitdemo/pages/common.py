"""Small display helpers the pages share."""

import functools
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image, ImageDraw, ImageFont

from digitdemo import figures, state

ASSETS = Path(__file__).resolve().parent.parent / "assets"
STYLE = ASSETS / "style.css"
PRESENT_STYLE = ASSETS / "present.css"  # presenter mode, on top of STYLE
PRESENT_SCALE = 1.35  # chart text and height in presenter mode
ICON = ASSETS / "icon.svg"  # the tab icon, shipped: ":material/...:" would fetch it from fonts.gstatic.com
SETS = {"training": "training set (the lab's 5000)", "test": "held-out test set (5000 more)"}


@functools.cache
def _style(present: bool) -> str:
    css = STYLE.read_text() + (PRESENT_STYLE.read_text() if present else "")
    return f"<style>{css}</style>"


@functools.cache
def script(name: str) -> str:
    """An asset's JavaScript, with each snippet it shares put where it says ``/* SHARED: file.js */``."""
    text = (ASSETS / name).read_text()
    return re.sub(r" */\* SHARED: ([\w.]+) \*/\n", lambda found: (ASSETS / found.group(1)).read_text(), text)


def apply_style(present: bool = False) -> None:
    """The app's CSS (readable text in both themes; presenter mode's), once per page run, from the router."""
    st.html(_style(present))


def for_screen(figure: dict) -> dict:
    """The figure as this session shows it: larger text and height in presenter mode."""
    return figures.style.enlarge(figure, PRESENT_SCALE) if state.presenting() else figure


def say(kind: str, text: object) -> None:
    """st.error, st.warning, st.info or st.success with text shown as typed (errors, file names, user input)."""
    getattr(st, kind)(state.plain(text))


def points(change: float, versus: str = "") -> dict:
    """st.metric's delta for a change of accuracy (0.012 -> "+1.2 points" + versus, up and green).

    A change that shows as 0.0 says "no change", with no arrow and no colour; a fall is red and points down.
    """
    shown = round(change * 100, 1)
    if shown == 0:  # -0.04 would read "-0.0 points", red and down
        return {"delta": "no change" + versus, "delta_color": "off", "delta_arrow": "off"}
    return {"delta": f"{shown:+.1f} points{versus}"}


def lead(text: str, more: str, label: str = "More") -> None:
    """What a student reads in class (two or three lines), the rest behind an expander.

    Presenter mode hides expanders (assets/present.css): the projector shows the lead only.
    """
    st.markdown(text)
    with st.expander(label):
        st.markdown(more)


class _Checked(go.Figure):
    """A figure dict sent as it is. Streamlit validates a dict on every call, which is most of a chart's
    server CPU and grows with its traces; a plotly Figure it takes as validated. Only for figures whose
    validation changes nothing but add plotly's template (no named colorscales: plotly.py and plotly.js
    read "Greys" or "RdBu" the opposite way round), as tests/test_draw_figures.py checks.

    Streamlit only asks it for ``to_dict()``, so plotly's own set-up of an empty Figure (0.65 ms, about
    as much as sending the figure) is skipped: nothing else of the Figure is there to use.
    """

    def __init__(self, spec: dict):  # no super().__init__(): see above
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec


def show_plot(figure: dict, key: str, prechecked: bool = False, **options) -> None:
    """A plotly figure at full width, without plotly's toolbar (it covers small charts).

    ``prechecked``: skip Streamlit's validation, for a figure sent on every stroke (see _Checked).
    ``options``: more of st.plotly_chart's (on_select, selection_mode).
    """
    figure = for_screen(figure)
    st.plotly_chart(
        _Checked(figure) if prechecked else figure,
        key=key,
        width="stretch",
        config={"displayModeBar": False},
        **options,
    )


def choose_set(page: str) -> str:
    """A radio for the training or held-out set, kept in the page's link (?set=test)."""
    key = state.from_link(f"{page}.set", "training", state.parse_choice(list(SETS)))
    return st.radio("Which set", list(SETS), format_func=SETS.get, horizontal=True, key=key)


def answers_shown(page: str) -> bool:
    """Predict, then reveal: a switch (in the link: ?reveal=0 hides) and, while hidden, a Reveal button.

    With the answers hidden the class guesses first; the button, or the switch, shows them.
    """
    key = state.from_link(f"{page}.reveal", True, state.parse_choice([True, False]))
    shown = st.toggle("Show the model's answers", key=key, help="Off: the class guesses first, then reveal.")
    state.to_link(key)
    if not shown:
        st.button("Reveal the model's answers", key=f"{page}.reveal_now", type="primary", on_click=_reveal, args=(key,))
    return shown


def _reveal(key: str) -> None:
    st.session_state[key] = True


def pixels(image: np.ndarray, size: int = 140) -> Image.Image:
    """A float image (0 = black, 1 = white) padded to a square and enlarged with visible pixels."""
    grey = (np.clip(np.nan_to_num(image), 0, 1) * 255).astype(np.uint8)
    h, w = grey.shape
    side = max(h, w)
    square = np.zeros((side, side), dtype=np.uint8)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = grey
    return Image.fromarray(square).resize((size, size), Image.Resampling.NEAREST)


@functools.cache
def _label_font() -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=15)  # Pillow's own font: nothing to install, works offline


def strip(images: list[np.ndarray], labels: list[tuple[str, str]], size: int = 140, gap: int = 14) -> Image.Image:
    """Float images side by side, each padded square and enlarged, with a two-line label under each.

    One picture, not one per step: each picture is a request the server must answer.
    """
    width = size + gap
    tiles = [pixels(image, size) for image in images]
    canvas = Image.new("L", (len(tiles) * width - gap, size + LABEL_BAND), 255)
    pen = ImageDraw.Draw(canvas)
    spilled = False  # the label before ran into this column: draw this one over it, as text is drawn
    for i, (tile, label) in enumerate(zip(tiles, labels, strict=True)):
        canvas.paste(tile, (i * width, 0))
        left, right = _label_extent(label)
        if spilled or left < 0 or right > width:
            _draw_label(pen, (i * width, size), label)
        else:
            canvas.paste(_label_column(label, width), (i * width, size))
        spilled = right > width
    return canvas


LABEL_BAND = 44  # px under each picture: two lines of the label font


def _draw_label(pen: ImageDraw.ImageDraw, at: tuple[int, int], label: tuple[str, str]) -> None:
    x, y = at
    pen.text((x, y + 4), label[0], font=_label_font(), fill=0)
    pen.text((x, y + 23), label[1], font=_label_font(), fill=90)


@functools.lru_cache(maxsize=256)
def _label_extent(label: tuple[str, str]) -> tuple[int, int]:
    """Where a label's ink starts and ends, in px from where it is drawn (an italic-like "f" starts at -1)."""
    boxes = [_label_font().getbbox(line) for line in label]
    return min(box[0] for box in boxes), max(box[2] for box in boxes)


@functools.lru_cache(maxsize=256)
def _label_column(label: tuple[str, str], width: int) -> Image.Image:
    """One step's label on its own, the same pixels as drawn in place: most labels repeat from stroke to
    stroke, and drawing text was most of a strip's cost. Never changed once made: strip only pastes it."""
    column = Image.new("L", (width, LABEL_BAND), 255)
    _draw_label(ImageDraw.Draw(column), (0, 0), label)
    return column
