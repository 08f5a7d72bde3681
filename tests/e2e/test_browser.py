"""The served app in a real browser: what a new user meets, and a room of sessions at once.

One file, so one served app (and its training worker) serves every browser test: the tests run in one pytest
worker, beside the rest of the suite.
"""

import math
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from imbalance_core import METRIC_LABELS, ExperimentConfig, NetworkConfig, load_builtin, run_experiment
from support.processes import cpu_seconds
from support.settle import external_links, metric_tiles, rerun, settle, watch

from .conftest import open_link

pytestmark = pytest.mark.browser


def _set_epochs(page, epochs: int) -> None:
    settle(page)
    box = page.get_by_role("spinbutton", name="Epochs")
    if not box.is_visible():  # the expander keeps its state across reruns; opening it does not rerun
        page.get_by_text("Network and training").click()
        expect(box).to_be_visible()
    if box.input_value() == str(epochs):
        return

    def type_it() -> None:
        box.fill(str(epochs))
        box.press("Enter")

    rerun(page, type_it)


def _choose_strategy(page, label: str, *, idle_first: bool = True) -> None:
    def choose() -> None:
        page.get_by_test_id("stSelectbox").filter(has_text="Strategy").click()
        page.keyboard.type(label)  # the option list is virtualised: filter it rather than scroll
        page.get_by_role("option", name=label, exact=True).click()

    rerun(page, choose, idle_first=idle_first)


def _train_and_wait(page) -> None:
    rerun(page, lambda: page.get_by_role("button", name="Train", exact=True).click())
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for()


def _upload(page, path) -> None:
    source = page.get_by_test_id("stRadioGroup").get_by_role("radio", name="Upload CSV or Parquet")
    if not source.is_checked():  # the page keeps its choice: a second upload finds it made
        rerun(page, lambda: page.get_by_test_id("stRadioGroup").get_by_text("Upload CSV or Parquet").click())
    uploader = page.get_by_test_id("stFileUploader")
    expect(uploader).to_be_visible()
    rerun(page, lambda: uploader.locator("input[type=file]").set_input_files(str(path)))


def _expect_all_charts(page) -> None:
    # retried until the charts are drawn: the boundary, confusion, balance, ROC, PR and history
    expect(page.locator(".js-plotly-plot")).to_have_count(6, timeout=60_000)


def _go(page, name: str) -> None:
    rerun(page, lambda: page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click())


def test_landing_page_trains_live_shows_every_chart_and_hands_on_every_file(page, tmp_path):
    """A new user's first minutes: the lab on Moons, SMOTE trained live, every chart drawn and nothing cut, then each
    download a valid file (the script, run on its own, prints the numbers the page shows)."""
    assert page.get_by_role("heading", name="Imbalance Lab").is_visible()
    assert page.get_by_text("Moons").first.is_visible()
    assert page.title() == "Imbalance Lab"
    toolbar = page.get_by_test_id("stToolbar")
    expect(toolbar).to_be_visible()
    expect(toolbar.get_by_text("Deploy")).to_have_count(0)  # nothing of Streamlit's development tools on screen
    _choose_strategy(page, "SMOTE")
    _set_epochs(page, 40)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("progressbar").first.wait_for()  # live progress while training
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for(timeout=180_000)
    settle(page)
    _expect_all_charts(page)
    for title in ["Decision boundary - SMOTE", "Confusion matrix", "ROC curve", "Precision-recall curve",
                  "Rows per class", "Training history"]:
        expect(page.locator(".gtitle", has_text=title).first).to_be_visible()
    expect(page.locator(".legendtext", has_text="(synthetic)").first).to_be_visible()
    for metric in ["Recall", "PR AUC", "G-mean", "MCC"]:
        expect(page.get_by_test_id("stMetricLabel").filter(has_text=metric).first).to_be_visible()
    assert page.evaluate(CLIPPED) == []
    _every_download_is_a_valid_file(page, tmp_path)


def _run_standalone(script) -> str:
    """What a downloaded script prints, run as ``__main__`` in this interpreter (TensorFlow is loaded here already;
    test_export runs scripts in a fresh one). It imports nothing of Imbalance Lab: libraries only."""
    import ast
    import contextlib
    import io
    import runpy
    import sys

    imported = [alias.name for node in ast.walk(ast.parse(script.read_text())) if isinstance(node, ast.Import)
                for alias in node.names] + [node.module or "" for node in ast.walk(ast.parse(script.read_text()))
                                            if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] in ("imbalance_core", "ui", "support", "tests")]
    out, argv = io.StringIO(), sys.argv
    sys.argv = [str(script)]  # as `python reproduce.py` runs it: the data it carries, no file given
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
    return out.getvalue()


def _every_download_is_a_valid_file(page, folder) -> None:
    import json

    import keras
    import numpy as np
    import pandas as pd

    shown = metric_tiles(page)
    rows = pd.read_csv(_download(page, "Training rows", folder))
    assert rows.columns.tolist() == ["x1", "x2", "class", "is_synthetic", "source_row"]
    assert rows["is_synthetic"].any() and rows.loc[rows["is_synthetic"], "source_row"].isna().all()
    assert rows.loc[~rows["is_synthetic"], "source_row"].notna().all()

    model = keras.saving.load_model(_download(page, "Model (.keras)", folder))
    proba = np.asarray(model(rows[["x1", "x2"]].to_numpy(np.float32), training=False))
    assert proba.shape == (len(rows), 1) and ((proba >= 0) & (proba <= 1)).all()

    script = _download(page, "Python script", folder)
    printed = json.loads(_run_standalone(script))["metrics"]
    # the script, run on its own, prints the numbers the page shows
    for label, key in [("Recall", "recall"), ("Precision", "precision"), ("PR AUC", "pr_auc"), ("MCC", "mcc")]:
        assert f"{printed[key]:.3f}" == shown[label], label

    report = _download(page, "Report (HTML)", folder).read_text()  # drawn offline: the names test opens one
    assert "<h1>SMOTE on Moons</h1>" in report and report.count('class="figure"') == 6
    assert f'<td class="num">{shown["Recall"]}</td>' in report and 'id="plotly-gz"' in report


LONG_RUN = {"data": "moons", "d.n_samples": "1000", "strategy": "none", "n.epochs": "1000", "n.batch_size": "4"}


def _start_a_long_run(tab, app_url) -> None:
    """A run of minutes: 1,000 rows, batch 4, 1,000 epochs (a link asking for it waits for Train);
    returns once it trains, drawn live."""
    open_link(tab, app_url, LONG_RUN)
    tab.get_by_text("asks for a large run").wait_for()
    settle(tab)
    tab.get_by_role("button", name="Train", exact=True).click()
    tab.get_by_text(re.compile(r"epoch \d+/1000")).first.wait_for()


def test_a_click_during_training_stops_it_cleanly(tab, app_url):
    page = tab
    _start_a_long_run(page, app_url)
    _choose_strategy(page, "Class weighting", idle_first=False)
    page.get_by_text(re.compile(r"Training stopped (at epoch \d+ of 1000|before its first epoch) because a setting "
                                r"changed")).wait_for()
    expect(page.get_by_text(re.compile(r"Trained in \d"))).to_have_count(0)
    expect(page.locator(".gtitle", has_text="Decision boundary")).to_have_count(0)  # no half-trained result shown
    expect(page.locator(".gtitle", has_text="The data, before any training")).to_have_count(1)  # the data instead
    _set_epochs(page, 2)  # and a new run trains as usual
    _train_and_wait(page)
    expect(page.get_by_text("Class weighting on Moons")).to_be_visible()


def _open_page(tab, app_url: str, path: str, heading: str):
    """A tab opened straight on one of the app's pages (as a bookmark opens it), settled."""
    tab.goto(f"{app_url}/{path}")
    tab.get_by_role("heading", name=heading).first.wait_for()
    settle(tab)
    return tab


def test_a_malformed_upload_is_explained_then_a_csv_with_categories_and_missing_values_trains(tab, app_url, tmp_path):
    page = _open_page(tab, app_url, "data", "Data")
    broken = tmp_path / "export.csv"
    broken.write_bytes(b"PK\x03\x04" + bytes(200))
    _upload(page, broken)
    page.get_by_text("is a zip archive").wait_for()
    assert page.get_by_text("Traceback").count() == 0
    _go(page, "Lab")  # the lab kept its data set and still trains
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_visible()
    assert page.get_by_text("Moons").first.is_visible()
    rows = ["amount;channel;label"] + [
        f"{'' if i % 10 == 0 else i % 41};{['web', 'shop', 'NA'][i % 3]};{'fraud' if i % 7 == 0 else 'ok'}"
        for i in range(210)
    ]
    data = tmp_path / "payments.csv"
    data.write_text("\n".join(rows) + "\n")
    _go(page, "Data")
    _upload(page, data)
    page.get_by_role("heading", name="payments.csv").wait_for()  # the preview
    _go(page, "Lab")
    page.get_by_text("payments.csv").first.wait_for()
    _train_and_wait(page)
    expect(page.get_by_text("missing values were filled in").first).to_be_visible()
    _expect_all_charts(page)


def test_compare_page_table_charts_cost_thresholds_and_metrics_csv(tab, app_url, tmp_path):
    import pandas as pd

    page = _open_page(tab, app_url, "compare?n.epochs=10", "Compare strategies")  # the page's settings in its link
    rerun(page, lambda: page.get_by_role("button", name="Compare", exact=True).click(), timeout=300_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(5, timeout=60_000)
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect(page.get_by_text("8 strategies on Moons")).to_be_visible()
    expect(page.get_by_text(re.compile(r"8 strategies trained together in \d"))).to_be_visible()
    for title in ["ROC curves", "Precision-recall curves", "Decision boundaries", "Confusion matrices", "Calibration"]:
        expect(page.locator(".gtitle", has_text=title).first).to_be_visible()
    rerun(page, lambda: page.get_by_text("Cheapest for given costs").click())
    expect(page.get_by_text("cheapest on its validation split").first).to_be_visible()
    board = pd.read_csv(_download(page, "Metrics (CSV", tmp_path))
    assert board["Strategy"].tolist()[:2] == ["No treatment", "Random oversampling"] and len(board) == 8
    assert "Threshold" in board and board["Threshold"].between(0.01, 0.99).all()
    assert "Gradient steps" in board
    expect(page.locator(".legendtext", has_text="operating points").first).to_be_visible()


def _download(page, label: str, folder):
    settle(page)
    with page.expect_download(timeout=120_000) as info:
        page.get_by_test_id("stDownloadButton").filter(has_text=label).click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_a_shared_link_gives_the_same_numbers_in_a_new_session(tab, app_url):
    page = tab
    open_link(page, app_url, {"strategy": "class_weight", "n.epochs": "15"})
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for()
    settle(page)
    threshold = page.get_by_test_id("stSlider").filter(has_text="Decision threshold").get_by_role("slider")
    threshold.focus()
    for _ in range(2):
        threshold.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"threshold=0\.48"), timeout=30_000)  # the link follows the slider
    expected = metric_tiles(page)
    page.get_by_role("button", name="Share this setup").click()
    shown = page.get_by_test_id("stCode").inner_text().strip()
    link = page.url
    assert shown.split("?")[1] == link.split("?")[1]  # the popover offers the address-bar link
    assert "strategy=class_weight" in link and "n.epochs=15" in link

    other = page.context.new_page()  # a new session: nothing of the first one's state, only the link
    try:
        other.set_default_timeout(180_000)
        other.goto(shown)
        other.get_by_text(re.compile(r"Trained in \d")).first.wait_for(timeout=180_000)
        expect(other.get_by_text("Class weighting on Moons")).to_be_visible()
        assert metric_tiles(other) == expected
        expect(other.get_by_test_id("stSlider").filter(has_text="Decision threshold")).to_contain_text("0.48")
    finally:
        other.close()


def test_learn_page_preset_opens_the_lab_with_smote_lineage(tab, app_url):
    page = _open_page(tab, app_url, "learn", "Learn")
    rerun(page, lambda: page.get_by_role("button", name="Open SMOTE with its lineage").click())
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for()
    expect(page.get_by_text("SMOTE on Moons")).to_be_visible()
    expect(page.locator(".legendtext", has_text="parents of synthetic points").first).to_be_visible()


LINK = "[Session expired - sign in again](https://evil.example/login)"
IMAGE = "![logo](https://evil.example/pixel.png)"
TAGS = "<a href='https://evil.example/a'>click me</a><img src='https://evil.example/i.png'>"


def test_names_from_a_file_and_a_link_are_shown_as_text_never_as_links_or_images(tab, app_url, browser, tmp_path):
    """A stranger's file name, column names, class labels and link values: zero links or images leave the app."""
    rows = [f'"{IMAGE}","www.evil.example {LINK}","label"']
    for i in range(200):
        label = TAGS if i % 8 == 0 else "ok <b>bold</b> mail@evil.example"
        rows.append(f'{(i * 7) % 13 + (4 if i % 8 == 0 else 0)},{(i * 5) % 11},"{label}"')
    hostile = tmp_path / f"{LINK}.csv".replace("/", "_")
    hostile.write_text("\n".join(rows) + "\n")
    page = _open_page(tab, app_url, "data", "Data")
    _upload(page, hostile)
    expect(page.get_by_text("Session expired - sign in again](https:").first).to_be_visible()  # shown as written
    assert external_links(page) == []
    _go(page, "Lab")
    _train_and_wait(page)
    _expect_all_charts(page)
    # the label is drawn literally in the legend (Plotly did not turn it into a link)
    expect(page.locator(".legendtext", has_text="<a href='https://evil.example/a'>").first).to_be_visible()
    assert page.locator("svg a").count() == 0
    assert external_links(page) == []
    report = _download(page, "Report (HTML)", tmp_path)
    viewer = browser.new_context(offline=True)  # self-contained: no network needed
    try:
        tab = viewer.new_page()
        tab.goto(report.as_uri())
        expect(tab.locator(".js-plotly-plot")).to_have_count(6, timeout=60_000)
        tab.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector("
                              "'.main-svg'))")  # every chart drawn, offline
        expect(tab.get_by_role("heading", name="No treatment on")).to_be_visible()
        assert external_links(tab) == []
    finally:
        viewer.close()

    query = {"data": "upload", "file": f"{LINK}.csv", "target": IMAGE, "positive": TAGS, "strategy": "none",
             "threshold": "nan", "n.learning_rate": "nan", "s.alpha": LINK}
    other = page.context.new_page()  # a new session, as someone following the link
    try:
        other.set_default_timeout(180_000)
        other.goto(page.url.split("?")[0] + "?" + urlencode(query))
        other.get_by_text("could not be used").first.wait_for()
        settle(other)
        expect(other.get_by_text("cannot travel in a link")).to_be_visible()
        assert external_links(other) == []
        assert other.locator("[data-testid=stException]").count() == 0
    finally:
        other.close()


def _in_first_screen(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_presentation_mode_on_a_projector_puts_the_picture_and_train_on_the_first_screen(tab, app_url):
    page = tab
    page.set_viewport_size({"width": 1280, "height": 720})
    open_link(page, app_url, {"strategy": "smote", "present": "1"})
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for()
    settle(page)  # every chart drawn: a result never shows without its boundary
    boundary = page.locator(".js-plotly-plot").filter(has=page.locator(".gtitle", has_text="Decision boundary"))
    expect(boundary).to_have_count(1)
    assert _in_first_screen(page, boundary)  # the picture starts on the first screen, no scrolling
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_visible()  # not folded away in a box
    assert _in_first_screen(page, train) and _in_first_screen(page, page.get_by_text("Strategy", exact=True))
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Compare", exact=True)).to_be_visible()  # navigation
    ticks = boundary.locator(".xtick text").first.evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
    legend = boundary.locator(".legendtext").first.evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
    assert ticks >= 15 and legend >= 15  # readable from the back of the room (12 px outside presentation)


def test_stopping_a_train_on_brings_back_the_result_it_went_on_from(tab, app_url):
    page = tab
    open_link(page, app_url, {"strategy": "smote", "n.epochs": "20"})
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for()
    settle(page)
    box = page.locator(".st-key-lab-view-more input")

    def ask_for_more() -> None:
        box.fill("980")
        box.press("Enter")

    rerun(page, ask_for_more)
    page.locator(".st-key-lab-train_more button:visible").first.click()
    page.get_by_text(re.compile(r"epoch \d+/1000")).first.wait_for()
    rerun(page, lambda: page.locator(".st-key-lab-stop").get_by_role("button").click(), idle_first=False)
    page.get_by_text(re.compile(r"Training stopped at epoch \d+ of 1000, as asked\. The result of its first 20 "
                                r"epochs is back")).wait_for()
    settle(page)
    expect(page.get_by_text("Replay: epoch 20 of 20", exact=True)).to_be_visible()  # the 20-epoch result
    expect(page.get_by_text("Settings changed since", exact=False)).to_have_count(0)  # Epochs went back to 20


def test_switching_presentation_mode_during_training_keeps_the_run(tab, app_url):
    page = tab
    _start_a_long_run(page, app_url)
    page.get_by_text("Presentation mode").click()  # reruns the page while the run trains (it never settles)
    page.get_by_text("More settings: data, strategy settings, network").wait_for()
    epoch = "() => { const m = document.body.innerText.match(/epoch (\\d+)\\/1000/); return m ? parseInt(m[1]) : 0; }"
    page.wait_for_function(f"({epoch})() > 0")
    before = page.evaluate(epoch)
    # the same run goes on: its epochs keep counting up on the re-drawn page
    page.wait_for_function(f"({epoch})() > {before}")
    expect(page.get_by_text(re.compile(r"Training (was )?stopped"))).to_have_count(0)
    expect(page.get_by_role("switch", name="Presentation mode")).to_be_checked()
    rerun(page, lambda: page.locator(".st-key-lab-stop").get_by_role("button").click(), idle_first=False)
    page.get_by_text(re.compile(r"Training stopped at epoch \d+ of 1000, as asked")).wait_for()


def test_a_reload_keeps_the_data_choice_on_every_page(tab, app_url):
    page = _open_page(tab, app_url, "data", "Data")

    def choose() -> None:
        page.get_by_test_id("stSelectbox").filter(has_text="Data set").click()
        page.get_by_role("option", name="Digits 3/5/8/9 (4 classes, thinned)").click()

    rerun(page, choose)
    _go(page, "Compare")
    expect(page.get_by_text("Digits 3 / 5 / 8 / 9").first).to_be_visible()
    page.reload()
    page.get_by_role("heading", name="Compare strategies").wait_for()
    settle(page)
    expect(page.get_by_text("Digits 3 / 5 / 8 / 9").first).to_be_visible()
    assert "data=digits_thinned" in page.url


CLIPPED = """() => {
  const cut = [];
  // Streamlit cuts a long label or button text with an ellipsis (text-overflow) on one of its inner elements
  for (const el of document.querySelectorAll('[data-testid="stWidgetLabel"] *, [data-testid="stDownloadButton"] *, '
                                            + 'button *, [data-testid="stExpander"] summary *')) {
    if (el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1
        && getComputedStyle(el).textOverflow === 'ellipsis') cut.push(el.innerText);
  }
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {  // chart titles and axis titles inside the chart
    const frame = plot.getBoundingClientRect();
    for (const t of plot.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text')) {
      const box = t.getBoundingClientRect();
      if (box.width && (box.left < frame.left - 1 || box.right > frame.right + 1)) cut.push(t.textContent);
    }
  }
  return cut;
}"""


@pytest.mark.parametrize("query", [{"strategy": "ensemble"}, {"strategy": "random_undersampling+focal_loss"}])
def test_no_label_or_chart_title_is_cut(tab, app_url, query):
    open_link(tab, app_url, query)
    tab.get_by_text(re.compile(r"Trained in \d")).first.wait_for()
    settle(tab)  # every chart drawn
    expect(tab.locator(".js-plotly-plot").first).to_be_visible()
    assert tab.evaluate(CLIPPED) == []


# --------------------------------------------------------------------------- a room at once
# several browser sessions training together on the served app's worker process


ROOM = ["none", "smote", "class_weight", "random_undersampling"]


def _room_shown(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def _workers(server) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children if b"imbalance_core.compute.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def test_stop_cancels_the_run_on_its_worker_and_the_server_never_imports_tensorflow(tab, served):
    page = tab
    url, server = served
    query = {"data": "moons", "d.n_samples": "1000", "strategy": "none", "n.epochs": "1000", "n.batch_size": "4"}
    page.goto(f"{url}/?{urlencode(query)}")
    page.get_by_text("asks for a large run").wait_for()
    settle(page)
    workers = _workers(server)  # the pool's worker is started by the first page a server draws
    assert len(workers) >= 1
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"epoch \d+/1000")).first.wait_for()  # under way on a worker, drawn live
    busy, deadline = {pid: cpu_seconds(pid) for pid in workers}, time.monotonic() + 60
    while not any(cpu_seconds(pid) - spent > 0.5 for pid, spent in busy.items()):  # a worker is training
        assert time.monotonic() < deadline, "no worker used the CPU while the page showed the run training"
        time.sleep(0.1)
    stop = page.locator(".st-key-lab-stop button:visible")
    stop.click()
    stopped = time.monotonic()
    page.get_by_text("as asked").wait_for()
    expect(page.get_by_text(re.compile(r"Training stopped at epoch \d+ of 1000"))).to_be_visible()
    expect(stop).to_have_count(0)
    # the worker goes idle (under 0.2 s of CPU in a second) instead of training on for minutes; how soon is the
    # classroom bench's business (a busy test machine only delays it)
    while True:
        before = {pid: cpu_seconds(pid) for pid in workers}
        time.sleep(1.0)
        if all(cpu_seconds(pid) - spent < 0.2 for pid, spent in before.items()):
            break
        assert time.monotonic() - stopped < 60, "a worker kept training after Stop"
    # the web server trained nothing itself: TensorFlow lives in the workers only
    maps = Path(f"/proc/{server.pid}/maps").read_text()
    assert "libtensorflow" not in maps
    assert all("libtensorflow" in Path(f"/proc/{pid}/maps").read_text() for pid in workers)


def test_a_class_on_one_board_across_two_web_servers(browser, app_url, class_database, monkeypatch, capsys):
    """A lesson made with the CLI; four students open its link at the same moment on one server (their runs train
    together as a room), their teacher's board is on another server, both on one PostgreSQL: every student's page
    equals the run trained alone, every run appears on the board without a reload, and a student's browser never
    reaches the board, with or without a guessed key."""
    import json

    from imbalance_core.cli import main
    from support.served import served_app

    monkeypatch.setenv("IMBALANCE_LAB_DATABASE_URL", class_database)
    assert main(["lesson", "create", "--builtin", "moons", "--strategies", ",".join(ROOM), "--epochs", "10",
                 "--question", "Which remedy finds the rare class?", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    # the teacher's server trains nothing (the board only): it needs no worker pool
    with served_app(env={"IMBALANCE_LAB_DATABASE_URL": class_database, "IMBALANCE_LAB_ENGINE": "inprocess"}) as (
            board_url, _):
        teacher = watch(browser.new_context(viewport={"width": 1280, "height": 720}).new_page())
        teacher.goto(f"{board_url}/{made['teacher_link'].removeprefix('./')}")
        expect(teacher.get_by_text("No runs yet")).to_be_visible(timeout=120_000)
        students = [watch(browser.new_context().new_page()) for _ in ROOM]  # one browser profile each
        for strategy, student in zip(ROOM, students):  # the class opens the link at the same moment
            student.set_default_timeout(240_000)
            student.goto(f"{app_url}/{made['student_link'].removeprefix('./')}&strategy={strategy}",
                         wait_until="commit")
        for student in students:
            student.get_by_text("On the class board as").first.wait_for()
        shown = [metric_tiles(student) for student in students]
        moons = load_builtin("moons")
        for strategy, metrics in zip(ROOM, shown):
            solo = run_experiment(moons, ExperimentConfig(strategy=strategy, network=NetworkConfig(epochs=10)))
            expected = {METRIC_LABELS[name]: _room_shown(value) for name, value in solo.metrics.items()
                        if METRIC_LABELS.get(name) in metrics}
            assert {label: metrics[label] for label in expected} == expected, strategy
        expect(teacher.get_by_text(f"{len(ROOM)} runs from {len(ROOM)} students")).to_be_visible(timeout=30_000)
        settle(teacher)
        # the table is drawn on a canvas; the PR chart's points name who ran what
        points = teacher.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')][0].data
            .map(t => [t.name, t.text])""")
        assert sorted(who for _, names in points for who in names) == [f"student {i}" for i in range(1, 5)]
        assert sorted(name for name, _ in points) == sorted(
            ["No treatment", "SMOTE", "Class weighting", "Random undersampling"])
        intruder = students[0]
        for query in (f"lesson={made['id']}", f"lesson={made['id']}&key=guess"):
            intruder.goto(f"{board_url}/board?{query}")
            expect(intruder.get_by_text("This board is for the lesson's teacher")).to_be_visible()
            settle(intruder)
            assert intruder.get_by_text("Teacher's actions").count() == 0
            assert intruder.get_by_test_id("stDataFrame").count() == 0
        for page in [teacher, *students]:
            page.context.close()
