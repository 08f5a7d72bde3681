"""Session state shared by the pages: which data set is active, and loading it (cached)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import streamlit as st

import imbalance_core as core  # names load on first use: importing this module stays instant

from .text import md_escape

if TYPE_CHECKING:
    from imbalance_core import Dataset

DATASET_SPEC = "dataset_spec"
DEFAULT_SPEC: dict[str, Any] = {"source": "builtin", "key": "moons", "params": {}}
# widget values that should survive a switch to another page (Streamlit drops the state of
# widgets that a run does not draw); buttons and uploaders cannot be set, so they are left out
PERSISTENT_PREFIXES = ("lab.", "data.", "compare.", "leakage.")
UNSETTABLE = {"lab.train", "lab.stop", "lab.autotrain", "data.upload", "compare.run", "compare.leaderboard", "lab.view.use_cost_threshold",
              "leakage.run", "leakage.table"}


def keep_widget_state() -> None:
    """Re-assign persistent widget values so they outlive a page switch."""
    for key in list(st.session_state.keys()):
        if (isinstance(key, str) and key.startswith(PERSISTENT_PREFIXES) and key not in UNSETTABLE
                and ".download." not in key):
            st.session_state[key] = st.session_state[key]


def dataset_spec() -> dict[str, Any]:
    return st.session_state.get(DATASET_SPEC, DEFAULT_SPEC)


def set_dataset_spec(spec: dict[str, Any]) -> None:
    st.session_state[DATASET_SPEC] = spec


@st.cache_data(show_spinner=False, max_entries=32)
def _builtin(key: str, params: tuple[tuple[str, Any], ...]) -> Dataset:
    return core.load_builtin(key, **dict(params))


def upload_digest(data: bytes) -> str:
    """A name for an uploaded file's content (hashing up to 1 GB: once per upload, kept in the spec)."""
    return hashlib.sha1(data).hexdigest()


# Uploaded tables and their data sets are kept as shared, read-only objects keyed by the file's digest
# (``cache_resource``: ``cache_data`` would keep a pickled copy and hand every rerun a fresh unpickled
# one: two extra copies of a table that can be a gigabyte). Nothing changes them after they are made.
@st.cache_resource(show_spinner=False, max_entries=4)
def read_upload(digest: str, filename: str, _data: bytes):
    """The uploaded bytes as a table, parsed once per distinct file (``digest``: :func:`upload_digest`)."""
    return core.read_table(_data, filename=filename)


@st.cache_resource(show_spinner=False, max_entries=8)
def _uploaded(digest: str, filename: str, target: str, positive: str | None, features: tuple[str, ...],
              _data: bytes) -> Dataset:
    return core.dataset_from_table(read_upload(digest, filename, _data), target=target, positive_class=positive,
                                   features=list(features), name=filename)


def load_dataset(spec: dict[str, Any]) -> Dataset:
    """The data set a spec describes (raises ``DataError`` with a user-facing message)."""
    if spec["source"] == "builtin":
        return _builtin(spec["key"], tuple(sorted(spec.get("params", {}).items())))
    return _uploaded(spec["digest"], spec["filename"], spec["target"], spec.get("positive"), tuple(spec["features"]),
                     spec["data"])


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


def spec_fingerprint(spec: dict[str, Any]) -> tuple:
    """Everything that identifies the data a spec loads, without the uploaded bytes themselves."""
    if spec["source"] == "builtin":
        return ("builtin", spec["key"], tuple(sorted(spec.get("params", {}).items())))
    return ("upload", spec["digest"], spec["filename"], spec["target"], spec.get("positive"), tuple(spec["features"]))


def active_dataset() -> tuple[dict[str, Any], Dataset]:
    """The spec and data set the pages work on; if it cannot be loaded, say why and stop the page."""
    spec = dataset_spec()
    try:
        return spec, load_dataset(spec)
    except core.UserError as exc:
        st.error(f"The chosen data set cannot be used: {md_escape(str(exc), limit=None)}")
        st.page_link("pages/data.py", label="Choose another data set", icon=":material/table_chart:")
        st.stop()


@st.cache_data(show_spinner=False, max_entries=16)
def _data_figure(data_id: str, seed: int, test_size: float, _dataset: Dataset):
    from imbalance_core.report import data_figure

    return data_figure(_dataset, seed=seed, test_size=test_size)


def data_figure(data_id: str, dataset: Dataset, *, seed: int, test_size: float):
    """The data before training (cached per data content, seed and split); None if it cannot be split."""
    try:
        return _data_figure(data_id, int(seed), float(test_size), dataset)
    except core.UserError:
        return None
