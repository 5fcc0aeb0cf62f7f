"""Every reader on real writers it never trained on: overall, per digit, per writer, the lowest digit (issue 26).

The writers are the real pen strokes of UCI pendigits (digitdemo/handwriting/pendigits.py), split by writer:
``final`` (6 writers, 1499 digits: the yardstick; no shipped model trained on them) and ``development``
(6 writers, 1499 digits: they chose the recipes; the shipped drawing models trained on them too, so their figures
for shipped models are not held out). Each digit is drawn once on the canvas with the default brush at a random
size and place (handwriting.yardstick.real_writers), then read through the Draw page's preprocessing.

Also prints each model's forward pass per drawing (one drawing at a time, as the Draw page reads) and the MNIST
check (the 2500 bundled digits no model trained on).

    python -m bench.real_writers                      # the lab's model, the drawing model, the wider network
    python -m bench.real_writers --split development  # the writers that chose the recipes
    python -m bench.real_writers --model DIR [DIR ...]

A class's own drawings: ``python -m bench.drawn_digits --export room.zip``.
"""

import argparse
import time

import numpy as np

from digitdemo import artifacts, config, data
from digitdemo.handwriting import yardstick
from digitdemo.nn import forward


def forward_microseconds(layers, X: np.ndarray, repeats: int = 300) -> float:
    """The median time of one drawing's forward pass (a (1, 400) row), in microseconds."""
    times = []
    for i in range(repeats):
        x = X[i % len(X)][None]
        started = time.perf_counter()
        forward(layers, x)
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1e6)


def report(name: str, model: artifacts.TrainedModel, drawn, X_check: np.ndarray, y_check: np.ndarray) -> dict:
    """Print one model's figures; return them."""
    read = yardstick.answers(model.layers, drawn)
    right = read.predicted == drawn.labels
    per_digit = yardstick.per_digit_accuracy(drawn, read)
    per_writer = yardstick.per_writer_accuracy(drawn, read)
    check = float(np.mean(model.forward(X_check).predicted_digit == y_check.ravel()))
    weakest = int(per_digit.argmin())
    shape = "-".join(str(n) for n in [model.layers[0].W.shape[0], *(layer.b.size for layer in model.layers)])
    print(f"\n{name} ({shape}, {model.n_params:,} parameters)")
    print(f"  real writers: {right.mean():.1%} of {len(right)}; lowest digit {weakest}: {per_digit[weakest]:.1%}")
    print("  per digit:  " + "  ".join(f"{d}: {a:.0%}" for d, a in enumerate(per_digit)))
    print("  per writer: " + "  ".join(f"{w}: {a:.0%}" for w, a in per_writer.items()))
    confusions = {}
    for digit, read_as in zip(drawn.labels[~right], read.predicted[~right], strict=True):
        confusions[(int(digit), int(read_as))] = confusions.get((int(digit), int(read_as)), 0) + 1
    common = sorted(confusions.items(), key=lambda item: -item[1])[:6]
    print("  most misread: " + ", ".join(f"{d} as {r}: {n}" for (d, r), n in common))
    print(f"  MNIST check: {check:.1%} of {len(y_check)}")
    print(f"  forward pass: {forward_microseconds(model.layers, drawn.X):.0f} µs per drawing (median)")
    return {"accuracy": float(right.mean()), "lowest": float(per_digit.min()), "mnist": check}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.real_writers", description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["final", "development"], default="final")
    parser.add_argument("--model", nargs="+", metavar="DIR", help="model folders (default: the three readers)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    drawn = yardstick.real_writers(args.split)
    writers = ", ".join(str(w) for w in np.unique(drawn.writers))
    print(
        f"{len(drawn.labels)} digits of the {args.split} writers ({writers}), drawn and preprocessed in "
        f"{time.perf_counter() - started:.1f} s; {int((~drawn.readable).sum())} with no digit found"
    )
    _, _, _, X_check, y_check = data.load_drawing_split()
    if args.model:
        folders = [(folder, folder, "") for folder in args.model]
    else:
        names = {config.LAB_MODEL: "the lab's model", config.DRAWING_MODEL: "the drawing model"}
        names[config.WIDE_MODEL] = "the wider network"
        folders = [
            (words, str(artifacts.reader_dir(name)), artifacts.restore_hint(name)) for name, words in names.items()
        ]
    for name, folder, hint in folders:
        try:
            model = artifacts.load(folder)
        except artifacts.ModelError as error:
            print(f"\n{name}: cannot be read: {error.without_hint() if hint else error} {hint}".rstrip())
            continue
        report(name, model, drawn, X_check, y_check)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
