"""Plotly figures for the pages, one module a subject, readable on a projector. No Streamlit here.

style (colours, text, layout, shared by all) · lab (the lab's plots) · digits (digit grids, weight images)
network (the network diagram) · errors (the confusion matrix) · board (the class board's figures)
why (why this answer: the pixels that pushed it, the nearest training digits)
"""

from digitdemo.figures import board, digits, errors, lab, network, style, why

__all__ = ["board", "digits", "errors", "lab", "network", "style", "why"]
