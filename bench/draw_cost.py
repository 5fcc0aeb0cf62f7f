"""Server CPU of one Draw-page stroke, part by part, at this tree and at a git ref, in one run.

    python -m bench.draw_cost [--runs 100] [--before main]

A stroke reruns the Draw page's fragment (draw._live). This runs the Draw page in AppTest with a
7 on its canvas, then with a blank one (what Clear leads to), and times the fragment and each
part of it that exists at that version with time.thread_time: the CPU of the script's own thread,
so other load on the machine matters little. Each version runs in its own process, in turn.
What the server does besides running the script (the websocket, sending the messages, serving
the step picture) is not in these figures: bench.drawing_server measures the whole server.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Parts of a stroke, as module.attribute in the version measured; a part missing there is skipped.
PARTS = [
    "digitdemo.pages.lab.draw._live",
    "digitdemo.pages.lab.draw._canvas",
    "streamlit_drawable_canvas.st_canvas",
    "digitdemo.preprocess.read_canvas",
    "digitdemo.pages.lab.draw._canvas_controls",
    "digitdemo.preprocess.preprocess",
    "digitdemo.state.current_model",
    "digitdemo.state.reader",
    "digitdemo.pages.classroom.room.send_panel",
    "digitdemo.pages.lab.draw._prediction",
    "digitdemo.pages.lab.draw._what_the_model_sees",
    "digitdemo.pages.common.strip",
    "streamlit.image",
    "digitdemo.figures.lab.probability_bars",
    "digitdemo.pages.live.answer",
    "digitdemo.pages.live.sees",
    "digitdemo.live.payload",
    "digitdemo.figures.lab.value_bars",
    "digitdemo.figures.lab.hidden_bars",
    "digitdemo.figures.network.network",
    "digitdemo.pages.common.show_plot",
    "digitdemo.pages.common.for_screen",
    "digitdemo.pages.common._Checked",
    "streamlit.plotly_chart",
    "plotly.tools.return_figure_from_figure_or_data",
    "plotly.io.to_json",
    "digitdemo.pages.explain.silenced",
    "digitdemo.why.forward",
    "digitdemo.pages.explain.section",
    "digitdemo.pages.explain._pixels",
    "digitdemo.why.pixel_pushes",
    "digitdemo.figures.why.pixel_pushes",
    "digitdemo.pages.explain._units",
    "digitdemo.why.unit_effects",
    "digitdemo.pages.explain._looks_like",
    "digitdemo.state.training_codes",
    "digitdemo.why.nearest",
    "digitdemo.figures.why.nearest_digits",
    "streamlit.toggle",
    "streamlit.pills",
    "streamlit.columns",
    "streamlit.container",
    "streamlit.markdown",
    "streamlit.metric",
    "streamlit.subheader",
    "streamlit.caption",
]
SEVEN = [(90, 70), (190, 70), (190, 90), (160, 150), (130, 230)]  # as bench.harness draws it
# What each scenario sets in the session before its first rerun (a version without these keys ignores them).
SCENARIOS = {
    "stroke": ("a stroke (a 7 on the canvas)", {}),
    "why": ("a stroke, 'Why this answer?' open", {"draw.why": True}),
    "why, more": (
        "a stroke, 'Why this answer?' open, 'why not 2?' and L2 unit 3 silenced",
        {"draw.why": True, "draw.why_not": 2, "draw.off": ["L2.3"]},
    ),
    "blank": ("a blank canvas (after Clear)", {}),
}


def _child(runs: int) -> dict:
    """In a process whose sys.path starts at the version's tree: {part: ms per rerun} for a stroke and a blank."""
    import base64
    import gc
    import importlib
    import io
    import time

    from PIL import Image, ImageDraw
    from streamlit.testing.v1 import AppTest

    totals: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.0) + time.thread_time() - start

        return wrapper

    collections = {"started": 0.0}

    def on_gc(phase, info):  # Python's own collector, in whichever thread triggers it
        if phase == "start":
            collections["started"] = time.thread_time()
        else:
            name = f"Python's gc, generation {info['generation']}"
            totals[name] = totals.get(name, 0.0) + time.thread_time() - collections["started"]
            totals[name + " (count)"] = totals.get(name + " (count)", 0.0) + 0.001

    gc.callbacks.append(on_gc)
    wrappers = {}  # id(original function) -> its timed wrapper
    for part in PARTS:
        module_name, _, attribute = part.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except Exception:  # not in this version, or (the canvas) not importable outside a running app
            continue
        if hasattr(module, attribute):
            original = getattr(module, attribute)
            wrappers[id(original)] = timed(part.removeprefix("digitdemo."), original)
            setattr(module, attribute, wrappers[id(original)])
    # Modules that imported a part by name (from ... import strip) hold the original: give them the wrapper.
    for name, module in list(sys.modules.items()):
        if name.startswith("digitdemo"):
            for attribute, value in list(vars(module).items()):
                if callable(value) and id(value) in wrappers:
                    setattr(module, attribute, wrappers[id(value)])

    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    ImageDraw.Draw(canvas).line(SEVEN, fill=(255, 255, 255, 255), width=18, joint="curve")
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    drawing = {
        "drawing": {
            "raw": {"objects": [{"type": "path"}], "background": "#000000"},
            "data": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
        },
        "backgroundFit": None,
    }

    def page():
        from digitdemo.pages.lab import draw

        draw.render()

    import digitdemo

    results = {"from": digitdemo.__file__}
    for scenario, (_, settings) in SCENARIOS.items():
        at = AppTest.from_function(page, default_timeout=60)
        for key, value in settings.items():
            at.session_state[key] = value
        for i in range(runs + 5):  # the first runs warm caches: the model, plotly's validators
            if scenario != "blank":
                at.session_state["draw.canvas.0"] = drawing
            if i == 5:
                totals.clear()
            at.run()
            if at.exception:
                raise RuntimeError(at.exception[0].message)
        shown = [m.value for m in at.metric]
        results[scenario] = {"metric": shown[:1], **{k: v / runs * 1000 for k, v in totals.items()}}
        totals.clear()
    return results


def measure(tree: Path, runs: int) -> dict:
    # This file is loaded by its path: the tree measured may have a bench package of its own.
    code = (
        f"import sys, json, importlib.util as u; sys.path.insert(0, {str(tree)!r}); "
        f"spec = u.spec_from_file_location('draw_cost', {__file__!r}); m = u.module_from_spec(spec); "
        f"spec.loader.exec_module(m); print(json.dumps(m._child({runs})))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["from"] != str(tree / "digitdemo" / "__init__.py"):
        raise RuntimeError(f"measured {result['from']}, not {tree}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--before", metavar="REF", help="also measure the Draw page at this git ref, side by side")
    args = parser.parse_args()
    trees = {"this tree": REPO}
    with tempfile.TemporaryDirectory(prefix="digitdemo-before-") as before:
        if args.before:
            archive = subprocess.run(["git", "archive", args.before], cwd=REPO, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", before], input=archive.stdout, check=True)
            trees = {args.before: Path(before), **trees}
        results = {name: measure(tree, args.runs) for name, tree in trees.items()}
    names = list(results)
    print(f"CPU of the script thread per rerun, ms, mean of {args.runs} (thread_time; inclusive: parts nest)")
    for scenario, (title, _) in SCENARIOS.items():
        print(f"\n{title}: " + ", ".join(f"{n} shows {results[n][scenario]['metric']}" for n in names))
        print(f"  {'part':<44}" + "".join(f"{n:>14}" for n in names))
        parts = [p.removeprefix("digitdemo.") for p in PARTS]
        parts += sorted({k for n in names for k in results[n][scenario] if k.startswith("Python's gc")})
        for part in parts:
            cells = [results[n][scenario].get(part) for n in names]
            if any(c is not None for c in cells):
                print(f"  {part:<44}" + "".join(f"{'—' if c is None else f'{c:.2f}':>14}" for c in cells))


if __name__ == "__main__":
    main()
