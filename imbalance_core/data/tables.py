"""Uploaded tables: reading a CSV or Parquet file safely, and turning a table into a ``Dataset``.

A table comes from someone we do not know: it is sized before it is parsed, its names are bounded, and
every refusal says what was wrong and what to do.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import zlib
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import DataError
from ..portable.steps import is_numeric
from ..text import MAX_NAME_CHARS, shorten
from .dataset import Dataset

__all__ = ["MAX_CLASSES", "MAX_COLUMNS", "MAX_FILE_BYTES", "MAX_ROWS", "dataset_from_table", "read_table"]

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


# --------------------------------------------------------------------------- class labels

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


INFLATE_COUNT_LIMIT = 16 << 30  # a compressed file is measured up to this size; beyond, "more than 16 GB"


def _inflate(raw: bytes, label: str) -> bytes:
    """Decompress gzip data once it is known to fit.

    A small file can inflate to gigabytes (a "gzip bomb"): it is first measured in a stream that holds one
    1 MB step at a time (to its real size, or past 16 GB), and refused with that size before anything is kept;
    only a file within the limit is then decompressed into memory.
    """
    total = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            while part := stream.read(1 << 20):
                total += len(part)
                if total > INFLATE_COUNT_LIMIT:
                    break
            del part
        if total > MAX_FILE_BYTES:
            size = _size_text(total) if total <= INFLATE_COUNT_LIMIT else f"more than {_size_text(INFLATE_COUNT_LIMIT)}"
            raise _too_large(label, f"{size} once decompressed")
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            return stream.read()
    except (OSError, EOFError, zlib.error):
        raise DataError(f"{label} looks gzip-compressed but could not be decompressed; it may be truncated.") from None


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

    Handles comma / semicolon / tab / pipe separators (sniffed) and columns apart by spaces, a header row or none
    (guessed: columns are then named ``column_1``, ...), UTF-8 with or without BOM,
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
    header = head.split("\n", 1)[0]
    _check_memory(label, raw.count(b"\n"), max(1, max(header.count(sep) for sep in ",;\t|") + 1, len(header.split())),
                  about=True)
    if head.lstrip()[:1] in ("{", "[") and _looks_like_json(raw.decode(encoding).lstrip()):
        raise DataError(f"{label} looks like JSON, not a CSV table. Export the data as CSV with one row per example.")
    lines = [line for line in head.splitlines() if line.strip()]
    if len(raw) > HEAD_BYTES:
        lines = lines[:-1]  # the last line of the head may be cut short
    elif len(lines) < 2:
        raise DataError(f"{label} has a header row but no data rows. Add rows of data below the header.")
    delimiter = _separator(lines[:50])
    fields = [_split(line, delimiter) for line in lines[:50]]
    names = None if _has_header(fields) else [f"column_{i}" for i in range(1, len(fields[0]) + 1)]
    try:
        frame = pd.read_csv(
            io.BytesIO(raw),
            encoding=encoding,
            sep=delimiter,
            header=0 if names is None else None,
            names=names,
            na_values=MISSING_MARKERS,
            keep_default_na=True,
            skipinitialspace=delimiter != WHITESPACE,
            skip_blank_lines=True,
            low_memory=False,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise DataError(f"{label} could not be read as a table ({first}). Check that every row has the same number of separators.") from None
    return _checked_frame(frame, label)


WHITESPACE = r"\s+"  # pandas' separator for columns apart by spaces (UCI files such as german.data)
SEPARATORS = "commas, semicolons, tabs, pipes or spaces"  # what is tried, in the words of the messages


def _split(line: str, delimiter: str) -> list[str]:
    return line.split() if delimiter == WHITESPACE else next(csv.reader([line], delimiter=delimiter))


def _separator(lines: list[str]) -> str:
    """The column separator of these first lines: comma, semicolon, tab or pipe (Python's ``csv.Sniffer``), else
    spaces when every line splits on them into the same number (two or more) of fields; else a comma."""
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    widths = {len(line.split()) for line in lines}
    return WHITESPACE if len(widths) == 1 and widths.pop() >= 2 else ","


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _has_header(rows: list[list[str]]) -> bool:
    """Whether the first row names the columns: it does unless, in some column whose other values are all numbers,
    it holds a number too (a header names its columns in words; a table without one starts with data). A table
    of words only keeps its first row as the header."""
    first, rest = rows[0], rows[1:]
    numeric = [c for c in range(len(first))
               if rest and all(c < len(row) and _is_number(row[c]) for row in rest)]
    return not numeric or not all(_is_number(first[c]) for c in numeric)


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


PARQUET_BATCH_ROWS = 1 << 13  # rows decoded at a time while a Parquet file is measured


def _read_parquet(raw: bytes, label: str) -> pd.DataFrame:
    """A Parquet file's table, its size checked from the file's own metadata before any row is decoded
    (a small, well-compressed file can hold far more rows than it looks), then measured as it decodes, a batch
    at a time without keeping any (metadata can lie), before it is read."""
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
        declared = sum(source.metadata.row_group(i).total_byte_size for i in range(source.metadata.num_row_groups))
        if declared > MAX_FILE_BYTES:
            raise _too_large(label, f"{_size_text(declared)} once decoded")
        decoded = 0  # what it really decodes to (metadata can lie): measured a batch at a time, nothing kept
        for batch in source.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            decoded += batch.nbytes
            if decoded > MAX_FILE_BYTES:
                raise _too_large(label, f"more than {_size_text(MAX_FILE_BYTES)} once decoded")
        return source.read().to_pandas()
    except DataError:
        raise
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
            f"A table needs feature columns and a class column, separated by {SEPARATORS}."
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
    notes: list[str] = []
    kept, labels, source_rows = _labelled_rows(frame, target, notes)
    classes, positive_class = _classes(labels, shorten(target), positive_class)
    chosen, changed = _feature_columns(frame, kept, target, features, notes)
    return Dataset(
        name=name,
        features=_features(kept, chosen, changed),
        labels=labels,
        classes=classes,
        positive_class=positive_class,
        target=str(target),
        source_rows=source_rows,
        notes=notes,
        description=f"{name}: {len(labels)} rows, {len(chosen)} feature columns, class column {shorten(target)!r}.",
    )


def _labelled_rows(frame: pd.DataFrame, target: str, notes: list[str]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The rows with a class (a table with none missing is not copied), their labels as text, their positions."""
    shown_target = shorten(target)
    missing_target = frame[target].isna().to_numpy()
    if missing_target.all():
        raise DataError(f"The class column {shown_target!r} is empty in every row. Pick the column that holds the classes.")
    if missing_target.any():
        notes.append(f"{int(missing_target.sum())} rows with no value in {shown_target!r} were left out.")
    source_rows = np.flatnonzero(~missing_target)
    kept = frame.iloc[source_rows] if missing_target.any() else frame  # no copy of a large table for nothing
    labels = np.array([_label_text(v) for v in kept[target].tolist()], dtype=object)
    return kept, labels, source_rows


def _classes(labels: np.ndarray, shown_target: str, positive_class: str | None) -> tuple[list[str], str]:
    """The class order and the positive class, once the labels are checked to be classes a network can learn."""
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
    return _order_classes(labels, positive_class)


def _feature_columns(frame: pd.DataFrame, kept: pd.DataFrame, target: str, features: Sequence[str] | None,
                     notes: list[str]) -> tuple[list[str], dict[str, pd.Series]]:
    """The columns a network can learn from, and those whose infinite values were masked (new columns)."""
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
        if not is_numeric(series) and len(series) > 10 and series.nunique(dropna=True) == len(series):
            notes.append(f"Column {shorten(column)!r} has a different value in every row (an ID?), so it was left out.")
            continue
        chosen.append(column)
    if infinite:
        notes.append(f"Infinite values (inf, -inf, or numbers too large for a float) were treated as missing and "
                     f"filled in like other missing values, in column{'s' if len(infinite) > 1 else ''} "
                     f"{', '.join(infinite)}.")
    if not chosen:
        raise DataError(
            f"No feature columns are left besides the class column {shorten(target)!r}. "
            "Choose at least one column to predict from."
        )
    return chosen, changed
