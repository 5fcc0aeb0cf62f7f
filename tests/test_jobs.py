"""Training subprocesses: progress, results, failures, and the limit on runs at once."""

import time

import pytest

from digitdemo import jobs


def wait(job: jobs.TrainingJob, seconds: float = 120) -> jobs.Progress:
    deadline = time.monotonic() + seconds
    while (progress := job.poll()).state == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    return progress


def test_progress_streams_and_the_result_loads():
    job = jobs.TrainingJob(epochs=3, learning_rate=0.001, hidden_units=(25, 15), seed=1234)
    try:
        progress = wait(job)
        assert progress.state == "done" and len(progress.losses) == 3
        model = job.result()
        assert model.meta["history"]["loss"] == progress.losses
    finally:
        job.cleanup()
    assert not job.out_dir.exists()


def test_a_killed_run_fails_with_a_reason():
    job = jobs.TrainingJob(epochs=100, learning_rate=0.001, hidden_units=(25, 15), seed=1)
    job.process.kill()
    progress = wait(job)
    job.cleanup()
    assert progress.state == "failed" and "stopped (signal 9)" in progress.message


def test_a_bad_recipe_fails_with_the_trainers_sentence():
    job = jobs.TrainingJob(epochs=1, learning_rate=-1.0, hidden_units=(25, 15), seed=1)
    progress = wait(job)
    job.cleanup()
    assert progress.state == "failed" and "learning rate" in progress.message


def test_at_most_two_runs_at_once():
    running = [jobs.TrainingJob(100, 0.001, (25, 15), seed, teacher=True) for seed in range(jobs.MAX_RUNNING)]
    try:
        with pytest.raises(jobs.BusyError, match="already going"):
            jobs.TrainingJob(1, 0.001, (25, 15), 0, teacher=True)
    finally:
        for job in running:
            job.cleanup()
    assert jobs.running_count() == 0
    jobs.TrainingJob(1, 0.001, (25, 15), 0).cleanup()
