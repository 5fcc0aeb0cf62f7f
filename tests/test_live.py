"""The Draw page's live answer (issue 27), server side: what the browser is given to read as the pen moves.

The browser's reading itself is checked in Chromium (test_browser_live.py); here, that it gets the weights of the
model that reads on the page, exactly and once, and the server's answer with the marks of the drawing it read.
"""

import base64

import numpy as np
import pytest

from digitdemo import data, live, state
from digitdemo.preprocess import preprocess
from tests.apptest import inject_drawing, live_data, page


def _floats(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


def _sent_layers(sent: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(_floats(layer["W"]), _floats(layer["b"])) for layer in sent["model"]["layers"]]


def assert_weights_of(sent: dict, model) -> None:
    """The weights sent are the model's, bit for bit, in its layout (W row after row: inputs, units)."""
    layers = _sent_layers(sent)
    assert len(layers) == len(model.layers)
    for (W, b), layer in zip(layers, model.layers, strict=True):
        assert np.array_equal(W, layer.W.astype(np.float32).ravel()) and np.array_equal(b, layer.b)
    assert [layer["units"] for layer in sent["model"]["layers"]] == [layer.b.size for layer in model.layers]
    assert sent["model"]["id"] == live.model_id(model.layers)


def test_the_page_gives_the_browser_the_readers_weights_once(seven, reader_model):
    at = page("draw").run()
    first = live_data(at)
    assert first["live"] and first["answer"] == {"box": None, "ink": 0.0, "probabilities": None}, "blank: no answer"
    assert_weights_of(first, reader_model)
    resample = _floats(first["model"]["resample"]).reshape(20, 28)
    assert np.array_equal(resample, data._integer_bicubic_matrix() / 2**data.WEIGHT_BITS), "the 28->20 weights"
    inject_drawing(at, seven)
    at.run()
    again = live_data(at)
    assert again["model"] == {"id": first["model"]["id"]}, "a stroke sends no weights: the browser has them"
    steps = preprocess(seven)
    out = reader_model.forward(steps.x)
    np.testing.assert_allclose(again["answer"]["probabilities"], out.probabilities[0], rtol=1e-6, atol=1e-9)
    assert again["answer"]["box"] == list(steps.box) and again["answer"]["ink"] == pytest.approx(steps.ink.sum())


@pytest.mark.parametrize("name", ["lab", "drawing"])
def test_switching_the_reader_sends_that_readers_weights(name, seven, shipped_model, drawing_model):
    at = page("draw")
    at.query_params["model"] = name  # as the link /draw?model=lab
    inject_drawing(at, seven)
    at.run()
    model = {"lab": shipped_model, "drawing": drawing_model}[name]
    sent = live_data(at)
    assert_weights_of(sent, model)
    np.testing.assert_allclose(sent["answer"]["probabilities"], model.forward(preprocess(seven).x).probabilities[0])


def test_a_retrained_model_reads_live_too(seven, drawing_model):
    """Whatever reads on the page is what the browser reads with: here a student's own model."""
    at = page("draw")
    at.session_state[state.SESSION_MODEL] = drawing_model
    inject_drawing(at, seven)
    at.run()
    assert_weights_of(live_data(at), drawing_model)


def test_the_browser_is_sent_the_weights_again_when_it_says_it_lacks_them(seven, reader_model):
    at = page("draw").run()
    assert "layers" in live_data(at)["model"]
    at.run()
    assert "layers" not in live_data(at)["model"]
    del at.session_state["draw.live_sent"]  # what the component's "missing" trigger does (pages/live._resend)
    at.run()
    assert_weights_of(live_data(at), reader_model)


def test_an_upload_is_answered_by_the_server_only(seven):
    at = page("draw")
    at.session_state["draw.source"] = "Upload a picture"
    at.run()
    sent = live_data(at)
    assert not sent["live"] and "layers" not in (sent["model"] or {}), "no canvas to follow: no weights"


def test_the_weights_add_what_their_floats_weigh(reader_model, shipped_model):
    """Base64 float32: 4/3 of 4 bytes a weight (the wider network's 136,842: about 730 KB, once a session)."""
    for model in (reader_model, shipped_model):
        text = sum(len(layer["W"]) + len(layer["b"]) for layer in live.model_payload(model.layers, True)["layers"])
        assert text <= 4 * model.n_params * 4 / 3 + 8 * len(model.layers)


@pytest.fixture(scope="module")
def seven():
    images, labels = data.load_source()
    from digitdemo.handwriting.canvas import render_drawing

    index = int(np.flatnonzero(labels == 7)[0])
    return render_drawing(images[index], np.random.default_rng(1))
