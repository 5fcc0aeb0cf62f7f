"""How well a model does on the lab's data and the held-out digits, computed with NumPy."""

import numpy as np

from digitdemo import config
from digitdemo.nn import Layer, forward


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """(10, 10) counts: row = true digit, column = predicted digit."""
    counts = np.zeros((config.N_CLASSES, config.N_CLASSES), dtype=np.int64)
    np.add.at(counts, (np.ravel(y_true), np.ravel(y_pred)), 1)
    return counts


def evaluate(layers: list[Layer], X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray) -> dict:
    """Training errors (the lab's count), test accuracy, per-class test accuracy, test confusion matrix."""
    train_pred = forward(layers, X).predicted_digit
    test_pred = forward(layers, X_test).predicted_digit
    confusion = confusion_matrix(y_test, test_pred)
    per_class = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    return {
        "train_errors": int(np.sum(train_pred != np.ravel(y))),
        "train_examples": len(y),
        "test_accuracy": float(np.mean(test_pred == np.ravel(y_test))),
        "test_examples": len(y_test),
        "per_class_test_accuracy": [round(float(a), 4) for a in per_class],
        "test_confusion_matrix": confusion.tolist(),
    }


def accuracy_on(layers: list[Layer], X: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy on any labelled set, per digit too (None for a digit the set lacks), and its confusion matrix."""
    predicted = forward(layers, X).predicted_digit
    confusion = confusion_matrix(y, predicted)
    counts, right = confusion.sum(axis=1), np.diag(confusion)
    return {
        "examples": len(y),
        "accuracy": float(np.mean(predicted == np.ravel(y))),
        "per_digit_accuracy": [round(float(c / n), 4) if n else None for c, n in zip(right, counts, strict=True)],
        "per_digit_examples": counts.tolist(),
        "confusion_matrix": confusion.tolist(),
    }
