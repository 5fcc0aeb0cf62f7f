"""Dataset: the lab's X and y, their shapes, and a grid of labelled digits."""

import numpy as np
import streamlit as st

from digitdemo import figures, notebook, state
from digitdemo.data import row_to_image
from digitdemo.pages.common import choose_set, pixels, show_plot

DIGITS = ["all", *range(10)]


def render() -> None:
    st.title("The dataset")
    st.markdown(
        "Each example is a 20x20 grey image of a handwritten digit, unrolled into a row of **400 numbers**. "
        "`X` stacks 5000 rows; `y` holds the label, 0 to 9, of each. These are real MNIST digits, but not "
        "the notebook's 5000: its numbers (X[0] below, a loss, a prediction) differ from ours."
    )
    which = choose_set("dataset")
    X, y = state.dataset(which)
    st.code(f"X.shape = {X.shape}    y.shape = {y.shape}    y[0] = {y[0, 0]}    y[-1] = {y[-1, 0]}")

    st.subheader("The first element of X")
    values, picture = st.columns([2, 1])
    with values:
        st.code(
            f"print('The first element of X is: ', X[0])\nThe first element of X is:  {notebook.lab_print(X[0])}",
            language="python",
            height=300,
        )
        st.caption(
            f"The 400 values, unrolled (scroll). They run from {X[0].min():.2f} to {X[0].max():.2f}: bicubic "
            "resizing from MNIST's 28x28 overshoots slightly outside 0..1, as in the lab."
        )
    with picture:
        st.image(pixels(row_to_image(X[0]), 220), caption=f"X[0].reshape((20,20)).T: a {y[0, 0]}")
    if which == "training":
        st.info(
            "Comparing with the notebook? Its X[0] is a 0 too, but another person's 0: the values differ. "
            "Our 5000 digits are other MNIST digits, picked 500 per class in the same label order."
        )

    st.subheader("64 random digits with their labels")
    digit = st.selectbox(
        "Only this digit", DIGITS, key=state.from_link("dataset.digit", "all", state.parse_choice(DIGITS))
    )
    state.to_link("dataset.set", "dataset.digit")
    if st.button("Reshuffle", key="dataset.shuffle"):
        st.session_state["dataset.seed"] = st.session_state.get("dataset.seed", 0) + 1
    pool = np.arange(len(y)) if digit == "all" else np.flatnonzero(y[:, 0] == digit)
    rng = np.random.default_rng(st.session_state.get("dataset.seed", 0))
    chosen = rng.choice(pool, size=min(64, len(pool)), replace=False)
    show_plot(figures.digits.digit_mosaic(X[chosen], [f"{y[i, 0]}" for i in chosen]), key="dataset.grid")
    st.caption(f"Showing {len(chosen)} of {len(pool)} examples. Indices: {', '.join(map(str, sorted(chosen)[:16]))}…")
