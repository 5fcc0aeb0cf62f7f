"""One module per page; each has ``render()``. Session keys are namespaced by page: "draw.brush"."""
