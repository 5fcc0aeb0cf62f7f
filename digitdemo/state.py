"""The only Streamlit cache wrappers and session helpers. Pages get data and models from here.

Shared, read-only things (the dataset, the default model) sit behind st.cache_resource;
a student's retrained model lives in that student's session only.
"""

import os

import numpy as np
import streamlit as st

from digitdemo import artifacts, config, data

SESSION_MODEL = "model.session"  # this student's retrained model, if any
LAST_LOGITS = "draw.logits"  # the current drawing's logits, for the Softmax page


@st.cache_resource(show_spinner=False)
def _dataset(data_dir: str | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {"training": data.load_data(data_dir), "test": data.load_test_data()}


def dataset(which: str = "training") -> tuple[np.ndarray, np.ndarray]:
    """X (5000, 400), y (5000, 1) of the "training" or "test" set; a clear error stops the page."""
    try:
        return _dataset(os.environ.get(config.LAB_DATA_ENV))[which]
    except data.DataError as error:
        st.error(f"The dataset cannot be loaded: {error}")
        st.stop()


@st.cache_resource(show_spinner=False, max_entries=4)
def _default_model(path: str, mtime_ns: int) -> artifacts.TrainedModel:
    # The file's mtime is in the key: saving a new default reaches every session.
    return artifacts.load(path)


def default_model() -> artifacts.TrainedModel:
    """The model in models/ (or $DIGITDEMO_MODEL_DIR); a clear error stops the page if it is broken."""
    directory = artifacts.model_dir()
    try:
        mtime = (directory / config.WEIGHTS_NAME).stat().st_mtime_ns
        return _default_model(str(directory), mtime)
    except FileNotFoundError:
        error = artifacts.ModelError(f"There is no model in {directory}. {artifacts.RESTORE_HINT}")
    except artifacts.ModelError as model_error:
        error = model_error
    st.error(f"The model cannot be loaded. {error}")
    st.stop()


def current_model() -> artifacts.TrainedModel:
    """This session's retrained model if there is one, else the default model."""
    return st.session_state.get(SESSION_MODEL) or default_model()


def model_caption() -> str:
    """Which model the page is using, in words."""
    if st.session_state.get(SESSION_MODEL) is not None:
        recipe = st.session_state[SESSION_MODEL].meta["recipe"]
        return (
            f"Using **your retrained model** ({recipe['epochs']} epochs, learning rate {recipe['learning_rate']}, "
            f"hidden units {recipe['hidden_units']}). The Training page can switch back."
        )
    return "Using the shipped model, trained with the lab's recipe."
