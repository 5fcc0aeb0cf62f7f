"""The class database when things go wrong: locked, corrupt, read-only, missing, full.

Each fault gives one sentence (ClassStoreError) and damages nothing already stored. The tests run as
root, which ignores file permissions, so read-only is made real with `chattr +i` (the kernel then
refuses every write, root's too) and a full disk with a small tmpfs mounted for the test; each is
skipped where the machine does not allow it. SQLite's own `max_page_count` gives the same
SQLITE_FULL error everywhere.
"""

import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from digitdemo.classroom import service
from digitdemo.classroom.errors import ClassStoreError
from digitdemo.classroom.storage import ClassStore


@pytest.fixture
def ink():
    return service.ink_picture(np.eye(30))


def send(store, student, ink, meant=3, now=None):
    x = np.random.default_rng(meant).random(400, dtype=np.float32)
    return service.send_drawing(store, student, student.room, meant, x, ink, meant, np.full(10, 0.1), "m", now=now)


def a_lesson(path, ink, drawings=5):
    """A database with one room, two students and some drawings; (room code, students, the store closed)."""
    store = ClassStore(path)
    room = service.create_room(store)
    students = [service.join(store, room.code, name) for name in ("Ada", "Alan")]
    for i in range(drawings):
        send(store, students[i % 2], ink, meant=i % 10, now=1000.0 + 30 * i)
    store.close()
    return room.code, students


def intact(path, code, drawings):
    """The file passes SQLite's integrity check and still holds the room's drawings."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM drawings WHERE room = ?", (code,)).fetchone()[0] == drawings
    finally:
        conn.close()


# --- Locked ---------------------------------------------------------------------------------
def test_a_write_lock_held_too_long_gives_one_sentence_and_loses_nothing(tmp_path, ink):
    path = tmp_path / "class.db"
    code, students = a_lesson(path, ink)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's writer that does not let go
    store = ClassStore(path, timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(ClassStoreError, match=r"stayed busy for more than 0.3 s; please try again") as error:
            send(store, students[0], ink, now=2e6)
        assert time.monotonic() - started >= 0.3  # it waited for the lock before giving up
        assert "\n" not in str(error.value)
        assert service.board(store, code).drawings == 5  # WAL: the board still reads while a writer holds the lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    send(store, students[0], ink, now=2e6)  # the lock gone, the same store sends again
    store.close()
    intact(path, code, 6)


def test_a_lock_released_within_the_timeout_only_delays_the_send(tmp_path, ink):
    path = tmp_path / "class.db"
    code, students = a_lesson(path, ink)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    store = ClassStore(path, timeout=5.0)
    store.check()
    release = __import__("threading").Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    send(store, students[1], ink, now=2e6)
    release.join()
    holder.close()
    store.close()
    intact(path, code, 6)


# --- Corrupt -------------------------------------------------------------------------------------
def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path):
    path = tmp_path / "class.db"
    path.write_bytes(b"drawings of the class, but not SQLite\n" * 100)
    before = path.read_bytes()
    store = ClassStore(path)
    for call in (store.check, lambda: service.create_room(store), lambda: service.list_rooms(store)):
        with pytest.raises(ClassStoreError, match="is damaged or not a database; move it aside"):
            call()
    assert path.read_bytes() == before


def test_a_damaged_database_is_found_and_not_made_worse(tmp_path, ink):
    path = tmp_path / "class.db"
    code, students = a_lesson(path, ink, drawings=12)
    payload = bytearray(path.read_bytes())
    assert len(payload) > 5 * 4096
    payload[3 * 4096 : 5 * 4096] = b"\xa5" * 8192  # two pages of the middle of the file overwritten
    path.write_bytes(bytes(payload))
    store = ClassStore(path)
    with pytest.raises(ClassStoreError, match="damaged"):
        store.check()
    with pytest.raises(ClassStoreError, match="damaged"):
        for _ in range(3):  # whichever query first reaches a damaged page
            service.board(store, code)
            service.student_drawings(store, students[0])
            send(store, students[0], ink, now=2e6)
    store.close()
    assert path.read_bytes()[3 * 4096 : 5 * 4096] == b"\xa5" * 8192


# --- Missing, read-only --------------------------------------------------------------------------
def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(ClassStoreError, match="folder .*nowhere does not exist"):
        ClassStore(tmp_path / "nowhere" / "class.db").check()
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_in_place_of_the_file_is_named(tmp_path):
    with pytest.raises(ClassStoreError, match="is a folder, not a database file"):
        ClassStore(tmp_path).check()


def chattr(flag: str, *paths) -> None:
    subprocess.run(["chattr", flag, *map(str, paths)], check=True, capture_output=True)


@pytest.fixture
def immutable(tmp_path):
    """chattr +i on the given paths, undone at the end; skipped where chattr is not allowed."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done = []
    probe = tmp_path / "probe"
    probe.touch()
    try:
        chattr("+i", probe)
    except subprocess.CalledProcessError:
        pytest.skip("this file system or user cannot make files immutable")
    chattr("-i", probe)

    def make(*paths):
        chattr("+i", *paths)
        done.extend(paths)

    yield make
    chattr("-i", *done)


def test_a_read_only_file_still_shows_the_board_but_takes_no_drawing(tmp_path, ink, immutable):
    path = tmp_path / "class.db"
    code, students = a_lesson(path, ink)
    before = path.read_bytes()
    immutable(path)
    with pytest.raises(OSError):
        path.write_bytes(b"")  # truly read-only, even for root
    store = ClassStore(path)
    store.check()
    assert service.board(store, code).drawings == 5
    for call in (lambda: send(store, students[0], ink, now=2e6), lambda: service.create_room(store)):
        with pytest.raises(ClassStoreError, match="is read-only, so nothing can be sent or changed") as refused:
            call()
        assert str(tmp_path) not in str(refused.value), "a student is shown the server's folders (issue 28)"
    store.close()
    assert path.read_bytes() == before


def test_a_read_only_folder_says_so(tmp_path, ink, immutable):
    folder = tmp_path / "class"
    folder.mkdir()
    path = folder / "class.db"
    code, _ = a_lesson(path, ink)
    before = path.read_bytes()
    immutable(path, folder)  # the -wal and -shm files SQLite needs cannot be made
    with pytest.raises(ClassStoreError, match="or its folder is read-only, so the class features are off"):
        ClassStore(path).check()
    assert path.read_bytes() == before


def test_a_new_database_in_a_read_only_folder_says_so(tmp_path, immutable):
    folder = tmp_path / "class"
    folder.mkdir()
    immutable(folder)
    with pytest.raises(ClassStoreError, match="read-only"):
        ClassStore(folder / "class.db").check()


# --- Full disk ------------------------------------------------------------------------------
def test_a_database_at_its_size_limit_stores_nothing_half(tmp_path, ink):
    path = tmp_path / "class.db"
    code, students = a_lesson(path, ink)
    store = ClassStore(path)
    with store.db.lookup() as conn:  # the store's only connection, so every send below uses it
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite answers SQLITE_FULL, as for a full disk
    sent = 0
    with pytest.raises(ClassStoreError, match="is full; nothing new could be stored") as full:
        for i in range(50):
            send(store, students[0], ink, now=2e6 + 60 * i)
            sent += 1
    assert str(tmp_path) not in str(full.value), "a student is shown the server's folders (issue 28)"
    assert service.board(store, code).drawings == 5 + sent
    store.close()
    intact(path, code, 5 + sent)


@contextmanager
def tmpfs(mount: Path, size: str):
    """A tmpfs of ``size`` (e.g. "1m") mounted at ``mount`` for the test; skipped where mounting is not allowed."""
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(path: Path) -> None:
    """The rest of the disk holding ``path`` taken by something else (a file there)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs of its own."""
    with tmpfs(tmp_path / "disk", "1m") as mount:
        yield mount


def test_a_full_disk_gives_one_sentence_and_keeps_what_was_stored(small_disk, ink):
    path = small_disk / "class.db"
    code, students = a_lesson(path, ink)
    filler = small_disk / "filler"
    fill(filler)
    store = ClassStore(path)
    sent = 0
    with pytest.raises(ClassStoreError, match="is full; nothing new could be stored"):
        for i in range(200):
            send(store, students[i % 2], ink, meant=i % 10, now=2e6 + 60 * i)
            sent += 1
    store.close()
    os.remove(filler)
    intact(path, code, 5 + sent)
    store = ClassStore(path)
    send(store, students[0], ink, now=3e6)  # room again: sending works again
    assert service.board(store, code).drawings == 6 + sent
    store.close()
