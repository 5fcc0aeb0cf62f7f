"""The lab's model beside the drawing model on MNIST-based yardsticks: digits neither model trained on.

    python -m bench.drawing_model [--model DIR ...] [--seeds 0 1]

Three sets, all from the 2500 bundled digits the drawing recipe holds out (data.load_drawing_split):
- MNIST check: the 2500 as they are (the issue asks >= 92%);
- canvas renderings: 1000 of them drawn on the 280x280 canvas at random size, place and brush
  (digitdemo.handwriting.canvas, as bench.drawings);
- another class: bench.teach's synthetic class of 30 students, each with a slant, width, turn, brush
  and wobble of their own, redrawing 2 of each digit (600 drawings per seed): messier hands than
  bench.drawn_digits' writers, on MNIST's forms only.
The digits people draw in other forms (crossed 7s, ...) are bench.drawn_digits' job.
"""

import argparse

import numpy as np

from bench.teach import make_class
from digitdemo import artifacts, config, data
from digitdemo.handwriting.canvas import render_drawing
from digitdemo.preprocess import preprocess


def _scores(model: artifacts.TrainedModel, X: np.ndarray, y: np.ndarray, n: int | None = None) -> str:
    """Accuracy (over n, where drawings without a digit count wrong) and the lowest digit's."""
    predicted, y = model.forward(X).predicted_digit, np.ravel(y)
    lowest = min(np.mean(predicted[y == d] == d) for d in range(config.N_CLASSES))
    return f"{np.sum(predicted == y) / (n or len(y)):6.1%} (lowest digit {lowest:5.1%})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", help="model folders (default: models/ and models/drawings/)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="one class of 30 per seed")
    args = parser.parse_args()
    folders = args.model or [
        str(artifacts.model_dir()),
        str(artifacts.drawing_model_dir()),
        str(artifacts.wide_model_dir()),
    ]
    models = {folder: artifacts.load(folder) for folder in folders}

    images, labels = data.load_source()
    held_out = np.flatnonzero(~data.is_training_example(config.DRAWING_TRAIN_PER_CLASS))
    _, _, _, X_check, y_check = data.load_drawing_split()
    rng = np.random.default_rng(0)
    chosen = rng.choice(held_out, size=1000, replace=False)
    rendered = [preprocess(render_drawing(images[i], rng)).x for i in chosen]
    readable = np.array([x is not None for x in rendered])
    X_canvas, y_canvas = np.stack([x for x in rendered if x is not None]), labels[chosen][readable]
    classes = [make_class(30, 2, images[held_out], labels[held_out], np.random.default_rng(s))[:2] for s in args.seeds]

    print(f"{len(held_out)} digits held out by the drawing recipe; {len(chosen)} of them drawn on the canvas")
    for folder, model in models.items():
        print(f"\n{folder}")
        print(f"  MNIST check ({len(y_check)})            {_scores(model, X_check, y_check)}")
        print(f"  canvas renderings ({len(chosen)})      {_scores(model, X_canvas, y_canvas, len(chosen))}")
        for seed, (X, y) in zip(args.seeds, classes, strict=True):
            print(f"  another class, seed {seed} ({len(y)})   {_scores(model, X, y)}")


if __name__ == "__main__":
    main()
