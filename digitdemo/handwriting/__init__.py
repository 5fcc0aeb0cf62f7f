"""Handwriting: digits as people draw them on the canvas, for the drawing models and their yardsticks.

- ``pendigits``: real pen strokes of 30 writers (UCI pendigits, CC BY 4.0), read from the vendored file.
- ``canvas``: strokes drawn as the Draw page's canvas draws them; MNIST digits placed on a canvas.
- ``pen``: a real pen path redrawn many ways (brush, slant, size, place, wobble), the drawing models' data.
- ``mnist_styles``: MNIST digits redrawn as people draw them (crossed 7s, flagged 1s, closed 4s, curled 9s).
- ``augment``: small random turns, shifts and scales of 20x20 rows.
- ``scripted``: seeded synthetic writers and the 800 drawings they made on the real canvas in Chromium.
- ``yardstick``: what a model reads in a set of drawings, per digit and per writer, and what it misreads.

NumPy and Pillow only: nothing here imports Streamlit or TensorFlow.
"""
