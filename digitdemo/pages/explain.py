"""Why this answer, for the Draw and Predictions pages: which pixels pushed it, units switched off, look-alikes.

The maths is digitdemo.why's; this module lays it out. Its switch and the silenced units are in the page's
link (``?why=True&off=L1.3,L2.7``), so a teacher can share an experiment.
"""

import numpy as np
import streamlit as st

from digitdemo import artifacts, config, figures, state, why
from digitdemo.pages.common import say, show_plot
from digitdemo.text import plural

LABEL = "Why this answer?"
NEAREST = 5


def _open_key(page: str) -> str:
    return state.from_link(f"{page}.why", False, state.parse_choice([True, False]))


def _unit_names(layers: list) -> list[str]:
    """Every hidden unit as the link names it: "L1.3" is unit 3 of L1."""
    return [f"{layer.name}.{unit}" for layer in layers[:-1] for unit in range(layer.b.size)]


def _units_key(page: str, layers: list) -> str:
    """The silenced units' multiselect, seeded from the link (?off=L1.3,L2.7); units this model lacks dropped."""
    names = _unit_names(layers)
    key = state.from_link(f"{page}.off", [], state.parse_list(names))
    known = set(names)  # another model (retrained with fewer units) may lack a unit chosen before
    st.session_state[key] = [name for name in st.session_state[key] if name in known]
    return key


def silenced(page: str, layers: list) -> why.Silenced:
    """The hidden units this page silences: those chosen in its Why section, none while the section is closed."""
    chosen = st.session_state[_units_key(page, layers)]
    if not st.session_state[_open_key(page)]:
        return why.NONE
    units = [name.rpartition(".") for name in chosen]
    return tuple(tuple(int(u) for name, _, u in units if name == layer.name) for layer in layers[:-1])


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
    # Few elements: each one sent costs the server about as much as building it (bench/README.md).
    other = st.pills(
        "**Which pixels pushed it**, and why not another digit?", list(range(config.N_CLASSES)), key=f"{page}.why_not"
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
    key = _units_key(page, layers)
    st.multiselect(
        "**Switch units off**: the hidden units to silence",
        _unit_names(layers),
        key=key,
        format_func=lambda name: name.replace(".", " unit "),
        placeholder="none: pick L1 or L2 units",
    )
    state.to_link(key)
    count = sum(len(units) for units in off)
    said = ""
    if count:
        where = "here" if probabilities else "above"
        said = f"With {plural(count, 'unit')} silenced, the probabilities {where} are the network's without them. "
        if probabilities:
            chart = figures.lab.probability_bars(out.probabilities[0], title="softmax, with the units silenced")
            show_plot(chart, key=f"{page}.why_probabilities", prechecked=prechecked)
    st.markdown(said + importance(layers, x, digit, off, float(out.probabilities[0, digit])))


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
    found = state.training_codes(model)  # the codes (5000, units) once per model, then one distance per row
    if isinstance(found, Exception):
        say("info", f"It looks like these: no training digits to compare with ({found}).")
        return
    codes, X, y = found
    code = model.forward(x).hidden[-1][0]  # the network as trained: the training digits' codes have no unit off
    rows = why.nearest(codes, code, NEAREST, exclude)
    figure = figures.why.nearest_digits(X[rows], y[rows, 0].tolist(), title="It looks like these")
    show_plot(figure, key=f"{page}.why_nearest", prechecked=prechecked)
    last = model.layers[-2]
    st.caption(
        f"The {len(rows)} training digits nearest to this one in the last hidden layer ({last.name}'s "
        f"{last.b.size} units, all on): what the network finds it most alike."
    )
