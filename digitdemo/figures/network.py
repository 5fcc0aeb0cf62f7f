"""The network as the lab draws it (Model representation), static or live."""

import numpy as np

from digitdemo import config
from digitdemo.data import row_to_image
from digitdemo.figures import style

_NET_X = {"input": (0.0, 3.0), "layers": (6.0, 10.0, 14.0)}  # the input picture's x range; each layer's x
_NET_TOP, _NET_BOTTOM = 10.0, 0.0
_EDGE_COLORS = {True: style.BLUE, False: "#d62728"}  # a connection that pushes its unit on (+) or off (−)
_ACTIVATION_NAMES = {"relu": "ReLU", "linear": "linear", "sigmoid": "sigmoid"}


# A layer of more units than this is drawn in columns of at most this many (a wider network's 256 and 128), so
# that every unit stays a marker of its own that a hover names.
_COLUMN_UNITS = 32
_COLUMN_GAP = 0.32  # diagram units between a wide layer's columns


def _unit_ys(units: int) -> np.ndarray:
    """Evenly spread y positions, top to bottom, for a column of ``units``."""
    margin = 0.35 if units > 12 else 1.0
    return np.linspace(_NET_TOP - margin, _NET_BOTTOM + margin, units)


def _unit_positions(units: int, x: float) -> tuple[list[float], list[float]]:
    """Each unit's (x, y): one column at x, or for a wide layer columns side by side around x, unit 0 top left."""
    columns = -(-units // _COLUMN_UNITS)
    rows = -(-units // columns)
    column_ys = _unit_ys(rows).round(3).tolist()
    first = x - _COLUMN_GAP * (columns - 1) / 2
    unit_xs = [round(first + _COLUMN_GAP * (unit // rows), 3) for unit in range(units)]
    return unit_xs, [column_ys[unit % rows] for unit in range(units)]


def _wide(units: int) -> bool:
    return units > _COLUMN_UNITS


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
    xs = [_NET_X["layers"][min(i, 2)] + 4.0 * max(0, i - 2) for i in range(len(layers))]
    positions = [_unit_positions(n, x) for n, x in zip(sizes, xs, strict=True)]  # plain floats: cheap to send
    at = [list(zip(ux, uy, strict=True)) for ux, uy in positions]  # at[layer][unit]: (x, y)
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
            ((x1, middle + half * t), unit)
            for t, unit in zip(np.linspace(1, -1, sizes[0]).tolist(), at[0], strict=True)
        ]
        for i in range(1, len(layers)):
            between = [(a, b) for a in at[i - 1] for b in at[i]]
            pairs += between[:: -(-len(between) // 1000)]  # a retrained 256-unit layer: a sample, not 65,536
        ex, ey = _segments(pairs)
        data.append(_edge_trace(ex, ey, style.GREY, 0.7, 0.6))
    else:
        groups: dict[tuple[bool, bool], list] = {}  # (pushes on, strong): one trace each, over all layers
        for i, source, unit, positive, strong in strongest_links(layers, x, hidden, strongest):
            start = _pixel_xy(source) if i == 0 else at[i - 1][source]
            groups.setdefault((positive, strong), []).append((start, at[i][unit]))
        for (positive, strong), pairs in sorted(groups.items()):
            ex, ey = _segments(pairs)
            data.append(_edge_trace(ex, ey, _EDGE_COLORS[positive], 4.0 if strong else 1.6, 0.85 if strong else 0.5))
    data.append(_node_trace(layers, positions, hidden if live else None, probabilities if live else None))
    return {"data": data, "layout": _network_layout(layers, xs, live)}


def strongest_links(layers, x, hidden, strongest: tuple[int, ...] = (30, 30, 20)) -> list[tuple]:
    """The links the live diagram draws: into each layer the ``strongest`` by |weight x activation|, as (layer,
    source, unit, pushes on, strong: over half the layer's strongest). assets/sees.js draws the same for the canvas."""
    inputs = [np.asarray(x, dtype=np.float32)] + [np.asarray(h, dtype=np.float32) for h in hidden]
    links = []
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
                links.append((i, int(active[row]), unit, value > 0, abs(value) > top / 2))
    return links


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


def _node_trace(layers, positions, hidden, probabilities) -> dict:
    """Every unit as one marker; live, filled by its activation relative to its layer's strongest."""
    px, py, fill, text, hover, line_colors, sizes = [], [], [], [], [], [], []
    last = len(layers) - 1
    for i, layer in enumerate(layers):
        values = None
        if hidden is not None:
            values = np.asarray(probabilities if i == last else hidden[i], dtype=float)
        top = float(values.max()) if values is not None and values.max() > 0 else 1.0
        best = int(np.argmax(values)) if values is not None and i == last else -1
        unit_xs, unit_ys = positions[i]
        for unit, (x, y) in enumerate(zip(unit_xs, unit_ys, strict=True)):
            px.append(x)
            py.append(y)
            level = 0.0 if values is None else float(values[unit]) / top
            fill.append(round(level, 3))
            line_colors.append(style.ORANGE if unit == best else style.GREY)  # seen on the light and the dark theme
            sizes.append(30 if i == last else 9 if _wide(len(unit_ys)) else 18 if len(unit_ys) > 20 else 22)
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
            "colorscale": [[0, "#ffffff"], [1, style.BLUE]],
            "line": {"color": line_colors, "width": [4 if c == style.ORANGE else 1.5 for c in line_colors]},
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
    return style.layout(
        "",
        620,
        showlegend=False,
        xaxis={"visible": False, "range": [x0 - 0.3, xs[-1] + 3.2], "fixedrange": True},
        yaxis={"visible": False, "range": [_NET_BOTTOM - 1.1, _NET_TOP + 2.6], "fixedrange": True},
        annotations=annotations,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
