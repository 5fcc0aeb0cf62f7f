"""Why this answer, for the Draw and Predictions pages: which pixels pushed it, units switched off, look-alikes.

The maths is digitdemo.why's; this module lays it out. Its switch and the silenced units are in the page's
link (``?why=True&off1=3,7``), so a teacher can share an experiment.
"""

import numpy as np
import streamlit as st

from digitdemo import artifacts, config, figures, state, why
from digitdemo.pages.common import show_plot
from digitdemo.text import plural

LABEL = "Why this answer?"
NEAREST = 5


def _open_key(page: str) -> str:
    return state.from_link(f"{page}.why", False, state.parse_choice([True, False]))


def _unit_keys(page: str, layers: list) -> list[str]:
    """One multiselect key per hidden layer (link names off1, off2), seeded from the link; units kept in range."""
    keys = []
    for i, layer in enumerate(layers[:-1], start=1):
        key = state.from_link(f"{page}.off{i}", [], state.parse_units(layer.b.size))
        # Another model (retrained with fewer units) may not have a unit chosen before.
        st.session_state[key] = [unit for unit in st.session_state[key] if unit < layer.b.size]
        keys.append(key)
    return keys


def silenced(page: str, layers: list) -> why.Silenced:
    """The hidden units this page silences: those ticked in its Why section, none while the section is closed."""
    keys = _unit_keys(page, layers)
    if not st.session_state[_open_key(page)]:
        return why.NONE
    return tuple(tuple(st.session_state[key]) for key in keys)


def section(
    page: str,
    model: artifacts.TrainedModel,
    x: np.ndarray,
    out,
    off: why.Silenced,
    exclude: int | None = None,
    probabilities: bool = False,
    prechecked: bool = False,
) -> None:
    """The switch, and when on: the pixel map, the units to silence, how much one unit matters, the look-alikes.

    x (400,) the input; out its forward pass with ``off`` silenced; ``exclude`` a training row not to show as a
    look-alike (the example itself); ``probabilities``: chart them when units are silenced (Draw's chart above
    already follows); ``prechecked``: figures sent unvalidated (Draw, on every stroke).
    """
    key = _open_key(page)
    st.toggle(LABEL, key=key, help="Which pixels pushed the answer, units switched off, the digits it looks like.")
    state.to_link(key)
    if not st.session_state[key]:
        return
    layers, digit = model.layers, int(out.predicted_digit[0])
    _pixels(page, layers, x, digit, off, prechecked)
    if len(layers) > 1:
        _units(page, layers, x, out, digit, off, probabilities, prechecked)
        _looks_like(page, model, x, exclude, prechecked)


def _pixels(page: str, layers: list, x: np.ndarray, digit: int, off: why.Silenced, prechecked: bool) -> None:
    st.markdown("**Which pixels pushed it**")
    other = st.pills(
        "Why not another digit?", list(range(config.N_CLASSES)), key=f"{page}.why_not", help="Pick a digit to compare."
    )
    panels = [(f"why {digit}", why.pixel_pushes(layers, x, digit, off))]
    if other is not None and other != digit:
        panels.append((f"why not {other}?", why.pixel_pushes(layers, x, other, off)))
    show_plot(figures.why.pixel_pushes(x, panels), key=f"{page}.why_pixels", prechecked=prechecked)
    st.caption(
        "Each pixel's ink times how much that logit grows with it (gradient x input): **blue** pixels pushed the "
        "digit's logit up, **red** ones down, white did nothing (no ink). The outline is the digit's ink."
    )


def _units(page, layers, x, out, digit: int, off: why.Silenced, probabilities: bool, prechecked: bool) -> None:
    st.markdown("**Switch a unit off**")
    keys = _unit_keys(page, layers)
    for column, layer, key in zip(st.columns(len(keys)), layers[:-1], keys, strict=True):
        column.multiselect(f"Silence {layer.name} units", list(range(layer.b.size)), key=key, placeholder="none")
    state.to_link(*keys)
    count = sum(len(units) for units in off)
    if count:
        where = "above are" if not probabilities else "here are"
        st.caption(
            f"{plural(count, 'unit')} silenced: the prediction and probabilities {where} the network's without them."
        )
        if probabilities:
            chart = figures.lab.probability_bars(out.probabilities[0], title="softmax, with the units silenced")
            show_plot(chart, key=f"{page}.why_probabilities", prechecked=prechecked)
    st.markdown(importance(layers, x, digit, off, float(out.probabilities[0, digit])))


def importance(layers: list, x: np.ndarray, digit: int, off: why.Silenced, probability: float) -> str:
    """One sentence: per hidden layer, the most the answer's probability falls when one more unit is silenced."""
    parts = []
    for layer, drops in zip(layers[:-1], why.unit_effects(layers, x, digit, off), strict=True):
        unit = int(np.argmax(drops))
        points = 100 * float(drops[unit])
        parts.append(
            f"by under 1 point in {layer.name}"
            if points < 1
            else f"by up to {points:.0f} points in {layer.name} (unit {unit})"
        )
    return (
        f"How much one unit matters for this digit: silencing one lowers {digit}'s probability ({probability:.0%}) "
        + ", ".join(parts)
        + "."
    )


def _looks_like(page: str, model, x: np.ndarray, exclude: int | None, prechecked: bool) -> None:
    st.markdown("**It looks like these**")
    codes = state.training_codes(model)  # (5000, units), once per model
    X, y = state.dataset("training")
    code = model.forward(x).hidden[-1][0]  # the network as trained: the training digits' codes have no unit off
    rows = why.nearest(codes, code, NEAREST, exclude)
    show_plot(
        figures.why.nearest_digits(X[rows], y[rows, 0].tolist()), key=f"{page}.why_nearest", prechecked=prechecked
    )
    last = model.layers[-2]
    st.caption(
        f"The {len(rows)} training digits nearest to this one in the last hidden layer ({last.name}'s "
        f"{last.b.size} units, all on): what the network finds it most alike."
    )
