"""Make sure every page runs through ``app.py`` (page config, shared state, navigation, links).

Streamlit still supports its older multipage mode: on a fresh server, if the very first request
is a deep link such as ``/compare``, it runs ``pages/compare.py`` directly because a ``pages/``
folder exists, and ``app.py`` never runs. Each page calls :func:`require_router` first; when it
was not reached through ``app.py`` it sends the browser through ``app.py`` to the same page, with
the same query parameters. After that first run the server uses ``st.navigation`` for everyone.
"""

from __future__ import annotations

import threading
from typing import Any

import streamlit as st

_run = threading.local()  # a session's script runs happen on its own script thread
WANTED = "router.wanted"


def mark_routed() -> None:
    """Called by ``app.py`` just before it runs the chosen page."""
    _run.routed = True


def require_router(page: str) -> None:
    """First call in every page script: continue if ``app.py`` routed here, otherwise go through it."""
    if getattr(_run, "routed", False):
        _run.routed = False
        return
    st.session_state[WANTED] = (page, st.query_params.to_dict())
    st.switch_page("app.py")


def take_redirect() -> tuple[str, dict[str, Any]] | None:
    """The page (and query parameters) a direct run asked for, once."""
    return st.session_state.pop(WANTED, None)
