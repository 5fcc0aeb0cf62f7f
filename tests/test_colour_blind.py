"""Meaning never by red or green alone: mistakes get a cross and an outline; lines differ in colour and dash."""

import numpy as np

from digitdemo.figures import style
from tests.apptest import page, plot_spec

# Dichromat vision in linear RGB (Viénot, Brettel and Mollon 1999).
DICHROMATS = {
    "deuteranopia": np.array([[0.29275, 0.70725, 0], [0.29275, 0.70725, 0], [-0.02234, 0.02234, 1]]),
    "protanopia": np.array([[0.1124, 0.8876, 0], [0.1124, 0.8876, 0], [0.0040, -0.0040, 1]]),
}


def seen_by(matrix: np.ndarray, color: str) -> np.ndarray:
    """A "#rrggbb" colour as a dichromat sees it, in 0-255 sRGB."""
    v = np.array([int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    v = np.clip(matrix @ np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4), 0, 1)
    return 255 * np.where(v <= 0.0031308, 12.92 * v, 1.055 * v ** (1 / 2.4) - 0.055)


def test_predictions_mark_each_mistake_with_a_cross_and_an_outline():
    at = page("predictions").run()
    spec = plot_spec(at, "predictions.grid")
    annotations, shapes = spec["layout"]["annotations"], spec["layout"].get("shapes", [])
    wrong = [a for a in annotations if a["font"]["color"] == style.WRONG]
    assert wrong, "the 64 random examples include a mistake"
    assert all(a["text"].startswith("✗ ") for a in wrong)
    assert not [a for a in annotations if a["text"].startswith("✗") and a not in wrong]
    tiles = spec["layout"]["meta"]["tiles"]
    outlined = [[s["x0"], s["y0"], s["x1"], s["y1"]] for s in shapes]
    marked = [tiles[annotations.index(a)] for a in wrong]
    assert sorted(outlined) == sorted(marked), "exactly the mistakes are outlined"
    assert f"{len(wrong)} of 64" in at.caption[-1].value


def test_the_relu_units_differ_in_colour_and_dash():
    at = page("activations").run()
    lines = [t["line"] for t in plot_spec(at, "activations.sum")["data"] if t["name"].startswith("unit")]
    assert len(lines) == 3
    assert len({line["color"] for line in lines}) == 3 and len({line.get("dash", "solid") for line in lines}) == 3
    colours = [line["color"] for line in lines] + [style.SUM_LINE["color"]]
    for name, matrix in DICHROMATS.items():  # red-green colour blindness: still apart (0-441)
        seen = [seen_by(matrix, c) for c in colours]
        closest = min(np.linalg.norm(a - b) for i, a in enumerate(seen) for b in seen[i + 1 :])
        assert closest > 30, f"two lines look alike with {name}"


def test_the_pixel_maps_red_and_blue_stay_apart_for_red_green_colour_blindness():
    from digitdemo.figures import why

    for name, matrix in DICHROMATS.items():
        down, neutral, up = (seen_by(matrix, c) for c in (why.PUSH_DOWN, why.NEUTRAL, why.PUSH_UP))
        assert np.linalg.norm(down - up) > 100, f"pushed up and pushed down look alike with {name}"
        faintest = min(np.linalg.norm(down - neutral), np.linalg.norm(up - neutral))
        assert faintest > 100, f"a push looks like none with {name}"
