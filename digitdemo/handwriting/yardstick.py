"""The yardsticks: what a model reads in a set of drawings, per digit and per writer, and where it misreads.

Two sets of drawings no model trained on:

- ``real_writers()``: the final writers of the real pen strokes (``pendigits.FINAL_WRITERS``, 6 writers, 1499
  digits), each digit drawn once on the canvas as the issue measured people: the default 18 px brush, a random
  size and place (``pen.as_drawn``, seeded), then the Draw page's preprocessing. The development writers, the
  same way, chose the recipes.
- ``scripted.load_drawn_digits()``: 800 drawings by synthetic writers, drawn in Chromium on the real canvas.

Either has ``labels``, ``writers``, ``X`` and ``readable``. A drawing where preprocessing finds no digit counts as
misread, its answer -1.
"""

from dataclasses import dataclass
from functools import cache

import numpy as np

from digitdemo import config
from digitdemo.handwriting import canvas, pen, pendigits
from digitdemo.nn import Layer, forward

# The yardstick's sizes and places (pen.as_drawn); fixed with the writers' split, before any model was measured.
REAL_WRITERS_SEED = 26


@dataclass(frozen=True)
class RealDrawings:
    """Pen digits of one side of the writers' split, each drawn once on the canvas (canvas px) and preprocessed."""

    labels: np.ndarray  # (n,) int64, the digit written
    writers: np.ndarray  # (n,) int64, the writer's number (1-30)
    strokes: list[list[np.ndarray]]  # per drawing, its strokes on the canvas (canvas px)
    X: np.ndarray  # (n, 400) float32, the model's input (zeros where no digit was found)
    readable: np.ndarray  # (n,) bool

    def image(self, i: int) -> np.ndarray:
        """(280, 280) uint8 grey: drawing i as the canvas shows it (the default brush)."""
        return canvas.render(self.strokes[i])[..., 0]


@cache
def real_writers(split: str = "final", seed: int = REAL_WRITERS_SEED) -> RealDrawings:
    """The pen digits of one side of the split drawn on the canvas, read once per process (about 4 s for 1499)."""
    rng = np.random.default_rng(seed)
    digits = pendigits.of_split(split)
    strokes = [pen.as_drawn(d, rng) for d in digits]
    X = np.zeros((len(digits), config.N_PIXELS), dtype=np.float32)
    readable = np.zeros(len(digits), dtype=bool)
    for i, drawn in enumerate(strokes):
        x = pen.model_input(drawn)
        if x is not None:
            X[i], readable[i] = x, True
    return RealDrawings(
        labels=np.array([d.digit for d in digits], dtype=np.int64),
        writers=np.array([d.writer for d in digits], dtype=np.int64),
        strokes=strokes,
        X=X,
        readable=readable,
    )


NO_DIGIT = -1


@dataclass(frozen=True)
class Answers:
    """A model's answers on the n drawings."""

    predicted: np.ndarray  # (n,) int, the digit read; NO_DIGIT where preprocessing found none
    confidence: np.ndarray  # (n,) float, the probability of the digit read (0 where none)


def answers(layers: list[Layer], drawn) -> Answers:
    """The model's reading of every drawing, through the app's preprocessing and the NumPy forward pass."""
    predicted = np.full(len(drawn.labels), NO_DIGIT)
    confidence = np.zeros(len(drawn.labels))
    if drawn.readable.any():
        out = forward(layers, drawn.X[drawn.readable])
        predicted[drawn.readable] = out.predicted_digit
        confidence[drawn.readable] = out.probabilities.max(axis=1)
    return Answers(predicted, confidence)


def per_digit_accuracy(drawn, read: Answers, chosen: np.ndarray | None = None) -> np.ndarray:
    """(10,) the share of each digit's drawings read right, among ``chosen`` (n bools; all by default)."""
    chosen = np.ones(len(drawn.labels), bool) if chosen is None else chosen
    right = read.predicted == drawn.labels
    return np.array([right[chosen & (drawn.labels == d)].mean() for d in range(config.N_CLASSES)])


def misread(drawn, read: Answers, digit: int) -> np.ndarray:
    """Indices of the drawings of ``digit`` the model reads as something else (or as no digit), in stored order."""
    return np.flatnonzero((drawn.labels == digit) & (read.predicted != drawn.labels))


def per_writer_accuracy(drawn, read: Answers) -> dict[int, float]:
    """Each writer's share of drawings read right, by writer number."""
    right = read.predicted == drawn.labels
    return {int(w): float(right[drawn.writers == w].mean()) for w in np.unique(drawn.writers)}


def thumbnails(images: np.ndarray, factor: int = 5) -> np.ndarray:
    """(n, 280, 280) uint8 canvases -> (n, 56, 56) float in [0, 1]: each factor x factor block averaged."""
    n, h, w = images.shape
    blocks = images[:, : h - h % factor, : w - w % factor].reshape(n, h // factor, factor, w // factor, factor)
    return blocks.mean(axis=(2, 4)) / 255
