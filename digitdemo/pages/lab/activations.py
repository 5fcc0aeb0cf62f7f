"""Activations: linear, sigmoid and ReLU, and how ReLU units add up without interfering."""

import numpy as np
import streamlit as st

from digitdemo import figures
from digitdemo.nn import linear, relu, sigmoid
from digitdemo.pages.common import show_plot

# The target: pieces with slopes -2, 1 and 3 joined at x = 1 and x = 2.
TARGET_X = np.linspace(0, 3, 61)
TARGET_Y = np.interp(TARGET_X, [0, 1, 2, 3], [2, 0, 1, 4])
SOLUTION = [(-2.0, 2.0), (1.0, -1.0), (2.0, -4.0)]  # (w, b) for each unit
UNITS = 3


def render() -> None:
    st.title("Activation functions")
    st.markdown(
        "A unit computes $z = w \\cdot x + b$, then an activation $g(z)$. The lab's hidden layers use "
        "**ReLU**, $g(z) = \\max(0, z)$; its output layer is **linear**, $g(z) = z$; **sigmoid** "
        "squeezes $z$ into (0, 1)."
    )
    z = np.linspace(-5, 5, 201)
    for column, (name, g) in zip(
        st.columns(3), [("linear", linear), ("sigmoid", sigmoid), ("ReLU", relu)], strict=True
    ):
        with column:
            show_plot(
                figures.lab.curves(z, {name: g(z)}, title=f"{name}(z)", showlegend=False), key=f"activations.{name}"
            )

    st.subheader("ReLU's off region lets units add up")
    st.markdown(
        "Each ReLU unit is 0 until its $z$ turns positive, then a straight line. Where one unit is off "
        "it adds nothing, so each unit can shape one piece of a function without disturbing the others. "
        "Set $w$ and $b$ of three units so that their **sum** matches the **target** made of three pieces."
    )
    if st.button("Show a solution", key="activations.solve"):
        for i, (w, b) in enumerate(SOLUTION):
            st.session_state[f"activations.w{i}"], st.session_state[f"activations.b{i}"] = w, b
    total = np.zeros_like(TARGET_X)
    series = {"target": TARGET_Y}
    styles = {
        "target": {"color": figures.style.TEXT, "width": 6, "dash": "dot"},
        "sum of the units": figures.style.SUM_LINE,
    }
    for i, column in enumerate(st.columns(UNITS)):
        w = column.slider(f"unit {i}: w", -4.0, 4.0, 1.0, 0.5, key=f"activations.w{i}")
        b = column.slider(f"unit {i}: b", -8.0, 8.0, 0.0, 0.5, key=f"activations.b{i}")
        unit = relu(w * TARGET_X + b)
        name = f"unit {i}: ReLU({w:g}·x {b:+g})"
        series[name], styles[name] = unit, figures.style.UNIT_LINES[i]
        total += unit
    series["sum of the units"] = total
    error = float(np.mean((total - TARGET_Y) ** 2))
    figure = figures.lab.curves(TARGET_X, series, height=420, styles=styles, xaxis={"title": {"text": "x"}})
    show_plot(figure, key="activations.sum")
    if error < 1e-9:
        st.success("The sum matches the target exactly: three ReLU units, three pieces.")
    else:
        st.info(f"Mean squared difference between the sum and the target: {error:.3f}")
