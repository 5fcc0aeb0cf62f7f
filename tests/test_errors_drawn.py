"""The Errors page's Drawn digits tab: per digit, the drawings each model misread, as drawn."""

import numpy as np

from digitdemo import artifacts, drawn, handwriting
from tests.apptest import captions_of, page, plot_spec


def test_the_drawn_digits_tab_shows_each_models_misread_drawings_of_the_chosen_digit():
    at = page("errors").run()
    assert [t.label for t in at.tabs] == ["The lab's digits", "Drawn digits"]
    assert not at.exception
    digits = handwriting.load_drawn_digits()
    for digit in (7, 4):
        at.segmented_control(key="errors.drawn.digit").set_value(digit).run()
        assert not at.exception
        for name, directory in [("lab", artifacts.model_dir()), ("drawing", artifacts.drawing_model_dir())]:
            read = drawn.answers(artifacts.load(directory).layers, digits)
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
    # The first tab is the lab's, as before.
    assert any("Training set: misclassified" in m.label for m in at.metric)
