"""Input from strangers: uploads, names inside them, link values, CLI arguments. Nothing crashes or is run."""

import ast
import gzip
import io
import json
import re
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from imbalance_core import (
    BUILTIN_DATASETS,
    NETWORK_PARAMS,
    STRATEGIES,
    ConfigError,
    DataError,
    ExperimentConfig,
    NetworkConfig,
    dataset_from_table,
    load_builtin,
    read_table,
    run_experiment,
)
from imbalance_core.cli import main
from imbalance_core.data import tables as datasets_module
from imbalance_core.text import MAX_NAME_CHARS, plotly_escape, spreadsheet_safe

from .helpers import CODE, HTML, IMAGE, LINK, hostile_config, hostile_dataset, tiny_config


def _bomb(megabytes: int) -> bytes:
    """A small gzip file that inflates to ``megabytes`` of CSV-looking text."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"1,2,3\n" * (1 << 18)
    parts = [packer.compress(chunk) for _ in range(megabytes * 2**20 // len(chunk) + 1)]
    return b"".join(parts) + packer.flush()


# --------------------------------------------------------------------------- uploads


SMALL_LIMIT = 50 * 2**20  # the size checks at a 50 MB limit: the same code as at the real 1 GB one, in a test's time


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(datasets_module, "MAX_FILE_BYTES", SMALL_LIMIT)
    return SMALL_LIMIT


def test_a_gzip_bomb_is_refused_with_its_real_size_holding_one_read_step(small_limit):
    MAX_FILE_BYTES = small_limit
    bomb = _bomb(300)
    assert len(bomb) < MAX_FILE_BYTES // 20  # small on the wire
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"is 302 MB once decompressed; the limit is 50 MB"):  # 201 x 1.5 MB
            read_table(bomb, filename="bomb.csv.gz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20  # one 1 MB read step and the compressed bytes: nothing of what it inflates to is kept
    # one past what is measured says so, without measuring on
    monkeypatched = datasets_module.INFLATE_COUNT_LIMIT
    try:
        datasets_module.INFLATE_COUNT_LIMIT = 100 * 2**20
        with pytest.raises(DataError, match=r"is more than 100 MB once decompressed; the limit is 50 MB"):
            read_table(bomb, filename="bomb.csv.gz")
    finally:
        datasets_module.INFLATE_COUNT_LIMIT = monkeypatched
    # a compressed table within the limit is read whole
    assert read_table(gzip.compress(b"a,b\n1,2\n3,4\n"), filename="ok.csv.gz").shape == (2, 2)


def _peak_rss_reading(path) -> float:
    """Peak resident memory (MB) of a fresh Python reading ``path`` with a 50 MB limit (refused or not)."""
    code = ("import sys\nfrom imbalance_core.data import tables\ntables.MAX_FILE_BYTES = 50 * 2**20\n"
            "try:\n    tables.read_table(sys.argv[1])\nexcept tables.DataError:\n    pass\n"
            "hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM')][0]\n"
            "print(int(hwm.split()[1]) / 1024)")  # VmHWM starts afresh at exec (ru_maxrss keeps the parent's)
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip())


def test_a_parquet_file_that_decodes_past_the_limit_is_refused_a_batch_at_a_time(small_limit, tmp_path):
    """Long, repeated text: a small file on the wire whose metadata declares little (dictionary-encoded, compressed),
    150 MB of strings once decoded. Measured as it decodes, a batch at a time keeping none, and refused."""
    frame = pd.DataFrame({"note": ["x" * 1000] * 150_000, "label": ["a", "b"] * 75_000})
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, compression="gzip")
    raw = buffer.getvalue()
    assert len(raw) < small_limit // 20
    with pytest.raises(DataError, match=r"is more than 50 MB once decoded; the limit is 50 MB"):
        read_table(raw, filename="notes.parquet")
    # Arrow's memory is not Python's: the peak is read from a process of its own, against the same process
    # reading a small file
    path = tmp_path / "notes.parquet"
    path.write_bytes(raw)
    floor, refusing = (_peak_rss_reading(p) for p in (tmp_path / "small.parquet", path))
    assert refusing < floor + 100, (floor, refusing)  # MB: a batch at a time (~40), not what it decodes to (~420)
    frame.head(1000).to_parquet(tmp_path / "small.parquet", index=False)
    assert read_table(str(tmp_path / "small.parquet")).shape == (1000, 2)  # within the limit: read whole


def test_the_real_limits_fit_the_fraud_table_people_bring():
    assert datasets_module.MAX_FILE_BYTES == 2**30 and datasets_module.MAX_ROWS == 2_000_000
    assert datasets_module.MAX_COLUMNS == 300


def test_a_table_too_large_for_the_memory_free_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(datasets_module, "free_memory_bytes", lambda: 100 * 2**20)  # 100 MB free
    table = b"a,b,c,label\n" + b"1,2,3,x\n" * 2_000_000
    with pytest.raises(DataError, match=r"about 2,000,001 rows x 4 columns: about 0\.2 GB in memory .* 0\.1 GB free"):
        read_table(table, filename="wide.csv")
    monkeypatch.setattr(datasets_module, "free_memory_bytes", lambda: 64 * 2**30)
    assert read_table(table[:2000], filename="small.csv").shape[1] == 4


def test_a_file_over_the_limit_is_told_its_real_size(tmp_path, small_limit):
    big = b"a,b\n" + b"1,2\n" * (70 * 2**20 // 4)
    with pytest.raises(DataError, match=r"is 70 MB; the limit is 50 MB"):
        read_table(big, filename="big.csv")
    with pytest.raises(DataError, match=r"is 50\.3 MB; the limit is 50 MB"):
        read_table(b"a,b\n" + b"1,2\n" * (int(50.3 * 2**20) // 4), filename="just-over.csv")
    path = tmp_path / "huge.csv"
    path.write_bytes(big + big)
    with pytest.raises(DataError, match=r"'huge\.csv' is 140 MB; the limit is 50 MB"):
        read_table(str(path))


def test_a_header_starting_with_a_bracket_is_a_csv_but_json_is_refused():
    table = read_table(b"[a],{b},label\n1,2,x\n3,4,y\n", filename="odd.csv")
    assert table.columns.tolist() == ["[a]", "{b}", "label"]
    with pytest.raises(DataError, match="looks like JSON"):
        read_table(b'[{"a": 1}, {"a": 2}]', filename="rows.json")
    with pytest.raises(DataError, match="looks like JSON"):
        read_table(b'{"a": 1}\n{"a": 2}\n', filename="rows.jsonl")


def test_names_longer_than_the_limit_are_refused_with_a_short_quote():
    long_name = "n" * (MAX_NAME_CHARS + 1)
    with pytest.raises(DataError, match="the name of column 1 is 201 characters long") as info:
        read_table(f"{long_name},label\n1,a\n2,b\n".encode(), filename="t.csv")
    assert len(str(info.value)) < 300
    frame = pd.DataFrame({"x": range(6), "label": ["a", "b"] * 2 + [long_name] * 2})
    with pytest.raises(DataError, match="class labels have at most 200"):
        dataset_from_table(frame)


def test_infinite_values_are_treated_as_missing_with_a_note_naming_the_columns():
    rows = ["amount,score,label"] + [
        f"{'inf' if i % 9 == 0 else i},{'1e999' if i % 7 == 0 else ('-inf' if i % 11 == 0 else i * 0.5)},"
        f"{'fraud' if i % 5 == 0 else 'ok'}" for i in range(120)]
    dataset = dataset_from_table(read_table("\n".join(rows).encode(), filename="inf.csv"), name="inf.csv")
    note = next(n for n in dataset.notes if "Infinite values" in n)
    assert "'amount' (14)" in note and "'score' (" in note
    result = run_experiment(dataset, tiny_config("smote"))
    assert np.isfinite(result.proba_test).all()
    assert any("missing values were filled in" in n for n in result.notes)


def test_numbers_too_large_to_scale_are_refused_with_the_column_named():
    frame = pd.DataFrame({"x": [1e308, -1e308] * 20, "y": range(40), "label": ["a"] * 30 + ["b"] * 10})
    with pytest.raises(DataError, match="'x' holds numbers too large to scale"):
        run_experiment(dataset_from_table(frame), tiny_config())


def test_a_table_with_one_feature_trains_and_shows_a_1d_view():
    from imbalance_core.outputs.figures import result_figures

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"amount": np.concatenate([rng.normal(0, 1, 200), rng.normal(2.5, 0.5, 20)]),
                          "label": ["ok"] * 200 + ["fraud"] * 20})
    result = run_experiment(dataset_from_table(frame, name="one.csv"), tiny_config("smote"))
    assert result.boundary.is_1d and result.boundary.proba.shape[:2] == (1, 80)
    assert result.view.points.shape[1] == 1 and result.view.lineage.shape[1:] == (2, 1)
    figures = result_figures(result, show_lineage=True)
    boundary = figures["boundary"]
    names = [trace.name for trace in boundary.data]
    assert "P(fraud)" in names and "fraud (synthetic)" in names and "threshold (P = 0.50)" in names
    assert boundary.layout.yaxis.title.text == "Predicted probability"
    assert "fraud" in boundary.layout.yaxis.ticktext  # a row of points per class, labelled
    ensemble = run_experiment(dataset_from_table(frame, name="one.csv"),
                              tiny_config("ensemble", params={"n_members": 2}))
    assert "members" in result_figures(ensemble)


# --------------------------------------------------------------------------- settings and names


FLOAT_PARAMS = [(owner, p) for owner, params in
                [*((f"data set {k}", d.params) for k, d in BUILTIN_DATASETS.items()),
                 *((f"strategy {k}", s.params) for k, s in STRATEGIES.items()), ("network", NETWORK_PARAMS)]
                for p in params if p.kind in {"int", "float"}]


@pytest.mark.parametrize(("owner", "param"), FLOAT_PARAMS, ids=[f"{o}-{p.name}" for o, p in FLOAT_PARAMS])
def test_every_numeric_setting_refuses_text_that_is_not_a_finite_number_in_range(owner, param):
    for text in ["nan", "NaN", "inf", "-inf", "1e999", "x" * 500, "", "0x10"]:
        with pytest.raises(ConfigError) as info:
            param.parse(text)
        assert len(str(info.value)) < 200


def test_plotly_text_and_spreadsheet_cells_are_neutralised():
    assert plotly_escape('<a href="x">&</a>') == '&lt;a href="x"&gt;&amp;&lt;/a&gt;'
    assert [spreadsheet_safe(v) for v in ["=1+2", "+cmd", "-x", "@SUM(A1)", "\tx", "-1", "+2.5", "ok", 3]] == [
        "'=1+2", "'+cmd", "'-x", "'@SUM(A1)", "'\tx", "-1", "+2.5", "ok", 3]


@pytest.fixture(scope="module")
def hostile_result():
    """A run on a table whose file name, column names and class labels are all hostile."""
    return run_experiment(hostile_dataset(), hostile_config())


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, np.ndarray) and value.dtype == object:
        for item in value.ravel():
            yield from _strings(item)


def test_chart_text_never_holds_a_users_markup(hostile_result):
    from imbalance_core.outputs.figures import result_figures

    texts = [text for fig in result_figures(hostile_result, show_lineage=True).values()
             for text in _strings(fig.to_plotly_json())]
    assert not [t for t in texts if re.search(r"<(a|img|b|i|span)\b", t, re.I)]
    assert any("&lt;a href=" in t for t in texts)  # the label is there, escaped, for Plotly to draw literally


def test_the_report_escapes_every_name(hostile_result):
    from imbalance_core.outputs.report import report_html

    page = report_html(hostile_result)
    body = page[:page.index("<h2>Figures</h2>")]
    assert "<a href=\"https://evil" not in body and "<img src=\"https://evil" not in body
    assert "&lt;a href=&quot;https://evil.example/a&quot;&gt;" in body


def test_the_exported_script_embeds_every_name_as_data(hostile_result):
    """As code the names are string literals, never comments or the docstring (test_export runs this script too:
    it reproduces the run and runs nothing a name holds)."""
    from imbalance_core.outputs.script import script_source

    source = script_source(hostile_result, filename=f'x"""{CODE}\n.py')
    tree = ast.parse(source)  # compiles: no name breaks the syntax
    docstring = ast.get_docstring(tree)
    assert "evil" not in docstring and "import os" not in docstring and '"""' not in docstring
    constants = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                 and node.targets[0].id in {"RUN", "TARGET", "CLASSES", "NUMERIC"}}
    assert constants["RUN"] == f"SMOTE on {hostile_result.dataset_name}"
    assert set(constants["CLASSES"]) == {HTML, f"@ok {LINK}"}
    assert constants["NUMERIC"][1].startswith("=HYPERLINK")
    top_level_calls = [node for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)]
    assert top_level_calls == []  # nothing runs on import but what the script defines
    assert re.search(r'"tensorflow==\d', docstring)  # pins what reproduces


def test_csv_exports_neutralise_formulas(hostile_result):
    from imbalance_core.compute.jobs import RowsJob, execute

    class Channel:
        def report(self, snapshot):
            pass

        def should_stop(self):
            return False

    rows = pd.read_csv(io.StringIO(execute(RowsJob(hostile_result.config), hostile_result.dataset, Channel())))
    assert rows.columns[1].startswith("'=HYPERLINK")
    assert set(rows["class"]) == {HTML, f"'@ok {LINK}"}


# --------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def one_feature_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "one.csv"
    rng = np.random.default_rng(1)
    pd.DataFrame({"amount": rng.normal(size=120), "label": ["=ok"] * 100 + ["-fraud"] * 20}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("argv", [
    ["--builtin", "moons", "--strategy", "none", "--learning-rate", "nan"],
    ["--builtin", "moons", "--strategy", "none", "--dataset-param", "noise=nan"],
    ["--builtin", "moons", "--strategy", "none", "--dataset-param", "imbalance_ratio=inf"],
    ["--builtin", "moons", "--strategy", "focal_loss", "--param", "alpha=nan"],
    ["--builtin", "moons", "--strategy", "smote+" * 600],
    ["--builtin", "moons", "--strategy", "none", "--seed", "-1"],
    ["--builtin", "moons", "--strategy", "none", "--test-size", "nan"],
    ["--builtin", "moons", "--strategy", "none", "--epochs", "0"],
    ["--builtin", "moons", "--strategy", "none", "--hidden", "8,8,8,8,8,8,8"],
    ["--builtin", "moons", "--strategy", "none", "--hidden", "9" * 5000],
    ["--builtin", "moons", "--strategy", "smote", "--param", "k_neighbors=" + "9" * 200],
    ["--data", "/", "--strategy", "none"],
    ["--data", "BOMB", "--strategy", "none"],
], ids=lambda argv: " ".join(a[:20] for a in argv)[:60])
def test_the_cli_answers_every_bad_input_with_one_error_line_and_status_2(argv, capsys, tmp_path):
    if "BOMB" in argv:
        bomb = tmp_path / "bomb.csv.gz"
        bomb.write_bytes(_bomb(120))
        argv = [str(bomb) if a == "BOMB" else a for a in argv]
    assert main(["train", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err and len(err) < 2100


def test_the_cli_trains_a_one_feature_table_and_neutralises_its_predictions_csv(one_feature_csv, tmp_path, capsys):
    out = tmp_path / "predictions.csv"
    assert main(["train", "--data", str(one_feature_csv), "--strategy", "smote", "--epochs", "2", "--json",
                 "--predictions", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["classes"] == ["=ok", "-fraud"]
    predictions = pd.read_csv(out)
    assert set(predictions["y_true"]) == {"'=ok", "'-fraud"}
    assert predictions.columns.tolist() == ["row", "y_true", "y_pred", "proba_=ok", "proba_-fraud"]


def test_the_cli_never_prints_a_traceback_even_for_an_internal_failure(monkeypatch, capsys):
    import imbalance_core.runs.experiment

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody foresaw\nsecond line")

    monkeypatch.setattr(imbalance_core.runs.experiment, "run_experiment", broken)
    assert main(["train", "--builtin", "moons", "--strategy", "none"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected failure (RuntimeError: something nobody foresaw second line)")
    assert err.count("\n") == 1


# --------------------------------------------------------------------------- defaults resolved from the same rows


@pytest.mark.parametrize("key", ["moons", "breast_cancer", "digits_vs_rest", "circles"])
def test_the_app_and_the_core_resolve_data_dependent_defaults_from_the_same_rows(key):
    from imbalance_core import get_strategy, training_class_counts

    dataset = load_builtin(key)
    strategy = get_strategy("focal_loss")
    for seed, test_size in [(0, 0.25), (7, 0.4)]:
        counts = training_class_counts(dataset.y, len(dataset.classes), test_size=test_size, seed=seed)
        shown = strategy.params[1].default_for(counts)  # what the lab's alpha slider starts at
        result = run_experiment(dataset, ExperimentConfig(strategy="focal_loss", seed=seed, test_size=test_size,
                                                          network=NetworkConfig(hidden_layers=(4,), epochs=1)))
        assert result.params["alpha"] == shown


def test_a_runs_cost_is_estimated_before_it_starts():
    from imbalance_core import ARRIVAL_BUDGET, estimate_cost

    moons = load_builtin("moons")
    default = estimate_cost(moons, ExperimentConfig(strategy="smote"))
    assert default.within() and default.times_budget() < 0.2
    heaviest = estimate_cost(load_builtin("moons", n_samples=5000), ExperimentConfig(
        strategy="ensemble", params={"n_members": 15},
        network=NetworkConfig(epochs=1000, batch_size=4, hidden_layers=(64, 64, 32))))
    assert not heaviest.within() and heaviest.steps > 100 * ARRIVAL_BUDGET.steps
    assert heaviest.networks == 15
    with pytest.raises(ConfigError):
        estimate_cost(moons, ExperimentConfig(strategy="focal_loss", params={"alpha": 3.0}))


def test_gzip_uploads_still_read_normally():
    raw = gzip.compress(b"a;b;label\n1,5;2;x\n3;4;y\n5;6;x\n")
    table = read_table(raw, filename="semi.csv.gz")
    assert table.shape == (3, 3) and table["label"].tolist() == ["x", "y", "x"]


# --------------------------------------------------------------------------- in the app (AppTest)

from streamlit.testing.v1 import AppTest  # noqa: E402

from .helpers import TIMEOUT, assert_inert, lab_result  # noqa: E402

_assert_inert = assert_inert


def _chart_strings(at: AppTest) -> list[str]:
    return [text for chart in at.get("plotly_chart") for text in _strings(json.loads(chart.proto.spec))]


HOSTILE_FILE = f"{LINK} {IMAGE}.csv"


def _hostile_csv() -> bytes:
    rows = [f'"{IMAGE}","{LINK} amount","{HTML.replace(chr(34), chr(39))} channel","label"']
    for i in range(160):
        label = HTML.replace('"', "'") if i % 8 == 0 else "www.evil.example or mail@evil.example"
        rows.append(f"{i % 13},{(i * 7) % 11 + (3 if i % 8 == 0 else 0)},{['web', '<b>shop</b>'][i % 2]},\"{label}\"")
    return "\n".join(rows).encode()


def test_an_upload_full_of_markup_is_shown_as_text_everywhere():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    at.switch_page("pages/data.py").run()
    at.radio(key="data.source").set_value("Upload CSV or Parquet").run()
    at.file_uploader(key="data.upload").set_value((HOSTILE_FILE, _hostile_csv(), "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    _assert_inert(at)
    at.switch_page("pages/lab.py").run()
    at.selectbox(key="lab.strategy").set_value("smote").run()
    at.number_input(key="lab.net.epochs").set_value(2)
    at.button(key="lab.train").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert lab_result(at).dataset_name == HOSTILE_FILE
    _assert_inert(at)
    texts = _chart_strings(at)
    assert not [t for t in texts if re.search(r"<(a|img|b)\b", t)]
    assert any("&lt;a href=" in t for t in texts)


def test_a_hostile_link_is_reported_as_code_and_leaves_defaults():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in {"data": "upload", "file": f"{LINK}.csv", "target": IMAGE, "positive": HTML,
                       "strategy": "class_weight", "threshold": "nan", "n.learning_rate": "nan",
                       "n.epochs": "1e999", "seed": LINK}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    _assert_inert(at)
    warned = " ".join(w.value for w in at.warning)
    assert "`threshold` = `nan`" in warned and "`n.learning_rate` = `nan`" in warned
    assert f"`{LINK}.csv`" in warned  # the file the link names, quoted as code
    assert at.number_input(key="lab.net.learning_rate").value == 0.01
    assert at.session_state["lab.view.threshold"] == 0.5

    for key, value in {"d.imbalance_ratio": "nan", "d.noise": "nan", "s.alpha": "nan",
                       "strategy": "smote+" * 600}.items():
        other = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
        other.query_params.update({"data": "moons", "strategy": "focal_loss", "n.epochs": "2", key: value})
        other.run()
        assert not other.exception and not other.error, key
        assert any(f"`{key}`" in w.value for w in other.warning), key
        assert lab_result(other) is not None  # the rest of the link still trains


def test_a_link_asking_for_a_huge_run_waits_for_a_click():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params.update({"data": "moons", "d.n_samples": "5000", "strategy": "ensemble", "s.n_members": "15",
                            "n.epochs": "1000", "n.batch_size": "4", "n.hidden_layers": "64,64,32"})
    at.run()
    assert not at.exception
    assert lab_result(at) is None
    assert any("asks for a large run" in w.value and "was not started" in w.value for w in at.warning)
    assert at.number_input(key="lab.net.epochs").value == 1000  # the setup is shown as the link gave it
    assert at.slider(key="lab.ensemble.n_members").value == 15
    at.number_input(key="lab.net.epochs").set_value(1).run()  # a rerun: still nothing trains by itself
    assert lab_result(at) is None


def test_costs_that_favour_predicting_nothing_give_a_threshold_the_slider_can_hold():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    at.number_input(key="lab.net.epochs").set_value(3)
    at.button(key="lab.train").click().run()
    at.session_state["lab.view.cost_open"] = True  # the cost box opened
    at.run()
    at.number_input(key="lab.view.cost_fn").set_value(0.0).run()
    at.button(key="lab.view.use_cost_threshold").click().run()
    assert not at.exception
    threshold = at.slider(key="lab.view.threshold").value
    result = lab_result(at)
    assert threshold == result.cost_threshold(0.0, 1.0).threshold and 0.01 <= threshold <= 0.99


def test_the_lab_starts_focal_alpha_where_the_core_resolves_it():
    """Moons 60 points at 1:6: all rows give a majority share of 0.85, the training rows 0.83."""
    from imbalance_core import get_strategy, training_class_counts

    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    at.switch_page("pages/data.py").run()
    at.slider(key="data.moons.n_samples").set_value(60).run()
    at.slider(key="data.moons.imbalance_ratio").set_value(6.0).run()
    at.switch_page("pages/lab.py").run()
    at.selectbox(key="lab.strategy").set_value("focal_loss").run()
    shown = at.slider(key="lab.focal_loss.alpha").value
    dataset = load_builtin("moons", n_samples=60, imbalance_ratio=6.0)
    counts = training_class_counts(dataset.y, 2, test_size=0.25, seed=0)
    assert shown == get_strategy("focal_loss").resolve({}, counts)["alpha"] == 0.83
    assert get_strategy("focal_loss").resolve({}, dict(enumerate(dataset.class_counts.values())))["alpha"] == 0.85
