"""The network's maths in NumPy: activations, softmax and the forward pass. No TensorFlow here.

Weights follow Keras' layout: W has shape (inputs, units) and a layer computes a @ W + b.
"""

from dataclasses import dataclass

import numpy as np


def linear(z: np.ndarray) -> np.ndarray:
    """g(z) = z."""
    return np.asarray(z)


def relu(z: np.ndarray) -> np.ndarray:
    """g(z) = max(0, z)."""
    return np.maximum(0, z)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """g(z) = 1 / (1 + e^-z), computed without overflow for large |z|."""
    z = np.asarray(z, dtype=np.float64)
    # e^-|z| never overflows; the two branches are the same function.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def my_softmax(z: np.ndarray) -> np.ndarray:
    """The lab's softmax: a_j = e^z_j / sum_k e^z_k, as written. Overflows for z near 710."""
    ez = np.exp(z)
    return ez / np.sum(ez)


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax over the last axis of z / temperature, shifted by its maximum so e^z cannot overflow."""
    z = np.asarray(z, dtype=np.float64) / temperature
    ez = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return ez / np.sum(ez, axis=-1, keepdims=True)


ACTIVATIONS = {"linear": linear, "relu": relu, "sigmoid": sigmoid}


@dataclass(frozen=True)
class Layer:
    """One Dense layer: W (inputs, units), b (units,), and its activation's name."""

    name: str
    W: np.ndarray
    b: np.ndarray
    activation: str

    @property
    def n_params(self) -> int:
        return self.W.size + self.b.size


@dataclass(frozen=True)
class Forward:
    """What one forward pass computed, for (m, 400) inputs."""

    hidden: list[np.ndarray]  # each (m, units) after ReLU: L1 (m, 25), L2 (m, 15)
    logits: np.ndarray  # (m, 10), the linear output of L3
    probabilities: np.ndarray  # (m, 10), softmax(logits)

    @property
    def predicted_digit(self) -> np.ndarray:
        """(m,) the argmax of the probabilities."""
        return np.argmax(self.probabilities, axis=-1)


def forward(layers: list[Layer], X: np.ndarray) -> Forward:
    """Run X (m, 400) or (400,) through the layers; softmax is applied after the last, as in the lab."""
    a = np.atleast_2d(np.asarray(X, dtype=np.float32))
    hidden = []
    for layer in layers:
        a = ACTIVATIONS[layer.activation](a @ layer.W + layer.b)
        hidden.append(a)
    logits = hidden.pop()
    return Forward(hidden=hidden, logits=logits, probabilities=softmax(logits))
