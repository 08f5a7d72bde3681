"""The served app in a real browser: what a new user meets."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _set_epochs(page, epochs: int) -> None:
    box = page.get_by_role("spinbutton", name="Epochs")
    if not box.is_visible():  # the expander keeps its state across reruns
        page.get_by_text("Network and training").click()
    box.fill(str(epochs))
    box.press("Enter")
    page.wait_for_timeout(500)


def _choose_strategy(page, label: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="Strategy").click()
    page.keyboard.type(label)  # the option list is virtualised: filter it rather than scroll
    page.get_by_role("option", name=label, exact=True).click()
    page.wait_for_timeout(500)


def _train_and_wait(page) -> None:
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for(timeout=120_000)


def _upload(page, path) -> None:
    page.get_by_test_id("stRadioGroup").get_by_text("Upload a CSV").click()
    uploader = page.get_by_test_id("stFileUploader")
    expect(uploader).to_be_visible()  # the rerun after the radio click has drawn the uploader
    uploader.locator("input[type=file]").set_input_files(str(path))


def _expect_all_charts(page) -> None:
    # retried until the charts are drawn: the boundary, confusion, balance, ROC, PR and history
    expect(page.locator(".js-plotly-plot")).to_have_count(6, timeout=60_000)


def _go(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
    page.wait_for_timeout(800)


def test_landing_page_trains_live_and_shows_every_chart(page):
    assert page.get_by_role("heading", name="Imbalance Lab").is_visible()
    assert page.get_by_text("Moons").first.is_visible()
    _choose_strategy(page, "SMOTE")
    _set_epochs(page, 40)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("progressbar").first.wait_for()  # live progress while training
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for(timeout=120_000)
    _expect_all_charts(page)
    for title in ["Decision boundary - SMOTE", "Confusion matrix", "ROC curve", "Precision-recall curve",
                  "Rows per class", "Training history"]:
        expect(page.locator(".gtitle", has_text=title).first).to_be_visible()
    expect(page.locator(".legendtext", has_text="(synthetic)").first).to_be_visible()
    for metric in ["Recall", "PR AUC", "G-mean", "MCC"]:
        expect(page.get_by_test_id("stMetricLabel").filter(has_text=metric).first).to_be_visible()


def test_a_click_during_training_stops_it_cleanly(page):
    _set_epochs(page, 1000)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("progressbar").first.wait_for()
    page.wait_for_timeout(1500)
    _choose_strategy(page, "Class weighting")
    page.get_by_text("Training stopped because a setting changed").wait_for(timeout=30_000)
    expect(page.get_by_text(re.compile(r"Trained in \d"))).to_have_count(0)
    expect(page.locator(".js-plotly-plot")).to_have_count(0)  # no half-trained result shown
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
    page.get_by_role("button", name="Train", exact=True).wait_for()
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


def test_compare_page_produces_its_table_and_charts(page):
    _go(page, "Compare")
    page.get_by_role("button", name="Compare").wait_for()
    _set_epochs(page, 10)
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".js-plotly-plot")).to_have_count(5, timeout=240_000)
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect(page.get_by_text("8 strategies on Moons")).to_be_visible()
    for title in ["ROC curves", "Precision-recall curves", "Decision boundaries", "Confusion matrices", "Calibration"]:
        expect(page.locator(".gtitle", has_text=title).first).to_be_visible()


def test_compare_thresholds_from_costs_and_the_metrics_csv(page, tmp_path):
    import pandas as pd

    _go(page, "Compare")
    page.get_by_role("button", name="Compare", exact=True).wait_for()
    _set_epochs(page, 5)
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_text("8 strategies on Moons")).to_be_visible(timeout=240_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(5, timeout=60_000)
    page.get_by_text("Cheapest for given costs").click()
    expect(page.get_by_text("cheapest on its validation split").first).to_be_visible()
    page.wait_for_timeout(1000)  # the download button below the caption carries the re-cut table
    board = pd.read_csv(_download(page, "Metrics (CSV", tmp_path))
    assert board["Strategy"].tolist()[:2] == ["No treatment", "Random oversampling"] and len(board) == 8
    assert "Threshold" in board and board["Threshold"].between(0, 1).all()
    expect(page.locator(".legendtext", has_text="operating points").first).to_be_visible()


def _metrics(page) -> dict[str, str]:
    """The metric tiles as {label: value text}."""
    expect(page.get_by_test_id("stMetric")).to_have_count(9, timeout=60_000)
    out = {}
    for text in page.get_by_test_id("stMetric").all_inner_texts():
        label, value = [part.strip() for part in text.strip().split("\n") if part.strip()][:2]
        out[label] = value
    return out


def _download(page, label: str, folder):
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
    expected = _metrics(page)
    page.get_by_role("button", name="Share this setup").click()
    shown = page.get_by_test_id("stCode").inner_text().strip()
    link = page.url
    assert shown.split("?")[1] == link.split("?")[1]  # the popover offers the address-bar link
    assert "strategy=class_weight" in link and "n.epochs=15" in link

    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})  # no cookies, no session
    try:
        other = fresh.new_page()
        other.set_default_timeout(90_000)
        other.goto(shown)
        other.get_by_text(re.compile(r"Trained in \d")).first.wait_for(timeout=120_000)
        expect(other.get_by_text("Class weighting on Moons")).to_be_visible()
        assert _metrics(other) == expected
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
    shown = _metrics(page)

    rows = pd.read_csv(_download(page, "Training rows (CSV)", tmp_path))
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
    page.get_by_role("button", name="Open SMOTE with its lineage").click()
    page.get_by_text(re.compile(r"Trained in \d")).first.wait_for(timeout=120_000)
    expect(page.get_by_text("SMOTE on Moons")).to_be_visible()
    expect(page.locator(".legendtext", has_text="parents of synthetic points").first).to_be_visible()
