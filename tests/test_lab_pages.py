"""The lab on screen, as the notebook has it, and what each page says being true (issue 10)."""

import re
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from digitdemo import data, notebook
from digitdemo.figures import network
from digitdemo.nn import softmax
from tests.apptest import captions_of, page, plot_spec, upload


def _small_digit_in_a_corner() -> tuple[np.ndarray, int]:
    images, labels = data.load_source()
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[220:248, 20:48, :3] = (images[9000] * 255).astype(np.uint8)[..., None]
    return canvas, int(labels[9000])


def metric_value(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _steps_caption(at) -> str:
    return next(image.captions[0] for image in at.get("image") if "Step 1" in image.captions[0])


# --- Wrong today -----------------------------------------------------------------------------


def test_softmax_names_underflow_and_overflow_for_what_they_are():
    at = page("softmax").run()
    assert not at.error, "c = 0: nothing goes wrong"
    at.number_input(key="softmax.shift").set_value(-1000.0).run()
    assert "Underflow" in at.error[0].value and "0/0" in at.error[0].value
    assert "nan" in at.code[-2].value and "nan" not in at.code[-1].value  # naive, then stable
    at.number_input(key="softmax.shift").set_value(1000.0).run()
    assert "Overflow" in at.error[0].value and "∞/∞" in at.error[0].value


def test_draw_labels_the_steps_that_were_done():
    """The server's labels, under an upload's steps (the browser's for the canvas: tests/test_browser_sees.py)."""
    canvas, _ = _small_digit_in_a_corner()
    at = upload(page("draw").run(), canvas)
    caption = _steps_caption(at)
    assert "Step 2: cropped" in caption and "Step 3: fitted" in caption and "mass centred" in caption

    at.toggle(key="draw.centre").set_value(False).run()
    assert "box centred" in _steps_caption(at)

    at.toggle(key="draw.crop").set_value(False)
    at.toggle(key="draw.fit").set_value(False).run()
    caption = _steps_caption(at)
    assert "not cropped (280x280)" in caption and "stretched to 28x28" in caption and "not centred" in caption
    assert "fitted" not in caption and "Step 2: cropped" not in caption and "mass centred" not in caption
    centre = at.toggle(key="draw.centre_unavailable")
    assert not centre.value and centre.disabled, "centring is not applied, so it shows as off"


def test_errors_shows_plain_figures_without_a_delta_arrow():
    at = page("errors").run()
    assert all(not m.proto.delta for m in at.metric), "no arrow: it would read as an improvement"
    assert sum("% right" in c.value for c in at.caption) == 2


def test_model_page_describes_the_weight_images_as_they_look():
    at = page("model").run()
    text = " ".join(m.value for m in at.markdown)
    assert "strokes or parts of digits" not in text
    assert "speckle" in text and "edges" in text


def test_upload_mode_asks_for_an_upload():
    at = page("draw").run()
    assert "Draw a digit on the canvas" in at.info[0].value
    at.radio(key="draw.source").set_value("Upload a picture").run()
    assert "Upload a picture" in at.info[0].value and "canvas" not in at.info[0].value


def test_cli_calls_a_blank_file_an_image_not_a_canvas(tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (280, 280), "white").save(blank)
    result = subprocess.run(
        [sys.executable, "-m", "digitdemo", "predict", str(blank)], capture_output=True, text=True, check=True
    )
    assert "image is blank" in result.stdout and "canvas" not in result.stdout


# --- Missing from the lab: the notebook's code and printouts, with our numbers -------------------


def _codes(at) -> str:
    return "\n".join(c.value for c in at.code)


def test_softmax_draws_z_then_exp_then_probabilities():
    at = page("softmax").run()
    figure = plot_spec(at, "softmax.stages")
    z, ez, a = (np.array(trace["y"]) for trace in figure["data"])
    assert z.tolist() == [1.0, 2.0, 3.0, 4.0], "the lab's z, left"
    assert np.allclose(ez, np.exp(z - z.max()), rtol=1e-5), "e^z in the middle"
    assert np.allclose(a, softmax(z), atol=1e-6) and a.sum() == pytest.approx(1), "probabilities, right"
    titles = [figure["layout"][f"xaxis{s}"]["title"]["text"] for s in ("", "2", "3")]
    assert titles[0] == "z" and titles[1].startswith("e^") and titles[2].startswith("a")
    # The exponential magnifies the differences: z4 - z3 is 1, but e^z4 / e^z3 is e.
    assert ez[3] / ez[2] == pytest.approx(np.e, rel=1e-4)


def test_softmax_shows_exercise_1_and_its_output_on_the_sliders():
    at = page("softmax").run()
    codes = _codes(at)
    assert "def my_softmax(z):" in codes and "ez = np.exp(z)" in codes and "a = ez / np.sum(ez)" in codes
    assert "my_softmax(z):         [0.03 0.09 0.24 0.64]" in codes, "the lab's printout for z = [1, 2, 3, 4]"
    at.slider(key="softmax.lab.z3").set_value(1.0).run()
    assert f"my_softmax(z):         {notebook.lab_print(softmax(np.array([1.0, 2, 3, 1])))}" in _codes(at)


def test_dataset_shows_x0_unrolled_and_as_a_picture():
    at = page("dataset").run()
    X, _ = data.load_data()
    block = next(c.value for c in at.code if "The first element of X is:" in c.value)
    printed = block.split("The first element of X is:", 2)[2].strip().strip("[]").split()
    assert len(printed) == 400 and np.allclose([float(v) for v in printed], X[0], atol=0.006)
    assert any("e-" in v for v in printed), "small values readable, as numpy prints them in the lab"
    assert not at.dataframe, "no cut-off number table"
    assert any("X[0].reshape((20,20)).T" in image.captions[0] for image in at.get("image"))
    assert any("notebook" in i.value and "X[0]" in i.value for i in at.info)


def test_predictions_print_as_the_lab_with_both_figures_for_1015(shipped_model):
    at = page("predictions").run()
    codes = _codes(at)
    assert "Total of predictions: 1.000" in codes and "Largest Prediction index: 2" in codes
    assert "np.argmax(prediction_p): 2" in codes
    assert re.search(r"\d\.\d\de-\d\d", codes), "small probabilities as 1.2e-05, not 0."
    text = " ".join(m.value for m in at.markdown)
    assert "argmax` of the logits gives the answer" in text
    X, _ = data.load_data()
    ours = shipped_model.forward(X[1015]).probabilities[0].max()
    comparison = next(i.value for i in at.info if "notebook" in i.value)
    assert "2 with 89.8%" in comparison and f"2 with {ours:.1%}" in comparison


def test_model_page_shows_exercise_2_and_the_summary():
    at = page("model").run()
    codes = _codes(at)
    assert "Dense(25, activation='relu',   name='L1')" in codes and 'name = "my_model"' in codes
    assert "L1 (Dense)                   (None, 25)                10025" in codes
    assert "Total params: 10,575" in codes and "Output Shape" in codes


def test_the_summary_has_keras_own_shapes_and_counts(shipped_model):
    from digitdemo.model import build_model  # Keras, in the test only: the page never imports it

    keras_model = build_model()
    ours = notebook.summary(shipped_model.layers).splitlines()
    rows = [line for line in ours if "(Dense)" in line]
    for row, layer in zip(rows, keras_model.layers, strict=True):
        assert str(tuple(layer.output.shape)) in row and row.rstrip().endswith(str(layer.count_params()))
    assert f"Total params: {keras_model.count_params():,}" in ours


def test_training_page_shows_compile_fit_and_what_fit_printed(shipped_model):
    at = page("training").run()
    codes = _codes(at)
    assert "SparseCategoricalCrossentropy(from_logits=True)" in codes and "epochs=40" in codes
    losses = shipped_model.meta["history"]["loss"]
    assert "Epoch 40/40" in codes and f"157/157 [{'=' * 30}]" in codes and f"loss: {losses[-1]:.4f}" in codes
    comparison = next(i.value for i in at.info if "notebook" in i.value)
    assert "loss: 2.2770" in comparison and f"{losses[0]:.4f}" in comparison
    assert any("100 epochs" in c.value and "epochs=40" in c.value for c in at.caption), "the note for the teacher"


def test_a_running_training_shows_keras_progress_lines_per_epoch():
    at = page("training").run()
    at.number_input(key="training.epochs").set_value(60)
    at.button(key="FormSubmitter:training.form-Retrain").click().run()
    deadline = time.monotonic() + 120
    seen = ""
    while time.monotonic() < deadline and "training.job" in at.session_state:
        time.sleep(0.5)
        at.run()
        seen = next((c.value for c in at.code if "/60\n157/157 [" in c.value), "")
        if seen.count("Epoch") >= 2:
            break
    try:
        assert re.search(r"Epoch \d+/60\n157/157 \[=+\] - \d+s \d+ms/step - loss: \d\.\d{4}", seen), seen
    finally:
        if "training.job" in at.session_state:
            at.session_state["training.job"].cleanup()


# --- Predict, then reveal ------------------------------------------------------------------------


def test_predictions_hide_the_answers_until_revealed(shipped_model):
    at = page("predictions")
    at.query_params["reveal"] = "0"
    at.run()
    assert metric_value(at, "np.argmax(probabilities)") == "?"
    assert not [c for c in at.code if "Largest Prediction index" in c.value], "no printed answer"
    captions = captions_of(plot_spec(at, "predictions.grid"))
    assert len(captions) == 64 and all(c.endswith(",?") for c in captions)
    at.button(key="predictions.reveal_now").click().run()
    assert metric_value(at, "np.argmax(probabilities)") == "2"
    captions = captions_of(plot_spec(at, "predictions.grid"))
    assert not any("?" in c for c in captions)
    assert at.query_params["reveal"] == "True", "the link follows: revealed"


def test_errors_hide_the_models_answers_until_revealed():
    at = page("errors")
    at.query_params["reveal"] = "0"
    at.run()
    assert not at.toggle(key="errors.reveal").value
    captions = captions_of(plot_spec(at, "errors.gallery"))
    assert captions and all(c.endswith("→?") for c in captions)
    assert not [c for c in at.get("plotly_chart") if "errors.matrix" in c.proto.id], "the matrix would tell"
    at.toggle(key="errors.reveal").set_value(True).run()
    captions = captions_of(plot_spec(at, "errors.gallery"))
    assert not any("?" in c for c in captions) and any("errors.matrix" in c.proto.id for c in at.get("plotly_chart"))


# --- The model diagram -----------------------------------------------------------------------------


def _segments_of(figure: dict) -> int:
    return sum(trace["x"].count(None) for trace in figure["data"] if trace.get("mode") == "lines")


def test_model_page_diagram_names_every_layer_with_its_parameters(shipped_model):
    at = page("model").run()
    figure = plot_spec(at, "model.network")
    heads = " ".join(a["text"] for a in figure["layout"]["annotations"])
    for layer in shipped_model.layers:
        assert f"Dense {layer.b.size}" in heads and f"{layer.n_params:,} params" in heads
    assert "400 pixels" in heads and heads.count("ReLU") == 2 and "linear" in heads
    nodes = figure["data"][-1]
    assert len(nodes["x"]) == 25 + 15 + 10 and set(nodes["marker"]["color"]) == {0.0}, "static: nothing lit"
    assert _segments_of(figure) == 25 + 25 * 15 + 15 * 10, "every connection between the units"


def test_draw_page_diagram_lights_units_and_draws_the_strongest_links(drawing_model):
    """An uploaded picture's diagram, drawn by the server (a canvas drawing's: the browser, test_browser_sees.py)."""
    from digitdemo.preprocess import preprocess, read_image
    from tests.apptest import held_out_drawing, png, run_with_an_upload

    at = run_with_an_upload(model="drawing")  # a held-out digit: images[9000], drawn with rng 0
    figure = plot_spec(at, "draw.network")
    picture, nodes = figure["data"][0], figure["data"][-1]
    x = preprocess(read_image(png(held_out_drawing())), source="image").x
    assert np.allclose(picture["z"], np.clip(data.row_to_image(x), 0, 1), atol=0.006), "the 20x20 input, upright"
    out = drawing_model.forward(x)
    fills = np.array(nodes["marker"]["color"])
    for start, a in [(0, out.hidden[0][0]), (25, out.hidden[1][0]), (40, out.probabilities[0])]:
        level = fills[start : start + len(a)]
        assert np.allclose(level, a / a.max(), atol=0.001), "each unit filled by its output"
        if start < 40:
            assert np.array_equal(level == 0, a == 0), "a ReLU unit that is off stays white"
    # The strongest link into the output layer, |weight x activation|, is drawn.
    contribution = out.hidden[1][0][:, None] * drawing_model.layers[2].W
    source, unit = np.unravel_index(np.argmax(np.abs(contribution)), contribution.shape)
    x_from, x_to = network._NET_X["layers"][1:]
    start, end = (
        (x_from, round(network._unit_ys(15)[source], 3)),
        (x_to, round(network._unit_ys(10)[unit], 3)),
    )
    lines = [t for t in figure["data"] if t.get("mode") == "lines"]
    drawn = {((t["x"][i], t["y"][i]), (t["x"][i + 1], t["y"][i + 1])) for t in lines for i in range(0, len(t["x"]), 3)}
    assert (start, end) in drawn
    digit = int(metric_value(at, "Prediction"))
    assert nodes["text"][40 + digit] == f"{digit}  {out.probabilities[0, digit]:.0%}"
    assert nodes["marker"]["line"]["width"][40 + digit] == 4, "the answer ringed"
    assert 0 < _segments_of(figure) <= 30 + 30 + 20, "only the strongest connections"
    assert len(figure["data"]) <= 2 + 4 * 3, "few traces: cheap to send on every stroke"
