"""Why the network gave its answer, in NumPy: which pixels pushed it, units switched off, the nearest training digits.

No Streamlit and no TensorFlow here. Inputs are (400,) rows in the lab's column-major order (data.row_to_image
turns them upright); ``silenced`` names the hidden units switched off: one tuple of unit indices per hidden
layer, e.g. ((3, 7), ()) silences units 3 and 7 of L1. A silenced unit outputs 0 whatever its input.
"""

import numpy as np

from digitdemo.nn import ACTIVATIONS, Forward, Layer, softmax

Silenced = tuple[tuple[int, ...], ...]
NONE: Silenced = ()


def _slope(activation: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """g'(z) for the activations nn knows, given z and a = g(z)."""
    if activation == "relu":
        return (z > 0).astype(z.dtype)  # 0 at z = 0, as TensorFlow takes it
    if activation == "sigmoid":
        return a * (1 - a)
    return np.ones_like(z)


def masks(layers: list[Layer], silenced: Silenced = NONE) -> list[np.ndarray]:
    """One (units,) float32 mask of 1s and 0s per hidden layer: 0 for a silenced unit."""
    result = []
    for i, layer in enumerate(layers[:-1]):
        mask = np.ones(layer.b.size, dtype=np.float32)  # float32: times 1 leaves nn.forward's numbers bit for bit
        if i < len(silenced):
            mask[list(silenced[i])] = 0
        result.append(mask)
    return result


def _run(layers: list[Layer], a: np.ndarray, start: int, layer_masks: list[np.ndarray]) -> np.ndarray:
    """Outputs of layers[start:] for inputs a (m, inputs of layers[start]), hidden units times their masks."""
    for i in range(start, len(layers)):
        layer = layers[i]
        a = ACTIVATIONS[layer.activation](a @ layer.W + layer.b)
        if i < len(layer_masks):
            a = a * layer_masks[i]
    return a


def forward(layers: list[Layer], X: np.ndarray, silenced: Silenced = NONE) -> Forward:
    """nn.forward for X (m, 400) or (400,), with the silenced units' outputs set to 0; float32, as nn.forward."""
    a = np.atleast_2d(np.asarray(X, dtype=np.float32))
    layer_masks = masks(layers, silenced)
    outputs = []
    for i in range(len(layers)):
        a = _run(layers[: i + 1], a, i, layer_masks)  # layer i alone
        outputs.append(a)
    logits = outputs.pop()
    return Forward(hidden=outputs, logits=logits, probabilities=softmax(logits))


def input_gradients(layers: list[Layer], x: np.ndarray, silenced: Silenced = NONE) -> np.ndarray:
    """(10, 400): row c is the gradient of logit c with respect to the input x (400,), by backpropagation."""
    layer_masks = masks(layers, silenced)
    a = np.asarray(x, dtype=np.float64)[None]
    cache = []  # (z, a) of each layer, for its slope on the way back
    for i, layer in enumerate(layers):
        z = a @ layer.W.astype(np.float64) + layer.b
        a = ACTIVATIONS[layer.activation](z)
        mask = layer_masks[i] if i < len(layer_masks) else 1.0
        a = a * mask
        cache.append((z, a, mask))
    gradient = np.eye(layers[-1].b.size)  # d logit_c / d logits: one row per class
    for layer, (z, a, mask) in zip(reversed(layers), reversed(cache), strict=True):
        gradient = (gradient * mask * _slope(layer.activation, z, a)) @ layer.W.T.astype(np.float64)
    return gradient


def pixel_pushes(layers: list[Layer], x: np.ndarray, digit: int, silenced: Silenced = NONE) -> np.ndarray:
    """(400,) gradient x input for logit ``digit``: how much each pixel pushed that logit up (+) or down (-).

    For a ReLU network with no biases the pushes would add up to the logit exactly; here they leave out the biases.
    """
    return input_gradients(layers, x, silenced)[digit] * np.asarray(x, dtype=np.float64)


def unit_effects(layers: list[Layer], x: np.ndarray, digit: int, silenced: Silenced = NONE) -> list[np.ndarray]:
    """Per hidden layer, (units,): how much digit's probability drops when that one unit is silenced too.

    Each unit in turn, the others as they are (the already silenced ones stay off, and drop 0): one small
    batch per layer, as many forward passes as the network has hidden units (40 for the lab's).
    """
    layer_masks = masks(layers, silenced)
    x = np.asarray(x, dtype=np.float32)[None]
    before = softmax(_run(layers, x, 0, layer_masks))[0, digit]
    effects = []
    a = x  # the input of layer i, unchanged by what is silenced in layer i and after
    for i, mask in enumerate(layer_masks):
        a_i = _run(layers[: i + 1], a, i, layer_masks)  # (1, units) of layer i, its silenced units off
        each = a_i * (1 - np.eye(mask.size))  # row j: unit j silenced too
        after = softmax(_run(layers, each, i + 1, layer_masks))[:, digit]
        effects.append(before - after)
        a = a_i
    return effects


def nearest(codes: np.ndarray, code: np.ndarray, k: int = 5, exclude: int | None = None) -> np.ndarray:
    """(k,) rows of codes (m, units) nearest to code (units,) by Euclidean distance, nearest first.

    ``exclude``: a row left out (the example itself, when it is one of the m).
    """
    distances = np.sum((codes - code) ** 2, axis=1)  # (m,): the only per-stroke cost, one pass over codes
    if exclude is not None:
        distances[exclude] = np.inf
    k = min(k, len(codes) - (exclude is not None))
    closest = np.argpartition(distances, k - 1)[:k] if k < len(codes) else np.arange(len(codes))
    return closest[np.argsort(distances[closest], kind="stable")]
