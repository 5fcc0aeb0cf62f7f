"""`class export` and `class list` on what another account or a typo left (issue 28): planted links, a device, an
empty file. Nothing outside the export is written or deleted; nothing is written into what is not a database."""

import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from digitdemo import config
from digitdemo.classroom import service, storage


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "digitdemo", "class", *args], capture_output=True, text=True, cwd=config.REPO_DIR
    )


@pytest.fixture
def lesson(tmp_path):
    db = tmp_path / "class.db"
    store = storage.ClassStore(db)
    code = service.create_room(store).code
    student = service.join(store, code)
    for i in range(3):
        x = np.random.default_rng(i).random(400, dtype=np.float32)
        service.send_drawing(
            store, student, code, i, x, service.ink_picture(np.eye(30)), i, np.eye(10, dtype=np.float32)[i], "m",
            now=1e6 + 60 * i,
        )  # fmt: skip
    store.close()
    return db, code


def one_sentence(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize("planted", ["drawings", "X.npy", "drawings.csv"])
def test_export_never_writes_or_deletes_through_a_planted_link(lesson, tmp_path, planted):
    db, code = lesson
    out = tmp_path / "export"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    precious = elsewhere / "00001_7.png"
    precious.write_bytes(b"someone else's picture")
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file")
    (out / planted).symlink_to(elsewhere if planted == "drawings" else victim)
    line = one_sentence(run("--db", str(db), "export", code, "--out", str(out)))
    assert "choose a new or empty folder" in line
    assert precious.read_bytes() == b"someone else's picture" and victim.read_text() == "someone else's file"


def test_export_into_a_link_is_refused(lesson, tmp_path):
    db, code = lesson
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "export").symlink_to(elsewhere)
    assert "is a link" in one_sentence(run("--db", str(db), "export", code, "--out", str(tmp_path / "export")))
    assert list(elsewhere.iterdir()) == []


def test_export_over_a_previous_export_still_works(lesson, tmp_path):
    db, code = lesson
    out = tmp_path / "export"
    for _ in range(2):
        result = run("--db", str(db), "export", code, "--out", str(out))
        assert result.returncode == 0, result.stderr
    assert len(list((out / "drawings").iterdir())) == 3


def test_list_on_a_device_writes_nothing_beside_it(tmp_path):
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of the test's own
    except PermissionError:
        pytest.skip("making a device needs root")
    line = one_sentence(run("--db", str(device), "list"))
    assert "is not a file, so not a class database" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"], "a -journal made beside the device"


def test_list_on_an_empty_file_leaves_it_empty(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    assert "is empty, so not a class database" in one_sentence(run("--db", str(empty), "list"))
    assert empty.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
