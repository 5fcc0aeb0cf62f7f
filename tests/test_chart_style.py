"""Chart text is readable: sizes, and the confusion matrix's per-cell text colours (rendered: test_readability)."""

import numpy as np

from digitdemo.figures import errors, lab, style


def test_contrast_is_wcag_s_ratio():
    assert round(style.contrast("#000000", "#ffffff"), 2) == 21.0
    assert round(style.contrast("#808495", "#ffffff"), 2) == 3.72  # Streamlit's tick grey: too faint
    assert style.contrast(style.WRONG, style.PAPER) >= 4.5


def test_text_on_any_colour_reads_at_4_5_to_1():
    rng = np.random.default_rng(0)
    for rgb in rng.integers(0, 256, size=(2000, 3)):
        background = "#" + "".join(f"{v:02x}" for v in rgb)
        assert style.contrast(style.text_on(background), background) >= 4.5, background


def test_every_confusion_matrix_number_reads_on_its_cell(shipped_model):
    matrix = np.array(shipped_model.meta["metrics"]["test_confusion_matrix"])
    trace = errors.confusion(matrix, "test")["data"][0]
    ratios = [style.contrast(t, c) for t, c in zip(trace["textfont"]["color"], trace["marker"]["color"], strict=True)]
    assert min(ratios) >= 4.5
    assert len(set(trace["textfont"]["color"])) == 2, "dark cells get white numbers, light cells black"


def test_every_axis_has_readable_ticks_and_titles():
    figures = [
        lab.probability_bars(np.full(10, 0.1)),
        lab.value_bars(np.arange(10.0)),
        lab.hidden_bars([np.ones(25), np.ones(15)]),
        lab.loss_curve([1.0, 0.5]),
        errors.confusion(np.eye(10, dtype=int), "m"),
        lab.softmax_stages(np.arange(4.0)),
    ]
    for figure in figures:
        layout = figure["layout"]
        axes = [value for key, value in layout.items() if key.startswith(("xaxis", "yaxis"))]
        assert axes and all(a["tickfont"]["size"] >= 14 and a["title"]["font"]["size"] >= 14 for a in axes)
        assert layout["font"]["size"] >= 14 and layout["font"]["color"] == style.TEXT
