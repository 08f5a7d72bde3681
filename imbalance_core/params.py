"""Parameters as data: one declaration drives UI widgets, CLI flags and validation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .errors import ConfigError
from .text import shorten

__all__ = ["MAX_VALUE_CHARS", "Param", "resolve_params"]

MAX_VALUE_CHARS = 100  # no setting is written with more characters than this


@dataclass(frozen=True)
class Param:
    """One tunable setting.

    Parameters
    ----------
    name : str
        Key used in code, CLI (``--param name=value``) and widget keys.
    kind : {"int", "float", "choice", "bool"}
    default : Any
        The default value. ``None`` means "derived from the data" (see ``default_from``).
    label, help : str
        Short label and one-sentence explanation shown in the UI.
    low, high, step : float, optional
        Inclusive range and UI step for numbers.
    choices : sequence, optional
        Allowed values for ``kind="choice"``.
    default_from : callable, optional
        ``f(class_counts) -> value``: a default that depends on the training data.
    binary_only : bool
        The setting has no effect on multi-class data (the UI disables it there).
    flag : str, optional
        The command line's flag, when it is not ``--`` and the name with dashes (e.g. ``--hidden``).
    """

    name: str
    kind: str
    default: Any
    label: str
    help: str = ""
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: Sequence[Any] = field(default_factory=tuple)
    default_from: Callable[[Mapping[Any, int]], Any] | None = None
    binary_only: bool = False
    flag: str | None = None

    @property
    def cli_flag(self) -> str:
        """The command line's flag for this setting (``--learning-rate`` for ``learning_rate``)."""
        return self.flag or "--" + self.name.replace("_", "-")

    def default_for(self, class_counts: Mapping[Any, int] | None = None) -> Any:
        """The default, resolved against the training class counts when it depends on them."""
        if self.default_from is not None and class_counts:
            return self.default_from(class_counts)
        return self.default

    def parse(self, text: str) -> Any:
        """Turn a CLI or link string into a checked value."""
        if len(text) > MAX_VALUE_CHARS:
            raise ConfigError(f"{self.name} must be {self._expected()}; got {len(text):,} characters of text")
        try:
            if self.kind == "int":
                value: Any = int(text)
            elif self.kind == "float":
                value = float(text)
            elif self.kind == "bool":
                lowered = text.strip().lower()
                if lowered not in {"true", "false", "1", "0", "yes", "no"}:
                    raise ValueError(text)
                value = lowered in {"true", "1", "yes"}
            else:
                value = text
        except ValueError:
            raise ConfigError(f"{self.name} must be {self._expected()}; got {shorten(text)!r}") from None
        return self.check(value)

    def check(self, value: Any) -> Any:
        """Validate a value, returning it converted to the right type.

        Numbers must be finite and within ``low``..``high`` (NaN would pass every comparison).
        """
        if self.kind == "bool":
            return bool(value)
        if self.kind == "choice":
            if value not in self.choices:
                raise ConfigError(f"{self.name} must be {self._expected()}; got {shorten(repr(value))}")
            return value
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        if isinstance(value, (bool, str)) or not math.isfinite(number):
            raise ConfigError(f"{self.name} must be {self._expected()}; got {shorten(repr(value))}")
        if self.kind == "int":
            if not number.is_integer():
                raise ConfigError(f"{self.name} must be {self._expected()}; got {value!r}")
            value = int(number)
        else:
            value = number
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ConfigError(f"{self.name} must be {self._expected()}; got {value!r}")
        return value

    def _expected(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(map(str, self.choices))
        if self.kind == "bool":
            return "true or false"
        noun = "a whole number" if self.kind == "int" else "a number"
        if self.low is not None and self.high is not None:
            return f"{noun} from {self.low:g} to {self.high:g}"
        return noun


def resolve_params(
    params: Sequence[Param],
    given: Mapping[str, Any] | None,
    *,
    class_counts: Mapping[Any, int] | None = None,
    owner: str = "",
) -> dict[str, Any]:
    """Fill defaults, reject unknown names and check every value."""
    given = dict(given or {})
    known = {p.name: p for p in params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise ConfigError(
            f"{owner or 'this'} has no parameter {', '.join(unknown)}; its parameters are: {names}"
        )
    resolved = {}
    for p in params:
        value = given.get(p.name)
        if value is None:
            value = p.default_for(class_counts)
        resolved[p.name] = p.check(value) if value is not None else None
    return resolved
