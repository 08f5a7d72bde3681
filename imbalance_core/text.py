"""Strings from outside (file names, column names, class labels, link values) as inert data.

Names come from people we do not know: a shared link, an uploaded file and the names inside it.
The core never interprets them. This module bounds them for messages, escapes them for chart text
(Plotly renders a subset of HTML in every title, legend, tick and hover label), and neutralises CSV
cells a spreadsheet would run as formulas. Markdown escaping is the UI's business (``ui/text.py``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MAX_NAME_CHARS", "plotly_escape", "shorten", "spreadsheet_safe", "spreadsheet_safe_frame"]

MAX_NAME_CHARS = 200  # a column name or class label longer than this is refused when a table is read

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def shorten(text: Any, limit: int = 60) -> str:
    """``text`` as a string of at most ``limit`` characters (an ellipsis marks a cut)."""
    text = str(text)
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def plotly_escape(text: Any) -> str:
    """Text that Plotly shows literally: its HTML subset (``<a href>``, ``<b>``, ``<br>``...) is not parsed.

    Plotly decodes ``&amp;``, ``&lt;`` and ``&gt;`` back to the characters when it draws, so the
    reader sees the name exactly as it was written.
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text starting with ``= + - @``, tab or CR gets a leading ``'``.

    As OWASP advises for CSV injection. Numbers, and text that is a plain number (``-1``, ``+2.5``),
    are left alone: a spreadsheet reads them as numbers, not formulas.
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def spreadsheet_safe_frame(frame):
    """A copy of a DataFrame with every text cell and column name passed through :func:`spreadsheet_safe`."""
    from .portable.steps import is_numeric  # pandas, loaded only when a table is written

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if is_numeric(series):
            continue
        out[column] = series.astype(object).map(spreadsheet_safe, na_action="ignore")
    out.columns = [spreadsheet_safe(str(c)) for c in out.columns]
    return out
