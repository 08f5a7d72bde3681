"""Built-in data sets, reading uploaded tables, and turning a table into a ``Dataset``.

Everything here works offline: toy sets are generated, real sets ship with scikit-learn.
Nothing is fitted here; imputation, encoding and scaling are fitted on the training split
in :mod:`imbalance_core.preprocessing`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import DataError
from .params import Param, resolve_params
from .text import MAX_NAME_CHARS, shorten

__all__ = [
    "BUILTIN_DATASETS",
    "BuiltinDataset",
    "Dataset",
    "MAX_CLASSES",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "dataset_from_table",
    "load_builtin",
    "read_table",
]

MAX_ROWS = 2_000_000
MAX_COLUMNS = 300
MAX_FILE_BYTES = 1024 * 1024 * 1024  # 1 GB of CSV (Streamlit's upload limit is set to the same)
# a table is refused when its estimated in-memory size, times the copies the app keeps of it (the parsed table,
# the data set's float32 features, the training workers' copy), is more than this share of the memory free
MEMORY_SHARE = 0.6
TABLE_COPIES = 3
MAX_CLASSES = 20
MAX_DATASET_NAME_CHARS = 120  # a file name shown as the data set's name
MISSING_MARKERS = ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "NULL", "null", "<null>", "None", "none", "?", "#N/A", "missing"]


@dataclass
class Dataset:
    """Raw features plus class labels, ready to be split.

    Attributes
    ----------
    name : str
    features : pandas.DataFrame
        Raw feature columns (numeric and/or categorical, may hold missing values).
    labels : numpy.ndarray of str
        The class label of each row.
    classes : list of str
        Class order used for encoding. For binary data the positive class is last,
        so that ``y == 1`` means "positive".
    positive_class : str
        The class binary metrics are about (default: the rarest class).
    source_rows : numpy.ndarray of int
        0-based position of each row in the source (file data rows or generated set).
    notes : list of str
        Things done to the data that the user should know about.
    """

    name: str
    features: pd.DataFrame
    labels: np.ndarray
    classes: list[str]
    positive_class: str
    target: str = "target"
    source_rows: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    description: str = ""

    def __post_init__(self) -> None:
        if self.source_rows is None:
            self.source_rows = np.arange(len(self.labels))
        self.features = self.features.reset_index(drop=True)

    # A data set is not changed once made (the app shares one object per table between sessions), so what is
    # derived from its labels is computed once: on a large table each is a pass over every row.
    @cached_property
    def y(self) -> np.ndarray:
        """Labels encoded as integers in ``classes`` order (read-only)."""
        codes = pd.Categorical(self.labels, categories=self.classes).codes.astype(np.int64)
        codes.setflags(write=False)
        return codes

    @property
    def is_binary(self) -> bool:
        return len(self.classes) == 2

    @property
    def positive_index(self) -> int:
        return self.classes.index(self.positive_class)

    @cached_property
    def _class_counts(self) -> dict[str, int]:
        values, counts = np.unique(self.labels, return_counts=True)
        found = dict(zip(values.tolist(), counts.tolist()))
        return {c: int(found.get(c, 0)) for c in self.classes}

    @property
    def class_counts(self) -> dict[str, int]:
        return dict(self._class_counts)

    @property
    def imbalance_ratio(self) -> float:
        counts = list(self.class_counts.values())
        return max(counts) / max(1, min(counts))

    @property
    def n_features(self) -> int:
        return self.features.shape[1]


# --------------------------------------------------------------------------- built-ins

def _natural_key(label: str) -> tuple:
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)


def _order_classes(labels: np.ndarray, positive_class: str | None) -> tuple[list[str], str]:
    values, counts = np.unique(labels, return_counts=True)
    classes = sorted(values.tolist(), key=_natural_key)
    if positive_class is None:
        # rarest class; ties go to the later class in natural order (usually "1")
        rarest = min(zip(counts.tolist(), [-classes.index(v) for v in values.tolist()], values.tolist()))
        positive_class = rarest[2]
    if len(classes) == 2:
        classes = [c for c in classes if c != positive_class] + [positive_class]
    return classes, positive_class


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


# --------------------------------------------------------------------------- uploaded tables

HEAD_BYTES = 1 << 16  # what is looked at to sniff the separator and recognise other formats


def _encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM) when every byte decodes as UTF-8, else Latin-1 (which reads any byte).

    Checked in 1 MB steps, so no second copy of a large file is made just to find its encoding.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    try:
        for start in range(0, len(raw), 1 << 20):
            decoder.decode(view[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8-sig"


def _size_text(n_bytes: int) -> str:
    """Bytes as megabytes, the unit Streamlit's upload limit uses (1 MB = 1024 x 1024 bytes)."""
    megabytes = n_bytes / 2**20
    whole = megabytes >= 100 or round(megabytes, 1).is_integer()
    return f"{megabytes:,.0f} MB" if whole else f"{megabytes:,.1f} MB"


def _too_large(label: str, size: str) -> DataError:
    return DataError(f"{label} is {size}; the limit is {_size_text(MAX_FILE_BYTES)}. "
                     "Use a sample of the rows, or keep only the columns that matter.")


def _inflate(raw: bytes, label: str) -> bytes:
    """Decompress gzip data, streaming, and stop as soon as it grows past the limit.

    A small file can inflate to gigabytes (a "gzip bomb"): it is refused after at most the limit
    (plus one 1 MB step) was decompressed, and only what is kept is held in memory.
    """
    parts, total = [], 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            while part := stream.read(1 << 20):
                total += len(part)
                if total > MAX_FILE_BYTES:
                    parts.clear()
                    raise _too_large(label, f"more than {_size_text(MAX_FILE_BYTES)} once decompressed")
                parts.append(part)
    except (OSError, EOFError, zlib.error):
        raise DataError(f"{label} looks gzip-compressed but could not be decompressed; it may be truncated.") from None
    return b"".join(parts)


def _looks_like_json(text: str) -> bool:
    """A JSON document or JSON lines, as opposed to a CSV whose first header starts with ``[`` or ``{``."""
    try:
        json.loads(text)
        return True
    except ValueError:
        pass
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return isinstance(json.loads(first), (dict, list))
    except ValueError:
        return False


def read_table(data: bytes | str, *, filename: str = "") -> pd.DataFrame:
    """Read a CSV-like table (or a Parquet file) from bytes (or a path) into a DataFrame of raw values.

    Handles comma / semicolon / tab / pipe separators (sniffed), UTF-8 with or without BOM,
    a Latin-1 fallback, gzip compression (decompressed in a stream that stops at the size limit)
    and the usual missing-value markers. Column names longer than ``MAX_NAME_CHARS`` are refused.

    Raises
    ------
    DataError
        With a message written for the user when the input is not a usable table.
    """
    if isinstance(data, str):
        filename = filename or data
        label = f"{shorten(os.path.basename(filename), 80)!r}"
        try:
            size = os.path.getsize(data)
            with open(data, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise DataError(f"Cannot open {shorten(data, 120)!r}: {exc.strerror or exc}.") from None
        if len(data) > MAX_FILE_BYTES:
            raise _too_large(label, _size_text(max(size, len(data))))
    raw = bytes(data)
    label = f"{shorten(filename, 80)!r}" if filename else "The file"
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(label, _size_text(len(raw)))
    if raw[:4] == b"PAR1":
        return _checked_frame(_read_parquet(raw, label), label)
    if raw[:2] == b"\x1f\x8b":
        raw = _inflate(raw, label)
    if not raw or raw.isspace():
        raise DataError(f"{label} is empty. Upload a CSV with a header row and at least a few data rows.")
    if raw[:4] == b"PK\x03\x04":
        raise DataError(f"{label} is a zip archive (or an Excel workbook), not a CSV. Extract or export it as CSV first.")
    if b"\x00" in raw[:8192]:
        raise DataError(f"{label} is a binary file, not a text table. Upload a CSV (comma, semicolon or tab separated).")
    encoding = _encoding(raw)
    head = raw[:HEAD_BYTES].decode(encoding, errors="ignore")  # a character cut at the end is dropped
    # rows: an upper bound from the line breaks (a quoted cell may hold one); columns: the header's separators
    _check_memory(label, raw.count(b"\n"), max(1, max(head.split("\n", 1)[0].count(sep) for sep in ",;\t|") + 1),
                  about=True)
    if head.lstrip()[:1] in ("{", "[") and _looks_like_json(raw.decode(encoding).lstrip()):
        raise DataError(f"{label} looks like JSON, not a CSV table. Export the data as CSV with one row per example.")
    lines = [line for line in head.splitlines() if line.strip()]
    if len(raw) > HEAD_BYTES:
        lines = lines[:-1]  # the last line of the head may be cut short
    elif len(lines) < 2:
        raise DataError(f"{label} has a header row but no data rows. Add rows of data below the header.")
    sample = "\n".join(lines[:50])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = pd.read_csv(
            io.BytesIO(raw),
            encoding=encoding,
            sep=delimiter,
            na_values=MISSING_MARKERS,
            keep_default_na=True,
            skipinitialspace=True,
            skip_blank_lines=True,
            low_memory=False,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise DataError(f"{label} could not be read as a table ({first}). Check that every row has the same number of separators.") from None
    return _checked_frame(frame, label)


def free_memory_bytes() -> int:
    """Memory the system can still give (MemAvailable; the physical pages free where /proc is missing)."""
    try:
        for line in open("/proc/meminfo", encoding="ascii"):
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _check_memory(label: str, rows: int, columns: int, *, about: bool) -> None:
    """Refuse, before parsing, a table that would not fit in memory the way pandas holds it: 8 bytes per cell
    (numbers as float64; text columns take more), for the parsed table and the copies the app makes of it."""
    needed = rows * columns * 8 * TABLE_COPIES
    free = free_memory_bytes()
    if needed > MEMORY_SHARE * free:
        raise DataError(
            f"{label} holds {'about ' if about else ''}{rows:,} rows x {columns:,} columns: about "
            f"{needed / 2**30:,.1f} GB in memory once read and copied for training, and this machine has "
            f"{free / 2**30:,.1f} GB free. Use a sample of the rows, or keep only the columns that matter.")


def _read_parquet(raw: bytes, label: str) -> pd.DataFrame:
    """A Parquet file's table, its size checked from the file's own metadata before any row is decoded
    (a small, well-compressed file can hold far more rows than it looks)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def unreadable(exc: Exception) -> DataError:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return DataError(f"{label} looks like a Parquet file but could not be read ({shorten(first, 120)}). "
                         "Export it again, or upload it as CSV.")

    try:
        source = pq.ParquetFile(pa.BufferReader(raw))
        rows, columns = source.metadata.num_rows, source.metadata.num_columns
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise unreadable(exc) from None
    if rows > MAX_ROWS:
        raise DataError(f"{label} has {rows:,} rows; the limit is {MAX_ROWS:,}. Use a sample of the rows.")
    if columns > MAX_COLUMNS:
        raise DataError(f"{label} has {columns:,} columns; the limit is {MAX_COLUMNS:,}. Keep the columns that matter.")
    _check_memory(label, rows, columns, about=False)
    try:
        return source.read().to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise unreadable(exc) from None


def _checked_frame(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """The checks every table passes however it was read: column names, rows, columns."""
    frame.columns = [str(c).strip() for c in frame.columns]
    for position, name in enumerate(frame.columns, start=1):
        if len(name) > MAX_NAME_CHARS:
            raise DataError(
                f"{label}: the name of column {position} is {len(name):,} characters long ({shorten(name, 40)!r}); "
                f"the limit is {MAX_NAME_CHARS}. Shorten the header row."
            )
    if frame.shape[0] == 0:
        raise DataError(f"{label} has a header row but no data rows. Add rows of data below the header.")
    if frame.shape[0] > MAX_ROWS:
        raise DataError(f"{label} has {frame.shape[0]:,} rows; the limit is {MAX_ROWS:,}. Use a sample of the rows.")
    if frame.shape[1] > MAX_COLUMNS:
        raise DataError(f"{label} has {frame.shape[1]:,} columns; the limit is {MAX_COLUMNS:,}. Keep the columns that matter.")
    if frame.shape[1] < 2:
        raise DataError(
            f"{label} has a single column ({shorten(frame.columns[0])!r}), so there is nothing to predict from. "
            "A table needs feature columns and a class column, separated by commas, semicolons or tabs."
        )
    return frame


def _listing(names, limit: int = 20) -> str:
    """Names for a message: at most ``limit`` of them, each shortened."""
    names = [shorten(n, 40) for n in names]
    more = f" (and {len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _label_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _features(kept: pd.DataFrame, chosen: list[str], changed: Mapping[str, pd.Series]) -> pd.DataFrame:
    """The chosen columns, sharing the table's memory (pandas copies on write): only a ``changed`` column
    (infinite values masked) is new. A large table is not held twice, once read and once as a data set."""
    features = kept[chosen]
    for name, series in changed.items():
        if name in chosen:
            features[name] = series
    return features


def dataset_from_table(
    frame: pd.DataFrame,
    *,
    target: str | None = None,
    positive_class: str | None = None,
    features: Sequence[str] | None = None,
    name: str = "Uploaded table",
) -> Dataset:
    """Make a ``Dataset`` from a raw table.

    Parameters
    ----------
    frame : pandas.DataFrame
        As returned by :func:`read_table`.
    target : str, optional
        The class column; default the last column.
    positive_class : str, optional
        The class binary metrics are about; default the rarest class.
    features : sequence of str, optional
        Feature columns; default every other column. All-unique text columns (IDs) are dropped
        with a note.
    """
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise DataError("The table is empty.")
    name = shorten(name, MAX_DATASET_NAME_CHARS)
    target = frame.columns[-1] if target is None else target
    if target not in frame.columns:
        raise DataError(f"There is no column {shorten(target)!r}; the columns are: {_listing(frame.columns)}.")
    shown_target = shorten(target)
    notes: list[str] = []
    target_values = frame[target]
    missing_target = target_values.isna().to_numpy()
    if missing_target.all():
        raise DataError(f"The class column {shown_target!r} is empty in every row. Pick the column that holds the classes.")
    if missing_target.any():
        notes.append(f"{int(missing_target.sum())} rows with no value in {shown_target!r} were left out.")
    source_rows = np.flatnonzero(~missing_target)
    kept = frame.iloc[source_rows] if missing_target.any() else frame  # no copy of a large table for nothing
    labels = np.array([_label_text(v) for v in kept[target].tolist()], dtype=object)
    distinct = np.unique(labels)
    if distinct.size > MAX_CLASSES:
        raise DataError(
            f"The class column {shown_target!r} has {distinct.size} distinct values, too many to be class labels "
            f"(the limit is {MAX_CLASSES}). It looks like a measurement or an ID: pick the column that holds the classes."
        )
    if distinct.size < 2:
        raise DataError(
            f"The class column {shown_target!r} holds one class only ({shorten(distinct[0])!r}). "
            "A classifier needs at least two classes: pick another column or add rows of the other class."
        )
    too_long = [label for label in distinct if len(label) > MAX_NAME_CHARS]
    if too_long:
        raise DataError(
            f"The class column {shown_target!r} holds a label of {len(too_long[0]):,} characters "
            f"({shorten(too_long[0], 40)!r}); class labels have at most {MAX_NAME_CHARS}. Pick the column that holds "
            "the classes."
        )
    values, counts = np.unique(labels, return_counts=True)
    too_small = [f"{shorten(v)!r} ({c} row)" for v, c in zip(values, counts) if c < 2]
    if too_small:
        raise DataError(
            f"Class {', '.join(too_small)} has fewer than 2 rows, so it cannot appear in both the training "
            "and the test split. Add rows of that class or remove them."
        )
    if positive_class is not None:
        positive_class = _label_text(positive_class)
        if positive_class not in values:
            raise DataError(
                f"Positive class {shorten(positive_class)!r} is not a value of {shown_target!r}; its classes are: "
                f"{_listing(values)}."
            )
    classes, positive_class = _order_classes(labels, positive_class)

    if features is None:
        candidates = [c for c in frame.columns if c != target]
    else:
        unknown = [c for c in features if c not in frame.columns]
        if unknown:
            raise DataError(f"No column named {', '.join(repr(shorten(c)) for c in unknown[:5])}"
                            f"{f' (and {len(unknown) - 5} more)' if len(unknown) > 5 else ''}.")
        candidates = [c for c in features if c != target]
    chosen, infinite = [], []
    changed: dict[str, pd.Series] = {}
    for column in candidates:
        series = kept[column]
        if pd.api.types.is_float_dtype(series):
            is_inf = np.isinf(series.to_numpy(dtype=np.float64, na_value=np.nan))
            if is_inf.any():  # inf, -inf, or a number too large for a float (1e999): treated as missing
                infinite.append(f"{shorten(column)!r} ({int(is_inf.sum())})")
                series = changed[column] = series.mask(is_inf)
        if series.isna().all():
            notes.append(f"Column {shorten(column)!r} is empty and was left out.")
            continue
        is_text = not pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if is_text and len(series) > 10 and series.nunique(dropna=True) == len(series):
            notes.append(f"Column {shorten(column)!r} has a different value in every row (an ID?), so it was left out.")
            continue
        chosen.append(column)
    if infinite:
        notes.append(f"Infinite values (inf, -inf, or numbers too large for a float) were treated as missing and "
                     f"filled in like other missing values, in column{'s' if len(infinite) > 1 else ''} "
                     f"{', '.join(infinite)}.")
    if not chosen:
        raise DataError(
            f"No feature columns are left besides the class column {shown_target!r}. "
            "Choose at least one column to predict from."
        )
    return Dataset(
        name=name,
        features=_features(kept, chosen, changed),
        labels=labels,
        classes=classes,
        positive_class=positive_class,
        target=str(target),
        source_rows=source_rows,
        notes=notes,
        description=f"{name}: {len(labels)} rows, {len(chosen)} feature columns, class column {shown_target!r}.",
    )
