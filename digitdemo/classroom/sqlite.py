"""The class database on SQLite: connections, transactions and errors (the queries live in storage.py).

One SQLite file (database.default_location(): ``var/class.db`` in the repository, moved with ``DIGITDEMO_CLASS_DB``).
WAL, so the board's reads never wait for a send; a connection serves one thread at a time; every write
is one ``BEGIN IMMEDIATE`` transaction, so a room's limits are checked and its drawing stored as one step
even with several server processes on the file. The schema version lives in ``PRAGMA user_version``, and
``schema.MIGRATIONS`` brings any older file up to date. Every database or file-system error leaves this module
as ``ClassStoreError`` with one sentence for the user; a failed write is rolled back whole.
"""

import errno
import os
import queue
import random
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from digitdemo.classroom.database import BUSY_TIMEOUT_SECONDS, DB_ENV, DEFAULT_PATH, MAX_IDLE_CONNECTIONS
from digitdemo.classroom.errors import ClassStoreError
from digitdemo.classroom.schema import MIGRATIONS, SCHEMA_VERSION

# How often a writer tries again for the write lock another process holds (see SQLiteDatabase.write).
_BEGIN_POLL_MS = 5
# The WAL file is cut back to this after a checkpoint, so it does not keep a lesson's peak size.
WAL_SIZE_LIMIT_BYTES = 4 << 20

# SQLite's primary result codes (https://sqlite.org/rescode.html) and what each means for the user.
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26

_WRITER_LOCKS: dict[Path, threading.Lock] = {}
_WRITER_LOCKS_LOCK = threading.Lock()


class _Connection(sqlite3.Connection):
    """A connection that knows which file it opened: (device, inode) when it was opened (None: not known)."""

    file: tuple[int, int] | None = None


def _file_of(path: Path) -> tuple[int, int] | None:
    """The file at ``path`` now: (device, inode), or None if there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _writer_lock(path: Path) -> threading.Lock:
    """The one lock this process's writers of a database file queue on."""
    key = path.resolve()
    with _WRITER_LOCKS_LOCK:
        return _WRITER_LOCKS.setdefault(key, threading.Lock())


class SQLiteDatabase:
    """One class database file, safe to share between threads and processes."""

    def __init__(self, path: Path | str = DEFAULT_PATH, timeout: float = BUSY_TIMEOUT_SECONDS):
        self.path = self.location = Path(path)
        self.name = str(self.path)  # how the command line names it
        # Sentences a student may read name the file alone, never the server's folders (issue 28).
        self.timeout = timeout
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._pid = os.getpid()
        # The file this process opened at the path (issue 28): a pooled connection goes on writing to a file that was
        # deleted or moved away, which the next start never sees. Every transaction checks the path still names it.
        # Another file put in its place is not taken either: its WAL would be the old file's (-wal and -shm stay).
        self._file: tuple[int, int] | None = None

    # Streamlit runs each rerun (and each fragment refresh) in a new thread, so a connection per thread
    # would pile up open files. Instead a thread borrows an idle connection for one transaction and gives
    # it back: never two threads on one connection, and at most MAX_IDLE_CONNECTIONS kept open.
    @contextmanager
    def _borrow(self) -> Iterator[sqlite3.Connection]:
        if self._pid != os.getpid():  # a forked child must not share its parent's connections
            self._idle, self._pid = queue.SimpleQueue(), os.getpid()
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._open()
        try:
            yield conn
        finally:
            if conn.in_transaction:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if self._idle.qsize() < MAX_IDLE_CONNECTIONS and self._pid == os.getpid() and conn.file == self._file:
                self._idle.put(conn)
            else:
                conn.close()

    def _open(self) -> sqlite3.Connection:
        """A new connection, the schema brought up to date."""
        if self.path == DEFAULT_PATH:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ClassStoreError(
                    f"The class database's folder {self.path.parent.name} cannot be made ({error.strerror})."
                ) from None
        if not self.path.parent.is_dir():
            raise ClassStoreError(f"The class database's folder {self.path.parent.name} does not exist.")
        if self._file is not None and _file_of(self.path) != self._file:
            raise ClassStoreError(self._gone_sentence())  # not a new, empty one in its place: the class would vanish
        try:
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False, factory=_Connection
            )
        except sqlite3.Error as error:
            raise self._error(error) from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            self._refuse_newer(conn.execute("PRAGMA user_version").fetchone()[0])  # before anything changes it
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT_BYTES}")
            self._migrate(conn)
        except sqlite3.Error as error:
            conn.close()
            raise self._error(error) from None
        except ClassStoreError:
            conn.close()
            raise
        conn.file = _file_of(self.path)
        if self._file is None:
            self._file = conn.file
        return conn

    def _same_file(self, conn: _Connection) -> None:
        """Raise ClassStoreError if the path no longer names the file this connection writes to (deleted, moved or
        replaced while the server ran); then no connection to that file is used again."""
        if conn.file is not None and _file_of(self.path) == conn.file:
            return
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break
        raise ClassStoreError(self._gone_sentence())

    def _gone_sentence(self) -> str:
        return (
            f"The class database {self.path.name} was deleted, moved or replaced while the server ran, so nothing "
            "was stored; put it back, or restart the server."
        )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have just done it
            self._refuse_newer(version)
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise ClassStoreError(
                f"The class database {self.path.name} was written by a newer digitdemo (schema {version}); "
                "update digitdemo or move the file aside."
            )

    def _error(self, error: sqlite3.Error) -> ClassStoreError:
        """The sqlite3 error as one sentence for the user."""
        code = getattr(error, "sqlite_errorcode", None)
        primary = code & 0xFF if code is not None else None
        text = str(error).lower()
        where = f"The class database {self.path.name}"
        if primary in (_BUSY, _LOCKED) or "locked" in text:
            message = self._busy_sentence()
        elif primary == _READONLY or "readonly" in text:
            message = f"{where} is read-only, so nothing can be sent or changed; ask the teacher to fix it."
        elif primary == _FULL or "full" in text or (primary == _IOERR and self._disk_nearly_full()):
            message = f"The disk holding the class database {self.path.name} is full; nothing new could be stored."
        elif primary in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
            message = f"{where} is damaged or not a database; move it aside to start a new one."
        elif primary == _CANTOPEN or "unable to open" in text:
            message = self._why_not_open()
        elif primary == _IOERR:
            message = f"{where} could not be read or written (a disk error); nothing new was stored."
        else:
            message = f"{where} failed ({error})."
        return ClassStoreError(message)

    def _busy_sentence(self) -> str:
        return f"The class database {self.path.name} stayed busy for more than {self.timeout:g} s; please try again."

    def _disk_nearly_full(self) -> bool:
        """A write failing with an I/O error on a disk with under 1 MB free ran out of room (SQLite says IOERR)."""
        try:
            return shutil.disk_usage(self.path.parent).free < 1 << 20
        except OSError:
            return False

    def _why_not_open(self) -> str:
        """Why SQLite could not open the file, found by trying what it needs: one sentence."""
        where = f"The class database {self.path.name}"
        if self.path.is_dir():
            return f"{where} is a folder, not a database file; point {DB_ENV} at a file."
        if not self.path.parent.is_dir():
            return f"The class database's folder {self.path.parent.name} does not exist."
        try:
            if self.path.exists():
                with open(self.path, "r+b"):
                    pass
            with tempfile.TemporaryFile(dir=self.path.parent):
                pass
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                return f"{where} or its folder is read-only, so the class features are off; ask the teacher to fix it."
            if error.errno == errno.ENOSPC:
                return f"The disk holding the class database {self.path.name} is full; nothing new could be stored."
            return f"{where} cannot be opened ({error.strerror})."
        return f"{where} cannot be opened."

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): all of it is stored, or none of it.

        A process's writers first queue on one lock, and writers of other processes are waited for by
        polling every few milliseconds: SQLite's own busy handler sleeps up to 100 ms between tries, and
        with 30 writers at once an unlucky one kept losing the race past the timeout.
        """
        lock = _writer_lock(self.path)
        if not lock.acquire(timeout=self.timeout):
            raise ClassStoreError(self._busy_sentence())
        try:
            with self._borrow() as conn:
                try:
                    self._begin_immediate(conn)
                    yield conn
                    self._same_file(conn)  # acknowledged only if stored where the next start looks
                    conn.execute("COMMIT")
                except sqlite3.Error as error:
                    raise self._error(error) from None  # _borrow rolls back what is left of the transaction
        finally:
            lock.release()

    def _begin_immediate(self, conn: sqlite3.Connection) -> None:
        """Take the database's write lock, trying every few milliseconds until the timeout."""
        deadline = time.monotonic() + self.timeout
        conn.execute(f"PRAGMA busy_timeout = {_BEGIN_POLL_MS}")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    busy = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF in (_BUSY, _LOCKED)
                    if not busy or time.monotonic() >= deadline:
                        raise
                    time.sleep(random.uniform(0, _BEGIN_POLL_MS / 1000))
        finally:
            conn.execute(f"PRAGMA busy_timeout = {round(self.timeout * 1000)}")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: several queries see the same moment."""
        with self._borrow() as conn:
            self._same_file(conn)
            try:
                conn.execute("BEGIN")
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as error:
                raise self._error(error) from None

    @contextmanager
    def lookup(self) -> Iterator[sqlite3.Connection]:
        """A connection for one statement outside a transaction: the cheapest read, for questions asked every second."""
        with self._borrow() as conn:
            self._same_file(conn)
            try:
                yield conn
            except sqlite3.Error as error:
                raise self._error(error) from None

    @staticmethod
    def continue_numbering(conn: sqlite3.Connection, table: str) -> None:
        """After rows were written with their ids (a copy), new rows are numbered after them: SQLite does it itself."""

    def check(self) -> None:
        """Raise ClassStoreError if the database cannot be opened and read whole (a quick check of every page)."""
        with self.read() as conn:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(1)")]
        if problems != ["ok"]:
            raise ClassStoreError(f"The class database {self.path.name} is damaged ({problems[0]}); move it aside.")

    def schema_version(self) -> int:
        with self.read() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    def exists(self) -> bool:
        """Whether the file is there (a command that only reads should not make an empty one)."""
        return self.path.exists()

    def not_a_database(self) -> str | None:
        """Why the file is no SQLite database to read (a device, a folder, an empty file...), or None if it may be.

        A command that only reads opens none of these: SQLite would make /dev/null-journal, or write a schema into
        an empty file (issue 28).
        """
        try:
            info = os.stat(self.path)
            with open(self.path, "rb") as file:
                head = file.read(16) if stat.S_ISREG(info.st_mode) else b""
        except OSError as error:
            return f"{self.path} cannot be read ({error.strerror})."
        if not stat.S_ISREG(info.st_mode):
            return f"{self.path} is not a file, so not a class database."
        if not head:
            return f"{self.path} is empty, so not a class database."
        if head != b"SQLite format 3\0":
            return f"The class database {self.path} is damaged or not a database; move it aside to start a new one."
        return None

    def close(self) -> None:
        """Close the idle connections (e.g. before the file is moved, or at exit); a later call opens anew."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
