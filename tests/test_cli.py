"""The command line, run as a user runs it: a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitdemo import artifacts, config


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitdemo", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def images(tmp_path_factory, drawings):
    folder = tmp_path_factory.mktemp("images")
    paths = []
    for i, drawing in enumerate(drawings[0][:5]):
        path = folder / f"drawing{i}.png"
        Image.fromarray(drawing).save(path)
        paths.append(str(path))
    blank = folder / "blank.png"
    Image.new("RGB", (280, 280), "black").save(blank)
    broken = folder / "broken.png"
    broken.write_text("not an image")
    return paths, str(blank), str(broken), drawings[1][:5]


def test_predict_json(images):
    paths, blank, broken, labels = images
    result = run("predict", "--json", *paths, blank, broken, "missing.png")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [*paths, blank, broken, "missing.png"]
    for line in lines[:5]:
        assert isinstance(line["digit"], int) and len(line["probabilities"]) == 10
        assert sum(line["probabilities"]) == pytest.approx(1.0)
    assert sum(line["digit"] == label for line, label in zip(lines, labels, strict=False)) >= 4
    assert lines[5]["digit"] is None
    assert "not an image" in lines[6]["error"] and lines[7]["error"] == "missing.png does not exist"
    assert result.returncode == 1, "some files failed, so the exit status says so"


def test_predict_succeeds_when_all_do(images):
    paths, *_ = images
    result = run("predict", *paths)
    assert result.returncode == 0 and result.stdout.count("%") == len(paths)


def test_predict_never_imports_tensorflow(images):
    paths, *_ = images
    code = (
        "import sys; from digitdemo.cli import main; main(['predict', '--json', *sys.argv[1:]]);"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TF imported'"
    )
    result = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _read(model, path) -> list[float]:
    from digitdemo.preprocess import preprocess, read_image

    steps = preprocess(read_image(Path(path).read_bytes()), source="image")
    return model.forward(steps.x).probabilities[0].tolist()


def test_predict_reads_with_the_wider_network_unless_told_another(
    images, shipped_model, drawing_model, wide_model, tmp_path
):
    paths, *_ = images
    (line,) = [json.loads(line) for line in run("predict", "--json", paths[0]).stdout.splitlines()]
    np.testing.assert_allclose(line["probabilities"], _read(wide_model, paths[0]), rtol=1e-5, atol=1e-7)
    for choice, model in [("lab", shipped_model), ("drawing", drawing_model), (str(config.MODEL_DIR), shipped_model)]:
        (line,) = [
            json.loads(text) for text in run("predict", "--json", "--model", choice, paths[0]).stdout.splitlines()
        ]
        np.testing.assert_allclose(line["probabilities"], _read(model, paths[0]), rtol=1e-5, atol=1e-7)
    assert "lab, drawing or wide" in " ".join(run("predict", "--help").stdout.split())
    # A broken wider network: one sentence, and the lab's model reads.
    (tmp_path / config.WEIGHTS_NAME).write_bytes(b"not a model")
    env = {**os.environ, config.WIDE_MODEL_DIR_ENV: str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "digitdemo", "predict", "--json", paths[0]], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert done.stderr.startswith("note: the wider network cannot be used, so the lab's model reads: ")
    assert "--recipe wide" in done.stderr and artifacts.RESTORE_HINT not in done.stderr, "this model's way back"
    assert len(done.stderr.strip().splitlines()) == 1
    np.testing.assert_allclose(json.loads(done.stdout)["probabilities"], _read(shipped_model, paths[0]), rtol=1e-5)


def test_predict_with_a_missing_model(images, tmp_path):
    result = run("predict", "--model", str(tmp_path), images[0][0])
    assert result.returncode == 2 and "There is no model" in result.stderr and "Traceback" not in result.stderr


def test_evaluate(shipped_model):
    result = run("evaluate", "--json")
    metrics = json.loads(result.stdout)
    assert metrics["train_errors"] == shipped_model.meta["metrics"]["train_errors"]
    assert metrics["test_accuracy"] == pytest.approx(shipped_model.meta["metrics"]["test_accuracy"])


def test_train_writes_every_artifact(tmp_path):
    result = run("train", "--out", str(tmp_path), "--epochs", "2", "--progress", "json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["stage"] for line in lines if "stage" in line] == ["starting", "training", "saving"]
    epochs = [line for line in lines if "epoch" in line]
    assert [line["epoch"] for line in epochs] == [1, 2] and epochs[0]["elapsed"] < epochs[1]["elapsed"]
    assert epochs[0]["loss"] > epochs[1]["loss"]
    assert lines[-1]["done"] and "test_accuracy" in lines[-1]
    model = artifacts.load(tmp_path)
    assert model.meta["history"]["loss"] == [epochs[0]["loss"], epochs[1]["loss"]]
    assert (tmp_path / config.KERAS_NAME).stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [config.KERAS_NAME, config.WEIGHTS_NAME]


def test_train_is_reproducible_with_a_seed(tmp_path):
    for name in ("a", "b"):
        assert run("train", "--out", str(tmp_path / name), "--epochs", "1", "--hidden-units", "8").returncode == 0
    a, b = artifacts.load(tmp_path / "a"), artifacts.load(tmp_path / "b")
    np.testing.assert_array_equal(a.layers[0].W, b.layers[0].W)
    assert a.layers[0].W.shape == (400, 8)


def test_the_drawings_recipe_trains_the_lab_network_on_more_digits_redrawn(tmp_path):
    result = run(
        "train", "--recipe", "drawings", "--redrawn", "1", "--pen-redrawn", "1", "--epochs", "1", "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    model = artifacts.load(tmp_path)
    recipe, used, m = model.meta["recipe"], model.meta["data"], model.meta["metrics"]
    assert recipe["name"] == "drawings" and "crossed 7s" in recipe["about"] and recipe["redrawn"] == 1
    assert [layer.W.shape for layer in model.layers] == [(400, 25), (25, 15), (15, 10)]  # the lab's network
    assert used["digits"] == 7500 and 7400 < used["redrawn"] <= 7500
    pen = used["pen"]  # the 24 training and development writers' pen digits, each drawn once by another hand
    assert len(pen["writers"]) == 24 and 5900 < pen["drawings"] <= 5995
    assert used["examples"] == 7500 + used["redrawn"] + pen["drawings"]
    assert m["train_examples"] == 7500 and m["test_examples"] == 2500  # checked on the 2500 it never saw
    assert m["test_accuracy"] > 0.8


def test_train_rejects_nonsense(tmp_path):
    result = run("train", "--out", str(tmp_path), "--learning-rate", "-1")
    assert result.returncode == 2 and "learning rate" in result.stderr and "Traceback" not in result.stderr
