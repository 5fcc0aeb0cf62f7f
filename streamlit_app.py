"""digitdemo: what `streamlit run streamlit_app.py` serves.

An st.App, so that the server's start can print the teacher sign-in link in the terminal (as
Jupyter prints its token), before anyone opens a page. Every page view runs router.py.
"""

from contextlib import asynccontextmanager

import streamlit as st


@asynccontextmanager
async def _at_start(_app):
    from digitdemo import state
    from digitdemo.pages.classroom import signin

    state.run_whole_page_after_reconnecting()  # a page whose worker died comes back to life on another
    signin.gate()  # makes the teacher password (unless one is configured) and prints the sign-in link
    yield


app = st.App("router.py", lifespan=_at_start)
