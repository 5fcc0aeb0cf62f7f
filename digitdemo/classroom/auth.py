"""Teacher sign-in: where the password comes from, its check, and one brake on guessing for the whole class.

No Streamlit here: the page layer reads ``st.secrets`` and passes the secret in, keeps one
``Gate`` per server process, and remembers a signed-in teacher in that teacher's session only.
The brake's count lives in the class database (``DatabaseBrake``), so every session and every server
process behind ``serve`` share it: opening new sessions, or landing on another worker, does not reset it.
"""

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from digitdemo.classroom.errors import ClassStoreError

PASSWORD_ENV = "DIGITDEMO_TEACHER_PASSWORD"
# The random token `serve` made for all its worker processes: one sign-in link for the whole server. It counts
# as made up by the server (unguessable, printed once, by `serve`), not as a password someone chose.
TOKEN_ENV = "DIGITDEMO_TEACHER_TOKEN"
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
    """$DIGITDEMO_TEACHER_PASSWORD, else the secrets file's teacher_password, else `serve`'s token, else a new one."""
    for candidate in (environ.get(PASSWORD_ENV), secret):
        if isinstance(candidate, str) and candidate.strip():
            return Password(candidate, generated=False)
    return Password(environ.get(TOKEN_ENV) or new_token(), generated=True)


def new_token() -> str:
    """A random teacher token: 144 bits, safe in a link."""
    return secrets.token_urlsafe(18)


def brake_wait_s(failures: int) -> float:
    """How long sign-in pauses after this many wrong guesses in a row (0: not yet)."""
    return 0.0 if failures < FREE_TRIES else min(LONGEST_WAIT_S, FIRST_WAIT_S * 2 ** (failures - FREE_TRIES))


class MemoryBrake:
    """The brake's count in this process alone: what sign-in falls back on while the class database is down."""

    def __init__(self):
        self._lock = threading.Lock()
        self._failures, self._closed_until = 0, 0.0

    def closed_until(self) -> float:
        return self._closed_until

    def failed(self, now: float) -> tuple[int, float]:
        """Count one more wrong guess: (wrong guesses in a row, closed until)."""
        with self._lock:
            self._failures += 1
            if wait := brake_wait_s(self._failures):
                self._closed_until = now + wait
            return self._failures, self._closed_until

    def cleared(self) -> None:
        with self._lock:
            self._failures = 0


class DatabaseBrake:
    """The brake's count in the class database: one for every session of every server process on it.

    If the database cannot be used, the brake goes on in this process's memory: sign-in never depends on it.
    """

    def __init__(self, store):
        self._store, self._fallback = store, MemoryBrake()

    def closed_until(self) -> float:
        try:
            return self._store.sign_in_brake()[1]
        except ClassStoreError:
            return self._fallback.closed_until()

    def failed(self, now: float) -> tuple[int, float]:
        try:
            return self._store.sign_in_failed(now, brake_wait_s)
        except ClassStoreError:
            return self._fallback.failed(now)

    def cleared(self) -> None:
        try:
            self._store.sign_in_cleared()
        except ClassStoreError:
            self._fallback.cleared()


class Gate:
    """Checks passwords in constant time and slows down repeated wrong guesses, for all sessions."""

    def __init__(
        self,
        password: str,
        clock: Callable[[], float] = time.time,
        unguessable: bool = False,
        link_token: str | None = None,
        brake=None,
    ):
        # unguessable: the server's own random token (144 bits). Guessing it is hopeless, so the right one
        # always signs in, even while the brake holds: a student typing wrong passwords cannot lock the
        # teacher out. A password someone chose may be weak: while the brake holds, it is not even looked at.
        # link_token: the printed link's random token beside a chosen password, which always signs in too, so a
        # student guessing now and then cannot keep the teacher at the machine waiting (issue 20).
        # brake: where wrong guesses are counted (a DatabaseBrake for a server; this process alone by default).
        # The clock is the wall clock: the brake's times are shared by processes.
        self._password = password.encode()
        self._unguessable = unguessable
        self._link_token = None if link_token is None else link_token.encode()
        self._clock = clock
        self._lock = threading.Lock()
        self._brake = brake if brake is not None else MemoryBrake()

    def wait_s(self) -> int:
        """Whole seconds before the next guess is looked at (0: now)."""
        return max(0, int(-(-(self._brake.closed_until() - self._clock()) // 1)))

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
                self._brake.cleared()
                return None
            failures, _ = self._brake.failed(self._clock())
            if failures < FREE_TRIES:
                return "Wrong password."
            return f"Wrong password; wait {brake_wait_s(failures):.0f} s before trying again."


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
