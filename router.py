"""digitdemo: the router, run by Streamlit for every page view (streamlit_app.py serves it)."""

import streamlit as st

from digitdemo import state
from digitdemo.pages.classroom import class_, room, signin
from digitdemo.pages.common import ICON, apply_style
from digitdemo.pages.lab import activations, dataset, draw, errors, model, predictions, softmax, training

st.set_page_config(page_title="digitdemo: how a network reads digits", page_icon=str(ICON), layout="wide")

PAGES = [
    st.Page(draw.render, title="Draw", icon=":material/draw:", url_path="draw"),
    st.Page(softmax.render, title="Softmax", icon=":material/bar_chart:", url_path="softmax"),
    st.Page(activations.render, title="Activations", icon=":material/show_chart:", url_path="activations"),
    st.Page(dataset.render, title="Dataset", icon=":material/grid_on:", url_path="dataset"),
    st.Page(model.render, title="Model", icon=":material/hub:", url_path="model"),
    st.Page(training.render, title="Training", icon=":material/model_training:", url_path="training"),
    st.Page(predictions.render, title="Predictions", icon=":material/target:", url_path="predictions"),
    st.Page(errors.render, title="Errors", icon=":material/error:", url_path="errors"),
    st.Page(class_.render, title="Class", icon=":material/groups:", url_path="class"),
]


def _home() -> None:
    # Streamlit serves the default page at "/" and ignores its url_path, so "/" hands over
    # to the Draw page: that way "/draw" is a link a teacher can share.
    st.switch_page(PAGES[0])


state.watch_training()  # once per server: clear the run folders a dead server left; watch runs' pages
present = state.presenting()  # ?present=1: for the projector, pages along the top and no sidebar
apply_style(present)
signin.gate()  # cached: the server's start made the teacher password and printed the link (streamlit_app.py)
room.follow_model()  # a student in a room reads with the room's model on every page, not only on Draw
pages = [st.Page(_home, title="digitdemo", default=True, visibility="hidden"), *PAGES]
st.navigation(pages, position="top" if present else "sidebar").run()
