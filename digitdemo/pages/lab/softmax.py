"""Softmax: the lab's my_softmax on sliders, with temperature and the overflow it avoids."""

import numpy as np
import streamlit as st

from digitdemo import figures, notebook, state
from digitdemo.nn import my_softmax, softmax
from digitdemo.pages.common import lead, show_plot

LAB_Z = [1.0, 2.0, 3.0, 4.0]  # the lab's example input
Z_LIMIT = 20.0
TEMPERATURES = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0]


def naive_problem(z: np.ndarray) -> str | None:
    """What goes wrong in the lab's my_softmax(z) as written, in one sentence, or None."""
    with np.errstate(over="ignore", under="ignore"):
        ez = np.exp(z)
    if np.isinf(ez).any():
        return "Overflow: e^(z + c) is larger than a float can hold (∞), and ∞/∞ is nan."
    if not ez.sum() > 0:
        return "Underflow: every e^(z + c) is smaller than a float can hold and rounds to 0, and 0/0 is nan."
    return None


def render() -> None:
    st.title("Softmax")
    st.markdown(
        r"Softmax turns any numbers $z_j$ into probabilities: "
        r"$a_j = \dfrac{e^{z_j}}{\sum_k e^{z_k}}$. Each $a_j$ is between 0 and 1 and they add up to 1. "
        "Move the sliders: the largest $z$ gets the largest share, and only the *differences* between "
        "the $z$ matter."
    )
    logits = st.session_state.get(state.LAST_LOGITS)
    from_drawing = st.toggle(
        "Start from the ten logits of my current drawing",
        key="softmax.from_drawing",
        disabled=logits is None,
        help=None if logits is not None else "Draw a digit on the Draw page first.",
    )
    initial = [round(float(v), 1) for v in logits] if from_drawing and logits else LAB_Z
    prefix = "softmax.drawing" if from_drawing else "softmax.lab"
    keys = [f"{prefix}.z{j}" for j in range(len(initial))]
    for key, value in zip(keys, initial, strict=True):
        start = float(np.clip(value, -Z_LIMIT, Z_LIMIT))
        if from_drawing:
            st.session_state.setdefault(key, start)
        else:  # the lab's four z can come from a shared link
            state.from_link(key, start, state.parse_in(-Z_LIMIT, Z_LIMIT))
    columns = st.columns(len(initial))
    z = np.array(
        [
            column.slider(f"z{j}", -Z_LIMIT, Z_LIMIT, step=0.1, key=key)
            for j, (column, key) in enumerate(zip(columns, keys, strict=True))
        ]
    )
    temperature = st.select_slider(
        "Temperature T: softmax(z / T). Low T sharpens towards the largest z; high T flattens.",
        TEMPERATURES,
        key=state.from_link("softmax.temperature", 1.0, state.parse_choice(TEMPERATURES)),
    )
    a = softmax(z, temperature)
    # The lab's figure: the exponential magnifies the differences between the z.
    show_plot(figures.lab.softmax_stages(z, temperature), key="softmax.stages")
    st.markdown(f"Sum of the probabilities: **{a.sum():.6f}**. Largest: **a{int(np.argmax(a))} = {a.max():.4f}**.")

    st.subheader("Exercise 1: `my_softmax`")
    code, output = st.columns([1.3, 1])
    code.code(notebook.EXERCISE_1, language="python")
    with np.errstate(over="ignore", invalid="ignore"):
        lab = my_softmax(z)
    output.markdown("Run on the z above, as the lab tests it:")
    output.code(
        f"z = np.array({np.array2string(z, precision=2, separator=', ')})\n"
        "a = my_softmax(z)\n"
        'print(f"my_softmax(z):         {a}")\n'
        f"my_softmax(z):         {notebook.lab_print(lab)}",
        language="python",
    )
    if temperature == 1.0:
        output.caption(f"The same numbers as the chart: largest difference {np.abs(lab - a).max():.1e}.")
    else:
        output.caption(f"The chart divides z by T = {temperature:g} first; the lab's exercise does not.")

    st.subheader("Why e^z needs care: overflow and underflow")
    lead(
        "Adding the same c to every z changes nothing mathematically, yet the lab's `my_softmax` breaks "
        "for large c. Try c = 1000 and c = −1000.",
        "$e^{z}$ overflows a 64-bit float for z above about 709 and underflows to 0 below about −745: the "
        "lab's `my_softmax` then gives `nan`. The stable form subtracts max(z) first, so the largest exponent "
        "is $e^0 = 1$.",
        "Why",
    )
    c = st.number_input(
        "c, added to every z",
        -1000.0,
        1000.0,
        step=100.0,
        key=state.from_link("softmax.shift", 0.0, state.parse_in(-1000, 1000)),
    )
    state.to_link("softmax.temperature", "softmax.shift", *([] if from_drawing else keys))
    with np.errstate(over="ignore", invalid="ignore"):
        naive = my_softmax(z + c)
    left, right = st.columns(2)
    left.markdown("**my_softmax(z + c)**, as written")
    left.code(np.array2string(naive, precision=4, separator=", "))
    right.markdown("**softmax(z + c)**, stable")
    right.code(np.array2string(softmax(z + c), precision=4, separator=", "))
    problem = naive_problem(z + c)
    if problem:
        left.error(problem)

    st.subheader("Why the model's last layer is linear")
    lead(
        "The model outputs logits; the loss applies softmax inside, in the stable way, and we apply it "
        "afterwards only to read probabilities.",
        "The lab's model ends in `Dense(10, activation='linear')` and is trained with "
        "`SparseCategoricalCrossentropy(from_logits=True)`: the softmax is folded into the loss, where "
        "TensorFlow computes it in this stable way together with the logarithm. Putting softmax in the "
        "output layer instead would round tiny probabilities to 0 before the log, and the loss would "
        "lose precision.",
        "Why",
    )
