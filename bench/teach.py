"""Teaching benchmark: the lab model against models taught a synthetic class's handwriting, and augmentation.

    python -m bench.teach [--seeds 0 1 2] [--weights 1 3 5 10] [--few 8 16] [--students 30] [--per-digit 2]
                          [--skip-augment] [--skip-teach] [--classes 4x1 8x1 8x2]

A "class" is 30 students, each with a style of their own (slant, aspect, rotation, brush width,
wobble), who redraw held-out MNIST digits on the 280x280 canvas; every drawing goes through the
app's own preprocessing to the 400-value input. The class is split by student (digitdemo.teach),
the lab's network is trained on the lab's 5000 plus the teaching drawings at several weights, and
each model is read on the checking students, on a second class of 30 other students, and on the
MNIST held-out digits no drawing was made from. Then augmentation: the lab's recipe with and
without it, over the same seeds. ``--classes SxK``: small classes, S students drawing K of each digit
(a "draw every digit" round), taught whole (split by student below the page's minimum) and read on the
other class: how small a class still gains. Prints the figures; asserts nothing.
"""

import argparse
import tempfile
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from digitdemo import artifacts, config, data, metrics, teach
from digitdemo.handwriting.augment import bilinear
from digitdemo.handwriting.canvas import render_drawing
from digitdemo.preprocess import preprocess

if TYPE_CHECKING:  # TensorFlow loads only when a run trains: --help answers at once
    from digitdemo.train import ExtraData, Recipe

PAD = 8  # px of room around the 28x28 digit, so slant and stretch do not cut it off


@dataclass(frozen=True)
class Style:
    """How one student writes: kept for all their drawings, each drawing varying a little around it."""

    slant: float  # horizontal shear: + leans right
    aspect: float  # width / MNIST's width
    degrees: float  # rotation, counter-clockwise
    brush: int  # px of the 280 px canvas: < 0 thinner, > 0 thicker strokes
    wobble: float  # px (of 28) of smooth random displacement: a shaky mouse or finger


def random_style(rng: np.random.Generator) -> Style:
    """A student's style, wider than MNIST's writers: canvas strokes of one width, slants, narrow or wide digits."""
    return Style(
        slant=float(rng.uniform(-0.5, 0.5)),
        aspect=float(np.exp(rng.uniform(np.log(0.6), np.log(1.5)))),
        degrees=float(rng.uniform(-15, 15)),
        brush=int(rng.choice([-5, -3, 3, 5, 7, 9, 11])),
        wobble=float(rng.uniform(0.0, 1.6)),
    )


def redraw(digit: np.ndarray, style: Style, rng: np.random.Generator) -> np.ndarray:
    """(28, 28) MNIST digit -> (280, 280, 4) canvas drawing in the student's style (plus a little per-drawing noise)."""
    image = np.pad(digit, PAD)[None]
    size = image.shape[-1]
    centre = (size - 1) / 2
    rows, cols = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32), indexing="ij")
    slant = style.slant + rng.normal(0, 0.05)
    aspect = style.aspect * np.exp(rng.normal(0, 0.05))
    theta = np.deg2rad(style.degrees + rng.normal(0, 3))
    dr, dc = rows - centre, cols - centre
    # Inverse map: undo the rotation, then the stretch, then the slant.
    r = np.cos(theta) * dr + np.sin(theta) * dc
    c = np.cos(theta) * dc - np.sin(theta) * dr
    c = c / aspect
    c = c + slant * r
    # Wobble: a smooth displacement field, a 4x4 grid of random offsets interpolated over the image.
    if style.wobble > 0:
        grid = rng.normal(0, style.wobble, (2, 1, 4, 4)).astype(np.float32)
        at = np.linspace(0, 3, size, dtype=np.float32)
        gr, gc = np.meshgrid(at, at, indexing="ij")
        r = r + _smooth(grid[0], gr, gc)
        c = c + _smooth(grid[1], gr, gc)
    warped = bilinear(image, (r + centre)[None], (c + centre)[None])[0]
    return render_drawing(np.clip(warped, 0, 1), rng, brush=style.brush)


def _smooth(grid: np.ndarray, gr: np.ndarray, gc: np.ndarray) -> np.ndarray:
    """A (1, 4, 4) grid of offsets read at real positions in [0, 3]: bilinear inside the grid."""
    return bilinear(grid, gr[None], gc[None])[0]


def make_class(
    students: int, per_digit: int, digits: np.ndarray, labels: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each student redraws per_digit MNIST digits of each class: X (n, 400), y (n, 1), student ids (n,)."""
    X, y, who = [], [], []
    for student in range(students):
        style = random_style(rng)
        for digit in range(config.N_CLASSES):
            for index in rng.choice(np.flatnonzero(labels == digit), per_digit, replace=False):
                x = preprocess(redraw(digits[index], style, rng)).x
                if x is not None:  # a drawing the app cannot read is not sent
                    X.append(x), y.append(digit), who.append(f"student {student}")
    return np.stack(X), np.array(y).reshape(-1, 1), np.array(who)


def timed_train(recipe: "Recipe", extra: "ExtraData | None" = None) -> tuple[artifacts.TrainedModel, float]:
    from digitdemo.train import train

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        model = train(recipe, folder, extra=extra)
        return model, time.perf_counter() - started


def accuracy(model: artifacts.TrainedModel, X: np.ndarray, y: np.ndarray) -> float:
    return metrics.accuracy_on(model.layers, X, y)["accuracy"]


def _small_class(size: tuple[int, int], pool: tuple, other: tuple, lab, rng: np.random.Generator, seed: int) -> dict:
    """A class of size[0] students drawing size[1] of each digit, split by student, taught at weight 10, read on
    its checking students and on ``other`` (X, y: another class)."""
    from digitdemo.train import ExtraData, Recipe

    X, y, who = make_class(*size, *pool, rng)
    split = teach.split_by_student(y, who, seed=seed, minimum=(2, 1))
    X_other, y_other = other
    model, seconds = timed_train(Recipe(), ExtraData(X[split.teach], y[split.teach], weight=config.EXTRA_WEIGHT))
    found = {
        "taught": len(split.teach),
        "check": accuracy(model, X[split.check], y[split.check]),
        "lab check": accuracy(lab, X[split.check], y[split.check]),
        "other": accuracy(model, X_other, y_other),
    }
    print(
        f"  class of {size[0]} x {size[1]} of each digit: teaching {len(split.teach)} "
        f"({len(split.teach_students)} students), checking {len(split.check)}: checking {found['lab check']:6.1%} -> "
        f"{found['check']:6.1%}   another class -> {found['other']:6.1%}   taught in {seconds:5.1f} s"
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--weights", type=float, nargs="*", default=[1, 3, 5, 10])
    parser.add_argument("--few", type=int, nargs="*", default=[8, 16], help="also teach only N of each digit")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--per-digit", type=int, default=2, help="drawings of each digit per student")
    parser.add_argument("--skip-augment", action="store_true")
    parser.add_argument("--skip-teach", action="store_true", help="only the augmentation figures")
    parser.add_argument("--classes", nargs="*", default=[], help="small classes: SxK, S students, K of each digit")
    args = parser.parse_args()
    from digitdemo.train import ExtraData, Recipe  # TensorFlow: after --help

    small_classes = [tuple(int(n) for n in size.split("x")) for size in args.classes]

    images, labels = data.load_source()
    held_out = np.flatnonzero(~data.is_training_example())
    lab = artifacts.load()
    print(f"{args.students} students, {args.per_digit} drawings of each digit each; lab model: the shipped one")
    rows = []
    for seed in args.seeds:
        rng = np.random.default_rng(seed)
        # The drawings' MNIST digits: a share of the held-out set; MNIST accuracy is read on the rest.
        order = rng.permutation(held_out)
        pool, unused = order[:2500], order[2500:]
        X, y, who = make_class(args.students, args.per_digit, images[pool], labels[pool], rng)
        X_other, y_other, _ = make_class(args.students, args.per_digit, images[pool], labels[pool], rng)
        X_mnist = data.image_to_row(data.resample_to_lab_size(images[unused]))
        y_mnist = labels[unused].reshape(-1, 1)
        split = teach.split_by_student(y, who, seed=seed)
        X_teach, y_teach, X_check, y_check = X[split.teach], y[split.teach], X[split.check], y[split.check]
        print(
            f"\nseed {seed}: {len(X)} drawings, "
            f"teaching {len(split.teach)} from {len(split.teach_students)} students, "
            f"checking {len(split.check)} from {len(split.check_students)}; another class: {len(X_other)}; "
            f"MNIST held-out: {len(unused)}"
        )
        line = "  {:<26} checking {:6.1%}   another class {:6.1%}   MNIST held-out {:6.1%}   {}"
        row = {"seed": seed, "lab": (accuracy(lab, X_check, y_check), accuracy(lab, X_other, y_other))}
        print(line.format("lab model", *row["lab"], accuracy(lab, X_mnist, y_mnist), ""))
        for weight in [] if args.skip_teach else args.weights:
            model, seconds = timed_train(Recipe(), ExtraData(X_teach, y_teach, weight=weight))
            scores = (accuracy(model, X_check, y_check), accuracy(model, X_other, y_other))
            row[weight] = (*scores, accuracy(model, X_mnist, y_mnist), seconds)
            print(line.format(f"taught, weight {weight:g}", *row[weight][:3], f"taught in {seconds:5.1f} s"))
        for per_digit in [] if args.skip_teach else args.few:
            # Small classes: the page's minimum (teach.MIN_PER_DIGIT of each digit) teaches about 80% of them.
            few = np.concatenate([np.flatnonzero(y_teach[:, 0] == d)[:per_digit] for d in range(10)])
            model, seconds = timed_train(Recipe(), ExtraData(X_teach[few], y_teach[few], weight=config.EXTRA_WEIGHT))
            scores = (accuracy(model, X_check, y_check), accuracy(model, X_other, y_other))
            label = f"taught {len(few)} only, w {config.EXTRA_WEIGHT:g}"
            print(line.format(label, *scores, accuracy(model, X_mnist, y_mnist), f"taught in {seconds:5.1f} s"))
        if not args.skip_augment:
            for augment in (False, True):
                model, seconds = timed_train(Recipe(seed=config.SEED + seed, augment=augment))
                # No drawing trains these: the whole MNIST held-out set counts, as in the model's metadata.
                scores = (model.meta["metrics"]["test_accuracy"], accuracy(model, X_other, y_other))
                name = f"lab recipe, seed {config.SEED + seed}" + (", augmented" if augment else "")
                print(
                    f"  {name:<36} MNIST held-out (all 5000) {scores[0]:6.1%}   "
                    f"another class {scores[1]:6.1%}   trained in {seconds:5.1f} s"
                )
            weight = config.EXTRA_WEIGHT
            model, seconds = timed_train(Recipe(augment=True), ExtraData(X_teach, y_teach, weight=weight))
            scores = (accuracy(model, X_check, y_check), accuracy(model, X_other, y_other))
            label = f"taught, weight {weight:g}, augmented"
            print(line.format(label, *scores, accuracy(model, X_mnist, y_mnist), f"taught in {seconds:5.1f} s"))
        for size in small_classes:
            row[size] = _small_class(size, (images[pool], labels[pool]), (X_other, y_other), lab, rng, seed)
            row[size]["lab other"] = row["lab"][1]
        rows.append(row)

    print("\nmean over seeds (checking students / another class):")
    print(f"  lab model: {np.mean([r['lab'][0] for r in rows]):.1%} / {np.mean([r['lab'][1] for r in rows]):.1%}")
    for weight in [] if args.skip_teach else args.weights:
        check = np.mean([r[weight][0] for r in rows])
        other = np.mean([r[weight][1] for r in rows])
        mnist = np.mean([r[weight][2] for r in rows])
        print(f"  weight {weight:g}: {check:.1%} / {other:.1%}, MNIST held-out {mnist:.1%}")
    for size in small_classes:
        gains = [r[size]["other"] - r[size]["lab other"] for r in rows]
        checks = [r[size]["check"] - r[size]["lab check"] for r in rows]
        taught = np.mean([r[size]["taught"] for r in rows])
        print(
            f"  {size[0]} students x {size[1]} of each digit ({taught:.0f} taught): "
            f"another class {' '.join(f'{g:+.1%}' for g in gains)} (mean {np.mean(gains):+.1%}); "
            f"its checking students {' '.join(f'{g:+.1%}' for g in checks)}"
        )


if __name__ == "__main__":
    main()
