"""`python -m digitdemo predict` throughput: images per second, start-up included and not.

python -m bench.cli_predict [--images 200]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from digitdemo import data
from digitdemo.handwriting.canvas import render_drawing


def run(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "digitdemo", "predict", "--json", *args], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    args = parser.parse_args()
    images, _ = data.load_source()
    rng = np.random.default_rng(0)
    held_out = np.flatnonzero(~data.is_training_example())
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, index in enumerate(rng.choice(held_out, args.images, replace=False)):
            path = Path(folder) / f"drawing{i}.png"
            Image.fromarray(render_drawing(images[index], rng)).save(path)
            paths.append(str(path))
        one = min(run(paths[0]) for _ in range(3))
        many = min(run(*paths) for _ in range(3))
    per_image = (many - one) / (args.images - 1)
    print(f"predict, one 280x280 PNG: {one * 1000:.0f} ms (start-up, model load, one image; best of 3)")
    print(f"predict, {args.images} PNGs: {many:.2f} s → {args.images / many:.0f} images/s with start-up")
    print(f"  each further image: {per_image * 1000:.2f} ms → {1 / per_image:.0f} images/s")


if __name__ == "__main__":
    main()
