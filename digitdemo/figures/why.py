"""Why this answer: which pixels pushed a logit (a red/blue map over the picture), the nearest training digits."""

import numpy as np

from digitdemo import config
from digitdemo.data import row_to_image
from digitdemo.figures import digits, style

# ColorBrewer's RdBu ends, apart for red-green colour-blind students too (tests/test_colour_blind.py): blue for
# a pixel that pushed the logit up, red down, as the diagram's links and the weight images are coloured.
PUSH_DOWN, NEUTRAL, PUSH_UP = "#b2182b", "#f7f7f7", "#2166ac"
PUSH_SCALE = [[0, PUSH_DOWN], [0.5, NEUTRAL], [1, PUSH_UP]]  # written out: "RdBu" reads the other way in plotly.js
INK_LINE = "#555555"  # the drawing's outline over the map


def pixel_pushes(x: np.ndarray, panels: list[tuple[str, np.ndarray]]) -> dict:
    """Side by side, one 20x20 map per (title, pushes (400,)), each over the outline of x (400,); one shared scale.

    Pushes and x are in the lab's column-major order; the maps are drawn upright.
    """
    top = max(float(np.max(np.abs(pushes))) for _, pushes in panels) or 1.0
    ink = np.round(row_to_image(np.asarray(x, dtype=float)), 2).tolist()
    size, gap = config.IMAGE_SIZE, 0.08
    width = (1 - gap * (len(panels) - 1)) / len(panels)
    data, axes, annotations = [], {}, []
    for i, (title, pushes) in enumerate(panels, start=1):
        axis = "" if i == 1 else str(i)
        where = {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
        data.append(
            {
                "type": "heatmap",
                "z": np.round(row_to_image(np.asarray(pushes, dtype=float)), 4).tolist(),
                "colorscale": PUSH_SCALE,
                "zmin": -top,
                "zmax": top,
                "showscale": False,
                "hovertemplate": "row %{y}, column %{x}: %{z:+.3f}<extra></extra>",
                **where,
            }
        )
        data.append(
            {
                "type": "contour",
                "z": ink,
                "contours": {"start": 0.3, "end": 0.3, "size": 1, "coloring": "none"},
                "line": {"color": INK_LINE, "width": 1.5},
                "showscale": False,
                "hoverinfo": "skip",
                **where,
            }
        )
        left = (i - 1) * (width + gap)
        axes[f"xaxis{axis}"] = {"domain": [left, left + width], "visible": False, "range": [-0.5, size - 0.5]}
        axes[f"yaxis{axis}"] = {
            "visible": False,
            "range": [size - 0.5, -0.5],  # row 0 at the top: the picture upright
            "scaleanchor": f"x{axis}",
            "anchor": f"x{axis}",
        }
        annotations.append(
            {
                "x": left + width / 2,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "yanchor": "bottom",
                "text": title,
                "showarrow": False,
                "font": {"size": 16, "color": style.TEXT},
            }
        )
    return {
        "data": data,
        "layout": style.layout(
            "", 260, annotations=annotations, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False, **axes
        ),
    }


def nearest_digits(X: np.ndarray, labels: list[int], title: str = "") -> dict:
    """Rows of X (n, 400), the training digits nearest the drawing, upright in one row, each captioned by its label."""
    captions = [f"a {label}" for label in labels]
    figure = digits.digit_mosaic(X, captions, columns=len(labels), row_height=110, title=title)
    # Black to white written out, not plotly's reversed "Greys": the figure can then be sent pre-checked.
    figure["data"][0].update(colorscale=[[0, "#000000"], [1, "#ffffff"]], reversescale=False)
    figure["layout"].pop("shapes")  # none (no mistakes marked), and plotly drops an empty list
    return figure
