"""Why this answer on the Draw and Predictions pages (AppTest): the pixel maps, units switched off, look-alikes."""

import numpy as np
import pytest

from digitdemo import config, data, why
from digitdemo.handwriting.canvas import render_drawing
from digitdemo.nn import softmax
from digitdemo.preprocess import preprocess
from tests.apptest import captions_of, inject_drawing, live_probabilities, mounted, page, plot_spec


def _drawn(**query):
    """The Draw page with a held-out digit (images[9000], drawn with rng 0) on its canvas; and its input x (400,).

    The drawing model (the lab's network, 400-25-15-10) reads it unless the query says another (?model=wide), and so
    explains it: the Predictions page's section is the lab model's.
    """
    at = page("draw")
    query.setdefault("model", "drawing")
    for name, value in query.items():
        at.query_params[name] = value
    images, _ = data.load_source()
    drawing = render_drawing(images[9000], np.random.default_rng(0))
    inject_drawing(at, drawing)
    return at.run(), preprocess(drawing).x


def _charts(at) -> list[str]:
    return [element.proto.id for element in at.get("plotly_chart")]


def _probabilities(at, key: str = "draw") -> np.ndarray:
    """The Draw page's bars (its live answer, as the server sent it), or another page's probability chart."""
    return np.array(live_probabilities(at) if key == "draw" else plot_spec(at, key)["data"][0]["y"])


def _maps(spec: dict) -> list[np.ndarray]:
    return [np.array(trace["z"], dtype=float) for trace in spec["data"] if trace["type"] == "heatmap"]


def _nearest_by_hand(model, x, exclude=None) -> np.ndarray:
    """The 5 training digits nearest x in the last hidden layer, by sorting all 5000 distances."""
    X, _ = data.load_data()
    codes = model.forward(X).hidden[-1]
    distances = np.sum((codes - model.forward(x).hidden[-1]) ** 2, axis=1)
    if exclude is not None:
        distances[exclude] = np.inf
    return np.argsort(distances, kind="stable")[:5]


def test_draw_keeps_why_closed_until_asked_then_shows_the_pixels_that_pushed_the_answer(drawing_model):
    at, x = _drawn()
    assert at.toggle(key="draw.why").value is False
    assert not [chart for chart in _charts(at) if "why" in chart], "the first screen stays as it was"
    at.toggle(key="draw.why").set_value(True).run()
    digit = int(drawing_model.forward(x).predicted_digit[0])
    spec = plot_spec(at, "draw.why_pixels")
    assert captions_of(spec) == [f"why {digit}"]
    (shown,) = _maps(spec)
    expected = data.row_to_image(why.pixel_pushes(drawing_model.layers, x, digit))
    np.testing.assert_allclose(shown, expected, atol=1e-4)  # upright, as the picture is
    assert np.all(shown[data.row_to_image(x) == 0] == 0), "no ink, no colour"
    assert spec["data"][0]["zmin"] == -spec["data"][0]["zmax"], "white is zero: blue up, red down"
    assert at.query_params["why"] == "True"


def test_why_not_another_digit_puts_its_map_beside_the_answers(drawing_model):
    at, x = _drawn(why="True")
    at.pills(key="draw.why_not").set_value(3).run()
    spec = plot_spec(at, "draw.why_pixels")
    digit = int(drawing_model.forward(x).predicted_digit[0])
    assert captions_of(spec) == [f"why {digit}", "why not 3?"]
    answer, three = _maps(spec)
    np.testing.assert_allclose(three, data.row_to_image(why.pixel_pushes(drawing_model.layers, x, 3)), atol=1e-4)
    assert answer.sum() > three.sum(), "the ink pushes the answer up more than it pushes 3"
    assert len({trace.get("zmax") for trace in spec["data"] if trace["type"] == "heatmap"}) == 1, "one scale"


def test_silencing_units_changes_the_probabilities_at_once_and_goes_in_the_link(drawing_model):
    at, x = _drawn(why="True")
    before = _probabilities(at)
    np.testing.assert_allclose(before, drawing_model.forward(x).probabilities[0], atol=1e-6)
    every_l2 = [f"L2.{unit}" for unit in range(15)]
    at.multiselect(key="draw.off").set_value(every_l2).run()
    b3 = drawing_model.layers[2].b
    np.testing.assert_allclose(_probabilities(at), softmax(b3), atol=1e-6)  # all of L2 off: the biases decide
    assert next(m.value for m in at.metric if m.label == "Prediction") == str(int(np.argmax(b3)))
    assert at.query_params["off"] == ",".join(every_l2)
    assert any("With 15 units silenced" in text.value for text in at.markdown)
    at.multiselect(key="draw.off").set_value([]).run()
    np.testing.assert_allclose(_probabilities(at), before, atol=1e-6)
    assert "off" not in at.query_params


def test_a_teachers_link_opens_the_same_experiment(drawing_model):
    at, x = _drawn(why="True", off="L2.1,L1.7,L1.3")
    assert at.multiselect(key="draw.off").value == ["L1.3", "L1.7", "L2.1"]
    expected = why.forward(drawing_model.layers, x, ((3, 7), (1,))).probabilities[0]
    np.testing.assert_allclose(_probabilities(at), expected, atol=1e-6)


@pytest.mark.parametrize("off", ["L1.3,L1.99", "x", "L1.3;L1.7", "L3.1", "L1.-1", "L1.١", "3"])
def test_a_mangled_link_opens_with_every_unit_on(drawing_model, off):
    at, x = _drawn(why="True", off=off)
    assert not at.exception
    assert at.multiselect(key="draw.off").value == []
    np.testing.assert_allclose(_probabilities(at), drawing_model.forward(x).probabilities[0], atol=1e-6)


def test_a_sentence_says_how_much_one_unit_of_each_layer_matters(drawing_model):
    at, x = _drawn(why="True")
    layers = drawing_model.layers
    digit = int(drawing_model.forward(x).predicted_digit[0])
    p = drawing_model.forward(x).probabilities[0, digit]
    (sentence,) = [m.value for m in at.markdown if "How much one unit matters" in m.value]
    assert f"lowers {digit}'s probability ({p:.0%})" in sentence
    for i, layer in enumerate(layers[:-1]):
        # Silence each unit in turn, one forward pass each.
        drops = []
        for unit in range(layer.b.size):
            off = [(), ()]
            off[i] = (unit,)
            drops.append(p - why.forward(layers, x, tuple(off)).probabilities[0, digit])
        points = 100 * max(drops)
        said = f"in {layer.name} (unit {int(np.argmax(drops))})" if points >= 1 else f"under 1 point in {layer.name}"
        assert said in sentence
        if points >= 1:
            assert f"by up to {points:.0f} points {said}" in sentence


def test_it_looks_like_the_five_nearest_training_digits_with_their_labels(drawing_model):
    at, x = _drawn(why="True")
    _, y = data.load_data()
    rows = _nearest_by_hand(drawing_model, x)
    spec = plot_spec(at, "draw.why_nearest")
    assert captions_of(spec) == [f"a {label}" for label in y[rows, 0]]
    assert len(spec["layout"]["meta"]["tiles"]) == 5


def test_the_wider_network_explains_too_its_units_silenced_by_number(wide_model):
    at, x = _drawn(why="True", model="wide", off="L1.200,L2.100")
    assert not at.exception
    assert at.multiselect(key="draw.off").value == ["L1.200", "L2.100"]
    expected = why.forward(wide_model.layers, x, ((200,), (100,))).probabilities[0]
    np.testing.assert_allclose(_probabilities(at), expected, atol=1e-6)
    spec = plot_spec(at, "draw.why_nearest")
    _, y = data.load_data()
    assert captions_of(spec) == [f"a {label}" for label in y[_nearest_by_hand(wide_model, x), 0]]


def test_predictions_explain_the_example_and_silence_units_beside_the_walk_through(shipped_model):
    at = page("predictions")
    at.query_params["why"] = "True"
    at.run()
    X, y = data.load_data()
    index = config.EXAMPLE_INDEX
    spec = plot_spec(at, "predictions.why_pixels")
    assert captions_of(spec) == ["why 2"]
    np.testing.assert_allclose(
        _maps(spec)[0], data.row_to_image(why.pixel_pushes(shipped_model.layers, X[index], 2)), atol=1e-4
    )
    rows = _nearest_by_hand(shipped_model, X[index], exclude=index)
    assert captions_of(plot_spec(at, "predictions.why_nearest")) == [f"a {label}" for label in y[rows, 0]]
    assert index not in rows, "not its own look-alike"

    at.multiselect(key="predictions.off").set_value(["L1.0", "L1.1"]).run()
    expected = why.forward(shipped_model.layers, X[index], ((0, 1), ())).probabilities[0]
    np.testing.assert_allclose(_probabilities(at, "predictions.why_probabilities"), expected, atol=1e-6)
    walk_through = _probabilities(at, "predictions.probs")
    np.testing.assert_allclose(walk_through, shipped_model.forward(X[index]).probabilities[0], atol=1e-6)
    assert at.query_params["off"] == "L1.0,L1.1"


def test_predictions_keep_why_hidden_while_the_answers_are(shipped_model):
    at = page("predictions")
    at.query_params["reveal"] = "0"
    at.query_params["why"] = "True"
    at.run()
    assert not [t for t in at.toggle if t.label == "Why this answer?"]
    assert not [chart for chart in _charts(at) if "why" in chart]


def test_a_retrained_model_with_fewer_units_drops_the_units_it_lacks(shipped_model):
    from digitdemo import artifacts, state
    from digitdemo.nn import Layer

    at, x = _drawn(why="True", off="L1.3,L1.20")
    assert at.multiselect(key="draw.off").value == ["L1.3", "L1.20"]
    rng = np.random.default_rng(0)
    sizes = [400, 10, 15, 10]
    layers = [
        Layer(f"L{i + 1}", rng.normal(0, 0.1, (a, b)).astype(np.float32), np.zeros(b, np.float32), activation)
        for i, (a, b, activation) in enumerate(zip(sizes[:-1], sizes[1:], ["relu", "relu", "linear"], strict=True))
    ]
    recipe = {"epochs": 5, "learning_rate": 0.001, "hidden_units": [10, 15]}
    at.session_state[state.SESSION_MODEL] = artifacts.TrainedModel(layers, {"recipe": recipe})
    at.run()
    assert not at.exception
    assert at.multiselect(key="draw.off").value == ["L1.3"], "L1 has 10 units now: unit 20 is gone"
    expected = why.forward(layers, x, ((3,), ())).probabilities[0]
    np.testing.assert_allclose(_probabilities(at), expected, atol=1e-6)


def test_bad_course_files_leave_the_draw_page_working_without_look_alikes(tmp_path, monkeypatch):
    np.save(tmp_path / "X.npy", np.zeros((10, 401)))
    np.save(tmp_path / "y.npy", np.zeros((10, 1)))
    monkeypatch.setenv(config.LAB_DATA_ENV, str(tmp_path))
    at, _ = _drawn(why="True")
    assert not at.exception and not at.error
    assert any(info.value.startswith("It looks like these: no training digits") for info in at.info)
    charts = _charts(at)
    assert any("why_pixels" in chart for chart in charts) and mounted(at, "digitdemo.live_sees")
    assert not any("why_nearest" in chart for chart in charts)
