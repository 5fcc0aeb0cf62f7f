"""What the Draw page's live answer (assets/live.js) is given: the reader's weights, once; the preprocessing's levels;
and the server's answer with the marks of the drawing it read. No Streamlit here (pages/live.py mounts it).

The browser reads the canvas while the pen moves with the same steps (preprocess.py) and the same weights as the
server, so its bars move with the pen; when the pen lifts the server's answer for that drawing replaces them.
"""

import base64
import hashlib
from pathlib import Path

import numpy as np

from digitdemo import config, data, preprocess
from digitdemo.nn import Forward, Layer
from digitdemo.preprocess import Steps

ASSETS = Path(__file__).resolve().parent / "assets"
HTML = (
    '<div class="dd-live dd-live-empty" data-testid="live-answer" data-digit="" data-probabilities="" '
    'data-source="server"><div class="dd-live-head"><span class="dd-live-title">Softmax probabilities</span> '
    '<span class="dd-live-note"></span> <span class="dd-live-read"></span></div><div class="dd-live-bars"></div></div>'
)
# "What the model sees" for a drawing on the canvas, drawn by sees.js from live.js's readings; the words are the
# server's for an uploaded picture too (pages/lab/draw.py).
SEES = "What the model sees"
NETWORK = "The network, live"
NETWORK_CAPTION = (
    "Each unit filled by its output for your drawing (white: off); lines: the strongest inputs to each unit, "
    "weight x activation, blue pushing it on, red off."
)
HIDDEN = "Hidden units, live"
HIDDEN_CAPTION = "Each bar is one ReLU unit's output: 0 means the unit is off for this drawing."
NO_HIDDEN = "This model has no hidden layers: the 400 pixels go straight to the 10 logits."
SEES_HTML = (
    f'<div class="dd-sees dd-sees-empty" data-testid="live-sees"><h3>{SEES}</h3>'
    '<div class="dd-sees-steps" role="img"></div>'
    f'<h3>{NETWORK}</h3><p class="dd-sees-caption">{NETWORK_CAPTION}</p><div class="dd-sees-network"></div>'
    f'<h3>{HIDDEN}</h3><p class="dd-sees-caption dd-sees-deep">{HIDDEN_CAPTION}</p>'
    f'<p class="dd-sees-caption dd-sees-shallow">{NO_HIDDEN}</p><div class="dd-sees-hidden"></div></div>'
)
# preprocess.py's levels, by the names live.js reads them: one home for each number.
LEVELS = {
    "noise": preprocess.NOISE_LEVEL,
    "blank": preprocess.BLANK_LEVEL,
    "box": preprocess.BOX_SIZE,
    "noisy_roughness": preprocess.NOISY_ROUGHNESS,
    "noisy_fill": preprocess.NOISY_FILL,
    "dot_share": preprocess.DOT_SHARE,
    "dot_fill": preprocess.DOT_FILL,
}


def floats(array: np.ndarray) -> str:
    """An array as float32 little-endian bytes in base64: what live.js decodes (exact, 4/3 of 4 bytes a number)."""
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


_IDS: dict[int, tuple[object, str]] = {}  # id(first W) -> (that W, the model's id): hashed once a model


def model_id(layers: list[Layer]) -> str:
    """A short name for these weights: the same weights, the same name, in every process."""
    first = layers[0].W
    known = _IDS.get(id(first))
    if known is not None and known[0] is first:
        return known[1]
    digest = hashlib.blake2b(digest_size=8)
    for layer in layers:
        digest.update(layer.activation.encode())
        digest.update(np.ascontiguousarray(layer.W, dtype="<f4").tobytes())
        digest.update(np.ascontiguousarray(layer.b, dtype="<f4").tobytes())
    _IDS[id(first)] = (first, digest.hexdigest())
    return _IDS[id(first)][1]


def model_payload(layers: list[Layer], weights: bool) -> dict:
    """The reader for live.js: its id, and with ``weights`` every layer's W (inputs, units) and b, and the bicubic
    28->20 weights (data.resample_to_lab_size's), as base64 float32."""
    model = {"id": model_id(layers)}
    if weights:
        resample = data._integer_bicubic_matrix() / 2**data.WEIGHT_BITS  # exact in float32: 21 significant bits
        model["resample"] = floats(resample)
        model["layers"] = [
            {
                "name": layer.name,
                "activation": layer.activation,
                "units": int(layer.b.size),
                "W": floats(layer.W),
                "b": floats(layer.b),
            }
            for layer in layers
        ]
    return model


def answer(steps: Steps | None, shown: Forward | None) -> dict:
    """The server's answer and which drawing it read: the ink's box and the ink's sum, as live.js measures them."""
    if steps is None:  # nothing drawn yet: a blank canvas
        return {"box": None, "ink": 0.0, "probabilities": None}
    probabilities = None if shown is None else [float(p) for p in shown.probabilities[0]]
    box = None if steps.box is None else list(steps.box)
    return {"box": box, "ink": float(steps.ink.sum(dtype=np.float64)), "probabilities": probabilities}


def payload(
    layers: list[Layer] | None,
    weights: bool,
    steps: Steps | None,
    shown: Forward | None,
    switches: dict[str, bool],
    silenced: tuple,
    live: bool,
) -> dict:
    """Everything live.js is given on one run of the page. ``live``: a canvas to follow (else an upload: the
    server's answer only)."""
    return {
        "live": live and layers is not None,
        "model": None if layers is None else model_payload(layers, weights),
        "levels": LEVELS,
        "field": config.MNIST_SIZE,
        "size": config.IMAGE_SIZE,
        "switches": switches,
        "silenced": [list(units) for units in silenced],
        "answer": answer(steps, shown),
    }
