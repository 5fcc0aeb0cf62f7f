"""The class database's queries: rooms, students, drawings, moderation. The only module that writes SQL for them.

``ClassStore`` asks its database (sqlite.py or postgres.py: connections, transactions, errors) for a transaction
and runs its queries in it; the tables are in schema.py. The SQL is written once for both dialects: ``?``
placeholders, ``ON CONFLICT``, ``RETURNING``, and nothing either lacks. Every error leaves as ``ClassStoreError``
with one sentence.
"""

from collections.abc import Callable, Sequence

from digitdemo.classroom.database import (
    BUSY_TIMEOUT_SECONDS,
    DB_ENV,
    DEFAULT_PATH,
    Location,
    default_location,
    is_url,
    open_database,
)
from digitdemo.classroom.rooms import same_nickname
from digitdemo.classroom.schema import NUMBERED_TABLES, TABLES

__all__ = ["DB_ENV", "DEFAULT_PATH", "STORED", "ClassStore", "RefusedError", "default_location", "is_url"]
# A result row, read by position or by column name (sqlite3.Row, postgres.Row).
Row = Sequence
# rooms.model of a room whose taught model is in the table room_models: this, then the weights' SHA-256.
STORED = "stored:"

# A student takes one of the room's places while a drawing of theirs is in it (drawings_student answers
# it from the index); one who joined and never sent takes none, so fresh sessions cannot fill a room.
_SENT = "EXISTS (SELECT 1 FROM drawings WHERE drawings.student = students.id)"
_ROOM_COLUMNS = f"""code, created_at, closed_at, model, start_model, version,
    (SELECT count(*) FROM students WHERE students.room = rooms.code AND {_SENT}) AS students,
    (SELECT count(*) FROM students WHERE students.room = rooms.code) AS joined,
    (SELECT count(*) FROM drawings WHERE drawings.room = rooms.code) AS drawings"""
_SENDERS_SQL = f"SELECT count(*) FROM students WHERE room = ? AND {_SENT}"
# The idle students of a room beyond the newest ones kept (the third parameter: how many are kept).
# Never one seen (or joined) since the fourth parameter: their page is open (issue 28).
_DROP_IDLE_SQL = f"""DELETE FROM students WHERE room = ? AND NOT {_SENT} AND id NOT IN (
    SELECT id FROM students WHERE room = ? AND NOT {_SENT} ORDER BY joined_at DESC, rowid DESC LIMIT ?)
    AND coalesce(seen_at, joined_at) < ?"""
# The confusion matrix of a room's shown drawings: (meant, read, count) per non-empty cell.
BOARD_CELLS_SQL = "SELECT meant, read, count(*) FROM drawings WHERE room = ? AND hidden = 0 GROUP BY meant, read"
# A student's room as their Draw page needs it on every run: (closed_at, model, present), by primary keys only.
ROOM_STATUS_SQL = (
    "SELECT closed_at, model, EXISTS (SELECT 1 FROM students WHERE id = ? AND room = rooms.code) AS present "
    "FROM rooms WHERE code = ?"
)
_DRAWING_COLUMNS = """drawings.id, drawings.room, drawings.student, students.nickname, drawings.meant,
    drawings.read, drawings.ink_png, drawings.hidden, drawings.created_at, drawings.model, drawings.round_id,
    drawings.agreed"""
ROUND_COLUMNS = "id, room, kind, started_at, ended_at, digit, ends_at"
# A room's running round (parameters: room, now, now): not ended, its time not up, and started (a replayed
# drawing's `now` may be earlier than a round started on the wall clock).
_RUNNING = "room = ? AND ended_at IS NULL AND (ends_at IS NULL OR ends_at > ?) AND started_at <= ?"
# End a room's rounds (parameters: now, room): a round whose time is up ended at its ends_at, not now.
_END_ROUNDS_SQL = (
    "UPDATE rounds SET ended_at = CASE WHEN ends_at IS NOT NULL AND ends_at < ? THEN ends_at ELSE ? END "
    "WHERE room = ? AND ended_at IS NULL"
)
_STUDENT_VIEW_SQL = (
    "SELECT closed_at, model, start_model, "
    "EXISTS (SELECT 1 FROM students WHERE id = ? AND room = rooms.code) AS present, "
    "(SELECT id FROM rounds WHERE room = rooms.code AND ended_at IS NULL AND (ends_at IS NULL OR ends_at > ?) "
    "AND started_at <= ? ORDER BY started_at DESC, id DESC LIMIT 1) AS round "
    "FROM rooms WHERE code = ?"
)


class RefusedError(Exception):
    """A write the room's state refuses; ``reason`` is a word the service turns into a sentence."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class ClassStore:
    """The class's rooms, students and drawings in one database, safe to share between threads and processes."""

    def __init__(self, location: Location | None = None, timeout: float = BUSY_TIMEOUT_SECONDS):
        self.db = open_database(location, timeout)  # connections, transactions, errors: the dialect's part

    @property
    def location(self) -> Location:
        """The file's path or the server's URL: another process opens the same database with it."""
        return self.db.location

    @property
    def name(self) -> str:
        """The location as messages show it (a URL without its password)."""
        return self.db.name

    def exists(self) -> bool:
        """Whether there is a database yet (a SQLite file is made by the first write)."""
        return self.db.exists()

    def not_a_database(self) -> str | None:
        """Why there is no database to read here, in one sentence (a device, an empty file...), or None."""
        return getattr(self.db, "not_a_database", lambda: None)()

    def check(self) -> None:
        """Raise ClassStoreError if the database cannot be opened and read whole."""
        self.db.check()

    def schema_version(self) -> int:
        return self.db.schema_version()

    def close(self) -> None:
        """Close the idle connections (e.g. before the file is moved, or at exit); a later call opens anew."""
        self.db.close()

    def copy_into(self, target: "ClassStore") -> dict[str, int]:
        """Copy every row into ``target``, an empty database of either backend, in one transaction; rows per table.

        The source is read at one moment; ids are kept (and the target's numbering goes on after them); students
        keep their order of joining (rowid). RefusedError not_empty if the target holds a room already.
        """
        copied = {}
        with self.db.read() as source, target.db.write() as into:
            if into.execute("SELECT count(*) FROM rooms").fetchone()[0]:
                raise RefusedError("not_empty")
            for table in reversed(TABLES):
                into.execute(f"DELETE FROM {table}")  # an empty database's own rows (sign_in_brake's one)
            for table in TABLES:
                cursor = source.execute(f"SELECT * FROM {table} ORDER BY rowid")
                columns = [c[0] for c in cursor.description if c[0] != "rowid"]  # PostgreSQL's rowid is a column
                rows = [[row[c] for c in columns] for row in cursor.fetchall()]
                if rows:
                    marks = ", ".join("?" * len(columns))
                    into.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
                copied[table] = len(rows)
            for table in NUMBERED_TABLES:
                target.db.continue_numbering(into, table)
        return copied

    # --- The teacher sign-in's brake (auth.DatabaseBrake) --------------------------
    def sign_in_brake(self) -> tuple[int, float]:
        """(wrong guesses in a row, until when sign-in pauses)."""
        with self.db.lookup() as conn:
            return tuple(conn.execute("SELECT failures, closed_until FROM sign_in_brake WHERE id = 1").fetchone())

    def sign_in_failed(self, now: float, wait_after: Callable[[int], float]) -> tuple[int, float]:
        """Count one more wrong guess, in one transaction: (wrong guesses in a row, until when sign-in pauses)."""
        with self.db.write() as conn:
            failures, closed_until = conn.execute("SELECT failures, closed_until FROM sign_in_brake").fetchone()
            failures += 1
            if wait := wait_after(failures):
                closed_until = now + wait
            conn.execute("UPDATE sign_in_brake SET failures = ?, closed_until = ?", (failures, closed_until))
            return failures, closed_until

    def sign_in_cleared(self) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE sign_in_brake SET failures = 0 WHERE failures != 0")

    # --- The teacher's links and signed-in browsers (auth.TeacherSignIn) -------------
    def add_teacher_link(self, token: str, now: float, expires_at: float | None) -> None:
        """Keep a link token's hash; a token kept already (a restarted worker's) stays as it is, used or not."""
        with self.db.write() as conn:
            conn.execute("DELETE FROM teacher_links WHERE expires_at < ?", (now,))
            sql = "INSERT INTO teacher_links (token, made_at, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
            conn.execute(sql, (token, now, expires_at))

    def use_teacher_link(self, token: str, now: float) -> bool:
        """Mark a link token used, if it is kept, unused and not expired: True then (it signs in once)."""
        with self.db.write() as conn:
            sql = (
                "UPDATE teacher_links SET used_at = ? WHERE token = ? AND used_at IS NULL "
                "AND (expires_at IS NULL OR expires_at > ?)"
            )
            return conn.execute(sql, (now, token, now)).rowcount == 1

    def add_teacher_session(self, secret: str, now: float, expires_at: float) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM teacher_sessions WHERE expires_at < ?", (now,))
            sql = "INSERT INTO teacher_sessions (secret, signed_in_at, expires_at) VALUES (?, ?, ?)"
            conn.execute(sql, (secret, now, expires_at))

    def teacher_session(self, secret: str, now: float) -> bool:
        """Whether this browser secret's hash signs a teacher in now."""
        with self.db.lookup() as conn:
            sql = "SELECT 1 FROM teacher_sessions WHERE secret = ? AND expires_at > ?"
            return conn.execute(sql, (secret, now)).fetchone() is not None

    def end_teacher_session(self, secret: str) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM teacher_sessions WHERE secret = ?", (secret,))

    # --- Rooms ---------------------------------------------------------------------
    def add_room(self, code: str, now: float, start_model: str = "wide") -> bool:
        """A new open room whose students start reading with ``start_model``; False if the code is taken."""
        with self.db.write() as conn:
            sql = "INSERT INTO rooms (code, created_at, start_model) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
            return conn.execute(sql, (code, now, start_model)).rowcount == 1

    def room(self, code: str) -> Row | None:
        with self.db.read() as conn:
            return conn.execute(f"SELECT {_ROOM_COLUMNS} FROM rooms WHERE code = ?", (code,)).fetchone()

    def rooms(self) -> list[Row]:
        """Every room, newest first."""
        with self.db.read() as conn:
            return conn.execute(f"SELECT {_ROOM_COLUMNS} FROM rooms ORDER BY created_at DESC, code").fetchall()

    def rooms_open(self) -> list[Row]:
        """(code, open) of every room, newest first: what the teacher's room picker shows, in one cheap read."""
        sql = "SELECT code, closed_at IS NULL AS open FROM rooms ORDER BY created_at DESC, code"
        with self.db.read() as conn:
            return conn.execute(sql).fetchall()

    def set_room_closed(self, code: str, closed_at: float | None) -> bool:
        with self.db.write() as conn:
            sql = "UPDATE rooms SET closed_at = ?, version = version + 1 WHERE code = ?"
            return conn.execute(sql, (closed_at, code)).rowcount == 1

    def set_room_model(self, code: str, model: str | None) -> bool:
        """Point the room at a model (a stored one's name, or a folder); a stored model it leaves is deleted."""
        with self.db.write() as conn:
            sql = "UPDATE rooms SET model = ?, version = version + 1 WHERE code = ?"
            if conn.execute(sql, (model, code)).rowcount != 1:
                return False
            if not (model or "").startswith(STORED):
                conn.execute("DELETE FROM room_models WHERE room = ?", (code,))
            return True

    def set_room_start_model(self, code: str, start_model: str) -> bool:
        """The model the room's students start reading with (rooms.START_MODELS); False if there is no such room."""
        with self.db.write() as conn:
            sql = "UPDATE rooms SET start_model = ?, version = version + 1 WHERE code = ?"
            return conn.execute(sql, (start_model, code)).rowcount == 1

    def store_room_model(self, code: str, weights: bytes, sha256: str, now: float) -> bool:
        """Keep a model's weights.npz bytes in the database and point the room at it (``stored:<sha256>``)."""
        with self.db.write() as conn:
            sql = "UPDATE rooms SET model = ?, version = version + 1 WHERE code = ?"
            if conn.execute(sql, (STORED + sha256, code)).rowcount != 1:
                return False
            conn.execute(
                "INSERT INTO room_models (room, weights, sha256, saved_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (room) DO UPDATE SET weights = excluded.weights, sha256 = excluded.sha256, "
                "saved_at = excluded.saved_at",
                (code, weights, sha256, now),
            )
            return True

    def room_model_weights(self, code: str, sha256: str) -> bytes | None:
        """The stored model's weights.npz bytes, if the room still has that very model."""
        with self.db.lookup() as conn:
            sql = "SELECT weights FROM room_models WHERE room = ? AND sha256 = ?"
            row = conn.execute(sql, (code, sha256)).fetchone()
        return None if row is None else bytes(row[0])

    def board_version(self, code: str) -> int | None:
        """The room's change counter: one indexed lookup, for a board that refreshes every second."""
        with self.db.lookup() as conn:
            row = conn.execute("SELECT version FROM rooms WHERE code = ?", (code,)).fetchone()
        return None if row is None else row[0]

    def room_status(self, code: str, student_id: str) -> Row | None:
        """(closed_at, model, present: is the student still in it) of a room, or None if there is no such room.

        One lookup by primary keys: the Draw page asks it on every run.
        """
        with self.db.lookup() as conn:
            return conn.execute(ROOM_STATUS_SQL, (student_id, code)).fetchone()

    # --- Students --------------------------------------------------------------------
    def nicknames(self, code: str) -> list[str]:
        """The nicknames of a room's students."""
        with self.db.read() as conn:
            return [row[0] for row in conn.execute("SELECT nickname FROM students WHERE room = ?", (code,))]

    @staticmethod
    def _nicknames(conn, code: str, student_id: str) -> set[str]:
        """The other students' nicknames in the room as rooms.same_nickname sees them (no SQL function can)."""
        names = conn.execute("SELECT nickname FROM students WHERE room = ? AND id != ?", (code, student_id))
        return {same_nickname(name) for (name,) in names}

    @staticmethod
    def _nickname_taken(conn, code: str, folded: str, student_id: str) -> bool:
        """Whether another student of the room has the nickname as rooms.same_nickname sees it."""
        return folded in ClassStore._nicknames(conn, code, student_id)

    def add_student(
        self,
        code: str,
        student_id: str,
        nickname: str,
        now: float,
        max_students: int,
        max_idle: int,
        browser: str | None = None,
        joins_per_minute: int | None = None,
        connected_s: float = 60.0,
    ) -> None:
        """Put a student in an open room, or raise RefusedError (unknown_room, closed, room_full_students,
        nickname_taken: another student of the room has it, whatever its case).

        max_students: students who sent (see _SENT); max_idle: the newest students who have not sent kept,
        the older ones dropped, so joining again and again cannot grow the file without bound.
        browser: the hash of the student's browser secret (see student_of_browser), or None.
        joins_per_minute: new students a minute when the room has no budget of its own (None: no budget); over it,
        RefusedError join_budget (the refusal is kept, for the teacher). connected_s: an idle student seen (or
        joined) within it is never dropped.
        """
        refused = None
        with self.db.write() as conn:
            room = conn.execute("SELECT closed_at, join_budget FROM rooms WHERE code = ?", (code,)).fetchone()
            if room is None:
                raise RefusedError("unknown_room")
            if room["closed_at"] is not None:
                raise RefusedError("closed")
            budget = joins_per_minute if room["join_budget"] is None else room["join_budget"]
            if budget is not None:
                conn.execute("DELETE FROM joins WHERE room = ? AND at < ?", (code, now - 600.0))
                sql = "SELECT at FROM joins WHERE room = ? AND refused = 0 AND at > ? ORDER BY at LIMIT ?"
                recent = [row[0] for row in conn.execute(sql, (code, now - 60.0, budget + 1)).fetchall()]
                if len(recent) >= budget:
                    conn.execute("INSERT INTO joins (room, at, refused) VALUES (?, ?, 1)", (code, now))
                    refused = RefusedError("join_budget", retry_after=(recent[0] + 60.0 - now) if recent else 60.0)
            if refused is None:
                self._add_student(conn, code, student_id, nickname, now, max_students, max_idle, browser, connected_s)
        if refused is not None:
            raise refused  # after the transaction: the refusal stays counted

    def _add_student(self, conn, code, student_id, nickname, now, max_students, max_idle, browser, connected_s):
        if browser is not None and self._browser_removed(conn, code, browser):
            raise RefusedError("removed")
        if conn.execute(_SENDERS_SQL, (code,)).fetchone()[0] >= max_students:
            raise RefusedError("room_full_students")
        if self._nickname_taken(conn, code, same_nickname(nickname), student_id):
            raise RefusedError("nickname_taken")
        conn.execute(
            "INSERT INTO students (id, room, nickname, joined_at, browser) VALUES (?, ?, ?, ?, ?)",
            (student_id, code, nickname, now, browser),
        )
        conn.execute("INSERT INTO joins (room, at) VALUES (?, ?)", (code, now))
        conn.execute(_DROP_IDLE_SQL, (code, code, max_idle, now - connected_s))
        conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))

    def student_seen(self, code: str, student_id: str, now: float) -> None:
        """The student's page is open now (its live check): they are not dropped while it is (rooms.CONNECTED_S)."""
        with self.db.write() as conn:
            conn.execute("UPDATE students SET seen_at = ? WHERE id = ? AND room = ?", (now, student_id, code))

    def joins(self, code: str, now: float) -> tuple[int | None, int, int]:
        """(the room's join budget, None: the default; students it took in the last minute; joins it refused in the
        last 10 minutes)."""
        with self.db.read() as conn:
            budget = conn.execute("SELECT join_budget FROM rooms WHERE code = ?", (code,)).fetchone()
            sql = "SELECT count(*) FROM joins WHERE room = ? AND refused = ? AND at > ?"
            taken = conn.execute(sql, (code, 0, now - 60.0)).fetchone()[0]
            refused = conn.execute(sql, (code, 1, now - 600.0)).fetchone()[0]
        return (None if budget is None else budget[0]), taken, refused

    def set_join_budget(self, code: str, budget: int | None) -> bool:
        with self.db.write() as conn:
            return conn.execute("UPDATE rooms SET join_budget = ? WHERE code = ?", (budget, code)).rowcount == 1

    def remove_student(self, code: str, student_id: str, now: float = 0.0) -> int | None:
        """Take a student and their drawings out of the room: how many drawings went; None if no such student.

        Their browser is kept out of the room (removed_browsers) until let_back_in."""
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO removed_browsers (room, browser, nickname, removed_at) SELECT room, browser, nickname, ? "
                "FROM students WHERE room = ? AND id = ? AND browser IS NOT NULL ON CONFLICT DO NOTHING",
                (now, code, student_id),
            )
            deleted = conn.execute("DELETE FROM drawings WHERE room = ? AND student = ?", (code, student_id)).rowcount
            if conn.execute("DELETE FROM students WHERE room = ? AND id = ?", (code, student_id)).rowcount != 1:
                return None
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return deleted

    @staticmethod
    def _browser_removed(conn, code: str, browser: str) -> bool:
        sql = "SELECT 1 FROM removed_browsers WHERE room = ? AND browser = ?"
        return conn.execute(sql, (code, browser)).fetchone() is not None

    def browser_removed(self, code: str, browser: str) -> bool:
        """Whether the teacher took this browser (its secret's hash) out of the room and has not let it back."""
        with self.db.read() as conn:
            return self._browser_removed(conn, code, browser)

    def removed_browsers(self, code: str) -> list[Row]:
        """The browsers kept out of the room: (browser, nickname, removed_at), the latest removed first."""
        sql = "SELECT browser, nickname, removed_at FROM removed_browsers WHERE room = ? ORDER BY removed_at DESC"
        with self.db.read() as conn:
            return conn.execute(sql, (code,)).fetchall()

    def let_back_in(self, code: str, browser: str) -> bool:
        """Let a removed browser join the room again; False if it was not kept out."""
        with self.db.write() as conn:
            sql = "DELETE FROM removed_browsers WHERE room = ? AND browser = ?"
            if conn.execute(sql, (code, browser)).rowcount != 1:
                return False
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return True

    def student(self, student_id: str) -> Row | None:
        with self.db.read() as conn:
            return conn.execute("SELECT id, room, nickname FROM students WHERE id = ?", (student_id,)).fetchone()

    def student_of_browser(self, code: str, browser: str) -> Row | None:
        """The newest student of the room that joined from this browser (its secret's hash), or None."""
        sql = (
            "SELECT id, room, nickname FROM students WHERE room = ? AND browser = ? "
            "ORDER BY joined_at DESC, rowid DESC LIMIT 1"
        )
        with self.db.read() as conn:
            return conn.execute(sql, (code, browser)).fetchone()

    def forget_browser(self, code: str, student_id: str) -> None:
        """The student's browser no longer finds them (they left the room on a shared device)."""
        with self.db.write() as conn:
            conn.execute("UPDATE students SET browser = NULL WHERE id = ? AND room = ?", (student_id, code))

    def rename_student(
        self, student_id: str, nicknames: list[str], now: float, per_window: int, window: float
    ) -> str | None:
        """The first of ``nicknames`` that no other student of the room has, now the student's; None if there is no
        such student; RefusedError too_fast (more than per_window tries in window seconds) or nickname_taken (every
        one is taken). Every try is counted, a refused one too."""
        with self.db.write() as conn:
            row = conn.execute("SELECT room FROM students WHERE id = ?", (student_id,)).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM renames WHERE student = ? AND tried_at <= ?", (student_id, now - window))
            tries = conn.execute(
                "SELECT tried_at FROM renames WHERE student = ? ORDER BY tried_at", (student_id,)
            ).fetchall()
            if len(tries) >= per_window:
                raise RefusedError("too_fast", retry_after=tries[-per_window]["tried_at"] + window - now)
            conn.execute("INSERT INTO renames (student, tried_at) VALUES (?, ?)", (student_id, now))
            taken = self._nicknames(conn, row["room"], student_id)
            chosen = next((name for name in nicknames if same_nickname(name) not in taken), None)
            if chosen is not None:
                conn.execute("UPDATE students SET nickname = ? WHERE id = ?", (chosen, student_id))
                conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (row["room"],))
        if chosen is None:  # after the transaction: the try stays counted
            raise RefusedError("nickname_taken")
        return chosen

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
        with self.db.write() as conn:
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
            # The round running as the drawing is stored, in this very transaction: the drawing is that round's.
            running = conn.execute(f"SELECT id FROM rounds WHERE {_RUNNING}", (code, now, now)).fetchone()
            (drawing_id,) = conn.execute(
                "INSERT INTO drawings (room, student, meant, read, x, probabilities, ink_png, model, created_at, "
                "round_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (code, student_id, meant, read, x, probabilities, ink_png, model, now, running and running["id"]),
            ).fetchall()[0]
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return drawing_id

    def board(self, code: str, latest: int, latest_hidden: bool) -> tuple | None:
        """(room row, [(meant, read, count)] of shown drawings, hidden count, latest drawing rows), one moment."""
        with self.db.read() as conn:
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
    ) -> list[Row]:
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
            f"WHERE {' AND '.join(where)} ORDER BY drawings.id {order}"
        )
        if limit is not None:
            sql, args = sql + " LIMIT ?", [*args, limit]
        with self.db.read() as conn:
            return conn.execute(sql, args).fetchall()

    # --- Moderation ----------------------------------------------------------------------
    def set_hidden(self, code: str, drawing_id: int, hidden: bool) -> bool:
        with self.db.write() as conn:
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
        with self.db.write() as conn:
            deleted = conn.execute(f"DELETE FROM drawings WHERE {where}", args).rowcount
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return deleted

    # --- Rounds (issue 19, issue 16) -----------------------------------------------------------
    def start_round(
        self, code: str, kind: str, now: float, digit: int | None = None, ends_at: float | None = None
    ) -> int | None:
        """End the room's running round, if any, and start one of ``kind`` (asking ``digit``, until ``ends_at`` if
        given); its id, or None if there is no room."""
        with self.db.write() as conn:
            if conn.execute("SELECT 1 FROM rooms WHERE code = ?", (code,)).fetchone() is None:
                return None
            conn.execute(_END_ROUNDS_SQL, (now, now, code))
            sql = "INSERT INTO rounds (room, kind, started_at, digit, ends_at) VALUES (?, ?, ?, ?, ?) RETURNING id"
            (round_id,) = conn.execute(sql, (code, kind, now, digit, ends_at)).fetchall()[0]
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return round_id

    def end_round(self, code: str, now: float) -> bool:
        """End the room's running round; False if none was running (one whose time was up had ended already)."""
        with self.db.write() as conn:
            running = conn.execute(f"SELECT id FROM rounds WHERE {_RUNNING}", (code, now, now)).fetchone()
            conn.execute(_END_ROUNDS_SQL, (now, now, code))  # a round whose time is up keeps ends_at as its end
            conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return running is not None

    def current_round(self, code: str, now: float) -> Row | None:
        """The room's running round (ROUND_COLUMNS), or None: one ended, or past its ends_at, is not running."""
        with self.db.lookup() as conn:
            sql = f"SELECT {ROUND_COLUMNS} FROM rounds WHERE {_RUNNING} ORDER BY started_at DESC, id DESC LIMIT 1"
            return conn.execute(sql, (code, now, now)).fetchone()

    def rounds(self, code: str) -> list[Row]:
        """Every round of the room (ROUND_COLUMNS, and drawings: how many shown), newest first."""
        sql = (
            f"SELECT {ROUND_COLUMNS}, (SELECT count(*) FROM drawings WHERE drawings.round_id = rounds.id "
            "AND drawings.hidden = 0) AS drawings FROM rounds WHERE room = ? ORDER BY started_at DESC, id DESC"
        )
        with self.db.read() as conn:
            return conn.execute(sql, (code,)).fetchall()

    def round_drawings(self, code: str, round_id: int) -> list[Row]:
        """The shown drawings of one of the room's rounds, with their probabilities, oldest first."""
        sql = (
            f"SELECT {_DRAWING_COLUMNS}, drawings.probabilities, drawings.x FROM drawings "
            "JOIN students ON students.id = drawings.student "
            "WHERE drawings.room = ? AND drawings.round_id = ? AND drawings.hidden = 0 ORDER BY drawings.id"
        )
        with self.db.read() as conn:
            return conn.execute(sql, (code, round_id)).fetchall()

    def set_agreed(self, code: str, round_id: int, drawing_id: int, agreed: bool, meant: int) -> bool:
        """Mark (or unmark) that the class agrees a drawing of the round is ``meant`` (marked, it becomes its digit
        meant; unmarked, it keeps it); False if the drawing is not the round's."""
        with self.db.write() as conn:
            sql = (
                "UPDATE drawings SET agreed = ?, meant = CASE WHEN ? = 1 THEN ? ELSE meant END "
                "WHERE room = ? AND round_id = ? AND id = ?"
            )
            changed = conn.execute(sql, (int(agreed), int(agreed), meant, code, round_id, drawing_id)).rowcount
            if changed:
                conn.execute("UPDATE rooms SET version = version + 1 WHERE code = ?", (code,))
            return changed == 1

    def student_view(self, code: str, student_id: str, now: float) -> Row | None:
        """What a student's Draw page shows of their room: (closed_at, model, start_model, present, round: the running
        round's id or NULL), or None
        if there is no such room. By primary keys and the rounds index: the live check asks it when the room moved.
        """
        with self.db.lookup() as conn:
            return conn.execute(_STUDENT_VIEW_SQL, (student_id, now, now, code)).fetchone()

    def digit_tally(self, code: str, since: float | None = None) -> list[Row]:
        """(student, meant, count, first: the smallest drawing id) of a room's shown drawings, sent since ``since``."""
        where, args = "room = ? AND hidden = 0", [code]
        if since is not None:
            where, args = where + " AND created_at >= ?", [*args, since]
        sql = (
            f"SELECT student, meant, count(*) AS count, min(id) AS first FROM drawings WHERE {where} "
            "GROUP BY student, meant ORDER BY first"
        )
        with self.db.read() as conn:
            return conn.execute(sql, args).fetchall()
