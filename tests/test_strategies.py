import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from imbalance_core import STRATEGIES, ConfigError, get_strategy, resample
from imbalance_core.data.preprocessing import prepare
from imbalance_core.portable.steps import balanced_class_weight

KEYS = list(STRATEGIES)


def _counts(y):
    return {i: int(n) for i, n in enumerate(np.bincount(y))}


@pytest.fixture(scope="module", params=["moons", "wine"])
def prepared(request):
    return prepare(request.getfixturevalue(request.param), seed=0)


@pytest.mark.parametrize("key", KEYS)
def test_every_strategy_declares_itself_completely(key):
    strategy = STRATEGIES[key]
    assert strategy.key == key and strategy.label and strategy.description.endswith(".")
    for param in strategy.params:
        assert param.kind in {"int", "float", "choice", "bool"}
        assert param.help and param.label
        if param.kind in {"int", "float"}:
            assert param.low <= param.high
    defaults = strategy.resolve({}, {0: 90, 1: 10})
    assert set(defaults) == {p.name for p in strategy.params}


@pytest.mark.parametrize("key", KEYS)
def test_every_strategy_resamples_training_rows_only_and_marks_synthetic_rows(key, prepared):
    strategy = STRATEGIES[key]
    counts = _counts(prepared.y_fit)
    params = strategy.resolve({}, counts)
    out = resample(strategy, params, prepared.X_fit, prepared.y_fit, seed=0)
    assert out.n_original == len(prepared.y_fit)
    # the original rows are shared, not copied; only the new rows are held (a doubled large table is no copy)
    assert out.base is prepared.X_fit and len(out.new) == out.n_synthetic
    real = ~out.is_synthetic
    # every non-synthetic row is a copy of the training row it says it is
    np.testing.assert_array_equal(out.X[real], prepared.X_fit[out.source[real]])
    np.testing.assert_array_equal(out.y[real], prepared.y_fit[out.source[real]])
    new_counts = np.bincount(out.y, minlength=len(counts))
    if strategy.make_sampler is None:
        assert new_counts.tolist() == list(counts.values())
    if not strategy.creates_synthetic:
        assert out.n_synthetic == 0
    else:
        assert out.n_synthetic > 0
        # synthetic points stay inside the bounding box of their own class's training rows
        for c in np.unique(out.y[out.is_synthetic]):
            mine = prepared.X_fit[prepared.y_fit == c]
            synth = out.X[out.is_synthetic & (out.y == c)]
            assert (synth >= mine.min(axis=0) - 1e-5).all() and (synth <= mine.max(axis=0) + 1e-5).all()
    if not strategy.removes_rows:
        assert len(out.dropped) == 0
    else:
        assert len(out.dropped) == len(prepared.y_fit) - int(real.sum())
    # test rows never reach the sampler: nothing in the output equals a test row exactly
    # unless that row also exists in the training rows
    train_rows = {row.tobytes() for row in prepared.X_fit}
    for row in prepared.X_test:
        if row.tobytes() not in train_rows:
            assert not (out.X == row).all(axis=1).any()


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("random_oversampling", "all equal the largest"),
        ("smote", "all equal the largest"),
        ("borderline_smote", "all equal the largest"),
        ("cluster_oversampling", "all equal the largest"),
        ("random_undersampling", "all equal the smallest"),
        ("near_miss", "all equal the smallest"),
        ("ensemble", "all equal the smallest"),
        ("tomek_links", "only common rows removed"),
    ],
)
def test_class_counts_after_each_kind_of_resampling(key, rule, prepared):
    strategy = STRATEGIES[key]
    counts = np.bincount(prepared.y_fit)
    out = resample(strategy, strategy.resolve({}, _counts(prepared.y_fit)), prepared.X_fit, prepared.y_fit, seed=0)
    after = np.bincount(out.y, minlength=len(counts))
    if rule == "all equal the largest":
        assert set(after.tolist()) == {counts.max()}
    elif rule == "all equal the smallest":
        assert set(after.tolist()) == {counts.min()}
    else:
        rare = counts.argmin()
        assert after[rare] == counts[rare] and (after <= counts).all()


def test_cleaning_combinations_remove_rows_after_smote(moons):
    prepared = prepare(moons, seed=0)
    for key in ("smote_tomek", "smote_enn"):
        strategy = STRATEGIES[key]
        out = resample(strategy, strategy.resolve({}, _counts(prepared.y_fit)), prepared.X_fit, prepared.y_fit, seed=0)
        smote_only = resample(STRATEGIES["smote"], {"k_neighbors": 5}, prepared.X_fit, prepared.y_fit, seed=0)
        assert len(out.y) < len(smote_only.y)
        assert out.n_synthetic > 0


def test_cluster_oversampling_records_real_parents(moons):
    prepared = prepare(moons, seed=0)
    out = resample(STRATEGIES["cluster_oversampling"], {"n_clusters": 3, "k_neighbors": 5}, prepared.X_fit,
                   prepared.y_fit, seed=0)
    assert out.parents.shape == (out.n_synthetic, 2)
    assert (prepared.y_fit[out.parents] == 1).all()


def test_adasyn_on_separable_data_says_why_it_cannot_help():
    from imbalance_core import load_builtin

    prepared = prepare(load_builtin("article"), seed=0)
    with pytest.raises(ConfigError, match="ADASYN found no rare point with a common-class neighbour"):
        resample(STRATEGIES["adasyn"], {"n_neighbors": 5}, prepared.X_fit, prepared.y_fit, seed=0)


def test_smote_caps_k_to_the_smallest_class_with_a_note(moons):
    prepared = prepare(moons, seed=0)
    smallest = np.bincount(prepared.y_fit).min()
    tiny = prepared.y_fit.copy()
    rare_rows = np.flatnonzero(tiny == 1)[3:]
    keep = np.setdiff1d(np.arange(len(tiny)), rare_rows)
    out = resample(get_strategy("smote"), {"k_neighbors": 5}, prepared.X_fit[keep], tiny[keep], seed=0)
    assert smallest > 3
    assert out.notes == ["k_neighbors lowered from 5 to 2: the smallest class has only 3 training rows."]


def test_smote_refuses_a_class_with_one_training_row(moons):
    prepared = prepare(moons, seed=0)
    keep = np.concatenate([np.flatnonzero(prepared.y_fit == 0), np.flatnonzero(prepared.y_fit == 1)[:1]])
    with pytest.raises(ConfigError, match="at least 2 training rows .* class '1' has 1"):
        resample(get_strategy("smote"), {"k_neighbors": 5}, prepared.X_fit[keep], prepared.y_fit[keep],
                 seed=0, class_names={0: "0", 1: "1"})


def test_kmeans_smote_without_a_qualifying_cluster_says_what_to_change(moons):
    prepared = prepare(moons, seed=0)
    params = {"n_clusters": 2, "k_neighbors": 2, "cluster_balance_threshold": 0.95}
    with pytest.raises(ConfigError, match="Lower the cluster balance threshold"):
        resample(get_strategy("kmeans_smote"), params, prepared.X_fit, prepared.y_fit, seed=0)


def test_class_weights_are_sklearns_balanced_weights(moons):
    y = moons.y
    expected = compute_class_weight("balanced", classes=np.array([0, 1]), y=y)
    weights = balanced_class_weight(y, 2)
    assert weights == pytest.approx(tuple(expected))
    assert weights[1] > weights[0]
    assert balanced_class_weight(np.array([0, 0, 2]), 3)[1] == 1.0  # a class the rows lack keeps weight 1


def test_focal_alpha_defaults_to_the_majority_share():
    focal = get_strategy("focal_loss")
    assert focal.resolve({}, {0: 90, 1: 10}) == {"gamma": 2.0, "alpha": 0.9}
    assert focal.resolve({"alpha": 0.25}, {0: 90, 1: 10})["alpha"] == 0.25


def test_parameters_are_validated_against_their_declaration():
    smote = get_strategy("smote")
    with pytest.raises(ConfigError, match="has no parameter gamma"):
        smote.resolve({"gamma": 1})
    with pytest.raises(ConfigError, match="k_neighbors must be a whole number from 1 to 20; got 0"):
        smote.resolve({"k_neighbors": 0})
    with pytest.raises(ConfigError, match="unknown strategy 'magic'"):
        get_strategy("magic")


def test_every_sampler_combines_with_every_loss_or_weighting_without_hand_written_pairs():
    from imbalance_core.training.strategies import combinations, get_strategy

    samplers = [k for k, s in STRATEGIES.items() if s.make_sampler is not None]
    trainers = ["class_weight", "focal_loss"]
    assert sorted(combinations()) == sorted(f"{a}+{b}" for a in samplers for b in trainers)
    for key in combinations():
        combo = get_strategy(key)
        first, second = (STRATEGIES[k] for k in key.split("+"))
        assert combo.key == key and combo.make_sampler is first.make_sampler
        assert combo.make_loss is second.make_loss and combo.uses_class_weight == second.uses_class_weight
        assert [p.name for p in combo.params] == [p.name for p in first.params + second.params]
        assert combo.members_param == first.members_param
    # after a balancing sampler, focal alpha starts neutral; after a light clean-up it keeps the class shares
    assert get_strategy("smote+focal_loss").resolve({}, {0: 90, 1: 10})["alpha"] == 0.5
    assert get_strategy("tomek_links+focal_loss").resolve({}, {0: 90, 1: 10})["alpha"] == 0.9


@pytest.mark.parametrize("key, message", [
    ("focal_loss+smote", "does not resample the data"),
    ("smote+tomek_links", "does not change the loss or weights"),
    ("smote+nothing", "unknown strategy 'nothing'"),
])
def test_impossible_combinations_say_why(key, message):
    from imbalance_core.training.strategies import get_strategy

    with pytest.raises(ConfigError, match=message):
        get_strategy(key)


def _setting_values(param):
    """Every value a setting can take that changes behaviour: each choice, both booleans, both ends of a range."""
    if param.kind == "choice":
        return list(param.choices)
    if param.kind == "bool":
        return [False, True]
    return sorted({param.low, param.high})


SETTINGS = [(key, param.name, value) for key, strategy in STRATEGIES.items() for param in strategy.params
            for value in _setting_values(param)]


@pytest.mark.parametrize(("key", "name", "value"), SETTINGS, ids=[f"{k}-{n}={v}" for k, n, v in SETTINGS])
def test_every_value_of_every_strategy_setting_resamples_or_explains_itself(key, name, value, prepared):
    """Not only the defaults: each choice and each end of each range either works or is a ConfigError."""
    strategy = STRATEGIES[key]
    counts = _counts(prepared.y_fit)
    params = strategy.resolve({name: value}, counts)
    assert params[name] == value
    try:
        out = resample(strategy, params, prepared.X_fit, prepared.y_fit, seed=0)
    except ConfigError as exc:  # e.g. KMeans-SMOTE with a balance threshold of 1 finds no cluster
        assert str(exc) and "Traceback" not in str(exc)
        return
    assert len(out.y) == len(out.X) and np.isfinite(out.X).all()
    real = ~out.is_synthetic
    np.testing.assert_array_equal(out.X[real], prepared.X_fit[out.source[real]])
    if strategy.make_loss is not None:  # the focal settings the kernel trains with, and a finite loss with them
        from imbalance_core.portable.kernel import row_loss

        gamma, alpha = strategy.make_loss(params, counts, len(counts), [])
        assert gamma == params["gamma"] and (alpha == params["alpha"] if len(counts) == 2 else len(alpha) == len(counts))
        proba = np.full((4, len(counts)), 1.0 / len(counts), np.float32)
        labels = np.arange(4) % len(counts)
        assert np.isfinite(row_loss(labels, proba[:, 1:] if len(counts) == 2 else proba, n_classes=len(counts),
                                    focal=(gamma, alpha))).all()


@pytest.mark.parametrize("key", KEYS)
def test_every_strategy_refuses_settings_that_are_not_numbers(key):
    strategy = STRATEGIES[key]
    for param in strategy.params:
        if param.kind not in {"int", "float"}:
            continue
        for bad in [float("nan"), float("inf"), -float("inf"), "3", param.high + param.step, param.low - param.step]:
            with pytest.raises(ConfigError, match=param.name):
                strategy.resolve({param.name: bad}, {0: 90, 1: 10})


def test_a_strategy_name_is_parsed_not_evaluated():
    """600 chained 'smote+' used to end in a RecursionError; names are bounded and split once."""
    for name in ["smote+" * 600, "smote+smote+focal_loss", "+", "smote+", "x" * 81, "", "smote+focal_loss+"]:
        with pytest.raises(ConfigError):
            get_strategy(name)
    assert get_strategy(" smote + focal_loss ").key == "smote+focal_loss"
