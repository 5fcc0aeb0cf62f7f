"""Teacher sign-in on the pages: the server's one password gate, the one-time link tokens, the form, the cookie."""

import json
import os

import streamlit as st

from digitdemo import serve
from digitdemo.classroom import auth, links, storage
from digitdemo.pages.common import say

SIGNED_IN = "teacher.signed_in"  # this session is the teacher's (from a sign-in, or its browser's cookie)
SECRET = "teacher.secret"  # the secret this browser's teacher cookie holds (its hash is in the class database)
CHECKED = "teacher.checked"  # the session's cookie was looked at (once a session: its cookies are its first request's)
PENDING = "teacher.pending"  # a line of JavaScript for this run: keep the cookie (and leave the link), or forget it
ANOTHER = "teacher.another"  # (link, valid until) made for another device
SIGNED_IN_LINE = "Signed in as the teacher in this browser for 12 hours or until Sign out."


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
def _sign_ins(database: str) -> auth.TeacherSignIn:
    return auth.TeacherSignIn(storage.ClassStore(database))


def sign_ins() -> auth.TeacherSignIn:
    """The servers' sign-in links and signed-in browsers, in the class database."""
    return _sign_ins(str(storage.default_location()))


@st.cache_resource(show_spinner=False)
def _gate(configured: str | None, shared_token: str | None, database: str) -> auth.Gate:
    # Once per server process (and password): every session shares this gate; the brake is the database's.
    brake = auth.DatabaseBrake(storage.ClassStore(database))
    base = server_url()
    # The printed link's token signs in once, on any worker (issue 28): its hash is in the database. Beside a chosen
    # password too, so a student guessing cannot keep the teacher waiting. Behind `serve`, every worker has the same
    # one (shared_token; a restarted worker's stays used), and `serve` prints it, once.
    link_token = shared_token or auth.new_token()
    _sign_ins(database).add_link(link_token)
    if not shared_token:
        link = auth.teacher_link(base, auth.Password(link_token, generated=True))
        other = "the configured password" if configured else f"set {auth.PASSWORD_ENV} before `streamlit run`"
        print(
            f"\n  digitdemo teacher sign-in (keep it to yourself; it signs in once, then the signed-in teacher can "
            f"make another):\n  {link}\n"
            f"  (or {other}; the link signs in even while wrong guesses pause the password)\n",
            flush=True,
        )
    return auth.Gate(configured, brake=brake, links=_sign_ins(database))


def gate() -> auth.Gate:
    """The server's password gate; the first call in a server process (at its start) prints the teacher link."""
    configured = os.environ.get(auth.PASSWORD_ENV) or _secret() or None
    return _gate(configured, os.environ.get(auth.TOKEN_ENV) or None, str(storage.default_location()))


def is_teacher() -> bool:
    """Whether this session is the teacher's: signed in here, or its browser's cookie names a signed-in teacher."""
    if not st.session_state.get(CHECKED):
        st.session_state[CHECKED] = True
        secret = st.context.cookies.get(auth.TEACHER_COOKIE)
        if not st.session_state.get(SIGNED_IN) and sign_ins().holds(secret):
            st.session_state[SIGNED_IN], st.session_state[SECRET] = True, secret
    return bool(st.session_state.get(SIGNED_IN))


def _signed_in() -> None:
    """This session is the teacher's; so is its browser, through a cookie, unless the database is down."""
    st.session_state[SIGNED_IN] = st.session_state[CHECKED] = True
    secret = sign_ins().start_session()
    if secret is None:
        return
    st.session_state[SECRET] = secret
    cookie = f"{auth.TEACHER_COOKIE}={secret}; path=/; max-age={auth.SESSION_SECONDS}; samesite=strict"
    st.session_state[PENDING] = f"document.cookie = {json.dumps(cookie)};"


def keep_in_browser() -> None:
    """Where this run's line of JavaScript for the teacher's cookie goes: an empty box on every run (one page shape)."""
    script = st.session_state.pop(PENDING, None)
    with st.container(key="teacher-browser"):  # hidden by style.css: it shows nothing
        if script:
            st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def sign_in_from_link() -> None:
    """A ?teacher=TOKEN link signs in once; the token then leaves the address bar and the tab's history."""
    token = st.query_params.get(auth.LINK_PARAMETER)
    if token is None:
        return
    if is_teacher() or not token:
        del st.query_params[auth.LINK_PARAMETER]
        return
    problem = gate().check(token)  # once: a server's link signs in once
    if problem is not None and (wait := gate().wait_s()):
        # Someone has been guessing (and this is not a server's link, which always signs in):
        # the link stays in the address bar, to reload once the wait is over.
        st.session_state["teacher.problem"] = (
            f"Someone typed wrong passwords, so sign-in is paused for {wait} s; then reload this page."
        )
        return
    if problem is not None:
        del st.query_params[auth.LINK_PARAMETER]
        used = "It signs in once: a link that signed in already, or a printed one of before, does not."
        st.session_state["teacher.problem"] = f"The teacher link did not sign you in. {used} {problem}"
        return
    _signed_in()
    # Not `del st.query_params[...]`: Streamlit would push a new history entry, and Back would show the token (on the
    # projector). The page is loaded again without it, in the same entry of the tab's history; the cookie signs in.
    leave = (
        f"const u = new URL(window.location.href); u.searchParams.delete({json.dumps(auth.LINK_PARAMETER)}); "
        "window.location.replace(u.toString());"
    )
    st.session_state[PENDING] = st.session_state.get(PENDING, "") + leave
    keep_in_browser()
    st.stop()  # nothing to click before the page comes again (a click then would be lost)


def _submit() -> None:
    problem = gate().check(auth.from_box(st.session_state.get("teacher.password", "") or ""))
    st.session_state["teacher.password"] = ""
    if problem is None:
        _signed_in()
    elif gate().wait_s():
        st.session_state["teacher.problem"] = f"{problem} The teacher link the server printed signs in at once."
    else:
        st.session_state["teacher.problem"] = problem


def sign_in_form(expanded: bool = False) -> None:
    """The teacher's password box, folded away for students; open when ``expanded`` or after a wrong password."""
    with st.expander("Teacher sign-in", expanded=expanded or "teacher.problem" in st.session_state):
        st.caption(
            "The teacher password, or the teacher link that `streamlit run` printed in its terminal: that link "
            "signs in once, even while wrong guesses pause the password (a signed-in teacher makes another for another "
            "device; `python -m digitdemo class teacher-link` prints one). This browser then stays signed in for 12 "
            "hours, or until Sign out."
        )
        with st.form("teacher.form", clear_on_submit=False, border=False):
            st.text_input("Teacher password", type="password", key="teacher.password", max_chars=200)
            st.form_submit_button("Sign in", on_click=_submit)
        problem = st.session_state.pop("teacher.problem", None)
        if problem:
            say("error", problem)


def sign_out_button() -> None:
    if st.button("Sign out", key="teacher.sign_out"):
        secret = st.session_state.pop(SECRET, None)
        if secret:
            sign_ins().end_session(secret)  # this browser's cookie signs in no more, on any worker
        st.session_state[SIGNED_IN] = False
        st.session_state[PENDING] = f"document.cookie = {json.dumps(f'{auth.TEACHER_COOKIE}=; path=/; max-age=0')};"
        st.session_state.pop(ANOTHER, None)
        st.rerun()


def another_device() -> None:
    """A sign-in link for another device (a phone, the projector's machine): it signs in once, within 10 minutes."""
    with st.popover("Sign in on another device", width="content"):
        if st.button("Make a sign-in link", key="teacher.another_link"):
            token = sign_ins().new_link()
            st.session_state[ANOTHER] = auth.teacher_link(student_base_url(), auth.Password(token, generated=True))
        link = st.session_state.get(ANOTHER)
        if link:
            minutes = auth.LINK_SECONDS // 60
            st.caption(f"Open it on the other device within {minutes} minutes; it signs in once. Not on the projector.")
            st.code(link, language=None)


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
