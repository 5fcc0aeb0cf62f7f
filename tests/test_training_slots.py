"""The training slots' files (issue 28): in a folder the server's user alone owns, never written through a link."""

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from digitdemo import config, jobs


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setattr(jobs, "ROOT", tmp_path / "runs")


@pytest.fixture
def class_db(tmp_path):
    """A stand-in for the class database that a planted link points at."""
    victim = tmp_path / "class.db"
    victim.write_bytes(b"SQLite format 3\0" + b"24 rooms, 637 drawings" * 100)
    return victim


def start_a_run(**kwargs) -> jobs.TrainingJob:
    return jobs.TrainingJob(1, 0.001, (25, 15), seed=1, **kwargs)


def test_a_slot_file_planted_as_a_link_is_never_written_nor_emptied(training_slots, runs, class_db):
    before = class_db.read_bytes()
    os.mkdir(training_slots, 0o700)
    for index in range(jobs.MAX_RUNNING):
        (training_slots / f"{index}.slot").symlink_to(class_db)
    job = None
    try:
        with pytest.raises(jobs.BusyError, match="not this server's alone"):
            job = start_a_run(teacher=True)
    finally:
        if job is not None:
            job.cleanup()  # today's code: the run wrote into the link and its release emptied it
    assert class_db.read_bytes() == before


def test_a_planted_lock_file_link_is_refused_too(training_slots, runs, class_db):
    before = class_db.read_bytes()
    os.mkdir(training_slots, 0o700)
    (training_slots / "take.lock").symlink_to(class_db)
    job = None
    try:
        with pytest.raises(jobs.BusyError, match="not this server's alone"):
            job = start_a_run(teacher=True)
    finally:
        if job is not None:
            job.cleanup()
    assert class_db.read_bytes() == before


def test_the_slots_folder_is_made_for_the_servers_user_alone(training_slots, runs):
    start_a_run(teacher=True).cleanup()
    info = os.lstat(training_slots)
    assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
    assert stat.S_IMODE(info.st_mode) == 0o700, oct(info.st_mode)


def test_the_real_slots_folder_names_its_user():
    # In the shared temporary folder, one account's folder is not another's to use (the fixture moved this test's).
    shown = subprocess.run(
        [sys.executable, "-c", "from digitdemo import config, jobs; print(jobs.SLOTS)"],
        capture_output=True, text=True, check=True, cwd=config.REPO_DIR,
    ).stdout.strip()  # fmt: skip
    assert Path(shown) == Path(tempfile.gettempdir()) / f"digitdemo-training-slots-{os.getuid()}"


@pytest.mark.parametrize("planted", ["open to others", "a link to a folder"])
def test_a_slots_folder_that_is_not_the_servers_alone_is_refused(training_slots, runs, tmp_path, class_db, planted):
    if planted == "open to others":
        os.mkdir(training_slots)
        os.chmod(training_slots, 0o777)  # as another account would leave it, to plant files in later
    else:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir(mode=0o700)
        training_slots.symlink_to(elsewhere)
    job = None
    try:
        with pytest.raises(jobs.BusyError, match="remove it and try again"):
            job = start_a_run(teacher=True)
    finally:
        if job is not None:
            job.cleanup()
