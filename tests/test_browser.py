"""As a person would: headless Chromium searches, opens a lineage, follows a source and a successor."""

from __future__ import annotations

import os
from pathlib import Path

SCREENSHOTS = Path(os.environ.get("DERBYGRAPH_SCREENSHOTS", Path(__file__).resolve().parent / "screenshots"))


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
    page.locator("a.transfer").first.click()  # it passed services on: a transfer, not a successor (issue 26)
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


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_choose_page_offers_the_lineages_and_each_choice_leads_to_one(server, browser):
    page = browser.new_page()
    page.goto(server.url + "/lineage?org=Community")
    assert "Which organisation do you mean?" in page.inner_text("h1")
    choices = page.locator("a.choice")
    assert choices.count() >= 3
    chosen = choices.first.inner_text()
    shot(page, "choose.png")
    choices.first.click()
    page.wait_for_selector("svg .name-bar")
    assert page.inner_text("h1") == chosen
    assert page.locator(".closest").count() == 0  # a choice made is not second-guessed
    page.goto(server.url + "/lineage?org=Derby")
    assert "closest match" in page.inner_text(".closest")
    page.close()


def test_timeline_marks_are_keyed_links_that_do_not_overlap(server, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(server.url + "/lineage?org=Derbyshire%20Healthcare%20NHS%20Foundation%20Trust&at=2005")
    page.wait_for_selector("svg .name-bar")
    assert page.locator("svg .as-of").count() == 1
    assert page.locator("svg .transfer-branch").count() >= 1  # services passed on in 2002
    assert "In 2005 it was called" in page.inner_text(".asof-answer")
    page.goto(server.url + "/lineage?org=Derbyshire%20Healthcare%20NHS%20Foundation%20Trust")
    marks = page.locator("svg a.mark")
    boxes = [marks.nth(i).locator("text").bounding_box() for i in range(marks.count())]
    assert len(boxes) >= 10
    for i, one in enumerate(boxes):
        for other in boxes[i + 1:]:
            apart = (one["x"] + one["width"] <= other["x"] or other["x"] + other["width"] <= one["x"]
                     or one["y"] + one["height"] <= other["y"] or other["y"] + other["height"] <= one["y"])
            assert apart, (one, other)
    assert page.locator("svg .key").count() >= 4  # the kinds are keyed
    shot(page, "lineage-timeline.png")
    marks.nth(5).locator("text").click()
    number = page.url.rsplit("#event-", 1)[1]
    assert page.locator(f"#event-{number}").is_visible()
    for code in ("FoundationTrustAuthorisation", "resultingOrganization"):
        assert code not in page.inner_text("main")
    with page.expect_download() as download:
        page.locator("a.svg-download").click()
    assert download.value.suggested_filename.endswith(".svg")
    page.close()


def test_lineage_reads_on_a_phone(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(server.url + "/lineage?org=DHCFT")
    page.wait_for_selector("svg .name-bar")
    # the page itself never scrolls sideways; only the picture does, inside its frame
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    label = page.locator("svg .name-bar text").first.bounding_box()
    assert label["height"] >= 11  # bar labels stay legible (not shrunk to fit the phone)
    page.screenshot(path=str(SCREENSHOTS / "lineage-phone.png"))
    page.close()


def test_source_page_and_a_quotation(server, browser):
    page = browser.new_page()
    page.goto(server.url + "/derbygraph/id/source/dhcft-encyclopedia")
    assert page.inner_text("h1") == "Derbyshire Healthcare NHS Foundation Trust (encyclopedia article)"
    assert "a3d3dcb1741a89e1737b4a1a0e90f69aa64b4bc345f4703fe6b8bf0df80f7009" in page.inner_text("dl.source-meta")
    assert page.locator("ol.quotations > li").count() > 20
    shot(page, "source.png")
    page.locator("a.quote-link").first.click()
    page.wait_for_load_state()
    assert "/quote/" in page.url and "Statements resting on these words" in page.inner_text("main")
    page.close()


def test_query_editor(server, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/query")
    editor = page.locator(".cm-content")
    editor.wait_for()
    colours = page.evaluate("""() => {
        const root = document.querySelector('.sparql-editor').shadowRoot;
        const colour = (text) => [...root.querySelectorAll('.cm-line span')].filter(s => s.textContent === text)
            .map(s => getComputedStyle(s).color)[0];
        return [colour('SELECT'), colour('?organisation'), getComputedStyle(root.querySelector('.cm-line')).color];
    }""")
    assert None not in colours and len(set(colours)) == 3, colours  # keywords, variables, text: highlighted
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("SELECT ?s ?label WHERE { ?s rdfs:label ?label } LIMIT 120 ")
    offered = """(text) => [...document.querySelector('.sparql-editor').shadowRoot
        .querySelectorAll('.cm-tooltip-autocomplete li')].some(li => li.textContent.includes(text))"""
    page.keyboard.type("dg")
    # the list follows the keys a moment behind (a tooltip for an earlier prefix may show first)
    page.wait_for_function(offered, arg="dg:")
    page.keyboard.press("Escape")
    page.keyboard.type(":hasName")  # terms of the data complete too
    page.wait_for_function(offered, arg="dg:hasNamePeriod")
    page.keyboard.press("Escape")
    for _ in range(len("dg:hasName")):
        page.keyboard.press("Backspace")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("table.results-table")
    summary = page.inner_text(".summary")
    assert "120 rows" in summary and " ms" in summary
    assert "page 1 of 3" in page.inner_text(".pager")
    assert page.locator("table.results-table tbody tr").count() == 50
    assert page.locator("a.labelled").count() > 0  # labels beside IRIs
    header = page.locator("table.results-table th").nth(1)
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    column = page.locator("table.results-table tbody tr td:nth-child(2)").all_inner_texts()
    assert page.evaluate("""(values) => { const c = new Intl.Collator(undefined, {numeric: true, sensitivity: 'base'});
        return values.every((v, i) => i === 0 || c.compare(values[i - 1], v) <= 0); }""", column)
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert page.locator("table.results-table tbody tr td:nth-child(2)").first.inner_text() != column[0]
    shot(page, "query.png")

    editor = page.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("SELECT ?x WHERE { ?x ?y }")
    page.wait_for_selector(".cm-lint-marker-error, .cm-lintRange-error")  # live syntax error
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".results .error")
    message = page.inner_text(".results .error")
    assert message.startswith("This is not valid SPARQL") and "[_]" not in message
    assert page.locator(".downloads").count() == 0  # no download links under an error
    assert errors == []
    page.close()
