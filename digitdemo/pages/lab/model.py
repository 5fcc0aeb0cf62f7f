"""Model: the lab's three Dense layers, their parameters, and what the first layer learned."""

import pandas as pd
import streamlit as st

from digitdemo import config, figures, notebook, state
from digitdemo.pages.common import lead, show_plot


def render() -> None:
    st.title("The model")
    model = state.current_model()
    st.markdown(
        "Three `Dense` layers, as in the lab. Each unit of a layer computes $g(a \\cdot w + b)$ over "
        "*every* output of the layer before: layer 1 looks at all 400 pixels. " + state.model_caption()
    )
    show_plot(figures.network.network(model.layers), key="model.network")
    st.caption(
        "The lab's figure: 400 pixel values in, two hidden ReLU layers, 10 linear outputs (the logits). "
        "Every unit is linked to every unit of the layer before; the Draw page shows this network live."
    )
    inputs = [config.N_PIXELS] + [layer.b.size for layer in model.layers[:-1]]
    rows = [
        {
            "layer": layer.name,
            "units": layer.b.size,
            "activation": layer.activation,
            "W shape": str(layer.W.shape),
            "b shape": str(layer.b.shape),
            "parameters": f"{n_in} x {layer.b.size} + {layer.b.size} = {layer.n_params:,}",
        }
        for layer, n_in in zip(model.layers, inputs, strict=True)
    ]
    st.table(pd.DataFrame(rows).set_index("layer"))
    code, summary = st.columns(2)
    code.markdown("**Exercise 2**, as the lab writes it")
    code.code(notebook.EXERCISE_2_MODEL, language="python")
    summary.markdown("**`model.summary()`** of the model in use")
    summary.code(notebook.summary(model.layers), language="text")
    st.metric(
        "Total parameters",
        f"{model.n_params:,}",
        help=" + ".join(f"{layer.n_params:,}" for layer in model.layers),
    )
    st.markdown(
        "Softmax is not a layer here: the last layer outputs 10 **logits**, and the loss "
        "`SparseCategoricalCrossentropy(from_logits=True)` applies softmax inside (see the Softmax page)."
    )
    st.subheader("The first layer's weights as images")
    lead(
        "Unit j of layer 1 multiplies each pixel by a weight `W1[:, j]`: blue pixels push the unit on when "
        "inked, red pixels push it off. Expect no digits: most units look like speckle with a soft blob or two.",
        "The strongest colours sit near the edges, on pixels few digits ever ink, where a large weight lets a "
        "unit pick out those rare digits. A unit means little alone; the 25 together feed layer 2.",
        "Why so speckled",
    )
    show_plot(figures.digits.weight_images(model.layers[0].W), key="model.weights")
