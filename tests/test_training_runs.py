"""Training runs as real subprocesses: budget, time limit, stages, the pages that hold them, and no leftovers."""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from digitdemo import config, jobs


def wait(job: jobs.TrainingJob, until=lambda p: p.state != "running", seconds: float = 180) -> jobs.Progress:
    deadline = time.monotonic() + seconds
    while not until(progress := job.poll()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return progress


def process_gone(pid: int) -> bool:
    """Ended: no such process, or a zombie nobody has collected yet (it runs nothing)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_gone(pid: int, seconds: float) -> float:
    """Seconds until the process ended; fails after ``seconds``."""
    started = time.monotonic()
    while not process_gone(pid):
        assert time.monotonic() - started < seconds, f"process {pid} still runs after {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """This test's own folder of runs (other servers on the machine keep theirs)."""
    monkeypatch.setattr(jobs, "ROOT", tmp_path / "runs")
    return tmp_path / "runs"


def test_a_recipe_over_budget_is_refused_with_a_sentence_before_anything_starts(root):
    with pytest.raises(jobs.BudgetError) as refused:
        jobs.TrainingJob(100, 0.001, (256, 256), seed=1)
    sentence = str(refused.value)
    assert sentence.count(". ") == 0 and sentence.endswith(".")
    assert "51,200, over the budget of 6,000 per run" in sentence and "at most 11 epochs" in sentence
    assert not root.exists() and jobs.running_count() == 0
    jobs.check_budget(config.EPOCHS, config.HIDDEN_UNITS)  # the lab's recipe fits


def test_the_stage_is_starting_until_tensorflow_runs_then_epochs(root):
    job = jobs.TrainingJob(3, 0.001, (25, 15), seed=1)
    try:
        first = job.poll()
        assert first.stage == "starting" and not first.losses
        training = wait(job, until=lambda p: p.stage != "starting")
        assert training.stage in ("training", "saving") and training.state == "running"
        done = wait(job)
        assert done.state == "done" and len(done.losses) == 3 and len(done.epoch_times) == 3
    finally:
        job.cleanup()
    assert not job.out_dir.exists()


def test_a_run_over_its_time_limit_is_stopped_with_a_sentence(root):
    job = jobs.TrainingJob(100, 0.001, (25, 15), seed=1, max_seconds=3)
    try:
        progress = wait(job, seconds=60)
    finally:
        job.cleanup()
    assert progress.state == "failed" and "over the 3 s limit per run" in progress.message


def test_the_limit_counts_from_the_runs_start_and_is_said_as_given(tmp_path):
    # A run whose TensorFlow start used up its time stops at the first batch, naming the limit
    # it was given (it once said "over the -1.4 s limit" when the start took longer than that).
    from digitdemo.train import Recipe, train

    with pytest.raises(ValueError, match=r"over the 3 s limit per run during epoch 1 of 1"):
        train(Recipe(epochs=1), tmp_path, time_limit=3, started=time.monotonic() - 10)
    assert not (tmp_path / config.WEIGHTS_NAME).exists()


def test_a_full_machine_says_how_long_until_a_slot_frees(root):
    running = [jobs.TrainingJob(40, 0.001, (25, 15), seed, owner="s", teacher=True) for seed in range(2)]
    try:
        before = min(job.seconds_left() for job in running)
        with pytest.raises(jobs.BusyError) as busy:
            jobs.TrainingJob(1, 0.001, (25, 15), 0, teacher=True)
        after = min(job.seconds_left() for job in running)
        assert "2 training runs are already going on this machine" in str(busy.value)
        said = int(str(busy.value).split("ends in about ")[1].split(" second")[0])
        assert min(before, after) - 1 <= said <= max(before, after) + 1
        assert 0 < said <= jobs.MAX_SECONDS + jobs.KILL_AFTER
    finally:
        for job in running:
            job.cleanup()
    assert jobs.running_count() == 0


def test_a_run_whose_pages_are_all_gone_is_stopped_and_removed(root, monkeypatch):
    reap = jobs.reap
    # This test plays the server's watch: pause the one an earlier AppTest may have started here.
    monkeypatch.setattr(jobs, "reap", lambda *args, **kwargs: [])
    job = jobs.TrainingJob(40, 0.001, (25, 15), seed=5, owner="tab")
    try:
        connected = {"tab"}
        start = time.monotonic()
        assert reap(lambda s: s in connected, start) == []
        connected.clear()  # the tab is closed
        assert reap(lambda s: s in connected, start) == [], "a reload gets a few seconds to come back"
        assert jobs.claim(job.token, "reloaded tab") is job and job.sessions == {"tab", "reloaded tab"}
        connected.add("reloaded tab")
        assert reap(lambda s: s in connected, start + jobs.ORPHAN_GRACE) == [], "found again: kept"
        connected.clear()
        reap(lambda s: s in connected, start + jobs.ORPHAN_GRACE)
        assert reap(lambda s: s in connected, start + 2 * jobs.ORPHAN_GRACE) == [job]
        assert process_gone(job.process.pid) and not job.out_dir.exists()
        assert jobs.claim(job.token, "late tab") is None
        assert "page was closed" in job.poll().message
    finally:
        job.cleanup()


PARENT = textwrap.dedent("""
    import json, sys, time
    from digitdemo import jobs
    job = jobs.TrainingJob(40, 0.001, (25, 15), 1)
    print(json.dumps({"pid": job.process.pid, "folder": str(job.out_dir)}), flush=True)
    wait_for = sys.argv[1]
    while wait_for == "epoch" and not job.poll().losses:
        time.sleep(0.1)
    print("ready", flush=True)
    time.sleep(600)
""")


@pytest.mark.parametrize("moment", ["starting", "epoch"])
def test_a_run_dies_with_its_server_even_on_kill_9(tmp_path, moment):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, moment], stdout=subprocess.PIPE, text=True, cwd=config.REPO_DIR, env=env
    )
    try:
        run = json.loads(parent.stdout.readline())
        assert parent.stdout.readline() == "ready\n"
        assert not process_gone(run["pid"]) and Path(run["folder"]).exists()
        parent.kill()  # SIGKILL: the server has no chance to clean up
        parent.wait()
        print(f"run gone {wait_gone(run['pid'], 5):.2f} s after kill -9 of its server ({moment})")
        deadline = time.monotonic() + 5
        while Path(run["folder"]).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(run["folder"]).exists(), "the run's folder was left behind"
    finally:
        parent.kill()


def test_stale_folders_are_removed_only_when_their_server_is_gone(root):
    root.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    folders = {name: root / name for name in ("dead server", "live server", "fresh, unmarked", "old, unmarked")}
    for folder in folders.values():
        folder.mkdir()
        (folder / "progress.jsonl").write_text("")
    (folders["dead server"] / jobs.SERVER_FILE).write_text(json.dumps({"pid": int(dead.stdout), "start": "1"}))
    (folders["live server"] / jobs.SERVER_FILE).write_text(
        json.dumps({"pid": os.getpid(), "start": jobs._start_time(os.getpid())})
    )
    two_minutes_ago = time.time() - 120
    os.utime(folders["old, unmarked"], (two_minutes_ago, two_minutes_ago))
    removed = jobs.remove_stale_folders()
    assert sorted(p.name for p in removed) == ["dead server", "old, unmarked"]
    assert sorted(p.name for p in root.iterdir()) == ["fresh, unmarked", "live server"]


def test_a_reused_pid_is_not_taken_for_the_server(root):
    """A server's pid now belongs to another process (started later): its folders are stale."""
    root.mkdir()
    (root / "run").mkdir()
    (root / "run" / jobs.SERVER_FILE).write_text(json.dumps({"pid": os.getpid(), "start": "0"}))
    assert [p.name for p in jobs.remove_stale_folders()] == ["run"]


def test_two_pages_holding_one_run_both_get_its_model(root):
    # A ?run= link opened in a second tab: whichever page finishes first takes the model and removes
    # the folder; the other must still see the run done, with the same model (not "exit code 0").
    job = jobs.TrainingJob(1, 0.001, (25, 15), seed=3, owner="first tab")
    assert jobs.claim(job.token, "second tab") is job
    try:
        assert wait(job).state == "done"
        model = job.result()
    finally:
        job.cleanup()
    assert not job.out_dir.exists()
    again = job.poll()
    assert again.state == "done" and again.message == ""
    assert job.result() is model and job.keras_bytes()


# --- The machine's training slots: the teacher's kept, one run per student, across server processes ------
def test_students_cannot_keep_the_teacher_out(root):
    student = jobs.TrainingJob(40, 0.001, (25, 15), seed=1, owner="tab 1", holder="browser 1")
    try:
        with pytest.raises(jobs.BusyError) as busy:  # a second browser: the slot left is the teacher's
            jobs.TrainingJob(40, 0.001, (25, 15), seed=2, owner="tab 2", holder="browser 2")
        assert "open to students is taken (one more is kept for the teacher's teaching)" in str(busy.value)
        teacher = jobs.TrainingJob(40, 0.001, (25, 15), seed=3, owner="teacher", holder="teacher", teacher=True)
        teacher.cleanup()
    finally:
        student.cleanup()


def test_a_student_runs_one_at_a_time_whatever_the_tabs(root, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_RUNNING", 3)  # room for two students' runs
    first = jobs.TrainingJob(40, 0.001, (25, 15), seed=1, owner="tab 1", holder="browser 1")
    try:
        with pytest.raises(jobs.BusyError, match="Your model is already training"):
            jobs.TrainingJob(40, 0.001, (25, 15), seed=2, owner="tab 2", holder="browser 1")
        jobs.TrainingJob(40, 0.001, (25, 15), seed=2, owner="tab 3", holder="browser 2").cleanup()
    finally:
        first.cleanup()
    jobs.TrainingJob(1, 0.001, (25, 15), seed=1, owner="tab 2", holder="browser 1").cleanup()  # ended: free again


def test_a_student_cannot_claim_the_teachers_run_by_its_link(root):
    job = jobs.TrainingJob(40, 0.001, (25, 15), seed=1, owner="teacher tab", teacher=True)
    try:
        assert jobs.claim(job.token, "student tab") is None and job.sessions == {"teacher tab"}
        assert jobs.teachers_run(job.token), "the link is kept for the teacher to sign in"
        assert jobs.claim(job.token, "reloaded teacher tab", teacher=True) is job
    finally:
        job.cleanup()
    assert not jobs.teachers_run(job.token)


def test_a_teachers_run_waits_longer_for_its_page(root, monkeypatch):
    reap = jobs.reap
    monkeypatch.setattr(jobs, "reap", lambda *args, **kwargs: [])  # this test plays the server's watch
    job = jobs.TrainingJob(40, 0.001, (25, 15), seed=1, owner="teacher tab", teacher=True)
    try:
        start = time.monotonic()
        reap(lambda s: False, start)
        assert reap(lambda s: False, start + jobs.ORPHAN_GRACE) == [], "signing in again takes more than 10 s"
        assert reap(lambda s: False, start + jobs.TEACHER_ORPHAN_GRACE) == [job]
    finally:
        job.cleanup()


HOLDER = textwrap.dedent("""
    import sys
    from digitdemo import jobs
    job = jobs.TrainingJob(100, 0.001, (25, 15), 1, holder=sys.argv[1])
    print("holding", flush=True)
    sys.stdin.read()  # until the test closes it, or kills this process
""")


def test_the_cap_holds_across_server_processes_and_a_killed_one_frees_its_slot(tmp_path, monkeypatch, root):
    # where the other process (TMPDIR below) looks
    monkeypatch.setattr(jobs, "SLOTS", tmp_path / f"digitdemo-training-slots-{os.getuid()}")
    other = subprocess.Popen(
        [sys.executable, "-c", HOLDER, "a student on another worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=config.REPO_DIR,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )  # fmt: skip
    try:
        assert other.stdout.readline() == "holding\n"
        with pytest.raises(jobs.BusyError, match="open to students is taken"):
            jobs.TrainingJob(40, 0.001, (25, 15), seed=2, holder="a student here")
        jobs.TrainingJob(40, 0.001, (25, 15), seed=2, holder="the teacher", teacher=True).cleanup()
        other.kill()  # kill -9: its server had no chance to give the slot back
        other.wait()
        deadline = time.monotonic() + 10
        while True:
            try:
                jobs.TrainingJob(40, 0.001, (25, 15), seed=2, holder="a student here").cleanup()
                break
            except jobs.BusyError:
                assert time.monotonic() < deadline, "the killed process's slot stayed taken"
                time.sleep(0.2)
    finally:
        other.kill()
