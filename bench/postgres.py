"""A throwaway PostgreSQL server in a temporary folder, for the tests and the benchmarks.

    python -m bench.postgres        # start one, print its URL, stop it at Ctrl-C

Debian's ``postgresql`` package gives the programs (initdb, pg_ctl); PostgreSQL refuses to run as root, so as
root they run as the package's ``postgres`` user. The server listens on a free loopback port and a Unix socket
in its folder, asks for a password over TCP (scram-sha-256; a wrong one is refused as in a school), and keeps
nothing: fsync is off, and stop() deletes the folder.
"""

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from bench.harness import free_port

USER = "digitdemo"
SERVICE_USER = "postgres"  # Debian's: the one that may run the server when we are root


class PostgresMissingError(RuntimeError):
    """No PostgreSQL programs on this machine (apt-get install postgresql)."""


def programs() -> Path:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<newest>/bin."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    raise PostgresMissingError("PostgreSQL is not installed: apt-get install -y postgresql")


class PostgresServer:
    """One server: start(), url(database), create_database(), restart(), stop()."""

    def __init__(self, options: dict[str, str] | None = None):
        self.bin = programs()
        self.password = os.urandom(12).hex()
        self.port = free_port()
        self.options = {"fsync": "off", "full_page_writes": "off", "max_connections": "300", **(options or {})}
        self.folder = Path(tempfile.mkdtemp(prefix="digitdemo-postgres-"))
        self.data = self.folder / "data"
        self._made = 0
        self._as_root = os.geteuid() == 0

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", SERVICE_USER, "--"] if self._as_root else []
        return subprocess.run([*prefix, *command], check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> "PostgresServer":
        if self._as_root:
            shutil.chown(self.folder, SERVICE_USER)
        if not self.data.exists():
            secret = self.folder / "password"
            secret.write_text(self.password)
            if self._as_root:
                shutil.chown(secret, SERVICE_USER)
            self._run(
                str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, f"--pwfile={secret}",
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
            )  # fmt: skip
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        settings = " ".join(f"-c {key}={value}" for key, value in self.options.items())
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 {settings}"
        log = str(self.folder / "server.log")
        result = self._run(str(self.bin / "pg_ctl"), action, "-D", str(self.data), "-l", log, "-w", "-o", options,
                           *extra, check=False)  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl {action} failed: {result.stdout}{result.stderr}{self.log()[-2000:]}")

    def log(self) -> str:
        try:
            return (self.folder / "server.log").read_text(errors="replace")
        except OSError:
            return ""

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        return f"postgresql://{USER}:{password or self.password}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def create_database(self, tablespace: str | None = None) -> str:
        """A new empty database of its own; its name."""
        self._made += 1
        name = f"class_{os.getpid()}_{self._made}"
        self._admin(f"CREATE DATABASE {name}" + (f" TABLESPACE {tablespace}" if tablespace else ""))
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def create_tablespace(self, name: str, folder: Path) -> None:
        """A tablespace in ``folder`` (e.g. a small tmpfs, for a full disk)."""
        if self._as_root:
            shutil.chown(folder, SERVICE_USER)
        self._admin(f"CREATE TABLESPACE {name} LOCATION '{folder}'")

    def restart(self) -> None:
        """Stop (fast: open connections are dropped) and start again: a restart in the middle of a lesson."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self, keep_folder: bool = False) -> None:
        if self.data.exists():
            self._run(str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", check=False)
        if not keep_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        prog="python -m bench.postgres",
        description="Start a throwaway PostgreSQL server in a temporary folder, print its URL, and stop it (and "
        "delete the folder) at Ctrl-C or SIGTERM.",
    ).parse_args(argv)
    server = PostgresServer().start()
    print(server.url(), flush=True)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        server.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    main()
