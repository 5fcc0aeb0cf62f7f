"""The drawn-digit benchmark's answers: what a model reads in each recorded drawing, and where it misreads.

The drawings are ``handwriting.load_drawn_digits()``: digits drawn on the Draw page's canvas in Chromium
by writers no model saw (bench/README.md, "Drawn digits"). A drawing where preprocessing finds no
digit counts as misread, its answer -1.
"""

from dataclasses import dataclass

import numpy as np

from digitdemo import config
from digitdemo.handwriting.scripted import DrawnDigits
from digitdemo.nn import Layer, forward

NO_DIGIT = -1


@dataclass(frozen=True)
class Answers:
    """A model's answers on the n drawings."""

    predicted: np.ndarray  # (n,) int, the digit read; NO_DIGIT where preprocessing found none
    confidence: np.ndarray  # (n,) float, the probability of the digit read (0 where none)


def answers(layers: list[Layer], drawn: DrawnDigits) -> Answers:
    """The model's reading of every drawing, through the app's preprocessing and the NumPy forward pass."""
    predicted = np.full(len(drawn.labels), NO_DIGIT)
    confidence = np.zeros(len(drawn.labels))
    if drawn.readable.any():
        out = forward(layers, drawn.X[drawn.readable])
        predicted[drawn.readable] = out.predicted_digit
        confidence[drawn.readable] = out.probabilities.max(axis=1)
    return Answers(predicted, confidence)


def per_digit_accuracy(drawn: DrawnDigits, read: Answers, chosen: np.ndarray | None = None) -> np.ndarray:
    """(10,) the share of each digit's drawings read right, among ``chosen`` (n bools; all by default)."""
    chosen = np.ones(len(drawn.labels), bool) if chosen is None else chosen
    right = read.predicted == drawn.labels
    return np.array([right[chosen & (drawn.labels == d)].mean() for d in range(config.N_CLASSES)])


def misread(drawn: DrawnDigits, read: Answers, digit: int) -> np.ndarray:
    """Indices of the drawings of ``digit`` the model reads as something else (or as no digit), in stored order."""
    return np.flatnonzero((drawn.labels == digit) & (read.predicted != drawn.labels))


def thumbnails(images: np.ndarray, factor: int = 5) -> np.ndarray:
    """(n, 280, 280) uint8 canvases -> (n, 56, 56) float in [0, 1]: each factor x factor block averaged."""
    n, h, w = images.shape
    blocks = images[:, : h - h % factor, : w - w % factor].reshape(n, h // factor, factor, w // factor, factor)
    return blocks.mean(axis=(2, 4)) / 255
