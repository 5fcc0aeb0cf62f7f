"""Link values are plain ASCII numbers, and text from errors or users is shown as typed, never as markdown."""

import pytest
from markdown_it import MarkdownIt

from digitdemo import config, state
from tests.apptest import page, run_with_a_drawing


@pytest.mark.parametrize("text", ["+12_3", "12_3", "١٢٣", "１２３", " 123", "1e3", "0x10", "nan", "inf", "", "--1"])
def test_a_link_number_must_be_plain_ascii(text):
    with pytest.raises(ValueError):
        state.parse_in(0, 5000, int)(text)
    with pytest.raises(ValueError):
        state.parse_in(-10.0, 5000.0)(text)
    with pytest.raises(ValueError):
        state.parse_choice([0.5, 1, 123, 1000])(text)


@pytest.mark.parametrize(("text", "value"), [("123", 123), ("0", 0), ("-3", -3)])
def test_plain_integers_are_read(text, value):
    assert state.parse_in(-10, 5000, int)(text) == value


@pytest.mark.parametrize(("text", "value"), [("2.5", 2.5), ("-1", -1.0), ("0.05", 0.05), (".5", 0.5), ("3.", 3.0)])
def test_plain_decimals_are_read(text, value):
    assert state.parse_in(-10.0, 10.0)(text) == value
    assert state.parse_choice([value])(text) == value


def test_a_mangled_index_in_the_link_opens_the_default_example():
    at = page("predictions")
    at.query_params["index"] = "+12_3"
    at.run()
    assert not at.exception
    assert at.number_input(key="predictions.index").value == config.EXAMPLE_INDEX


TEXTS = ["__import__('os')", "*bold* and `code`", "[a link](http://x)", "$x^2$ :red[red] :smile:", "a <b>tag</b> &amp;"]


@pytest.mark.parametrize("text", TEXTS)
def test_plain_text_renders_as_typed(text):
    import html

    rendered = MarkdownIt("commonmark").render(state.plain(text))
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n")
    assert html.unescape(rendered[3:-5]) == text
    # Streamlit's own additions: LaTeX and colour or emoji directives.
    assert "$" not in state.plain(text).replace("\\$", "")
    assert all(f"\\:{name}" in state.plain(text) for name in ("red", "smile") if f":{name}" in text)


def test_an_error_with_markdown_in_it_is_shown_as_typed(tmp_path, monkeypatch):
    folder = tmp_path / "__import__"
    folder.mkdir()
    (folder / config.WEIGHTS_NAME).write_bytes(b"not a model")
    monkeypatch.setenv(config.MODEL_DIR_ENV, str(folder))
    at = run_with_a_drawing("model")
    assert not at.exception
    assert "\\_\\_import\\_\\_" in at.error[0].value


def test_plain_keeps_one_line():
    assert state.plain("a\nb\n\n# c") == "a b # c"
    assert all("\n" not in state.plain(t) for t in TEXTS)
