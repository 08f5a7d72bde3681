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
    page.get_by_role("button", name="Train").click()
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
    page.get_by_role("button", name="Train").click()
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
    page.get_by_role("button", name="Train").click()
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
    page.get_by_role("button", name="Train").wait_for()
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
