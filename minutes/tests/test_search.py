"""One search suite, run on SQLite (FTS5) and on PostgreSQL (tsvector) by ``make test``."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils.html import escape
from fpdf import FPDF

from minutes.ingest import attach_file, ingest_path
from minutes.models import AgendaItem, Attachment, Committee, Municipality
from minutes.tests.searchdata import Item, ingest_referat
from minutes.tests.shared import corpus_file

pytestmark = pytest.mark.django_db


def api(client, **params) -> dict:
    response = client.get("/api/search", params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def titles(client, **params) -> list[str]:
    return [hit["title"] for hit in api(client, per_page=100, **params)["results"]]


@pytest.fixture
def archive(db):
    """Two municipalities, three committees, items written to probe each feature."""
    ingest_referat(
        "Testby Kommune",
        "Socialudvalget",
        "04-03-2025",
        [
            Item(
                "Modtagelse af flygtninge", "Kommunen modtog flygtningene i marts.", "Taget til efterretning."
            ),
            Item("Boliger til en flygtning", "Der er fundet en bolig.", "Godkendt."),
            Item("Socialt frikort", "Ordningen med socialt frikort gøres permanent.", "Godkendt."),
            Item("Frikort og det sociale arbejde", "Et frikort gives til socialt udsatte.", "Drøftet."),
            Item(
                "Budget for anlæg af cykelsti",
                "Budget og anlæg: cykelstien koster 2 mio. kr.",
                "Ikke godkendt.",
                case_number="24/55501",
            ),
            Item("Driftsbudget", "Budget for drift af plejecentre.", "Udsat."),
            Item("Lukket sag om personale", closed=True),
        ],
    )
    ingest_referat(
        "Testby Kommune",
        "Teknikudvalget",
        "10-09-2024",
        [
            Item("Busbane på Ringvejen", "En busbane gør bussen hurtigere.", "Godkendt."),
            Item(
                "Cykelsti langs åen",
                "Anlæg af cykelsti, budget 1 mio. kr.",
                "Godkendt.",
                case_number="24/55501",
            ),
            Item(
                "Orientering om vejarbejde",
                "Vejen lukkes i uge 40. <b>Vigtigt</b> & hastende.",
                "Taget til efterretning.",
            ),
        ],
    )
    ingest_referat(
        "Andeby Kommune",
        "Socialudvalget",
        "15-01-2023",
        [
            Item(
                "Ældrerådets høringssvar",
                "ÆLDRERÅDET anbefaler flere hjemmebesøg.",
                "Taget til efterretning.",
            ),
            Item("Varmestuen", "Ordningen videreføres, og flygtninge er velkomne.", "Godkendt."),
        ],
    )


def test_stemming_finds_inflected_forms(client, archive):
    found = titles(client, q="flygtninge")
    assert "Modtagelse af flygtninge" in found  # flygtninge / flygtningene
    assert "Boliger til en flygtning" in found  # singular, in the title
    assert "Varmestuen" in found  # in the body only
    assert "Busbane på Ringvejen" not in found


def test_case_insensitive_and_danish_letters(client, archive):
    assert titles(client, q="ældrerådet") == ["Ældrerådets høringssvar"]
    assert titles(client, q="ÆLDRERÅDETS") == ["Ældrerådets høringssvar"]


def test_phrase_matches_only_the_phrase(client, archive):
    found = titles(client, q='"socialt frikort"')
    assert found == ["Socialt frikort"]
    both_words = titles(client, q="socialt frikort")
    assert set(both_words) == {"Socialt frikort", "Frikort og det sociale arbejde"}


def test_or_and_exclusion(client, archive):
    assert set(titles(client, q="busbane OR cykelsti")) == {
        "Busbane på Ringvejen",
        "Cykelsti langs åen",
        "Budget for anlæg af cykelsti",
    }
    assert titles(client, q="budget -anlæg") == ["Driftsbudget"]
    assert "Driftsbudget" not in titles(client, q="-budget")
    assert "Busbane på Ringvejen" in titles(client, q="-budget")


def test_filters_combine_with_the_query_and_work_without_it(client, archive):
    assert set(titles(client, q="cykelsti", municipality="testby-kommune")) == {
        "Cykelsti langs åen",
        "Budget for anlæg af cykelsti",
    }
    assert titles(client, q="flygtninge", municipality="andeby-kommune") == ["Varmestuen"]
    both = titles(client, q="flygtninge", municipality=["andeby-kommune", "testby-kommune"], sort="newest")
    assert both == ["Boliger til en flygtning", "Modtagelse af flygtninge", "Varmestuen"]
    teknik = Committee.objects.get(name="Teknikudvalget")
    assert set(titles(client, committee=teknik.pk)) == {
        "Busbane på Ringvejen",
        "Cykelsti langs åen",
        "Orientering om vejarbejde",
    }
    assert titles(client, date_from="2023-01-01", date_to="2023-12-31") == [
        "Ældrerådets høringssvar",
        "Varmestuen",
    ] or set(titles(client, date_from="2023-01-01", date_to="2023-12-31")) == {
        "Ældrerådets høringssvar",
        "Varmestuen",
    }
    assert titles(client, outcome="rejected") == ["Budget for anlæg af cykelsti"]
    assert titles(client, outcome="postponed") == ["Driftsbudget"]
    assert titles(client, closed="true") == ["Lukket: Lukket sag om personale"]
    assert set(titles(client, case_number="24/55501")) == {
        "Cykelsti langs åen",
        "Budget for anlæg af cykelsti",
    }
    assert titles(client, q="budget", year=2024) == ["Cykelsti langs åen"]


def test_bad_filter_values_get_a_message_not_an_error(client, archive):
    response = client.get("/api/search", {"q": "budget", "date_from": "not-a-date"})
    assert response.status_code == 400
    assert "date_from" in json.loads(response.content)["errors"]
    page = client.get("/search/", {"q": "budget", "date_from": "not-a-date", "municipality": "nowhere"})
    assert page.status_code == 200
    assert "Nogle filtre kunne ikke bruges" in page.content.decode()


def test_facets_count_and_filter(client, archive):
    response = client.get("/search/", {"q": "budget"})
    results = response.context["results"]
    facets = {name: {f.label: f.count for f in values} for name, values in results.facets.items()}
    assert facets["municipality"] == {"Testby Kommune": 3}
    assert facets["year"] == {"2025": 2, "2024": 1}
    assert facets["outcome"] == {"Afvist": 1, "Udsat": 1, "Godkendt": 1}
    assert facets["committee"] == {"Socialudvalget (Testby Kommune)": 2, "Teknikudvalget (Testby Kommune)": 1}
    year_2024 = next(f for f in results.facets["year"] if f.label == "2024")
    filtered = client.get("/search/" + year_2024.url).context["results"]
    assert [hit.item.title for hit in filtered.hits] == ["Cykelsti langs åen"]
    selected = next(f for f in filtered.facets["year"] if f.selected)
    assert "year" not in selected.url  # clicking a selected facet removes it
    # On the page: a link per value with its count; the selected one marked and removable.
    page = client.get("/search/" + year_2024.url).content.decode()
    unselected = next(f for f in filtered.facets["outcome"] if not f.selected)
    assert f'<a href="{escape(unselected.url)}">{unselected.label}</a> <span class="count">1</span>' in page
    removable = f'<a href="{escape(selected.url)}" aria-current="true" title="Fjern filter">2024</a>'
    assert f'<li class="selected">{removable}' in page


def test_ordering_relevance_newest_oldest(client, archive):
    # A title match outranks a body match.
    assert titles(client, q="flygtning")[0] in {"Modtagelse af flygtninge", "Boliger til en flygtning"}
    assert titles(client, q="flygtning")[-1] == "Varmestuen"
    newest = api(client, q="cykelsti OR busbane", sort="newest")["results"]
    assert [r["meeting_date"] for r in newest] == sorted((r["meeting_date"] for r in newest), reverse=True)
    oldest = api(client, sort="oldest", per_page=100)["results"]
    assert oldest[0]["title"] == "Ældrerådets høringssvar"
    # Without a query, the newest come first.
    assert api(client)["results"][0]["meeting_date"] == "2025-03-04"


def test_snippets_mark_matches_and_escape_text(client, archive):
    hit = api(client, q="flygtningene")["results"][0]
    assert hit["title"] == "Modtagelse af flygtninge"
    assert "<mark>flygtningene</mark>" in hit["snippet"]
    page = client.get("/search/", {"q": "vigtigt"}).content.decode()
    # Text from the source is escaped: no markup from a referat reaches the page.
    assert "<mark>Vigtigt</mark>" in page and "&amp; hastende" in page
    assert "<b>Vigtigt" not in page and "&lt;b&gt;" in page
    assert "<mark>flygtninge</mark>" in client.get("/search/", {"q": "flygtning"}).content.decode()


def test_json_shape(client, archive):
    data = api(client, q="busbane")
    assert data["count"] == 1 and data["next"] is None and data["previous"] is None
    (hit,) = data["results"]
    assert set(hit) >= {
        "title",
        "municipality",
        "committee",
        "meeting_date",
        "item_number",
        "case_number",
        "outcome",
        "url",
        "snippet",
    }
    assert hit["meeting_date"] == "2024-09-10"
    assert hit["item_number"] == "1"
    assert hit["municipality"] == "Testby Kommune" and hit["committee"] == "Teknikudvalget"
    assert hit["outcome"] == "approved"
    assert hit["url"].endswith("/testby-kommune/teknikudvalget/2024-09-10/punkt-1/")
    assert client.get(hit["url"]).status_code == 200


def test_pagination_has_stable_urls(client, archive):
    first = api(client, per_page=4, sort="oldest")
    assert first["count"] == 12 and first["next"] and first["previous"] is None
    second = client.get(first["next"])
    data = json.loads(second.content)
    assert data["page"] == 2 and data["previous"]
    assert {r["url"] for r in data["results"]}.isdisjoint({r["url"] for r in first["results"]})
    assert api(client, per_page=4, page=99)["results"] == []


HOSTILE = [
    '"unbalanced',
    'a "b',
    "OR",
    "- -- ---",
    "*",
    "budget*",
    "(",
    "((budget",
    ")",
    "NEAR(a b)",
    "title:budget",
    "budget AND NOT",
    "'; DROP TABLE minutes_agendaitem; --",
    "\\",
    "\x00budget",
    "<script>alert(1)</script>",
    "og i at",
    "💥 emoji",
    "^~!@#$%&",
    "x" * 10_000,
    "budget " * 2_000,
    '" OR "',
    "-",
    '"-"',
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client, archive, query):
    page = client.get("/search/", {"q": query})
    assert page.status_code == 200
    assert "<script>alert" not in page.content.decode()
    assert client.get("/api/search", {"q": query}).status_code == 200


def test_only_stop_words_gets_a_friendly_message(client, archive):
    page = client.get("/search/", {"q": "og i at"}).content.decode()
    assert "meget almindelige ord" in page


def test_index_follows_corrections_and_deletions(client, archive):
    assert titles(client, q="hjemmebesøg") == ["Ældrerådets høringssvar"]
    ingest_referat(
        "Andeby Kommune",
        "Socialudvalget",
        "15-01-2023",
        [
            Item(
                "Ældrerådets høringssvar",
                "ÆLDRERÅDET anbefaler flere besøgshunde.",
                "Taget til efterretning.",
            )
        ],
    )
    assert titles(client, q="hjemmebesøg") == []
    assert titles(client, q="besøgshunde") == ["Ældrerådets høringssvar"]
    assert titles(client, q="varmestuen") == []  # the item was dropped by the correction


def test_rebuild_search_index_gives_the_same_results(client, archive):
    before = {q: titles(client, q=q) for q in ["flygtninge", '"socialt frikort"', "budget -anlæg"]}
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))
    assert {q: titles(client, q=q) for q in before} == before


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", "", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def test_attachment_text_is_searched_and_shown_as_such(client, archive):
    ingest_referat(
        "Testby Kommune",
        "Teknikudvalget",
        "01-10-2024",
        [Item("Lokalplan for havnen", "Planen sendes i høring.", "Godkendt.", attachments=["Miljørapport"])],
    )
    attachment = Attachment.objects.get(title="Miljørapport")
    attach_file(attachment, name="miljo.pdf", data=_pdf("Rapporten vurderer støj fra vindmøller ved havnen."))
    data = api(client, q="vindmøller")
    (hit,) = data["results"]
    assert hit["title"] == "Lokalplan for havnen"
    assert hit["matched_in"] == "attachment_text" and hit["attachment"] == "Miljørapport"
    assert "<mark>vindmøller</mark>" in hit["snippet"]
    assert "I bilag" in client.get("/search/", {"q": "vindmøller"}).content.decode()


def test_search_box_on_every_page(client, archive):
    item = AgendaItem.objects.first()
    for url in ["/", "/search/", item.get_absolute_url(), Municipality.objects.first().get_absolute_url()]:
        body = client.get(url).content.decode()
        assert 'role="search"' in body and 'name="q"' in body


# Relevance on the real corpus: for topics a journalist would search, the item they want
# is on the first page.
RELEVANCE = [
    ("beskæftigelsesreform", "Status på aftale mellem Regeringen og Kommunernes Landsforening"),
    ('"socialt frikort"', "Status på aftalen om beskæftigelsespolitiske mål"),
    ("rehabiliteringsteamet sagsbehandlingstider", "Orientering om opfølgning på rehabiliteringsteamet"),
    ("arbejdspligt", "Drøftelse af indsatsmodel for arbejdspligt"),
    ("handicappolitik", "Beslutning om udpegning af indsatser i regi af Sorø Kommunes Handicappolitik"),
    ("Rejseholdet sygefravær", "Orientering om status på Rejseholdet"),
    ("bevillingsrevision", "Godkendelse af 2. bevillingsrevision 2024"),
    ("klager Ankestyrelsen", "Opfølgning på klager til Ankestyrelsen"),
    ("integrationspolitik", "Orientering om opfølgning på handleplanen for integrationspolitikken"),
    ("erhvervsvenlighed Dansk Industri", "Orientering om Dansk Industris Erhvervsklimaanalyse 2023"),
]


@pytest.fixture
def corpus(db):
    for name in ("000", "001", "002", "003", "004"):
        assert ingest_path(corpus_file(name)).status == "created"


@pytest.mark.parametrize(("query", "expected"), RELEVANCE)
def test_relevance_on_the_real_corpus(client, corpus, query, expected):
    first_page = titles(client, q=query)[:10]
    assert any(title.startswith(expected) for title in first_page), (query, first_page)


def test_backend_matches_the_database(archive):
    from minutes.search import get_backend

    assert get_backend().vendor == connection.vendor


def test_search_page_has_one_search_box_and_folds_unused_filters(client, archive):
    page = client.get("/search/", {"q": "budget"}).content.decode()
    assert page.count('role="search"') == 1
    assert '<details class="filters" >' in page
    filtered = client.get("/search/", {"q": "budget", "date_from": "2024-01-01"}).content.decode()
    assert '<details class="filters" open>' in filtered


def test_newest_first_follows_a_corrected_meeting_date(client, archive, monkeypatch):
    """Large result sets are read newest first from the index: a corrected date must move."""
    from datetime import date

    from minutes.search import service

    # Every result set counts as large here, so the newest-first path of big archives runs
    # (on SQLite: FTS5 rows in date-key order; on PostgreSQL: date windows).
    monkeypatch.setattr(service, "COUNT_CAP", 1)
    monkeypatch.setattr(service, "APPROX_COUNT_MIN", 1)
    # Newest first; on the same day, the later item first (as ORDER BY date, id descending).
    newest = ["Boliger til en flygtning", "Modtagelse af flygtninge", "Varmestuen"]
    assert titles(client, q="flygtninge", sort="newest") == newest
    assert titles(client, q="flygtninge", sort="newest", year="2023") == ["Varmestuen"]
    item = AgendaItem.objects.get(title="Varmestuen")
    item.meeting_date = date(2026, 1, 2)  # as an edit in the admin would
    item.save()
    assert titles(client, q="flygtninge", sort="newest") == ["Varmestuen", *newest[:2]]
    assert titles(client, q="flygtninge", sort="newest", year="2023") == []
    assert titles(client, q="flygtninge", sort="newest", year="2026") == ["Varmestuen"]
    AgendaItem.objects.filter(pk=item.pk).update(meeting_date=date(2020, 5, 5))  # a bulk update
    assert titles(client, q="flygtninge", sort="newest") == newest
    assert titles(client, q="flygtninge", sort="newest", date_from="2020-01-01", date_to="2020-12-31") == [
        "Varmestuen"
    ]
