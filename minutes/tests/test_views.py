"""Browsing pages: what a citizen sees, bounded queries, stable links, helpful 404s, downloads."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from minutes.ingest import CREATED, ingest_path
from minutes.models import AgendaItem, Attachment, Committee, Decision, Meeting, Municipality
from minutes.tests.shared import corpus_file

pytestmark = pytest.mark.django_db

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "referater"
SORO = "/soroe-kommune/arbejdsmarkeds-og-erhvervsudvalget/"
SORO_2025 = SORO + "2025-08-14/"
TEKNIK = "/eksempelby-kommune/teknik-og-miljoeudvalget/"

# The most queries each page may run, whatever the size of the meeting or committee.
MAX_QUERIES = {"home": 5, "municipality": 4, "committee": 6, "committee_filtered": 7, "meeting": 4}
MAX_QUERIES.update({"item": 7, "case": 2})


@pytest.fixture
def archive():
    """The five corpus referater and the three fictional sample referater, ingested."""
    for name in ("000", "001", "002", "003", "004"):
        assert ingest_path(corpus_file(name)).status == CREATED
    for path in sorted(SAMPLE_DIR.iterdir()):
        assert ingest_path(path, municipality="Eksempelby Kommune").status == CREATED


@pytest.fixture(autouse=True)
def danish(settings):
    settings.LANGUAGE_CODE = "da"


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == status, url
    return response.content.decode()


def text_of(html: str) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    html = re.sub(r"<(script|style|title)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(a|span|time|strong|em|mark|code|abbr)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def main_of(html: str) -> str:
    return text_of(html[html.index("<main") : html.index("</main>")])


# ------------------------------------------------------------------------- big data


def build_meeting(committee: Committee, start: dt.datetime, n_items: int, *, attachments: int = 0) -> Meeting:
    """Write a meeting with ``n_items`` items, each with a current and an earlier decision."""
    meeting = Meeting.objects.create(
        committee=committee,
        start=start,
        url_key=f"{timezone.localtime(start):%Y-%m-%d}",
        location="Byrådssalen",
        participants=["Anna Berg (A)", "Bo Dahl (V)"],
        source_text="referat",
        source_checksum=f"{start:%Y%m%d%H%M}".ljust(64, "0"),
    )
    items = AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting,
            number=str(n),
            position=n,
            title=f"Sag nummer {n} om vejene",
            case_number=f"99/{n}",
            committee=committee,
            municipality=committee.municipality,
            meeting_date=timezone.localtime(start).date(),
            outcome="approved",
            decision_text="Godkendt.",
            sections=[
                {"heading": "Sagsfremstilling", "kind": "description", "text": "Lang tekst. " * 120},
                {"heading": "Indstilling", "kind": "recommendation", "text": "Kort indstilling."},
            ],
        )
        for n in range(1, n_items + 1)
    )
    decisions, files = [], []
    for item in items:
        decisions.append(Decision(item=item, position=1, text="Godkendt.", outcome="approved"))
        decisions.append(
            Decision(
                item=item,
                position=2,
                text="Økonomiudvalget anbefaler.",
                outcome="recommended",
                is_current=False,
                body="Økonomiudvalget",
                decided_on=dt.date(2024, 1, 2),
            )
        )
        files.extend(Attachment(item=item, position=p, title=f"Bilag {p}") for p in range(1, attachments + 1))
    Decision.objects.bulk_create(decisions)
    Attachment.objects.bulk_create(files)
    return meeting


@pytest.fixture
def big_committee():
    """A committee with 60 meetings over five years (12 a year) of 5 items each."""
    muni = Municipality.objects.create(name="Storby Kommune", slug="storby-kommune")
    committee = Committee.objects.create(municipality=muni, name="Vejudvalget", slug="vejudvalget")
    for n in range(60):
        year, month = 2020 + n // 12, n % 12 + 1
        start = timezone.make_aware(dt.datetime(year, month, 10, 16, 0))
        build_meeting(committee, start, 5)
    return committee


# --------------------------------------------------------------------------- home


def test_home_puts_the_search_box_first_then_latest_meetings_and_what_the_archive_holds(client, archive):
    html = page(client, "/")
    main = html[html.index("<main") :]
    assert main.index('role="search"') < main.index("Seneste møder") < main.index("Arkivet rummer")
    text = main_of(html)
    # Newest meeting first, with its municipality and item count.
    latest = text[text.index("Seneste møder") :]
    assert latest.index("14. august 2025") < latest.index("8. april 2025") < latest.index("13. august 2024")
    assert "Sorø Kommune · 9 punkter" in latest
    stats = text[text.index("Arkivet rummer") :]
    assert "Kommuner 3" in stats and "Udvalg 4" in stats and "Møder 8" in stats
    assert f"Dagsordenspunkter {AgendaItem.objects.count()}" in stats and "År 2022–2025" in stats
    for slug, name in [("soroe-kommune", "Sorø Kommune"), ("soenderborg-kommune", "Sønderborg Kommune")]:
        assert f'<a href="/{slug}/">{name}</a>' in html


def test_home_on_an_empty_archive_says_so(client):
    assert "Arkivet er tomt." in main_of(page(client, "/"))


# ------------------------------------------------------------------- municipality


def test_municipality_lists_committees_recent_meetings_and_where_data_comes_from(client, archive):
    text = main_of(page(client, "/soroe-kommune/"))
    assert "Arbejdsmarkeds og Erhvervsudvalget 4 møder, senest 14. august 2025" in text
    recent = text[text.index("Seneste møder") :]
    assert (
        recent.index("14. august 2025")
        < recent.index("26. september 2024")
        < recent.index("10. november 2022")
    )
    assert "Referaterne er indlæst fra de dokumenter" in text
    assert "Sønderborg" not in text


def test_municipality_shows_its_portal_and_freshness_when_known(client, archive):
    harvested = timezone.make_aware(dt.datetime(2025, 9, 1, 6, 30))
    Municipality.objects.filter(slug="soroe-kommune").update(
        portal_url="https://soroe.dk/dagsordener", last_harvested_at=harvested
    )
    html = page(client, "/soroe-kommune/")
    assert '<a href="https://soroe.dk/dagsordener" rel="external noopener">' in html
    assert "Sidst hentet: 1. september 2025 06:30" in main_of(html)


def test_a_portal_url_that_is_not_http_is_never_a_link(client, archive):
    Municipality.objects.filter(slug="soroe-kommune").update(portal_url="javascript:alert(1)")
    assert 'href="javascript:' not in page(client, "/soroe-kommune/")


# ---------------------------------------------------------------------- committee


def test_committee_shows_latest_year_grouped_by_month_with_outcomes(client, archive):
    html = page(client, SORO)
    text = main_of(html)
    assert "Møder i 2025" in text and "August 2025" in text
    assert "Torsdag 14. august 2025" in text
    assert "560. Status på aftale mellem Regeringen" in text and "Taget til efterretning" in text
    # Only the chosen year is listed; the others are a click away.
    assert "28. september 2023" not in text
    for year in (2025, 2024, 2023, 2022):
        assert f'href="?year={year}"' in html
    assert 'href="?year=2025" aria-current="page"' in html
    assert '<a href="/soroe-kommune/arbejdsmarkeds-og-erhvervsudvalget/2025-08-14/punkt-556/">' in html


def test_committee_jumps_to_a_year(client, archive):
    text = main_of(page(client, SORO + "?year=2023"))
    assert "Møder i 2023" in text and "Torsdag 28. september 2023" in text
    assert "14. august 2025" not in text.split("Møder i 2023")[1]
    assert "← Nyere: 2024" in text and "Ældre: 2022 →" in text


def test_committee_with_an_unknown_year_shows_the_latest_and_says_so(client, archive):
    text = main_of(page(client, SORO + "?year=1999"))
    assert "Der er ingen møder at vise for 1999; her er 2025." in text
    assert "Møder i 2025" in text


def test_committee_filters_by_outcome(client, archive):
    text = main_of(page(client, SORO + "?outcome=discussed"))
    # The only "drøftet" item of the committee is in 2024.
    assert "Møder i 2024 med punkter, der passer til filteret" in text
    assert "Drøftelse af et udviklingsprojekt for unge" in text
    assert "Orientering om årshjul" not in text


def test_committee_filters_by_text_through_the_search_backend(client, archive):
    html = page(client, SORO + "?q=beskæftigelsesreform")
    text = main_of(html)
    assert "Status på aftale mellem Regeringen og Kommunernes Landsforening" in text
    assert "Godkendelse af dagsordenen" not in text
    assert 'value="beskæftigelsesreform"' in html
    assert "Vis alle møder" in text


def test_committee_text_filter_without_matches_says_so(client, archive):
    text = main_of(page(client, SORO + "?q=zebrafinke"))
    assert "Ingen punkter i udvalget passer til filteret." in text


def test_committee_activity_chart_is_drawn_server_side(client, archive):
    html = page(client, SORO)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<rect") == 4  # four months with meetings
    assert "<title>august 2025: 1 møde, 9 punkter</title>" in svg
    assert svg.count('class="bar selected"') == 1
    assert "<script" not in html


def test_committee_with_sixty_meetings_shows_one_year_in_bounded_queries(
    client, big_committee, django_assert_max_num_queries
):
    url = big_committee.get_absolute_url()
    with django_assert_max_num_queries(MAX_QUERIES["committee"]):
        html = page(client, url)
    assert html.count('class="meeting-summary"') == 12
    assert "Møder i 2024" in html and html.count("Sag nummer 5 om vejene") == 12
    assert html[html.index("<svg") : html.index("</svg>")].count("<rect") == 60
    with django_assert_max_num_queries(MAX_QUERIES["committee_filtered"]):
        html = page(client, url + "?outcome=approved&year=2021")
    assert html.count('class="meeting-summary"') == 12


# ------------------------------------------------------------------------- meeting


def test_meeting_page_has_header_agenda_decisions_and_source(client, archive):
    html = page(client, TEKNIK + "2025-03-04/")
    text = main_of(html)
    assert "<h1>Teknik- og Miljøudvalget, 4. marts 2025</h1>" in html
    assert "Tid Tirsdag 4. marts 2025, 15:00" in text
    assert "Sted Rådhuset, mødelokale 2" in text
    assert "Deltagere Karen Holm, Mads Vestergaard, Lise Nørgaard, Peter Sand, Ole Bach" in text
    assert "Fraværende Ole Bach (V)" in text
    # The agenda links to anchors on the page.
    item = Meeting.objects.get(url_key="2025-03-04").items.order_by("position").first()
    assert f'href="#punkt-{item.number}"' in html and f'id="punkt-{item.number}"' in html
    assert 'href="/eksempelby-kommune/teknik-og-miljoeudvalget/2025-03-04/kilde/"' in html
    assert "Hent den originale fil" not in text  # a text referat has no original file


def test_meeting_shows_earlier_decisions_parts_and_dissent_as_such(client, archive):
    earlier = Decision.objects.filter(is_current=False, body="Økonomiudvalget").select_related(
        "item__meeting"
    )
    meeting = earlier.get().item.meeting
    text = main_of(page(client, meeting.get_absolute_url()))
    earlier_heading = "Tidligere beslutning i Økonomiudvalget Anbefalet Mindretal/forbehold"
    assert f"{earlier_heading} Besluttet 3. marts 2025, pkt. 44." in text
    assert "Det er ikke dette mødes beslutning, men en tidligere behandling" in text
    split = Decision.objects.get(text__startswith="Pkt. 1: Godkendt.\n\nPkt. 2: Drøftet.")
    text = main_of(page(client, split.item.meeting.get_absolute_url()))
    assert "Pkt. 1: Godkendt. Godkendt Pkt. 2: Drøftet." in text
    dissent = Decision.objects.get(text__contains="Enhedslisten kan ikke tiltræde udsættelsen")
    assert dissent.dissent
    text = main_of(page(client, dissent.item.meeting.get_absolute_url()))
    assert "Mindretal/forbehold: Enhedslisten kan ikke tiltræde udsættelsen" in text


def test_meeting_folds_long_sections_into_details(client, archive):
    html = page(client, SORO_2025)
    assert "<details" in html and "<summary>" in html
    long_section = max(
        (s for i in AgendaItem.objects.filter(meeting__url_key="2025-08-14") for s in i.sections),
        key=lambda s: len(s["text"]),
    )
    folded = html[html.index("<details") :]
    assert long_section["text"][:40].replace("&", "&amp;") in folded or long_section["heading"] in folded


def test_meeting_says_when_it_was_corrected(client, archive):
    Meeting.objects.filter(url_key="2025-08-14").update(
        corrected_at=timezone.make_aware(dt.datetime(2025, 8, 20, 9, 15))
    )
    text = main_of(page(client, SORO_2025))
    assert "Referatet er rettet: den gældende version blev indlæst 20. august 2025 09:15." in text
    assert "Referatet er rettet" not in main_of(page(client, SORO + "2024-09-26/"))


def test_closed_item_says_its_decision_is_not_public(client, archive):
    text = main_of(page(client, "/soenderborg-kommune/arbejdsmarkedsudvalget/2024-08-13/punkt-9/"))
    assert "Lukket punkt" in text and "Det offentlige referat indeholder ikke beslutningen." in text


def test_meeting_with_forty_items_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    muni = Municipality.objects.create(name="Storby Kommune", slug="storby-kommune")
    committee = Committee.objects.create(municipality=muni, name="Byrådet", slug="byraadet")
    meeting = build_meeting(committee, timezone.make_aware(dt.datetime(2025, 5, 5, 17)), 40, attachments=3)
    with django_assert_max_num_queries(MAX_QUERIES["meeting"]):
        html = page(client, meeting.get_absolute_url())
    assert html.count('<article class="item"') == 40
    assert html.count("Tidligere beslutning i Økonomiudvalget") == 40
    assert html.count("<details") == 40  # the long section of each item
    assert html.count("<li>Bilag 3</li>") == 40 and "/bilag/" not in html  # no files: titles only


# ---------------------------------------------------------------------------- item


def test_item_page_is_a_permalink_with_neighbours_and_case_history(client, archive):
    url = SORO_2025 + "punkt-556/"
    assert AgendaItem.objects.get(meeting__url_key="2025-08-14", number="556").get_absolute_url() == url
    html = page(client, url)
    text = main_of(html)
    assert "Punkt 556: Gennemgang og drøftelse af årshjul" in text
    assert "Beslutning Taget til efterretning" in text
    # Breadcrumbs: municipality › committee › meeting › item.
    crumbs = text_of(html[html.index('<nav class="breadcrumbs"') : html.index("</nav>")])
    assert crumbs == ("Forside Sorø Kommune Arbejdsmarkeds og Erhvervsudvalget 14. august 2025 Punkt 556")
    assert (
        f'rel="prev" href="{SORO_2025}punkt-555/"' in html
        and f'rel="next" href="{SORO_2025}punkt-557/"' in html
    )
    # The annual plan (00.22.00-A21-3-23) came up in 2023 and 2024 too.
    history = text[text.index("Sagens historik") :]
    assert history.index("28. september 2023") < history.index("26. september 2024")
    assert 'href="/soroe-kommune/sag/00.22.00-A21-3-23/"' in html


def test_first_item_has_no_previous_and_last_no_next(client, archive):
    html = page(client, SORO_2025 + "punkt-554/")
    assert 'rel="prev"' not in html and 'rel="next"' in html
    html = page(client, SORO_2025 + "punkt-562/")
    assert 'rel="next"' not in html and 'rel="prev"' in html


def test_item_page_queries_are_bounded(client, django_assert_max_num_queries):
    muni = Municipality.objects.create(name="Storby Kommune", slug="storby-kommune")
    committee = Committee.objects.create(municipality=muni, name="Byrådet", slug="byraadet")
    for month in range(1, 13):
        meeting = build_meeting(
            committee, timezone.make_aware(dt.datetime(2025, month, 5, 17)), 20, attachments=2
        )
    with django_assert_max_num_queries(MAX_QUERIES["item"]):
        html = page(client, meeting.get_absolute_url() + "punkt-7/")
    # Case 99/7 ran through all twelve meetings.
    assert html.count('class="case-list"') == 1 and text_of(html).count("Sag nummer 7 om vejene") == 12


def test_attachments_are_listed_and_files_are_downloads(client, archive, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = AgendaItem.objects.get(meeting__url_key="2025-08-14", number="555")
    pdf, html_file = item.attachments.order_by("position")[:2]
    pdf.file.save("bilag.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    html_file.file.save("bilag.pdf", ContentFile(b"<html><script>alert(1)</script>"), save=True)
    html = page(client, item.get_absolute_url())
    url = item.get_absolute_url() + f"bilag/{pdf.position}/"
    assert f'<a href="{url}" download>{pdf.title}</a>' in html
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    # A file that is not a PDF is never served as one, nor as HTML.
    response = client.get(item.get_absolute_url() + f"bilag/{html_file.position}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    # An attachment without a file is listed by title, with no link.
    third = item.attachments.order_by("position")[2]
    assert f"<li>{third.title}</li>" in html.replace("\n", "")
    assert client.get(item.get_absolute_url() + f"bilag/{third.position}/").status_code == 404


def test_original_source_file_is_a_download_and_source_text_is_plain(client, archive, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.get(SORO_2025 + "kilde/")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.decode() == corpus_file("000").read_text(encoding="utf-8")
    assert client.get(SORO_2025 + "kilde/original/").status_code == 404
    meeting = Meeting.objects.get(url_key="2025-08-14")
    meeting.source_file.save("referat.pdf", ContentFile(b"%PDF-1.7 referat"), save=True)
    Meeting.objects.filter(pk=meeting.pk).update(source_name="Referat AEU 14.08.2025.pdf")
    assert "Hent den originale fil" in main_of(page(client, SORO_2025))
    response = client.get(SORO_2025 + "kilde/original/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Referat AEU 14.08.2025.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------------------- case


def test_case_with_a_slash_in_its_number_lists_its_items(client, archive):
    assert reverse("case", args=["soenderborg-kommune", "23/39379"]) == "/soenderborg-kommune/sag/23/39379/"
    text = main_of(page(client, "/soenderborg-kommune/sag/23/39379/"))
    assert "Sag 23/39379" in text and "Godkendelse af 2. bevillingsrevision 2024" in text
    assert "Udvalget anbefaler indstillingen." in text


def test_case_page_is_the_life_of_the_case_in_date_order(client, django_assert_max_num_queries, archive):
    with django_assert_max_num_queries(MAX_QUERIES["case"]):
        text = main_of(page(client, "/soroe-kommune/sag/00.22.00-A21-3-23/"))
    lead = "Sagen har været behandlet 3 gange fra 28. september 2023 til 14. august 2025."
    assert lead in text
    text = text.split(lead)[1]
    assert text.index("28. september 2023") < text.index("26. september 2024") < text.index("14. august 2025")


def test_case_numbers_belong_to_their_municipality(client, archive):
    page(client, "/soenderborg-kommune/sag/00.22.00-A21-3-23/", status=404)


# ----------------------------------------------------------------- bounded queries


@pytest.mark.parametrize(
    "name,url",
    [
        ("home", "/"),
        ("municipality", "/soroe-kommune/"),
        ("committee", SORO),
        ("committee_filtered", SORO + "?q=årshjul&outcome=noted"),
        ("meeting", SORO_2025),
        ("item", SORO_2025 + "punkt-556/"),
        ("case", "/soroe-kommune/sag/00.22.00-A21-3-23/"),
    ],
)
def test_every_page_runs_a_bounded_number_of_queries(
    client, archive, django_assert_max_num_queries, name, url
):
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        page(client, url)


# ----------------------------------------------------------------------------- 404


@pytest.mark.parametrize(
    "url,message,nearby",
    [
        ("/atlantis-kommune/", "Kommunen »atlantis-kommune« findes ikke i arkivet.", []),
        ("/soroe-kommune/byraadet/", "Udvalget »byraadet« findes ikke i arkivet.", ["Sorø Kommune"]),
        (
            SORO + "2025-08-15/",
            "Der er intet møde »2025-08-15« i udvalget »arbejdsmarkeds-og-erhvervsudvalget«.",
            ["Sorø Kommune", "Arbejdsmarkeds og Erhvervsudvalget"],
        ),
        (
            SORO_2025 + "punkt-999/",
            "Mødet den 14. august 2025 har intet punkt 999.",
            ["Sorø Kommune", "Arbejdsmarkeds og Erhvervsudvalget", "14. august 2025"],
        ),
        ("/soroe-kommune/sag/1/2/", "Sagsnummer 1/2 findes ikke hos Sorø Kommune.", ["Sorø Kommune"]),
        ("/soroe-kommune/a/b/c/d/e/", "Der er ingen side på denne adresse.", ["Sorø Kommune"]),
    ],
)
def test_404_says_what_was_not_found_and_offers_a_way_on(client, archive, settings, url, message, nearby):
    settings.DEBUG = False
    html = page(client, url, status=404)
    text = main_of(html)
    assert "<h1>Siden findes ikke</h1>" in html
    assert message in text
    assert 'action="/search/"' in html[html.index("<main") :]
    found = text_of(html[html.index("Det findes") : html.index("Kommuner i arkivet")]) if nearby else ""
    for label in nearby:
        assert label in found
    assert '<a href="/soenderborg-kommune/">Sønderborg Kommune</a>' in html


def test_404_escapes_the_address(client, archive, settings):
    settings.DEBUG = False
    html = page(client, "/soroe-kommune/%3Cb%3Ehej%3C/b%3E/", status=404)
    assert "<b>hej" not in html and "&lt;b&gt;hej" in html


# ----------------------------------------------------------------- i18n, escaping


def test_danish_by_default_and_english_after_the_language_switch(client, archive):
    html = page(client, SORO_2025)
    assert '<html lang="da">' in html and "Dagsorden" in html
    assert 'name="language" value="en"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": SORO_2025})
    assert response.status_code == 302 and response["Location"] == SORO_2025
    html = client.get(SORO_2025).content.decode()
    assert '<html lang="en">' in html
    text = main_of(html)
    assert '<h2 id="toc-h">Agenda</h2>' in html and '<h3 class="decision-h">Decision' in html
    assert "Time Thursday Aug. 14, 2025, 4 p.m." in text and "Venue Dianalund Stuen" in text
    assert '<span class="outcome outcome-noted">Noted</span>' in html  # model labels too
    i = html.find("Taget til efterretning</span>")
    assert i == -1, html[i - 300 : i + 50]
    assert 'name="language" value="da"' in html


def test_third_party_text_is_escaped(client, archive):
    item = AgendaItem.objects.get(meeting__url_key="2025-08-14", number="556")
    AgendaItem.objects.filter(pk=item.pk).update(title="<script>alert(1)</script> Årshjul")
    for url in (SORO, SORO_2025, item.get_absolute_url(), "/soroe-kommune/sag/00.22.00-A21-3-23/"):
        html = page(client, url)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_server_error_page_stands_alone_in_both_languages():
    from django.template import loader

    html = loader.get_template("500.html").render()  # Django renders it with no context at all
    assert "<h1>Der opstod en fejl</h1>" in html and "Something went wrong" in html
    assert 'href="/"' in html
