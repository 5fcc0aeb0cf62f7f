"""The Draw page's drawing in progress, kept by the browser (assets/draft.js): a reconnect, a worker killed by
`serve`, a reload, and the strokes come back on the new session's canvas (issue 29). Nothing is kept on the server."""

import json

import streamlit as st

from digitdemo.pages.common import script

STARTED = "draft.started"  # set by this session's first run: the page that runs first in a session restores


def keep(canvas_version: int) -> None:
    """The lines of JavaScript that keep the canvas's strokes, and draw them again in a new session (hidden)."""
    fresh = STARTED not in st.session_state
    st.session_state[STARTED] = True
    code = script("draft.js").replace("FRESH, VERSION", f"{json.dumps(fresh)}, {int(canvas_version)}")
    with st.container(key="draw-draft"):  # hidden by style.css: it shows nothing
        st.html(f"<script>{code}</script>", unsafe_allow_javascript=True)
