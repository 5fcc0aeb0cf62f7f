"""Teacher sign-in: where the password comes from, its check, and one brake on guessing for the whole class.

No Streamlit here: the page layer reads ``st.secrets`` and passes the secret in, keeps one
``Gate`` per server process, and remembers a signed-in teacher in that teacher's session only.
The brake's count lives in the class database (``DatabaseBrake``), so every session and every server
process behind ``serve`` share it: opening new sessions, or landing on another worker, does not reset it.
"""

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
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
# A signed-in teacher's browser keeps the sign-in in this cookie (issue 28): a reload, a new tab or a killed worker
# in the lecture hall no longer drops the teacher to the student's page mid-lesson. A school day, or until Sign out.
TEACHER_COOKIE = "digitdemo_teacher"
SESSION_SECONDS = 12 * 3600
# A sign-in link a signed-in teacher asks for (another device), or `class teacher-link` prints: signs in once, soon.
LINK_SECONDS = 10 * 60


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


def secret_key(secret: str) -> str:
    """What the database keeps of a link token or a browser's secret: its SHA-256, never the secret."""
    return hashlib.sha256(secret.encode(errors="replace")).hexdigest()


class TeacherSignIn:
    """Sign-in links that sign in once, and signed-in teachers' browsers, kept in the class database for every
    server process on it (issue 28).

    A link's token, seen on a projector, in a history or in the address bar's suggestions, is worth nothing once it
    signed someone in. While the database cannot be used, this process goes on alone: a link it made signs in once
    here, and a teacher stays signed in in that tab only.
    """

    def __init__(self, store, clock: Callable[[], float] = time.time):
        self._store, self._clock = store, clock
        self._lock = threading.Lock()
        self._links: dict[str, float | None] = {}  # this process's own links, unused: key -> expires at (fallback)

    def add_link(self, token: str, seconds: float | None = None) -> None:
        """Let ``token`` sign in once (within ``seconds``; None: until used). A token added already stays as it is."""
        now = self._clock()
        expires_at = None if seconds is None else now + seconds
        with self._lock:
            self._links.setdefault(secret_key(token), expires_at)
        with suppress(ClassStoreError):  # this process still knows it
            self._store.add_teacher_link(secret_key(token), now, expires_at)

    def new_link(self) -> str:
        """A fresh token for a sign-in link that signs in once, within LINK_SECONDS."""
        token = new_token()
        self.add_link(token, LINK_SECONDS)
        return token

    def use_link(self, token: str) -> bool:
        """True, once, for a token this or another server made and nobody used yet (and not expired)."""
        if not token:
            return False
        key, now = secret_key(token), self._clock()
        with self._lock:
            try:
                used = self._store.use_teacher_link(key, now)
            except ClassStoreError:
                expires_at = self._links.get(key, 0.0)
                used = key in self._links and (expires_at is None or expires_at > now)
            self._links.pop(key, None)  # used here, or somewhere else already
            return used

    def start_session(self) -> str | None:
        """A new secret for the signed-in teacher's browser cookie, its hash kept; None if the database is down."""
        secret, now = secrets.token_urlsafe(32), self._clock()
        try:
            self._store.add_teacher_session(secret_key(secret), now, now + SESSION_SECONDS)
        except ClassStoreError:
            return None
        return secret

    def holds(self, secret: object) -> bool:
        """Whether a browser's cookie value signs a teacher in now (False too while the database is down)."""
        if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
            return False
        try:
            return self._store.teacher_session(secret_key(secret), self._clock())
        except ClassStoreError:
            return False

    def end_session(self, secret: str) -> None:
        """Sign out: the browser's secret signs in no more, on any server."""
        with suppress(ClassStoreError):
            self._store.end_teacher_session(secret_key(secret))


class Gate:
    """Checks passwords in constant time and slows down repeated wrong guesses, for all sessions."""

    def __init__(
        self,
        password: str | None,
        clock: Callable[[], float] = time.time,
        unguessable: bool = False,
        link_token: str | None = None,
        brake=None,
        links: TeacherSignIn | None = None,
    ):
        # unguessable: the server's own random token (144 bits). Guessing it is hopeless, so the right one
        # always signs in, even while the brake holds: a student typing wrong passwords cannot lock the
        # teacher out. A password someone chose may be weak: while the brake holds, it is not even looked at.
        # link_token: the printed link's random token beside a chosen password, which always signs in too, so a
        # student guessing now and then cannot keep the teacher at the machine waiting (issue 20).
        # brake: where wrong guesses are counted (a DatabaseBrake for a server; this process alone by default).
        # links: the servers' sign-in links (TeacherSignIn): each token signs in once, whatever the brake, as
        # link_token did for as long as the server ran (issue 28). password None: no password, links only.
        # The clock is the wall clock: the brake's times are shared by processes.
        self._password = None if password is None else password.encode()
        self._links = links
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
            if self._links is not None and self._links.use_link(attempt):
                return None
            typed = attempt.encode(errors="replace")
            right = self._password is not None and hmac.compare_digest(typed, self._password)
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
