"""As a person would: headless Chromium searches, opens a lineage, follows a source and a successor."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
SCREENSHOTS = Path(os.environ.get("DERBYGRAPH_SCREENSHOTS", Path(__file__).resolve().parent / "screenshots"))


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


def test_search_lineage_source_and_successor(server, browser):
    page = browser.new_page()
    page.goto(server.url + "/")
    page.fill("#org", "Southern Derbyshire")
    page.press("#org", "Enter")
    page.wait_for_selector("svg .name-bar")

    bars = page.locator("svg .name-bar text").all_text_contents()
    assert len(bars) == 4
    for name in ("Southern Derbyshire Mental Health NHS Trust",
                 "Southern Derbyshire Community and Mental Health Services NHS Trust",
                 "Derbyshire Mental Health Services NHS Trust",
                 "Derbyshire Healthcare NHS Foundation Trust"):
        assert any(name in bar for bar in bars), name
    assert page.locator("svg title").first.text_content().startswith("Names of")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lineage.png"), full_page=True)

    lineage_url = page.url
    page.locator("a.source").first.click()
    page.wait_for_load_state()
    assert "/derbygraph/id/source/dhcft-encyclopedia" in page.url
    assert "Derbyshire Healthcare NHS Foundation Trust" in page.inner_text("h1")

    page.goto(server.url + "/lineage?org=Community%20Health%20Care%20North%20Derbyshire")
    page.locator("a.successor").first.click()
    page.wait_for_selector("svg .name-bar")
    assert "Derbyshire Healthcare NHS Foundation Trust" in page.inner_text("h1")
    assert lineage_url != page.url
    page.close()


def test_escaped_input_renders_as_text(server, browser):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server.url + "/lineage?org=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)</script>" in page.inner_text("body")
    assert dialogs == []
    page.close()
