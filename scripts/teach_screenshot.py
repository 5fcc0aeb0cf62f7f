"""Take the README's "teach the model" screenshot: python -m scripts.teach_screenshot.

Fills a fresh class database with a synthetic class (bench/teach.py: 30 students, each with a
handwriting style of their own, 2 drawings of each digit), starts a server on it, signs in as the
teacher, teaches the model and photographs the lab model and the taught model side by side.
Writes docs/teach.png.
"""

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from bench.harness import launch, streamlit_server
from bench.teach import random_style, redraw
from digitdemo import artifacts, data
from digitdemo.classroom import service, storage
from digitdemo.preprocess import preprocess

OUT = Path(__file__).resolve().parent.parent / "docs" / "teach.png"
PASSWORD = "screenshot"


def fill(store: storage.ClassStore, code: str, students: int = 30, per_digit: int = 2) -> None:
    images, labels = data.load_source()
    held_out = np.flatnonzero(~data.is_training_example())
    model, rng = artifacts.load(), np.random.default_rng(0)
    for _ in range(students):
        student, style = service.join(store, code), random_style(rng)
        for k, digit in enumerate(np.repeat(np.arange(10), per_digit)):
            steps = preprocess(redraw(images[rng.choice(held_out[labels[held_out] == digit])], style, rng))
            if steps.x is None:
                continue
            out = model.forward(steps.x)
            ink = service.ink_picture(steps.cropped)
            read, p = int(out.predicted_digit[0]), out.probabilities[0]
            service.send_drawing(store, student, code, int(digit), steps.x, ink, read, p, "default", now=1e6 + 60 * k)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DIGITDEMO_CLASS_DB"] = str(Path(folder) / "class.db")
        os.environ["DIGITDEMO_TEACHER_PASSWORD"] = PASSWORD
        store = storage.ClassStore(Path(folder) / "class.db")
        fill(store, service.create_room(store).code)
        with streamlit_server("streamlit_app.py") as (_, url, _), sync_playwright() as p:
            browser = launch(p)
            teacher = browser.new_page(viewport={"width": 1400, "height": 4000})
            teacher.goto(f"{url}/class?teacher={PASSWORD}")
            teacher.get_by_role("button", name="Teach the model").click(timeout=60_000)
            lab = teacher.get_by_role("heading", name="The lab model")
            lab.wait_for(timeout=300_000)
            teacher.wait_for_timeout(2000)  # the charts and pictures settle
            lab.scroll_into_view_if_needed()
            clip = {"x": 300, "y": lab.bounding_box()["y"] - 70, "width": 1100, "height": 1300}
            teacher.screenshot(path=OUT, clip=clip)
            browser.close()
        store.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
