"""Model and course-data files that load but would break pages: each refused at load time in one
sentence, or shown whole, on every page; sizes bounded before reading; failures not re-read."""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest

from digitdemo import artifacts, config, data
from digitdemo.nn import Layer
from tests.apptest import PAGES, run_with_a_drawing

MODEL_PAGES = [name for name in PAGES if name not in ("softmax", "activations", "dataset", "class")]


def _npz(folder, arrays: dict) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (folder / config.WEIGHTS_NAME).write_bytes(buffer.getvalue())


def _shipped_arrays(meta_change=None) -> dict:
    model = artifacts.load(config.MODEL_DIR)
    meta = json.loads(json.dumps(model.meta))
    if meta_change:
        meta_change(meta)
    arrays = {"meta": np.array(json.dumps(meta))}
    for i, layer in enumerate(model.layers, start=1):
        arrays[f"W{i}"], arrays[f"b{i}"] = layer.W, layer.b
    return arrays


def _huge_header(shape) -> bytes:
    """A .npy header declaring ``shape`` float32, followed by 16 bytes of data only."""
    header = repr({"descr": "<f4", "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(16)


def _meta_without_history(folder):
    _npz(folder, _shipped_arrays(lambda meta: meta.pop("history")))


def _empty_history(folder):
    _npz(folder, _shipped_arrays(lambda meta: meta["history"].update(loss=[])))


def _null_history(folder):
    _npz(folder, _shipped_arrays(lambda meta: meta["history"].update(loss=[1.5, None, 0.2])))


def _metrics_missing(folder):
    _npz(folder, _shipped_arrays(lambda meta: meta.pop("metrics")))


def _recipe_of_text(folder):
    _npz(folder, _shipped_arrays(lambda meta: meta["recipe"].update(batch_size="32")))


def _deep_meta(folder):
    arrays = _shipped_arrays()
    arrays["meta"] = np.array("[" * 100_000 + "]" * 100_000)
    _npz(folder, arrays)


def _huge_shape(folder):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, array in _shipped_arrays().items():
            with zf.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, array)
        zf.writestr("W1.npy", _huge_header((100_000, 100_000)))  # a second W1.npy: np.load takes the last
    (folder / config.WEIGHTS_NAME).write_bytes(buffer.getvalue())


def _zip_bomb(folder):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, array in _shipped_arrays().items():
            with zf.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, array)
        with zf.open("padding.npy", "w", force_zip64=True) as member:
            zeros = bytes(2**24)
            for _ in range(40):  # 640 MB of zeros, under 1 MB packed
                member.write(zeros)
    (folder / config.WEIGHTS_NAME).write_bytes(buffer.getvalue())


def _symlink_loop(folder):
    os.symlink(folder / config.WEIGHTS_NAME, folder / config.WEIGHTS_NAME)


def _fifo(folder):
    os.mkfifo(folder / config.WEIGHTS_NAME)


def _folder(folder):
    (folder / config.WEIGHTS_NAME).mkdir()


BROKEN_MODELS = {
    "meta without history": (_meta_without_history, "loss history"),
    "empty loss history": (_empty_history, "loss history"),
    "null in the loss history": (_null_history, "loss history"),
    "metrics missing": (_metrics_missing, "metrics"),
    "recipe with text for a number": (_recipe_of_text, "how it was trained"),
    "deeply nested meta": (_deep_meta, "damaged or not a digitdemo model"),
    "huge array shape": (_huge_shape, "too large"),
    "zip bomb": (_zip_bomb, "too large"),
    "symlink loop": (_symlink_loop, "cannot be read"),
    "FIFO": (_fifo, "not a regular file"),
    "a folder": (_folder, "is a folder, not a file"),
}


@pytest.mark.parametrize("case", BROKEN_MODELS)
def test_a_broken_model_file_gets_one_sentence_on_every_page(tmp_path, monkeypatch, case):
    make, message = BROKEN_MODELS[case]
    make(tmp_path)
    monkeypatch.setenv(config.MODEL_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(config.DRAWING_MODEL_DIR_ENV, str(tmp_path))  # Draw: the drawing models, then the lab's
    monkeypatch.setenv(config.WIDE_MODEL_DIR_ENV, str(tmp_path))
    for name in PAGES:
        at = run_with_a_drawing(name)
        assert not at.exception, (name, at.exception)
        if name in MODEL_PAGES:
            assert message in at.error[0].value and "git checkout models/" in at.error[0].value, name


@pytest.mark.parametrize("case", ["zip bomb", "huge array shape", "FIFO", "symlink loop"])
def test_a_broken_model_file_is_refused_by_the_loader_alone(tmp_path, case):
    make, message = BROKEN_MODELS[case]
    make(tmp_path)
    with pytest.raises(artifacts.ModelError, match=message):
        artifacts.load(tmp_path)


def test_a_failed_model_is_not_read_again_on_every_view(tmp_path, monkeypatch):
    _zip_bomb(tmp_path)
    monkeypatch.setenv(config.MODEL_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(config.DRAWING_MODEL_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(config.WIDE_MODEL_DIR_ENV, str(tmp_path))
    reads = []
    real_load = artifacts.load
    monkeypatch.setattr(artifacts, "load", lambda *args: reads.append(args) or real_load(*args))
    for name in ("draw", "model", "errors", "draw"):
        at = run_with_a_drawing(name)
        assert "too large" in at.error[0].value
    assert len(reads) == 1


def test_a_one_layer_model_renders_on_every_page(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    layer = Layer("L1", rng.normal(0, 0.05, (400, 10)).astype(np.float32), np.zeros(10, np.float32), "linear")
    meta = {**artifacts.load(config.MODEL_DIR).meta, "history": {"loss": [2.3, 1.1]}}
    meta["recipe"] = {**meta["recipe"], "hidden_units": []}
    artifacts.save([layer], meta, tmp_path)
    monkeypatch.setenv(config.MODEL_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(config.DRAWING_MODEL_DIR_ENV, str(tmp_path))  # the Draw page's readers too
    monkeypatch.setenv(config.WIDE_MODEL_DIR_ENV, str(tmp_path))
    for name in PAGES:
        at = run_with_a_drawing(name)
        assert not at.exception, (name, at.exception)
        assert not at.error, (name, [e.value for e in at.error])


# --- The course's own data files --------------------------------------------------


def _course(X, y):
    def make(folder):
        np.save(folder / "X.npy", X)
        np.save(folder / "y.npy", y)

    return make


def _course_huge_x(folder):
    (folder / "X.npy").write_bytes(_huge_header((10_000_000, 400)))
    np.save(folder / "y.npy", np.zeros((10, 1)))


def _course_fifo(folder):
    os.mkfifo(folder / "X.npy")
    np.save(folder / "y.npy", np.zeros((10, 1)))


def _course_dir(folder):
    (folder / "X.npy").mkdir()
    np.save(folder / "y.npy", np.zeros((10, 1)))


def _course_npz(folder):
    np.savez(folder / "X.npy", X=np.zeros((10, 400)))
    os.replace(folder / "X.npy.npz", folder / "X.npy")
    np.save(folder / "y.npy", np.zeros((10, 1)))


def _course_dev_zero(folder):
    os.symlink("/dev/zero", folder / "X.npy")
    np.save(folder / "y.npy", np.zeros((10, 1)))


BROKEN_COURSE_DATA = {
    "huge X shape": (_course_huge_x, "too large"),
    "X is a FIFO": (_course_fifo, "not a regular file"),
    "X is a folder": (_course_dir, "is a folder"),
    "X is /dev/zero": (_course_dev_zero, "not a regular file"),
    "X is an .npz archive": (_course_npz, "an .npz archive"),
}


@pytest.mark.parametrize("case", BROKEN_COURSE_DATA)
def test_broken_course_data_gets_one_sentence_on_every_page(tmp_path, monkeypatch, case):
    make, message = BROKEN_COURSE_DATA[case]
    make(tmp_path)
    with pytest.raises(data.DataError, match=message):
        data.load_data(tmp_path)
    monkeypatch.setenv(config.LAB_DATA_ENV, str(tmp_path))
    for name in PAGES:
        at = run_with_a_drawing(name)
        assert not at.exception, (name, at.exception)
        if name in ("dataset", "predictions", "errors"):
            assert message in at.error[0].value, name


def test_course_data_with_few_rows_works_on_every_page(tmp_path, monkeypatch):
    X, y = data.load_data()
    _course(X[:10], y[:10])(tmp_path)
    monkeypatch.setenv(config.LAB_DATA_ENV, str(tmp_path))
    for name in PAGES:
        at = run_with_a_drawing(name)
        assert not at.exception, (name, at.exception)
        assert not at.error, (name, [e.value for e in at.error])
