"""A training run belongs to the browser that started it (issue 28): a student's ?run= link, seen by someone else,
lets them neither watch, stop nor take the run, and a teacher who opens it does not adopt the student's model."""

import pytest

from digitdemo import jobs


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setattr(jobs, "ROOT", tmp_path / "runs")


def test_a_students_run_link_is_worth_nothing_in_another_browser(root):
    job = jobs.TrainingJob(1, 0.001, (25, 15), seed=1, owner="ada's tab", holder="browser:ada")
    try:
        assert jobs.claim(job.token, "a classmate's tab", holder="browser:bob") is None
        assert jobs.claim(job.token, "the teacher's tab", teacher=True, holder="browser:teacher") is None
        assert "a classmate's tab" not in job.sessions and "the teacher's tab" not in job.sessions
        assert jobs.claim(job.token, "ada's reloaded tab", holder="browser:ada") is job  # a reload in her browser
    finally:
        job.cleanup()
