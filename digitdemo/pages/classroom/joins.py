"""The room's brake on joining, for the teacher (issue 28): new students a minute, what it took and refused."""

import streamlit as st

from digitdemo.classroom import rooms, service
from digitdemo.classroom.service import ClassError
from digitdemo.pages.classroom import room
from digitdemo.pages.common import say
from digitdemo.text import plural

CHECK_S = 5.0  # how often the teacher's page looks (one read of a small index)


def render(code: str) -> None:
    """Refusals said at once (a script, or a limit too low for the class); the limit one click away."""
    st.fragment(_joins, run_every=CHECK_S)(code)


def _joins(code: str) -> None:
    try:
        joins = service.joins(room.store(), code)
    except ClassError:
        return  # the board says why
    if joins.refused:
        st.warning(
            f"Room {code} refused {plural(joins.refused, 'new student')} in the last 10 minutes: more joined than its "
            f"{joins.budget} a minute. A script opening the link again and again? Lower the limit (0: nobody new), or "
            "raise it if your class is still coming in.",
            icon="🚪",
        )
    with st.popover(f"Joining: {joins.budget} a minute at most", width="content"):
        st.caption(
            f"{plural(joins.last_minute, 'student')} joined in the last minute. A reload, a new tab or the link opened "
            "again finds the same student: only a new browser joins. Students whose page is open are never pushed out."
        )
        key = f"class.join_budget.{code}"
        if key not in st.session_state:
            st.session_state[key] = joins.budget
        st.number_input(
            "New students a minute (0: nobody new joins)", min_value=0, max_value=rooms.MAX_JOINS_PER_MINUTE,
            step=10, key=key, on_change=_set, args=(code, key),
        )  # fmt: skip


def _set(code: str, key: str) -> None:
    try:
        service.set_join_budget(room.store(), code, st.session_state[key])
    except ClassError as error:
        say("error", str(error))
