"""A lecture hall: ``python -m digitdemo serve --processes N``, N `streamlit run` workers behind HAProxy.

One Streamlit process uses one core. ``serve`` starts N of them on loopback ports and HAProxy in front, on the
address and port students open. HAProxy keeps each browser on one worker by a cookie (a session's state, its
uploads and its pictures live in that worker; students behind one NAT share one IP, so never by IP), passes
websockets through, checks each worker's ``/_stcore/health`` every second and takes a dead one out of
rotation; ``serve`` restarts it. What the class shares lives in the class database and in machine-wide
files (training slots), never in a process: ``serve`` gives every worker one teacher token, and the sign-in
brake is the database's. Ctrl-C or SIGTERM stops everything; a worker never outlives ``serve`` (even on
``kill -9``: the kernel stops it), and the temporary folder (HAProxy's configuration, the workers' logs) goes.
No Streamlit or TensorFlow is imported here.
"""

import ctypes
import errno
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from digitdemo import config
from digitdemo.classroom import auth

COOKIE = "digitdemo_worker"  # HAProxy's cookie: which worker holds this browser's sessions
HEALTH_PATH = "/_stcore/health"
START_TIMEOUT_S = 90.0  # a worker's start: imports, the digits and the model (about 2 s on a quiet machine)
CHECK_EVERY_S = 0.5
FOLDER_PREFIX = "digitdemo-serve-"  # in the temporary folder: HAProxy's configuration, the workers' logs
# The address students open (a worker itself listens on loopback), for the links and QR codes it makes.
PUBLIC_ADDRESS_ENV = "DIGITDEMO_PUBLIC_ADDRESS"
SBIN = ("/usr/local/sbin", "/usr/sbin")  # where HAProxy is when it is not on PATH
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# .streamlit/config.toml's bounds on what a browser sends (and sees of an error), given to every worker as flags.
LIMITS = (
    ("server", "maxWidgetStateSize"), ("server", "maxMessageSize"), ("server", "maxUploadSize"),
    ("client", "showErrorDetails"),
)  # fmt: skip


class ServeError(Exception):
    """Why the lecture hall cannot start, in one sentence."""


@dataclass
class Worker:
    name: str
    port: int
    log: Path
    process: subprocess.Popen | None = None
    restarts: int = 0
    # HAProxy's cookie value for this worker: random, so a client cannot pick a worker by setting "w1" itself.
    cookie: str = field(default_factory=lambda: secrets.token_urlsafe(12))


def default_processes() -> int:
    """One worker per core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def check_port_free(address: str, port: int) -> None:
    """Raise ServeError if nothing can listen on address:port (another server there, or a privileged port)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ServeError(
                    f"Port {port} is in use on {address} (another server?): choose another with --port."
                ) from None
            raise ServeError(f"Cannot listen on {address} port {port} ({error.strerror}).") from None


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def haproxy_config(address: str, port: int, workers: list[Worker]) -> str:
    """HAProxy's configuration: the public address in front, the workers behind, sticky by cookie."""
    bind = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    servers = "\n".join(f"    server {w.name} 127.0.0.1:{w.port} cookie {w.cookie}" for w in workers)
    return f"""# Made by `python -m digitdemo serve`; removed when it stops.
global
    maxconn 4000

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # A student's page is one websocket for the whole lesson: idle for minutes between drawings.
    timeout tunnel 4h
    timeout http-request 10s
    # A dead worker's browsers go to a live one (their pages reconnect there) instead of failing.
    option redispatch
    retries 2

frontend digitdemo
    bind {bind}
    # Streamlit's metrics are the server's business, not a visitor's (issue 28).
    http-request deny deny_status 403 if {{ path_beg /_stcore/metrics }}
    default_backend workers

backend workers
    # New browsers go to the worker with the fewest open connections (each page is one websocket).
    balance leastconn
    # Sticky by cookie: a browser's sessions, uploads and pictures live in one worker.
    cookie {COOKIE} insert indirect nocache httponly
    option httpchk
    http-check send meth GET uri {HEALTH_PATH}
    http-check expect status 200
    # A busy worker answers its health check late (300 strokes at once kept one busy for 9 s): only three
    # checks in a row that fail or wait 5 s take it out, for out of rotation means its browsers lose their
    # sessions. A dead one goes at once: the first connection it refuses marks it down.
    timeout check 5s
    default-server check inter 2s fall 3 rise 1 observe layer4 error-limit 1 on-error mark-down
{servers}
"""


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends it SIGTERM when `serve` dies, even on kill -9 (Linux)."""
    with suppress(OSError, AttributeError):  # not Linux: Ctrl-C and SIGTERM still stop the workers
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class LectureHall:
    """N workers and HAProxy, started, watched and stopped together."""

    def __init__(self, processes: int, port: int, address: str, out=sys.stdout):
        self.processes, self.port, self.address, self.out = processes, port, address, out
        remove_stale_folders()
        self.folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        (self.folder / "serve.pid").write_text(str(os.getpid()))
        self.workers = [
            Worker(f"w{i + 1}", free_loopback_port(), self.folder / f"w{i + 1}.log") for i in range(processes)
        ]
        self.haproxy: subprocess.Popen | None = None
        # One sign-in link for every worker (beside a configured password too, as `streamlit run` prints one).
        self.token = auth.new_token()
        self.configured = bool(os.environ.get(auth.PASSWORD_ENV)) or _secrets_password()
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", PUBLIC_ADDRESS_ENV: address, auth.TOKEN_ENV: self.token}

    def start_worker(self, worker: Worker) -> None:
        command = [
            *streamlit_command(), "--server.port", str(worker.port), "--server.address", "127.0.0.1",
            "--server.headless", "true",
            "--browser.serverPort", str(self.port),  # the links a worker makes name the port students open
        ]  # fmt: skip
        with open(worker.log, "ab") as log:
            worker.process = subprocess.Popen(
                command, cwd=config.REPO_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
            )  # fmt: skip

    def wait_healthy(self, worker: Worker, seconds: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if worker.process.poll() is not None:
                raise ServeError(f"Worker {worker.name} ended as it started{_last_line(worker.log)}.")
            if healthy(worker.port):
                return
            time.sleep(0.1)
        raise ServeError(f"Worker {worker.name} did not answer within {seconds:.0f} s.")

    def start(self, haproxy: str) -> None:
        for worker in self.workers:
            self.start_worker(worker)
        for worker in self.workers:
            self.wait_healthy(worker)
        config_file = self.folder / "haproxy.cfg"
        config_file.write_text(haproxy_config(self.address, self.port, self.workers))
        self.haproxy = subprocess.Popen(
            [haproxy, "-db", "-f", str(config_file)], stdout=open(self.folder / "haproxy.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not healthy(self.port, "127.0.0.1" if self.address in ("0.0.0.0", "::") else self.address):
            if self.haproxy.poll() is not None or time.monotonic() > deadline:
                raise ServeError(f"HAProxy did not start{_last_line(self.folder / 'haproxy.log')}.")
            time.sleep(0.05)

    def watch(self, stopping) -> int:
        """Restart workers that die, until ``stopping()``; 1 if HAProxy itself ended."""
        while not stopping():
            if self.haproxy.poll() is not None:
                print(f"HAProxy ended{_last_line(self.folder / 'haproxy.log')}; stopping.", file=sys.stderr)
                return 1
            for worker in self.workers:
                if worker.process.poll() is not None and not stopping():
                    worker.restarts += 1
                    print(
                        f"worker {worker.name} (port {worker.port}) ended with code {worker.process.returncode}"
                        f"{_last_line(worker.log)}; starting it again (HAProxy sends its students to the others "
                        "meanwhile).",
                        file=self.out,
                        flush=True,
                    )
                    self.start_worker(worker)
            time.sleep(CHECK_EVERY_S)
        return 0

    def stop(self) -> None:
        """Stop HAProxy, then the workers (SIGTERM, then SIGKILL after 10 s), and remove the folder."""
        processes = [p for p in [self.haproxy, *(w.process for w in self.workers)] if p is not None]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def announce(self) -> None:
        """What `streamlit run` prints, for the hall: its addresses and the teacher's sign-in link."""
        from streamlit import net_util  # no Streamlit runtime: only its way of finding the network address

        wildcard = self.address in ("0.0.0.0", "::")
        if wildcard:
            urls = [("Local URL", f"http://localhost:{self.port}")]
            if ip := net_util.get_internal_ip():
                urls.append(("Network URL", f"http://{ip}:{self.port}"))
        else:
            urls = [("URL", f"http://{self.address}:{self.port}")]
        lines = [f"\n  digitdemo: {self.processes} workers behind HAProxy. Open it in your browser:\n"]
        lines += [f"  {name}: {url}" for name, url in urls]
        link = auth.teacher_link(urls[-1][1], auth.Password(self.token, generated=True))
        other = "the configured password" if self.configured else f"set {auth.PASSWORD_ENV} before `serve`"
        lines.append(
            "\n  digitdemo teacher sign-in (keep it to yourself; it signs in once, then the signed-in teacher can make "
            f"another):\n  {link}"
        )
        lines.append(f"  (or {other}; the link signs in even while wrong guesses pause the password)")
        print("\n".join(lines) + "\n\n  Ctrl-C stops every worker and HAProxy.\n", file=self.out, flush=True)


def streamlit_command() -> list[str]:
    """`streamlit run` of the app, with the repository's limits on what a browser sends given on the command line.

    The repository's .streamlit/config.toml holds them, but Streamlit reads it from the current folder only, and a
    user's own config or STREAMLIT_* variables could raise them: flags win over both (issue 28).
    """
    import tomllib

    options = tomllib.loads((config.REPO_DIR / ".streamlit" / "config.toml").read_text())
    limits = [f"--{section}.{name}={options[section][name]}" for section, name in LIMITS]
    return [sys.executable, "-m", "streamlit", "run", str(config.REPO_DIR / "streamlit_app.py"), *limits]


def remove_stale_folders() -> list[Path]:
    """Delete the folders of `serve`s that are gone (killed with -9: they could not clean up); those deleted."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        try:
            os.kill(int((folder / "serve.pid").read_text()), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except (OSError, ValueError):
            continue  # being made right now, or another user's
    return removed


def find_haproxy() -> str | None:
    """HAProxy's program: on PATH, or where Debian puts it (/usr/sbin is not on a user's PATH there)."""
    return shutil.which("haproxy", path=os.pathsep.join([os.environ.get("PATH", ""), *SBIN]))


def healthy(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{HEALTH_PATH}", timeout=1) as reply:
            return reply.read() == b"ok"
    except OSError:
        return False


def _last_line(log: Path) -> str:
    """The last line a process wrote, for a sentence: ' (…)', or nothing."""
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return f" ({lines[-1].strip()[:200]})" if lines else ""


def _secrets_password() -> bool:
    """True if .streamlit/secrets.toml names a teacher password (then every worker reads the same one)."""
    import tomllib

    try:
        secrets = tomllib.loads((config.REPO_DIR / ".streamlit" / "secrets.toml").read_text())
    except (OSError, ValueError):
        return False
    value = secrets.get(auth.SECRET_NAME)
    return isinstance(value, str) and bool(value.strip())


def serve(processes: int | None, port: int, address: str, out=sys.stdout) -> int:
    """Run the lecture hall until Ctrl-C or SIGTERM; the exit status. Raises ServeError before anything starts."""
    processes = default_processes() if processes is None else processes
    if processes < 1:
        cores = default_processes()
        raise ServeError(f"--processes {processes}: give 1 or more workers (default: one per core, here {cores}).")
    check_port_free(address, port)
    if processes == 1:  # no load balancer needed: `streamlit run`, as the README's first command
        os.chdir(config.REPO_DIR)  # where Streamlit finds the repository's .streamlit/config.toml
        os.execv(sys.executable, [*streamlit_command(), "--server.port", str(port), "--server.address", address])
    haproxy = find_haproxy()
    if haproxy is None:
        raise ServeError(
            "HAProxy is not installed (Debian, Ubuntu: sudo apt-get install haproxy); "
            "--processes 1 serves from one process without it."
        )
    stop = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.append(True))
    hall = LectureHall(processes, port, address, out)
    try:
        hall.start(haproxy)
        hall.announce()
        return hall.watch(lambda: bool(stop))
    finally:
        hall.stop()
