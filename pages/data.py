"""Choose the data: a built-in set with its controls, or an uploaded CSV."""

import streamlit as st

from ui.routing import require_router

require_router()

from imbalance_core import BUILTIN_DATASETS, SEED, TEST_SIZE, DataError, UserError
from imbalance_core.datasets import MAX_FILE_BYTES
from imbalance_core.plots import make_class_balance_figure
from ui import share
from ui.jobs import data_key
from ui.state import data_figure, dataset_spec, load_dataset, read_upload, set_dataset_spec, upload_digest
from ui.text import md_escape
from ui.widgets import param_widgets

st.title("Data")
share.show_link_problems()
st.write("Pick a built-in data set, or upload a CSV or Parquet file and say which column holds the classes. The lab uses what you choose here.")

current = dataset_spec()
sources = ["Built-in data set", "Upload CSV or Parquet"]
st.session_state.setdefault("data.source", sources[0] if current["source"] == "builtin" else sources[1])
source = st.radio("Source", sources, horizontal=True, key="data.source")

if source == sources[0]:
    keys = list(BUILTIN_DATASETS)
    st.session_state.setdefault("data.builtin", current["key"] if current["source"] == "builtin" else keys[0])
    chosen = st.selectbox("Data set", keys, format_func=lambda k: BUILTIN_DATASETS[k].label, key="data.builtin")
    builtin = BUILTIN_DATASETS[chosen]
    st.caption(builtin.description)
    defaults = current.get("params", {}) if current.get("key") == chosen else {}
    params = param_widgets(builtin.params, key_prefix=f"data.{chosen}", defaults=defaults)
    set_dataset_spec({"source": "builtin", "key": chosen, "params": params})
else:
    upload = st.file_uploader(
        "CSV file (comma, semicolon or tab separated; may be gzip-compressed) or Parquet file",
        type=["csv", "tsv", "txt", "gz", "parquet"],
        key="data.upload", max_upload_size=MAX_FILE_BYTES // 2**20,
    )
    if upload is None and current["source"] == "upload":
        st.caption(f"Using the file uploaded earlier: **{md_escape(current['filename'])}**.")
        raw, filename, digest = current["data"], current["filename"], current["digest"]
    elif upload is None:
        st.info("Upload a file to use it. Until then the lab keeps its current data set.")
        st.stop()
    else:
        raw, filename = upload.getvalue(), upload.name
        known = st.session_state.get("data.digest")  # hashing up to 1 GB: once per uploaded file
        if known is None or known[0] != upload.file_id:
            known = st.session_state["data.digest"] = (upload.file_id, upload_digest(raw))
        digest = known[1]
    try:
        table = read_upload(digest, filename, raw)
    except DataError as exc:
        st.error(md_escape(str(exc), limit=None), icon=":material/error:")
        st.caption("The lab keeps using the data set it had; nothing else changed.")
        st.stop()
    columns = list(table.columns)
    if st.session_state.get("data.file") != (filename, len(raw)):
        # a different file: start from its defaults (last column is the target, all others are features)
        st.session_state["data.file"] = (filename, len(raw))
        same_as_spec = current["source"] == "upload" and current["filename"] == filename
        st.session_state["data.target"] = current["target"] if same_as_spec and current["target"] in columns else columns[-1]
        for stale in ("data.positive", "data.features"):
            st.session_state.pop(stale, None)
        expected = st.session_state.get("lab.expected_upload")  # a shared link named this file and its columns
        if expected and expected["filename"] == filename and expected["target"] in columns:
            st.session_state["data.target"] = expected["target"]
            if expected.get("positive"):
                st.session_state["data.positive"] = expected["positive"]
            if expected.get("features") and set(expected["features"]) <= set(columns):
                st.session_state["data.features"] = expected["features"]
                st.session_state["data.features_target"] = expected["target"]
    target = st.selectbox("Class column (target)", columns, key="data.target")
    levels = sorted(table[target].dropna().astype(str).unique().tolist())
    positive_options = ["(rarest class)"] + levels[:50]
    if st.session_state.get("data.positive") not in positive_options:
        st.session_state["data.positive"] = positive_options[0]
    positive = st.selectbox("Positive class (for binary metrics)", positive_options, key="data.positive")
    others = [c for c in columns if c != target]
    if st.session_state.get("data.features") is None or st.session_state.get("data.features_target") != target:
        st.session_state["data.features"] = others
        st.session_state["data.features_target"] = target
    features = st.multiselect("Feature columns", others, key="data.features")
    spec = {"source": "upload", "data": raw, "digest": digest, "filename": filename, "target": target,
            "positive": None if positive == positive_options[0] else positive, "features": features}
    try:
        load_dataset(spec)
    except UserError as exc:
        st.error(md_escape(str(exc), limit=None), icon=":material/error:")
        st.caption("The lab keeps using the data set it had; nothing else changed.")
        st.stop()
    set_dataset_spec(spec)

st.query_params.from_dict(share.page_query(dataset_spec()))  # a reload or a link keeps this choice
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
    positive = md_escape(dataset.positive_class, 60)
    st.caption(f"{len(dataset.labels)} rows (first 500 shown), {dataset.n_features} feature columns; positive class: "
               f"{positive}; imbalance {dataset.imbalance_ratio:.1f} : 1.")
with right:
    st.plotly_chart(make_class_balance_figure({"all rows": dataset.class_counts}, classes=dataset.classes,
                                              positive_index=dataset.positive_index, title="Class balance"),
                    key="chart.data_balance")
picture = data_figure(data_key(dataset_spec()), dataset, seed=SEED.default, test_size=TEST_SIZE.default)
if picture is not None:  # the rows as the lab's boundary will show them
    st.plotly_chart(picture, key="chart.data_points")
st.page_link("pages/lab.py", label="Go to the lab and train", icon=":material/science:")
