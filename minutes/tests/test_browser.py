"""A citizen's path through the archive in a real browser (Debian's Chromium via Playwright).

Home → search → a result → its meeting → its committee → a case, on a desktop and a phone
screen; the language switch by keyboard; the print stylesheet; a 404. Screenshots go to
test-artifacts/screenshots/. Without Chromium the tests skip, but fail under CI.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from minutes.ingest import CREATED, ingest_path
from minutes.tests.shared import corpus_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "referater"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        message = f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, so Django takes the
    # test's own ORM calls for async ones; they are not (the documented workaround).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def archive(transactional_db):
    for name in ("000", "001", "002", "003", "004"):
        assert ingest_path(corpus_file(name)).status == CREATED
    for path in sorted(SAMPLE_DIR.iterdir()):
        assert ingest_path(path, municipality="Eksempelby Kommune").status == CREATED


def new_page(browser, viewport: str):
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="da-DK")
    return context, context.new_page()


def shoot(page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def assert_fits(page, viewport: str) -> None:
    """Nothing on the page makes the screen scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url} is {width}px wide on a {inner}px {viewport} screen"


def crumbs(page) -> list[str]:
    return [t.strip() for t in page.locator("nav.breadcrumbs li").all_inner_texts()]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_citizen_finds_a_decision_and_follows_it_through_the_archive(browser, live_server, archive, viewport):
    context, page = new_page(browser, viewport)
    try:
        # Home: the search box comes first.
        page.goto(live_server.url + "/")
        assert page.locator("h1").inner_text() == "Søg i kommunernes referater"
        assert page.get_by_role("link", name="Sønderborg Kommune").is_visible()
        assert_fits(page, viewport)
        shoot(page, f"{viewport}-1-home")

        # Search by typing into the box and submitting, as a person would.
        box = page.get_by_role("searchbox", name="Søgeord")
        box.fill("beskæftigelsesreform")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/search/\?q="))
        result = page.locator("ol.hits h3 a").filter(has_text="Status på aftale mellem Regeringen")
        assert result.count() == 1
        assert_fits(page, viewport)
        shoot(page, f"{viewport}-2-search")

        # The item: its decision is the first thing after the title.
        result.click()
        page.wait_for_url(re.compile(r"/punkt-560/$"))
        assert page.locator("h1").inner_text().startswith("Punkt 560: Status på aftale mellem Regeringen")
        decision = page.locator("section.decision").first
        assert decision.is_visible() and "Taget til efterretning." in decision.inner_text()
        assert crumbs(page) == [
            "Forside",
            "Sorø Kommune",
            "Arbejdsmarkeds og Erhvervsudvalget",
            "14. august 2025",
            "Punkt 560",
        ]
        assert page.get_by_role("link", name=re.compile("Næste punkt")).is_visible()
        assert_fits(page, viewport)
        shoot(page, f"{viewport}-3-item")

        # Its meeting, through the breadcrumb.
        page.locator("nav.breadcrumbs").get_by_role("link", name="14. august 2025").click()
        page.wait_for_url(re.compile(r"/2025-08-14/$"))
        assert page.locator("h1").inner_text() == "Arbejdsmarkeds og Erhvervsudvalget, 14. august 2025"
        assert page.locator("nav.toc li").count() == 9
        assert page.locator("dl.meeting-header").inner_text().count("Dianalund Stuen") == 1
        # The agenda's anchors jump to the item.
        page.locator("nav.toc").get_by_role("link", name=re.compile("Underskriftsark")).click()
        assert page.url.endswith("#punkt-562")
        assert page.locator("#punkt-562 h2").is_visible()
        assert_fits(page, viewport)
        shoot(page, f"{viewport}-4-meeting", full_page=False)
        page.evaluate("window.scrollTo(0, 0)")
        shoot(page, f"{viewport}-4-meeting-top", full_page=False)

        # Its committee: a timeline by year and month with a chart drawn by the server.
        page.locator("nav.breadcrumbs").get_by_role("link", name="Arbejdsmarkeds og Erhvervsudvalget").click()
        page.wait_for_url(re.compile(r"/arbejdsmarkeds-og-erhvervsudvalget/$"))
        assert page.locator("h1").inner_text().startswith("Arbejdsmarkeds og Erhvervsudvalget")
        assert page.locator("figure.activity svg rect").count() == 4
        assert page.locator("#year-h").inner_text() == "Møder i 2025"
        page.locator("nav.years").get_by_role("link", name=re.compile("^2023")).click()
        page.wait_for_url(re.compile(r"year=2023"))
        assert page.locator("#year-h").inner_text() == "Møder i 2023"
        assert page.get_by_role("link", name="Torsdag 28. september 2023").is_visible()
        assert_fits(page, viewport)
        shoot(page, f"{viewport}-5-committee")

        # Filter the committee by text, then follow an item to its case.
        page.get_by_label("Tekst i udvalgets punkter").fill("årshjul")
        page.get_by_role("button", name="Filtrér").click()
        page.wait_for_url(re.compile(r"q=%C3%A5rshjul|q=årshjul"))
        assert page.locator("#year-h").inner_text() == "Møder i 2025 med punkter, der passer til filteret"
        page.locator("ol.item-glance a").filter(has_text="årshjul").first.click()
        page.wait_for_url(re.compile(r"/punkt-\d+/$"))
        page.get_by_role("link", name="00.22.00-A21-3-23").first.click()
        page.wait_for_url(re.compile(r"/sag/"))
        assert page.locator("h1").inner_text().startswith("Sag 00.22.00-A21-3-23")
        entries = page.locator("ol.case-timeline > li")
        assert entries.count() == 3
        assert "28. september 2023" in entries.first.inner_text()
        assert "14. august 2025" in entries.last.inner_text()
        assert crumbs(page) == ["Forside", "Sorø Kommune", "Sag 00.22.00-A21-3-23"]
        assert_fits(page, viewport)
        shoot(page, f"{viewport}-6-case")
    finally:
        context.close()


def test_language_switch_works_from_the_keyboard(browser, live_server, archive):
    context, page = new_page(browser, "desktop")
    try:
        page.goto(live_server.url + "/soroe-kommune/")
        assert page.locator("html").get_attribute("lang") == "da"
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == "language":
                break
        assert page.evaluate("document.activeElement.textContent.trim()") == "English"
        # Wait for the POST and its redirect, not merely for the page already shown.
        with page.expect_navigation(url=live_server.url + "/soroe-kommune/"):
            page.keyboard.press("Enter")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.url == live_server.url + "/soroe-kommune/"
        assert page.get_by_role("heading", name="Latest meetings").is_visible()
        assert page.get_by_role("button", name="Dansk").is_visible()
        shoot(page, "desktop-7-municipality-english")
    finally:
        context.close()


def test_meeting_prints_as_a_document_with_every_section_unfolded(browser, live_server, archive):
    context, page = new_page(browser, "desktop")
    try:
        page.goto(live_server.url + "/soroe-kommune/arbejdsmarkeds-og-erhvervsudvalget/2025-08-14/")
        folded = page.locator("details.section .prose").first
        assert not folded.is_visible()  # long sections start folded on screen
        page.emulate_media(media="print")
        assert folded.is_visible()
        assert not page.locator("header.site-header").is_visible()
        assert not page.locator("nav.breadcrumbs").is_visible()
        shoot(page, "desktop-8-meeting-print", full_page=False)
    finally:
        context.close()


def test_missing_page_helps_the_reader_on(browser, live_server, archive):
    context, page = new_page(browser, "phone")
    try:
        response = page.goto(
            live_server.url + "/soroe-kommune/arbejdsmarkeds-og-erhvervsudvalget/2025-08-14/punkt-9/"
        )
        assert response.status == 404
        assert page.locator("h1").inner_text() == "Siden findes ikke"
        assert "Mødet den 14. august 2025 har intet punkt 9." in page.locator("main").inner_text()
        assert page.get_by_role("link", name="Arbejdsmarkeds og Erhvervsudvalget").is_visible()
        assert_fits(page, "phone")
        shoot(page, "phone-9-not-found")
    finally:
        context.close()
