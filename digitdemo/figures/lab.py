"""The lab's own plots: probabilities, logits, hidden units, softmax's three stages, activation curves, the loss."""

import numpy as np

from digitdemo.figures import style


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
                "marker": {"color": [style.ORANGE if j == best else style.BLUE for j in classes]},
                "text": [f"{p:.0%}" if p >= 0.005 else "" for p in probabilities],
                "textposition": "outside",
                "textfont": style.FONT,
                "constraintext": "none",  # plotly would shrink it to the bar's width
                "cliponaxis": False,
                "hovertemplate": axis + " %{x}: %{y:.4f}<extra></extra>",
            }
        ],
        "layout": style.layout(
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
                "marker": {"color": [style.BLUE if v >= 0 else style.GREY for v in values]},
                "hovertemplate": "%{x}: %{y:.3f}<extra></extra>",
            }
        ],
        "layout": style.layout(title, 280, xaxis={"tickmode": "array", "tickvals": indices}),
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
                "marker": {"color": style.BLUE},
                "hovertemplate": f"layer {i}, unit " + "%{x}: %{y:.3f}<extra></extra>",
            }
        )
        axes[f"xaxis{axis}"] = {
            "domain": [edges[i - 1], edges[i] - 0.03],
            "title": {"text": f"layer {i}: {len(a)} units"},
            "tickmode": "array",
            # Every second unit numbered for the lab's 25 and 15; the wider network's 256 and 128 every 32 or 16.
            "tickvals": list(range(0, len(a), 2 if len(a) <= 30 else 16 if len(a) <= 128 else 32)),
        }
        axes[f"yaxis{axis}"] = {"anchor": f"x{axis}", "rangemode": "tozero"}
    return {"data": data, "layout": style.layout("", 300, showlegend=False, **axes)}


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
                "line": {"color": style.GREY, "dash": "dot"},
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
        "layout": style.layout(
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
        "layout": style.layout(title, height, **layout),
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
                "marker": {"color": [style.ORANGE if j == best else style.BLUE for j in indices]},
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
    return {"data": data, "layout": style.layout("", 300, showlegend=False, margin=margin, **axes)}
