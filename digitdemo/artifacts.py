"""A trained model on disk: its weights and what describes them, in one .npz. No TensorFlow here.

``weights.npz`` holds W1, b1, W2, b2, W3, b3 and ``meta``, a JSON text with the architecture,
the training recipe, the data checksum, the loss history, metrics and library versions.
One file means one atomic rename per save: a reader never sees new weights with old metadata.
"""

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitdemo import config
from digitdemo.files import atomic_write_bytes, write_temp
from digitdemo.nn import ACTIVATIONS, Forward, Layer, forward

RESTORE_HINT = (
    "Run `python -m digitdemo train` to train a new one, or `git checkout models/` to restore the shipped model."
)


class ModelError(ValueError):
    """A model file that cannot be used; the message says what is wrong and how to get out."""


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


def from_bytes(payload: bytes, source: str = "the model file") -> TrainedModel:
    """Read a model from .npz bytes, checking everything; ModelError with a clear sentence if not."""
    try:
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
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as error:
        raise ModelError(
            f"{source} is damaged or not a digitdemo model ({type(error).__name__}). {RESTORE_HINT}"
        ) from None
    if not layers:
        raise ModelError(f"{source} has no layers. {RESTORE_HINT}")
    check_layers(layers)
    return TrainedModel(layers=layers, meta=meta)


def load(directory: Path | str | None = None) -> TrainedModel:
    """Load the model in ``directory`` (see model_dir) without TensorFlow."""
    path = model_dir(directory) / config.WEIGHTS_NAME
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"There is no model at {path}. {RESTORE_HINT}") from None
    except OSError as error:
        raise ModelError(f"{path} cannot be read ({error.strerror}). {RESTORE_HINT}") from None
    return from_bytes(payload, source=str(path))


def save(
    layers: list[Layer], meta: dict, directory: Path | str | None = None, keras_bytes: bytes | None = None
) -> Path:
    """Write the model (and its .keras twin, if given) atomically.

    Both files go to temporary names first and the renames come last, so a failure (a full or
    read-only disk) raises ModelError and leaves the previous model whole.
    """
    directory = model_dir(directory)
    path = directory / config.WEIGHTS_NAME
    if keras_bytes is not None:
        meta = {**meta, "keras_sha256": hashlib.sha256(keras_bytes).hexdigest()}
    payload = to_bytes(layers, meta)
    keras_temp = None
    try:
        if keras_bytes is not None:
            keras_temp = write_temp(directory / config.KERAS_NAME, keras_bytes)
        atomic_write_bytes(path, payload)
        if keras_temp is not None:
            os.replace(keras_temp, directory / config.KERAS_NAME)
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
