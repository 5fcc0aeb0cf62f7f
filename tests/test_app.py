"""Every page in AppTest: what a student sees and can change, and what goes wrong gracefully."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitdemo import artifacts, config, data, notebook, state
from digitdemo.handwriting.canvas import render_drawing
from tests.apptest import (
    PAGES,
    captions_of,
    go,
    inject_drawing,
    live_probabilities,
    mounted,
    page,
    plot_spec,
    run_with_a_drawing,
    run_with_an_upload,
    through_router,
    wait_for_training,
)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders(name):
    at = page(name).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title and at.markdown, "a page teaches in a sentence or two"


def test_router_serves_every_url_and_starts_on_draw():
    at = AppTest.from_file(str(config.REPO_DIR / "router.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Draw a digit"


def test_the_server_never_imports_tensorflow():
    """Render every page, including a drawing, in a fresh interpreter; TF and Keras stay out."""
    code = textwrap.dedent(
        """
        import sys
        from tests.apptest import PAGES, run_with_a_drawing
        for name in PAGES:
            at = run_with_a_drawing(name)
            assert not at.exception, (name, at.exception)
        leaked = [m for m in ("tensorflow", "keras") if m in sys.modules]
        assert not leaked, leaked
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=config.REPO_DIR)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-2000:]


# --- Draw ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def seven():
    """A held-out 7, drawn on the canvas."""
    images, labels = data.load_source()
    index = np.flatnonzero((labels == 7) & ~data.is_training_example())[3]
    return render_drawing(images[index], np.random.default_rng(1))


def test_blank_canvas_shows_no_guess():
    at = page("draw").run()
    assert metric(at, "Prediction") == "—"
    assert not at.get("plotly_chart"), "no charts without a drawing"
    assert live_probabilities(at) is None, "no probabilities without a drawing"
    assert "Draw a digit" in at.info[0].value


def test_a_drawing_is_recognised_with_probabilities(seven):
    at = page("draw")
    inject_drawing(at, seven)
    at.run()
    assert metric(at, "Prediction") == "7"
    bars = live_probabilities(at)
    assert len(bars) == 10 and sum(bars) == pytest.approx(1) and int(np.argmax(bars)) == 7
    assert len(plot_spec(at, "draw.logits_chart")["data"][0]["y"]) == 10
    assert len(at.session_state[state.LAST_LOGITS]) == 10, "the Softmax page can start from these logits"
    # What the model sees: drawn in the browser for the canvas (tests/test_browser_sees.py), no figure sent for it.
    assert mounted(at, "digitdemo.live_sees") and not at.get("image")
    assert {element.proto.id.split("-")[-1] for element in at.get("plotly_chart")} == {"draw.logits_chart"}


def test_an_uploaded_picture_shows_its_steps_network_and_hidden_units():
    at = run_with_an_upload()  # a held-out 8
    assert metric(at, "Prediction") == "8"
    hidden = plot_spec(at, "draw.hidden")["data"]
    assert [len(layer["y"]) for layer in hidden] == [256, 128], "the wider network reads by default"
    assert min(min(layer["y"]) for layer in hidden) >= 0, "ReLU outputs are never negative"
    assert plot_spec(at, "draw.network")["data"][-1]["text"][-10:][8].startswith("8 ")
    (picture, steps) = at.get("image")
    assert picture.captions[0] == "Your picture"
    assert steps.captions[0].count("Step ") == 5 and "Step 5: 20x20: the input" in steps.captions[0]
    assert not mounted(at, "digitdemo.live_sees"), "the server's figures, not the canvas's"


def test_clear_empties_the_canvas(seven):
    at = page("draw")
    inject_drawing(at, seven)
    at.run()
    at.button(key="draw.clear").click().run()
    assert metric(at, "Prediction") == "—"
    assert state.LAST_LOGITS not in at.session_state


def test_switching_preprocessing_off_changes_the_answer():
    """A small digit in a corner: read right with every step, wrong as a plain resize."""
    images, labels = data.load_source()
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    digit = (images[9000] * 255).astype(np.uint8)
    canvas[220:248, 20:48, :3] = digit[..., None]
    at = page("draw")
    inject_drawing(at, canvas)
    at.run()
    assert metric(at, "Prediction") == str(labels[9000])
    at.toggle(key="draw.crop").set_value(False)
    at.toggle(key="draw.fit").set_value(False).run()
    assert not at.exception
    assert metric(at, "Prediction") != str(labels[9000])


def test_a_scribble_gets_a_warning_and_a_dot_no_guess():
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    for row in range(40, 240, 12):  # scribbled back and forth
        canvas[row : row + 18, 40:240, :3] = 255
    at = page("draw")
    inject_drawing(at, canvas)
    at.run()
    assert not at.exception and metric(at, "Prediction") in list("0123456789")
    assert any("filled-in area" in w.value for w in at.warning)

    dot = np.zeros((280, 280, 4), dtype=np.uint8)
    dot[..., 3] = 255
    dot[130:148, 130:148, :3] = 255
    at = page("draw")
    inject_drawing(at, dot)
    at.run()
    assert metric(at, "Prediction") == "—" and "only a dot" in at.info[0].value


def test_a_drawing_that_does_not_decode_gets_a_sentence():
    at = page("draw")
    at.session_state["draw.canvas.0"] = {
        "drawing": {"raw": {"objects": [{"type": "path"}]}, "data": "data:image/png;base64,bm90IGEgcG5n"},
        "backgroundFit": None,
    }
    at.run()
    assert not at.exception
    assert "please draw again" in at.error[0].value and metric(at, "Prediction") == "—"


# --- Which model reads a drawing (issue 15) ----------------------------------------------


def shows(at: AppTest, model: artifacts.TrainedModel, x: np.ndarray) -> None:
    """The Draw page shows this model's reading of x: its digit, its probabilities, its logits (for Softmax)."""
    out = model.forward(x)
    assert metric(at, "Prediction") == str(out.predicted_digit[0])
    bars = live_probabilities(at)
    np.testing.assert_allclose(bars, out.probabilities[0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(at.session_state[state.LAST_LOGITS], out.logits[0], rtol=1e-5, atol=1e-6)


def test_the_draw_page_reads_with_the_wider_network_and_says_so(read_differently, wide_model):
    rgba, x = read_differently
    at = page("draw")
    inject_drawing(at, rgba)
    at.run()
    line = at.markdown[0].value
    lever = state.READER_LEVERS["wide"]
    assert line.endswith(f"Read by the **wider network** (400-256-128-10): {lever}."), "one clause: the canvas stays up"
    switch = at.button_group(key="draw.model_shown")
    assert switch.value == "wide" and state.about_drawing_model(wide_model) in switch.help, "its recipe a click away"
    shows(at, wide_model, x)


def test_the_switch_says_in_one_line_each_what_the_three_models_are():
    at = page("draw")
    at.run()
    switch = at.button_group(key="draw.model_shown")
    assert switch.options == ["Lab's model", "Drawing model", "Wider network"]
    lines = switch.help.split("  \n")
    assert len(lines) == 3 and "more data" in lines[1] and "more units" in lines[2] and "lab's 5000" in lines[0]


def test_the_drawing_model_is_said_in_its_metadatas_words_else_from_its_recipe(drawing_model):
    about = "the lab's network on 7500 digits, each also redrawn as drawn on the canvas: crossed 7s, flagged 1s"
    recipe = {**drawing_model.meta["recipe"], "name": "drawings", "about": about + "."}
    described = artifacts.TrainedModel(drawing_model.layers, {**drawing_model.meta, "recipe": recipe})
    assert state.about_drawing_model(described) == about
    plain_recipe = {k: v for k, v in recipe.items() if k not in ("name", "about")}
    undescribed = artifacts.TrainedModel(drawing_model.layers, {**drawing_model.meta, "recipe": plain_recipe})
    n = drawing_model.meta["data"]["examples"]
    assert state.about_drawing_model(undescribed).startswith(f"the lab's network trained on the lab's {n} digits")


def test_switching_models_reads_the_same_drawing_again(read_differently, drawing_model, shipped_model, wide_model):
    rgba, x = read_differently
    at = page("draw")
    inject_drawing(at, rgba)
    at.run()
    read_by_wide = metric(at, "Prediction")
    at.button_group(key="draw.model_shown").set_value("lab").run()
    assert not at.exception
    assert at.markdown[0].value.endswith(
        "Read by the **lab's model**, as you chose: the lab's network (400-25-15-10) trained on the lab's 5000 "
        "digits with the lab's recipe, as on the lab's pages; the drawing model is the same network, more data."
    )
    shows(at, shipped_model, x)  # the same drawing, still on the canvas, read at once by the other model
    assert metric(at, "Prediction") != read_by_wide
    assert at.query_params["model"] == "lab", "the choice is in the page's link"
    at.run()  # a stroke, a rerun: the choice stays for the session
    shows(at, shipped_model, x)
    at.button_group(key="draw.model_shown").set_value("drawing").run()
    assert "Read by the **drawing model** (400-25-15-10), as you chose: " in at.markdown[0].value
    shows(at, drawing_model, x)
    assert at.query_params["model"] == "drawing"
    at.button_group(key="draw.model_shown").set_value("wide").run()
    shows(at, wide_model, x)
    assert at.query_params["model"] == "wide"


def test_a_draw_link_opens_with_the_labs_model(read_differently, shipped_model):
    rgba, x = read_differently
    at = page("draw")
    at.query_params["model"] = "lab"
    inject_drawing(at, rgba)
    at.run()
    assert "Read by the **lab's model**, as you chose" in at.markdown[0].value
    assert at.button_group(key="draw.model_shown").value == "lab"
    shows(at, shipped_model, x)
    mangled = page("draw")
    mangled.query_params["model"] = "keras"
    inject_drawing(mangled, rgba)
    mangled.run()
    assert not mangled.exception and "Read by the **wider network**" in mangled.markdown[0].value


@pytest.mark.parametrize("fault", ["missing", "truncated"])
@pytest.mark.parametrize("name", ["drawing", "wide"])
def test_a_broken_drawing_model_gives_one_sentence_and_the_labs_model_reads(
    tmp_path, monkeypatch, read_differently, shipped_model, fault, name
):
    if fault == "truncated":
        _truncated(tmp_path)
    monkeypatch.setenv(config.DRAWING_MODEL_DIR_ENV if name == "drawing" else config.WIDE_MODEL_DIR_ENV, str(tmp_path))
    rgba, x = read_differently
    at = page("draw")
    at.query_params["model"] = name
    inject_drawing(at, rgba)
    at.run()
    assert not at.exception and not at.error
    words = state.READER_NAMES[name]
    (warning,) = [w.value for w in at.warning if words in w.value]
    reason = "there is no model at" if fault == "missing" else "is damaged or not a digitdemo model"
    assert warning.startswith(f"The lab's model reads your drawings: the {words} cannot be used (")
    assert reason in warning and warning.count(". ") == 0, "one sentence"
    assert "Read by" not in at.markdown[0].value
    shows(at, shipped_model, x)


def test_the_labs_pages_keep_the_labs_model_after_drawing(read_differently, shipped_model):
    """The lab's numbers (example 1015, the training errors) whichever model reads on the Draw page."""
    at = through_router("draw")
    inject_drawing(at, read_differently[0])
    at.run()
    assert "Read by the **wider network**" in at.markdown[0].value
    go(at, "predictions")
    assert not at.exception and "Using the shipped model" in at.markdown[0].value
    X, _ = data.load_data()
    logits = notebook.lab_print(shipped_model.forward(X[config.EXAMPLE_INDEX]).logits[0])
    assert any(logits in c.value for c in at.code), "the walk-through of 1015 is the lab's model's"
    assert metric(at, "np.argmax(probabilities)") == "2"
    go(at, "errors")
    errors = shipped_model.meta["metrics"]["train_errors"]
    assert metric(at, "Training set: misclassified") == f"{errors} of 5000"


# --- The other pages ------------------------------------------------------------


def test_softmax_sums_to_one_at_slider_extremes():
    at = page("softmax").run()
    assert "1.000000" in at.markdown[2].value or any("1.000000" in m.value for m in at.markdown)
    for j, value in enumerate([20.0, -20.0, 20.0, -20.0]):
        at.slider(key=f"softmax.lab.z{j}").set_value(value)
    at.select_slider(key="softmax.temperature").set_value(0.1).run()
    assert not at.exception
    assert any("Sum of the probabilities: **1.000000**" in m.value for m in at.markdown)


def test_softmax_shows_the_naive_form_overflowing():
    at = page("softmax").run()
    at.number_input(key="softmax.shift").set_value(1000.0).run()
    assert "Overflow" in at.error[0].value
    assert "nan" in at.code[-2].value and "nan" not in at.code[-1].value  # naive, then stable


def test_softmax_starts_from_the_drawings_logits():
    at = page("softmax")
    logits = [float(v) for v in np.linspace(-5, 8, 10)]
    at.session_state[state.LAST_LOGITS] = logits
    at.run()
    at.toggle(key="softmax.from_drawing").set_value(True).run()
    assert len(at.slider) == 10
    bars = plot_spec(at, "softmax.stages")["data"][2]["y"]  # the probabilities, right of z and e^z
    assert int(np.argmax(bars)) == 9 and len(bars) == 10


def test_activations_solution_matches_the_target():
    at = page("activations").run()
    assert at.info, "before: the sum does not match"
    at.button(key="activations.solve").click().run()
    assert "matches the target" in at.success[0].value


def test_dataset_shapes_and_filter():
    at = page("dataset").run()
    assert "X.shape = (5000, 400)" in at.code[0].value and "y[0] = 0" in at.code[0].value
    assert "y[-1] = 9" in at.code[0].value
    at.selectbox(key="dataset.digit").set_value(3).run()
    assert set(captions_of(plot_spec(at, "dataset.grid"))) == {"3"}
    at.radio(key="dataset.set").set_value("test").run()
    assert len(captions_of(plot_spec(at, "dataset.grid"))) == 64


def test_model_summary_has_the_labs_numbers():
    at = page("model").run()
    assert metric(at, "Total parameters") == "10,575"
    table = at.table[0].value
    assert table["parameters"].str.contains("10,025").any() and list(table["units"]) == [25, 15, 10]
    assert len(captions_of(plot_spec(at, "model.weights"))) == 25


def test_predictions_walk_through_example_1015():
    at = page("predictions").run()
    assert metric(at, "np.argmax(probabilities)") == "2"
    assert "label y = 2" in at.get("image")[0].captions[0]
    captions = captions_of(plot_spec(at, "predictions.grid"))
    assert len(captions) == 64 and all("," in c for c in captions)


def test_errors_counts_and_cell_filter(shipped_model):
    at = page("errors").run()
    errors = shipped_model.meta["metrics"]["train_errors"]
    assert metric(at, "Training set: misclassified") == f"{errors} of 5000"
    options = at.selectbox(key="errors.cell.test").options
    assert options[0] == "all mistakes" and len(options) > 5
    at.selectbox(key="errors.cell.test").select_index(1).run()  # the largest off-diagonal cell
    captions = captions_of(plot_spec(at, "errors.gallery"))
    assert captions and len({c.split("<br>")[0] for c in captions}) == 1, "one cell: one true→predicted pair"


def _truncated(folder):
    payload = (config.MODEL_DIR / config.WEIGHTS_NAME).read_bytes()
    (folder / config.WEIGHTS_NAME).write_bytes(payload[:1000])


def _other_architecture(folder):
    import io
    import json

    buffer = io.BytesIO()
    meta = {"architecture": {"layers": [{"name": "L1", "activation": "relu"}]}}
    np.savez(buffer, W1=np.zeros((784, 10), np.float32), b1=np.zeros(10, np.float32), meta=np.array(json.dumps(meta)))
    (folder / config.WEIGHTS_NAME).write_bytes(buffer.getvalue())


MODEL_FAULTS = {
    "missing": (lambda folder: None, "There is no model"),
    "truncated": (_truncated, "damaged or not a digitdemo model"),
    "another architecture": (_other_architecture, "another architecture"),
}


@pytest.mark.parametrize("fault", MODEL_FAULTS)
def test_a_broken_model_gives_a_clear_message_on_every_page(tmp_path, monkeypatch, fault):
    make, message = MODEL_FAULTS[fault]
    make(tmp_path)
    monkeypatch.setenv(config.MODEL_DIR_ENV, str(tmp_path))
    for name in PAGES:
        at = run_with_a_drawing(name)
        assert not at.exception, name
        if name in ("softmax", "activations", "dataset", "class"):
            continue  # these pages need no model
        if name == "draw":  # the drawing model reads drawings: the lab's model is not needed there
            assert not at.error and metric(at, "Prediction") in list("0123456789"), name
            continue
        assert message in at.error[0].value and "git checkout models/" in at.error[0].value, name


BAD_COURSE_FILES = {
    "wrong shape": (np.zeros((10, 401)), np.zeros((10, 1))),
    "NaN": (np.full((10, 400), np.nan), np.zeros((10, 1))),
    "labels": (np.zeros((10, 400)), np.full((10, 1), 12)),
}


@pytest.mark.parametrize("case", BAD_COURSE_FILES)
def test_bad_course_files_give_a_clear_message(tmp_path, monkeypatch, case):
    X, y = BAD_COURSE_FILES[case]
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    monkeypatch.setenv(config.LAB_DATA_ENV, str(tmp_path))
    for name in ("dataset", "predictions", "errors"):
        at = page(name).run()
        assert not at.exception
        assert at.error[0].value.startswith("The dataset cannot be loaded:"), name


# --- Training -------------------------------------------------------------------


def test_retraining_changes_this_session_only():
    at = page("training").run()
    at.number_input(key="training.epochs").set_value(3)
    at.number_input(key="training.units1").set_value(12)
    at.button(key="FormSubmitter:training.form-Retrain").click().run()
    assert not at.exception
    assert at.get("progress") or "training.job" not in at.session_state
    wait_for_training(at)
    assert "Trained for 3 epochs" in at.success[0].value
    assert metric(at, "Final loss") != "0.0307"
    loss = plot_spec(at, "training.loss")
    assert len(loss["data"][-1]["y"]) == 3 and len(loss["data"][0]["y"]) == 40, "yours beside the shipped curve"
    # Every page now uses this session's model ...
    mine = at.session_state[state.SESSION_MODEL]
    assert mine.layers[0].W.shape == (400, 12)
    # ... and nobody else's session changes.
    other = page("model").run()
    assert metric(other, "Total parameters") == "10,575"
    at.button(key="training.reset").click().run()
    assert state.SESSION_MODEL not in at.session_state


def test_a_killed_training_run_is_reported_and_changes_nothing():
    at = page("training").run()
    at.number_input(key="training.epochs").set_value(100)
    at.button(key="FormSubmitter:training.form-Retrain").click().run()
    at.session_state["training.job"].process.kill()
    wait_for_training(at)
    assert "Training failed: the training process was stopped (signal 9)" in at.error[0].value
    assert state.SESSION_MODEL not in at.session_state


def test_a_second_retrain_while_one_runs_is_refused_kindly():
    at = page("training").run()
    at.number_input(key="training.epochs").set_value(100)
    at.button(key="FormSubmitter:training.form-Retrain").click().run()
    first = at.session_state["training.job"]
    try:
        assert at.button(key="FormSubmitter:training.form-Retrain").disabled, "no second run while one goes"
        assert at.get("progress") and at.button(key="training.stop")
        at.button(key="training.stop").click().run()
        assert "training.job" not in at.session_state and first.process.poll() is not None
    finally:
        first.cleanup()


def test_a_busy_server_asks_the_student_to_wait():
    from digitdemo import jobs

    others = [jobs.TrainingJob(100, 0.001, (25, 15), seed, teacher=True) for seed in range(jobs.MAX_RUNNING)]
    try:
        at = page("training").run()
        at.button(key="FormSubmitter:training.form-Retrain").click().run()
        assert not at.exception
        assert "The training run open to students is taken" in at.warning[0].value
        assert "training.job" not in at.session_state
    finally:
        for job in others:
            job.cleanup()


# --- Links a teacher can share -------------------------------------------------------


def test_a_softmax_link_reproduces_the_setup_and_follows_the_sliders():
    at = page("softmax")
    at.query_params.update({"z0": "5.5", "z3": "-2", "temperature": "2.0", "shift": "800"})
    at.run()
    assert [s.value for s in at.slider][:4] == [5.5, 2.0, 3.0, -2.0]
    assert at.select_slider(key="softmax.temperature").value == 2.0
    assert at.number_input(key="softmax.shift").value == 800
    at.slider(key="softmax.lab.z1").set_value(7.0).run()
    assert at.query_params["z1"] == "7.0" and at.query_params["z0"] == "5.5"


def test_a_mangled_link_still_opens_the_page_with_defaults():
    at = page("softmax")
    at.query_params.update({"z0": "lots", "z1": "99", "temperature": "3.3", "shift": "1e9"})
    at.run()
    assert not at.exception
    assert [s.value for s in at.slider][:2] == [1.0, 2.0]
    assert at.select_slider(key="softmax.temperature").value == 1.0


def test_dataset_and_prediction_links():
    at = page("dataset")
    at.query_params.update({"set": "test", "digit": "4"})
    at.run()
    assert set(captions_of(plot_spec(at, "dataset.grid"))) == {"4"}
    assert "y[0] = 0" in at.code[0].value and at.radio(key="dataset.set").value == "test"
    at = page("predictions")
    at.query_params.update({"index": "7", "set": "training"})
    at.run()
    assert at.number_input(key="predictions.index").value == 7
    assert "X[7], label y = 0" in at.get("image")[0].captions[0]


def test_a_draw_link_can_switch_preprocessing_off():
    images, labels = data.load_source()
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[220:248, 20:48, :3] = (images[9000] * 255).astype(np.uint8)[..., None]
    at = page("draw")
    at.query_params.update({"crop": "False", "fit": "False"})
    inject_drawing(at, canvas)
    at.run()
    assert not at.toggle(key="draw.crop").value and not at.toggle(key="draw.fit").value
    unavailable = at.toggle(key="draw.centre_unavailable")
    assert not unavailable.value and unavailable.disabled, "centring is not applied: shown off"
    assert metric(at, "Prediction") != str(labels[9000]), "a plain resize misreads the small digit"
    at.toggle(key="draw.crop").set_value(True)
    at.toggle(key="draw.fit").set_value(True).run()
    assert metric(at, "Prediction") == str(labels[9000])
    assert at.toggle(key="draw.centre").value, "the link's choice is back with the fit"
    assert at.query_params["crop"] == "True" and at.query_params["fit"] == "True"
    # Centring turned off, then fit off and on again: it stays off (a try-out found it back on).
    at.toggle(key="draw.centre").set_value(False).run()
    at.toggle(key="draw.fit").set_value(False).run()
    assert at.query_params["centre"] == "False", "the link keeps centring's choice while it cannot apply"
    at.toggle(key="draw.fit").set_value(True).run()
    assert not at.toggle(key="draw.centre").value and at.query_params["centre"] == "False"
