"""Predictions: the lab's walk-through on one example, and a grid of 64 predictions."""

import numpy as np
import streamlit as st

from digitdemo import artifacts, config, figures, notebook, state, why
from digitdemo.data import row_to_image
from digitdemo.pages import explain
from digitdemo.pages.common import answers_shown, choose_set, pixels, show_plot


def render() -> None:
    st.title("Predictions")
    st.markdown(
        "To predict, the model computes 10 logits for an image; softmax turns them into probabilities; "
        "the prediction is the digit with the largest, `np.argmax`. The lab walks through example "
        f"**{config.EXAMPLE_INDEX}**, a 2. " + state.model_caption()
    )
    which = choose_set("predictions")
    X, y = state.dataset(which)
    model = state.current_model()
    start = min(config.EXAMPLE_INDEX, len(X) - 1)
    link = state.from_link("predictions.index", start, state.parse_in(0, len(X) - 1, int))
    index = st.number_input("Example index", 0, len(X) - 1, key=link)
    state.to_link("predictions.set", "predictions.index")
    shown = answers_shown("predictions")
    out = model.forward(X[index])
    image, logits, probabilities = st.columns([1, 1.5, 1.5])
    with image:
        st.image(pixels(row_to_image(X[index]), 200), caption=f"X[{index}], label y = {y[index, 0]}")
        st.metric("np.argmax(probabilities)", int(out.predicted_digit[0]) if shown else "?")
    if shown:
        _walk_through(index, out, logits, probabilities)
        _compare_with_the_notebook(model)
        off = explain.silenced("predictions", model.layers)
        silenced = why.forward(model.layers, X[index], off) if any(off) else out
        itself = index if which == "training" else None  # not its own look-alike
        explain.section("predictions", model, X[index], silenced, off, exclude=itself, probabilities=True)
    else:
        logits.info("What will the model read? Guess, then reveal its answers.")
    _grid(X, y, model, shown)


def _walk_through(index: int, out, logits, probabilities) -> None:
    """The logits and probabilities as charts, then as the notebook prints them."""
    with logits:
        show_plot(figures.lab.value_bars(out.logits[0], title="1. logits = model(X[i])"), key="predictions.logits")
    with probabilities:
        show_plot(
            figures.lab.probability_bars(out.probabilities[0], title="2. softmax(logits)"), key="predictions.probs"
        )
    logits_text, probabilities_text = st.columns(2)
    with logits_text:
        st.code(
            f"image_of_two = X[{index}]\n{notebook.PREDICT_CODE}\n\n"
            f" predicting a Two: \n[{notebook.lab_print(out.logits[0])}]\n"
            f" Largest Prediction index: {int(np.argmax(out.logits[0]))}",
            language="python",
        )
        st.markdown(
            "The largest logit already names the digit: **`np.argmax` of the logits gives the answer**. "
            "Softmax is needed only when you want probabilities; it never changes which is largest."
        )
    with probabilities_text:
        st.code(
            f"{notebook.SOFTMAX_CODE}\n\n"
            f" predicting a Two. Probability vector: \n[{notebook.lab_print(out.probabilities[0])}]\n"
            f"Total of predictions: {np.sum(out.probabilities[0]):0.3f}\n\n"
            f"{notebook.ARGMAX_CODE}\n\n"
            f"np.argmax(prediction_p): {int(out.predicted_digit[0])}",
            language="python",
        )


def _grid(X: np.ndarray, y: np.ndarray, model: artifacts.TrainedModel, shown: bool) -> None:
    count = min(64, len(X))  # the course's own data may have fewer rows
    st.subheader(f"{count} random examples: label, prediction")
    if st.button("Reshuffle", key="predictions.shuffle"):
        st.session_state["predictions.seed"] = st.session_state.get("predictions.seed", 0) + 1
    chosen = np.random.default_rng(st.session_state.get("predictions.seed", 0)).choice(len(X), count, replace=False)
    predicted = model.forward(X[chosen]).predicted_digit
    labels = y[chosen, 0]
    if not shown:
        captions = [f"{label},?" for label in labels]
        show_plot(figures.digits.digit_mosaic(X[chosen], captions), key="predictions.grid")
        st.caption("Label, and ? for the model's answer: which will it get wrong?")
        return
    captions = [f"{label},{pred}" for label, pred in zip(labels, predicted, strict=True)]
    show_plot(figures.digits.digit_mosaic(X[chosen], captions, wrong=labels != predicted), key="predictions.grid")
    wrong = int(np.sum(labels != predicted))
    st.caption(f"Mistakes in red, crossed and outlined: {wrong} of {count}.")


def _compare_with_the_notebook(model: artifacts.TrainedModel) -> None:
    """Example 1015 in the notebook and here: both a 2, other drawings, other numbers."""
    X, _ = state.dataset("training")
    if len(X) <= config.EXAMPLE_INDEX:  # the course's own data, with fewer rows
        return
    ours = model.forward(X[config.EXAMPLE_INDEX])
    digit = int(ours.predicted_digit[0])
    st.info(
        f"**Comparing with the notebook?** Its X[{config.EXAMPLE_INDEX}] is another 2 than ours (our 5000 "
        f"digits are other MNIST digits), so the numbers differ. The notebook reads **2 with "
        f"{notebook.LAB_1015_PROBABILITY:.1%}** from the logits `[{notebook.lab_print(notebook.LAB_1015_LOGITS)}]`; "
        f"this app reads **{digit} with {ours.probabilities[0, digit]:.1%}** (its X[{config.EXAMPLE_INDEX}], "
        "the model in use)."
    )
