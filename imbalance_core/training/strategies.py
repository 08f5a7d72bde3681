"""THE registry of strategies: how each one resamples, weights, changes the loss or ensembles.

A strategy is data: its parameters (type, range, default) drive the UI widgets, the CLI
flags and validation. Adding a strategy means adding one entry to ``STRATEGIES`` (the tests
parametrised over the registry check it on arrival).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

import numpy as np

from ..data.dataset import count_classes
from ..errors import ConfigError
from ..params import Param, resolve_params
from ..text import shorten

__all__ = ["COMBINE", "STRATEGIES", "SEED_STRATEGIES", "Strategy", "combinations", "combine", "focal_alphas",
           "get_strategy"]


def _counts(y: np.ndarray) -> dict[int, int]:
    """Rows per class among the classes ``y`` holds."""
    return {c: n for c, n in count_classes(y, int(np.max(y)) + 1).items() if n} if len(y) else {}


def _majority_share(class_counts: Mapping[Any, int]) -> float:
    return round(max(class_counts.values()) / sum(class_counts.values()), 2)


@dataclass(frozen=True)
class Strategy:
    """One way to deal with imbalance.

    Attributes
    ----------
    make_sampler : callable, optional
        ``(params, y, seed, notes, class_names) -> imblearn sampler or list of samplers`` (applied in
        order), for strategies that change the data.
    uses_class_weight : bool
        Pass inverse-frequency class weights to ``fit``.
    make_loss : callable, optional
        ``(params, class_counts, n_classes, notes) -> (gamma, alpha)``: the focal loss the kernel trains
        with (alpha one weight per class for more than two classes).
    members_param : str, optional
        Name of the parameter that sets how many networks an ensemble trains.
    creates_synthetic, removes_rows : bool
        What the sampler may do to the training rows (drawn differently on the boundary chart).
    balances : bool
        The sampler leaves every class (about) equally large.
    failures : tuple of (text, message)
        A sampler error containing ``text`` is reported to the user as ``message``.
    """

    key: str
    label: str
    description: str
    params: tuple[Param, ...] = ()
    make_sampler: Callable[..., Any] | None = None
    uses_class_weight: bool = False
    make_loss: Callable[..., Any] | None = None
    members_param: str | None = None
    creates_synthetic: bool = False
    removes_rows: bool = False
    balances: bool = False
    explainer: str = ""
    failures: tuple[tuple[str, str], ...] = ()

    def resolve(self, given: Mapping[str, Any] | None, class_counts: Mapping[Any, int] | None = None) -> dict:
        """Defaults filled in and every value checked."""
        return resolve_params(self.params, given, class_counts=class_counts, owner=f"strategy {self.key!r}")

    def n_members(self, params: Mapping[str, Any]) -> int:
        return int(params[self.members_param]) if self.members_param else 1

    @property
    def changes_data(self) -> bool:
        return self.make_sampler is not None

    @property
    def changes_training(self) -> bool:
        return self.make_loss is not None or self.uses_class_weight


# --------------------------------------------------------------------------- samplers

def _oversampled_minimum(y: np.ndarray, class_names: Mapping[int, str] | None, method: str) -> int:
    counts = _counts(y)
    majority = max(counts, key=counts.get)
    smallest = min((c for c in counts if c != majority), key=counts.get)
    n = counts[smallest]
    if n < 2:
        name = class_names.get(smallest, smallest) if class_names else smallest
        raise ConfigError(
            f"{method} needs at least 2 training rows of every class it oversamples; class {name!r} has {n}. "
            "Use random oversampling or class weights, or add rows of that class."
        )
    return n


def _capped_k(params, name: str, y, notes, class_names, method: str) -> int:
    """A neighbour count the smallest oversampled class can support, with a note when lowered."""
    smallest = _oversampled_minimum(y, class_names, method)
    k = params[name]
    if k > smallest - 1:
        notes.append(f"{name} lowered from {k} to {smallest - 1}: the smallest class has only {smallest} training rows.")
        k = smallest - 1
    return k


def _smote(params, y, seed, notes, class_names=None):
    from .samplers import (
        LineageSMOTE,  # imblearn's SMOTE, also recording each new point's parents
    )

    return LineageSMOTE(k_neighbors=_capped_k(params, "k_neighbors", y, notes, class_names, "SMOTE"), random_state=seed)


def _adasyn(params, y, seed, notes, class_names=None):
    from imblearn.over_sampling import ADASYN

    k = _capped_k(params, "n_neighbors", y, notes, class_names, "ADASYN")
    return ADASYN(n_neighbors=k, random_state=seed)


def _borderline(params, y, seed, notes, class_names=None):
    from imblearn.over_sampling import BorderlineSMOTE

    k = _capped_k(params, "k_neighbors", y, notes, class_names, "Borderline-SMOTE")
    m = params["m_neighbors"]
    if m > len(y) - 1:  # the border test looks at neighbours among all training rows
        notes.append(f"m_neighbors lowered from {m} to {len(y) - 1}: there are only {len(y)} training rows.")
        m = len(y) - 1
    return BorderlineSMOTE(k_neighbors=k, m_neighbors=m, kind=params["kind"], random_state=seed)


def _smote_tomek(params, y, seed, notes, class_names=None):
    from imblearn.under_sampling import TomekLinks

    # what imblearn's SMOTETomek does, as two steps so synthetic and removed rows stay traceable
    return [_smote(params, y, seed, notes, class_names), TomekLinks(sampling_strategy="all")]


def _smote_enn(params, y, seed, notes, class_names=None):
    from imblearn.under_sampling import EditedNearestNeighbours

    # what imblearn's SMOTEENN does, as two steps so synthetic and removed rows stay traceable
    return [_smote(params, y, seed, notes, class_names), EditedNearestNeighbours(sampling_strategy="all")]


def _tomek(params, y, seed, notes, class_names=None):
    from imblearn.under_sampling import TomekLinks

    return TomekLinks()


def _near_miss(params, y, seed, notes, class_names=None):
    from imblearn.under_sampling import NearMiss

    smallest = min(_counts(y).values())
    k = params["n_neighbors"]
    if k > smallest:  # distances are measured to the rare class's rows
        notes.append(f"n_neighbors lowered from {k} to {smallest}: the smallest class has only {smallest} training rows.")
        k = smallest
    return NearMiss(version=params["version"], n_neighbors=k, n_neighbors_ver3=k)


def _cluster(params, y, seed, notes, class_names=None):
    from .samplers import ClusterOversampler

    _oversampled_minimum(y, class_names, "Cluster oversampling")
    return ClusterOversampler(n_clusters=params["n_clusters"], k_neighbors=params["k_neighbors"], random_state=seed)


def _kmeans_smote(params, y, seed, notes, class_names=None):
    from imblearn.over_sampling import KMeansSMOTE
    from sklearn.cluster import KMeans

    _oversampled_minimum(y, class_names, "KMeans-SMOTE")
    n_clusters = min(params["n_clusters"], len(y))
    return KMeansSMOTE(
        k_neighbors=params["k_neighbors"],
        kmeans_estimator=KMeans(n_clusters=n_clusters, n_init=10, random_state=seed),
        cluster_balance_threshold=params["cluster_balance_threshold"],
        random_state=seed,
    )


def _random_over(params, y, seed, notes, class_names=None):
    from imblearn.over_sampling import RandomOverSampler

    return RandomOverSampler(random_state=seed)


def _random_under(params, y, seed, notes, class_names=None):
    from imblearn.under_sampling import RandomUnderSampler

    return RandomUnderSampler(random_state=seed)


# --------------------------------------------------------------------------- losses

def _focal(params, class_counts: Mapping[int, int], n_classes: int, notes: list[str]):
    """Focal loss settings for the kernel: ``(gamma, alpha)``; alpha is one weight per class for more than two."""
    if n_classes == 2:
        return float(params["gamma"]), float(params["alpha"])
    inverse = np.array([1.0 / max(1, class_counts[c]) for c in range(n_classes)])
    notes.append("Multi-class data: each class's focal alpha comes from its inverse frequency "
                 "(the alpha setting applies to two-class data).")
    return float(params["gamma"]), tuple(float(a) for a in inverse / inverse.sum())


def focal_alphas(params: Mapping[str, Any], class_counts: Mapping[int, int], n_classes: int) -> tuple[float, ...]:
    """The focal alpha of each class a run with ``params`` uses on rows with ``class_counts``: ``1 - alpha`` and
    ``alpha`` for two classes, inverse frequencies for more."""
    _, alpha = _focal(params, class_counts, n_classes, [])
    return (1.0 - alpha, alpha) if n_classes == 2 else tuple(alpha)


_ADASYN_SEPARABLE = (
    "ADASYN found no rare point with a common-class neighbour: the classes are already separated here, so it has "
    "nowhere to focus. Use SMOTE, or a noisier data set."
)

_K = Param("k_neighbors", "int", 5, "k neighbours", "How many nearest same-class neighbours a new point may be interpolated towards.", low=1, high=20, step=1)

STRATEGIES: dict[str, Strategy] = {
    s.key: s
    for s in [
        Strategy("none", "No treatment", "The baseline: train on the data as it is."),
        Strategy(
            "random_oversampling", "Random oversampling",
            "Duplicate random rows of the rare classes until every class is as large as the largest.",
            make_sampler=_random_over, balances=True,
        ),
        Strategy(
            "random_undersampling", "Random undersampling",
            "Drop random rows of the common classes until every class is as small as the smallest.",
            make_sampler=_random_under, removes_rows=True, balances=True,
        ),
        Strategy(
            "smote", "SMOTE",
            "Create new rare-class points on the line between a rare point and one of its rare neighbours.",
            params=(_K,), make_sampler=_smote, creates_synthetic=True, balances=True,
        ),
        Strategy(
            "cluster_oversampling", "Cluster-based oversampling",
            "Find clusters inside each rare class with k-means, then interpolate only within a cluster, evenly across clusters.",
            params=(
                Param("n_clusters", "int", 3, "Clusters per class", "How many k-means clusters to look for inside each rare class.", low=1, high=20, step=1),
                _K,
            ),
            make_sampler=_cluster, creates_synthetic=True, balances=True,
        ),
        Strategy(
            "kmeans_smote", "KMeans-SMOTE",
            "Cluster all the data, then apply SMOTE only in clusters where the rare class is common enough.",
            params=(
                Param("n_clusters", "int", 8, "Clusters", "How many k-means clusters to split the whole training set into.", low=2, high=50, step=1),
                Param("k_neighbors", "int", 2, "k neighbours", "Neighbours used by SMOTE inside a cluster.", low=1, high=20, step=1),
                Param(
                    "cluster_balance_threshold", "float", 0.1, "Cluster balance threshold",
                    "A cluster is oversampled only if at least this share of its points belong to the rare class.",
                    low=0.0, high=1.0, step=0.05,
                ),
            ),
            make_sampler=_kmeans_smote, creates_synthetic=True, balances=True,
            failures=(("No clusters found", "KMeans-SMOTE found no cluster where the rare class is common enough. "
                                            "Lower the cluster balance threshold or use more clusters."),),
        ),
        Strategy(
            "adasyn", "ADASYN",
            "Like SMOTE, but create more new points where rare points are surrounded by the common class.",
            params=(Param("n_neighbors", "int", 5, "Neighbours", "How many neighbours judge how hard a rare point is.",
                          low=1, high=20, step=1),),
            make_sampler=_adasyn, creates_synthetic=True, balances=True,
            failures=(
                ("Not any neigbours belong to the majority", _ADASYN_SEPARABLE),
                ("No samples will be generated", _ADASYN_SEPARABLE),
            ),
        ),
        Strategy(
            "borderline_smote", "Borderline-SMOTE",
            "SMOTE only from rare points near the border, where most neighbours belong to another class.",
            params=(
                _K,
                Param("m_neighbors", "int", 10, "Border neighbours",
                      "How many neighbours decide whether a rare point is on the border.", low=2, high=30, step=1),
                Param("kind", "choice", "borderline-1", "Variant",
                      "borderline-1 interpolates towards rare neighbours; borderline-2 also towards common ones.",
                      choices=("borderline-1", "borderline-2")),
            ),
            make_sampler=_borderline, creates_synthetic=True, balances=True,
        ),
        Strategy(
            "smote_tomek", "SMOTE + Tomek links",
            "SMOTE, then remove both points of every Tomek link (closest pairs from different classes) to clean the border.",
            params=(_K,), make_sampler=_smote_tomek, creates_synthetic=True, removes_rows=True, balances=True,
        ),
        Strategy(
            "smote_enn", "SMOTE + ENN",
            "SMOTE, then remove every point whose nearest neighbours mostly disagree with its class (Edited Nearest Neighbours).",
            params=(_K,), make_sampler=_smote_enn, creates_synthetic=True, removes_rows=True, balances=True,
        ),
        Strategy(
            "tomek_links", "Tomek links",
            "Remove common-class points that form a Tomek link with a rare point: a light clean-up of the border, not a balance.",
            make_sampler=_tomek, removes_rows=True,
        ),
        Strategy(
            "near_miss", "NearMiss",
            "Undersample the common classes, keeping the points nearest to the rare class (version 1, 2 or 3).",
            params=(
                Param("version", "choice", 1, "Version", "1: nearest to a few rare points; 2: nearest to the "
                      "farthest rare points; 3: a fixed number of neighbours around each rare point.", choices=(1, 2, 3)),
                Param("n_neighbors", "int", 3, "Neighbours", "Neighbours used to measure closeness.", low=1, high=20, step=1),
            ),
            make_sampler=_near_miss, removes_rows=True, balances=True,
        ),
        Strategy(
            "class_weight", "Class weighting",
            "Keep the data; make each error on a rare class cost more, in inverse proportion to its frequency.",
            uses_class_weight=True,
        ),
        Strategy(
            "focal_loss", "Focal loss",
            "Down-weight examples the network already gets right (gamma) and weight the classes (alpha).",
            params=(
                Param("gamma", "float", 2.0, "gamma (focus)", "0 gives plain cross-entropy; larger values ignore easy examples more.", low=0.0, high=5.0, step=0.25),
                Param(
                    "alpha", "float", None, "alpha (weight of the positive class)",
                    "Above 0.5 the rare positive class weighs more. The default is the majority's share of the training rows. "
                    "The focal-loss paper's 0.25 down-weights positives. For multi-class data each class gets an alpha from its inverse frequency instead.",
                    low=0.0, high=1.0, step=0.01, default_from=_majority_share, binary_only=True,
                ),
            ),
            make_loss=_focal,
            explainer=(
                "alpha is the weight of the positive (rare) class: above 0.5 it counts more. The focal-loss paper's "
                "0.25 does the opposite and down-weights positives; that suits object detection, where gamma already "
                "tames the flood of easy negatives, not a rare class you want found."
            ),
        ),
        Strategy(
            "ensemble", "Balanced ensemble",
            "Train several networks, each on every rare row plus a different random draw of the common rows; average their predictions.",
            params=(Param("n_members", "int", 5, "Networks", "How many networks, each on its own balanced subsample.", low=2, high=15, step=1),),
            make_sampler=_random_under, members_param="n_members", removes_rows=True, balances=True,
        ),
    ]
}


COMBINE = "+"
# the strategies the app was founded on (the article's): the compare page and the CLI's comparisons start with these
SEED_STRATEGIES = ("none", "random_oversampling", "random_undersampling", "smote", "cluster_oversampling",
                   "class_weight", "focal_loss", "ensemble")


def combine(data_key: str, training_key: str) -> Strategy:
    """A sampler strategy followed by a loss or weighting strategy, e.g. ``combine("smote", "focal_loss")``.

    The pair is built from the two registry entries: the first one's sampler (and ensemble size),
    the second one's loss or class weights, and both sets of parameters. Class weights are then
    computed on the resampled rows; a focal alpha that would default to the class shares defaults
    to the neutral 0.5 after a sampler that balances the classes.
    """
    first, second = get_strategy(data_key), get_strategy(training_key)
    if not first.changes_data or first.changes_training:
        raise ConfigError(f"{first.label} does not resample the data, so it cannot start a combination; "
                          f"start with one of: {', '.join(k for k, s in STRATEGIES.items() if s.changes_data)}")
    if not second.changes_training or second.changes_data:
        raise ConfigError(f"{second.label} does not change the loss or weights, so it cannot follow a sampler; "
                          f"use one of: {', '.join(k for k, s in STRATEGIES.items() if s.changes_training)}")
    clash = {p.name for p in first.params} & {p.name for p in second.params}
    if clash:  # pragma: no cover - guarded by a registry test
        raise ConfigError(f"{first.label} and {second.label} both have a setting named {', '.join(sorted(clash))}")
    training_params = tuple(
        replace(p, default=0.5, default_from=None,
                help=p.help + f" After {first.label} the classes are balanced, so it starts at the neutral 0.5.")
        if first.balances and p.default_from is not None else p
        for p in second.params
    )
    return replace(
        first,
        key=f"{first.key}{COMBINE}{second.key}",
        label=f"{first.label} + {second.label.lower() if second.label[1:].islower() else second.label}",
        description=f"{first.description} Then train on the result with {second.label.lower()}.",
        params=first.params + training_params,
        uses_class_weight=second.uses_class_weight,
        make_loss=second.make_loss,
        explainer=second.explainer,
    )


def combinations() -> list[str]:
    """Every sampler + loss/weights pair ``get_strategy`` accepts, e.g. ``"smote+focal_loss"``."""
    return [f"{a}{COMBINE}{b}" for a, s in STRATEGIES.items() if s.changes_data and not s.changes_training
            for b, t in STRATEGIES.items() if t.changes_training and not t.changes_data]


MAX_KEY_CHARS = 80  # the longest combination name is well under this


def get_strategy(key: str) -> Strategy:
    """A registry entry, or a combination written ``"<sampler>+<loss or weights>"``.

    The name is parsed, not evaluated: at most one ``+``, each side a registry key.
    """
    if not isinstance(key, str) or not key.strip():
        raise ConfigError(f"a strategy name is needed; choose one of: {', '.join(STRATEGIES)}")
    if len(key) > MAX_KEY_CHARS:
        raise ConfigError(f"a strategy name has at most {MAX_KEY_CHARS} characters; got {len(key):,} "
                          f"({shorten(key, 30)!r}). Choose one of: {', '.join(STRATEGIES)}")
    parts = [part.strip() for part in key.split(COMBINE)]
    if len(parts) > 2:
        raise ConfigError(f"a combination is one sampler and one loss or weighting joined by '{COMBINE}' "
                          f"(e.g. smote{COMBINE}focal_loss); got {len(parts)} parts in {shorten(key, 30)!r}")
    if len(parts) == 2:
        for part in parts:
            if part not in STRATEGIES:
                raise ConfigError(f"unknown strategy {shorten(part)!r} in {shorten(key)!r}; "
                                  f"choose from: {', '.join(STRATEGIES)}")
        return combine(*parts)
    if key not in STRATEGIES:
        raise ConfigError(f"unknown strategy {shorten(key)!r}; choose one of: {', '.join(STRATEGIES)}, "
                          f"or a sampler and a loss joined by '{COMBINE}' (e.g. smote{COMBINE}focal_loss)")
    return STRATEGIES[key]
