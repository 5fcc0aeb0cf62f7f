"""Small things a lesson's try-out found (issue 29, item 8), through AppTest."""

from tests.apptest import page, retrain


def test_epochs_past_the_limit_are_refused_with_a_sentence_not_a_red_field():
    at = page("training")
    at.run()
    retrain(at, 200)
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Epochs must be from 1 to 100, not 200: change it, then press Retrain again."
    ]
    assert "training.job" not in at.session_state, "nothing started"
    retrain(at, 5, units1=0)
    assert [w.value for w in at.warning] == [
        "Layer 1 units must be from 1 to 256, not 0: change it, then press Retrain again."
    ]
    assert "training.job" not in at.session_state
