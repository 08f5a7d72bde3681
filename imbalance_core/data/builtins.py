"""Built-in data sets: toy shapes generated with adjustable imbalance, and real tables that ship with scikit-learn.

Everything here works offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..errors import DataError
from ..params import Param, resolve_params
from .dataset import Dataset

__all__ = ["BUILTIN_DATASETS", "BuiltinDataset", "load_builtin"]


def _toy_dataset(
    name: str,
    make_balanced: Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]],
    n_samples: int,
    imbalance_ratio: float,
    noise: float,
    seed: int,
) -> Dataset:
    rng = np.random.default_rng(seed)
    n_minority = max(4, int(round(n_samples / (imbalance_ratio + 1.0))))
    n_majority = max(n_minority, n_samples - n_minority)
    X, y = make_balanced(n_majority, noise, rng)
    majority = np.flatnonzero(y == 0)
    minority = rng.choice(np.flatnonzero(y == 1), size=n_minority, replace=False)
    keep = rng.permutation(np.concatenate([majority, minority]))
    features = pd.DataFrame(X[keep].astype(np.float64), columns=["x1", "x2"])
    labels = y[keep].astype(str).astype(object)
    ratio_text = f"{n_majority}:{n_minority}"
    return Dataset(
        name=name,
        features=features,
        labels=np.asarray(labels, dtype=object),
        classes=["0", "1"],
        positive_class="1",
        description=f"{name}: {n_majority + n_minority} points, majority:minority = {ratio_text}",
    )


def _moons(n: int, noise: float, rng: np.random.Generator):
    from sklearn.datasets import make_moons

    return make_moons(n_samples=(n, n), noise=noise, random_state=int(rng.integers(2**31)))


def _circles(n: int, noise: float, rng: np.random.Generator):
    from sklearn.datasets import make_circles

    # the inner circle (label 1) is the rare class
    return make_circles(n_samples=(n, n), noise=noise * 0.5, factor=0.5, random_state=int(rng.integers(2**31)))


def _blobs(n: int, noise: float, rng: np.random.Generator):
    from sklearn.datasets import make_blobs

    return make_blobs(
        n_samples=[n, n],
        centers=[[-1.0, -1.0], [1.0, 1.0]],
        cluster_std=0.4 + 2.0 * noise,
        random_state=int(rng.integers(2**31)),
    )


def _xor(n: int, noise: float, rng: np.random.Generator):
    X = np.empty((2 * n, 2))
    y = np.repeat([0, 1], n)
    # quadrants 1 and 3 hold class 0, quadrants 2 and 4 class 1
    for label, signs in ((0, [(1, 1), (-1, -1)]), (1, [(1, -1), (-1, 1)])):
        rows = np.flatnonzero(y == label)
        quadrant = rng.integers(0, 2, size=rows.size)
        magnitude = rng.uniform(0.05, 1.0, size=(rows.size, 2))
        sign = np.array(signs, dtype=float)[quadrant]
        X[rows] = magnitude * sign
    X += rng.normal(0.0, noise * 0.5, size=X.shape)
    return X, y


def _spiral(n: int, noise: float, rng: np.random.Generator):
    t = np.sqrt(rng.uniform(0.02, 1.0, size=2 * n)) * 3.0 * np.pi
    y = np.repeat([0, 1], n)
    angle = t + np.pi * y
    radius = t / (3.0 * np.pi)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += rng.normal(0.0, noise * 0.15, size=X.shape)
    return X, y


def _toy_params(noise: float) -> tuple[Param, ...]:
    return (
        Param("n_samples", "int", 600, "Points", "How many points in all.", low=40, high=5000, step=20),
        Param(
            "imbalance_ratio", "float", 10.0, "Imbalance (majority : minority)",
            "How many majority points there are for each minority point.", low=1.0, high=100.0, step=1.0,
        ),
        Param("noise", "float", noise, "Noise", "How much the classes blur into each other.", low=0.0, high=1.0, step=0.05),
        Param("seed", "int", 0, "Data seed", "Same seed, same points.", low=0, high=100_000, step=1),
    )


def _article_example() -> Dataset:
    X = np.array([[1, 2], [1, 3], [2, 1], [8, 7], [7, 8], [8, 9], [9, 8], [7, 9]], dtype=float)
    y = np.array(["0", "0", "0", "1", "1", "1", "1", "1"], dtype=object)
    return Dataset(
        name="Article's 8 points",
        features=pd.DataFrame(X, columns=["x1", "x2"]),
        labels=y,
        classes=["1", "0"],
        positive_class="0",
        description="The 8-point example from the article: 3 points of class 0 (the rare class), 5 of class 1.",
    )


def _breast_cancer() -> Dataset:
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    names = np.asarray(bunch.target_names)[bunch.target.to_numpy()].astype(object)
    return Dataset(
        name="Breast cancer (Wisconsin)",
        features=bunch.data,
        labels=names,
        classes=["benign", "malignant"],
        positive_class="malignant",
        description="569 tumours, 30 measurements each; 212 malignant (positive) vs 357 benign.",
    )


def _digits_one_vs_rest(digit: int) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits(as_frame=True)
    positive = f"digit {digit}"
    labels = np.where(bunch.target.to_numpy() == digit, positive, "other digits").astype(object)
    return Dataset(
        name=f"Digits: {digit} vs the rest",
        features=bunch.data,
        labels=labels,
        classes=["other digits", positive],
        positive_class=positive,
        description=f"8x8 handwritten digits (64 pixels); the digit {digit} (~10 %) against all other digits.",
    )


def _thinned_rows(target: np.ndarray, keep_counts: Mapping[int, int], seed: int) -> np.ndarray:
    """Sorted row positions keeping ``keep_counts[c]`` random rows of each class ``c``."""
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate([
        rng.choice(np.flatnonzero(target == c), size=n, replace=False) for c, n in keep_counts.items()
    ]))


WINE_FEATURES = ["alcohol", "malic_acid", "color_intensity"]  # three of the 13: the cultivars overlap in them


def _wine_thinned(seed: int) -> Dataset:
    from sklearn.datasets import load_wine

    bunch = load_wine(as_frame=True)
    target = bunch.target.to_numpy()
    keep = _thinned_rows(target, {0: 24, 1: 71, 2: 10}, seed)
    labels = np.asarray(bunch.target_names)[target[keep]].astype(object)
    return Dataset(
        name="Wine (thinned, 3 classes)",
        features=bunch.data.iloc[keep][WINE_FEATURES],
        labels=labels,
        classes=["class_0", "class_1", "class_2"],
        positive_class="class_2",
        source_rows=keep,
        description="Wine cultivars by alcohol, malic acid and colour intensity (3 of the 13 measurements, where the "
                    "cultivars overlap), thinned to 24 / 71 / 10 rows: untreated, the network misses most of a rare "
                    "class.",
    )


DIGITS_KEPT = {3: 170, 5: 40, 8: 20, 9: 12}  # look-alike digits; the last three rare


def _digits_thinned(seed: int) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    target = bunch.target
    keep = _thinned_rows(target, DIGITS_KEPT, seed)
    # 4x4 pixels (each the mean of a 2x2 block of the 8x8 image): coarse enough that 3, 5, 8 and 9 blur together
    pixels = bunch.images[keep].reshape(len(keep), 4, 2, 4, 2).mean(axis=(2, 4)).reshape(len(keep), 16)
    labels = np.array([f"digit {d}" for d in target[keep]], dtype=object)
    return Dataset(
        name="Digits 3 / 5 / 8 / 9 (thinned, 4x4 pixels)",
        features=pd.DataFrame(pixels, columns=[f"pixel_{r}_{c}" for r in range(4) for c in range(4)]),
        labels=labels,
        classes=[f"digit {d}" for d in DIGITS_KEPT],
        positive_class="digit 9",
        source_rows=keep,
        description="Handwritten look-alike digits 3, 5, 8 and 9 at 4x4 pixels, thinned to 170 / 40 / 20 / 12 rows: "
                    "the rare ones get confused with each other and with the 3s.",
    )


@dataclass(frozen=True)
class BuiltinDataset:
    """A data set that ships with the app: a label, what it shows, its parameters, a loader."""

    key: str
    label: str
    description: str
    params: tuple[Param, ...]
    loader: Callable[..., Dataset]

    def load(self, **params: Any) -> Dataset:
        values = resolve_params(self.params, params, owner=f"data set {self.key!r}")
        return self.loader(**values)


def _toy(key: str, label: str, description: str, generator, noise: float) -> BuiltinDataset:
    return BuiltinDataset(
        key, label, description, _toy_params(noise),
        lambda n_samples, imbalance_ratio, noise, seed: _toy_dataset(
            label, generator, n_samples, imbalance_ratio, noise, seed
        ),
    )


BUILTIN_DATASETS: dict[str, BuiltinDataset] = {
    d.key: d
    for d in [
        _toy("moons", "Moons", "Two interleaving half-moons; the lower moon is the rare class.", _moons, 0.35),
        _toy("circles", "Circles", "A rare inner circle inside a common outer ring.", _circles, 0.2),
        _toy("blobs", "Gaussian blobs", "Two overlapping Gaussian clouds.", _blobs, 0.2),
        _toy("xor", "XOR", "Four quadrants; the rare class sits in two opposite ones.", _xor, 0.2),
        _toy("spiral", "Spiral", "Two interleaved spiral arms; the rare arm is thinly sampled.", _spiral, 0.2),
        BuiltinDataset(
            "article", "Article's 8 points", "The tiny example from the article the app is built around.",
            (), _article_example,
        ),
        BuiltinDataset(
            "breast_cancer", "Breast cancer", "Real data (scikit-learn): 30 features, 37 % malignant.",
            (), _breast_cancer,
        ),
        BuiltinDataset(
            "digits_vs_rest", "Digits: one vs rest", "Real data (scikit-learn): 64 pixels, one digit (~10 %) vs the rest.",
            (Param("digit", "int", 3, "Rare digit", "The digit that forms the rare class.", low=0, high=9, step=1),),
            _digits_one_vs_rest,
        ),
        BuiltinDataset(
            "wine_thinned", "Wine (3 classes, thinned)", "Real data (scikit-learn): 3 overlapping measurements, multi-class with two rare classes.",
            (Param("seed", "int", 0, "Thinning seed", "Which rows are kept when thinning.", low=0, high=100_000, step=1),),
            _wine_thinned,
        ),
        BuiltinDataset(
            "digits_thinned", "Digits 3/5/8/9 (4 classes, thinned)",
            "Real data (scikit-learn): multi-class look-alike digits at 4x4 pixels, three of them rare.",
            (Param("seed", "int", 0, "Thinning seed", "Which rows are kept when thinning.", low=0, high=100_000, step=1),),
            _digits_thinned,
        ),
    ]
}


def load_builtin(key: str, **params: Any) -> Dataset:
    """Load a built-in data set by key, e.g. ``load_builtin("moons", imbalance_ratio=20)``."""
    if key not in BUILTIN_DATASETS:
        raise DataError(f"unknown built-in data set {key!r}; choose one of: {', '.join(BUILTIN_DATASETS)}")
    return BUILTIN_DATASETS[key].load(**params)

