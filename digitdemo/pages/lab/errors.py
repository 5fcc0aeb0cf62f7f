"""Errors: the examples the model gets wrong, counted, tabulated and shown."""

import numpy as np
import streamlit as st

from digitdemo import artifacts, figures, metrics, state
from digitdemo.classroom import rooms
from digitdemo.handwriting import yardstick as drawn
from digitdemo.pages.common import answers_shown, for_screen, show_plot

GALLERY_LIMIT = 64
DRAWN_LIMIT = 24  # misread drawings shown per model: each is a 56x56 picture of the canvas
TABS = ["The lab's digits", "Drawn digits"]


def _cell_clicked(which: str) -> None:
    """Show the clicked cell's examples: the click sets the selectbox below the matrix."""
    points = st.session_state[f"errors.matrix.{which}"].selection.points
    if points:
        st.session_state[f"errors.cell.{which}"] = (int(points[0]["y"]), int(points[0]["x"]))


def render() -> None:
    st.title("Errors")
    # Only the chosen tab runs: the real writers are drawn and read in once per server process (about 4 s).
    # The tab is in the page's link, as the other settings: /errors?tab=Drawn+digits opens on it.
    key = state.from_link("errors.tab", TABS[0], state.parse_choice(TABS))
    lab_digits, drawn_digits = st.tabs(TABS, key=key, on_change="rerun")
    state.to_link(key)
    if lab_digits.open:
        with lab_digits:
            _lab_digits()
    if drawn_digits.open:
        with drawn_digits:
            _drawn_digits()


def _lab_digits() -> None:
    st.markdown(
        "Which digits does the model get wrong? On its own training data, few (the lab's notebook counted **15 of "
        "5000** with its own training run; every run counts a few more or less); on digits it has never seen, more. "
        + state.model_caption()
    )
    model = state.current_model()
    results = {}
    for name in ("training", "test"):
        X, y = state.dataset(name)
        out = model.forward(X)
        results[name] = (X, y[:, 0], out.predicted_digit, out.probabilities)
    left, right = st.columns(2)
    for column, name, title in [(left, "training", "Training set"), (right, "test", "Held-out test set")]:
        _, labels, predicted, _ = results[name]
        wrong = int(np.sum(labels != predicted))
        # Plain figures: a delta arrow would read as a change since last time.
        column.metric(f"{title}: misclassified", f"{wrong} of {len(labels)}")
        column.caption(f"{1 - wrong / len(labels):.2%} right")

    which = st.radio("Examine", ["test", "training"], key="errors.set", horizontal=True, format_func=str.title)
    X, labels, predicted, probabilities = results[which]
    if not answers_shown("errors"):
        _guess_first(X, labels, predicted)
        return
    matrix = metrics.confusion_matrix(labels, predicted)
    cells = [(t, p) for t in range(10) for p in range(10) if t != p and matrix[t, p] > 0]
    cells.sort(key=lambda cell: -matrix[cell])
    options = ["all mistakes", *cells]
    cell_key = f"errors.cell.{which}"
    if st.session_state.get(cell_key, options[0]) not in options:  # a click on the diagonal or an empty cell
        st.session_state[cell_key] = options[0]
    st.plotly_chart(
        for_screen(
            figures.errors.confusion(matrix, f"Confusion matrix, {which} set:<br>click a cell to see its examples")
        ),
        key=f"errors.matrix.{which}",
        on_select=lambda: _cell_clicked(which),
        selection_mode="points",
        width="stretch",
        config={"displayModeBar": False},
    )
    cell = st.selectbox(
        "Examples shown",
        options,
        key=cell_key,
        format_func=lambda c: c if isinstance(c, str) else f"true {c[0]}, predicted {c[1]}: {matrix[c]} examples",
    )
    mistakes = np.flatnonzero(labels != predicted)
    if not isinstance(cell, str):
        mistakes = mistakes[(labels[mistakes] == cell[0]) & (predicted[mistakes] == cell[1])]
    if len(mistakes) == 0:
        st.success("No mistakes here.")
        return
    shown = mistakes[:GALLERY_LIMIT]
    captions = [f"{labels[i]}→{predicted[i]}<br>{probabilities[i, predicted[i]]:.0%}" for i in shown]
    show_plot(figures.digits.digit_mosaic(X[shown], captions), key="errors.gallery")
    more = f" (the first {GALLERY_LIMIT})" if len(mistakes) > GALLERY_LIMIT else ""
    st.caption(
        f"{len(mistakes)} examples{more}: label → prediction, with the probability the model gave its wrong answer."
    )


def _guess_first(X: np.ndarray, labels: np.ndarray, predicted: np.ndarray) -> None:
    """The mistakes without the model's answers (and no matrix, which would give them away)."""
    mistakes = np.flatnonzero(labels != predicted)[:GALLERY_LIMIT]
    if len(mistakes) == 0:
        st.success("No mistakes here.")
        return
    captions = [f"{labels[i]}→?" for i in mistakes]
    show_plot(figures.digits.digit_mosaic(X[mistakes], captions), key="errors.gallery")
    st.caption(
        f"{len(mistakes)} digits the model gets wrong, each with its label. What did the model read instead? "
        "Guess, then reveal."
    )


def _drawn_digits() -> None:
    """Real writers' digits drawn on the canvas, per digit: what each of the three models misreads, side by side."""
    try:
        digits = state.real_writers()
    except (OSError, ValueError) as error:
        st.error(state.plain(f"The real writers' digits cannot be read ({error})."))
        return
    writers = len(np.unique(digits.writers))
    st.markdown(
        f"**{len(digits.labels)} digits written by {writers} real people** with a pen on a tablet (UCI pendigits, "
        "CC BY 4.0), stroke by stroke, drawn here on this page's canvas as you would draw them: the default brush, "
        "any size, anywhere. No model trained on these writers. Which ones does each model misread?"
    )
    shown = answers_shown("errors")  # the first tab's switch (one tab runs at a time): the class guesses first here too
    # In the link (?digit=4), so the chosen digit is back after a visit to the other tab, and a link opens on it.
    digit_key = state.from_link("errors.drawn.digit", 1, state.parse_choice(list(range(10))))
    digit = st.segmented_control("Digit drawn", list(range(10)), key=digit_key)
    if digit is None:  # a click on the chosen digit unselects it
        st.caption("Choose a digit to see the drawings of it each model misread.")
        return
    state.to_link(digit_key)
    models = [(name, state.READER_NAMES[name]) for name in (rooms.LAB_MODEL, rooms.DRAWING_MODEL, rooms.WIDE_MODEL)]
    for column, (key, title) in zip(st.columns(len(models), gap="medium"), models, strict=True):
        with column:
            st.subheader(f"The {title}")
            model = state.reading_model(key)  # the lab's model, broken, stops the page (default_model)
            if isinstance(model, artifacts.ModelError):
                way_back = artifacts.restore_hint(key)  # not the lab's (RESTORE_HINT)
                st.info(state.plain(f"The {title} cannot be loaded. {model.without_hint()} {way_back}"))
                continue
            _misread(digits, drawn.answers(model.layers, digits), digit, shown, key=key)


def _misread(digits, read, digit: int, shown: bool, key: str) -> None:
    right = drawn.per_digit_accuracy(digits, read)
    overall = float(np.mean(read.predicted == digits.labels))
    wrong = drawn.misread(digits, read, digit)
    of = int(np.sum(digits.labels == digit))
    st.metric(f"{digit}s read right", f"{of - len(wrong)} of {of}")
    weakest = int(right.argmin())
    st.caption(f"All drawn digits: {overall:.1%} read right; its weakest digit: {right[weakest]:.0%} ({weakest}).")
    if len(wrong) == 0:
        st.success(f"Every drawn {digit} read right.")
        return
    chosen = wrong[:DRAWN_LIMIT]

    def caption(i: int) -> str:
        if not shown:
            return f"{digit}→?"
        if read.predicted[i] == drawn.NO_DIGIT:
            return f"{digit}→none"
        return f"{digit}→{read.predicted[i]}<br>{read.confidence[i]:.0%}"

    images = np.stack([digits.image(i) for i in chosen])  # drawn again: 2 ms each
    figure = figures.digits.drawing_mosaic(drawn.thumbnails(images), [caption(i) for i in chosen])
    show_plot(figure, key=f"errors.drawn.{key}")
    more = f" (the first {DRAWN_LIMIT})" if len(wrong) > DRAWN_LIMIT else ""
    answer = "digit read, with the probability the model gave it" if shown else "? until the answers are shown"
    st.caption(f"{len(wrong)} misread{more}, as drawn: digit drawn → {answer}.")
