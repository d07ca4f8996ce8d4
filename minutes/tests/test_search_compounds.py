"""Compound-aware search, run on SQLite and PostgreSQL: "reform" finds "beskæftigelsesreformen"."""

from __future__ import annotations

import json

import pytest

from minutes.ingest import ingest_path
from minutes.tests.searchdata import Item, ingest_referat
from minutes.tests.shared import corpus_file

pytestmark = pytest.mark.django_db


def search(client, q: str, **params) -> list[dict]:
    response = client.get("/api/search", {"q": q, "per_page": 100, **params})
    assert response.status_code == 200
    return json.loads(response.content)["results"]


def found(client, q: str) -> list[str]:
    return [hit["title"] for hit in search(client, q)]


@pytest.fixture
def corpus(db):
    for name in ("000", "001", "002", "003", "004"):
        assert ingest_path(corpus_file(name)).status == "created"


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("lærlingeordning", "Opfølgning på forbrug af uddannelsespuljerne"),  # voksenlærlingeordningen
        ("arbejdsløshed", "Opfølgning på forbrug af uddannelsespuljerne"),  # arbejdsløshedsforsikring
        ("reform", "Status på aftale mellem Regeringen og Kommunernes Landsforening (KL) om den kommende"),
        ("kontanthjælp", "Status på aftalen om beskæftigelsespolitiske mål"),  # kontanthjælpsreform
    ],
)
def test_parts_of_corpus_compounds_find_their_items(client, corpus, query, title):
    assert any(t.startswith(title) for t in found(client, query)), found(client, query)


@pytest.fixture
def compounds(db):
    items = [Item(f"Sag nummer {n} om reform", f"En reform af området, del {n}.") for n in range(1, 11)]
    items += [
        Item(
            "Beskæftigelsesreformen i kommunen",
            "Beskæftigelsesreformen træder i kraft. Beskæftigelsesreformen!",
        ),
        Item("Ældreplejen i vinter", "Hjemmeplejen og plejecentrene har travlt."),
        Item("Frikortordningen", "Frikortordningen gøres permanent."),
        Item("Den kommende reform", "Vi venter på den kommende reform af beskæftigelsesindsatsen."),
        Item("Den kommende beskæftigelsesreform", "Alle taler om den kommende beskæftigelsesreform."),
        Item(
            "Ord der ikke må splittes",
            "Bestyrelsen fik et forslag fra udvalget efter en orientering med et billede.",
        ),
    ]
    ingest_referat("Testby Kommune", "Beskæftigelsesudvalget", "04-03-2025", items)


def test_exact_matches_rank_above_part_matches(client, compounds):
    titles = found(client, "reform")
    assert "Beskæftigelsesreformen i kommunen" in titles
    part_only = {"Beskæftigelsesreformen i kommunen", "Den kommende beskæftigelsesreform"}
    first = [t for t in titles if t not in part_only]
    assert titles[: len(first)] == first  # every exact match before every part-only match
    assert len(first) == 11  # the ten "Sag nummer …" and "Den kommende reform"


def test_words_find_their_compounds(client, compounds):
    assert "Ældreplejen i vinter" in found(client, "ældre")
    assert "Ældreplejen i vinter" in found(client, "pleje")
    assert found(client, "frikort") == ["Frikortordningen"]


def test_snippet_marks_the_whole_compound(client, compounds):
    hit = next(h for h in search(client, "reform") if h["title"] == "Beskæftigelsesreformen i kommunen")
    assert "<mark>Beskæftigelsesreformen</mark>" in hit["snippet"]
    page = client.get("/search/", {"q": "reform"}).content.decode()
    assert "<mark>Beskæftigelsesreformen</mark> i kommunen" in page  # the title too


def test_phrases_keep_their_meaning(client, compounds):
    assert found(client, '"kommende reform"') == ["Den kommende reform"]


@pytest.mark.parametrize("false_friend", ["tyre", "styrelse", "slag", "valg", "ring", "bil"])
def test_no_nonsense_splits(client, compounds, false_friend):
    assert "Ord der ikke må splittes" not in found(client, false_friend)


def test_real_words_still_found_whole(client, compounds):
    assert found(client, "bestyrelsen") == ["Ord der ikke må splittes"]
    assert found(client, "forslag") == ["Ord der ikke må splittes"]


def test_index_records_the_lexicon_that_built_it(client, compounds):
    import io

    from django.core.management import call_command

    from minutes.checks import search_index_version
    from minutes.models import SearchIndexState
    from minutes.textanalysis.lexicon import LEXICON_VERSION

    assert SearchIndexState.objects.get().lexicon_version == LEXICON_VERSION
    assert search_index_version() == []
    SearchIndexState.objects.update(lexicon_version="stavekontrolden-0.0.s0")
    (warning,) = search_index_version()
    assert warning.id == "minutes.W001" and "rebuild_search_index" in warning.hint
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "stavekontrolden-0.0.s0 -> " + LEXICON_VERSION in out.getvalue()
    state = SearchIndexState.objects.get()
    assert state.lexicon_version == LEXICON_VERSION and state.items == 16 and state.rebuilt_at
    assert search_index_version() == []
    assert "Beskæftigelsesreformen i kommunen" in found(client, "reform")
