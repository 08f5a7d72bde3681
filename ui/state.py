"""Session state shared by the pages: which data set is active, and loading it (shared, read-only, cached)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import streamlit as st

import imbalance_core as core  # names load on first use: importing this module stays instant
from imbalance_core.data.spec import DEFAULT_SPEC, BuiltinSpec, DataSpec, UploadSpec

from .keys import PAGES, SHARED
from .text import md_escape

if TYPE_CHECKING:
    from imbalance_core import Dataset

# widget values that should survive a switch to another page (Streamlit drops the state of widgets that a run
# does not draw); buttons and uploaders cannot be set, so they are left out, and so are downloads
PERSISTENT_PREFIXES = tuple(f"{page.prefix}." for page in PAGES)
UNSETTABLE = frozenset(key for page in PAGES for key in page.unsettable)


def keep_widget_state() -> None:
    """Re-assign persistent widget values so they outlive a page switch."""
    for key in list(st.session_state.keys()):
        if (isinstance(key, str) and key.startswith(PERSISTENT_PREFIXES) and key not in UNSETTABLE
                and ".download." not in key):
            st.session_state[key] = st.session_state[key]


def dataset_spec() -> DataSpec:
    return st.session_state.get(SHARED.dataset_spec, DEFAULT_SPEC)


def set_dataset_spec(spec: DataSpec) -> None:
    st.session_state[SHARED.dataset_spec] = spec


# Data sets are shared, read-only objects, one per distinct data (``cache_resource``: ``cache_data`` would keep a
# pickled copy and hand every rerun a fresh unpickled one, two extra copies of a table that can be a gigabyte).
# Nothing changes them after they are made. Keyed by the spec's identity, never by an upload's bytes.
@st.cache_resource(show_spinner=False, max_entries=4)
def read_upload(digest: str, filename: str, _data: bytes):
    """The uploaded bytes as a table, parsed once per distinct file (``digest``: its content's)."""
    return core.read_table(_data, filename=filename)


@st.cache_resource(show_spinner=False, max_entries=32)
def _loaded(identity: str, _spec: DataSpec) -> Dataset:
    if isinstance(_spec, UploadSpec):
        return _spec.load(read_upload(_spec.digest, _spec.filename, _spec.data))
    return _spec.load()


def load_dataset(spec: DataSpec) -> Dataset:
    """The data set a spec describes (raises ``DataError`` with a user-facing message)."""
    return _loaded(spec.identity, spec)


def training_counts(dataset: Dataset, *, seed: int, test_size: float) -> dict[int, int]:
    """Rows per class the core would train on for this seed and test split (before any strategy).

    Widgets whose default depends on the data use these, as the core does, so a default shown in
    the app and the one the CLI resolves are the same. If the split is impossible, all rows' counts
    (the run itself will explain what is wrong).
    """
    try:
        return core.training_class_counts(dataset.y, len(dataset.classes), test_size=test_size, seed=seed)
    except core.UserError:
        return dict(enumerate(dataset.class_counts.values()))


def active_dataset(spec: DataSpec | None = None, *, on_stop: Callable[[], Any] | None = None) -> tuple[DataSpec, Dataset]:
    """The spec and data set the pages work on (``spec``, e.g. a lesson's, or the session's choice); if it cannot
    be loaded, say why and stop the page (calling ``on_stop`` first: e.g. to take back a button drawn before)."""
    spec = spec or dataset_spec()
    try:
        return spec, load_dataset(spec)
    except core.UserError as exc:
        if on_stop is not None:
            on_stop()
        st.error(f"The chosen data set cannot be used: {md_escape(str(exc), limit=None)}")
        st.page_link("pages/data.py", label="Choose another data set", icon=":material/table_chart:")
        st.stop()


@st.cache_resource(show_spinner=False, max_entries=16)  # one figure shared by every session: never changed in place
def _data_figure(identity: str, seed: int, test_size: float, _dataset: Dataset):
    from imbalance_core.outputs.figures import data_figure

    return data_figure(_dataset, seed=seed, test_size=test_size)


def data_figure(spec: DataSpec, dataset: Dataset, *, seed: int, test_size: float):
    """The data before training (cached per data, seed and split); None if it cannot be split."""
    try:
        return _data_figure(spec.identity, int(seed), float(test_size), dataset)
    except core.UserError:
        return None


def is_builtin(spec: DataSpec) -> bool:
    return isinstance(spec, BuiltinSpec)
