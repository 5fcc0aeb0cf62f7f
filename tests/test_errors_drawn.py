"""The Errors page's Drawn digits tab: per digit, the real writers' drawings each of the three models misread."""

import numpy as np
import pytest

from digitdemo import artifacts, config
from digitdemo.handwriting import yardstick as drawn
from tests.apptest import captions_of, page, plot_spec

MODELS = [("lab", artifacts.model_dir), ("drawing", artifacts.drawing_model_dir), ("wide", artifacts.wide_model_dir)]


def test_the_drawn_digits_tab_shows_each_models_misread_drawings_of_the_chosen_digit():
    at = page("errors").run()
    assert [t.label for t in at.tabs] == ["The lab's digits", "Drawn digits"]
    assert not [m for m in at.metric if "read right" in m.label], "a tab not chosen is not run"
    at.session_state["errors.tab"] = "Drawn digits"  # what a click on the tab sets, then the page runs again
    at.run()
    assert not at.exception
    assert at.query_params["tab"] == "Drawn digits", "the link opens this tab"
    assert not [m for m in at.metric if "misclassified" in m.label], "the lab's tab waits until chosen again"
    assert "written by 6 real people" in at.markdown[0].value
    assert [s.value for s in at.subheader] == ["The lab's model", "The drawing model", "The wider network"]
    digits = drawn.real_writers()
    for digit in (1, 7):
        at.segmented_control(key="errors.drawn.digit").set_value(digit).run()
        assert not at.exception
        for name, directory in MODELS:
            read = drawn.answers(artifacts.load(directory()).layers, digits)
            wrong = drawn.misread(digits, read, digit)
            right = int(np.sum(digits.labels == digit)) - len(wrong)
            metrics = [m.value for m in at.metric if m.label == f"{digit}s read right"]
            assert f"{right} of {np.sum(digits.labels == digit)}" in metrics
            if len(wrong):
                captions = captions_of(plot_spec(at, f"errors.drawn.{name}"))
                shown = wrong[: len(captions)]
                assert captions[0].startswith(f"✗ {digit}→")
                assert [c.split("→")[1].split("<br>")[0] for c in captions] == [
                    "none" if read.predicted[i] == drawn.NO_DIGIT else str(read.predicted[i]) for i in shown
                ]
    at.session_state["errors.tab"] = "The lab's digits"
    at.run()
    assert any("Training set: misclassified" in m.label for m in at.metric)


def test_a_link_opens_the_drawn_digits_tab_with_the_answers_hidden_as_the_first_tab_hides_them():
    at = page("errors")
    at.query_params["tab"] = "Drawn digits"
    at.query_params["reveal"] = "False"  # the first tab's "Show the model's answers", off: the class guesses first
    at.run()
    assert not at.exception and [m for m in at.metric if m.label == "1s read right"]
    for digit in (4, 9):  # the first a click away, when the first tab's switch has not been drawn for a run
        at.segmented_control(key="errors.drawn.digit").set_value(digit).run()
        captions = captions_of(plot_spec(at, "errors.drawn.lab"))
        assert captions and all(c.endswith("→?") for c in captions)
        assert any("digit drawn → ? until the answers are shown" in c.value for c in at.caption)
    # The same switch and Reveal button as the first tab's: the class guesses here too, then reveals.
    assert not at.toggle(key="errors.reveal").value and at.button(key="errors.reveal_now")
    at.session_state["errors.tab"] = "The lab's digits"
    at.run()
    assert not at.toggle(key="errors.reveal").value, "back on the first tab, its switch is as it was"
    # Revealed there, the drawn tab shows the answers, and back again the switch is still on (a try-out found it
    # off again, and the link with it: the link's "off" had been kept as a value of its own by the drawn tab).
    at.toggle(key="errors.reveal").set_value(True).run()
    at.session_state["errors.tab"] = "Drawn digits"
    at.run()
    assert not any(c.endswith("→?") for c in captions_of(plot_spec(at, "errors.drawn.lab")))
    at.session_state["errors.tab"] = "The lab's digits"
    at.run()
    assert at.toggle(key="errors.reveal").value and at.query_params["reveal"] == "True"
    at.session_state["errors.tab"] = "Drawn digits"
    at.run()
    assert at.segmented_control(key="errors.drawn.digit").value == 9, "the digit chosen before, back with the tab"
    assert at.query_params["digit"] == "9"


@pytest.mark.parametrize(
    "variable, words, recipe, folder",
    [
        (config.DRAWING_MODEL_DIR_ENV, "drawing model", "drawings", "models/drawings/"),
        (config.WIDE_MODEL_DIR_ENV, "wider network", "wide", "models/wide/"),
    ],
)
def test_a_broken_drawing_model_is_said_with_its_own_way_back(tmp_path, monkeypatch, variable, words, recipe, folder):
    (tmp_path / "weights.npz").write_bytes(b"not a model")
    monkeypatch.setenv(variable, str(tmp_path))
    at = page("errors")
    at.query_params["tab"] = "Drawn digits"
    at.run()
    assert not at.exception
    said = [i.value for i in at.info if f"{words} cannot be loaded" in i.value]
    assert said and f"--recipe {recipe}" in said[0] and folder in said[0]
    assert artifacts.RESTORE_HINT not in said[0], "the lab's way back is not this model's"
    assert len([m for m in at.metric if m.label == "1s read right"]) == 2, "the other models' columns still show"
