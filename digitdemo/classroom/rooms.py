"""The rules of a room, pure Python: codes, nicknames and the limits that keep a room usable."""

import hashlib
import itertools
import re
import secrets
import unicodedata
from collections.abc import Collection

import disarm

from digitdemo import config

# --- Room codes ---------------------------------------------------------------
# Read aloud and typed by 30 students: no 0/O or 1/I (look alike), and no vowels, so that a
# random code never spells a word. 29 symbols ** 5 = 20 million codes: collisions are rare and retried.
CODE_ALPHABET = "23456789BCDFGHJKLMNPQRSTVWXYZ"
CODE_LENGTH = 5
# Longer typed input is not a code; bounding it first keeps parsing cheap whatever is pasted.
_MAX_TYPED_CODE = 40
# Spaces, dashes and dots between the symbols; after NFKC, so a full-width space or hyphen is one of
# them too. The dash family and the katakana long-vowel mark are what a Japanese IME gives for "-".
_CODE_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015\u2212\u30fc]+")


def new_room_code() -> str:
    """A fresh random room code, e.g. 'K7MQ3'."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def parse_room_code(text: object) -> str | None:
    """A typed or linked code ('k7m-q3', ' K7MQ3 ', full-width 'Ｋ７ＭＱ３') -> 'K7MQ3'; anything else -> None."""
    if not isinstance(text, str) or len(text) > _MAX_TYPED_CODE:
        return None
    # NFKC first: a phone's or an IME's full-width letters and digits become the ASCII ones.
    code = _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def format_room_code(code: str) -> str:
    """How a code is shown: the same five symbols, as one group (nothing to mistype)."""
    return code


# --- Nicknames ------------------------------------------------------------------
# No account and no personal data: every student gets a friendly random name and may change it.
ADJECTIVES = (
    "Blue", "Red", "Green", "Gold", "Silver", "Purple", "Orange", "Amber", "Coral", "Teal",
    "Brave", "Calm", "Clever", "Happy", "Kind", "Lucky", "Quick", "Quiet", "Sunny", "Swift",
    "Bright", "Cosy", "Gentle", "Jolly",
)  # fmt: skip
ANIMALS = (
    "Otter", "Fox", "Panda", "Koala", "Lynx", "Owl", "Heron", "Badger", "Beaver", "Dolphin",
    "Falcon", "Gecko", "Hedgehog", "Lemur", "Marmot", "Moose", "Puffin", "Rabbit", "Robin", "Seal",
    "Tiger", "Turtle", "Walrus", "Zebra",
)  # fmt: skip
# Long enough for "Silver Hedgehog" or a first name, short enough for a gallery caption on a projector.
NICKNAME_MAX_CHARS = 24
# A pasted novel is cut before any work is done on it.
_MAX_TYPED_NICKNAME = 200
# A tag such as <b> or </script> goes whole, not just its brackets.
_TAG = re.compile(r"<[^<>]{0,100}>")


def new_nickname(taken: Collection[str] = ()) -> str:
    """A random friendly nickname, e.g. 'Blue Otter', that is none of ``taken`` (names as same_nickname gives them)."""
    free = [f"{adjective} {animal}" for adjective in ADJECTIVES for animal in ANIMALS]
    free = [name for name in free if same_nickname(name) not in taken]
    if free:
        return secrets.choice(free)
    # All 576 taken (a room holds fewer students, so only in theory): a number makes a name new.
    name = f"{secrets.choice(ADJECTIVES)} {secrets.choice(ANIMALS)}"
    return next(f"{name} {n}" for n in itertools.count(2) if same_nickname(f"{name} {n}") not in taken)


def clean_nickname(text: object) -> str | None:
    """A typed nickname made plain: letters, digits, single spaces and hyphens, at most 24 characters.

    Markup (<b>, **, [link](...)), control and invisible characters (U+3164 too) and combining marks are dropped,
    so whatever a page does with the name it shows as typed text. Nothing left -> None.
    """
    if not isinstance(text, str):
        return None
    # strip_format first: fillers that are letters to Unicode (U+3164, U+115F) but show nothing go too.
    text = _TAG.sub(" ", unicodedata.normalize("NFKC", disarm.strip_format(text[:_MAX_TYPED_NICKNAME])))
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] in "LN" and category != "Nl":
            kept.append(char)
        elif char == "-" or category == "Zs" or char in "\t\n":
            kept.append(" " if char != "-" else "-")
    # Runs of spaces and hyphens fold into one; a name neither starts nor ends with them.
    name = re.sub(r" +", " ", "".join(kept))
    name = re.sub(r"-+", "-", name).strip(" -")
    name = name[:NICKNAME_MAX_CHARS].rstrip(" -")
    # A name must show something: one whose every letter folds to nothing (invisible) is no name.
    return name if any(c.isalnum() for c in same_nickname(name)) else None


# Words a student's nickname may not use, so that nobody on the board passes for the teacher.
RESERVED_NICKNAME_WORDS = ("teacher", "admin", "moderator", "staff", "system")
# Digits written for letters in a reserved word: "Teach3r", "4dmin" (0 and 1 are look-alikes already, below).
_LEET = str.maketrans("3457", "east")
# After a case fold a capital I is an i, and TR39 puts I, l and 1 in one class: so i joins them ("Adm1n",
# "IAN" and "ian" alike). The price, "Ail" and "All" the same nickname, is a student choosing another name.
_I_IS_L = str.maketrans("i", "l")


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _skeleton(name: str) -> str:
    """What a name looks like: accents dropped, case folded, every look-alike folded, no spaces or hyphens.

    The look-alikes are Unicode's own (UTS #39's confusables, through disarm's skeleton: Cyrillic and Greek
    letters, small capitals, IPA letters, 1 for l and 0 for O); invisible characters fold to nothing.
    """
    key = _plain(disarm.skeleton_key(_plain(name), digit_policy="tr39"))
    return re.sub(r"[\s-]+", "", key).translate(_I_IS_L)


def reserved_word(name: str) -> str | None:
    """The reserved word a nickname has in it, if any: 'Teacher', 'MrTeacher2', 'T e a c h e r', 'Teach3r'."""
    letters = re.sub(r"[^a-z]", "", _skeleton(name).translate(_LEET))
    return next((word for word in RESERVED_NICKNAME_WORDS if word.translate(_I_IS_L) in letters), None)


def same_nickname(name: str) -> str:
    """What two nicknames must differ in within a room: 'Blue Otter', 'blue otter', 'BlueOtter', 'Blue Оtter'."""
    return _skeleton(name)


def is_made_up(name: str) -> bool:
    """Whether a name is one new_nickname gives ('Blue Otter', 'blue otter 2', 'BlueOtter'): given, never typed.

    So renaming oneself to each of the 576 cannot find out which of them classmates have.
    """
    return same_nickname(re.sub(r"[\s-]*\d+$", "", name)) in _MADE_UP


_MADE_UP = frozenset(same_nickname(f"{adjective} {animal}") for adjective in ADJECTIVES for animal in ANIMALS)


# A typed nickname comes with a number of two digits, drawn at random: "Emma #42". Two students may type the same
# name (each gets a number of their own), so a rename never says whether a classmate has it: a script that tried 15
# names in 1.2 s found a real student by the refusals (issue 28).
NAME_NUMBERS = range(10, 100)
_NUMBERED = re.compile(r"(.+) #([1-9][0-9])")


def numbered(name: str, number: int) -> str:
    """A typed name (clean_nickname's) with its number, within NICKNAME_MAX_CHARS: 'Emma #42'."""
    return f"{name[: NICKNAME_MAX_CHARS - 4].rstrip(' -')} #{number}"


def number_of(name: str) -> tuple[str, int | None]:
    """A nickname as typed and its number: 'Emma #42' -> ('Emma', 42); a made-up name -> (name, None)."""
    match = _NUMBERED.fullmatch(name)
    return (name, None) if match is None else (match.group(1), int(match.group(2)))


# --- Limits -------------------------------------------------------------------------
# Drawing, choosing the digit and sending takes a student about 10 s: 6 a minute lets the keenest
# keep going, while a held-down button or a script cannot flood the board.
SENDS_PER_MINUTE = 6
RATE_WINDOW_SECONDS = 60.0
# Choosing a nickname takes a try or two. Each rename tried counts, refused ones too, so that a script cannot keep
# the room's list of names churning (issue 20; a rename no longer says whether a name is free: NAME_NUMBERS).
RENAMES_PER_MINUTE = 3
# Five of each digit per student: 30 students give 1500 drawings, more than the 1000 that lifted
# other writers' accuracy to 90% (issue 8), and no single student can dominate what the class teaches.
MAX_DRAWINGS_PER_STUDENT = 50
# Room for 60 such students; about 12 MB of database (bench.class_db), the board still in milliseconds.
MAX_DRAWINGS_PER_ROOM = 3000
# A lecture hall (`serve`: 200-400 students). Only students who sent a drawing take a place, so fresh sessions
# cannot fill a room.
MAX_STUDENTS_PER_ROOM = 400
# Students who joined but have not sent yet: the newest this many are kept (a lecture hall joining at once),
# older ones dropped, so a script joining again and again cannot grow the database. Never one whose page is open
# (issue 28): seen by its Draw page's live check within CONNECTED_S (a page says so every SEEN_EVERY_S), or just joined.
MAX_IDLE_STUDENTS_PER_ROOM = 400
SEEN_EVERY_S = 20.0
CONNECTED_S = 60.0
# New students a room takes a minute (issue 28; the teacher may raise or lower it, 0 closes the door to new ones): a
# hall of 300 scanning the QR code at once, a fifth more for second devices and the teacher's own (bench.class_lesson:
# none refused), while a script opening the link again and again gets this many a minute, and the teacher is told.
# A reload, a new tab or the link opened again finds the browser's student: no new join.
JOINS_PER_MINUTE = 360
MAX_JOINS_PER_MINUTE = 2000
JOINS_KEPT_S = 600.0  # how long a join (or a refusal) is remembered: the teacher's "in the last 10 minutes"
# A thumbnail of the ink (the pages send about 1-3 kB); bigger is not a thumbnail.
MAX_INK_PNG_BYTES = 32 * 1024
# A model identifier or path, as the metadata names it.
MAX_MODEL_NAME_CHARS = 300
# The model a room's students start reading with (issue 15), the teacher's choice: the drawing model (the lab's
# network trained for drawn digits: it misreads fewer of them) or the lab's model (the lab's recipe and digits, to
# see it fail on drawings). A taught model of the room wins over either; a student may switch on their Draw page.
# Issue 26 adds the wider network (dense 256 and 128 units, the drawing model's data): capacity beside data.
DRAWING_MODEL, LAB_MODEL, WIDE_MODEL = config.DRAWING_MODEL, config.LAB_MODEL, config.WIDE_MODEL
START_MODELS = (WIDE_MODEL, DRAWING_MODEL, LAB_MODEL)
START_MODEL_WORDS = {WIDE_MODEL: "the wider network", DRAWING_MODEL: "the drawing model", LAB_MODEL: "the lab's model"}
# What a new room starts with, and a student outside a room: the model that reads real writers best (bench/README.md).
DEFAULT_START_MODEL = WIDE_MODEL
# The gallery on the projector shows the latest drawings; more is unreadable from the back.
LATEST_DRAWINGS = 24

# --- Rounds ---------------------------------------------------------------------------
# "Draw every digit" (issue 19): teaching needs every digit from several students, and a class left to itself
# draws its favourite digits. In this round each student is asked, one drawing at a time, for a digit they have
# not sent in the round yet, the one the room has fewest of: ten drawings each, about two minutes at
# SENDS_PER_MINUTE, fill every digit evenly.
EVERY_DIGIT = "every_digit"
# "Everyone draw a 4" (issue 16): one digit for the whole class, any digit, or a digit drawn at random for each
# student; the board then sorts the round's drawings by how sure the model was of the digit asked for.
ONE_DIGIT = "one_digit"
ANY_DIGIT = "any_digit"
RANDOM_DIGIT = "random_digit"
# "Fool the model" (issue 16): everyone draws one digit so that the model reads another. A drawing fools it when
# the class agrees it is the digit asked for (the teacher marks it on the board) and the model read another:
# exactly the drawings teaching needs, kept in the room's drawings as the digit asked for.
FOOL = "fool"
ROUND_KINDS = (EVERY_DIGIT, ONE_DIGIT, ANY_DIGIT, RANDOM_DIGIT, FOOL)
ONE_DIGIT_KINDS = (ONE_DIGIT, FOOL)  # the kinds that ask everyone for the round's digit
# A round's time limits the teacher chooses from, in minutes (None: until it is ended by hand); at
# SENDS_PER_MINUTE a minute is a few drawings each.
ROUND_MINUTES = (None, 1, 2, 5)
MAX_ROUND_MINUTES = 60


def random_digit(round_id: int, student_id: str) -> int:
    """A random round's digit for one student: the same on every server process (a hash, no stored state)."""
    return int.from_bytes(hashlib.sha256(f"{round_id}:{student_id}".encode()).digest()[:8], "big") % 10


def lacking_digit(room_counts: list[int], mine: list[int], turn: int = 0) -> int:
    """The digit to ask a student for: of those they have not sent in the round (any, once they sent all ten),
    the one the room has fewest of; ties go to the first from ``turn`` on, so students starting together spread."""
    candidates = [d for d in range(len(room_counts)) if not mine[d]] or list(range(len(room_counts)))
    return min(candidates, key=lambda d: (room_counts[d], (d - turn) % len(room_counts)))
