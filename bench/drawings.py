"""Drawing benchmark: accuracy on held-out digits rendered as canvas drawings, per preprocessing choice.

    python -m bench.drawings [--n 1000] [--seed 0]

Prints the accuracy of the full MNIST-style preprocessing, of each step switched off, and of
the plain resize typical demos use, on the same drawings.
"""

import argparse
import time

import numpy as np

from digitdemo import artifacts, data
from digitdemo.handwriting.canvas import render_drawing
from digitdemo.preprocess import plain_resize, preprocess

VARIANTS = {
    "full (crop, fit, centre of mass)": dict(crop=True, fit=True, centre=True),
    "no centre of mass (box centred)": dict(crop=True, fit=True, centre=False),
    "no crop (whole canvas fitted)": dict(crop=False, fit=True, centre=True),
    "crop, then stretch to 28x28": dict(crop=True, fit=False, centre=False),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="drawings (held-out digits)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    model = artifacts.load()
    images, labels = data.load_source()
    held_out = np.flatnonzero(~data.is_training_example())
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(held_out, size=args.n, replace=False)
    drawings = [render_drawing(images[i], rng) for i in chosen]
    truth = labels[chosen]

    print(f"{args.n} held-out digits drawn on a 280x280 canvas (seed {args.seed})")
    for name, switches in VARIANTS.items():
        started = time.perf_counter()
        inputs = [preprocess(d, **switches).x for d in drawings]
        per_image = (time.perf_counter() - started) / args.n
        read = np.array([x is not None for x in inputs])  # "no digit" counts as wrong
        predicted = model.forward(np.stack([x for x in inputs if x is not None])).predicted_digit
        accuracy = np.sum(predicted == truth[read]) / args.n
        print(f"  {name:<36} accuracy {accuracy:6.1%}   {per_image * 1000:5.2f} ms/drawing")
    X = np.stack([plain_resize(d) for d in drawings])
    accuracy = np.mean(model.forward(X).predicted_digit == truth)
    print(f"  {'plain resize (typical demo)':<36} accuracy {accuracy:6.1%}")


if __name__ == "__main__":
    main()
