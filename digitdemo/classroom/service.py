"""What the pages call: rooms, joining, sending, the board and moderation, over a ClassStore.

Every call takes the store first. Requests the rules refuse raise ClassRuleError, database trouble
ClassStoreError; both say one sentence for the user. No Streamlit, no SQL here.
"""

import hashlib
import io
import re
import secrets
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image

from digitdemo import artifacts, config
from digitdemo.classroom import rooms
from digitdemo.classroom.errors import ClassError as ClassError  # the pages catch all three from here
from digitdemo.classroom.errors import ClassRuleError
from digitdemo.classroom.errors import ClassStoreError as ClassStoreError
from digitdemo.classroom.storage import STORED, ClassStore, RefusedError

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The wall clock, in seconds since the epoch: every call that takes ``now`` reads it when given none (rounds that
# end by themselves compare with it). One name, so a test moves the time of a whole page.
clock = time.time


def _now(now: float | None) -> float:
    return clock() if now is None else float(now)


@dataclass(frozen=True)
class Room:
    code: str
    created_at: float  # seconds since the epoch (UTC)
    closed_at: float | None  # None while the room is open
    model: str | None  # the room's model (issue 8): "stored:<sha256>" (in the database) or a folder; None: the default
    students: int  # students with a drawing in the room: they take its places (rooms.MAX_STUDENTS_PER_ROOM)
    joined: int  # every student the room keeps: those and the newest who have not sent yet
    drawings: int  # hidden ones included
    version: int  # changes whenever anything in the room does
    # What its students start reading with (issue 15; rooms.START_MODELS) while it has no taught model.
    start_model: str = rooms.DEFAULT_START_MODEL

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Student:
    """A student in one room: a random id (never the browser session's id) and a nickname."""

    id: str
    room: str
    nickname: str


@dataclass(frozen=True)
class Drawing:
    """One sent drawing, for showing: its picture and 'meant -> read' (no arrays)."""

    id: int
    room: str
    student_id: str
    nickname: str  # for the teacher's view only: students do not see others' names
    meant: int
    read: int
    ink_png: bytes
    hidden: bool
    created_at: float
    model: str
    round_id: int | None = None  # the round running when it was stored, if any
    agreed: bool = False  # "fool the model": the class agrees it is the digit its round asked for

    @property
    def correct(self) -> bool:
        return self.meant == self.read


@dataclass(frozen=True)
class Board:
    """The class board: numbers over the shown (not hidden) drawings, and the latest drawings."""

    room: Room
    students: int  # students with a drawing in the room (hidden ones count)
    joined: int  # those, and the students kept who joined but have not sent yet
    drawings: int  # shown drawings, the ones every number below counts
    hidden: int
    correct: int
    confusion: np.ndarray  # (10, 10) int64: row = digit meant, column = digit read
    latest: list[Drawing]  # newest first

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.drawings if self.drawings else None

    @property
    def per_digit_accuracy(self) -> list[float | None]:
        """Share of each meant digit the model read right; None for a digit nobody sent."""
        totals = self.confusion.sum(axis=1)
        return [int(self.confusion[d, d]) / int(totals[d]) if totals[d] else None for d in range(config.N_CLASSES)]

    @property
    def per_digit_count(self) -> list[int]:
        return [int(n) for n in self.confusion.sum(axis=1)]


def _room(row) -> Room:
    return Room(
        code=row["code"],
        created_at=row["created_at"],
        closed_at=row["closed_at"],
        model=row["model"],
        students=row["students"],
        joined=row["joined"],
        drawings=row["drawings"],
        version=row["version"],
        start_model=row["start_model"],
    )


def _drawing(row) -> Drawing:
    return Drawing(
        id=row["id"],
        room=row["room"],
        student_id=row["student"],
        nickname=row["nickname"],
        meant=row["meant"],
        read=row["read"],
        ink_png=bytes(row["ink_png"]),
        hidden=bool(row["hidden"]),
        created_at=row["created_at"],
        model=row["model"],
        round_id=row["round_id"],
        agreed=bool(row["agreed"]),
    )


def _code(code: object) -> str:
    """A typed or linked room code, parsed; a malformed one is refused with a sentence."""
    parsed = rooms.parse_room_code(code)
    if parsed is None:
        raise ClassRuleError(
            f"That is not a room code: a code is {rooms.CODE_LENGTH} letters and digits, like "
            f"{rooms.CODE_ALPHABET[:3]}{rooms.CODE_ALPHABET[-2:]}."
        )
    return parsed


def _unknown(code: str) -> ClassRuleError:
    return ClassRuleError(f"There is no room {code}; check the code with your teacher.")


# --- Rooms (the teacher) ---------------------------------------------------------
def _start_model(start_model: object) -> str:
    """A room's starting model (rooms.START_MODELS); anything else is refused with a sentence."""
    if start_model not in rooms.START_MODELS:
        choices = ", ".join(f"{rooms.START_MODEL_WORDS[name]} ({name!r})" for name in rooms.START_MODELS)
        raise ClassRuleError(f"A room's students start with one of {choices}, not {start_model!r}.")
    return start_model


def create_room(store: ClassStore, start_model: str = rooms.DEFAULT_START_MODEL) -> Room:
    """A new open room with a fresh code, its students reading with ``start_model`` (rooms.START_MODELS)."""
    start_model = _start_model(start_model)
    for _ in range(20):  # 20 million codes: a clash is rare, twenty in a row never happens
        code = rooms.new_room_code()
        if store.add_room(code, clock(), start_model):
            return get_room(store, code)
    raise ClassRuleError("No free room code was found; please try again.")


def get_room(store: ClassStore, code: object) -> Room:
    """The room with this code (typed codes are parsed); ClassRuleError if there is none."""
    code = _code(code)
    row = store.room(code)
    if row is None:
        raise _unknown(code)
    return _room(row)


def list_rooms(store: ClassStore) -> list[Room]:
    """Every room, newest first."""
    return [_room(row) for row in store.rooms()]


def rooms_open(store: ClassStore) -> tuple[tuple[str, bool], ...]:
    """(code, open) of every room, newest first: list_rooms without the counts, for checking every few seconds."""
    return tuple((row["code"], bool(row["open"])) for row in store.rooms_open())


def close_room(store: ClassStore, code: object) -> Room:
    """No more joining or sending; the board and export still work."""
    code = _code(code)
    if not store.set_room_closed(code, clock()):
        raise _unknown(code)
    return get_room(store, code)


def reopen_room(store: ClassStore, code: object) -> Room:
    code = _code(code)
    if not store.set_room_closed(code, None):
        raise _unknown(code)
    return get_room(store, code)


def copy_database(source: ClassStore, target: ClassStore) -> dict[str, int]:
    """Copy a whole class database into an empty one, of either backend, in one transaction: rows per table."""
    if str(source.location) == str(target.location):
        raise ClassRuleError("The class database cannot be copied into itself; name another one with --to.")
    try:
        return source.copy_into(target)
    except RefusedError:
        raise ClassRuleError(
            f"The class database {target.name} already holds rooms; migrate copies into an empty one only."
        ) from None


def get_room_model(store: ClassStore, code: object) -> str | None:
    """The model the room's students draw against (issue 8); None means the default model."""
    return get_room(store, code).model


def set_room_model(store: ClassStore, code: object, model: str | None) -> Room:
    """Make ``model`` (an identifier or path) the room's model; None switches back to the default."""
    code = _code(code)
    if model is not None and (not isinstance(model, str) or not model or len(model) > rooms.MAX_MODEL_NAME_CHARS):
        raise ClassRuleError("A room's model must be named by a path or identifier of at most 300 characters.")
    if not store.set_room_model(code, model):
        raise _unknown(code)
    return get_room(store, code)


def set_room_start_model(store: ClassStore, code: object, start_model: str) -> Room:
    """The model the room's students start reading with (rooms.START_MODELS); a taught model still wins over it."""
    code = _code(code)
    if not store.set_room_start_model(code, _start_model(start_model)):
        raise _unknown(code)
    return get_room(store, code)


def store_room_model(store: ClassStore, code: object, weights: bytes) -> Room:
    """Keep a taught model (weights.npz's bytes: artifacts.to_bytes) in the class database as the room's model.

    In the database, not in a folder, so every server of the hall reads it, on every machine.
    """
    code = _code(code)
    if not isinstance(weights, bytes) or len(weights) > artifacts.MAX_MODEL_BYTES:
        raise ClassRuleError("A room's model must be a model file of at most 64 MB.")
    if not store.store_room_model(code, weights, hashlib.sha256(weights).hexdigest(), clock()):
        raise _unknown(code)
    return get_room(store, code)


def stored_room_model(store: ClassStore, code: object, name: str) -> artifacts.TrainedModel | None:
    """The room's model named ``stored:<sha256>`` (get_room_model), read from the database; None if it changed since.

    ModelError if the stored bytes are not a model.
    """
    sha256 = name.removeprefix(STORED)
    weights = store.room_model_weights(_code(code), sha256)
    return None if weights is None else artifacts.from_bytes(weights, source=f"room {code}'s stored model")


# --- Students ------------------------------------------------------------------------
# A generated nickname another student took in the same instant is drawn again; this many times at most.
_NICKNAME_DRAWS = 20


def _still(kept: str | None) -> str:
    """The end of a refused rename's sentence: which nickname the student keeps (nothing when joining)."""
    return "" if kept is None else f"; you are still {kept}"


def _typed_nickname(nickname: object, keep: str | None) -> str:
    """A typed nickname, cleaned; ClassRuleError (one sentence, saying the old one is kept) if unusable."""
    kept = _still(keep)
    if not isinstance(nickname, str) or not nickname.strip():
        raise ClassRuleError(f"A nickname cannot be empty{kept}.")
    name = rooms.clean_nickname(nickname)
    if name is None:
        raise ClassRuleError(f"A nickname needs at least one letter or digit{kept}.")
    word = rooms.reserved_word(name)
    if word is not None:
        raise ClassRuleError(f'A nickname cannot use the word "{word}", so that nobody passes for the teacher{kept}.')
    return name


def _taken(name: str, kept: str | None) -> ClassRuleError:
    # Not "another student is called ...": a rename must not confirm who is in the room (issue 20).
    return ClassRuleError(f"The nickname {name} cannot be used in this room; choose another{_still(kept)}.")


# A browser's secret, as new_browser_secret makes it (256 bits, URL-safe); anything else in a cookie is ignored.
_BROWSER_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


def new_browser_secret() -> str:
    """A fresh random secret for one browser, to keep in its cookie: it finds the browser's student again."""
    return secrets.token_urlsafe(32)


def is_browser_secret(secret: object) -> bool:
    """Whether a cookie's value is a secret new_browser_secret made (anything else is ignored)."""
    return isinstance(secret, str) and _BROWSER_SECRET.fullmatch(secret) is not None


def _browser_key(secret: object) -> str | None:
    """What the database keeps of a browser secret: its SHA-256, so the file alone cannot make anyone a student."""
    return hashlib.sha256(secret.encode()).hexdigest() if is_browser_secret(secret) else None


def join(
    store: ClassStore, code: object, nickname: object = None, new_if_taken: bool = False, browser: object = None
) -> Student:
    """Join a room: a new Student with a random id and a nickname no other student of the room has.

    ``nickname``: one as given (cleaned; a reserved or taken one is refused with a sentence), or None for a
    random friendly one. The pages give only a student's own when they move rooms ('Emma #42' keeps its number;
    a typed name gets its number from rename); scripts and tests give plain ones. ``new_if_taken``: a random one
    instead of refusing (a student moving rooms).
    ``browser``: the joining browser's secret (new_browser_secret), so that browser finds the student again.
    """
    code = _code(code)
    name = None
    if nickname is not None:
        try:
            typed, number = rooms.number_of(nickname) if isinstance(nickname, str) else (nickname, None)
            name = _typed_nickname(typed, None)
            if number is not None:  # a student moving rooms keeps their number too
                name = rooms.numbered(name, number)
        except ClassRuleError:
            if not new_if_taken:
                raise
    student_id = secrets.token_hex(8)
    for _ in range(_NICKNAME_DRAWS):
        chosen = name or rooms.new_nickname({rooms.same_nickname(n) for n in store.nicknames(code)})
        try:
            store.add_student(
                code,
                student_id,
                chosen,
                clock(),
                rooms.MAX_STUDENTS_PER_ROOM,
                rooms.MAX_IDLE_STUDENTS_PER_ROOM,
                _browser_key(browser),
                joins_per_minute=rooms.JOINS_PER_MINUTE,
                connected_s=rooms.CONNECTED_S,
            )
        except RefusedError as refused:
            if refused.reason == "closed":
                # A new student gets the same answer for a closed room as for none: probing codes learns nothing
                # from closed rooms (issue 28). A student already in it is told it is closed.
                raise _refusal(RefusedError("unknown_room"), code) from None
            if refused.reason != "nickname_taken":
                raise _refusal(refused, code) from None
            if name is not None and not new_if_taken:
                raise _taken(name, None) from None
            name = None  # draw a random one (again)
            continue
        return Student(id=student_id, room=code, nickname=chosen)
    raise ClassRuleError("No free nickname was found in this room; please try again.")


@dataclass(frozen=True)
class Joins:
    """A room's brake on joining, as the teacher sees it: new students a minute, and what it did lately."""

    budget: int  # new students a minute (0: none)
    own: bool  # the teacher set it (else rooms.JOINS_PER_MINUTE)
    last_minute: int  # students it took in the last minute
    refused: int  # joins it refused in the last 10 minutes


def joins(store: ClassStore, code: object, now: float | None = None) -> Joins:
    code = _code(code)
    budget, taken, refused = store.joins(code, _now(now))
    return Joins(rooms.JOINS_PER_MINUTE if budget is None else budget, budget is not None, taken, refused)


def set_join_budget(store: ClassStore, code: object, budget: object) -> int:
    """The teacher's new-students-a-minute for the room (0 to MAX_JOINS_PER_MINUTE); ClassRuleError otherwise."""
    code = _code(code)
    if isinstance(budget, bool) or not isinstance(budget, int) or not 0 <= budget <= rooms.MAX_JOINS_PER_MINUTE:
        raise ClassRuleError(f"New students a minute: a whole number from 0 to {rooms.MAX_JOINS_PER_MINUTE}.")
    if not store.set_join_budget(code, budget):
        raise _refusal(RefusedError("unknown_room"), code)
    return budget


def student_seen(store: ClassStore, student: Student, now: float | None = None) -> None:
    """The student's Draw page is open: they are never dropped while it is (rooms.CONNECTED_S)."""
    store.student_seen(student.room, student.id, _now(now))


def rejoin(store: ClassStore, code: object, student_id: object) -> Student | None:
    """The student with this id in this room, else None: the id a session holds, never one read from a link."""
    try:
        code = _code(code)
    except ClassRuleError:
        return None
    row = store.student(str(student_id)[:64])
    if row is None or row["room"] != code:
        return None
    return _student(row)


def _student(row) -> Student:
    return Student(id=row["id"], room=row["room"], nickname=row["nickname"])


def student_of_browser(store: ClassStore, code: object, secret: object) -> Student | None:
    """The student this browser (its secret) is in the room, if any: a reload, a new tab, the link opened again.

    A link alone never finds a student: another browser has no secret, so it joins as someone new.
    """
    key = _browser_key(secret)
    parsed = rooms.parse_room_code(code)
    row = None if key is None or parsed is None else store.student_of_browser(parsed, key)
    return None if row is None else _student(row)


def forget_browser(store: ClassStore, student: Student) -> None:
    """The student left on purpose: their browser finds them no more, so the next person on a shared device is new."""
    store.forget_browser(student.room, student.id)


def rename(store: ClassStore, student: Student, nickname: object, now: float | None = None) -> Student:
    """Change a student's nickname: the typed name (cleaned) with a number of two digits drawn at random, 'Emma #42',
    one that no classmate has. ClassRuleError, the old one kept, if it is empty, reserved or made up, if the student
    tried more than rooms.RENAMES_PER_MINUTE renames in the last minute, or (in theory) if all 90 numbers are taken.

    A typed name is never refused because a classmate has it: a rename says nothing of who is in the room (issue 28).
    """
    name = _typed_nickname(nickname, student.nickname)
    if rooms.is_made_up(name) and rooms.same_nickname(name) != rooms.same_nickname(student.nickname):
        raise ClassRuleError(
            f"Names such as {rooms.ADJECTIVES[0]} {rooms.ANIMALS[0]} are given by the app, not typed: "
            f"choose a name of your own{_still(student.nickname)}."
        )
    typed, number = rooms.number_of(student.nickname)
    if rooms.is_made_up(name):  # their own made-up name, in other letters: no number
        wanted = [name]
    elif number is not None and rooms.same_nickname(name) == rooms.same_nickname(typed):
        wanted = [rooms.numbered(name, number)]  # their own name in other letters: their number kept
    else:  # every number, in a random order: the first no classmate has
        numbers = secrets.SystemRandom().sample(rooms.NAME_NUMBERS, len(rooms.NAME_NUMBERS))
        wanted = [rooms.numbered(name, n) for n in numbers]
    now = _now(now)
    try:
        renamed = store.rename_student(student.id, wanted, now, rooms.RENAMES_PER_MINUTE, rooms.RATE_WINDOW_SECONDS)
    except RefusedError as refused:
        if refused.reason == "too_fast":
            raise ClassRuleError(
                f"You can change your nickname {rooms.RENAMES_PER_MINUTE} times a minute; please wait "
                f"{max(1, round(refused.retry_after or 0))} s{_still(student.nickname)}.",
                retry_after=refused.retry_after,
            ) from None
        raise _taken(name, student.nickname) from None
    if renamed is None:
        raise ClassRuleError("You are no longer in that room; please join again.")
    return Student(id=student.id, room=student.room, nickname=renamed)


@dataclass(frozen=True)
class RoomStatus:
    """What a student's Draw page needs to know about their room on each run."""

    exists: bool  # False: the room was deleted (or the class database replaced)
    is_open: bool
    present: bool  # False: the student is no longer in the room
    model: str | None  # the room's model (issue 8): "stored:<sha256>" (in the database) or a folder; None: the default


def room_status(store: ClassStore, student: Student) -> RoomStatus:
    """Is the student's room still there, open, and the student in it: one lookup by primary keys."""
    row = store.room_status(student.room, student.id)
    if row is None:
        return RoomStatus(exists=False, is_open=False, present=False, model=None)
    return RoomStatus(exists=True, is_open=row["closed_at"] is None, present=bool(row["present"]), model=row["model"])


# --- Sending ---------------------------------------------------------------------------
# The thumbnail's longer side: large enough for a gallery on a projector, about 1-3 kB as a PNG.
INK_PICTURE_SIZE = 84


def ink_picture(ink: np.ndarray) -> bytes:
    """(h, w) ink in [0, 1] (1 = ink, e.g. preprocess's ``cropped``) -> a small PNG, white digit on black."""
    ink = np.clip(np.nan_to_num(np.asarray(ink, dtype=np.float32)), 0.0, 1.0)
    image = Image.fromarray((ink * 255).round().astype(np.uint8), mode="L")
    image.thumbnail((INK_PICTURE_SIZE, INK_PICTURE_SIZE), Image.Resampling.LANCZOS)
    # Square, with a margin, so the gallery lines up whatever the digit's shape.
    side = INK_PICTURE_SIZE + INK_PICTURE_SIZE // 4
    square = Image.new("L", (side, side), 0)
    square.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    out = io.BytesIO()
    square.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _digit(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= int(value) <= 9:
        raise ClassRuleError(f"The {what} must be a whole number from 0 to 9.")
    return int(value)


def _vector(values: object, size: int, what: str) -> bytes:
    """A (size,) (or (1, size)) array of finite numbers -> its float32 little-endian bytes."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        array = np.zeros(0)
    if array.dtype.kind not in "fiu" or array.shape not in ((size,), (1, size)):
        raise ClassRuleError(f"The {what} must be {size} numbers, but it has shape {array.shape}.")
    array = array.reshape(size).astype("<f4")
    if not np.all(np.isfinite(array)):
        raise ClassRuleError(f"The {what} holds values that are not finite numbers.")
    return array.tobytes()


def _refusal(refused: RefusedError, code: str) -> ClassRuleError:
    sentences = {
        "unknown_room": f"There is no room {code}; check the code with your teacher.",
        "unknown_student": "You are no longer in that room: the teacher removed you, or many joined after you "
        "before you sent anything; please join again.",
        "removed": f"The teacher took you out of room {code}: this browser can join it again only once the teacher "
        "lets it back in.",
        "room_full_students": f"Room {code} is full: {rooms.MAX_STUDENTS_PER_ROOM} students have sent drawings; "
        "ask your teacher for another room.",
        "other_room": f"You joined another room, not {code}; join {code} to send there.",
        "closed": f"Room {code} is closed: the teacher is not collecting drawings now.",
        "room_full": f"Room {code} is full: it holds {rooms.MAX_DRAWINGS_PER_ROOM} drawings.",
        "too_many": f"You have sent {rooms.MAX_DRAWINGS_PER_STUDENT} drawings, as many as one student may. Thank you!",
        "too_fast": f"You can send {rooms.SENDS_PER_MINUTE} drawings a minute; please wait "
        f"{max(1, round(refused.retry_after or 0))} s.",
        "join_budget": f"Room {code} takes no more new students just now (the teacher's limit a minute); please try "
        f"again in {max(1, round(refused.retry_after or 0))} s.",
    }
    return ClassRuleError(sentences[refused.reason], retry_after=refused.retry_after)


def send_drawing(
    store: ClassStore,
    student: Student,
    code: object,
    meant: int,
    x: np.ndarray,
    ink_png: bytes,
    read: int,
    probabilities: np.ndarray,
    model: str,
    now: float | None = None,
) -> int:
    """Store a student's drawing in a room, within the room's limits; the new drawing's id.

    x: (400,) float32, the model's input exactly as it read it (lab's column-major order);
    ink_png: a small PNG of the ink; read: the digit the model read; probabilities: (10,);
    now: the time of sending (default: the clock), for replaying a lesson.
    """
    code = _code(code)
    meant = _digit(meant, "digit you meant")
    read = _digit(read, "digit the model read")
    x_bytes = _vector(x, config.N_PIXELS, "drawing's input")
    p_bytes = _vector(probabilities, config.N_CLASSES, "list of probabilities")
    if not isinstance(ink_png, bytes) or not ink_png.startswith(_PNG_SIGNATURE):
        raise ClassRuleError("The picture of the drawing must be a PNG image.")
    if len(ink_png) > rooms.MAX_INK_PNG_BYTES:
        raise ClassRuleError(f"The picture of the drawing is larger than {rooms.MAX_INK_PNG_BYTES // 1024} kB.")
    if not isinstance(model, str) or not model or len(model) > rooms.MAX_MODEL_NAME_CHARS:
        raise ClassRuleError("The model must be named (at most 300 characters).")
    if not isinstance(student, Student):
        raise ClassRuleError("Please join the room before sending.")
    limits = (
        rooms.SENDS_PER_MINUTE,
        rooms.RATE_WINDOW_SECONDS,
        rooms.MAX_DRAWINGS_PER_STUDENT,
        rooms.MAX_DRAWINGS_PER_ROOM,
        rooms.MAX_STUDENTS_PER_ROOM,
    )
    now = _now(now)
    try:
        return store.add_drawing(code, student.id, meant, read, x_bytes, p_bytes, ink_png, model, now, limits)
    except RefusedError as refused:
        raise _refusal(refused, code) from None


# --- The board ---------------------------------------------------------------------------
def board_version(store: ClassStore, code: object) -> int | None:
    """The room's change counter (None: no such room); a board redraws only when it moved."""
    parsed = rooms.parse_room_code(code)
    return None if parsed is None else store.board_version(parsed)


def board(store: ClassStore, code: object, latest: int = rooms.LATEST_DRAWINGS, latest_hidden: bool = True) -> Board:
    """The numbers of the class board, and the latest drawings (hidden ones flagged, unless latest_hidden=False)."""
    code = _code(code)
    found = store.board(code, latest, latest_hidden)
    if found is None:
        raise _unknown(code)
    room_row, cells, hidden, rows = found
    confusion = np.zeros((config.N_CLASSES, config.N_CLASSES), dtype=np.int64)
    for meant, read, count in cells:
        confusion[meant, read] = count
    return Board(
        room=_room(room_row),
        students=room_row["students"],
        joined=room_row["joined"],
        drawings=int(confusion.sum()),
        hidden=hidden,
        correct=int(np.trace(confusion)),
        confusion=confusion,
        latest=[_drawing(row) for row in rows],
    )


def cell_drawings(store: ClassStore, code: object, meant: int, read: int, limit: int | None = None) -> list[Drawing]:
    """The shown drawings of one confusion-matrix cell (meant, read), newest first."""
    code = _code(code)
    meant, read = _digit(meant, "digit meant"), _digit(read, "digit read")
    rows = store.drawings(code, meant=meant, read=read, include_hidden=False, limit=limit)
    return [_drawing(row) for row in rows]


def student_drawings(store: ClassStore, student: Student) -> list[Drawing]:
    """A student's own drawings in their room, newest first (hidden ones too, flagged)."""
    return [_drawing(row) for row in store.drawings(student.room, student_id=student.id)]


def room_drawings(store: ClassStore, code: object, include_hidden: bool = True) -> list[Drawing]:
    """Every drawing of a room, newest first (for the teacher's moderation list)."""
    return [_drawing(row) for row in store.drawings(_code(code), include_hidden=include_hidden)]


def digit_tally(store: ClassStore, code: object) -> list[tuple[str, int, int]]:
    """(student id, digit meant, how many) of a room's shown drawings, students in the order they first sent:
    what teaching counts, without reading the drawings themselves (the board asks it on every change)."""
    return [(row["student"], row["meant"], row["count"]) for row in store.digit_tally(_code(code))]


# --- Rounds (the teacher starts one; students' Draw pages follow it) -------------------------
@dataclass(frozen=True)
class Round:
    """A room's round: an activity of one kind (rooms.ROUND_KINDS), from its start to its end."""

    id: int
    room: str
    kind: str
    started_at: float  # seconds since the epoch (UTC)
    ended_at: float | None  # None until the teacher ends it (or starts another)
    digit: int | None = None  # the digit a ONE_DIGIT round asks everyone for
    ends_at: float | None = None  # the end of its time limit; None: until ended by hand

    def is_running(self, now: float | None = None) -> bool:
        """Not ended, and its time (if limited) not up: a round past ends_at counts as ended everywhere."""
        return self.ended_at is None and (self.ends_at is None or _now(now) < self.ends_at)

    def end(self, now: float | None = None) -> float | None:
        """When it ended (by hand, or its time up), or None while it runs."""
        if self.ended_at is not None:
            return self.ended_at
        return self.ends_at if not self.is_running(now) else None

    def seconds_left(self, now: float | None = None) -> float | None:
        """The time left while it runs with a limit; None without one (or once it ended)."""
        if self.ends_at is None or not self.is_running(now):
            return None
        return self.ends_at - _now(now)

    def asks(self, student_id: str) -> int | None:
        """The digit it asks this student for, None for "any digit" (EVERY_DIGIT: see asked_in)."""
        if self.kind in rooms.ONE_DIGIT_KINDS:
            return self.digit
        if self.kind == rooms.RANDOM_DIGIT:
            return rooms.random_digit(self.id, student_id)
        return None

    @property
    def title(self) -> str:
        return round_title(self.kind, self.digit)


def round_title(kind: str, digit: int | None = None) -> str:
    """What a round asks, in words: "draw a 4", "draw any digit"."""
    if kind == rooms.ONE_DIGIT:
        return f"draw {'an' if digit == 8 else 'a'} {digit}"
    if kind == rooms.FOOL:
        return f"fool the model: draw {'an' if digit == 8 else 'a'} {digit} it reads as another digit"
    return {
        rooms.EVERY_DIGIT: "draw every digit",
        rooms.ANY_DIGIT: "draw any digit",
        rooms.RANDOM_DIGIT: "draw a random digit each",
    }.get(kind, kind)


def _round(row) -> Round:
    return Round(row["id"], row["room"], row["kind"], row["started_at"], row["ended_at"], row["digit"], row["ends_at"])


@dataclass(frozen=True)
class RoundProgress:
    """How far a running round has come, for the board."""

    round: Round
    per_digit: list[int]  # the shown drawings of each digit sent since the round started
    students: int  # students who sent in the round
    room_per_digit: list[int]  # the room's shown drawings of each digit, the round's and earlier ones


def start_round(
    store: ClassStore,
    code: object,
    kind: str = rooms.EVERY_DIGIT,
    digit: int | None = None,
    minutes: float | None = None,
    now: float | None = None,
) -> Round:
    """Start a round of ``kind`` in the room (a running one ends first).

    digit: the digit a ONE_DIGIT round asks for (0-9; that kind only); minutes: its time limit (None: until
    ended by hand), after which it ends by itself.
    """
    code = _code(code)
    if kind not in rooms.ROUND_KINDS:
        raise ClassRuleError(f"There is no kind of round called {kind!r}.")
    if kind in rooms.ONE_DIGIT_KINDS:
        digit = _digit(digit, "digit the round asks for")
    elif digit is not None:
        raise ClassRuleError("Only a round that asks for one digit takes a digit.")
    if minutes is not None and (
        isinstance(minutes, bool) or not isinstance(minutes, int | float) or not 0 < minutes <= rooms.MAX_ROUND_MINUTES
    ):
        raise ClassRuleError(f"A round's time limit is more than 0 and at most {rooms.MAX_ROUND_MINUTES} minutes.")
    now = _now(now)
    ends_at = None if minutes is None else now + 60.0 * minutes
    if store.start_round(code, kind, now, digit, ends_at) is None:
        raise _unknown(code)
    return current_round(store, code, now=now)


def end_round(store: ClassStore, code: object, now: float | None = None) -> bool:
    """End the room's running round; False if none was running."""
    return store.end_round(_code(code), _now(now))


def current_round(store: ClassStore, code: object, now: float | None = None) -> Round | None:
    """The room's running round, or None (one whose time is up has ended)."""
    row = store.current_round(_code(code), _now(now))
    return None if row is None else _round(row)


def list_rounds(store: ClassStore, code: object) -> list[tuple[Round, int]]:
    """Every round of the room, newest first, each with how many shown drawings it holds."""
    return [(_round(row), row["drawings"]) for row in store.rounds(_code(code))]


def round_numbers(listed: list[tuple[Round, int]]) -> dict[int, int]:
    """Each round's number in its room, by round id, as the board shows it: 1 the first (list_rounds: newest first)."""
    return {r.id: len(listed) - i for i, (r, _) in enumerate(listed)}


def _room_round(store: ClassStore, code: str, round_id: int) -> Round | None:
    """One of the room's rounds by its id, or None if the room has no such round."""
    return next((r for r, _ in list_rounds(store, code) if r.id == round_id), None)


@dataclass(frozen=True)
class RoundDrawing:
    """One drawing of a round, with how sure the model was of the digit it was asked for."""

    drawing: Drawing
    asked: int  # the digit asked for: the round's, the student's random one, or (any digit) the one meant
    confidence: float  # the model's probability of ``asked``, as stored with the drawing
    x: np.ndarray | None = None  # (400,) float32, the input the model read (the lab's column-major order)

    @property
    def fools(self) -> bool:
        """It fooled the model: the class agrees it is the digit asked for, and the model read another."""
        return self.drawing.agreed and self.drawing.read != self.asked


@dataclass(frozen=True)
class RoundBoard:
    """A round on the board: its drawings, surest first, and how many the model read as meant."""

    round: Round
    drawings: list[RoundDrawing]  # by confidence, highest first (ties: the earlier drawing first)
    correct: int  # drawings read as the digit meant
    students: int  # students who sent in it

    @property
    def accuracy(self) -> float | None:
        return self.correct / len(self.drawings) if self.drawings else None

    @property
    def misread(self) -> list[RoundDrawing]:
        """The drawings the model read as another digit than the one asked for, surest of the asked digit first:
        in a "fool the model" round, those the class may agree fooled it."""
        return [d for d in self.drawings if d.drawing.read != d.asked]

    @property
    def fooling(self) -> list[RoundDrawing]:
        """The drawings that fooled the model (RoundDrawing.fools)."""
        return [d for d in self.drawings if d.fools]


def round_board(store: ClassStore, code: object, round_id: int) -> RoundBoard | None:
    """One of the room's rounds (running or ended) with its shown drawings; None if the room has no such round."""
    code = _code(code)
    found = _room_round(store, code, round_id)
    if found is None:
        return None
    drawings = []
    for row in store.round_drawings(code, round_id):
        drawing = _drawing(row)
        asked = found.asks(drawing.student_id)
        asked = drawing.meant if asked is None else asked
        probabilities = np.frombuffer(bytes(row["probabilities"]), dtype="<f4")  # (10,), as send_drawing stored it
        x = np.frombuffer(bytes(row["x"]), dtype="<f4")
        drawings.append(RoundDrawing(drawing, asked, float(probabilities[asked]), x))
    drawings.sort(key=lambda d: -d.confidence)  # stable: equal confidences keep the order they were sent in
    return RoundBoard(
        round=found,
        drawings=drawings,
        correct=sum(d.drawing.correct for d in drawings),
        students=len({d.drawing.student_id for d in drawings}),
    )


def mark_agreed(store: ClassStore, code: object, round_id: int, drawing_id: int, agreed: bool = True) -> None:
    """The teacher's mark in a "fool the model" round: the class agrees (or no longer agrees) that the drawing is
    the digit the round asked for. Agreed, it is kept in the room's drawings as that digit."""
    code = _code(code)
    found = _room_round(store, code, round_id)
    if found is None or found.kind != rooms.FOOL:
        raise ClassRuleError(f'Room {code} has no such "fool the model" round.')
    if not store.set_agreed(code, round_id, int(drawing_id), bool(agreed), found.digit):
        raise ClassRuleError("That drawing is not one of the round's; it may have been deleted.")


def _per_digit(tally) -> list[int]:
    counts = [0] * config.N_CLASSES
    for row in tally:
        counts[row["meant"]] += row["count"]
    return counts


def round_progress(store: ClassStore, code: object, now: float | None = None) -> RoundProgress | None:
    """The running round and what it has gathered so far, or None when no round runs."""
    running = current_round(store, code, now=now)
    if running is None:
        return None
    in_round = store.digit_tally(running.room, since=running.started_at)
    return RoundProgress(
        round=running,
        per_digit=_per_digit(in_round),
        students=len({row["student"] for row in in_round}),
        room_per_digit=_per_digit(store.digit_tally(running.room)),
    )


def asked_digit(store: ClassStore, student: Student, now: float | None = None) -> int | None:
    """The digit the room's running round asks this student for, or None (no round, or "any digit")."""
    running = current_round(store, student.room, now=now)
    return None if running is None else asked_in(store, running, student)


def asked_in(store: ClassStore, running: Round, student: Student) -> int | None:
    """The digit ``running`` asks this student for; EVERY_DIGIT: the one the room lacks (rooms.lacking_digit)."""
    if running.kind != rooms.EVERY_DIGIT:
        return running.asks(student.id)
    tally = store.digit_tally(student.room)
    mine = _per_digit(
        row for row in store.digit_tally(student.room, since=running.started_at) if row["student"] == student.id
    )
    turn = sum(map(ord, student.id)) % config.N_CLASSES  # students who start together are asked different digits
    return rooms.lacking_digit(_per_digit(tally), mine, turn)


@dataclass(frozen=True)
class StudentView:
    """What a student's Draw page shows of their room; the live check reruns the page when it changes."""

    exists: bool
    is_open: bool
    present: bool
    model: str | None
    round_id: int | None  # the running round's id, None when none runs
    start_model: str = rooms.DEFAULT_START_MODEL  # what the room's students start reading with (rooms.START_MODELS)


def student_view(store: ClassStore, student: Student, now: float | None = None) -> StudentView:
    """The student's room as their page shows it: one lookup by primary keys and the rounds index."""
    row = store.student_view(student.room, student.id, _now(now))
    if row is None:
        return StudentView(exists=False, is_open=False, present=False, model=None, round_id=None)
    return StudentView(
        True, row["closed_at"] is None, bool(row["present"]), row["model"], row["round"], row["start_model"]
    )


# --- Moderation (the teacher) ---------------------------------------------------------------
def hide_drawing(store: ClassStore, code: object, drawing_id: int, hidden: bool = True) -> None:
    """Hide a drawing from the board and its numbers (or show it again); it stays stored."""
    code = _code(code)
    if not store.set_hidden(code, int(drawing_id), hidden):
        raise ClassRuleError(f"Room {code} has no drawing {drawing_id}; it may have been deleted.")


def unhide_drawing(store: ClassStore, code: object, drawing_id: int) -> None:
    hide_drawing(store, code, drawing_id, hidden=False)


def delete_drawing(store: ClassStore, code: object, drawing_id: int) -> None:
    code = _code(code)
    if store.delete_drawings(code, drawing_id=int(drawing_id)) != 1:
        raise ClassRuleError(f"Room {code} has no drawing {drawing_id}; it may have been deleted.")


def remove_student_drawings(store: ClassStore, code: object, student_id: str) -> int:
    """Delete every drawing one student sent to the room (their place is free until they send again); how many."""
    return store.delete_drawings(_code(code), student_id=str(student_id))


def remove_student(store: ClassStore, code: object, student_id: str) -> int:
    """Take a student out of the room with their drawings, freeing their place; how many drawings went.

    Their browser stays out of the room, under any name, until the teacher lets it back (let_back_in); another
    browser, or the same one with its cookies cleared, is someone new: there are no accounts.
    """
    code = _code(code)
    deleted = store.remove_student(code, str(student_id)[:64], clock())
    if deleted is None:
        raise ClassRuleError(f"Room {code} has no such student; they may have been removed already.")
    return deleted


@dataclass(frozen=True)
class RemovedBrowser:
    """A browser the teacher took out of a room: its key (the hash the database keeps), its nickname then, when."""

    key: str
    nickname: str
    removed_at: float


def browser_removed(store: ClassStore, code: object, secret: object) -> bool:
    """Whether this browser (its secret) was taken out of the room by the teacher and not let back in."""
    key, parsed = _browser_key(secret), rooms.parse_room_code(code)
    return key is not None and parsed is not None and store.browser_removed(parsed, key)


def removed_browsers(store: ClassStore, code: object) -> list[RemovedBrowser]:
    """The browsers kept out of the room, the latest removed first."""
    return [RemovedBrowser(r["browser"], r["nickname"], r["removed_at"]) for r in store.removed_browsers(_code(code))]


def let_back_in(store: ClassStore, code: object, key: str) -> None:
    """Let a removed browser (RemovedBrowser.key) join the room again, as a new student."""
    code = _code(code)
    if not store.let_back_in(code, str(key)[:64]):
        raise ClassRuleError(f"That browser is not kept out of room {code}: it may have been let back in already.")


def clear_room(store: ClassStore, code: object) -> int:
    """Delete every drawing of the room (students stay in it); how many."""
    code = _code(code)
    if store.room(code) is None:
        raise _unknown(code)
    return store.delete_drawings(code)
