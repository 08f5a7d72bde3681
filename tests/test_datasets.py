import gzip
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from imbalance_core import BUILTIN_DATASETS, DataError, dataset_from_table, load_builtin, read_table
from imbalance_core.data import tables as datasets_module

TOYS = ["moons", "circles", "blobs", "xor", "spiral"]


@pytest.mark.parametrize("key", list(BUILTIN_DATASETS))
def test_every_builtin_loads_offline_with_a_rare_positive_class(key):
    data = load_builtin(key)
    assert len(data.labels) == len(data.features) > 0
    assert set(data.labels) == set(data.classes)
    counts = data.class_counts
    assert counts[data.positive_class] == min(counts.values())
    if data.is_binary:
        assert data.classes[-1] == data.positive_class
        assert set(data.y) == {0, 1}


@pytest.mark.parametrize("key", TOYS)
@pytest.mark.parametrize("ratio", [1, 10, 50])
def test_toy_sets_honour_size_and_imbalance_ratio(key, ratio):
    data = load_builtin(key, n_samples=1000, imbalance_ratio=ratio, noise=0.1, seed=3)
    counts = data.class_counts
    assert sum(counts.values()) == 1000
    assert counts["0"] / counts["1"] == pytest.approx(ratio, rel=0.05)
    assert list(data.features.columns) == ["x1", "x2"]


@pytest.mark.parametrize("key", TOYS)
def test_toy_sets_are_reproducible_from_their_seed(key):
    a = load_builtin(key, seed=7)
    b = load_builtin(key, seed=7)
    c = load_builtin(key, seed=8)
    pd.testing.assert_frame_equal(a.features, b.features)
    assert not a.features.equals(c.features)


def test_article_example_is_the_eight_points():
    data = load_builtin("article")
    assert data.features.to_numpy().tolist() == [[1, 2], [1, 3], [2, 1], [8, 7], [7, 8], [8, 9], [9, 8], [7, 9]]
    assert data.labels.tolist() == ["0"] * 3 + ["1"] * 5
    assert data.positive_class == "0"


def test_multiclass_builtin_is_really_imbalanced(wine):
    assert len(wine.classes) == 3
    assert wine.class_counts == {"class_0": 24, "class_1": 71, "class_2": 10}


def test_unknown_builtin_and_bad_params_say_what_exists():
    with pytest.raises(DataError, match="moons"):
        load_builtin("nope")
    with pytest.raises(ValueError, match="imbalance_ratio must be a number from 1 to 100"):
        load_builtin("moons", imbalance_ratio=1000)


# ------------------------------------------------------------------ reading tables

ROWS = [("1.5", "red", "yes"), ("2.0", "blue", "no"), ("NA", "red", "no"), ("3.5", "?", "no")]


def _csv(sep=",", encoding="utf-8", bom=False):
    text = sep.join(["size", "colour", "label"]) + "\n" + "\n".join(sep.join(r) for r in ROWS) + "\n"
    raw = text.encode(encoding)
    return (b"\xef\xbb\xbf" + raw) if bom else raw


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_separators_are_sniffed(sep):
    frame = read_table(_csv(sep))
    assert list(frame.columns) == ["size", "colour", "label"]
    assert frame.shape == (4, 3)


def german_like(rows: int = 120) -> bytes:
    """A table shaped like UCI's german.data: columns apart by spaces, no header row, categorical codes (A11 ...)
    beside numbers, the class (1 good, 2 bad) last."""
    lines = []
    for i in range(rows):
        bad = i % 4 == 0
        lines.append(" ".join([f"A1{1 + i % 4}", str(6 + (i * 7) % 48), f"A3{i % 5}", str(1000 + (i * 137) % 9000),
                               f"A9{1 + i % 3}", str(20 + (i * 3) % 50), "2" if bad else "1"]))
    return ("\n".join(lines) + "\n").encode()


def test_a_space_separated_table_without_a_header_is_read_with_numbered_columns():
    frame = read_table(german_like(), filename="german.data")
    assert list(frame.columns) == [f"column_{i}" for i in range(1, 8)]
    assert frame.shape == (120, 7)  # the first row is data, not a header
    assert frame["column_1"].iloc[0] == "A11" and frame["column_2"].iloc[0] == 6
    data = dataset_from_table(frame, name="german.data")
    assert data.target == "column_7" and sorted(data.classes) == ["1", "2"] and data.positive_class == "2"
    # a header of words is still a header; a table of words only keeps its first row as the header
    assert list(read_table(b"size colour label\n1 red x\n2 blue y\n3 red x\n").columns) == ["size", "colour", "label"]
    assert list(read_table(b"a,b,c\nx,y,z\nu,v,w\n").columns) == ["a", "b", "c"]
    # and a headerless comma-separated table gets numbered columns too
    assert list(read_table(b"1,2.5,x\n2,3.5,y\n3,1.5,x\n").columns) == ["column_1", "column_2", "column_3"]


def test_bom_latin1_gzip_and_missing_markers():
    with_bom = read_table(_csv(bom=True))
    assert list(with_bom.columns)[0] == "size"
    latin = read_table("nom;catégorie\n1;é\n2;à\n".encode("latin-1"))
    assert list(latin.columns) == ["nom", "catégorie"]
    assert latin["catégorie"].tolist() == ["é", "à"]
    zipped = read_table(gzip.compress(_csv()))
    assert zipped.shape == (4, 3)
    assert zipped["size"].isna().sum() == 1
    assert zipped["colour"].isna().sum() == 1  # "?" is a missing marker
    for marker in ["", "NaN", "<null>", "null", "N/A"]:
        frame = read_table(f"a,b\n{marker},1\n2,2\n".encode())
        assert frame["a"].isna().sum() == 1, marker


def _zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # a fixed date: the bytes (and so the test's id) must be the same in every xdist worker
        archive.writestr(zipfile.ZipInfo("data.csv", date_time=(2026, 1, 1, 0, 0, 0)), "a,b\n1,2\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"a,b,label\n", "header row but no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
        (_zip_bytes(), "zip archive"),
        (b'[{"a": 1, "label": "x"}]', "looks like JSON"),
        (b'{"a": [1, 2]}', "looks like JSON"),
        (b"label\nx\ny\n", "single column.*commas, semicolons, tabs, pipes or spaces"),
        (b"\x1f\x8bnot really gzip", "could not be decompressed"),
    ],
)
def test_unreadable_files_get_a_specific_message(raw, message):
    with pytest.raises(DataError, match=message):
        read_table(raw, filename="upload.csv")


def test_row_and_column_caps_say_cap_and_size(monkeypatch):
    monkeypatch.setattr(datasets_module, "MAX_ROWS", 3)
    with pytest.raises(DataError, match=r"has 4 rows; the limit is 3"):
        read_table(_csv())
    monkeypatch.setattr(datasets_module, "MAX_COLUMNS", 2)
    monkeypatch.setattr(datasets_module, "MAX_ROWS", 100)
    with pytest.raises(DataError, match=r"has 3 columns; the limit is 2"):
        read_table(_csv())


def _frame(n=40, classes=("a", "b"), weights=(0.8, 0.2)):
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "id": [f"row{i}" for i in range(n)],
        "x": rng.normal(size=n),
        "colour": rng.choice(["red", "blue"], size=n),
        "label": rng.choice(list(classes), size=n, p=list(weights)),
    })


def test_table_defaults_last_column_rarest_positive_and_drops_id_columns():
    frame = _frame()
    data = dataset_from_table(frame)
    assert data.target == "label"
    counts = frame["label"].value_counts()
    assert data.positive_class == counts.idxmin()
    assert data.classes[-1] == data.positive_class
    assert list(data.features.columns) == ["x", "colour"]
    assert any("'id'" in note and "every row" in note for note in data.notes)


def test_table_with_explicit_target_positive_and_features():
    data = dataset_from_table(_frame(), target="colour", positive_class="red", features=["x"])
    assert data.positive_class == "red"
    assert list(data.features.columns) == ["x"]


def test_rows_without_a_label_are_left_out_and_source_rows_point_at_the_file():
    frame = _frame()
    frame.loc[[3, 10], "label"] = np.nan
    data = dataset_from_table(frame)
    assert len(data.labels) == 38
    assert 3 not in data.source_rows and 10 not in data.source_rows and 39 in data.source_rows
    assert any("2 rows" in note for note in data.notes)


@pytest.mark.parametrize(
    ("kwargs", "frame", "message"),
    [
        ({}, pd.DataFrame({"x": [1, 2, 3], "label": ["a", "a", "a"]}), "one class only"),
        ({}, pd.DataFrame({"x": [1, 2, 3, 4], "label": ["a", "a", "a", "b"]}), "fewer than 2 rows"),
        ({}, pd.DataFrame({"x": range(100), "price": np.linspace(0, 1, 100)}), "too many to be class labels"),
        ({"features": []}, _frame(), "No feature columns"),
        ({"target": "nope"}, _frame(), "no column 'nope'"),
        ({"positive_class": "zzz"}, _frame(), "not a value of 'label'"),
        ({}, pd.DataFrame({"id": [f"r{i}" for i in range(20)], "label": ["a", "b"] * 10}), "No feature columns"),
    ],
)
def test_unusable_tables_get_a_specific_message(kwargs, frame, message):
    with pytest.raises(DataError, match=message):
        dataset_from_table(frame, **kwargs)


@pytest.mark.parametrize("key", ["wine_thinned", "digits_thinned"])
def test_multiclass_builtins_are_hard_enough_that_the_strategies_differ(key):
    """A compare of the 8 seed strategies with the app's defaults: no perfect scores, and the remedies matter."""
    from imbalance_core import ExperimentConfig
    from imbalance_core.runs.compare import compare_strategies
    from imbalance_core.training.strategies import SEED_STRATEGIES

    comparison = compare_strategies(load_builtin(key), SEED_STRATEGIES, ExperimentConfig())
    board = comparison.leaderboard(comparison.scores_at(0.5, None)).set_index("Strategy")
    recall, f1 = board["Recall"], board["F1"]
    assert recall.max() < 0.97 and f1.max() < 0.97  # the rare classes are genuinely confused
    assert recall.max() - recall.min() >= 0.05  # and the strategies do not all land on the same numbers
    assert board["Balanced accuracy"].nunique() >= 4


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def test_a_parquet_upload_gives_the_same_data_set_as_the_same_table_in_csv():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"amount": np.where(np.arange(200) % 17 == 0, np.nan, rng.gamma(2, 30, 200)),
                          "channel": pd.Categorical(rng.choice(["web", "shop"], 200)),
                          "label": np.where(rng.random(200) < 0.15, "fraud", "ok")})
    from_parquet = dataset_from_table(read_table(_parquet(frame), filename="tx.parquet"), target="label")
    from_csv = dataset_from_table(read_table(frame.to_csv(index=False).encode(), filename="tx.csv"), target="label")
    assert from_parquet.class_counts == from_csv.class_counts and from_parquet.classes == from_csv.classes
    np.testing.assert_array_equal(from_parquet.y, from_csv.y)
    np.testing.assert_allclose(from_parquet.features["amount"].to_numpy(), from_csv.features["amount"].to_numpy())
    assert from_parquet.features["channel"].astype(str).tolist() == from_csv.features["channel"].astype(str).tolist()


def test_a_parquet_file_is_sized_from_its_metadata_and_a_broken_one_is_explained(monkeypatch):
    frame = pd.DataFrame({"x": np.zeros(50), "label": ["a"] * 45 + ["b"] * 5})
    monkeypatch.setattr(datasets_module, "MAX_ROWS", 10)
    with pytest.raises(DataError, match="has 50 rows; the limit is 10") as refused:
        read_table(_parquet(frame), filename="big.parquet")
    assert "could not be read" not in str(refused.value)  # the limit's own message, not a reading failure
    monkeypatch.undo()
    with pytest.raises(DataError, match="looks like a Parquet file but could not be read"):
        read_table(_parquet(frame)[:300], filename="cut.parquet")


def test_a_data_set_shares_its_tables_columns_instead_of_copying_them():
    """A large table is not held twice (once read, once as a data set): unchanged columns share memory with the
    table; a column whose infinite values were masked is the only new one, and the table itself is untouched."""
    frame = pd.DataFrame({"a": np.arange(50, dtype=float), "b": np.r_[np.inf, np.arange(49.0)],
                          "label": ["x", "y"] * 25})
    dataset = dataset_from_table(frame, target="label")
    assert np.shares_memory(dataset.features["a"].to_numpy(), frame["a"].to_numpy())
    assert np.isnan(dataset.features["b"].iloc[0]) and np.isinf(frame["b"].iloc[0])
    assert not np.shares_memory(dataset.features["b"].to_numpy(), frame["b"].to_numpy())
