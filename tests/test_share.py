"""Shareable links and learn-page presets."""

from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from imbalance_core import BuiltinSpec, UploadSpec
from ui.links import LabSetup, from_query, to_query

from .helpers import TIMEOUT, lab_result
from .helpers import chart_keys as _chart_keys

SETUP = LabSetup(
    data=BuiltinSpec.of("circles", {"n_samples": 300, "imbalance_ratio": 7.5, "noise": 0.1, "seed": 4}),
    strategy="near_miss+focal_loss", params={"version": 2, "n_neighbors": 4, "gamma": 1.25, "alpha": 0.7},
    network={"hidden_layers": "32,16", "activation": "tanh", "learning_rate": 0.005, "epochs": 7, "batch_size": 16,
             "prior_bias": True},
    seed=12, test_size=0.3, threshold=0.35, present=True,
)


def test_a_setup_survives_the_trip_through_a_link():
    query = to_query(SETUP)
    assert all(isinstance(v, str) for v in query.values())
    assert query["strategy"] == "near_miss+focal_loss" and query["s.version"] == "2" and query["n.prior_bias"] == "1"
    back, problems = from_query(query)
    assert problems == []
    assert back == SETUP


def test_an_uploaded_file_is_named_in_the_link_not_carried():
    uploaded = UploadSpec("tx.csv", "label", "fraud", ("amount", "channel"), digest="abc", data=b"amount,label\n1,ok")
    query = to_query(replace(SETUP, data=uploaded))
    assert query["data"] == "upload" and query["file"] == "tx.csv" and query["feature"] == ["amount", "channel"]
    assert "abc" not in str(query) and "amount,label" not in str(query)  # neither the content nor its digest
    back, _ = from_query(query)
    assert back.data.names(uploaded) and back.data.digest is None and back.data.data == b""
    # a column name may hold a comma: each feature is its own repeated key
    odd = replace(SETUP, data=replace(uploaded, features=("amount, EUR", "channel")))
    assert from_query(to_query(odd))[0].data.features == ("amount, EUR", "channel")


def test_a_public_table_travels_in_a_link_by_name_and_the_lab_trains_on_it():
    from imbalance_core.data.spec import CorpusSpec

    setup = replace(SETUP, data=CorpusSpec("keel", "glass1"), strategy="smote", params={}, present=False)
    query = to_query(setup)
    assert query["data"] == "keel" and query["table"] == "glass1"
    assert from_query(query) == (setup, [])
    back, problems = from_query({**query, "table": "no-such-table"})
    assert back.data == BuiltinSpec("moons") and problems[0].key == "table"
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params.update({**query, "n.epochs": "3"})
    at.run()
    assert not at.exception and not at.error
    result = lab_result(at)
    assert result.dataset_name == "glass1" and result.classes == ["negative", "positive"]
    assert result.counts["test"] == {"negative": 42, "positive": 23}  # glass1: 144 : 70, 30 % held out (SETUP)
    at.switch_page("pages/data.py").run()  # the Data page shows it as a public table, chosen in its list
    assert at.radio(key="data.source").value == "Public table (KEEL / UCI)"
    assert at.selectbox(key="data.corpus_table").value == "glass1"
    at.selectbox(key="data.corpus_table").set_value("ecoli1").run()
    assert at.session_state["dataset_spec"] == CorpusSpec("keel", "ecoli1") and not at.exception
    assert _query(at) == {"data": "keel", "table": "ecoli1"}


def test_bad_values_in_a_link_are_reported_and_left_at_their_defaults():
    back, problems = from_query({"data": "moons", "d.imbalance_ratio": "5000", "strategy": "smote", "s.k_neighbors": "x",
                                 "n.epochs": "12", "threshold": "2"})
    assert back.data == BuiltinSpec("moons") and back.params == {} and back.threshold == 0.5
    assert back.network == {"epochs": 12}
    assert {p.key for p in problems} == {"d.imbalance_ratio", "s.k_neighbors", "threshold"}
    assert next(p for p in problems if p.key == "s.k_neighbors").value == "x"
    assert from_query({"utm_source": "mail"}) == (None, [])
    unknown, problems = from_query({"strategy": "magic"})
    assert unknown.strategy == "none" and "unknown strategy 'magic'" in problems[0].reason


def test_opening_a_link_sets_up_the_lab_and_trains_the_same_experiment():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in to_query(replace(SETUP, strategy="smote", params={"k_neighbors": 3}, present=False)).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception and not at.error
    result = lab_result(at)
    assert result.dataset_name.startswith("Circles") and result.strategy == "smote"
    assert result.params == {"k_neighbors": 3} and result.config.seed == 12 and result.config.test_size == 0.3
    assert result.config.network.hidden_layers == (32, 16) and result.config.network.epochs == 7
    assert at.slider(key="lab.view.threshold").value == 0.35
    assert {m.label: m.value for m in at.metric}["Recall"] == f"{result.evaluate_at(0.35).metrics['recall']:.3f}"
    # a rerun does not train again
    at.run()
    assert lab_result(at) is result


def test_a_link_to_an_uploaded_file_says_which_file_to_upload():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in {"data": "upload", "file": "tx.csv", "target": "label", "positive": "fraud",
                       "strategy": "class_weight"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert lab_result(at) is None  # nothing to train on yet
    assert any("`tx.csv`" in w.value and "`label`" in w.value and "`fraud`" in w.value for w in at.warning)
    assert at.selectbox(key="lab.strategy").value == "class_weight"


def test_presentation_mode_keeps_strategy_and_train_in_reach_and_is_in_the_link():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params["strategy"] = "none"
    at.query_params["n.epochs"] = "2"
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    assert at.toggle(key="lab.present").value is True
    folded = at.expander[0]
    assert folded.label.startswith("More settings")
    # the strategy picker and Train stay outside the folded box: one click away in front of a room
    assert "lab.train" not in {b.key for b in folded.button} and at.button(key="lab.train").key == "lab.train"
    assert "lab.strategy" not in {b.key for b in folded.selectbox}
    assert at.selectbox(key="lab.strategy").value == "none"
    assert at.number_input(key="lab.net.epochs").value == 2  # the rest is inside it
    assert "lab.net.epochs" in {n.key for n in folded.number_input}
    assert _chart_keys(at) >= {"chart.boundary", "chart.pr"}
    assert at.query_params["present"] == ["1"] or at.query_params["present"] == "1"


@pytest.mark.parametrize("section, strategy", [("smote", "smote"), ("focal", "focal_loss"), ("ensemble", "ensemble")])
def test_learn_page_buttons_open_the_lab_on_their_preset_and_train(section, strategy):
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    at.switch_page("pages/learn.py").run()
    assert not at.exception
    assert len(at.header) == 14
    at.button(key=f"learn.{section}").click().run()
    assert not at.exception and not at.error
    result = lab_result(at)
    assert result.strategy == strategy
    if section == "smote":
        assert at.toggle(key="lab.view.lineage").value is True
    if section == "focal":
        assert result.params["alpha"] == 0.25
    if section == "ensemble":
        assert "chart.members" in _chart_keys(at)


def test_uploading_the_file_a_link_names_restores_its_columns_and_clears_the_request():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in {"data": "upload", "file": "tx.csv", "target": "label", "positive": "ok",
                       "features": "amount", "strategy": "class_weight"}.items():
        at.query_params[key] = value
    at.run()
    rows = ["amount,channel,label"] + [f"{i % 37},{['web', 'shop'][i % 2]},{'fraud' if i % 8 == 0 else 'ok'}"
                                       for i in range(160)]
    at.switch_page("pages/data.py").run()
    at.radio(key="data.source").set_value("Upload CSV or Parquet").run()
    at.file_uploader(key="data.upload").set_value(("tx.csv", "\n".join(rows).encode(), "text/csv")).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="data.target").value == "label"
    assert at.selectbox(key="data.positive").value == "ok"
    assert at.multiselect(key="data.features").value == ["amount"]
    at.switch_page("pages/lab.py").run()
    assert not any("cannot travel" in w.value for w in at.warning)
    assert "lab.expected_upload" not in at.session_state
    assert at.selectbox(key="lab.strategy").value == "class_weight"


def _query(at: AppTest) -> dict:
    return {key: (value[-1] if isinstance(value, list) and len(value) == 1 else value)
            for key, value in at.query_params.items()}


@pytest.mark.parametrize("page", ["compare", "leakage", "data", "learn"])
def test_every_page_keeps_the_data_choice_in_its_address_and_a_reload_reopens_it(page):
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.switch_page(f"pages/{page}.py")
    at.query_params.update({"data": "digits_thinned", "d.seed": "3"})
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["dataset_spec"] == BuiltinSpec.of("digits_thinned", {"seed": 3})
    query = _query(at)
    assert query["data"] == "digits_thinned" and query["d.seed"] == "3"
    if page in ("compare", "leakage"):
        assert any("Digits" in m.value for m in at.markdown)
    # a reload is a new session opening the address the page wrote
    again = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    again.switch_page(f"pages/{page}.py")
    again.query_params.update(query)
    again.run()
    assert again.session_state["dataset_spec"].key == "digits_thinned"
    assert lab_result(again) is None  # no training on arrival outside the lab


def test_the_compare_and_leakage_pages_keep_their_own_settings_in_the_address():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.switch_page("pages/compare.py")
    at.query_params.update({"data": "circles", "strategies": "smote,class_weight,magic", "repeats": "3",
                            "seed": "7", "n.epochs": "9"})
    at.run()
    assert not at.exception
    assert at.multiselect(key="compare.strategies").value == ["smote", "class_weight"]
    assert at.session_state["compare.repeats"] == 3 and at.session_state["compare.seed"] == 7
    assert at.session_state["compare.net.epochs"] == 9
    assert any("magic" in w.value for w in at.warning)  # the unknown name is reported, quoted
    assert _query(at)["strategies"] == "smote,class_weight"

    leak = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    leak.switch_page("pages/leakage.py")
    leak.query_params.update({"data": "blobs", "strategy": "smote", "n.epochs": "11"})
    leak.run()
    assert leak.selectbox(key="leakage.strategy").value == "smote"
    assert leak.session_state["leakage.net.epochs"] == 11
    assert _query(leak)["strategy"] == "smote" and _query(leak)["data"] == "blobs"
