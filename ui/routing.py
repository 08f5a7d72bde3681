"""Make sure every page runs through ``app.py`` (page config, shared state, navigation, links).

Streamlit still supports its older multipage mode: while a server has not yet seen
``st.navigation`` (a fresh server whose first request is a deep link such as ``/compare``, and
Streamlit's ``AppTest`` on every run), it runs ``pages/<name>.py`` directly because a ``pages/``
folder exists, and ``app.py`` is skipped. Each page calls :func:`require_router` first; when
``app.py`` did not route to it, the page runs ``app.py`` in its place, in the same script run (so a
button click or a link's query parameters are not lost), and stops.
"""

from __future__ import annotations

import runpy
import threading
from pathlib import Path

import streamlit as st

APP = Path(__file__).resolve().parents[1] / "app.py"
_run = threading.local()  # a session's script runs happen on its own script thread


def mark_routed() -> None:
    """Called by ``app.py`` just before it runs the chosen page."""
    _run.routed = True


def require_router() -> None:
    """First call in every page script: go on if ``app.py`` routed here, otherwise run ``app.py`` instead."""
    if getattr(_run, "routed", False):
        _run.routed = False
        return
    runpy.run_path(str(APP), run_name="__main__")  # it draws this same page through st.navigation
    st.stop()
