"""Server CPU of one stroke's live network diagram, part by part, beside a validated bar chart.

    python -m bench.diagram_cost [--repeat 200]

CPU time (time.process_time) of this process only, so other load on the machine matters less than
for wall-clock figures. Each part is what the Draw page does per stroke for the diagram: build the
figure from the forward pass, wrap it as a pre-checked Figure, and turn it into the JSON Streamlit
sends. For scale: Streamlit's validation of a small dict figure (the hidden-unit bars), which the
diagram skips.
"""

import argparse
import time

import plotly.io
import plotly.tools

from digitdemo import artifacts, data, figures
from digitdemo.pages.common import _Checked


def cpu_ms(work, repeat: int) -> float:
    work()  # warm up: plotly loads its validators on first use
    start = time.process_time()
    for _ in range(repeat):
        work()
    return (time.process_time() - start) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    model = artifacts.load()
    X, _ = data.load_data()
    out = model.forward(X[1015])
    hidden = [a[0] for a in out.hidden]
    figure = figures.network.network(model.layers, X[1015], hidden, out.probabilities[0])
    bars = figures.lab.hidden_bars(hidden)
    parts = {
        "build the diagram (figures.network.network)": lambda: figures.network.network(
            model.layers, X[1015], hidden, out.probabilities[0]
        ),
        "wrap it as a pre-checked Figure": lambda: _Checked(figure),
        "Streamlit's to_dict + to_json of it": lambda: plotly.io.to_json(
            plotly.tools.return_figure_from_figure_or_data(_Checked(figure), True), validate=False
        ),
        "for scale: validating the hidden-unit bars": lambda: plotly.tools.return_figure_from_figure_or_data(
            bars, True
        ),
        "for scale: validating the diagram (skipped)": lambda: plotly.tools.return_figure_from_figure_or_data(
            figure, True
        ),
    }
    print(f"CPU per call, mean of {args.repeat} (this process only)")
    for name, work in parts.items():
        print(f"  {name:<46} {cpu_ms(work, args.repeat):6.2f} ms")
    print(f"diagram: {len(figure['data'])} traces, {len(plotly.io.to_json(figure, validate=False)):,} bytes of JSON")


if __name__ == "__main__":
    main()
