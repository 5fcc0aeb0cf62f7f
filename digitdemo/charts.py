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


def enlarge(figure: dict, factor: float) -> dict:
    """A copy of ``figure`` with every font size, its margins and height times ``factor``: for the projector."""

    def scale(node, key=None):
        if isinstance(node, dict):
            return {k: scale(v, k) for k, v in node.items()}
        if isinstance(node, list) and key not in ("x", "y", "z", "text", "customdata"):
            return [scale(v) for v in node]
        if key == "size" and isinstance(node, int | float) and not isinstance(node, bool):
            return round(node * factor, 1)
        return node

    layout = figure["layout"]
    fonts = {k: scale(v, k) for k, v in layout.items() if k not in ("annotations", "shapes", "meta")}
    if "annotations" in layout:
        fonts["annotations"] = [scale(a) for a in layout["annotations"]]
    fonts["margin"] = {side: round(px * factor) for side, px in layout.get("margin", {}).items()}  # room for it
    height = round(layout.get("height", 450) * factor)
    data = [
        {k: (scale(v, k) if k.endswith("font") or k == "marker" else v) for k, v in trace.items()}
        for trace in figure["data"]
    ]
    return {"data": data, "layout": {**layout, **fonts, "height": height}}


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
                "constraintext": "none",  # plotly would shrink it to the bar's width
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


def confusion(matrix: np.ndarray, title: str, rows: str = "true", columns: str = "predicted") -> dict:
    """(10, 10) counts: rows the true digit, columns the prediction; the diagonal is right.

    Drawn as square markers, not a heatmap: Streamlit reports clicks on markers, not on heatmap cells.
    ``rows``, ``columns``: the words for them (the class board says "meant" and "read").
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
                # A clicked cell must not fade the others: the matrix stays readable on the projector.
                "unselected": {"marker": {"opacity": 1}},
                "hovertemplate": f"{rows} %{{y}}, {columns} %{{x}}: %{{text}} (click to show them)<extra></extra>",
            }
        ],
        "layout": _layout(
            title,
            560,
            xaxis={"title": {"text": f"{columns} digit"}, "side": "top", "range": [-0.6, 9.6], **MATRIX_AXIS},
            yaxis={"title": {"text": f"{rows} digit"}, "autorange": "reversed", "range": [9.6, -0.6], **MATRIX_AXIS},
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
        (f"a = softmax({top})", a, "%{y:.3f}"),
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


# --- The network as the lab draws it (Model representation), static or live -------------------------
_NET_X = {"input": (0.0, 3.0), "layers": (6.0, 10.0, 14.0)}  # the input picture's x range; each layer's x
_NET_TOP, _NET_BOTTOM = 10.0, 0.0
_EDGE_COLORS = {True: BLUE, False: "#d62728"}  # a connection that pushes its unit on (+) or off (−)
_ACTIVATION_NAMES = {"relu": "ReLU", "linear": "linear", "sigmoid": "sigmoid"}


def _unit_ys(units: int) -> np.ndarray:
    """Evenly spread y positions, top to bottom, for a layer of ``units``."""
    margin = 0.35 if units > 12 else 1.0
    return np.linspace(_NET_TOP - margin, _NET_BOTTOM + margin, units)


def _pixel_xy(pixel: int) -> tuple[float, float]:
    """Centre of input pixel ``pixel`` (the lab's column-major order) in the diagram's coordinates."""
    x0, x1 = _NET_X["input"]
    size = (x1 - x0) / config.IMAGE_SIZE
    row, col = pixel % config.IMAGE_SIZE, pixel // config.IMAGE_SIZE
    middle = (_NET_TOP + _NET_BOTTOM) / 2
    return round(x0 + (col + 0.5) * size, 3), round(middle + (config.IMAGE_SIZE / 2 - row - 0.5) * size, 3)


def _segments(pairs: list[tuple[tuple[float, float], tuple[float, float]]]) -> tuple[list, list]:
    """Line segments as one trace's x and y, separated by None."""
    xs, ys = [], []
    for (xa, ya), (xb, yb) in pairs:
        xs += [xa, xb, None]
        ys += [ya, yb, None]
    return xs, ys


def network(
    layers, x: np.ndarray | None = None, hidden=None, probabilities=None, strongest: tuple[int, ...] = (30, 30, 20)
) -> dict:
    """The lab's 400 → 25 → 15 → 10 network as nodes and links.

    Static (``x`` None): every connection between the units, faint, and each layer's name, units,
    activation and parameter count. Live: ``x`` (400,) the input drawn as its 20x20 picture, each
    unit coloured by its activation (``hidden``: the hidden layers' (units,) outputs; ``probabilities``
    for the output layer), and per layer only the ``strongest`` connections by |weight x activation|.
    """
    sizes = [layer.b.size for layer in layers]
    ys = [_unit_ys(n).round(3).tolist() for n in sizes]  # plain floats: cheap to round and send
    xs = [_NET_X["layers"][min(i, 2)] + 4.0 * max(0, i - 2) for i in range(len(layers))]
    x0, x1 = _NET_X["input"]
    half = (x1 - x0) / 2
    middle = (_NET_TOP + _NET_BOTTOM) / 2
    picture = np.zeros((config.IMAGE_SIZE, config.IMAGE_SIZE)) if x is None else row_to_image(x)
    data = [
        {
            "type": "heatmap",
            "z": np.round(np.clip(picture, 0, 1), 2).tolist(),
            "x0": x0 + half / config.IMAGE_SIZE,
            "dx": 2 * half / config.IMAGE_SIZE,
            "y0": middle + half - half / config.IMAGE_SIZE,
            "dy": -2 * half / config.IMAGE_SIZE,
            "colorscale": [[0, "#000000"], [1, "#ffffff"]] if x is not None else [[0, "#e8e8e8"], [1, "#e8e8e8"]],
            "zmin": 0,
            "zmax": 1,
            "showscale": False,
            "hoverinfo": "skip",
        }
    ]
    live = x is not None and hidden is not None and probabilities is not None
    if not live:
        pairs = [
            ((x1, middle + half * t), (xs[0], y))
            for t, y in zip(np.linspace(1, -1, sizes[0]).tolist(), ys[0], strict=True)
        ]
        for i in range(1, len(layers)):
            between = [((xs[i - 1], ya), (xs[i], yb)) for ya in ys[i - 1] for yb in ys[i]]
            pairs += between[:: -(-len(between) // 1000)]  # a retrained 256-unit layer: a sample, not 65,536
        ex, ey = _segments(pairs)
        data.append(_edge_trace(ex, ey, GREY, 0.7, 0.6))
    else:
        inputs = [np.asarray(x, dtype=np.float32)] + [np.asarray(h, dtype=np.float32) for h in hidden]
        groups: dict[tuple[bool, bool], list] = {}  # (pushes on, strong): one trace each, over all layers
        for i, (layer, a_in) in enumerate(zip(layers, inputs, strict=False)):
            active = np.flatnonzero(a_in)  # an input at 0 (no ink, a unit off) adds nothing
            contribution = a_in[active, None] * layer.W[active]  # (active inputs, units): what each adds
            k = min(strongest[min(i, len(strongest) - 1)], contribution.size)
            if k == 0:
                continue
            magnitude = np.abs(contribution).ravel()
            flat = np.argpartition(magnitude, -k)[-k:]
            top = float(magnitude[flat].max()) or 1.0
            for f in flat.tolist():
                row, unit = divmod(f, contribution.shape[1])
                value = float(contribution[row, unit])
                if value != 0:
                    source = int(active[row])
                    start = _pixel_xy(source) if i == 0 else (xs[i - 1], ys[i - 1][source])
                    groups.setdefault((value > 0, abs(value) > top / 2), []).append((start, (xs[i], ys[i][unit])))
        for (positive, strong), pairs in sorted(groups.items()):
            ex, ey = _segments(pairs)
            data.append(_edge_trace(ex, ey, _EDGE_COLORS[positive], 4.0 if strong else 1.6, 0.85 if strong else 0.5))
    data.append(_node_trace(layers, xs, ys, hidden if live else None, probabilities if live else None))
    return {"data": data, "layout": _network_layout(layers, xs, live)}


def _edge_trace(xs: list, ys: list, color: str, width: float, opacity: float) -> dict:
    return {
        "type": "scatter",
        "mode": "lines",
        "x": xs,
        "y": ys,
        "line": {"color": color, "width": width},
        "opacity": opacity,
        "hoverinfo": "skip",
    }


def _node_trace(layers, xs, ys, hidden, probabilities) -> dict:
    """Every unit as one marker; live, filled by its activation relative to its layer's strongest."""
    px, py, fill, text, hover, line_colors, sizes = [], [], [], [], [], [], []
    last = len(layers) - 1
    for i, layer in enumerate(layers):
        values = None
        if hidden is not None:
            values = np.asarray(probabilities if i == last else hidden[i], dtype=float)
        top = float(values.max()) if values is not None and values.max() > 0 else 1.0
        best = int(np.argmax(values)) if values is not None and i == last else -1
        for unit, y in enumerate(ys[i]):
            px.append(xs[i])
            py.append(y)
            level = 0.0 if values is None else float(values[unit]) / top
            fill.append(round(level, 3))
            line_colors.append(ORANGE if unit == best else GREY)  # seen on the light and the dark theme
            sizes.append(30 if i == last else 18 if len(ys[i]) > 20 else 22)
            if i == last:
                share = "" if values is None else f"  {values[unit]:.0%}" if values[unit] >= 0.005 else "  0%"
                text.append(f"{unit}{share}")
                hover.append(f"digit {unit}" + ("" if values is None else f": probability {values[unit]:.4f}"))
            else:
                text.append("")
                state = "" if values is None else f": {values[unit]:.3f}" + (" (off)" if values[unit] == 0 else "")
                hover.append(f"{layer.name} unit {unit}{state}")
    return {
        "type": "scatter",
        "mode": "markers+text",
        "x": px,
        "y": py,
        "text": text,
        "textposition": "middle right",
        "textfont": {"size": 18},
        "hovertext": hover,
        "hoverinfo": "text",
        "marker": {
            "size": sizes,
            "color": fill,
            "cmin": 0,
            "cmax": 1,
            "colorscale": [[0, "#ffffff"], [1, BLUE]],
            "line": {"color": line_colors, "width": [4 if c == ORANGE else 1.5 for c in line_colors]},
        },
    }


def _network_layout(layers, xs, live: bool) -> dict:
    x0, x1 = _NET_X["input"]
    heads = [((x0 + x1) / 2, f"input: 20x20<br>= {config.N_PIXELS} pixels")]
    for layer, x in zip(layers, xs, strict=True):
        activation = _ACTIVATION_NAMES.get(layer.activation, layer.activation)
        heads.append((x, f"<b>{layer.name}</b>: Dense {layer.b.size}<br>{activation}<br>{layer.n_params:,} params"))
    annotations = [
        {"x": x, "y": _NET_TOP + 0.5, "text": text, "showarrow": False, "yanchor": "bottom", "font": {"size": 16}}
        for x, text in heads
    ]
    annotations.append(
        {
            "x": xs[-1],
            "y": _NET_BOTTOM - 0.5,
            "text": "logits → softmax → probability" if live else "10 logits (softmax: in the loss)",
            "showarrow": False,
            "font": {"size": 15},
        }
    )
    return _layout(
        "",
        620,
        showlegend=False,
        xaxis={"visible": False, "range": [x0 - 0.3, xs[-1] + 3.2], "fixedrange": True},
        yaxis={"visible": False, "range": [_NET_BOTTOM - 1.1, _NET_TOP + 2.6], "fixedrange": True},
        annotations=annotations,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )


def digit_accuracy(accuracy: list[float | None], counts: list[int], title: str = "") -> dict:
    """Per-digit share read right, one bar per digit meant, with the share and count written large."""
    shares = [None if a is None else round(a, 4) for a in accuracy]
    return {
        "data": [
            {
                "type": "bar",
                "x": DIGITS,
                "y": shares,
                "marker": {"color": [BLUE if a is None or a >= 0.5 else ORANGE for a in accuracy]},
                "text": ["" if a is None else f"{a:.0%}" for a in accuracy],
                "customdata": counts,
                "textposition": "outside",
                "textfont": FONT,  # the theme's text colour: plotly's own grey was 3.7:1 on white
                "constraintext": "none",  # plotly would shrink the text to the bar's width
                "cliponaxis": False,
                "hovertemplate": "digit %{x}: %{y:.0%} of %{customdata} read right<extra></extra>",
            }
        ],
        "layout": _layout(
            title,
            400,
            font={"size": 22},
            xaxis={"title": {"text": "digit the students meant"}, "tickvals": DIGITS},
            yaxis={"title": {"text": "read right"}, "range": [0, 1.35], "tickvals": [0, 0.5, 1], "tickformat": ".0%"},
        ),
    }
