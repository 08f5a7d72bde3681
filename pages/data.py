"""Choose the data: a built-in set with its controls, an uploaded CSV, or a public table."""

import streamlit as st

from ui.routing import require_router

require_router()

from imbalance_core import SEED, TEST_SIZE, UploadSpec, UserError  # noqa: E402
from imbalance_core.data.spec import CorpusSpec, content_digest  # noqa: E402
from imbalance_core.data.tables import MAX_FILE_BYTES  # noqa: E402
from imbalance_core.outputs.plots import make_class_balance_figure  # noqa: E402
from ui import links, share  # noqa: E402
from ui.keys import DATA, LAB  # noqa: E402
from ui.state import (  # noqa: E402
    data_figure,
    dataset_spec,
    load_dataset,
    read_upload,
    set_dataset_spec,
)
from ui.text import md_escape  # noqa: E402
from ui.widgets import builtin_picker, corpus_table_picker  # noqa: E402

st.title("Data")
share.show_link_problems()
st.write("Pick a built-in data set, upload a CSV or Parquet file and say which column holds the classes, or take one of "
         "~120 public imbalanced tables. The lab uses what you choose here.")


def _refused(message: str) -> None:
    """An upload that cannot be used: say why, keep the data set the lab had, draw nothing more."""
    st.error(md_escape(message, limit=None), icon=":material/error:")
    st.caption("The lab keeps using the data set it had; nothing else changed.")
    st.stop()


def _uploaded_file(current) -> tuple[bytes, str, str]:
    """The file's bytes, name and content digest: a new upload, or the one the lab already uses."""
    upload = st.file_uploader("CSV file (comma, semicolon, tab or space separated, with or without a header row; may "
                              "be gzip-compressed) or Parquet file", type=["csv", "tsv", "txt", "data", "dat", "gz",
                              "parquet"], key=DATA.upload, max_upload_size=MAX_FILE_BYTES // 2**20)
    if upload is None and current.uploaded:
        st.caption(f"Using the file uploaded earlier: **{md_escape(current.filename)}**.")
        return current.data, current.filename, current.digest
    if upload is None:
        st.info("Upload a file to use it. Until then the lab keeps its current data set.")
        st.stop()
    raw = upload.getvalue()
    known = st.session_state.get(DATA.digest)  # hashing up to 1 GB: once per uploaded file
    if known is None or known[0] != upload.file_id:
        known = st.session_state[DATA.digest] = (upload.file_id, content_digest(raw))
    return raw, upload.name, known[1]


def _columns_for(filename: str, size: int, columns: list, current) -> None:
    """A different file: its widgets start from its defaults (the last column is the target, all others are
    features), or from what a shared link named for it."""
    if st.session_state.get(DATA.file) == (filename, size):
        return
    st.session_state[DATA.file] = (filename, size)
    same_as_spec = current.uploaded and current.filename == filename
    st.session_state[DATA.target] = current.target if same_as_spec and current.target in columns else columns[-1]
    for stale in (DATA.positive, DATA.features):
        st.session_state.pop(stale, None)
    expected = st.session_state.get(LAB.expected_upload)
    if expected is not None and expected.filename == filename and expected.target in columns:
        st.session_state[DATA.target] = expected.target
        if expected.positive:
            st.session_state[DATA.positive] = expected.positive
        if expected.features and set(expected.features) <= set(columns):
            st.session_state[DATA.features] = list(expected.features)
            st.session_state[DATA.features_target] = expected.target


current = dataset_spec()
sources = [DATA.BUILTIN, DATA.UPLOAD, DATA.CORPUS]
st.session_state.setdefault(DATA.source, sources[1] if current.uploaded else sources[2]
                            if isinstance(current, CorpusSpec) else sources[0])
source = st.radio("Source", sources, horizontal=True, key=DATA.source)

if source == sources[0]:
    set_dataset_spec(builtin_picker(current))
elif source == sources[2]:
    set_dataset_spec(corpus_table_picker(current))
else:
    raw, filename, digest = _uploaded_file(current)
    try:
        table = read_upload(digest, filename, raw)
    except UserError as exc:
        _refused(str(exc))
    columns = list(table.columns)
    _columns_for(filename, len(raw), columns, current)
    target = st.selectbox("Class column (target)", columns, key=DATA.target)
    levels = sorted(table[target].dropna().astype(str).unique().tolist())
    positive_options = ["(rarest class)"] + levels[:50]
    if st.session_state.get(DATA.positive) not in positive_options:
        st.session_state[DATA.positive] = positive_options[0]
    positive = st.selectbox("Positive class (for binary metrics)", positive_options, key=DATA.positive)
    others = [c for c in columns if c != target]
    if st.session_state.get(DATA.features) is None or st.session_state.get(DATA.features_target) != target:
        st.session_state[DATA.features] = others
        st.session_state[DATA.features_target] = target
    features = st.multiselect("Feature columns", others, key=DATA.features)
    spec = UploadSpec(filename, target, None if positive == positive_options[0] else positive, tuple(features),
                      digest, raw)
    try:
        load_dataset(spec)
    except UserError as exc:
        _refused(str(exc))
    set_dataset_spec(spec)

st.query_params.from_dict(links.page_query(dataset_spec()))  # a reload or a link keeps this choice
try:
    dataset = load_dataset(dataset_spec())
except UserError as exc:
    st.error(md_escape(str(exc), limit=None), icon=":material/error:")
    st.stop()

st.subheader(md_escape(dataset.name))
st.caption(md_escape(dataset.description, limit=None))
for note in dataset.notes:
    st.info(md_escape(note, limit=None), icon=":material/info:")
left, right = st.columns([3, 2])
with left:
    preview = dataset.features.head(500).copy()
    preview.insert(len(preview.columns), f"{dataset.target} (class)", dataset.labels[:500])
    st.dataframe(preview, height=380)
    shown = "" if len(dataset.labels) <= len(preview) else f" (first {len(preview)} shown)"
    counts = f"{len(dataset.labels):,} rows{shown}, {dataset.n_features} feature columns"
    st.caption(f"{counts}; positive class: {md_escape(dataset.positive_class, 60)}; "
               f"imbalance {dataset.imbalance_ratio:.1f} : 1.")
with right:
    st.plotly_chart(make_class_balance_figure({"all rows": dataset.class_counts}, classes=dataset.classes,
                                              positive_index=dataset.positive_index, title="Class balance"),
                    key="chart.data_balance")
picture = data_figure(dataset_spec(), dataset, seed=SEED.default, test_size=TEST_SIZE.default)
if picture is not None:  # the rows as the lab's boundary will show them
    st.plotly_chart(picture, key="chart.data_points")
st.page_link("pages/lab.py", label="Go to the lab and train", icon=":material/science:")
