"""Which class database: a SQLite file (the embedded default) or a PostgreSQL server, chosen by its location.

``DIGITDEMO_CLASS_DB`` holds a path (SQLite: ``var/class.db`` in the repository when unset) or a URL
``postgresql://user:password@host:port/database`` (PostgreSQL, so workers on several machines share one
database). Both dialects offer the same few calls (read, write, lookup, check, schema_version, close) and run
the same queries (storage.py) on the same schema (schema.py); only connections, transactions and errors differ.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from digitdemo import config

DB_ENV = "DIGITDEMO_CLASS_DB"
# Beside models/, ignored by git, so a fresh clone can write it; a server may point DB_ENV elsewhere.
DEFAULT_PATH = config.REPO_DIR / "var" / "class.db"
# A send waits at most this long for another writer (each write takes milliseconds), then says so.
BUSY_TIMEOUT_SECONDS = 5.0
URL_SCHEMES = ("postgresql", "postgres")
# Idle connections a process keeps open for the next transaction (a SQLite file's two files, or a server socket).
MAX_IDLE_CONNECTIONS = 4

Location = Path | str


def is_url(location: object) -> bool:
    """True for a PostgreSQL URL, False for a file path."""
    return isinstance(location, str) and urlsplit(location).scheme in URL_SCHEMES


def default_location() -> Location:
    """Where the class database lives: $DIGITDEMO_CLASS_DB (a path or a postgresql:// URL), else var/class.db."""
    value = os.environ.get(DB_ENV)
    if not value:
        return DEFAULT_PATH
    return value if is_url(value) else Path(value).expanduser()


def shown(location: Location) -> str:
    """The location as a page may show it: a URL without its password."""
    if not is_url(location):
        return str(location)
    parts = urlsplit(location)
    if parts.password is None:
        return location
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def open_database(location: Location | None = None, timeout: float = BUSY_TIMEOUT_SECONDS):
    """The database at ``location`` (default_location() if None): a SQLiteDatabase or a PostgresDatabase."""
    location = default_location() if location is None else location
    if is_url(location):
        from digitdemo.classroom.postgres import PostgresDatabase  # psycopg is imported only when used

        return PostgresDatabase(location, timeout)
    from digitdemo.classroom.sqlite import SQLiteDatabase

    return SQLiteDatabase(location, timeout)
