"""The benchmark corpus generator: deterministic, realistic, and indexed as ingest would be."""

from __future__ import annotations

import statistics
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.db import connection

from minutes import search
from minutes.bench_corpus import COMMITTEES, MUNICIPALITIES, generate, learn_model, load
from minutes.models import AgendaItem
from minutes.search.backends import fts_text


@pytest.fixture(scope="module")
def model():
    return learn_model()


def items_of(model, n: int, seed: int) -> list:
    return [(meeting, item) for meeting in generate(model, items=n, seed=seed) for item in meeting.items]


def test_same_seed_same_data_other_seed_other_data(model):
    first = [(m.start, i.title, i.body_text, i.decision_text) for m, i in items_of(model, 300, seed=3)]
    again = [(m.start, i.title, i.body_text, i.decision_text) for m, i in items_of(model, 300, seed=3)]
    other = [(m.start, i.title, i.body_text, i.decision_text) for m, i in items_of(model, 300, seed=4)]
    assert first == again
    assert first != other
    assert len(first) == 300


def test_distributions_follow_the_real_corpus(model):
    generated = items_of(model, 2000, seed=1)
    open_items = [i for _, i in generated if not i.closed and i.sections]
    lengths = [len(i.body_text) for i in open_items]
    # Real case items: median ~3 KB of text (minutes/bench_corpus.py learns the lengths).
    assert 1500 < statistics.median(lengths) < 6000
    outcomes = Counter(i.outcome for _, i in generated if i.outcome)
    assert outcomes.most_common(1)[0][0] in {"noted", "approved"}
    assert 0 < sum(i.closed for _, i in generated) < len(generated) * 0.2
    assert len({m.municipality for m, _ in generated}) > 50
    assert len({m.committee for m, _ in generated}) == len(COMMITTEES)
    assert len({m.start.year for m, _ in generated}) == 20
    assert len(MUNICIPALITIES) == 98
    # Zipf-like vocabulary: a few words in nearly every item, a long tail of rare ones.
    frequencies = sorted(
        Counter(w for i in open_items for w in set(fts_text(i.body_text).split())).values(), reverse=True
    )
    assert frequencies[0] > len(open_items) * 0.5
    assert frequencies[0] > 10 * frequencies[999]
    assert sum(1 for n in frequencies if n <= len(open_items) * 0.01) > len(frequencies) * 0.3


def test_no_long_passage_is_copied_from_the_corpus(model):
    from minutes.bench_corpus import DEFAULT_CORPUS

    real = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in DEFAULT_CORPUS.glob("0*.txt"))
    for _, item in items_of(model, 200, seed=2)[:200:10]:
        words = item.body_text.split()
        for start in range(0, max(0, len(words) - 12), 6):
            assert " ".join(words[start : start + 12]) not in real


@pytest.mark.django_db
def test_loaded_items_are_indexed_as_ingest_would_index_them(client, model):
    report = load(model, items=60, seed=5, batch=25)
    assert report.items == AgendaItem.objects.count() == 60
    for item in AgendaItem.objects.all()[:20]:
        assert item.search_parts == search.compound_parts(item)
    # Found by search on either backend, through the real view.
    item = AgendaItem.objects.exclude(body_text="").first()
    word = max(item.body_text.split(), key=len).strip(".,:;")
    response = client.get("/api/search", {"q": word, "per_page": 100})
    assert item.title in [hit["title"] for hit in response.json()["results"]]


@pytest.mark.django_db
def test_large_result_sets_rank_candidates_and_estimate_facets(model, monkeypatch):
    """Above the caps (lowered here), the two-stage order and sampled facets hold together."""
    from django.http import QueryDict

    from minutes.search import service

    load(model, items=400, seed=6, batch=200)
    monkeypatch.setattr(service, "COUNT_CAP", 60)
    monkeypatch.setattr(service, "RANK_ALL_LIMIT", 20)
    monkeypatch.setattr(service, "RANK_CANDIDATES", 30)
    monkeypatch.setattr(service, "FACET_SAMPLE_ITEMS", 100)
    monkeypatch.setattr(service, "FACET_SAMPLE_WINDOWS", 5)
    word = "kommune"
    seen: list[int] = []
    for page in range(1, 4):
        results = service.run(QueryDict(f"q={word}&page={page}"))
        assert results.count_capped and results.facets_approximate
        assert results.facets["year"] and results.facets["municipality"]
        seen += [hit.item.pk for hit in results.hits]
    assert len(seen) == len(set(seen)) == 60
    matched = service.get_backend().match(AgendaItem.objects.all(), service.parse_query(word))
    newest = list(matched.order_by("-meeting_date", "-id").values_list("id", flat=True)[:60])
    # The first RANK_CANDIDATES rows are the newest matches, ranked; the rest follow by date.
    assert set(seen[:30]) == set(newest[:30])
    assert seen[30:] == newest[30:]


@pytest.mark.django_db
@pytest.mark.parametrize("cap", [60, 1_000])  # capped: date reads; not capped: sorted from the probe
def test_two_stage_order_is_the_same_with_and_without_the_probe(model, monkeypatch, cap):
    from django.http import QueryDict

    from minutes.search import service

    load(model, items=400, seed=6, batch=200)
    monkeypatch.setattr(service, "COUNT_CAP", cap)
    monkeypatch.setattr(service, "RANK_ALL_LIMIT", 20)
    monkeypatch.setattr(service, "RANK_CANDIDATES", 30)
    matched = service.get_backend().match(AgendaItem.objects.all(), service.parse_query("kommune"))
    newest = list(matched.order_by("-meeting_date", "-id").values_list("id", flat=True)[:60])
    relevance, by_date = [], []
    for page in (1, 2, 3):
        relevance += [h.item.pk for h in service.run(QueryDict(f"q=kommune&page={page}")).hits]
        by_date += [h.item.pk for h in service.run(QueryDict(f"q=kommune&sort=newest&page={page}")).hits]
    assert set(relevance[:30]) == set(newest[:30]) and relevance[30:] == newest[30:]
    assert by_date == newest


@pytest.mark.django_db
def test_thousands_of_matches_are_counted_from_the_sample_and_say_so(client, model, monkeypatch):
    """With a filter, large counts are estimated from the backend's sample, and say so."""
    from django.http import QueryDict

    from minutes.search import service

    load(model, items=1300, seed=8, batch=500)
    # Lowered thresholds: "thousands" here are a few hundred of 1,300 items.
    monkeypatch.setattr(service, "APPROX_COUNT_MIN", 200)
    monkeypatch.setattr(service, "APPROX_MIN_SAMPLE_ROWS", 5)
    monkeypatch.setattr(service, "COUNT_CAP", 5_000)
    # Any filter (this one keeps every item): without one, SQLite counts the matches exactly.
    params = {"q": "kommune", "date_from": "2000-01-01"}
    exact = service.get_backend().match(AgendaItem.objects.all(), service.parse_query("kommune")).count()
    results = service.run(QueryDict(urlencode(params)))
    assert results.count_approximate and not results.count_capped and results.facets_approximate
    assert abs(results.count - exact) < exact * 0.35, (results.count, exact)
    assert results.count % 10 == 0  # rounded to two digits, as an estimate should be
    assert len(results.hits) == 20
    page = client.get("/search/", params).content.decode()
    assert f"Ca. {results.count:,} resultater".replace(",", ".") in page
    payload = client.get("/api/search", params).json()
    assert payload["count_approximate"] is True and payload["count"] == results.count
    # Without the filter, SQLite counts exactly; PostgreSQL still estimates.
    unfiltered = service.run(QueryDict("q=kommune"))
    if connection.vendor == "sqlite":
        assert unfiltered.count == exact and not unfiltered.count_approximate
    # Few matches are still counted exactly.
    rare = service.run(QueryDict("q=ponyridning"))
    assert not rare.count_approximate
    # An exclusion is estimated where the backend finds its newest matches without reading
    # them all (SQLite), and counted exactly where it does not (PostgreSQL).
    backend = service.get_backend()
    excluding = {"q": "kommune -budget", "date_from": "2000-01-01"}
    exact_excluding = backend.match(AgendaItem.objects.all(), service.parse_query("kommune -budget")).count()
    excluded = service.run(QueryDict(urlencode(excluding)))
    assert excluded.count_approximate is not backend.EXACT_EXCLUSIONS
    if excluded.count_approximate:
        assert abs(excluded.count - exact_excluding) < exact_excluding * 0.35
    else:
        assert excluded.count == exact_excluding


@pytest.mark.django_db
@pytest.mark.parametrize(
    "filters", ["year=2015", "date_from=2010-01-01&date_to=2013-06-30", "year=2024&date_from=2024-06-01"]
)
def test_newest_first_within_date_filters_is_exact_on_the_large_path(model, monkeypatch, filters):
    """Date windows start from the filters' dates; the order must still be exactly by date."""
    from django.http import QueryDict

    from minutes.filters import AgendaItemFilter
    from minutes.search import service

    load(model, items=400, seed=6, batch=200)
    monkeypatch.setattr(service, "COUNT_CAP", 3)  # every result set here is "large"
    monkeypatch.setattr(service, "APPROX_COUNT_MIN", 1)
    params = QueryDict(f"q=kommune&sort=newest&{filters}")
    expected_qs = AgendaItemFilter(params, queryset=AgendaItem.objects.all()).qs
    matched = service.get_backend().match(expected_qs, service.parse_query("kommune"))
    expected = list(matched.order_by("-meeting_date", "-id").values_list("id", flat=True))
    assert expected, "the filters should leave some matches"
    results = service.run(params, per_page=100)  # one page holds them all
    assert [hit.item.pk for hit in results.hits] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("stream", [False, True], ids=["walk", "stream"])
@pytest.mark.parametrize("extra", ["", "dates", "outcome"])
def test_newest_first_within_a_municipality_is_exact_on_the_large_path(model, monkeypatch, extra, stream):
    """Newest-first reads with filters keep the exact date order, whether they walk the
    filtered items or (SQLite) stream the index's matches newest first through the filters."""
    from django.db.models import Count
    from django.http import QueryDict

    from minutes.filters import AgendaItemFilter
    from minutes.search import service

    load(model, items=1200, seed=9, batch=400)
    monkeypatch.setattr(service, "COUNT_CAP", 3)  # every result set here is "large"
    monkeypatch.setattr(service, "APPROX_COUNT_MIN", 1)
    backend = service.get_backend()
    monkeypatch.setattr(backend, "STREAM_CHECK_COST", 0.0 if stream else 1e9)
    counts = AgendaItem.objects.values("municipality__slug").annotate(n=Count("id")).order_by("-n")
    slug = counts[0]["municipality__slug"]
    items = AgendaItem.objects.filter(municipality__slug=slug)
    query = f"q=kommune&municipality={slug}"
    if extra == "dates":  # from its second meeting on
        query += f"&date_from={sorted(set(items.values_list('meeting_date', flat=True)))[1]}"
    elif extra == "outcome":
        outcome = items.exclude(outcome="").values("outcome").annotate(n=Count("id")).order_by("-n")[0]
        query += f"&outcome={outcome['outcome']}"
    params = QueryDict(query + "&sort=newest")
    expected_qs = AgendaItemFilter(params, queryset=AgendaItem.objects.all()).qs
    matched = service.get_backend().match(expected_qs, service.parse_query("kommune"))
    expected = list(matched.order_by("-meeting_date", "-id").values_list("id", flat=True)[:100])
    assert expected, "the filters should leave some matches"
    results = service.run(params, per_page=100)
    assert [hit.item.pk for hit in results.hits] == expected
    relevance = service.run(QueryDict(query), per_page=100)
    assert {hit.item.pk for hit in relevance.hits} == set(expected)


@pytest.mark.django_db
@pytest.mark.parametrize("ratio", [1e9, 0.0], ids=["collect", "row-by-row"])
def test_exact_count_of_a_narrow_filter_is_the_same_row_by_row(model, monkeypatch, ratio):
    """The probe may test a narrow filter's items one by one (SQLite): same count, same facets."""
    from django.db.models import Count
    from django.http import QueryDict

    from minutes.search import service

    load(model, items=400, seed=6, batch=200)
    backend = service.get_backend()
    monkeypatch.setattr(backend, "ROWWISE_COST_RATIO", ratio)
    committee = AgendaItem.objects.values("committee").annotate(n=Count("id")).order_by("-n")[0]["committee"]
    matched = backend.match(AgendaItem.objects.filter(committee=committee), service.parse_query("kommune"))
    results = service.run(QueryDict(f"q=kommune&committee={committee}&sort=newest"), per_page=100)
    assert not results.count_approximate and results.count == matched.count() > 0
    assert [hit.item.pk for hit in results.hits] == list(
        matched.order_by("-meeting_date", "-id").values_list("id", flat=True)[:100]
    )
    years = Counter(d.year for d in matched.values_list("meeting_date", flat=True))
    assert {int(f.value): f.count for f in results.facets["year"]} == dict(years)
