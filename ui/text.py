"""Strings from outside (file, column and class names, link values) shown in Streamlit as inert text.

Streamlit renders Markdown in headings, captions, alerts and widget labels: a name such as
``[Session expired](https://evil.example)`` would become a link, ``![x](https://...)`` an image that
loads from anywhere. Every outside string passes through :func:`md_escape` (shown as written) or
:func:`md_code` (shown as code) before it reaches Markdown; messages from the core, which quote
such names, go through :func:`md_escape` whole.
"""

from __future__ import annotations

import re
from typing import Any

from imbalance_core.text import shorten

__all__ = ["md_code", "md_escape"]

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character may be backslash-escaped
_WORD_JOINER = "\u2060"  # invisible; splits the patterns GitHub-flavoured Markdown turns into links by itself


def md_escape(text: Any, limit: int | None = 400) -> str:
    """``text`` as Markdown that renders exactly these characters: no links, images, HTML or formatting.

    Backslash escapes stop Markdown syntax; bare ``www.``, ``http://`` and e-mail addresses, which
    GitHub-flavoured Markdown links by itself even when escaped, are broken by an invisible word
    joiner. Line breaks become spaces. ``limit`` bounds the length (an ellipsis marks a cut).
    """
    text = " ".join(str(text).splitlines())
    if limit is not None:
        text = shorten(text, limit)
    text = _PUNCTUATION.sub(r"\\\1", text)
    text = re.sub(r"(?i)(www)(\\\.)", rf"\1{_WORD_JOINER}\2", text)
    text = text.replace(r"\:\/", rf"\:{_WORD_JOINER}\/")
    return text.replace(r"\@", rf"{_WORD_JOINER}\@{_WORD_JOINER}")


def md_code(text: Any, limit: int | None = 80) -> str:
    """``text`` as an inline code span (shown verbatim, in monospace): for values quoted back to the user."""
    text = " ".join(str(text).splitlines()) or " "
    if limit is not None:
        text = shorten(text, limit)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
