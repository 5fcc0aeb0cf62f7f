"""A trained model on disk: its weights and what describes them, in one .npz. No TensorFlow here.

``weights.npz`` holds W1, b1, W2, b2, W3, b3 and ``meta``, a JSON text with the architecture,
the training recipe, the data checksum, the loss history, metrics and library versions.
One file means one atomic rename per save: a reader never sees new weights with old metadata.
"""

import hashlib
import io
import json
import os
import shutil
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitdemo import config
from digitdemo.files import FileMissingError, FileRefusedError, atomic_write_bytes, npy_nbytes, read_bounded, write_temp
from digitdemo.nn import ACTIVATIONS, Forward, Layer, forward

RESTORE_HINT = (
    "Run `python -m digitdemo train` to train a new one, or `git checkout models/` to restore the shipped model."
)
# The same for the drawing model (issue 15), said instead where that one cannot be used.
DRAWING_RESTORE_HINT = (
    "Run `python -m digitdemo train --recipe drawings` to make it again, or `git checkout models/drawings/` to "
    "restore the shipped one."
)
WIDE_RESTORE_HINT = (
    "Run `python -m digitdemo train --recipe wide` to make it again, or `git checkout models/wide/` to restore the "
    "shipped one."
)


# A model file, and all its arrays unpacked, stay under this: the lab's is 53 KB, 1024 units per layer 6 MB.
MAX_MODEL_BYTES = 64_000_000


class ModelError(ValueError):
    """A model file that cannot be used; the message says what is wrong and how to get out."""

    def without_hint(self) -> str:
        """What is wrong, without RESTORE_HINT (which is about the lab's model, not another one)."""
        return str(self).replace(RESTORE_HINT, "").strip()


@dataclass(frozen=True)
class TrainedModel:
    """Layers plus the metadata they were saved with."""

    layers: list[Layer]
    meta: dict

    @property
    def n_params(self) -> int:
        return sum(layer.n_params for layer in self.layers)

    def forward(self, X: np.ndarray) -> Forward:
        return forward(self.layers, X)


def model_dir(directory: Path | str | None = None) -> Path:
    """The directory given, else $DIGITDEMO_MODEL_DIR, else the shipped models/."""
    return Path(directory or os.environ.get(config.MODEL_DIR_ENV) or config.MODEL_DIR)


def drawing_model_dir() -> Path:
    """$DIGITDEMO_DRAWING_MODEL_DIR, else the shipped models/drawings/: what the Draw page and the class read with."""
    return Path(os.environ.get(config.DRAWING_MODEL_DIR_ENV) or config.DRAWING_MODEL_DIR)


def wide_model_dir() -> Path:
    """$DIGITDEMO_WIDE_MODEL_DIR, else the shipped models/wide/: the wider network beside the lab's."""
    return Path(os.environ.get(config.WIDE_MODEL_DIR_ENV) or config.WIDE_MODEL_DIR)


def reader_dir(name: str) -> Path:
    """The folder of the model named config.LAB_MODEL, DRAWING_MODEL or WIDE_MODEL (each moved by its variable)."""
    return {config.LAB_MODEL: model_dir, config.DRAWING_MODEL: drawing_model_dir, config.WIDE_MODEL: wide_model_dir}[
        name
    ]()


def restore_hint(name: str) -> str:
    """How to make or restore the model named ``name`` again."""
    return {config.DRAWING_MODEL: DRAWING_RESTORE_HINT, config.WIDE_MODEL: WIDE_RESTORE_HINT}.get(name, RESTORE_HINT)


def architecture_of(layers: list[Layer]) -> dict:
    """The architecture as plain data: input size and each layer's name, units and activation."""
    return {
        "input": int(layers[0].W.shape[0]),
        "layers": [{"name": L.name, "units": int(L.b.size), "activation": L.activation} for L in layers],
    }


def check_layers(layers: list[Layer]) -> None:
    """Raise ModelError unless the layers chain from 400 inputs to 10 finite logits."""
    inputs = config.N_PIXELS
    for layer in layers:
        if layer.activation not in ACTIVATIONS:
            raise ModelError(f"Layer {layer.name} has an unknown activation {layer.activation!r}. {RESTORE_HINT}")
        if layer.W.ndim != 2 or layer.W.shape[0] != inputs or layer.b.shape != (layer.W.shape[1],):
            raise ModelError(
                f"Layer {layer.name} has weights {layer.W.shape} and biases {layer.b.shape}, which do not "
                f"fit {inputs} inputs: this model has another architecture. {RESTORE_HINT}"
            )
        if not (np.all(np.isfinite(layer.W)) and np.all(np.isfinite(layer.b))):
            raise ModelError(f"Layer {layer.name} holds NaN or infinite weights (training diverged). {RESTORE_HINT}")
        inputs = layer.W.shape[1]
    if inputs != config.N_CLASSES:
        raise ModelError(f"The model ends in {inputs} outputs, not 10 digits. {RESTORE_HINT}")


def to_bytes(layers: list[Layer], meta: dict) -> bytes:
    """The .npz bytes of a model: arrays W1, b1, ... and the JSON text ``meta``."""
    check_layers(layers)
    meta = {**meta, "architecture": architecture_of(layers)}
    arrays = {"meta": np.array(json.dumps(meta))}
    for i, layer in enumerate(layers, start=1):
        arrays[f"W{i}"] = layer.W.astype(np.float32)
        arrays[f"b{i}"] = layer.b.astype(np.float32)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _check_sizes(payload: bytes, source: str) -> None:
    """Refuse an archive whose unpacked members, or the arrays their headers declare, are too large."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_MODEL_BYTES:
            raise ModelError(f"{source} unpacks to more than {MAX_MODEL_BYTES / 1e6:.0f} MB, too large. {RESTORE_HINT}")
        for member in members:
            with archive.open(member) as f:
                if npy_nbytes(f) > member.file_size:
                    raise ModelError(f"{source} declares an array too large for its data. {RESTORE_HINT}")


def _check_meta(meta, source: str) -> None:
    """Raise ModelError unless the metadata holds what the pages show: loss history, metrics, recipe, data size."""

    def number(value) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool) and bool(np.isfinite(value))

    def count(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value > 0

    def part(name: str) -> dict:
        value = meta.get(name) if isinstance(meta, dict) else None
        return value if isinstance(value, dict) else {}

    loss = part("history").get("loss")
    if not isinstance(loss, list) or not loss or not all(number(v) for v in loss):
        raise ModelError(f"{source} has no usable loss history (a list of numbers, one per epoch). {RESTORE_HINT}")
    m = part("metrics")
    if not (
        all(number(m.get(k)) for k in ("train_errors", "train_examples", "test_accuracy"))
        and count(m["train_examples"])
    ):
        raise ModelError(
            f"{source} has no usable metrics (training errors, examples, held-out accuracy). {RESTORE_HINT}"
        )
    recipe = part("recipe")
    units = recipe.get("hidden_units")
    if not (
        count(recipe.get("epochs"))
        and number(recipe.get("learning_rate"))
        and count(recipe.get("batch_size"))
        and isinstance(units, list)
        and all(count(u) for u in units)
        and count(part("data").get("examples"))
        and (meta.get("train_seconds") is None or number(meta["train_seconds"]))
    ):
        raise ModelError(
            f"{source} does not say how it was trained (its recipe, the number of examples). {RESTORE_HINT}"
        )


def from_bytes(payload: bytes, source: str = "the model file") -> TrainedModel:
    """Read a model from .npz bytes, checking everything; ModelError with a clear sentence if not.

    Sizes are checked before anything is unpacked; the metadata is checked for what the pages use.
    """
    try:
        _check_sizes(payload, source)
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            spec = meta["architecture"]["layers"]
            layers = [
                Layer(
                    name=str(s["name"]),
                    W=np.asarray(npz[f"W{i}"], dtype=np.float32),
                    b=np.asarray(npz[f"b{i}"], dtype=np.float32),
                    activation=str(s["activation"]),
                )
                for i, s in enumerate(spec, start=1)
            ]
    except ModelError:
        raise
    except (OSError, ValueError, KeyError, TypeError, EOFError, RecursionError, zipfile.BadZipFile) as error:
        raise ModelError(
            f"{source} is damaged or not a digitdemo model ({type(error).__name__}). {RESTORE_HINT}"
        ) from None
    if not layers:
        raise ModelError(f"{source} has no layers. {RESTORE_HINT}")
    check_layers(layers)
    _check_meta(meta, source)
    return TrainedModel(layers=layers, meta=meta)


def load(directory: Path | str | None = None) -> TrainedModel:
    """Load the model in ``directory`` (see model_dir) without TensorFlow."""
    path = model_dir(directory) / config.WEIGHTS_NAME
    try:
        payload = read_bounded(path, MAX_MODEL_BYTES)
    except FileMissingError:
        raise ModelError(f"There is no model at {path}. {RESTORE_HINT}") from None
    except FileRefusedError as error:
        raise ModelError(f"{error}. {RESTORE_HINT}") from None
    return from_bytes(payload, source=str(path))


def save(
    layers: list[Layer], meta: dict, directory: Path | str | None = None, keras_bytes: bytes | None = None
) -> Path:
    """Write the model (and its .keras twin, if given) atomically.

    Both files go to temporary names first and the renames come last, so a failure (a full or
    read-only disk) raises ModelError and leaves the previous model whole.
    """
    if keras_bytes is not None:
        meta = {**meta, "keras_sha256": hashlib.sha256(keras_bytes).hexdigest()}
    return _write_files(model_dir(directory), to_bytes(layers, meta), keras_bytes)


def _write_files(directory: Path, weights: bytes, keras: bytes | None, drop_keras: bool = False) -> Path:
    """Put weights.npz (and model.keras) in place, temporary names first and renames last.

    ``drop_keras``: with no .keras bytes, remove an old model.keras rather than leave it
    beside weights it does not belong to.
    """
    path = directory / config.WEIGHTS_NAME
    keras_temp = None
    try:
        if keras is not None:
            keras_temp = write_temp(directory / config.KERAS_NAME, keras)
        atomic_write_bytes(path, weights)
        if keras_temp is not None:
            os.replace(keras_temp, directory / config.KERAS_NAME)
        elif drop_keras:
            (directory / config.KERAS_NAME).unlink(missing_ok=True)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ModelError(
            f"Could not save the model to {directory}: {reason}. The previous model is unchanged."
        ) from None
    finally:
        if keras_temp is not None:
            keras_temp.unlink(missing_ok=True)
    return path


def keras_bytes(directory: Path | str | None = None) -> bytes | None:
    """The .keras file saved beside the weights, if there is one."""
    try:
        return (model_dir(directory) / config.KERAS_NAME).read_bytes()
    except OSError:
        return None


# --- The default model, with an undo ------------------------------------------------------
# Replacing the default model (models/) keeps the one it replaces in models/previous/: the
# newest KEEP_PREVIOUS there, plus, forever, the first one ever replaced (on a fresh install,
# the shipped model) in previous/shipped/. So a bad save is one call away from undone.
PREVIOUS_DIR = "previous"
SHIPPED = "shipped"
KEEP_PREVIOUS = 5


def previous_defaults(directory: Path | str | None = None) -> list[Path]:
    """The kept earlier defaults, newest first (folders holding weights.npz), the shipped one excluded."""
    folder = model_dir(directory) / PREVIOUS_DIR
    try:
        kept = [p for p in folder.iterdir() if p.name[0].isdigit() and (p / config.WEIGHTS_NAME).is_file()]
    except OSError:
        return []
    return sorted(kept, key=lambda p: p.name, reverse=True)


def shipped_default(directory: Path | str | None = None) -> Path | None:
    """The folder keeping the first default ever replaced (the shipped model), if one was replaced."""
    folder = model_dir(directory) / PREVIOUS_DIR / SHIPPED
    return folder if (folder / config.WEIGHTS_NAME).is_file() else None


def save_default(
    layers: list[Layer], meta: dict, keras_bytes: bytes | None = None, directory: Path | str | None = None
) -> Path:
    """Make this model the default for everyone, keeping the one it replaces; ModelError if not saved.

    The current default is copied to previous/ first; then the new one is written atomically
    (see save). Any failure leaves the current default whole and says so in one sentence.
    """
    directory = model_dir(directory)
    if keras_bytes is not None:
        meta = {**meta, "keras_sha256": hashlib.sha256(keras_bytes).hexdigest()}
    weights = to_bytes(layers, meta)  # checked before anything is touched
    kept = _keep_current(directory)
    try:
        return _write_files(directory, weights, keras_bytes, drop_keras=True)
    except ModelError:
        if kept is not None:
            shutil.rmtree(kept, ignore_errors=True)
        raise


def restore_previous_default(directory: Path | str | None = None) -> Path:
    """Undo the last change of the default: put back the newest kept earlier default, and drop it from the list.

    Returns the folder it came from (now gone); ModelError with one sentence if none is kept.
    """
    directory = model_dir(directory)
    kept = previous_defaults(directory)
    if not kept:
        raise ModelError(
            f"No earlier default model is kept in {directory / PREVIOUS_DIR}: "
            "the default has not been replaced since it was installed, so there is nothing to undo."
        )
    _put_back(directory, kept[0])
    shutil.rmtree(kept[0], ignore_errors=True)
    return kept[0]


def restore_shipped_default(directory: Path | str | None = None) -> Path:
    """Make the shipped model the default again; the current one is kept, so this can be undone too."""
    directory = model_dir(directory)
    shipped = shipped_default(directory)
    if shipped is None:
        raise ModelError(f"The default model in {directory} has never been replaced, so it is still the shipped one.")
    kept = _keep_current(directory)
    try:
        _put_back(directory, shipped)
    except ModelError:
        if kept is not None:
            shutil.rmtree(kept, ignore_errors=True)
        raise
    return shipped


def _put_back(directory: Path, kept: Path) -> None:
    """Copy a kept model's files, byte for byte, over the default, after checking they load."""
    try:
        weights = (kept / config.WEIGHTS_NAME).read_bytes()
    except OSError as error:
        raise ModelError(f"The kept model in {kept} cannot be read ({error.strerror}).") from None
    from_bytes(weights, source=str(kept / config.WEIGHTS_NAME))  # never put back a damaged file
    _write_files(directory, weights, keras_bytes(kept), drop_keras=True)


def _keep_current(directory: Path) -> Path | None:
    """Copy the current default into previous/ (and, the first time, previous/shipped/); its folder.

    None if there is no current default. The oldest beyond KEEP_PREVIOUS are removed.
    """
    if not (directory / config.WEIGHTS_NAME).is_file():
        return None
    folder = directory / PREVIOUS_DIR
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 10**9:09d}"
    try:
        if shipped_default(directory) is None:
            _copy_model(directory, folder / SHIPPED)
        _copy_model(directory, folder / stamp)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ModelError(
            f"Could not keep a copy of the current default model in {folder}: {reason}. Nothing was changed."
        ) from None
    for old in previous_defaults(directory)[KEEP_PREVIOUS:]:
        shutil.rmtree(old, ignore_errors=True)
    return folder / stamp


def _copy_model(source: Path, target: Path) -> None:
    """Copy weights.npz (and model.keras) into a new folder ``target``, whole or not at all."""
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        temp.mkdir(parents=True)
        for name in (config.WEIGHTS_NAME, config.KERAS_NAME):
            if (source / name).is_file():
                write_temp(temp / name, (source / name).read_bytes()).rename(temp / name)
        os.replace(temp, target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
