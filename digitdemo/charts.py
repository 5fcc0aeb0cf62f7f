"""Plotly figures for the pages, readable on a projector. No Streamlit here.

Figures are built as plain dicts: Streamlit sends them as they are, which skips building and
validating plotly objects on every stroke.
"""

import numpy as np

from digitdemo import config
from digitdemo.data import row_to_image

DIGITS = list(range(config.N_CLASSES))
BLUE, ORANGE, GREY = "#1f77b4", "#ff7f0e", "#9e9e9e"

# Readable from the back of a lecture hall (issue 10): no chart text under 14 px, and text
# contrast of at least 4.5:1 in the light and the dark theme. Streamlit's plotly theme draws
# ticks and axis titles 12 px in a grey of 3.7:1, so every figure states its text here.
# TEXT is a placeholder that Streamlit's plotly theme swaps, in the browser, for the theme's
# own text colour (dark on light, light on dark; streamlit/elements/lib/streamlit_plotly_theme.py,
# GRAY_90). tests/test_readability.py checks what actually renders.
TEXT = "#000037"
BACKGROUND = "#000038"  # likewise, the theme's page background
INK, PAPER = "#000000", "#ffffff"  # text on charts that draw their own white background
WRONG = "#c62828"  # a mistake's caption: 5.6:1 on PAPER
# Lines told apart by colour-blind students too: Okabe and Ito's palette, and each its own dash.
UNIT_LINES = [
    {"color": "#0072b2", "width": 3},
    {"color": "#cc79a7", "width": 3, "dash": "dash"},
    {"color": "#009e73", "width": 3, "dash": "dashdot"},
]
SUM_LINE = {"color": "#e69f00", "width": 5}
FONT = {"size": 16, "color": TEXT}
TICKS = {"size": 15, "color": TEXT}
AXIS_TITLE = {"size": 16, "color": TEXT}
CAPTION_PX = 15  # captions over the digit grids
CAPTION_ROWS = 10  # image pixels of room per caption line: 21 px where a phone draws a pixel 2.1 px wide


def _axis(axis: dict) -> dict:
    """An axis with readable ticks and title; the axis's own settings win."""
    title = axis.get("title", {})
    return {**axis, "tickfont": {**TICKS, **axis.get("tickfont", {})}, "title": {"font": AXIS_TITLE, **title}}


def _layout(title: str = "", height: int = 320, **extra) -> dict:
    """The layout every figure uses: readable text, the theme's colours, axes styled alike."""
    for name in [key for key in extra if key.startswith(("xaxis", "yaxis"))]:
        extra[name] = _axis(extra[name])
    extra.setdefault("xaxis", _axis({}))
    extra.setdefault("yaxis", _axis({}))
    return {
        "title": {"text": title, "font": {"size": 18, "color": TEXT}},
        "height": height,
        "margin": {"l": 50, "r": 20, "t": 50 if title else 20, "b": 45},
        "font": FONT,
        "legend": {"font": FONT},
        "hoverlabel": {"font": {"size": 16}},
        **extra,
    }


def _luminance(color: str) -> float:
    """WCAG relative luminance of a "#rrggbb" colour."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two "#rrggbb" colours, 1 to 21."""
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (always at least 4.5:1)."""
    return INK if contrast(INK, background) >= contrast(PAPER, background) else PAPER


def _mix(low: str, high: str, t: float) -> str:
    """The colour a fraction t (0..1) of the way from ``low`` to ``high``."""
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def probability_bars(probabilities: np.ndarray, title: str = "Softmax probabilities", axis: str = "digit") -> dict:
    """One bar per class, the most likely in orange, each labelled with its percentage."""
    probabilities = np.asarray(probabilities, dtype=float)
    best = int(np.argmax(probabilities))
    classes = list(range(len(probabilities)))
    return {
        "data": [
            {
                "type": "bar",
                "x": classes,
                "y": probabilities.tolist(),
                "marker": {"color": [ORANGE if j == best else BLUE for j in classes]},
                "text": [f"{p:.0%}" if p >= 0.005 else "" for p in probabilities],
                "textposition": "outside",
                "textfont": FONT,
                "cliponaxis": False,
                "hovertemplate": axis + " %{x}: %{y:.4f}<extra></extra>",
            }
        ],
        "layout": _layout(
            title,
            xaxis={"title": {"text": axis}, "tickmode": "array", "tickvals": classes},
            yaxis={"title": {"text": "probability"}, "range": [0, 1.15]},
        ),
    }


def value_bars(values: np.ndarray, title: str = "") -> dict:
    """Signed bars, one per index (logits): positive blue, negative grey."""
    values = np.asarray(values, dtype=float)
    indices = list(range(len(values)))
    return {
        "data": [
            {
                "type": "bar",
                "x": indices,
                "y": values.tolist(),
                "marker": {"color": [BLUE if v >= 0 else GREY for v in values]},
                "hovertemplate": "%{x}: %{y:.3f}<extra></extra>",
            }
        ],
        "layout": _layout(title, 280, xaxis={"tickmode": "array", "tickvals": indices}),
    }


def hidden_bars(activations: list[np.ndarray]) -> dict:
    """Each hidden layer's unit outputs as bars, side by side in one figure (one chart to send)."""
    widths = np.array([len(a) for a in activations], dtype=float)
    edges = np.concatenate([[0], np.cumsum(widths + 3) / (widths.sum() + 3 * len(widths))])
    data, axes = [], {}
    for i, a in enumerate(activations, start=1):
        axis = "" if i == 1 else str(i)
        data.append(
            {
                "type": "bar",
                "x": list(range(len(a))),
                "y": np.round(np.asarray(a, dtype=float), 4).tolist(),
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                "marker": {"color": BLUE},
                "hovertemplate": f"layer {i}, unit " + "%{x}: %{y:.3f}<extra></extra>",
            }
        )
        axes[f"xaxis{axis}"] = {
            "domain": [edges[i - 1], edges[i] - 0.03],
            "title": {"text": f"layer {i}: {len(a)} units"},
            "tickmode": "array",
            "tickvals": list(range(0, len(a), 2)),
        }
        axes[f"yaxis{axis}"] = {"anchor": f"x{axis}", "rangemode": "tozero"}
    return {"data": data, "layout": _layout("", 300, showlegend=False, **axes)}


def mosaic(images: np.ndarray, captions: list[str] | None = None, columns: int = 8, wrong=None, **options) -> dict:
    """Images (n, h, w) tiled in one heatmap with a caption above each.

    ``wrong`` (n booleans) marks mistakes for everyone, colour-blind students too: a red caption
    starting with a cross, and a red outline around the image. The space above each image fits
    its caption's lines even on a phone (2 px per image pixel), so captions never cover a digit.
    """
    images = np.asarray(images, dtype=float)
    n, h, w = images.shape
    wrong = [False] * n if wrong is None else list(wrong)
    rows = max(1, -(-n // columns))
    lines = 0 if captions is None else max(caption.count("<br>") + 1 for caption in captions)
    gap = 1 + CAPTION_ROWS * lines
    tile_h, tile_w = h + gap, w + 1
    grid = np.full((rows * tile_h, columns * tile_w), np.nan)
    annotations, shapes, tiles = [], [], []
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        grid[r * tile_h + gap : r * tile_h + gap + h, c * tile_w : c * tile_w + w] = image
        box = [c * tile_w - 0.5, r * tile_h + gap - 0.5, c * tile_w + w - 0.5, r * tile_h + gap + h - 0.5]
        tiles.append(box)
        if wrong[i]:
            shapes.append(
                {
                    "type": "rect",
                    "x0": box[0],
                    "y0": box[1],
                    "x1": box[2],
                    "y1": box[3],
                    "line": {"color": WRONG, "width": 3},
                }
            )
        if captions is not None:
            annotations.append(
                {
                    "x": c * tile_w + w / 2 - 0.5,
                    "y": r * tile_h + gap / 2 - 0.5,
                    "text": ("✗ " if wrong[i] else "") + captions[i],
                    "showarrow": False,
                    "font": {"size": CAPTION_PX, "color": WRONG if wrong[i] else INK},
                }
            )
    symmetric = options.get("symmetric", False)
    top = float(np.nanmax(np.abs(grid))) if symmetric else None
    heatmap = {
        "type": "heatmap",
        "z": np.where(np.isnan(grid), None, np.round(grid, 3)).tolist(),
        "colorscale": "RdBu" if symmetric else "Greys",
        "reversescale": not symmetric,  # digits white on black, as the lab draws them
        "showscale": symmetric,
        "hoverinfo": "skip",
    }
    if symmetric:
        heatmap.update(zmin=-top, zmax=top, zmid=0)
    title = options.get("title", "")
    return {
        "data": [heatmap],
        "layout": _layout(
            title,
            options.get("height", 60 + rows * options.get("row_height", 100 + 20 * lines)),
            xaxis={"visible": False, "constrain": "domain"},
            yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
            annotations=annotations,
            shapes=shapes,
            plot_bgcolor=PAPER,  # the captions' background, in either theme
            margin={"l": 0, "r": 60 if symmetric else 0, "t": 50 if title else 10, "b": 0},
            meta={"tiles": tiles},  # each image's box in data units, for the layout tests
        ),
    }


def digit_mosaic(X: np.ndarray, captions: list[str], wrong=None, columns: int = 8, **options) -> dict:
    """Rows of X (n, 400) in the lab's order, drawn upright with captions; ``wrong`` marks mistakes."""
    return mosaic(row_to_image(X), captions, columns, wrong, **options)


def weight_images(W1: np.ndarray) -> dict:
    """The first layer's weights (400, units): each unit's 400 weights as an upright 20x20 image."""
    units = W1.shape[1]
    return mosaic(
        row_to_image(W1.T),
        [f"unit {j}" for j in range(units)],
        columns=5,
        symmetric=True,
        row_height=120,
        title="What each first-layer unit looks for (blue +, red −)",
    )


def loss_curve(
    losses: list[float], title: str = "Training loss", compare: list[float] | None = None, epochs: int | None = None
) -> dict:
    """Loss per epoch; ``compare`` draws the shipped model's curve in grey; ``epochs`` fixes the x range."""
    data = []
    if compare:
        data.append(
            {
                "type": "scatter",
                "x": list(range(1, len(compare) + 1)),
                "y": compare,
                "name": "shipped model",
                "line": {"color": GREY, "dash": "dot"},
            }
        )
    data.append(
        {
            "type": "scatter",
            "x": list(range(1, len(losses) + 1)),
            "y": losses,
            "name": "your model" if compare else "loss",
            "mode": "lines+markers",
        }
    )
    xaxis = {"title": {"text": "epoch"}, "rangemode": "tozero"}
    if epochs:
        xaxis["range"] = [0, epochs + 0.5]  # the curve grows into a fixed frame
    return {
        "data": data,
        "layout": _layout(
            title, 340, xaxis=xaxis, yaxis={"title": {"text": "loss (cross-entropy)"}, "rangemode": "tozero"}
        ),
    }


def curves(
    x: np.ndarray, series: dict[str, np.ndarray], title: str = "", height: int = 300, styles=None, **layout
) -> dict:
    """Line plots of several functions of x; ``styles`` maps a series name to a plotly line style."""
    styles = styles or {}
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": np.round(x, 4).tolist(),
                "y": np.round(y, 4).tolist(),
                "name": name,
                **({"line": styles[name]} if name in styles else {}),
            }
            for name, y in series.items()
        ],
        "layout": _layout(title, height, **layout),
    }


MATRIX_SCALE = ("#f7fbff", "#08519c")  # empty cells nearly white, the full diagonal dark blue
MATRIX_AXIS = {"tickvals": DIGITS, "showgrid": False, "zeroline": False}


def confusion(matrix: np.ndarray, title: str) -> dict:
    """(10, 10) counts: rows the true digit, columns the prediction; the diagonal is right.

    Drawn as square markers, not a heatmap: Streamlit reports clicks on markers, not on heatmap cells.
    """
    matrix = np.asarray(matrix)
    true, predicted = np.indices(matrix.shape)
    shade = np.log1p(matrix) / max(np.log1p(matrix).max(), 1e-9)
    cells = [_mix(*MATRIX_SCALE, t) for t in shade.ravel()]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": predicted.ravel().tolist(),
                "y": true.ravel().tolist(),
                "text": [str(n) for n in matrix.ravel()],
                # Each number in black or white, whichever its cell's colour needs.
                "textfont": {"size": 16, "color": [text_on(cell) for cell in cells]},
                "marker": {"symbol": "square", "size": 40, "color": cells, "line": {"width": 0}},
                "hovertemplate": "true %{y}, predicted %{x}: %{text} (click to show them)<extra></extra>",
            }
        ],
        "layout": _layout(
            title,
            560,
            xaxis={"title": {"text": "predicted digit"}, "side": "top", "range": [-0.6, 9.6], **MATRIX_AXIS},
            yaxis={"title": {"text": "true digit"}, "autorange": "reversed", "range": [9.6, -0.6], **MATRIX_AXIS},
            plot_bgcolor=BACKGROUND,
            clickmode="event+select",
            margin={"l": 60, "r": 20, "t": 130, "b": 20},
        ),
    }


def softmax_stages(z: np.ndarray, temperature: float = 1.0) -> dict:
    """The lab's softmax figure: z on the left, e^z in the middle, the probabilities on the right.

    e^z is shifted by max(z) (the same probabilities, no overflow), so its bars are e^(z - max z).
    """
    z = np.asarray(z, dtype=float) / temperature
    ez = np.exp(z - z.max())
    a = ez / ez.sum()
    best = int(np.argmax(a))
    indices = list(range(len(z)))
    top = "z" if temperature == 1 else f"z / {temperature:g}"
    panels = [
        (top, z, "%{y:.2f}"),
        (f"e^({top} − max)", ez, "%{y:.3g}"),
        ("a = e^z / Σ e^z", a, "%{y:.3f}"),
    ]
    data, axes = [], {}
    for i, (name, values, number) in enumerate(panels, start=1):
        axis = "" if i == 1 else str(i)
        data.append(
            {
                "type": "bar",
                "x": indices,
                "y": np.round(values, 6).tolist(),
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                "marker": {"color": [ORANGE if j == best else BLUE for j in indices]},
                "texttemplate": number if len(indices) <= 5 else "",  # ten labels in a third would overlap
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": f"{name}, j = " + "%{x}: " + number + "<extra></extra>",
            }
        )
        axes[f"xaxis{axis}"] = {
            "domain": [(i - 1) / 3 + 0.02, i / 3 - 0.04],
            "title": {"text": name},
            "tickmode": "array",
            "tickvals": indices,
        }
        axes[f"yaxis{axis}"] = {"anchor": f"x{axis}", "rangemode": "tozero", "automargin": True}
    margin = {"l": 50, "r": 20, "t": 30, "b": 60}
    return {"data": data, "layout": _layout("", 300, showlegend=False, margin=margin, **axes)}
