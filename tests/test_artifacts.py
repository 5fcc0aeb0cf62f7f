"""Model files: what they carry, and what happens when they are missing, damaged or foreign."""

import io
import json
import os

import numpy as np
import pytest

from digitdemo import artifacts, config
from digitdemo.nn import Layer


def test_shipped_model_describes_itself(shipped_model):
    meta = shipped_model.meta
    assert meta["recipe"]["epochs"] == 40 and meta["recipe"]["learning_rate"] == 0.001
    assert meta["recipe"]["seed"] == 1234 and meta["recipe"]["hidden_units"] == [25, 15]
    assert len(meta["history"]["loss"]) == 40
    assert meta["history"]["loss"][-1] < 0.1 < meta["history"]["loss"][0]
    assert meta["metrics"]["train_errors"] <= 50 and meta["metrics"]["test_accuracy"] > 0.9
    assert np.array(meta["metrics"]["test_confusion_matrix"]).sum() == 5000
    assert meta["architecture"]["layers"][0] == {"name": "L1", "units": 25, "activation": "relu"}
    assert {"tensorflow", "keras", "numpy"} <= set(meta["versions"])


def test_shipped_model_was_trained_on_the_shipped_data(shipped_model):
    from digitdemo import data

    assert shipped_model.meta["data"]["checksum"] == data.data_checksum(*data.load_data())


def test_round_trip(tmp_path, shipped_model):
    artifacts.save(shipped_model.layers, shipped_model.meta, tmp_path)
    again = artifacts.load(tmp_path)
    for a, b in zip(again.layers, shipped_model.layers, strict=False):
        np.testing.assert_array_equal(a.W, b.W)
    assert again.meta == shipped_model.meta


def test_missing_model(tmp_path):
    with pytest.raises(artifacts.ModelError, match="There is no model .*python -m digitdemo train"):
        artifacts.load(tmp_path)


def test_truncated_model(tmp_path):
    payload = (config.MODEL_DIR / config.WEIGHTS_NAME).read_bytes()
    (tmp_path / config.WEIGHTS_NAME).write_bytes(payload[: len(payload) // 2])
    with pytest.raises(artifacts.ModelError, match="damaged or not a digitdemo model"):
        artifacts.load(tmp_path)


def test_model_of_another_architecture(tmp_path, shipped_model):
    wrong = [Layer("L1", np.zeros((784, 10), np.float32), np.zeros(10, np.float32), "relu")]
    meta = {"architecture": {"layers": [{"name": "L1", "activation": "relu"}]}}
    buffer = io.BytesIO()
    np.savez(buffer, W1=wrong[0].W, b1=wrong[0].b, meta=np.array(json.dumps(meta)))
    (tmp_path / config.WEIGHTS_NAME).write_bytes(buffer.getvalue())
    with pytest.raises(artifacts.ModelError, match="another architecture"):
        artifacts.load(tmp_path)


def test_nan_weights_are_refused(tmp_path, shipped_model):
    layers = list(shipped_model.layers)
    layers[0] = Layer("L1", np.full((400, 25), np.nan, np.float32), layers[0].b, "relu")
    with pytest.raises(artifacts.ModelError, match="NaN"):
        artifacts.save(layers, shipped_model.meta, tmp_path)
    assert not (tmp_path / config.WEIGHTS_NAME).exists()


def test_failed_save_keeps_the_old_model(tmp_path, shipped_model, monkeypatch):
    """A full disk mid-write: the error is a sentence and the previous file is untouched."""
    artifacts.save(shipped_model.layers, shipped_model.meta, tmp_path)
    before = (tmp_path / config.WEIGHTS_NAME).read_bytes()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(artifacts.ModelError, match="No space left on device. The previous model is unchanged"):
        artifacts.save(shipped_model.layers, {**shipped_model.meta, "note": "new"}, tmp_path)
    assert (tmp_path / config.WEIGHTS_NAME).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [config.WEIGHTS_NAME], "a temp file was left behind"
