"""Waiting for the served app the way a person does: until it has settled, never for a fixed time.

Streamlit marks its root element with the script's state (``data-test-script-state``: ``running``,
``notRunning``...) and every element left from an earlier run with ``data-stale="true"``; an element whose
code the browser is still loading (the chart library, the first time a page shows a chart) is a grey
``stSkeleton``. A page has *settled* when it is connected, its script is not running, no element is
stale or still loading, and every chart is drawn (Plotly has made its SVG): what a person sees as done.

After an action that reruns the script, "not running" alone would pass before a late rerun began
(a busy machine), and a quick run may never show "running" in the DOM at all (React renders the
last state only). So :func:`rerun` waits for the server's own word that a run finished (its
``script_finished`` message on the app's websocket), then for the page to settle.
"""

from __future__ import annotations

import weakref
from typing import Callable

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testConnectionState === 'CONNECTED'
    && app.dataset.testScriptState === 'notRunning'
    && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]')
    && !document.querySelector('[data-testid="stSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'));
}"""

TIMEOUT = 180_000  # ms; a cold TensorFlow import plus a training run on a loaded 2-core machine fits in it

_SOCKETS: "weakref.WeakKeyDictionary[object, list]" = weakref.WeakKeyDictionary()
_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
         ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


def watch(page):
    """Follow ``page``'s connection to the app (call before ``goto``); returns the page."""
    sockets: list = []
    _SOCKETS[page] = sockets
    page.on("websocket", lambda ws: sockets.append(ws) if "/_stcore/stream" in ws.url else None)
    return page


def _run_finished(payload) -> bool:
    """A ``script_finished`` message for a run that was not cut short by another rerun."""
    if not isinstance(payload, (bytes, bytearray)):
        return False
    try:
        message = ForwardMsg.FromString(bytes(payload))
    except Exception:  # noqa: BLE001 - not a message of ours
        return False
    return message.WhichOneof("type") == "script_finished" and message.script_finished in _DONE


def settle(page, timeout: float = TIMEOUT) -> None:
    """Wait until the app is connected and idle, and shows no stale or loading element and no undrawn chart."""
    page.wait_for_function(SETTLED, timeout=timeout)


def rerun(page, action: Callable[[], object], timeout: float = TIMEOUT, *, idle_first: bool = True) -> None:
    """Do ``action`` (which makes the script run again), then wait for that run to finish and the page to settle.

    ``idle_first=False`` acts while a run is still going (to interrupt it). The page must be watched.
    """
    if idle_first:
        settle(page, timeout)
    socket = _SOCKETS[page][-1]
    with socket.expect_event("framereceived", predicate=_run_finished, timeout=timeout):
        action()
    settle(page, timeout)


# every <a> and image in the document (SVG included) whose address leaves the app
EXTERNAL = """() => {
  const here = location.origin;
  const outside = url => {
    if (!url || url.startsWith('#') || url.startsWith('data:') || url.startsWith('blob:')) return false;
    try { return new URL(url, location.href).origin !== here; } catch (e) { return true; }
  };
  const found = [];
  for (const a of document.querySelectorAll('a')) {
    const url = a.getAttribute('href') || a.getAttribute('xlink:href');
    if (outside(url)) found.push(url);
  }
  for (const img of document.querySelectorAll('img, image, source, iframe')) {
    const url = img.getAttribute('src') || img.getAttribute('href') || img.getAttribute('xlink:href');
    if (outside(url)) found.push(url);
  }
  return found;
}"""


def external_links(page) -> list[str]:
    """Addresses of links and images on the page that point outside the app (a safe page has none)."""
    return page.evaluate(EXTERNAL)


def metric_tiles(page) -> dict[str, str]:
    """The lab's nine metric tiles as {label: value text}, once the page has settled."""
    from playwright.sync_api import expect

    settle(page)
    expect(page.get_by_test_id("stMetric")).to_have_count(9, timeout=60_000)
    out = {}
    for text in page.get_by_test_id("stMetric").all_inner_texts():
        label, value = [part.strip() for part in text.strip().split("\n") if part.strip()][:2]
        out[label] = value
    return out
