"""Drawn digits: the models on digits drawn in Chromium on the app's canvas by writers they never saw (issue 15).

    python -m bench.drawn_digits [--model DIR ...]      # accuracy: overall, per digit, per style, per device
    python -m bench.drawn_digits --record               # draw the set again, in the browser (about 15 min)
    python -m bench.drawn_digits --export room.zip      # the same figures on a real class's drawings

Recording starts the app, opens the Draw page, and has every writer of ``digitdemo.handwriting.scripted``
draw every digit: with the mouse (down, moves, up per stroke) or with a finger (touch events), on
the real canvas. What it stores of each drawing is the picture the Draw page receives: the canvas's
PNG as the browser sends it to the server (read off the websocket, the widget state st_canvas hands
the page as ``image_bytes``), decoded by the page's own ``read_canvas``. Then the canvas is reset
(its toolbar's bin) and the next drawing begins.

The benchmark reads the stored set through the app's ``preprocess`` and runs each model in NumPy;
a drawing where preprocessing finds no digit counts as wrong.

``--export`` reads a room's export instead (the Class page's zip, or the folder ``python -m digitdemo
class export`` writes): drawings by real students, each as the input their page read, with the digit
they meant. Neither shipped model saw them: the yardstick issue 15 asks for, once a class has drawn.
"""

import argparse
import base64
import csv
import io
import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

from digitdemo import artifacts, config
from digitdemo.classroom import export
from digitdemo.handwriting import canvas
from digitdemo.handwriting import scripted as handwriting
from digitdemo.handwriting.yardstick import answers
from digitdemo.nn import forward
from digitdemo.preprocess import read_canvas
from digitdemo.text import plural

CANVAS_KEY = "draw.canvas."  # the Draw page's canvas widget key, then its version
WAIT_S = 10.0  # for the canvas's picture after the last stroke: it sends 0.2 s after the last pen-up


# --- Recording --------------------------------------------------------------------------------------


class CanvasFeed:
    """What the page sends the server about its canvas: (objects on it, PNG bytes), in order of sending."""

    def __init__(self, page):
        self.sent: list[tuple[int, bytes | None]] = []
        page.on("websocket", lambda ws: ws.on("framesent", self._frame))

    def _frame(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        if isinstance(payload, str):
            return
        message = BackMsg.FromString(payload)
        if message.WhichOneof("type") != "rerun_script":
            return
        for widget in message.rerun_script.widget_states.widgets:
            if CANVAS_KEY in widget.id and widget.WhichOneof("value") == "json_value":
                drawing = json.loads(widget.json_value).get("drawing") or {}
                objects = len((drawing.get("raw") or {}).get("objects", []))
                url = drawing.get("data")
                self.sent.append((objects, None if url is None else base64.b64decode(url.split(";base64,", 1)[1])))

    def wait_for(self, page, objects: int, after: int) -> bytes:
        """The PNG of the first state sent after index ``after`` with ``objects`` strokes on the canvas."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            for count, png in self.sent[after:]:
                if count == objects and png is not None:
                    return png
            page.wait_for_timeout(15)  # lets Playwright deliver the frames
        raise TimeoutError(f"the canvas sent no picture with {objects} strokes")


class Canvas:
    """The Draw page's canvas in one browser page, drawn on with the mouse or a finger."""

    def __init__(self, context, url: str, device: str):
        from bench import harness

        self.page = context.new_page()
        self.feed = CanvasFeed(self.page)
        self.page.goto(f"{url}/draw")
        surface = harness.canvas_on(self.page)
        surface.scroll_into_view_if_needed()
        box = surface.bounding_box()
        self.origin = (box["x"], box["y"])
        assert round(box["width"]) == round(box["height"]) == canvas.CANVAS_PX, box
        # Nothing (the canvas's toolbar) lies over the corners a stroke may reach.
        for x, y in [(1, canvas.TOOLBAR_PX), (278, canvas.TOOLBAR_PX), (1, 278), (278, 278)]:
            on_top = surface.evaluate(
                "(c, [x, y]) => c.getRootNode().elementFromPoint(x, y) === c", [box["x"] + x, box["y"] + y]
            )
            assert on_top, f"something covers the canvas at {(x, y)}"
        self.device = device
        self.touch = context.new_cdp_session(self.page) if device == "finger" else None
        self.surface = surface
        self.reset = self.page.get_by_role("button", name="Reset canvas & history")

    def stroke(self, points: np.ndarray) -> None:
        ox, oy = self.origin
        if self.touch is None:
            mouse = self.page.mouse
            mouse.move(ox + points[0][0], oy + points[0][1])
            mouse.down()
            for x, y in points[1:]:
                mouse.move(ox + x, oy + y)
            mouse.up()
            return
        send = self.touch.send
        x, y = points[0]
        send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": ox + x, "y": oy + y}]})
        for x, y in points[1:]:
            send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": ox + x, "y": oy + y}]})
        send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def draw(self, strokes: list[np.ndarray], clear: bool = True) -> np.ndarray:
        """Draw the strokes; the canvas's picture as the Draw page reads it, (280, 280, 4) uint8 RGBA; then clear."""
        # The page moves as its answer grows and shrinks below the canvas: where the canvas is now, in the window.
        self.surface.scroll_into_view_if_needed()
        box = self.surface.bounding_box()
        self.origin = (box["x"], box["y"])
        start = len(self.feed.sent)
        for points in strokes:
            self.stroke(points)
        png = self.feed.wait_for(self.page, len(strokes), start)
        rgba = read_canvas(png, (canvas.CANVAS_PX, canvas.CANVAS_PX))  # what the Draw page does
        check_placed(rgba, strokes)
        if clear:
            self.clear()
        return rgba

    def clear(self) -> None:
        """Empty the canvas with its toolbar's bin, pressed as the writer would; returns once the page is told."""
        cleared = len(self.feed.sent)
        reset = self.reset.bounding_box()
        at = (reset["x"] + reset["width"] / 2, reset["y"] + reset["height"] / 2)
        if self.touch is None:
            self.page.mouse.click(*at)
        else:
            self.page.touchscreen.tap(*at)
        self.feed.wait_for(self.page, 0, cleared)


def browser_contexts(browser):
    """A desktop window for mouse writers, a phone (touch, 390 px wide) for finger writers."""
    return {
        "mouse": browser.new_context(viewport={"width": 1280, "height": 900}),
        "finger": browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True),
    }


def check_placed(rgba: np.ndarray, strokes: list[np.ndarray], tolerance: float = 4) -> None:
    """The ink lies where the strokes were sent (within the brush and a few pixels), or a ValueError."""
    from digitdemo.preprocess import ink_box, to_ink

    box = ink_box(to_ink(rgba))
    points = np.vstack(strokes)
    half = canvas.BRUSH_PX / 2
    (left, top), (right, bottom) = points.min(axis=0) - half, points.max(axis=0) + half
    expected = (top, left, bottom, right)
    if box is None or max(abs(a - b) for a, b in zip(box, expected, strict=True)) > tolerance:
        raise ValueError(f"the ink's box {box} is not where the strokes went, {np.round(expected)}")


def launch(playwright):
    """Chromium as the browser tests run it, its frames not held to 60 a second: pointer events are handled
    as they come, which draws the same strokes 2 times faster (the canvas takes every event either way)."""
    from bench import harness

    return playwright.chromium.launch(
        executable_path=harness.CHROMIUM, args=[*harness.FLAGS, "--disable-frame-rate-limit", "--disable-gpu-vsync"]
    )


def to_grey(rgba: np.ndarray) -> np.ndarray:
    """(280, 280, 4) the canvas's picture -> (280, 280) uint8 grey; it is white on opaque black, R = G = B."""
    red, green, blue, alpha = np.moveaxis(rgba, -1, 0)
    if not (np.all(alpha == 255) and np.array_equal(red, green) and np.array_equal(green, blue)):
        raise ValueError("the canvas's picture is not grey on opaque black: the Draw page's colours changed")
    return rgba[..., 0].copy()


def plan_of(n_writers: int, repetitions: int) -> list[tuple]:
    """Every drawing to record, in order: (writer, digit, repetition, drawing as sent)."""
    plan = []
    for writer in handwriting.writers(n_writers):
        for repetition in range(repetitions):
            for digit in range(10):
                plan.append((writer, digit, repetition, handwriting.quantised(writer.draw(digit, repetition))))
    return plan


def record_part(url: str, n_writers: int, repetitions: int, part: int, parts: int) -> dict[int, np.ndarray]:
    """Draw the plan's drawings i with i % parts == part, in a browser of this process; {i: grey image}."""
    from playwright.sync_api import sync_playwright

    plan = plan_of(n_writers, repetitions)
    images = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        canvases = {device: Canvas(context, url, device) for device, context in browser_contexts(browser).items()}
        for i in range(part, len(plan), parts):
            writer, _, _, drawing = plan[i]
            images[i] = to_grey(canvases[writer.device].draw(drawing.strokes))
        browser.close()
    return images


def record(n_writers: int, repetitions: int, out: Path, parts: int) -> None:
    """Draw the whole plan in ``parts`` browsers at once (each waits for its canvas most of the time), store it."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from bench import harness

    plan = plan_of(n_writers, repetitions)
    images = np.zeros((len(plan), canvas.CANVAS_PX, canvas.CANVAS_PX), dtype=np.uint8)
    started = time.perf_counter()
    with harness.streamlit_server() as (_, url, _), ProcessPoolExecutor(parts, mp_context=get_context("spawn")) as pool:
        jobs = [pool.submit(record_part, url, n_writers, repetitions, part, parts) for part in range(parts)]
        for job in jobs:
            for i, image in job.result().items():
                images[i] = image
    elapsed = time.perf_counter() - started
    meta = [
        {"digit": d, "writer": w.id, "repetition": r, "device": w.device, "style": x.style, "tradition": w.tradition}
        for w, d, r, x in plan
    ]
    handwriting.save_drawn_digits(handwriting.pack([p[3] for p in plan], meta, images), out)
    devices = [w.device for w, *_ in plan]
    print(
        f"{len(plan)} drawings by {n_writers} writers ({devices.count('mouse')} with the mouse, "
        f"{devices.count('finger')} with a finger) recorded in {elapsed / 60:.1f} min with {parts} browsers "
        f"({elapsed / len(plan) * 1000:.0f} ms a drawing); {out}: {out.stat().st_size / 1e6:.2f} MB"
    )


# --- The benchmark ----------------------------------------------------------------------------------


def _accuracy(right: np.ndarray) -> str:
    return f"{right.mean():6.1%}" if len(right) else "     —"


def _per_digit(read: dict[str, np.ndarray], labels: np.ndarray, chosen: np.ndarray) -> None:
    """The overall line, one line per digit and the lowest digit (of those drawn), for each model's right answers."""
    names = list(read)
    print(f"  {'overall':<36}" + "".join(f"{_accuracy(read[n][chosen]):>18}" for n in names))
    for digit in range(config.N_CLASSES):
        rows = chosen & (labels == digit)
        label = f"digit {digit} ({rows.sum()})"
        print(f"  {label:<36}" + "".join(f"{_accuracy(read[n][rows]):>18}" for n in names))
    drawn = [d for d in range(config.N_CLASSES) if (chosen & (labels == d)).any()]
    worst = {n: min(read[n][chosen & (labels == d)].mean() for d in drawn) for n in names}
    print(f"  {'lowest digit':<36}" + "".join(f"{worst[n]:>18.1%}" for n in names))


def report(models: dict[str, artifacts.TrainedModel], drawn: handwriting.DrawnDigits) -> None:
    names = list(models)
    read = {name: answers(model.layers, drawn).predicted == drawn.labels for name, model in models.items()}
    header = "".join(f"{name:>18}" for name in names)
    for split in ("development", "final", "all"):
        chosen = np.ones(len(drawn.labels), bool) if split == "all" else drawn.splits == split
        writers = len(np.unique(drawn.writers[chosen]))
        print(f"\n{split} writers ({writers} writers, {chosen.sum()} drawings)\n  {'':<36}{header}")
        _per_digit(read, drawn.labels, chosen)
    print(f"\nper device, all writers\n  {'':<36}{header}")
    for device in handwriting.DEVICES:
        rows = drawn.devices == device
        label = f"{device} ({rows.sum()} drawings, {len(np.unique(drawn.writers[rows]))} writers)"
        print(f"  {label:<36}" + "".join(f"{_accuracy(read[n][rows]):>18}" for n in names))
    print(f"\nper style, all writers (drawings)\n  {'':<36}{header}")
    for digit in range(config.N_CLASSES):
        for style in handwriting.STYLES[digit]:
            rows = (drawn.labels == digit) & (drawn.styles == style)
            if rows.any():
                label = f"{digit} {style} ({rows.sum()})"
                print(f"  {label:<36}" + "".join(f"{_accuracy(read[n][rows]):>18}" for n in names))
    unread = int((~drawn.readable).sum())
    print(f"\n{unread} drawings where preprocessing found no digit (counted wrong)")


class ExportError(Exception):
    """Not a room's export, in one sentence."""


EXPORT_FILES = (export.X_NAME, export.Y_NAME, export.CSV_NAME)
MAX_EXPORT_BYTES = 64 * 2**20  # per file: X of 40,000 drawings; a room holds at most 3000


def _export_files(path: Path) -> dict[str, bytes]:
    """X.npy, y.npy and drawings.csv of an export folder or zip, each read only if it is a file of sane size."""
    if path.is_dir():
        sizes = {name: (path / name).stat().st_size for name in EXPORT_FILES if (path / name).is_file()}
        _check_sizes(path, sizes)
        return {name: (path / name).read_bytes() for name in EXPORT_FILES}
    if not (path.is_file() and zipfile.is_zipfile(path)):
        raise ExportError(f"{path} is neither a folder nor a zip file (a room's export is one or the other).")
    with zipfile.ZipFile(path) as archive:
        _check_sizes(path, {i.filename: i.file_size for i in archive.infolist() if i.filename in EXPORT_FILES})
        return {name: archive.read(name) for name in EXPORT_FILES}


def _check_sizes(path: Path, sizes: dict[str, int]) -> None:
    missing = [name for name in EXPORT_FILES if name not in sizes]
    if missing:
        raise ExportError(f"{path} is not a room's export: it has no {' or '.join(missing)}.")
    large = [name for name in EXPORT_FILES if sizes[name] > MAX_EXPORT_BYTES]
    if large:
        raise ExportError(f"{path} is not a room's export: its {large[0]} is {sizes[large[0]] / 2**20:.0f} MB.")


def _array(files: dict[str, bytes], name: str, kind: str) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(files[name]), allow_pickle=False)
    except (ValueError, OSError, EOFError):
        array = None
    if not isinstance(array, np.ndarray) or array.dtype.kind not in kind:
        raise ExportError(f"{name} is not the export's plain array of {'numbers' if kind == 'f' else 'digits'}.")
    return array


def read_export(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A room's export (its zip or its folder): X (n, 400) as read, the digits meant (n,), the students (n,)."""
    try:
        files = _export_files(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ExportError(f"{path} could not be read ({getattr(error, 'strerror', None) or 'a broken zip'}).") from None
    X, y = _array(files, export.X_NAME, "f"), _array(files, export.Y_NAME, "iu")
    try:
        rows = list(csv.DictReader(io.StringIO(files[export.CSV_NAME].decode("utf-8"))))
        students = np.array([int(row["student"]) for row in rows], dtype=np.int64)
    except (UnicodeDecodeError, KeyError, TypeError, ValueError):
        raise ExportError(f"{export.CSV_NAME} has no student number on every row, as the export writes.") from None
    n = len(students)
    if n == 0:
        raise ExportError(f"{path} holds no drawings.")
    if X.shape != (n, config.N_PIXELS) or y.shape != (n, 1):
        raise ExportError(f"{path} is not a room's export: X {X.shape} and y {y.shape} for {n} drawings.")
    if not np.isfinite(X).all():  # its range is the lab's, a little beyond 0-1 (the resampling overshoots)
        raise ExportError(f"{export.X_NAME} holds values that are not numbers (NaN or infinite).")
    bad = sorted(set(y[:, 0].tolist()) - set(range(config.N_CLASSES)))
    if bad:
        raise ExportError(f"{export.Y_NAME} holds {bad[0]}, which is not a digit from 0 to 9.")
    return X.astype(np.float32), y[:, 0].astype(np.int64), students


def report_export(models: dict[str, artifacts.TrainedModel], X: np.ndarray, y: np.ndarray, students: np.ndarray):
    """Each model on a real class's drawings: overall, per digit, its lowest digit, and per student."""
    names = list(models)
    right = {name: forward(model.layers, X).predicted_digit == y for name, model in models.items()}
    header = "".join(f"{name:>18}" for name in names)
    counts = f"{plural(len(np.unique(students)), 'student')}, {plural(len(y), 'drawing')}"
    print(f"\na class's drawings ({counts})\n  {'':<36}{header}")
    _per_digit(right, y, np.ones(len(y), bool))
    each = {n: [right[n][students == s].mean() for s in np.unique(students)] for n in names}
    for label, pick in (("lowest student", np.min), ("median student", np.median)):
        print(f"  {label:<36}" + "".join(f"{pick(each[n]):>18.1%}" for n in names))


def _name(folder: str) -> str:
    """models/drawings rather than /work/.../models/drawings: the column's header."""
    path = Path(folder).resolve()
    return str(path.relative_to(config.REPO_DIR)) if path.is_relative_to(config.REPO_DIR) else folder


def _load_model(directory: str) -> artifacts.TrainedModel | None:
    try:
        return artifacts.load(directory)
    except artifacts.ModelError as error:
        print(f"{directory}: {error}", file=sys.stderr)
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", help="model folders (default: models/ and models/drawings/)")
    parser.add_argument("--record", action="store_true", help="draw the set again in Chromium and store it")
    parser.add_argument("--writers", type=int, default=handwriting.N_WRITERS, help="with --record")
    parser.add_argument("--repetitions", type=int, default=handwriting.REPETITIONS, help="with --record")
    parser.add_argument("--out", type=Path, default=handwriting.DRAWN_DIGITS_FILE, help="with --record")
    parser.add_argument("--browsers", type=int, default=3, help="with --record: browsers drawing at once")
    parser.add_argument("--export", type=Path, help="a room's export (zip or folder) to read instead of the set")
    args = parser.parse_args()
    if args.record:
        record(args.writers, args.repetitions, args.out, args.browsers)
        return
    try:  # a file that is no export is refused before any model is read
        exported = None if args.export is None else read_export(args.export)
    except ExportError as error:
        sys.exit(str(error))
    folders = args.model or [
        str(artifacts.model_dir()),
        str(artifacts.drawing_model_dir()),
        str(artifacts.wide_model_dir()),
    ]
    models = {_name(folder): _load_model(folder) for folder in folders}
    models = {name: model for name, model in models.items() if model is not None}
    if not models:
        sys.exit("No model could be loaded.")
    if exported is not None:
        report_export(models, *exported)
        return
    if not handwriting.DRAWN_DIGITS_FILE.is_file():
        sys.exit(f"{handwriting.DRAWN_DIGITS_FILE} is missing: record it with python -m bench.drawn_digits --record")
    started = time.perf_counter()
    drawn = handwriting.load_drawn_digits()
    print(f"{len(drawn.labels)} drawings read and preprocessed in {time.perf_counter() - started:.1f} s")
    report(models, drawn)


if __name__ == "__main__":
    main()
