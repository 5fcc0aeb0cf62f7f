"""The default model for everyone: replacing it keeps the one replaced, and one call puts it back."""

import os
import subprocess
import sys

import pytest

from digitdemo import artifacts, config
from digitdemo.nn import Layer


def files(directory) -> tuple[bytes, bytes | None]:
    keras = directory / config.KERAS_NAME
    return (directory / config.WEIGHTS_NAME).read_bytes(), keras.read_bytes() if keras.exists() else None


def variant(model: artifacts.TrainedModel, scale: float) -> list[Layer]:
    """The same architecture with other weights: another model to save."""
    first = model.layers[0]
    return [Layer(first.name, first.W * scale, first.b, first.activation), *model.layers[1:]]


@pytest.fixture
def installed(tmp_path, shipped_model):
    """A models/ folder as a fresh install has it: the shipped model and its .keras twin."""
    artifacts.save(shipped_model.layers, shipped_model.meta, tmp_path, keras_bytes=b"the shipped keras file")
    return tmp_path


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "digitdemo", *args], capture_output=True, text=True, cwd=config.REPO_DIR, timeout=120
    )


def test_save_twice_then_undo_twice_gives_back_each_model_byte_for_byte(installed, shipped_model):
    shipped = files(installed)
    artifacts.save_default(variant(shipped_model, 0.5), {**shipped_model.meta, "note": "A"}, b"A keras", installed)
    first = files(installed)
    artifacts.save_default(variant(shipped_model, 0.25), {**shipped_model.meta, "note": "B"}, None, installed)
    assert artifacts.load(installed).meta["note"] == "B"
    assert files(installed)[1] is None, "no stale .keras beside weights it does not belong to"

    artifacts.restore_previous_default(installed)
    assert files(installed) == first
    artifacts.restore_previous_default(installed)
    assert files(installed) == shipped
    with pytest.raises(artifacts.ModelError, match="nothing to undo"):
        artifacts.restore_previous_default(installed)


def test_the_shipped_model_is_kept_however_many_saves_follow(installed, shipped_model):
    shipped = files(installed)
    for i in range(artifacts.KEEP_PREVIOUS + 3):
        artifacts.save_default(variant(shipped_model, 0.9 - i / 20), shipped_model.meta, None, installed)
    assert len(artifacts.previous_defaults(installed)) == artifacts.KEEP_PREVIOUS, "a bounded number kept"
    current = files(installed)
    artifacts.restore_shipped_default(installed)
    assert files(installed) == shipped
    artifacts.restore_previous_default(installed)  # restoring the shipped one can be undone too
    assert files(installed) == current


def test_restore_with_nothing_saved_says_so_in_one_sentence(installed):
    before = files(installed)
    undo = cli("restore-default", "--model", str(installed))
    assert undo.returncode == 1 and undo.stdout == ""
    assert undo.stderr.count("\n") == 1 and "nothing to undo" in undo.stderr and "Traceback" not in undo.stderr
    shipped = cli("restore-default", "--shipped", "--model", str(installed))
    assert shipped.returncode == 1 and shipped.stderr.count("\n") == 1
    assert "never been replaced, so it is still the shipped one" in shipped.stderr
    assert files(installed) == before


def test_the_command_line_restores_and_lists(installed, shipped_model):
    shipped = files(installed)
    artifacts.save_default(variant(shipped_model, 0.5), shipped_model.meta, None, installed)
    listing = cli("restore-default", "--list", "--model", str(installed))
    assert listing.returncode == 0 and len(listing.stdout.splitlines()) == 2, listing.stdout  # the one kept + shipped
    done = cli("restore-default", "--model", str(installed))
    assert done.returncode == 0 and "before the last change again" in done.stdout, done.stderr
    assert files(installed) == shipped


@pytest.mark.parametrize("fault", ["full disk", "read-only"])
def test_a_failed_save_or_restore_keeps_the_default_whole(installed, shipped_model, monkeypatch, fault):
    artifacts.save_default(variant(shipped_model, 0.5), shipped_model.meta, b"A keras", installed)
    before, kept = files(installed), artifacts.previous_defaults(installed)

    def fail(*args, **kwargs):
        if fault == "full disk":
            raise OSError(28, "No space left on device")
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "fsync" if fault == "full disk" else "replace", fail)
    reason = "No space left on device" if fault == "full disk" else "Read-only file system"
    with pytest.raises(artifacts.ModelError, match=reason):
        artifacts.save_default(variant(shipped_model, 0.1), shipped_model.meta, b"new keras", installed)
    with pytest.raises(artifacts.ModelError, match=reason):
        artifacts.restore_previous_default(installed)
    with pytest.raises(artifacts.ModelError, match=reason):
        artifacts.restore_shipped_default(installed)
    monkeypatch.undo()
    assert files(installed) == before
    assert artifacts.previous_defaults(installed) == kept, "the undo list is unchanged"
    leftovers = [p.name for p in (installed / artifacts.PREVIOUS_DIR).iterdir() if p.name.startswith(".")]
    assert not leftovers and sorted(p.name for p in installed.iterdir()) == sorted(
        [config.WEIGHTS_NAME, config.KERAS_NAME, artifacts.PREVIOUS_DIR]
    )


def test_a_failed_write_after_the_copy_removes_the_copy(installed, shipped_model, monkeypatch):
    """The copy of the current default succeeds, then writing the new one fails: nothing changes."""
    before, kept = files(installed), artifacts.previous_defaults(installed)
    real_replace = os.replace

    def read_only_weights(source, target):
        if str(target).endswith(config.WEIGHTS_NAME) and artifacts.PREVIOUS_DIR not in str(target):
            raise OSError(30, "Read-only file system")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", read_only_weights)
    with pytest.raises(artifacts.ModelError, match="Read-only file system. The previous model is unchanged"):
        artifacts.save_default(variant(shipped_model, 0.1), shipped_model.meta, b"new keras", installed)
    monkeypatch.undo()
    assert files(installed) == before
    assert artifacts.previous_defaults(installed) == kept


def test_a_damaged_kept_model_is_never_put_back(installed, shipped_model):
    artifacts.save_default(variant(shipped_model, 0.5), shipped_model.meta, None, installed)
    before = files(installed)
    (artifacts.previous_defaults(installed)[0] / config.WEIGHTS_NAME).write_bytes(b"not a model")
    with pytest.raises(artifacts.ModelError, match="damaged"):
        artifacts.restore_previous_default(installed)
    assert files(installed) == before


def test_training_for_the_default_keeps_the_one_it_replaces(installed, monkeypatch):
    shipped = files(installed)
    monkeypatch.setenv(config.MODEL_DIR_ENV, str(installed))
    train = subprocess.run(
        [sys.executable, "-m", "digitdemo", "train", "--epochs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=config.REPO_DIR,
    )
    assert train.returncode == 0, train.stderr
    assert len(artifacts.load(installed).meta["history"]["loss"]) == 1
    artifacts.restore_previous_default(installed)
    assert files(installed) == shipped
