import numpy as np
import pandas as pd
import pytest

from imbalance_core import ConfigError, DataError, dataset_from_table, load_builtin
from imbalance_core.data.preprocessing import prepare, split_indices


def test_split_is_stratified_disjoint_and_complete(moons):
    fit, val, test, notes = split_indices(moons.y, test_size=0.25, validation_size=0.2, seed=0)
    everything = np.concatenate([fit, val, test])
    assert len(everything) == len(set(everything)) == len(moons.y)
    overall = moons.y.mean()
    for part in (fit, val, test):
        assert moons.y[part].mean() == pytest.approx(overall, abs=0.03)
    assert len(test) == pytest.approx(0.25 * len(moons.y), abs=1)
    assert notes == []


def test_split_is_seeded(moons):
    a = split_indices(moons.y, seed=3)
    b = split_indices(moons.y, seed=3)
    c = split_indices(moons.y, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a[:3], b[:3]))
    assert not np.array_equal(a[2], c[2])


def test_tiny_data_has_no_validation_split_and_says_so():
    fit, val, test, notes = split_indices(load_builtin("article").y, seed=0)
    assert len(val) == 0 and len(test) == 2
    assert "validation" in notes[0]


def test_bad_split_sizes_are_refused(moons):
    with pytest.raises(ConfigError, match="test_size must be a number from 0.05 to 0.5"):
        split_indices(moons.y, test_size=0.9)
    with pytest.raises(DataError, match="cannot hold every class"):
        split_indices(np.array([0, 0, 1, 1, 2, 2]), test_size=0.1)


def test_scaling_and_imputation_are_learned_from_training_rows_only():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({
        "x": rng.normal(10, 3, size=n),
        "colour": rng.choice(["red", "green", "blue"], size=n).astype(object),
        "label": np.where(rng.uniform(size=n) < 0.2, "rare", "common"),
    })
    frame.loc[::17, "x"] = np.nan
    frame.loc[::23, "colour"] = np.nan
    data = dataset_from_table(frame)
    prepared = prepare(data, seed=0)
    raw_fit = frame["x"].to_numpy()[data.source_rows[prepared.fit_rows]]
    scaler = prepared.transformer.named_transformers_["numeric"][-1]
    imputer = prepared.transformer.named_transformers_["numeric"][0]
    assert imputer.statistics_[0] == pytest.approx(np.nanmedian(raw_fit))
    filled = np.where(np.isnan(raw_fit), np.nanmedian(raw_fit), raw_fit)
    assert scaler.mean_[0] == pytest.approx(filled.mean())
    assert prepared.feature_names == ["x", "colour_blue", "colour_green", "colour_red"]
    for X in (prepared.X_fit, prepared.X_val, prepared.X_test):
        assert X.dtype == np.float32 and not np.isnan(X).any()
    assert any("missing values were filled" in note for note in prepared.notes)
    sizes = len(prepared.fit_rows) + len(prepared.val_rows) + len(prepared.test_rows)
    assert sizes == n


def test_many_levels_are_capped_with_a_note():
    n = 400
    frame = pd.DataFrame({
        "city": [f"city{i % 60}" for i in range(n)],
        "label": ["a"] * 340 + ["b"] * 60,
    })
    prepared = prepare(dataset_from_table(frame), seed=0)
    assert prepared.n_features <= 21
    assert any("levels" in note for note in prepared.notes)
