"""Teacher sign-in on the pages: the server's one password gate, the link token, the form."""

import os

import streamlit as st

from digitdemo import serve
from digitdemo.classroom import auth, links, storage
from digitdemo.pages.common import say

SIGNED_IN = "teacher.signed_in"  # this session only: another tab or device signs in again


def _secret() -> str | None:
    try:
        value = st.secrets.get(auth.SECRET_NAME)
    except Exception:  # no secrets.toml, or a broken one (Streamlit's own error types): no password from it
        return None
    return value if isinstance(value, str) else None


def server_url() -> str:
    """The app's address as `streamlit run` (or `serve`) prints it (the network URL when there is one)."""
    from streamlit import config, net_util
    from streamlit.web.server import server_util

    address = _listening_address()
    if config.is_manually_set("browser.serverAddress"):
        host = config.get_option("browser.serverAddress")
    elif address and address not in {"0.0.0.0", "::"}:
        host = address
    else:
        host = net_util.get_internal_ip() or "localhost"
    return server_util.get_url(host)


def _listening_address() -> str | None:
    """The address students' browsers connect to: `serve`'s (its workers listen on loopback), else server.address."""
    from streamlit import config

    if os.environ.get(serve.PUBLIC_ADDRESS_ENV):
        return os.environ[serve.PUBLIC_ADDRESS_ENV]
    return config.get_option("server.address") if config.is_manually_set("server.address") else None


@st.cache_resource(show_spinner=False)
def _gate(configured: str | None, shared_token: str | None, database: str) -> auth.Gate:
    # Once per server process (and password): every session shares this gate; the brake is the database's.
    environ = {auth.PASSWORD_ENV: configured or "", auth.TOKEN_ENV: shared_token or ""}
    password = auth.resolve_password(environ, None)
    brake = auth.DatabaseBrake(storage.ClassStore(database))
    base = server_url()
    # Beside a chosen password too, a random link: it always signs in, whatever a student has been guessing.
    # Behind `serve`, every worker has the same one (shared_token), and `serve` prints it, once.
    link_token = password.value if password.generated else shared_token or auth.new_token()
    if not shared_token:
        link = auth.teacher_link(base, auth.Password(link_token, generated=True))
        other = f"set {auth.PASSWORD_ENV} before `streamlit run`" if password.generated else "the configured password"
        print(
            f"\n  digitdemo teacher sign-in (keep it to yourself):\n  {link}\n"
            f"  (or {other}; the link signs in even while wrong guesses pause the password)\n",
            flush=True,
        )
    return auth.Gate(password.value, unguessable=password.generated, link_token=link_token, brake=brake)


def gate() -> auth.Gate:
    """The server's password gate; the first call in a server process (at its start) prints the teacher link."""
    configured = os.environ.get(auth.PASSWORD_ENV) or _secret() or None
    return _gate(configured, os.environ.get(auth.TOKEN_ENV) or None, str(storage.default_location()))


def is_teacher() -> bool:
    return bool(st.session_state.get(SIGNED_IN))


def sign_in_from_link() -> None:
    """A ?teacher=TOKEN link signs in once; the token then leaves the address bar."""
    token = st.query_params.get(auth.LINK_PARAMETER)
    if token is None:
        return
    if not is_teacher() and token and (wait := gate().wait_s()) and gate().check(token) is not None:
        # Someone has been guessing (and this is not the server's own token, which always signs in):
        # the link stays in the address bar, to reload once the wait is over.
        st.session_state["teacher.problem"] = (
            f"Someone typed wrong passwords, so sign-in is paused for {wait} s; then reload this page."
        )
        return
    del st.query_params[auth.LINK_PARAMETER]
    if is_teacher() or not token:
        return
    problem = gate().check(token)
    if problem is None:
        st.session_state[SIGNED_IN] = True
    else:
        st.session_state["teacher.problem"] = f"The teacher link did not sign you in. {problem}"


def _submit() -> None:
    problem = gate().check(auth.from_box(st.session_state.get("teacher.password", "") or ""))
    st.session_state["teacher.password"] = ""
    if problem is None:
        st.session_state[SIGNED_IN] = True
    elif gate().wait_s():
        st.session_state["teacher.problem"] = f"{problem} The teacher link the server printed signs in at once."
    else:
        st.session_state["teacher.problem"] = problem


def sign_in_form(expanded: bool = False) -> None:
    """The teacher's password box, folded away for students; open when ``expanded`` or after a wrong password."""
    with st.expander("Teacher sign-in", expanded=expanded or "teacher.problem" in st.session_state):
        st.caption(
            "The teacher password, or the teacher link that `streamlit run` printed in its terminal: that link "
            "always signs in, even while wrong guesses pause the password. You stay signed in in this browser tab only."
        )
        with st.form("teacher.form", clear_on_submit=False, border=False):
            st.text_input("Teacher password", type="password", key="teacher.password", max_chars=200)
            st.form_submit_button("Sign in", on_click=_submit)
        problem = st.session_state.pop("teacher.problem", None)
        if problem:
            say("error", problem)


def sign_out_button() -> None:
    if st.button("Sign out", key="teacher.sign_out"):
        st.session_state.pop(SIGNED_IN, None)
        st.rerun()


def loopback_only() -> bool:
    """True if this server was started to answer this computer alone (--server.address 127.0.0.1)."""
    return links.loopback_only(_listening_address())


def student_base_url() -> str:
    """The app's address students can open: a localhost page becomes the machine's network address.

    Not when the server answers this computer alone: a network address would name a port nobody listens on.
    """
    from streamlit import net_util

    page = st.context.url or server_url()
    return links.reachable_base(page, None if loopback_only() else net_util.get_internal_ip())
