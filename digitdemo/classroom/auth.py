"""Teacher sign-in: where the password comes from, its check, and a per-server brake on guessing.

No Streamlit here: the page layer reads ``st.secrets`` and passes the secret in, keeps one
``Gate`` per server process (every session shares it, so opening new sessions does not reset
the brake), and remembers a signed-in teacher in that teacher's session only.
"""

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

PASSWORD_ENV = "DIGITDEMO_TEACHER_PASSWORD"
SECRET_NAME = "teacher_password"  # in .streamlit/secrets.toml
LINK_PARAMETER = "teacher"  # /class?teacher=TOKEN signs in, as Jupyter's ?token=
# Wrong guesses allowed before the brake: a teacher may mistype twice.
FREE_TRIES = 3
# After that, each wrong guess doubles the wait: 2, 4, 8 ... s, up to 5 minutes.
FIRST_WAIT_S = 2.0
LONGEST_WAIT_S = 300.0


@dataclass(frozen=True)
class Password:
    """The teacher password and whether the server made it up (then it prints a sign-in link)."""

    value: str
    generated: bool


def resolve_password(environ: Mapping[str, str], secret: str | None) -> Password:
    """$DIGITDEMO_TEACHER_PASSWORD, else the secrets file's teacher_password, else a random token."""
    for candidate in (environ.get(PASSWORD_ENV), secret):
        if isinstance(candidate, str) and candidate.strip():
            return Password(candidate, generated=False)
    return Password(secrets.token_urlsafe(18), generated=True)


class Gate:
    """Checks passwords in constant time and slows down repeated wrong guesses, for all sessions."""

    def __init__(
        self,
        password: str,
        clock: Callable[[], float] = time.monotonic,
        unguessable: bool = False,
        link_token: str | None = None,
    ):
        # unguessable: the server's own random token (144 bits). Guessing it is hopeless, so the right one
        # always signs in, even while the brake holds: a student typing wrong passwords cannot lock the
        # teacher out. A password someone chose may be weak: while the brake holds, it is not even looked at.
        # link_token: the printed link's random token beside a chosen password, which always signs in too, so a
        # student guessing now and then cannot keep the teacher at the machine waiting (issue 20).
        self._password = password.encode()
        self._unguessable = unguessable
        self._link_token = None if link_token is None else link_token.encode()
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._closed_until = 0.0

    def wait_s(self) -> int:
        """Whole seconds before the next guess is looked at (0: now)."""
        return max(0, int(-(-(self._closed_until - self._clock()) // 1)))

    def check(self, attempt: str) -> str | None:
        """None if ``attempt`` is the password; otherwise the one sentence to show."""
        if not attempt:  # an empty box or `?teacher=` guesses nothing: it does not count
            return "Type the teacher password."
        with self._lock:
            if self._link_token is not None and hmac.compare_digest(attempt.encode(errors="replace"), self._link_token):
                return None
            right = hmac.compare_digest(attempt.encode(errors="replace"), self._password)
            wait = self.wait_s()
            if wait and not (right and self._unguessable):
                return f"Too many wrong passwords; wait {wait} s before trying again."
            if right:
                self._failures = 0
                return None
            self._failures += 1
            if self._failures < FREE_TRIES:
                return "Wrong password."
            wait = min(LONGEST_WAIT_S, FIRST_WAIT_S * 2 ** (self._failures - FREE_TRIES))
            self._closed_until = self._clock() + wait
            return f"Wrong password; wait {wait:.0f} s before trying again."


def from_box(typed: str) -> str:
    """What the sign-in box holds, as the attempt to check: a pasted teacher link counts as its token."""
    text = typed.strip()
    if text.startswith(("http://", "https://")):
        token = parse_qs(urlsplit(text).query).get(LINK_PARAMETER)
        if token:
            return token[-1]
    return typed


def teacher_link(base_url: str, password: Password) -> str:
    """The link that signs the teacher in, as the server prints it."""
    return f"{base_url.rstrip('/')}/class?{LINK_PARAMETER}={password.value}"
