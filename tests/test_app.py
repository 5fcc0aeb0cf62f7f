"""Every page in AppTest: what a student sees and can change, and what goes wrong gracefully."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitdemo import config, data, state
from digitdemo.drawings import render_drawing
from tests.apptest import PAGES, captions_of, inject_drawing, page, plot_spec


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders(name):
    at = page(name).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title and at.markdown, "a page teaches in a sentence or two"


def test_router_serves_every_url_and_starts_on_draw():
    at = AppTest.from_file(str(config.REPO_DIR / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Draw a digit"


def test_the_server_never_imports_tensorflow():
    """Render every page, including a drawing, in a fresh interpreter; TF and Keras stay out."""
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        from tests.apptest import PAGES, inject_drawing, page
        from digitdemo.drawings import render_drawing
        from digitdemo import data
        for name in PAGES:
            at = page(name)
            if name == "draw":
                images, _ = data.load_source()
                inject_drawing(at, render_drawing(images[9000], np.random.default_rng(0)))
            at.run()
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
    assert not at.get("plotly_chart"), "no probabilities without a drawing"
    assert "Draw a digit" in at.info[0].value


def test_a_drawing_is_recognised_with_probabilities(seven):
    at = page("draw")
    inject_drawing(at, seven)
    at.run()
    assert metric(at, "Prediction") == "7"
    bars = plot_spec(at, "draw.probabilities")["data"][0]["y"]
    assert len(bars) == 10 and sum(bars) == pytest.approx(1) and int(np.argmax(bars)) == 7
    assert len(plot_spec(at, "draw.logits_chart")["data"][0]["y"]) == 10
    assert len(plot_spec(at, "draw.hidden1")["data"][0]["y"]) == 25
    assert len(plot_spec(at, "draw.hidden2")["data"][0]["y"]) == 15
    steps = [image.captions[0] for image in at.get("image")]
    assert len(steps) == 5 and steps[-1].startswith("5. 20x20"), "the preprocessing steps are shown"
    assert len(at.session_state[state.LAST_LOGITS]) == 10, "the Softmax page can start from these logits"


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


def test_a_scribble_gets_an_unsure_note_or_a_guess_not_an_error():
    rng = np.random.default_rng(3)
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[60:220, 60:220, :3] = (rng.random((160, 160, 1)) > 0.5) * 255
    at = page("draw")
    inject_drawing(at, canvas)
    at.run()
    assert not at.exception and metric(at, "Prediction") in list("0123456789")


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
    assert "nan" in at.code[0].value and "nan" not in at.code[1].value


def test_softmax_starts_from_the_drawings_logits():
    at = page("softmax")
    logits = [float(v) for v in np.linspace(-5, 8, 10)]
    at.session_state[state.LAST_LOGITS] = logits
    at.run()
    at.toggle(key="softmax.from_drawing").set_value(True).run()
    assert len(at.slider) == 10
    bars = plot_spec(at, "softmax.bars")["data"][0]["y"]
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
    at.radio(key="dataset.set").set_value("held-out test set (5000 more)").run()
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
    assert captions and len({c.split(" ")[0] for c in captions}) == 1, "one cell: one true→predicted pair"


def test_broken_model_gives_a_clear_message_on_every_page(tmp_path, monkeypatch):
    payload = (config.MODEL_DIR / config.WEIGHTS_NAME).read_bytes()
    (tmp_path / config.WEIGHTS_NAME).write_bytes(payload[:1000])
    monkeypatch.setenv(config.MODEL_DIR_ENV, str(tmp_path))
    for name in ["draw", "model", "training", "predictions", "errors"]:
        at = page(name)
        if name == "draw":
            images, _ = data.load_source()
            inject_drawing(at, render_drawing(images[9000], np.random.default_rng(0)))
        at.run()
        assert not at.exception, name
        assert "damaged or not a digitdemo model" in at.error[0].value, name


# --- Training -------------------------------------------------------------------


def wait_for_training(at: AppTest, seconds: float = 120) -> AppTest:
    """Rerun the page as its progress fragment does, until the job has finished."""
    import time

    deadline = time.monotonic() + seconds
    while "training.job" in at.session_state and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    assert "training.job" not in at.session_state, "training did not finish"
    return at


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
    at.number_input(key="training.epochs").set_value(200)
    at.button(key="FormSubmitter:training.form-Retrain").click().run()
    at.session_state["training.job"].process.kill()
    wait_for_training(at)
    assert "Training failed: the training process was stopped (signal 9)" in at.error[0].value
    assert state.SESSION_MODEL not in at.session_state


def test_saving_as_default_is_deliberate_and_atomic(tmp_path, monkeypatch, shipped_model):
    from digitdemo import artifacts

    artifacts.save(shipped_model.layers, shipped_model.meta, tmp_path)
    monkeypatch.setenv(config.MODEL_DIR_ENV, str(tmp_path))
    at = page("training").run()
    at.number_input(key="training.epochs").set_value(2)
    at.button(key="FormSubmitter:training.form-Retrain").click().run()
    wait_for_training(at)
    assert at.button(key="training.save").disabled, "saving for everyone needs the confirmation first"
    at.checkbox(key="training.confirm").check().run()
    at.button(key="training.save").click().run()
    assert "Saved to" in at.success[0].value
    saved = artifacts.load(tmp_path)
    assert len(saved.meta["history"]["loss"]) == 2 and (tmp_path / config.KERAS_NAME).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [config.KERAS_NAME, config.WEIGHTS_NAME]
