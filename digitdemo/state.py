"""The only Streamlit cache wrappers and session helpers. Pages get data and models from here.

Shared, read-only things (the dataset, the default model) sit behind st.cache_resource;
a student's retrained model lives in that student's session only.
"""

import hashlib
import os
import re
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from digitdemo import artifacts, config, data, jobs
from digitdemo.classroom.rooms import DEFAULT_START_MODEL, DRAWING_MODEL, LAB_MODEL, START_MODELS, WIDE_MODEL
from digitdemo.handwriting import yardstick
from digitdemo.text import plural

SESSION_MODEL = "model.session"  # this student's retrained model, if any
ROOM_MODEL = "model.room"  # (room code, TrainedModel): the model the teacher chose for this student's room
# (room code, one of START_MODELS): what the teacher chose this student's room starts reading with (issue 15)
ROOM_START = "model.room_start"
# This student's own choice of the model reading their drawings (one of START_MODELS), if they made one:
# kept for the session and in the Draw page's link (?model=lab); without one, the room's starting model reads.
READER = "draw.model"
LAST_LOGITS = "draw.logits"  # the current drawing's logits, for the Softmax page


# What Streamlit's markdown reads as markup within one line: emphasis (* _), code (`), links ([ ]),
# HTML and autolinks (<), entities (&), LaTeX ($), strikethrough (~), and the colour and emoji
# directives that start with a colon before a letter (:red[...], :smile:).
_MARKUP = re.compile(r"([\\`*_\[\]<&$~]|:(?=[A-Za-z]))")


def plain(text: object) -> str:
    """Text shown as typed: markup characters escaped, on one line. For errors and user text in st.error & co."""
    return _MARKUP.sub(r"\\\1", " ".join(str(text).split()))


def _stamp(path: Path) -> tuple:
    """What changes when a file is replaced: part of a cache key, so a fixed file is read again."""
    try:
        info = path.stat()
    except OSError as error:  # missing, a symlink loop: the loader says which
        return (type(error).__name__,)
    return info.st_mtime_ns, info.st_size, info.st_ino


@st.cache_resource(show_spinner=False, max_entries=4)
def _dataset(data_dir: str | None, stamps: tuple) -> dict | data.DataError:
    # A failure is cached too (until the files change): a bad file is not re-read on every view.
    try:
        return {"training": data.load_data(data_dir), "test": data.load_test_data()}
    except data.DataError as error:
        return error


def _data_key() -> tuple:
    """Which course data the pages use: $DIGITDEMO_DATA_DIR and its files' stamps (none: the bundled data)."""
    data_dir = os.environ.get(config.LAB_DATA_ENV)
    stamps = tuple(_stamp(Path(data_dir) / name) for name in ("X.npy", "y.npy")) if data_dir else ()
    return data_dir, stamps


def dataset(which: str = "training") -> tuple[np.ndarray, np.ndarray]:
    """X (5000, 400), y (5000, 1) of the "training" or "test" set; a clear error stops the page."""
    result = _dataset(*_data_key())
    if isinstance(result, data.DataError):
        st.error(plain(f"The dataset cannot be loaded: {result}"))
        st.stop()
    return result[which]


def default_model() -> artifacts.TrainedModel:
    """The model in models/ (or $DIGITDEMO_MODEL_DIR); a clear error stops the page if it is broken."""
    directory = artifacts.model_dir()
    result = saved_model(str(directory))
    if isinstance(result, artifacts.ModelError):
        st.error(plain(f"The model cannot be loaded. {result}"))
        st.stop()
    return result


def current_model() -> artifacts.TrainedModel:
    """This session's retrained model if there is one, else its room's model, else the default model."""
    room_model = st.session_state.get(ROOM_MODEL)
    return st.session_state.get(SESSION_MODEL) or (room_model and room_model[1]) or default_model()


def drawing_model() -> artifacts.TrainedModel | artifacts.ModelError:
    """The drawing model (models/drawings/ or $DIGITDEMO_DRAWING_MODEL_DIR), read once per change of its file."""
    return saved_model(str(artifacts.drawing_model_dir()))


@st.cache_resource(show_spinner="Drawing the real writers' digits on the canvas…")
def real_writers() -> yardstick.RealDrawings:
    """The final real writers' digits as drawn on the canvas (handwriting.yardstick), made once per server (4 s)."""
    return yardstick.real_writers()


def wide_model() -> artifacts.TrainedModel | artifacts.ModelError:
    """The wider network (models/wide/ or $DIGITDEMO_WIDE_MODEL_DIR), read once per change of its file."""
    return saved_model(str(artifacts.wide_model_dir()))


def reading_model(name: str) -> artifacts.TrainedModel | artifacts.ModelError:
    """One of START_MODELS by name; the lab's model stops the page with a sentence if broken (default_model)."""
    if name == LAB_MODEL:
        return default_model()
    return drawing_model() if name == DRAWING_MODEL else wide_model()


# What each model that may read a drawing is, in the words of the Draw page's switch (issue 26: two levers).
READER_NAMES = {WIDE_MODEL: "wider network", DRAWING_MODEL: "drawing model", LAB_MODEL: "lab's model"}
READER_LEVERS = {
    WIDE_MODEL: "more units: a wider network on the drawing model's data",
    DRAWING_MODEL: "more data: the lab's network on MNIST, MNIST redrawn as drawn and real writers' pen strokes",
    LAB_MODEL: "the lab's network on the lab's 5000 digits, as on the lab's pages",
}


@dataclass(frozen=True)
class Reader:
    """The model that reads this student's drawings (the Draw page, Why this answer, the class's sending), and why."""

    model: artifacts.TrainedModel
    kind: str  # "retrained", "taught" or one of START_MODELS
    line: str  # one line of markdown: which model reads, and why
    problem: bool = False  # the chosen model cannot be used: the lab's reads, and the line (plain text) says why
    short: str = ""  # the line without what the model is (a phone in a room has little room): which, and whose choice
    about: str = ""  # a drawing model's whole recipe in a clause (the switch's help), where the line has one clause

    @property
    def switchable(self) -> bool:
        """Whether the student may switch between the models of START_MODELS (no retrained or taught model)."""
        return self.kind in START_MODELS


def architecture_words(model: artifacts.TrainedModel) -> str:
    """ "400-25-15-10": the inputs and each layer's units."""
    return "-".join(str(n) for n in [model.layers[0].W.shape[0], *(layer.b.size for layer in model.layers)])


def about_drawing_model(model: artifacts.TrainedModel) -> str:
    """What a drawing model (the drawing model or the wider network) is, in a clause: its metadata's own words
    (recipe "about"), else said from its recipe."""
    recipe, described = model.meta.get("recipe", {}), model.meta.get("data", {})
    about = recipe.get("about") if recipe.get("name") in ("drawings", "wide") else None
    if isinstance(about, str) and about.strip():
        return plain(about).rstrip(". ")
    words = f"the lab's network trained on the lab's {described.get('examples')} digits"
    extra = model.meta.get("extra_data")
    if isinstance(extra, dict) and extra.get("examples"):
        words += f" and {extra['examples']} more"
    if recipe.get("augment"):
        words += ", each turned, shifted and scaled afresh every epoch, as drawn digits are"
    return words


def _whose(room_start: tuple | None, own: bool) -> str:
    """Why this model reads, after its name: the student chose it, or their room's teacher did (else nothing)."""
    if own:
        return ", as you chose"
    if room_start is not None:
        return f", as room {room_start[0]}'s teacher chose"
    return ""


def reader() -> Reader:
    """Who reads this student's drawings: their retrained model, else their room's taught model, else the student's
    own choice or their room's starting model (DEFAULT_START_MODEL unless the teacher chose another).

    A drawing model that cannot be read gives one sentence, and the lab's model reads. The lab's pages keep
    current_model(): they never read with the drawing models.
    """
    if st.session_state.get(SESSION_MODEL) is not None or st.session_state.get(ROOM_MODEL) is not None:
        model = current_model()
        kind = "retrained" if st.session_state.get(SESSION_MODEL) is not None else "taught"
        caption = model_caption()
        return Reader(model, kind, caption, short=caption)
    own = st.session_state.get(READER) in START_MODELS
    room_start = st.session_state.get(ROOM_START)
    choice = st.session_state[READER] if own else (room_start[1] if room_start else DEFAULT_START_MODEL)
    whose = _whose(room_start, own)
    name = READER_NAMES.get(choice, READER_NAMES[DEFAULT_START_MODEL])
    if choice != LAB_MODEL:
        found = reading_model(choice)
        if not isinstance(found, artifacts.ModelError):
            named = f"Read by the **{name}** ({architecture_words(found)}){whose}"
            # What it is in one clause (its whole recipe is on the Model page's reader and in predict's line).
            line, short = f"{named}: {READER_LEVERS[choice]}.", f"Read by the **{name}**{whose}."
            return Reader(found, choice, line, short=short, about=f"{named}: {about_drawing_model(found)}.")
        # The loader's hint (train, git checkout models/) is about the lab's model: not said here.
        reason = found.without_hint().rstrip(".")
        reason = reason[:1].lower() + reason[1:]  # "There is no model at ..." inside the sentence
        line = f"The lab's model reads your drawings: the {name} cannot be used ({reason})."
        return Reader(default_model(), LAB_MODEL, line, problem=True, short=line)
    lab = default_model()  # loaded only when it reads: a broken lab model leaves the drawing models reading
    n = lab.meta.get("data", {}).get("examples")
    return Reader(
        lab,
        LAB_MODEL,
        f"Read by the **lab's model**{whose}: the lab's network ({architecture_words(lab)}) trained on the lab's "
        f"{n} digits with the lab's recipe, as on the lab's pages; the drawing model is the same network, more data.",
        short=f"Read by the **lab's model**{whose}.",
    )


def starting_model(choice: str) -> artifacts.TrainedModel:
    """The model a room starting with ``choice`` (rooms.START_MODELS) reads with; the lab's if it cannot be read."""
    if choice != LAB_MODEL:
        found = reading_model(choice)
        if not isinstance(found, artifacts.ModelError):
            return found
    return default_model()


@st.cache_resource(show_spinner=False, max_entries=16)
def _saved_model(path: str, stamp: tuple) -> artifacts.TrainedModel | artifacts.ModelError:
    # The file's stamp is in the key: saving a new default reaches every session, and a broken
    # file is read once, not on every view.
    try:
        return artifacts.load(path)
    except artifacts.ModelError as error:
        return error


def saved_model(directory: str) -> artifacts.TrainedModel | artifacts.ModelError:
    """The model saved in a folder (the default, a room's taught model), read once per change of its file; shared."""
    return _saved_model(directory, _stamp(Path(directory) / config.WEIGHTS_NAME))


def _weights_digest(model: artifacts.TrainedModel) -> str:
    # A model by its weights (42 KB for the lab's: 0.03 ms): the default, a room's, a student's retrained one alike.
    digest = hashlib.sha256()
    for layer in model.layers:
        digest.update(layer.W.tobytes())
        digest.update(layer.b.tobytes())
    return digest.hexdigest()


@st.cache_resource(show_spinner=False, max_entries=32)
def _training_codes(digest: str, data_key: tuple, _model: artifacts.TrainedModel, _X: np.ndarray) -> np.ndarray:
    # Keyed by the weights and by the dataset's files, as the model and dataset caches are; 300 KB each.
    codes = _model.forward(_X).hidden[-1]
    codes.setflags(write=False)  # shared by every session: never changed
    return codes


def training_codes(model: artifacts.TrainedModel) -> tuple[np.ndarray, np.ndarray, np.ndarray] | data.DataError:
    """The training set's codes (5000, units) in this model's last hidden layer, X (5000, 400), y (5000, 1).

    The codes are computed once per model and dataset. A dataset that cannot be loaded comes back as its error,
    and the page goes on: the Draw page works without the dataset, only the look-alikes need it.
    """
    key = _data_key()
    loaded = _dataset(*key)
    if isinstance(loaded, data.DataError):
        return loaded
    X, y = loaded["training"]
    return _training_codes(_weights_digest(model), key, model, X), X, y


def model_caption() -> str:
    """Which model the page is using, in words."""
    if st.session_state.get(SESSION_MODEL) is not None:
        recipe = st.session_state[SESSION_MODEL].meta["recipe"]
        return (
            f"Using **your retrained model** ({plural(recipe['epochs'], 'epoch')}, "
            f"learning rate {recipe['learning_rate']}, hidden units {recipe['hidden_units']}). "
            "The Training page can switch back."
        )
    if st.session_state.get(ROOM_MODEL) is not None:
        return (
            f"Using **room {st.session_state[ROOM_MODEL][0]}'s model**: the lab's network taught on the class's "
            "own drawings, chosen by the teacher."
        )
    return "Using the shipped model, trained with the lab's recipe."


def session_id() -> str:
    """This browser page's Streamlit session: a training run belongs to it."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx().session_id


def browser() -> str:
    """This browser, all its tabs alike: its Streamlit XSRF cookie (random, per browser), else this session.

    Who may have one training run going at a time: a second tab is the same student.
    """
    cookie = st.context.cookies.get("_streamlit_xsrf")
    token = _xsrf_token(cookie) if isinstance(cookie, str) else None
    return f"browser:{token}" if token else f"session:{session_id()}"


def _xsrf_token(cookie: str) -> str | None:
    """The browser's XSRF token (hex) inside its cookie: the cookie itself is masked anew on every page load, so a
    reloaded tab sent another value for the same browser (issue 28: a run belongs to the browser that started it)."""
    try:
        from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string
    except ImportError:  # another Streamlit: the cookie as it is
        return cookie or None
    token, _ = decode_xsrf_token_string(cookie)
    return token.hex() if token else None


def _session_connected(session: str) -> bool:
    # Streamlit's runtime knows which sessions have a live websocket. A closed tab's session
    # is kept a while for reconnecting, but is no longer active. No runtime (AppTest, bare
    # mode): nobody to ask, so count the session as connected.
    from streamlit import runtime

    return not runtime.exists() or bool(runtime.get_instance().is_active_session(session))


@st.cache_resource(show_spinner=False)
def watch_training() -> bool:
    """Once per server: delete run folders a dead server left, and stop runs whose pages are gone."""
    jobs.remove_stale_folders()
    jobs.watch(_session_connected)
    return True


PRESENT = "app.present"  # presenter mode (?present=1): for the projector


def presenting() -> bool:
    """Whether this session is in presenter mode: ``?present=1`` turns it on, ``?present=0`` off.

    Kept in the session and put back in every page's link, so it survives moving between pages.
    """
    text = st.query_params.get("present")
    if text is not None:
        st.session_state[PRESENT] = text.lower() in ("1", "true", "yes", "on")
    present = st.session_state.get(PRESENT, False)
    if present and text is None:
        st.query_params["present"] = "1"
    return present


def _link_name(key: str) -> str:
    return key.rsplit(".", 1)[1]  # "softmax.lab.z0" -> "z0"


def from_link(key: str, default, parse=str) -> str:
    """Seed a widget's value from the page's link (``?z0=2.5``), once per session; return its key.

    The link name is the key's last part. ``parse`` turns the text into a valid value or raises
    ValueError, and then the default is used: a mangled link still opens the page. Call
    ``to_link`` after the widget so the link follows what the user sets.

    Call it in the run that draws the widget: a key seeded in a run without its widget outlives the widget's own
    value, and a choice the user made comes back as the link's old one once the widget is gone for a run.
    """
    if key not in st.session_state:
        text = st.query_params.get(_link_name(key))
        try:
            st.session_state[key] = default if text is None else parse(text)
        except ValueError:
            st.session_state[key] = default
    return key


def to_link(*keys: str) -> None:
    """Put these widgets' values in the page's link, so a teacher can share the setup.

    A list goes in as its items with commas (``?off=L1.3,L2.7``), an empty one not at all.
    """
    for key in keys:
        value = st.session_state[key]
        if isinstance(value, list):
            if value:
                st.query_params[_link_name(key)] = ",".join(map(str, value))
            else:
                st.query_params.pop(_link_name(key), None)
        else:
            st.query_params[_link_name(key)] = str(value)


# Numbers in a link as a person writes them: ASCII digits, a minus, a decimal point. Python's own
# int() and float() also take "+12_3", " 123", "1e3" and other scripts' digits ("١٢٣").
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)")


def _number(text: str, kind=float):
    """``text`` as ``kind`` if it is a plain ASCII integer (or decimal, for float); else ValueError."""
    pattern = _INTEGER if kind is int else _DECIMAL
    if not isinstance(text, str) or not pattern.fullmatch(text):
        raise ValueError(f"{text!r} is not a plain number")
    return kind(text)


def parse_in(low: float, high: float, kind=float):
    """A parser for from_link: a number of ``kind`` from low to high, or ValueError."""

    def parse(text: str):
        value = _number(text, kind)
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}..{high}")
        return value

    return parse


def parse_list(options):
    """A parser for from_link: options with commas between them ("L1.3,L2.7"), as a list in the options' order."""

    def parse(text: str):
        chosen = {part.strip() for part in text.split(",") if part.strip()}
        unknown = chosen - {str(option) for option in options}
        if unknown:
            raise ValueError(f"{sorted(unknown)} are not among the options")
        return [option for option in options if str(option) in chosen]

    return parse


def parse_choice(options):
    """A parser for from_link: the option whose text is ``text`` (or, for numbers, whose value is)."""

    def parse(text: str):
        for option in options:
            if str(option) == text:
                return option
        number = _number(text)  # ValueError for text that is no option and no plain number
        for option in options:
            if isinstance(option, int | float) and option == number:
                return option
        raise ValueError(f"{text!r} is not one of {options}")

    return parse


def run_whole_page_after_reconnecting() -> None:
    """Once per server: a session's first run is the whole page, even if the browser asks for a fragment.

    Behind `serve`, a page whose worker died reconnects to another worker, where its session is new and holds
    no fragment yet. Streamlit ignores a rerun of a fragment the session does not hold, so every stroke on the
    Draw page (a fragment) was dropped and the page stayed dead until a reload. A session's very first rerun
    is now the whole page, with the widget states the browser sent.
    """
    from streamlit.runtime.app_session import AppSession

    original = AppSession.request_rerun
    if getattr(original, "_digitdemo", False):
        return
    started: weakref.WeakSet = weakref.WeakSet()

    def request_rerun(self, client_state=None):
        if self not in started:
            started.add(self)
            if (
                client_state is not None
                and client_state.fragment_id
                and not self.has_fragment(client_state.fragment_id)
            ):
                client_state.fragment_id = ""
        return original(self, client_state)

    request_rerun._digitdemo = True
    AppSession.request_rerun = request_rerun
