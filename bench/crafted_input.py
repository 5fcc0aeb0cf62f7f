"""Crafted inputs, handled the old way and the hardened way: peak memory and time of each, side by side.

python -m bench.crafted_input

Each case runs in a fresh Python process (peak RSS from getrusage), so the figures do not mix.
"""

import argparse
import json
import subprocess
import sys

CASES = {
    "canvas: 9400x9400 RGBA PNG": (
        "from tests.test_canvas_payload import crafted_png; payload = crafted_png(9400, 9400, 6)",
        "import io, numpy as np; from PIL import Image; Image.MAX_IMAGE_PIXELS = PILLOW_DEFAULT;"
        "np.asarray(Image.open(io.BytesIO(payload)))",  # what CanvasResult.image_data does
        "from digitdemo.preprocess import read_canvas; read_canvas(payload, (280, 280))",
    ),
    "upload: .ico hiding a 13300x13300 PNG": (
        "from tests.test_canvas_payload import crafted_png; from tests.test_uploads import _ico_around;"
        "payload = _ico_around(crafted_png(13300, 13300))",
        "import io; from PIL import Image; Image.MAX_IMAGE_PIXELS = PILLOW_DEFAULT;"
        "Image.open(io.BytesIO(payload)).load()",
        "from digitdemo.preprocess import read_image; read_image(payload)",
    ),
    "model: .npz unpacking to 640 MB": (
        "import pathlib, tempfile; from tests.test_model_files import _zip_bomb;"
        "folder = pathlib.Path(tempfile.mkdtemp()); _zip_bomb(folder); payload = (folder / 'weights.npz').read_bytes()",
        "import io, numpy as np; npz = np.load(io.BytesIO(payload)); [npz[k] for k in npz.files]",
        "from digitdemo.artifacts import from_bytes; from_bytes(payload)",
    ),
}

MEASURE = """
import json, resource, time
PILLOW_DEFAULT = 89478485  # Image.MAX_IMAGE_PIXELS as Pillow ships it; digitdemo.preprocess lowers it
{setup}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    {handle}
    outcome = "read"
except Exception as error:
    outcome = type(error).__name__
print(json.dumps({{"seconds": time.perf_counter() - started, "before_mb": before / 1024,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "outcome": outcome}}))
"""


def measure(setup: str, handle: str) -> dict:
    code = MEASURE.format(setup=setup, handle=handle)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        prog="python -m bench.crafted_input",
        description="Peak memory and time of each crafted input (canvas payloads, uploads, model files), read the "
        "old way and the hardened way, each in a fresh process.",
    ).parse_args(argv)
    print(f"{'case':42} {'way':9} {'peak RSS':>15} {'time':>8}  outcome")
    for name, (setup, old, new) in CASES.items():
        for way, handle in (("old", old), ("hardened", new)):
            r = measure(setup, handle)
            rss = f"{r['before_mb']:.0f} -> {r['peak_mb']:.0f} MB"
            print(f"{name:42} {way:9} {rss:>15} {r['seconds']:7.2f}s  {r['outcome']}")


if __name__ == "__main__":
    main()
