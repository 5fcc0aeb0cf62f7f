"""The pages: lab/ (the lab's, one module a page) and classroom/ (the class's); beside them what both use:
common (layout, plots, style) and progress (a training run's live progress). Each page has ``render()``.
Session keys are namespaced by page: "draw.brush"."""
