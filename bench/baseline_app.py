"""The baseline: what typical Streamlit digit demos do, for side-by-side benchmarks only.

The same shipped weights through a Keras model loaded in the server process, `predict` on
every rerun of the whole script, and a plain resize of the whole canvas. Not part of the app.
"""

import numpy as np
import streamlit as st
import tensorflow as tf
from PIL import Image
from streamlit_drawable_canvas import st_canvas

from digitdemo import config


@st.cache_resource
def load_model():
    return tf.keras.models.load_model(config.MODEL_DIR / config.KERAS_NAME)


st.title("Digit recognizer (baseline)")
st.session_state.setdefault("version", 0)
if st.button("Clear"):
    st.session_state.version += 1
result = st_canvas(
    stroke_width=18,
    stroke_color="#FFFFFF",
    background_color="#000000",
    height=280,
    width=280,
    return_image_data=True,
    key=f"canvas{st.session_state.version}",
)
image = result.image_data
if image is not None and image[..., :3].max() > 0:
    grey = Image.fromarray(image).convert("L").resize((20, 20))
    x = np.asarray(grey, dtype=np.float32).T.reshape(1, 400) / 255
    probabilities = tf.nn.softmax(load_model().predict(x, verbose=0)).numpy()[0]
    st.metric("Prediction", int(np.argmax(probabilities)))
    st.bar_chart(probabilities)
else:
    st.metric("Prediction", "—")
