"""The class database's schema: its tables and the migrations that build them, one description for every file.

Migration i (from 0) takes a database from schema version i to i + 1; the version a database holds is
kept by the connection layer (sqlite.py: ``PRAGMA user_version``; postgres.py: the table digitdemo_schema).
Written in SQLite's SQL; postgres.py spells its three type names (BLOB, REAL, AUTOINCREMENT) PostgreSQL's way.
"""

# Append only; never edit a shipped migration.
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
    # 5: each rename a student tried, refused ones too, so that renames can be limited (rooms.RENAMES_PER_MINUTE).
    (
        """CREATE TABLE renames (
            student TEXT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
            tried_at REAL NOT NULL
        )""",
        "CREATE INDEX renames_student ON renames(student, tried_at)",
    ),
    # 6: a student is found again by their browser (issue 20), not by their link: `browser` is the SHA-256 of a
    # random secret kept in that browser's cookie (never the secret itself); NULL for students of before.
    ("ALTER TABLE students ADD COLUMN browser TEXT", "CREATE INDEX students_browser ON students(room, browser)"),
    # 7: the brake on guessing the teacher password, one row for every server process on the database
    # (several behind `serve`): wrong guesses in a row, and until when (wall-clock seconds) sign-in pauses.
    (
        """CREATE TABLE sign_in_brake (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            failures INTEGER NOT NULL,
            closed_until REAL NOT NULL
        )""",
        "INSERT INTO sign_in_brake (id, failures, closed_until) VALUES (1, 0, 0)",
    ),
    # 8: a room's rounds (issue 19): a kind of activity the teacher starts and ends, e.g. "every_digit" (each
    # student is asked for the digits the room still lacks). ended_at is NULL while it runs; at most one runs.
    (
        """CREATE TABLE rounds (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            started_at REAL NOT NULL,
            ended_at REAL
        )""",
        "CREATE INDEX rounds_room ON rounds(room, ended_at)",
        # Who drew which digit, and when (storage.digit_tally: the teaching readiness, a round's prompt and
        # progress), from the index alone: reading the rows took 10 ms for a room of 3000 drawings, 1.7 ms this way.
        "CREATE INDEX drawings_tally ON drawings(room, hidden, student, meant, created_at)",
    ),
    # 9: a room's taught model in the database (issue 18), so every server of a many-machine hall reads it:
    # weights.npz's bytes (artifacts.to_bytes, about 53 kB) and their SHA-256, which rooms.model names.
    (
        """CREATE TABLE room_models (
            room TEXT PRIMARY KEY REFERENCES rooms(code) ON DELETE CASCADE,
            weights BLOB NOT NULL,
            sha256 TEXT NOT NULL,
            saved_at REAL NOT NULL
        )""",
    ),
    # 10: rounds that ask for one digit (or any, or a random one per student), and may end by themselves (issue
    # 16): digit is the digit asked for (NULL: the kind decides); ends_at the time limit's end (NULL: none), past
    # which the round counts as ended everywhere, with no one to write ended_at. A drawing belongs to the round
    # running when it was stored (round_id, set in the same transaction: exact, whatever the servers' clocks).
    (
        "ALTER TABLE rounds ADD COLUMN digit INTEGER CHECK (digit BETWEEN 0 AND 9)",
        "ALTER TABLE rounds ADD COLUMN ends_at REAL",
        "ALTER TABLE drawings ADD COLUMN round_id INTEGER REFERENCES rounds(id) ON DELETE SET NULL",
        "CREATE INDEX drawings_round ON drawings(round_id, hidden)",
        # The drawings of the rounds before this migration (every-digit rounds) were theirs by time: now by id.
        """UPDATE drawings SET round_id = (
            SELECT rounds.id FROM rounds WHERE rounds.room = drawings.room AND rounds.started_at <= drawings.created_at
            AND (rounds.ended_at IS NULL OR drawings.created_at < rounds.ended_at) ORDER BY rounds.id DESC LIMIT 1
        )""",
    ),
    # 11: "fool the model" rounds (issue 16): agreed is 1 once the teacher marked that the class agrees the drawing
    # is the digit its round asked for (a fooling drawing when the model read another).
    ("ALTER TABLE drawings ADD COLUMN agreed INTEGER NOT NULL DEFAULT 0 CHECK (agreed IN (0, 1))",),
    # 12: the model a room's students start reading with (issue 15), the teacher's choice (rooms.START_MODELS):
    # 'drawing' (the drawing model, also for the rooms of before) or 'lab' (the lab's model). rooms.model, a taught
    # model, wins over it; switching that back leaves this as it was.
    (
        "ALTER TABLE rooms ADD COLUMN start_model TEXT NOT NULL DEFAULT 'drawing' "
        "CHECK (start_model IN ('drawing', 'lab'))",
    ),
    # 13: a room may also start with the wider network (issue 26): 'wide'. A column's CHECK cannot be changed in
    # place on SQLite, so the column is made again: a new one, its values copied, the old one dropped, renamed.
    (
        "ALTER TABLE rooms ADD COLUMN start_model_13 TEXT NOT NULL DEFAULT 'wide' "
        "CHECK (start_model_13 IN ('wide', 'drawing', 'lab'))",
        "UPDATE rooms SET start_model_13 = start_model",
        "ALTER TABLE rooms DROP COLUMN start_model",
        "ALTER TABLE rooms RENAME COLUMN start_model_13 TO start_model",
    ),
    # 14: the browsers the teacher took out of a room (issue 29): the SHA-256 of the browser's secret (as
    # students.browser) and the nickname it had, so the teacher knows whom to let back in. Such a browser cannot
    # join the room again, under any name, until the teacher lets it back (its row deleted).
    (
        """CREATE TABLE removed_browsers (
            room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
            browser TEXT NOT NULL,
            nickname TEXT NOT NULL,
            removed_at REAL NOT NULL,
            PRIMARY KEY (room, browser)
        )""",
    ),
    # 15: the teacher's sign-in (issue 28), shared by every server process on the database. teacher_links: the
    # SHA-256 of each sign-in link token the servers made (the printed one, and those a signed-in teacher asks for),
    # used_at once it signed someone in (a link signs in once), expires_at NULL for the printed one. teacher_sessions:
    # the SHA-256 of the secret in a signed-in teacher's browser cookie (never the secret), until when it holds.
    (
        """CREATE TABLE teacher_links (
            token TEXT PRIMARY KEY,
            made_at REAL NOT NULL,
            expires_at REAL,
            used_at REAL
        )""",
        """CREATE TABLE teacher_sessions (
            secret TEXT PRIMARY KEY,
            signed_in_at REAL NOT NULL,
            expires_at REAL NOT NULL
        )""",
    ),
    # 16: a brake on joining (issue 28): scripted sessions filled rooms and pushed out real students. joins: every
    # new student a room took, or refused, and when (kept 10 minutes: the teacher's count, the per-minute budget);
    # rooms.join_budget: new students a minute, the teacher's choice (NULL: rooms.JOINS_PER_MINUTE); students.seen_at:
    # when their Draw page last said it is open (NULL: not yet), so a connected student is never dropped.
    (
        """CREATE TABLE joins (
            room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
            at REAL NOT NULL,
            refused INTEGER NOT NULL DEFAULT 0 CHECK (refused IN (0, 1))
        )""",
        "CREATE INDEX joins_room ON joins(room, at)",
        "ALTER TABLE rooms ADD COLUMN join_budget INTEGER",
        "ALTER TABLE students ADD COLUMN seen_at REAL",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
# Every table, each after those it refers to (the order `class migrate` copies them in); the two with an
# AUTOINCREMENT id, which a copy keeps and then continues from.
TABLES = ("rooms", "students", "rounds", "drawings", "renames", "sign_in_brake", "room_models", "removed_browsers")
NUMBERED_TABLES = ("drawings", "rounds")
