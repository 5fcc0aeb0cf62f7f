"""`streamlit run streamlit_app.py` itself: the teacher sign-in line is printed at the server's start.

No page is opened in these tests: the terminal shows the line before anyone visits (the browser
lesson in test_browser_class.py then signs in with the printed link).
"""

import re
import time

from digitdemo.classroom import auth
from tests.browser import streamlit_server


def terminal(log, pattern: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text()
        if re.search(pattern, text):
            return text
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} not in the terminal:\n{log.read_text()}")


def test_without_a_password_the_start_prints_a_teacher_link(tmp_path, monkeypatch):
    monkeypatch.delenv(auth.PASSWORD_ENV, raising=False)
    log = tmp_path / "terminal.txt"
    with streamlit_server(log=log) as url:
        text = terminal(log, r"class\?teacher=")
    links = re.findall(r"http://\S+/class\?teacher=(\S+)", text)
    assert len(links) == 1, text  # printed once, with a token long enough not to be guessed
    assert len(links[0]) >= 20
    assert f"{url}/class?teacher=" in text


def test_with_a_configured_password_the_start_prints_a_link_of_its_own_and_never_the_password(tmp_path):
    log = tmp_path / "terminal.txt"
    with streamlit_server({auth.PASSWORD_ENV: "correct horse battery"}, log=log) as url:
        text = terminal(log, r"class\?teacher=")
    links = re.findall(rf"{re.escape(url)}/class\?teacher=(\S+)", text)
    assert len(links) == 1 and len(links[0]) >= 20, text  # a random token: it signs in whatever was guessed
    assert "or the configured password" in text
    assert "correct horse" not in text
