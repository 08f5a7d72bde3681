"""The served app in a real browser: what a new user meets."""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from .settle import external_links, metric_tiles, rerun, settle

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
    rerun(page, lambda: page.get_by_test_id("stRadioGroup").get_by_text("Upload CSV or Parquet").click())
    uploader = page.get_by_test_id("stFileUploader")
    expect(uploader).to_be_visible()
    rerun(page, lambda: uploader.locator("input[type=file]").set_input_files(str(path)))


def _expect_all_charts(page) -> None:
    # retried until the charts are drawn: the boundary, confusion, balance, ROC, PR and history
    expect(page.locator(".js-plotly-plot")).to_have_count(6, timeout=60_000)


def _go(page, name: str) -> None:
    rerun(page, lambda: page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click())


def test_landing_page_trains_live_and_shows_every_chart(page):
    assert page.get_by_role("heading", name="Imbalance Lab").is_visible()
    assert page.get_by_text("Moons").first.is_visible()
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


def _start_a_long_run(page) -> None:
    """A run of a minute or more: 5,000 rows, batch 4, 1,000 epochs (a link asking for it waits for Train);
    returns once it trains, drawn live."""
    query = {"data": "moons", "d.n_samples": "5000", "strategy": "none", "n.epochs": "1000", "n.batch_size": "4"}
    page.goto(page.url.split("?")[0] + "?" + urlencode(query))
    page.get_by_text("asks for a large run").wait_for()
    settle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"epoch \d+/1000")).first.wait_for()


def test_a_click_during_training_stops_it_cleanly(page):
    _start_a_long_run(page)
    _choose_strategy(page, "Class weighting", idle_first=False)
    page.get_by_text(re.compile(r"Training stopped (at epoch \d+ of 1000|before its first epoch) because a setting "
                                r"changed")).wait_for()
    expect(page.get_by_text(re.compile(r"Trained in \d"))).to_have_count(0)
    expect(page.locator(".gtitle", has_text="Decision boundary")).to_have_count(0)  # no half-trained result shown
    expect(page.locator(".gtitle", has_text="The data, before any training")).to_have_count(1)  # the data instead
    _set_epochs(page, 20)
    _train_and_wait(page)
    expect(page.get_by_text("Class weighting on Moons")).to_be_visible()


def test_malformed_upload_is_explained_and_the_app_still_trains(page, tmp_path):
    _go(page, "Data")
    broken = tmp_path / "export.csv"
    broken.write_bytes(b"PK\x03\x04" + bytes(200))
    _upload(page, broken)
    page.get_by_text("is a zip archive").wait_for()
    assert page.get_by_text("Traceback").count() == 0
    _go(page, "Lab")
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_visible()
    assert page.get_by_text("Moons").first.is_visible()
    _set_epochs(page, 20)
    _train_and_wait(page)
    _expect_all_charts(page)


def test_uploaded_csv_with_categories_and_missing_values_trains(page, tmp_path):
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
    _set_epochs(page, 20)
    _train_and_wait(page)
    expect(page.get_by_text("missing values were filled in").first).to_be_visible()
    _expect_all_charts(page)


def test_compare_page_table_charts_cost_thresholds_and_metrics_csv(page, tmp_path):
    import pandas as pd

    _go(page, "Compare")
    _set_epochs(page, 10)
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


def test_a_shared_link_gives_the_same_numbers_in_a_fresh_browser(page, browser):
    _choose_strategy(page, "Class weighting")
    _set_epochs(page, 15)
    _train_and_wait(page)
    threshold = page.get_by_test_id("stSlider").filter(has_text="Decision threshold").get_by_role("slider")
    threshold.focus()
    for _ in range(15):
        threshold.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"threshold=0\.35"), timeout=30_000)  # the link follows the slider
    expected = metric_tiles(page)
    page.get_by_role("button", name="Share this setup").click()
    shown = page.get_by_test_id("stCode").inner_text().strip()
    link = page.url
    assert shown.split("?")[1] == link.split("?")[1]  # the popover offers the address-bar link
    assert "strategy=class_weight" in link and "n.epochs=15" in link

    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})  # no cookies, no session
    try:
        other = fresh.new_page()
        other.set_default_timeout(180_000)
        other.goto(shown)
        other.get_by_text(re.compile(r"Trained in \d")).first.wait_for(timeout=180_000)
        expect(other.get_by_text("Class weighting on Moons")).to_be_visible()
        assert metric_tiles(other) == expected
        expect(other.get_by_test_id("stSlider").filter(has_text="Decision threshold")).to_contain_text("0.35")
    finally:
        fresh.close()


def test_every_download_is_a_valid_file(page, browser, tmp_path):
    import json
    import subprocess
    import sys

    import keras
    import numpy as np
    import pandas as pd

    _choose_strategy(page, "SMOTE")
    _set_epochs(page, 20)
    _train_and_wait(page)
    shown = metric_tiles(page)

    rows = pd.read_csv(_download(page, "Training rows", tmp_path))
    assert rows.columns.tolist() == ["x1", "x2", "class", "is_synthetic", "source_row"]
    assert rows["is_synthetic"].any() and rows.loc[rows["is_synthetic"], "source_row"].isna().all()
    assert rows.loc[~rows["is_synthetic"], "source_row"].notna().all()

    model = keras.saving.load_model(_download(page, "Model (.keras)", tmp_path))
    proba = np.asarray(model(rows[["x1", "x2"]].to_numpy(np.float32), training=False))
    assert proba.shape == (len(rows), 1) and ((proba >= 0) & (proba <= 1)).all()

    script = _download(page, "Python script", tmp_path)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    printed = json.loads(done.stdout)["metrics"]
    # the script, run on its own, prints the numbers the page shows
    for label, key in [("Recall", "recall"), ("Precision", "precision"), ("PR AUC", "pr_auc"), ("MCC", "mcc")]:
        assert f"{printed[key]:.3f}" == shown[label], label

    report = _download(page, "Report (HTML)", tmp_path)
    viewer = browser.new_context(offline=True)  # self-contained: no network needed
    try:
        tab = viewer.new_page()
        tab.goto(report.as_uri())
        expect(tab.locator(".js-plotly-plot")).to_have_count(6, timeout=60_000)
        expect(tab.get_by_role("heading", name="SMOTE on Moons")).to_be_visible()
        expect(tab.get_by_text(shown["Recall"]).first).to_be_visible()
    finally:
        viewer.close()


def test_learn_page_preset_opens_the_lab_with_smote_lineage(page):
    _go(page, "Learn")
    rerun(page, lambda: page.get_by_role("button", name="Open SMOTE with its lineage").click())
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for()
    expect(page.get_by_text("SMOTE on Moons")).to_be_visible()
    expect(page.locator(".legendtext", has_text="parents of synthetic points").first).to_be_visible()


LINK = "[Session expired - sign in again](https://evil.example/login)"
IMAGE = "![logo](https://evil.example/pixel.png)"
TAGS = "<a href='https://evil.example/a'>click me</a><img src='https://evil.example/i.png'>"


def test_names_from_a_file_and_a_link_are_shown_as_text_never_as_links_or_images(page, browser, tmp_path):
    """A stranger's file name, column names, class labels and link values: zero links or images leave the app."""
    rows = [f'"{IMAGE}","www.evil.example {LINK}","label"']
    for i in range(200):
        label = TAGS if i % 8 == 0 else "ok <b>bold</b> mail@evil.example"
        rows.append(f'{(i * 7) % 13 + (4 if i % 8 == 0 else 0)},{(i * 5) % 11},"{label}"')
    hostile = tmp_path / f"{LINK}.csv".replace("/", "_")
    hostile.write_text("\n".join(rows) + "\n")
    _go(page, "Data")
    _upload(page, hostile)
    expect(page.get_by_text("Session expired - sign in again](https:").first).to_be_visible()  # shown as written
    assert external_links(page) == []
    _go(page, "Lab")
    _set_epochs(page, 10)
    _train_and_wait(page)
    _expect_all_charts(page)
    # the label is drawn literally in the legend (Plotly did not turn it into a link)
    expect(page.locator(".legendtext", has_text="<a href='https://evil.example/a'>").first).to_be_visible()
    assert page.locator("svg a").count() == 0
    assert external_links(page) == []
    report = _download(page, "Report (HTML)", tmp_path)
    viewer = browser.new_context(offline=True)
    try:
        tab = viewer.new_page()
        tab.goto(report.as_uri())
        expect(tab.locator(".js-plotly-plot")).to_have_count(6, timeout=60_000)
        assert external_links(tab) == []
    finally:
        viewer.close()

    query = {"data": "upload", "file": f"{LINK}.csv", "target": IMAGE, "positive": TAGS, "strategy": "none",
             "threshold": "nan", "n.learning_rate": "nan", "s.alpha": LINK}
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = fresh.new_page()
        other.set_default_timeout(180_000)
        other.goto(page.url.split("?")[0] + "?" + urlencode(query))
        other.get_by_text("could not be used").first.wait_for()
        settle(other)
        expect(other.get_by_text("cannot travel in a link")).to_be_visible()
        assert external_links(other) == []
        assert other.locator("[data-testid=stException]").count() == 0
    finally:
        fresh.close()


def test_a_link_asking_for_hours_of_training_waits_for_a_click(page, browser):
    query = {"data": "moons", "d.n_samples": "5000", "strategy": "ensemble", "s.n_members": "15",
             "n.epochs": "1000", "n.batch_size": "4"}
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = fresh.new_page()
        other.set_default_timeout(180_000)
        other.goto(page.url.split("?")[0] + "?" + urlencode(query))
        other.get_by_text("asks for a large run").wait_for()
        settle(other)
        expect(other.get_by_role("progressbar")).to_have_count(0)  # nothing is training
        expect(other.get_by_text(re.compile(r"Trained in \d"))).to_have_count(0)
    finally:
        fresh.close()


def _in_first_screen(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_presentation_mode_on_a_projector_puts_the_picture_and_train_on_the_first_screen(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/?" + urlencode({"strategy": "smote", "present": "1"}))
        page.get_by_text(re.compile(r"Trained in \d")).first.wait_for()
        settle(page)
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
    finally:
        context.close()


def test_switching_presentation_mode_during_training_keeps_the_run(page):
    _start_a_long_run(page)
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


def test_a_reload_keeps_the_data_choice_on_every_page(page):
    _go(page, "Data")

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


@pytest.mark.parametrize("query", [{"strategy": "smote"}, {"strategy": "ensemble"},
                                   {"strategy": "random_undersampling+focal_loss"}])
def test_no_label_or_chart_title_is_cut(page, query):
    page.goto(page.url.split("?")[0] + "?" + urlencode(query))
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for()
    settle(page)
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
                           ".every(c => c.querySelector('.main-svg'))")
    assert page.evaluate(CLIPPED) == []
