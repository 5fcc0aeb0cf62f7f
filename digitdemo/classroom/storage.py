"""The class database, and the only module that speaks SQL.

One SQLite file (``default_path()``: ``var/class.db`` in the repository, moved with ``DIGITDEMO_CLASS_DB``).
WAL, so the board's reads never wait for a send; a connection serves one thread at a time; every write
is one ``BEGIN IMMEDIATE`` transaction, so a room's limits are checked and its drawing stored as one step
even with several server processes on the file. The schema version lives in ``PRAGMA user_version``, and
``MIGRATIONS`` brings any older file up to date. Every database or file-system error leaves this module as
``ClassStoreError`` with one sentence for the user; a failed write is rolled back whole.
"""

import errno
import os
import queue
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from digitdemo import config
from digitdemo.classroom.errors import ClassStoreError
from digitdemo.classroom.rooms import same_nickname

DB_ENV = "DIGITDEMO_CLASS_DB"
# Beside models/, ignored by git, so a fresh clone can write it; a server may point DB_ENV elsewhere.
DEFAULT_PATH = config.REPO_DIR / "var" / "class.db"
# A send waits at most this long for another writer (each write takes milliseconds), then says so.
BUSY_TIMEOUT_SECONDS = 5.0
# How often a writer tries again for the write lock another process holds (see ClassStore.write).
_BEGIN_POLL_MS = 5
# The WAL file is cut back to this after a checkpoint, so it does not keep a lesson's peak size.
WAL_SIZE_LIMIT_BYTES = 4 << 20
# Idle connections a process keeps open for the next transaction (2 files each: the database and its WAL).
MAX_IDLE_CONNECTIONS = 4

# Migration i (from 0) takes a file from user_version i to i + 1. Append only; never edit a shipped one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: rooms, their students and their drawings. rooms.version counts every change of a room,
    # so a board refreshing every second asks one tiny question when nothing changed.
    (
        """CREATE TABLE rooms (
            code TEXT PRIMARY KEY,
            created_at REAL NOT NULL,
            closed_at REAL,
            version INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE students (
            id TEXT PRIMARY KEY,
            room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
            nickname TEXT NOT NULL,
            joined_at REAL NOT NULL,
            UNIQUE (id, room)
        )""",
        "CREATE INDEX students_room ON students(room)",
        # (student, room) must name a student of that very room: the schema itself refuses a mixed room.
        # x: the (400,) float32 model input, little-endian; probabilities: (10,) float32.
        """CREATE TABLE drawings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
            student TEXT NOT NULL,
            meant INTEGER NOT NULL CHECK (meant BETWEEN 0 AND 9),
            read INTEGER NOT NULL CHECK (read BETWEEN 0 AND 9),
            x BLOB NOT NULL CHECK (length(x) = 1600),
            probabilities BLOB NOT NULL CHECK (length(probabilities) = 40),
            ink_png BLOB NOT NULL,
            model TEXT NOT NULL,
            hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
            created_at REAL NOT NULL,
            FOREIGN KEY (student, room) REFERENCES students(id, room) ON DELETE CASCADE
        )""",
        "CREATE INDEX drawings_room ON drawings(room, id)",
        "CREATE INDEX drawings_student ON drawings(student, created_at)",
    ),
    # 2: the room's model (issue 8): a taught model its students draw against; NULL means the default model.
    ("ALTER TABLE rooms ADD COLUMN model TEXT",),
    # 3: the board's numbers from an index alone: `hidden` sits behind the row's blobs, so without it
    # counting a room's 3000 drawings read 12 MB of pages (27 ms a board); with it, a few kB.
    ("CREATE INDEX drawings_board ON drawings(room, hidden, meant, read)",),
    # 4: a student row is now deleted (the teacher removes a student; joiners who never sent are dropped), and
    # SQLite then looks for the row's drawings by the foreign key (student, room): without this index it read
    # every drawing of the room, 4-7 ms of CPU per join in a room of 3000 drawings (bench.class_db).
    ("CREATE INDEX drawings_student_room ON drawings(student, room)",),
)
SCHEMA_VERSION = len(MIGRATIONS)

# SQLite's primary result codes (https://sqlite.org/rescode.html) and what each means for the user.
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26

# A student takes one of the room's places while a drawing of theirs is in it (drawings_student answers
# it from the index); one who joined and never sent takes none, so fresh sessions cannot fill a room.
_SENT = "EXISTS (SELECT 1 FROM drawings WHERE drawings.student = students.id)"
_ROOM_COLUMNS = f"""code, created_at, closed_at, model, version,
    (SELECT count(*) FROM students WHERE students.room = rooms.code AND {_SENT}) AS students,
    (SELECT count(*) FROM students WHERE students.room = rooms.code) AS joined,
    (SELECT count(*) FROM drawings WHERE drawings.room = rooms.code) AS drawings"""
_SENDERS_SQL = f"SELECT count(*) FROM students WHERE room = ? AND {_SENT}"
# The idle students of a room beyond the newest ones kept (the second parameter: how many are kept).
_DROP_IDLE_SQL = f"""DELETE FROM students WHERE id IN (
    SELECT id FROM students WHERE room = ? AND NOT {_SENT} ORDER BY joined_at DESC, rowid DESC LIMIT -1 OFFSET ?)"""
# The confusion matrix of a room's shown drawings: (meant, read, count) per non-empty cell.
BOARD_CELLS_SQL = "SELECT meant, read, count(*) FROM drawings WHERE room = ? AND hidden = 0 GROUP BY meant, read"
# A student's room as their Draw page needs it on every run: (closed_at, model, present), by primary keys only.
ROOM_STATUS_SQL = (
    "SELECT closed_at, model, EXISTS (SELECT 1 FROM students WHERE id = ? AND room = rooms.code) AS present "
    "FROM rooms WHERE code = ?"
)
_DRAWING_COLUMNS = """drawings.id, drawings.room, drawings.student, students.nickname, drawings.meant,
    drawings.read, drawings.ink_png, drawings.hidden, drawings.created_at, drawings.model"""


class RefusedError(Exception):
    """A write the room's state refuses; ``reason`` is a word the service turns into a sentence."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


_WRITER_LOCKS: dict[Path, threading.Lock] = {}
_WRITER_LOCKS_LOCK = threading.Lock()


def _writer_lock(path: Path) -> threading.Lock:
    """The one lock this process's writers of a database file queue on."""
    key = path.resolve()
    with _WRITER_LOCKS_LOCK:
        return _WRITER_LOCKS.setdefault(key, threading.Lock())


def _casefold(text: object) -> object:
    return same_nickname(text) if isinstance(text, str) else text


def default_path() -> Path:
    """Where the class database lives: $DIGITDEMO_CLASS_DB, else var/class.db in the repository."""
    return Path(os.environ[DB_ENV]).expanduser() if os.environ.get(DB_ENV) else DEFAULT_PATH


class ClassStore:
    """One class database file, safe to share between threads and processes."""

    def __init__(self, path: Path | str | None = None, timeout: float = BUSY_TIMEOUT_SECONDS):
        self.path = Path(path) if path is not None else default_path()
        self.timeout = timeout
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._pid = os.getpid()

    # --- Connections, transactions, errors ------------------------------------
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
            if self._idle.qsize() < MAX_IDLE_CONNECTIONS and self._pid == os.getpid():
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
                    f"The class database's folder {self.path.parent} cannot be made ({error.strerror})."
                ) from None
        if not self.path.parent.is_dir():
            raise ClassStoreError(f"The class database's folder {self.path.parent} does not exist.")
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise self._error(error) from None
        try:
            conn.row_factory = sqlite3.Row
            # Nicknames are compared as rooms.same_nickname sees them (SQLite's lower() knows ASCII only).
            conn.create_function("casefold", 1, _casefold, deterministic=True)
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
        return conn

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
                f"The class database {self.path} was written by a newer digitdemo (schema {version}); "
                "update digitdemo or move the file aside."
            )

    def _error(self, error: sqlite3.Error) -> ClassStoreError:
        """The sqlite3 error as one sentence for the user."""
        code = getattr(error, "sqlite_errorcode", None)
        primary = code & 0xFF if code is not None else None
        text = str(error).lower()
        where = f"The class database {self.path}"
        if primary in (_BUSY, _LOCKED) or "locked" in text:
            message = self._busy_sentence()
        elif primary == _READONLY or "readonly" in text:
            message = f"{where} is read-only, so nothing can be sent or changed; ask the teacher to fix it."
        elif primary == _FULL or "full" in text or (primary == _IOERR and self._disk_nearly_full()):
            message = f"The disk holding the class database {self.path} is full; nothing new could be stored."
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
        return f"The class database {self.path} stayed busy for more than {self.timeout:g} s; please try again."

    def _disk_nearly_full(self) -> bool:
        """A write failing with an I/O error on a disk with under 1 MB free ran out of room (SQLite says IOERR)."""
        try:
            return shutil.disk_usage(self.path.parent).free < 1 << 20
        except OSError:
            return False

    def _why_not_open(self) -> str:
        """Why SQLite could not open the file, found by trying what it needs: one sentence."""
        where = f"The class database {self.path}"
        if self.path.is_dir():
            return f"{where} is a folder, not a database file; point {DB_ENV} at a file."
        if not self.path.parent.is_dir():
            return f"The class database's folder {self.path.parent} does not exist."
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
                return f"The disk holding the class database {self.path} is full; nothing new could be stored."
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
            try:
                conn.execute("BEGIN")
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as error:
                raise self._error(error) from None

    def check(self) -> None:
        """Raise ClassStoreError if the database cannot be opened and read whole (a quick check of every page)."""
        with self.read() as conn:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(1)")]
        if problems != ["ok"]:
            raise ClassStoreError(f"The class database {self.path} is damaged ({problems[0]}); move it aside.")

    def schema_version(self) -> int:
        with self.read() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        """Close the idle connections (e.g. before the file is moved, or at exit); a later call opens anew."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    # --- Rooms ---------------------------------------------------------------------
    def add_room(self, code: str, now: float) -> bool:
        """A new open room; False if the code is taken."""
        with self.write() as conn:
            sql = "INSERT OR IGNORE INTO rooms (code, created_at) VALUES (?, ?)"
            return conn.execute(sql, (code, now)).rowcount == 1

    def room(self, code: str) -> sqlite3.Row | None:
        with self.read() as conn:
            return conn.execute(f"SELECT {_ROOM_COLUMNS} FROM rooms WHERE code = ?", (code,)).fetchone()

    def rooms(self) -> list[sqlite3.Row]:
        """Every room, newest first."""
        with self.read() as conn:
            return conn.execute(f"SELECT {_ROOM_COLUMNS} FROM rooms ORDER BY created_at DESC, code").fetchall()

    def set_room_closed(self, code: str, closed_at: float | None) -> bool:
        with self.write() as conn:
            sql = "UPDATE rooms SET closed_at = ?, version = version + 1 WHERE code = ?"
            return conn.execute(sql, (closed_at, code)).rowcount == 1

    def set_room_model(self, code: str, model: str | None) -> bool:
        with self.write() as conn:
            sql = "UPDATE rooms SET model = ?, version = version + 1 WHERE code = ?"
            return conn.execute(sql, (model, code)).rowcount == 1

    def board_version(self, code: str) -> int | None:
        """The room's change counter: one indexed lookup, for a board that refreshes every second."""
        with self._borrow() as conn:
            try:
                row = conn.execute("SELECT version FROM rooms WHERE code = ?", (code,)).fetchone()
            except sqlite3.Error as error:
                raise self._error(error) from None
        return None if row is None else row[0]

    def room_status(self, code: str, student_id: str) -> sqlite3.Row | None:
        """(closed_at, model, present: is the student still in it) of a room, or None if there is no such room.

        One lookup by primary keys: the Draw page asks it on every run.
        """
        with self._borrow() as conn:
            try:
                return conn.execute(ROOM_STATUS_SQL, (student_id, code)).fetchone()
            except sqlite3.Error as error:
                raise self._error(error) from None

    # --- Students --------------------------------------------------------------------
    def nicknames(self, code: str) -> list[str]:
        """The nicknames of a room's students."""
        with self.read() as conn:
            return [row[0] for row in conn.execute("SELECT nickname FROM students WHERE room = ?", (code,))]

    @staticmethod
    def _nickname_taken(conn: sqlite3.Connection, code: str, folded: str, student_id: str) -> bool:
        sql = "SELECT 1 FROM students WHERE room = ? AND casefold(nickname) = ? AND id != ? LIMIT 1"
        return conn.execute(sql, (code, folded, student_id)).fetchone() is not None

    def add_student(
        self, code: str, student_id: str, nickname: str, now: float, max_students: int, max_idle: int
    ) -> None:
        """Put a student in an open room, or raise RefusedError (unknown_room, closed, room_full_students,
        nickname_taken: another student of the room has it, whatever its case).

        max_students: students who sent (see _SENT); max_idle: the newest students who have not sent kept,
        the older ones dropped, so joining again and again cannot grow the file without bound.
        """
        with self.write() as conn:
            room = conn.execute("SELECT closed_at FROM rooms WHERE code = ?", (code,)).fetchone()
            if room is None:
                raise RefusedError("unknown_room")
            if room["closed_at"] is not None:
                raise RefusedError("closed")
            if conn.execute(_SENDERS_SQL, (code,)).fetchone()[0] >= max_students:
                raise RefusedError("room_full_students")
            if self._nickname_taken(conn, code, _casefold(nickname), student_id):
                raise RefusedError("nickname_taken")
            conn.execute(
                "INSERT INTO students (id, room, nickname, joined_at) VALUES (?, ?, ?, ?)",
                (student_id, code, nickname, now),
            )
            conn.execute(_DROP_IDLE_SQL, (code, max_idle))
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))

    def remove_student(self, code: str, student_id: str) -> int | None:
        """Take a student and their drawings out of the room: how many drawings went; None if no such student."""
        with self.write() as conn:
            deleted = conn.execute("DELETE FROM drawings WHERE room = ? AND student = ?", (code, student_id)).rowcount
            if conn.execute("DELETE FROM students WHERE room = ? AND id = ?", (code, student_id)).rowcount != 1:
                return None
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return deleted

    def student(self, student_id: str) -> sqlite3.Row | None:
        with self.read() as conn:
            return conn.execute("SELECT id, room, nickname FROM students WHERE id = ?", (student_id,)).fetchone()

    def rename_student(self, student_id: str, nickname: str) -> bool:
        """False if there is no such student; RefusedError("nickname_taken") if another of the room has the name."""
        with self.write() as conn:
            row = conn.execute("SELECT room FROM students WHERE id = ?", (student_id,)).fetchone()
            if row is None:
                return False
            if self._nickname_taken(conn, row["room"], _casefold(nickname), student_id):
                raise RefusedError("nickname_taken")
            conn.execute("UPDATE students SET nickname = ? WHERE id = ?", (nickname, student_id))
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (row["room"],))
            return True

    # --- Drawings ----------------------------------------------------------------------
    def add_drawing(
        self,
        code: str,
        student_id: str,
        meant: int,
        read: int,
        x: bytes,
        probabilities: bytes,
        ink_png: bytes,
        model: str,
        now: float,
        limits: tuple[int, float, int, int, int],
    ) -> int:
        """Store one drawing if the room's limits allow it, in one transaction; its id, or raise RefusedError.

        limits: (sends per window, window seconds, drawings per student, drawings per room, students who sent).
        """
        per_window, window, per_student, per_room, max_students = limits
        with self.write() as conn:
            room = conn.execute("SELECT closed_at FROM rooms WHERE code = ?", (code,)).fetchone()
            if room is None:
                raise RefusedError("unknown_room")
            student = conn.execute("SELECT room FROM students WHERE id = ?", (student_id,)).fetchone()
            if student is None:
                raise RefusedError("unknown_student")
            if student["room"] != code:
                raise RefusedError("other_room")
            if room["closed_at"] is not None:
                raise RefusedError("closed")
            if conn.execute("SELECT count(*) FROM drawings WHERE room = ?", (code,)).fetchone()[0] >= per_room:
                raise RefusedError("room_full")
            sent = conn.execute("SELECT count(*) FROM drawings WHERE student = ?", (student_id,)).fetchone()[0]
            if sent >= per_student:
                raise RefusedError("too_many")
            if sent == 0 and conn.execute(_SENDERS_SQL, (code,)).fetchone()[0] >= max_students:
                raise RefusedError("room_full_students")  # a first drawing would take a place: none is left
            recent = conn.execute(
                "SELECT created_at FROM drawings WHERE student = ? AND created_at > ? ORDER BY created_at",
                (student_id, now - window),
            ).fetchall()
            if len(recent) >= per_window:
                raise RefusedError("too_fast", retry_after=recent[-per_window]["created_at"] + window - now)
            cursor = conn.execute(
                "INSERT INTO drawings (room, student, meant, read, x, probabilities, ink_png, model, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (code, student_id, meant, read, x, probabilities, ink_png, model, now),
            )
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return cursor.lastrowid

    def board(self, code: str, latest: int, latest_hidden: bool) -> tuple | None:
        """(room row, [(meant, read, count)] of shown drawings, hidden count, latest drawing rows), one moment."""
        with self.read() as conn:
            room = conn.execute(f"SELECT {_ROOM_COLUMNS} FROM rooms WHERE code = ?", (code,)).fetchone()
            if room is None:
                return None
            cells = conn.execute(
                BOARD_CELLS_SQL,
                (code,),
            ).fetchall()
            hidden = conn.execute("SELECT count(*) FROM drawings WHERE room = ? AND hidden = 1", (code,)).fetchone()[0]
            shown = "" if latest_hidden else "AND drawings.hidden = 0"
            rows = conn.execute(
                f"SELECT {_DRAWING_COLUMNS} FROM drawings JOIN students ON students.id = drawings.student "
                f"WHERE drawings.room = ? {shown} ORDER BY drawings.id DESC LIMIT ?",
                (code, latest),
            ).fetchall()
            return room, cells, hidden, rows

    def drawings(
        self,
        code: str,
        *,
        meant: int | None = None,
        read: int | None = None,
        student_id: str | None = None,
        include_hidden: bool = True,
        limit: int | None = None,
        newest_first: bool = True,
        arrays: bool = False,
    ) -> list[sqlite3.Row]:
        """A room's drawings, filtered by the digit meant, the digit read, the student; arrays adds x, probabilities."""
        where, args = ["drawings.room = ?"], [code]
        for column, value in (("meant", meant), ("read", read), ("student", student_id)):
            if value is not None:
                where.append(f"drawings.{column} = ?")
                args.append(value)
        if not include_hidden:
            where.append("drawings.hidden = 0")
        columns = _DRAWING_COLUMNS + (", drawings.x, drawings.probabilities" if arrays else "")
        order = "DESC" if newest_first else "ASC"
        sql = (
            f"SELECT {columns} FROM drawings JOIN students ON students.id = drawings.student "
            f"WHERE {' AND '.join(where)} ORDER BY drawings.id {order} LIMIT ?"
        )
        with self.read() as conn:
            return conn.execute(sql, (*args, -1 if limit is None else limit)).fetchall()

    # --- Moderation ----------------------------------------------------------------------
    def set_hidden(self, code: str, drawing_id: int, hidden: bool) -> bool:
        with self.write() as conn:
            sql = "UPDATE drawings SET hidden = ? WHERE room = ? AND id = ?"
            changed = conn.execute(sql, (int(hidden), code, drawing_id)).rowcount
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return changed == 1

    def delete_drawings(self, code: str, drawing_id: int | None = None, student_id: str | None = None) -> int:
        """Delete one drawing, one student's drawings, or (neither given) all of the room's; how many went."""
        where, args = "room = ?", [code]
        if drawing_id is not None:
            where, args = where + " AND id = ?", [*args, drawing_id]
        if student_id is not None:
            where, args = where + " AND student = ?", [*args, student_id]
        with self.write() as conn:
            deleted = conn.execute(f"DELETE FROM drawings WHERE {where}", args).rowcount
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return deleted
