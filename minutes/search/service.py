"""The search service: filters + query → one page of hits with snippets and facets.

Nothing scans an unbounded result set for one page (measured in docs/performance.md):

* one "probe" statement reads four small columns of at most ``COUNT_CAP + 1`` matches; it
  gives the count (capped: "mere end 10.000") and, when not capped, the exact facets;
* above the cap, facets are estimated from evenly spaced id windows (a stratified sample of
  ~``FACET_SAMPLE_ITEMS`` items) and marked approximate; for the whole archive (no query,
  no filter) they are counted exactly and cached;
* relevance ranks every match only up to ``RANK_ALL_LIMIT`` matches. Above it, the newest
  ``RANK_CANDIDATES`` matches are ranked (exact-before-part tier, then the engine's score)
  and the rest follow newest first: ranking needs each match's whole tsvector/FTS row,
  which costs ~10 µs a row, so ranking 800,000 matches cannot fit in a page view;
* only the rows of the page shown get snippets (cut in Python, ``minutes.search.snippets``).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractYear
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from minutes.filters import SORT_NEWEST, SORT_OLDEST, SORT_RELEVANCE, AgendaItemFilter
from minutes.models import AgendaItem, Committee, Municipality
from minutes.models import outcome_label as label_of_outcome
from minutes.search.backends import get_backend, item_id_span
from minutes.search.query import ParsedQuery, parse_query
from minutes.search.snippets import MARK_END, MARK_START, Highlighter

PER_PAGE = 20
MAX_PER_PAGE = 100
COUNT_CAP = 10_000
FACET_LIMIT = 15
# Relevance: rank every match up to this many; above, rank the newest RANK_CANDIDATES.
RANK_ALL_LIMIT = 2_000
RANK_CANDIDATES = 500
# Approximate facets above COUNT_CAP: this many items in FACET_SAMPLE_WINDOWS id windows.
FACET_SAMPLE_ITEMS = 20_000
FACET_SAMPLE_WINDOWS = 40
# With a planner estimate: sample enough ids to hold about this many matches.
FACET_SAMPLE_MATCHES = 2_000
# Skip the probe when the database estimates more than this many times COUNT_CAP matches.
PROBE_SKIP_FACTOR = 3
# ... or when the backend's fixed sample of items does (a closer estimate: at 1.5 × the cap
# the sample holds ~230 matches, so it is off by more than a third only by chance of < 1e-6).
SAMPLE_PROBE_SKIP_FACTOR = 1.5
# From this many estimated matches the count is shown as an estimate ("ca. 9.500"), if the
# sample holds at least APPROX_MIN_SAMPLE_ROWS of them (then it is within ~10 %, one
# standard error): from 1,600 matches with PostgreSQL's 1/16 sample, 2,000 with SQLite's 5 %.
APPROX_COUNT_MIN = 2_000
APPROX_MIN_SAMPLE_ROWS = 100
# Newest-first reads look in date windows growing from the newest meeting backwards:
# the first spans 1/DATE_WINDOW_PARTS of the archive's dates.
DATE_WINDOW_PARTS = 32
ARCHIVE_FACETS_CACHE_SECONDS = 300
# Newest-first reads walk the date index instead of windows when at least this share of the
# archive matches (see _dense).
WALK_MIN_SHARE = 0.1


@dataclass
class Hit:
    item: AgendaItem
    title_html: SafeString
    snippet_html: SafeString
    snippet_field: str = ""  # "body_text", "decision_text", "attachment_text" or ""
    attachment_title: str = ""

    # What the result list prints, computed here rather than by template filters: a page
    # of 20 hits spent ~2 ms of its ~6 ms of rendering in date formats and includes.
    @property
    def url(self) -> str:
        return self.item.get_absolute_url()

    @property
    def date_iso(self) -> str:
        return self.item.meeting_date.isoformat()

    @property
    def date_label(self) -> str:
        day = self.item.meeting_date
        return f"{day.day}. {MONTHS[day.month]} {day.year}"  # as the date filter's "j. F Y"

    @property
    def number_label(self) -> str:
        return _("punkt %(number)s") % {"number": self.item.number}

    @property
    def outcome_label(self) -> str:
        return label_of_outcome(self.item.outcome)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    url: str
    selected: bool = False


@dataclass
class SearchResults:
    query: ParsedQuery
    filterset: AgendaItemFilter
    hits: list[Hit] = field(default_factory=list)
    count: int = 0
    count_capped: bool = False
    # True when ``count`` is estimated from a sample ("ca. 9.500 resultater").
    count_approximate: bool = False
    page: int = 1
    per_page: int = PER_PAGE
    has_next: bool = False
    sort: str = SORT_NEWEST
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # True when the facet counts are estimates from a sample (result sets above COUNT_CAP).
    facets_approximate: bool = False
    notices: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def last_page(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.hits else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.hits) - 1 if self.hits else 0

    @property
    def filters_active(self) -> bool:
        """Tell whether a filter beyond the query and the sort order is set."""
        return bool(set(self.filterset.form.changed_data) - {"q", "sort"})

    @property
    def searched(self) -> bool:
        return not self.query.is_empty or bool(self.filterset.form.changed_data)


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value or default), low), high)
    except (TypeError, ValueError):
        return default


def run(params, *, per_page: int = PER_PAGE) -> SearchResults:
    """Search with the GET parameters ``params`` (q, filters, sort, page)."""
    params = params.copy()
    if "q" in params:
        # A NUL can never be meant; Django's form fields would reject the whole request.
        params["q"] = params["q"].replace("\x00", " ")
    query = parse_query(params.get("q", ""))
    filterset = AgendaItemFilter(params, queryset=AgendaItem.objects.all())
    results = SearchResults(query=query, filterset=filterset, per_page=per_page)
    results.notices = [_notice_text(code) for code in query.notices]
    if not filterset.is_valid():
        results.errors = {name: [str(e) for e in errs] for name, errs in filterset.errors.items()}
        return results
    # The filters without the words (for the sample and for row-by-row matching), then the
    # words on top: one validated form serves both.
    filtered = _plain(filterset.filtered_without("q"))
    matched = filtered if query.is_empty else _plain(get_backend().match(filtered, query))
    default_sort = SORT_RELEVANCE if query.has_positive else SORT_NEWEST
    sort = params.get("sort") or default_sort
    if sort == SORT_RELEVANCE and not query.has_positive:
        sort = SORT_NEWEST
    results.sort = sort
    max_page = COUNT_CAP // per_page + 1
    results.page = _int(params.get("page"), 1, 1, max_page)

    backend = get_backend()
    span = _IdSpan()
    with transaction.atomic():  # one snapshot for count, page and facets
        backend.prepare_search(query)
        unfiltered = query.is_empty and not filterset.form.changed_data
        active = set(filterset.form.changed_data) - {"q", "sort"}
        filters_active = bool(active)
        # The dates the filters allow; for newest-first reads, only when dates are all they limit.
        date_bounds = _filter_dates(filterset.form.cleaned_data)
        dates = date_bounds if active <= DATE_FILTERS else None
        # Exact when the backend counts text matches cheaply and no filter narrows them;
        # past the cap, the sample tells how many.
        exact = backend.count_matches(query, limit=COUNT_CAP) if not filters_active else None
        beyond_cap = exact is not None and exact > COUNT_CAP
        if beyond_cap:
            exact = None
        estimate = exact if exact is not None else backend.estimate(matched)
        # The sample serves estimates and facets above the cap; an exact small count needs neither.
        needs_sample = not unfiltered and exact is None
        sample = _sample(filtered, query, estimate, span, date_bounds) if needs_sample else None
        if exact is not None or beyond_cap:
            skip_probe = beyond_cap
            if beyond_cap and sample is not None:
                estimate = max(COUNT_CAP + 1, round(len(sample.rows) * sample.scale))
        elif sample is not None:
            # The sample's count, scaled, is a better estimate than the planner's, which
            # multiplies selectivities as if words and filters were independent.
            estimate = round(len(sample.rows) * sample.scale)
            skip_probe = estimate > SAMPLE_PROBE_SKIP_FACTOR * COUNT_CAP
        else:
            skip_probe = estimate is not None and estimate > PROBE_SKIP_FACTOR * COUNT_CAP
        approximate = (
            exact is None
            and sample is not None
            and not skip_probe
            # Where the backend says so (PostgreSQL), an exclusion is counted exactly: reading
            # its matches is also the cheapest way to find its newest ones (walking the date
            # index tested 56,000 rows for the newest 500 of "budget -kommune" at 1M items,
            # 318 ms; the probe reads 8,900, 55 ms). SQLite reads them newest first from FTS5.
            and not (query.excluded and backend.EXACT_EXCLUSIONS)
            and estimate >= APPROX_COUNT_MIN
            and len(sample.rows) >= APPROX_MIN_SAMPLE_ROWS
        )
        windows = _Windows(
            estimate=estimate,
            filtered=filtered,
            filters_active=filters_active,
            text_matches=exact,
            span=span,
            dates=dates,
            date_bounds=date_bounds,
        )
        if skip_probe:
            # Far more matches than the cap: reading 10,001 of them only to say "more than
            # 10,000" cost ~100 ms at 1M items (building the GIN bitmap of every match).
            probe = None
            results.count, results.count_capped = COUNT_CAP, True
        elif approximate:
            # Thousands of matches: counting them exactly reads every one (250 ms for a very
            # common word within one year at 1M items); the sample's estimate says enough.
            probe = None
            results.count, results.count_approximate = _round2(estimate), True
        else:
            probe = _probe(_probe_source(matched, filtered, query, filters_active, windows))
            results.count, results.count_capped = min(len(probe), COUNT_CAP), len(probe) > COUNT_CAP
        large = results.count_capped or results.count_approximate
        offset = (results.page - 1) * per_page
        count = len(probe) if probe is not None else COUNT_CAP + 1
        known = probe if probe is not None and not results.count_capped else None
        rows = _page_rows(matched, query, sort, offset, per_page + 1, large, count, known, windows)
        results.has_next = len(rows) > per_page and results.page < max_page
        rows = rows[:per_page]
        results.hits = _hits(rows, query)
        if probe is not None and not results.count_capped:
            counts = _facet_counts(probe)
        elif unfiltered:
            counts = _archive_facet_counts(span)
        elif sample is not None:
            counts = _scaled(_facet_counts(sample.rows), sample.scale)
            results.facets_approximate = True
        else:
            counts = _sampled_facet_counts(matched, span, estimate)
            results.facets_approximate = True
        results.facets = _facets(counts, params)
    return results


def _notice_text(code: str) -> str:
    return {
        "truncated": _("Søgningen var meget lang og er forkortet."),
        "too_many_terms": _("Søgningen havde mange ord; kun de første blev brugt."),
        "only_stop_words": _(
            "Søgningen bestod kun af meget almindelige ord (fx »og«, »i«), som ikke kan søges på."
        ),
    }.get(code, code)


def _probe_source(
    matched: QuerySet, filtered: QuerySet, query: ParsedQuery, filters_active: bool, windows: _Windows
) -> QuerySet:
    """Return what the probe reads: the matches, or the filtered items tested one by one.

    When a filter keeps few items, testing each (~17 µs on SQLite) beats collecting every
    match of the words first (~1.6 µs each): "budget" in a committee of 780 items at 1M items
    collected all 303,000 matches (~200 ms). The same cost ratio as ``_rowwise``.
    """
    backend = get_backend()
    if not backend.ROWWISE_PROBE or not filters_active or not query.has_positive:
        return matched
    rowwise = backend.match_rowwise(filtered, query)
    if rowwise is None:
        return matched
    text = windows.text_count(query)
    if text and windows.filtered_count() * backend.ROWWISE_COST_RATIO < text:
        return rowwise
    return matched


def _probe(queryset: QuerySet, limit: int | None = COUNT_CAP + 1) -> list[tuple]:
    """Return (municipality, committee, year, outcome, id, date) of at most ``limit`` matches."""
    # Constant SQL from the backend; no user input in it.
    year = RawSQL(get_backend().YEAR_SQL.format(column="minutes_agendaitem.meeting_date"), [])  # noqa: S611
    probe = queryset.order_by().annotate(probe_year=year)
    columns = ("municipality_id", "committee_id", "probe_year", "outcome", "id", "meeting_date")
    sql, params = probe.values_list(*columns)[:limit].query.sql_with_params()
    # Read through the cursor: Django's per-value converters cost more than the statement
    # itself for 10,000 rows.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ordered(queryset: QuerySet, query: ParsedQuery, sort: str) -> QuerySet:
    if sort == SORT_RELEVANCE:
        return (
            get_backend()
            .rank(queryset, query)
            .order_by("-search_tier", "-search_rank", "-meeting_date", "-id")
        )
    if sort == SORT_OLDEST:
        return queryset.order_by("meeting_date", "id")
    return queryset.order_by("-meeting_date", "-id")


# Wide columns a result list never shows: the meeting's whole source text, JSON decoded per row.
_HIT_DEFERRED = (
    "sections",
    "search_parts",
    "meeting__source_text",
    "meeting__participants",
    "meeting__absent",
    "meeting__parse_warnings",
)


def _page_rows(
    matched: QuerySet,
    query: ParsedQuery,
    sort: str,
    offset: int,
    limit: int,
    capped: bool,
    count: int,
    known: list[tuple] | None = None,
    windows: _Windows | None = None,
) -> list[AgendaItem]:
    """Return ``limit`` rows from ``offset`` in the order of ``sort``.

    Relevance over more than RANK_ALL_LIMIT matches is two-staged: the newest RANK_CANDIDATES
    matches, ranked, then every other match newest first. The first RANK_CANDIDATES rows in
    date order are exactly the candidates, so a page past them reads the date order alone.
    ``known`` holds the probe's rows when they are every match: dates are sorted from there.
    """

    def by_id(ids: list[int]) -> list[AgendaItem]:
        rows = (
            get_backend()
            .with_ids(AgendaItem.objects.all(), ids)
            .select_related("meeting", "committee", "municipality")
            .defer(*_HIT_DEFERRED)
        )
        found = {row.pk: row for row in rows}
        return [found[pk] for pk in ids if pk in found]

    def page(ordered: QuerySet, start: int, stop: int) -> list[AgendaItem]:
        # Sort and slice ids only, then read the wide rows of the page by id: sorting whole
        # rows (texts, sections, joined meetings) made a deep page cost >1 s on SQLite.
        return by_id(list(ordered.values_list("id", flat=True)[start:stop]))

    # (date, id) newest first, as ORDER BY -meeting_date, -id; dates are text on SQLite.
    newest = [row[4] for row in sorted(known, key=lambda r: (r[5], r[4]), reverse=True)] if known else None
    if sort == SORT_NEWEST and newest is not None:
        return by_id(newest[offset : offset + limit])
    if sort == SORT_NEWEST and offset + limit <= COUNT_CAP + PER_PAGE:
        return by_id(_newest(matched, offset + limit, query, windows)[offset : offset + limit])
    if sort == SORT_RELEVANCE and known is not None and len(known) <= RANK_ALL_LIMIT:
        # Every match is known: rank them all in Python from one score each, ties newest
        # first (as _ordered). On SQLite, ranking by a join let the planner lead with every
        # FTS5 match (90-430 ms for 391 matches at 1M items).
        scores = get_backend().scores([row[4] for row in known], query)
        ranked = sorted(known, key=lambda r: (*scores.get(r[4], (0.0, 0.0)), r[5], r[4]), reverse=True)
        return by_id([row[4] for row in ranked[offset : offset + limit]])
    if sort != SORT_RELEVANCE or (not capped and count <= RANK_ALL_LIMIT):
        return page(_ordered(matched, query, sort), offset, offset + limit)
    rows: list[AgendaItem] = []
    if offset < RANK_CANDIDATES:
        # A list, not a subquery: the backends' match SQL names the outer table
        # (minutes_agendaitem.id), which an aliased subquery would turn into a correlation.
        candidates = (
            newest[:RANK_CANDIDATES]
            if newest is not None
            else _newest(matched, RANK_CANDIDATES, query, windows)
        )
        # Ranked in Python from one score per candidate; ties keep the date order.
        scores = get_backend().scores(candidates, query)
        order = sorted(
            range(len(candidates)), key=lambda i: (*(-x for x in scores.get(candidates[i], (0, 0))), i)
        )
        rows = by_id([candidates[i] for i in order[offset : offset + limit]])
        if len(rows) == limit or len(candidates) < RANK_CANDIDATES:
            return rows
    start = max(offset, RANK_CANDIDATES)
    stop = start + limit - len(rows)
    if newest is not None:
        return rows + by_id(newest[start:stop])
    return rows + by_id(_newest(matched, stop, query, windows)[start:stop])


class _IdSpan:
    """The archive's first and last item id, read once per search when first needed."""

    @cached_property
    def bounds(self) -> tuple[int, int]:
        return item_id_span()

    @property
    def items(self) -> int:
        low, high = self.bounds
        return high - low + 1


@dataclass
class _Windows:
    """What ``_newest`` plans with: the filters' dates, the match estimate, the filtered items."""

    estimate: int | None = None
    filtered: QuerySet | None = None
    filters_active: bool = False
    text_matches: int | None = None  # items whose text matches, filters aside (if known)
    span: _IdSpan | None = None
    # The dates the filters allow (first, last; either may be None) when they limit nothing else.
    dates: tuple[date | None, date | None] | None = None
    # The dates the filters allow, whatever else they limit (None: no date can match).
    date_bounds: tuple[date | None, date | None] | None = (None, None)
    filtered_items: int | None = None  # read when first needed

    def filtered_count(self) -> int:
        """Return (once) how many items the filters keep: counted or estimated by the backend."""
        if self.filtered_items is None:
            self.filtered_items = (
                get_backend().count_filtered(self.filtered) if self.filters_active else self.span.items
            )
        return self.filtered_items

    def text_count(self, query: ParsedQuery) -> int | None:
        """Return (once) how many items' text matches, filters aside, if the backend can tell."""
        if self.text_matches is None:
            # Without filters the match estimate is one of the text matches already.
            self.text_matches = (
                self.estimate if not self.filters_active else get_backend().count_text_matches(query)
            )
        return self.text_matches


def _newest(matched: QuerySet, n: int, query: ParsedQuery, windows: _Windows | None = None) -> list[int]:
    """Return the ids of the ``n`` newest rows of ``matched``, newest first.

    Sorting every match by date reads each match's row (22,700 rows, ~100 ms for a word in
    2 % of 1M items). Windows from the newest date backwards, growing until one holds ``n``
    matches, read only the matches inside it (the date index and the full-text index
    combined); the ``n`` newest matches are all in that window, so the order is exact. The
    first window is sized to hold about 2n matches if the estimate is right (1/32 of the
    dates without one), within the dates the filters allow.
    """

    def ids(queryset: QuerySet) -> list[int]:
        return list(queryset.values_list("id", flat=True)[:n])

    ordered = matched.order_by("-meeting_date", "-id")
    if windows is not None and windows.dates is not None:
        newest = get_backend().newest_ids(query, n, windows.dates)
        if newest is not None:
            return newest
    if windows is not None and _streamed(n, query, windows):
        newest = get_backend().newest_ids(query, n, windows.date_bounds, windows.filtered)
        if newest is not None:
            return newest
    rowwise = _rowwise(n, query, windows)
    if rowwise is not None:
        return ids(rowwise.order_by("-meeting_date", "-id"))
    # An exclusion ("budget -kommune") makes PostgreSQL recheck every row of a window
    # against its tsvector: three windows took 790 ms at 1M items, where a walk down the
    # date index stops after the first n matches.
    use_windows = get_backend().DATE_WINDOWS and not query.excluded and not _dense(windows)
    span = _date_span(windows.date_bounds if windows else (None, None)) if use_windows else None
    if span is None:
        return ids(ordered)
    first, last = span
    days = (last - first).days
    estimate = windows.estimate if windows else None
    width = max(1, int(days * min(1.0, 2 * n / estimate)) if estimate else days // DATE_WINDOW_PARTS)
    while True:
        since = last - timedelta(days=width)
        if since <= first:
            return ids(ordered)
        found = ids(ordered.filter(meeting_date__gte=since))
        if len(found) >= n:
            return found
        width *= 4


def _dense(windows: _Windows | None) -> bool:
    """Tell whether the matches are so many that walking the date index beats windows.

    A window combines the date index with the full-text index, whose bitmap holds every
    posting of the query's words: ~40 ms for two words in a third of 1M items each, where
    walking down the date index and testing each row found the newest 500 in 15 ms.
    """
    if windows is None or not windows.estimate or windows.span is None:
        return False
    return windows.estimate >= WALK_MIN_SHARE * windows.span.items


def _streamed(n: int, query: ParsedQuery, windows: _Windows) -> bool:
    """Tell whether reading the full-text index newest first, checking each match against
    the filters, beats walking the filtered items and testing each one's text.

    Streaming checks about n × (items in the filters' dates) / (filtered items) matches, a
    primary-key lookup each (~2 µs on SQLite); walking tests n × (filtered items) / (matches)
    items, a full-text lookup each (~17 µs). "kommune" in 2019 among approved items at 1M:
    ~1,300 checks instead of ~1,100 tests; "budget" in one municipality: ~50,000 checks
    instead of ~1,800 tests, so that one walks.
    """
    backend = get_backend()
    dates = windows.date_bounds
    if (
        not backend.STREAMS_NEWEST
        or not query.has_positive
        or dates is None
        or not windows.filters_active
        or windows.filtered is None
        or not windows.estimate
        or windows.span is None
    ):
        return False
    filtered = max(windows.filtered_count(), 1)
    in_dates = backend.count_items_between(*dates) if dates != (None, None) else windows.span.items
    streamed = n * in_dates / filtered * backend.STREAM_CHECK_COST
    walked = n * filtered / windows.estimate * backend.ROWWISE_TEST_COST
    return streamed < walked


def _rowwise(n: int, query: ParsedQuery, windows: _Windows | None) -> QuerySet | None:
    """Return the filtered items matched row by row, if walking them in date order is cheaper.

    Walking newest first and testing each row stops after ``n`` matches, about n / (share
    of the filtered rows that match) tests of ~17 µs each on SQLite, ~4 µs on PostgreSQL;
    collecting first costs ~1.6 µs (SQLite) or ~0.12 µs (PostgreSQL's GIN bitmap) for every
    item whose text matches, filters aside. SQLite at 1M items: the newest 500 of 670,000
    matches in 14 ms against 1.1 s; of 22,000 matches, 120 ms against 25 ms. PostgreSQL:
    the newest 500 of "budget" in one municipality (3,200 of 10,000 items) in 7 ms, where a
    date window built the bitmap of all 303,000 postings of "budget" (48 ms). The backend's
    ROWWISE_COST_RATIO is the ratio of the two costs.
    """
    if windows is None or windows.filtered is None or not windows.estimate or windows.span is None:
        return None
    backend = get_backend()
    rowwise = backend.match_rowwise(windows.filtered, query)
    if rowwise is None:
        return None
    # Collecting reads every text match, whatever the filters keep.
    collected = windows.text_count(query) or windows.estimate
    if n * windows.filtered_count() / windows.estimate * backend.ROWWISE_COST_RATIO > collected:
        return None
    return rowwise


def _date_span(bounds: tuple[date | None, date | None] | None) -> tuple[date, date] | None:
    """Return the first and last meeting date of the archive within ``bounds`` (the filters'
    dates, see _filter_dates), or None when no window can help."""
    dates = AgendaItem.objects.order_by("meeting_date").values_list("meeting_date", flat=True)
    first, last = dates.first(), dates.last()
    if first is None or bounds is None:
        return None
    low, high = bounds
    first = max(first, low) if low else first
    last = min(last, high) if high else last
    return (first, last) if first < last else None


# Filters that only limit meeting dates.
DATE_FILTERS = frozenset({"date_from", "date_to", "year"})


def _filter_dates(filters: dict) -> tuple[date | None, date | None] | None:
    """Return the first and last day the date filters allow (None: unbounded), or None
    when no date can match (a year outside 1-9999)."""
    first, last = filters.get("date_from"), filters.get("date_to")
    year = filters.get("year")
    if year is not None:
        if not 1 <= year <= 9999:
            return None
        first = max(first, date(int(year), 1, 1)) if first else date(int(year), 1, 1)
        last = min(last, date(int(year), 12, 31)) if last else date(int(year), 12, 31)
    return first, last


FacetCounts = dict[str, Counter]


@dataclass
class Sample:
    rows: list[tuple]  # as _probe's
    scale: float  # items per sampled item


def _sample(
    filtered: QuerySet,
    query: ParsedQuery,
    estimate: int | None,
    span: _IdSpan,
    dates: tuple[date | None, date | None] | None = None,
) -> Sample | None:
    """Read the matches among the backend's fixed sample of items, or None without one."""
    if dates == (None, None):
        dates = None
    found = get_backend().sample(filtered, query, estimate, span.bounds, dates)
    if found is None:
        return None
    queryset, scale = found
    return Sample(rows=_probe(queryset, limit=None), scale=scale)


def _plain(queryset: QuerySet) -> QuerySet:
    """Return ``queryset`` unordered and without DISTINCT.

    The multiple-choice filters ask for DISTINCT, but every filter follows a many-to-one
    relation (municipality, committee) or the item's own columns, so no row can repeat;
    DISTINCT would make a LIMITed probe read every match (414 ms instead of 1 at 1M).
    """
    queryset = queryset.order_by()
    queryset.query.distinct = False
    return queryset


def _scaled(counts: FacetCounts, scale: float) -> FacetCounts:
    return {
        name: Counter({value: _round2(n * scale) for value, n in counter.items()})
        for name, counter in counts.items()
    }


def _facet_counts(rows: list[tuple]) -> FacetCounts:
    columns = list(zip(*rows, strict=True))[:4] or [(), (), (), ()]
    counts = dict(zip(("municipality", "committee", "year", "outcome"), map(Counter, columns), strict=True))
    counts["year"] = Counter({int(year): n for year, n in counts["year"].items()})
    counts["outcome"].pop("", None)
    return counts


def _archive_facet_counts(span: _IdSpan) -> FacetCounts:
    """Count the facets of the whole archive exactly, cached for a few minutes."""

    def compute() -> FacetCounts:
        base = AgendaItem.objects.order_by()
        return {
            "municipality": Counter(dict(base.values_list("municipality_id").annotate(n=Count("pk")))),
            "committee": Counter(dict(base.values_list("committee_id").annotate(n=Count("pk")))),
            "year": Counter(
                dict(base.annotate(y=ExtractYear("meeting_date")).values_list("y").annotate(n=Count("pk")))
            ),
            "outcome": Counter(dict(base.exclude(outcome="").values_list("outcome").annotate(n=Count("pk")))),
        }

    low, high = span.bounds
    key = f"minutes:search:archive-facets:{low}:{high}"
    return cache.get_or_set(key, compute, ARCHIVE_FACETS_CACHE_SECONDS)


def _sampled_facet_counts(matched: QuerySet, span: _IdSpan, estimate: int | None = None) -> FacetCounts:
    """Estimate facet counts from FACET_SAMPLE_WINDOWS evenly spaced id windows.

    Ids grow with ingest, so the windows cover the whole archive (all years, all
    municipalities) while reading only ~FACET_SAMPLE_ITEMS rows through the primary key;
    each count is scaled up by the share of ids sampled and rounded to two digits.
    """
    low, high = span.bounds
    total = high - low + 1
    sample = FACET_SAMPLE_ITEMS
    if estimate:
        # Enough ids for ~FACET_SAMPLE_MATCHES matches: few for a word in most items.
        sample = int(
            min(
                FACET_SAMPLE_ITEMS * 2.5, max(FACET_SAMPLE_ITEMS / 4, FACET_SAMPLE_MATCHES * total / estimate)
            )
        )
    width = max(1, sample // FACET_SAMPLE_WINDOWS)
    step = max(width, total // FACET_SAMPLE_WINDOWS)
    windows = Q()
    sampled = 0
    for start in range(low, high + 1, step):
        end = min(start + width - 1, high)
        windows |= Q(id__range=(start, end))
        sampled += end - start + 1
    return _scaled(_facet_counts(_probe(matched.filter(windows))), total / max(sampled, 1))


def _round2(value: float) -> int:
    """Round an estimate to two significant digits (12,345 → 12,000)."""
    if value < 100:
        return max(1, round(value))
    digits = len(str(int(value))) - 2
    return int(round(value, -digits))


# Columns a snippet can be cut from, in order of preference on ties.
SNIPPET_FIELDS = ("body_text", "decision_text", "attachment_text")


def marked_html(text: str) -> SafeString:
    """Escape a passage and turn its markers into <mark> elements."""
    html = escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)


def _lead(item: AgendaItem, length: int = 240) -> str:
    text = item.decision_text or item.body_text
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"


def _hits(rows: list[AgendaItem], query: ParsedQuery) -> list[Hit]:
    highlighter = Highlighter(query.positive_stems)
    hits = []
    for row in rows:
        snippet = highlighter.snippet({name: getattr(row, name) for name in SNIPPET_FIELDS})
        hit = Hit(
            item=row,
            title_html=marked_html(highlighter.mark(row.title)),
            snippet_html=marked_html(snippet[0]) if snippet else mark_safe(escape(_lead(row))),
            snippet_field=snippet[1] if snippet else "",
        )
        if snippet and snippet[1] == "attachment_text":
            hit.attachment_title = _matching_attachment(row, snippet[0])
        hits.append(hit)
    return hits


def _matching_attachment(item: AgendaItem, snippet: str) -> str:
    start = snippet.find(MARK_START)
    word = snippet[start + 1 : snippet.find(MARK_END, start)].lower() if start != -1 else ""
    for attachment in item.attachments.only("title", "text"):
        if word and word in attachment.text.lower():
            return attachment.title
    return ""


def _facet_urls(params, name: str):
    """Return a function: facet value -> the URL that selects it (or, for None, removes ``name``).

    The rest of the query string is encoded once per facet, not once per value: a page
    shows ~60 facet values.
    """
    rest = params.copy()
    rest.pop("page", None)
    rest.pop(name, None)
    encoded = rest.urlencode()
    prefix = "?" + encoded + ("&" if encoded else "")

    def url(value: str | None) -> str:
        return "?" + encoded if value is None else prefix + urlencode({name: value})

    return url


# Facet labels per process: (slug, name) of municipalities, (name, municipality) of
# committees. Refreshed every LABEL_CACHE_SECONDS and whenever one is saved in this process
# (a rename elsewhere shows within that time); unknown ids are always read. Reading the labels
# of 1,470 committees cost 5-11 ms a search at 1M items.
LABEL_CACHE_SECONDS = 60
_label_cache: dict[type, tuple[float, dict[int, tuple[str, str]]]] = {}


def _labels(model: type, pks) -> dict[int, tuple[str, str]]:
    now = time.monotonic()
    cached = _label_cache.get(model)
    if cached is None or now - cached[0] > LABEL_CACHE_SECONDS:
        cached = _label_cache[model] = (now, {})
    known = cached[1]
    missing = [pk for pk in pks if pk not in known]
    if missing:
        if model is Municipality:
            rows = Municipality.objects.filter(pk__in=missing).values_list("pk", "slug", "name")
        else:
            rows = Committee.objects.filter(pk__in=missing).values_list("pk", "name", "municipality__name")
        known.update((pk, (a, b)) for pk, a, b in rows)
    return known


@receiver([post_save, post_delete], sender=Municipality)
@receiver([post_save, post_delete], sender=Committee)
def _forget_labels(sender, **kwargs) -> None:
    _label_cache.pop(sender, None)
    if sender is Municipality:  # committee labels carry the municipality's name
        _label_cache.pop(Committee, None)


def _facets(counts: FacetCounts, params) -> dict[str, list[FacetValue]]:
    def build(name, entries):
        selected = set(params.getlist(name))
        facet_url = _facet_urls(params, name)
        values = []
        for value, label, n in entries:
            value = str(value)
            is_selected = value in selected
            values.append(
                FacetValue(
                    value=value,
                    label=label,
                    count=n,
                    url=facet_url(None if is_selected else value),
                    selected=is_selected,
                )
            )
        return values

    munis = _labels(Municipality, counts["municipality"])
    municipality_rows = sorted(
        ((munis[pk][0], munis[pk][1], n) for pk, n in counts["municipality"].items() if pk in munis),
        key=lambda r: (-r[2], r[1]),
    )[:FACET_LIMIT]
    committees = _labels(Committee, counts["committee"])
    committee_rows = sorted(
        (
            (pk, f"{committees[pk][0]} ({committees[pk][1]})", n, committees[pk][0])
            for pk, n in counts["committee"].items()
            if pk in committees
        ),
        key=lambda r: (-r[2], r[3]),
    )[:FACET_LIMIT]
    return {
        "municipality": build("municipality", municipality_rows),
        "committee": build("committee", [(pk, label, n) for pk, label, n, _ in committee_rows]),
        "year": build(
            "year", [(y, str(y), n) for y, n in sorted(counts["year"].items(), key=lambda r: -r[0])]
        ),
        "outcome": build(
            "outcome",
            [
                (o, label_of_outcome(o), n)
                for o, n in sorted(counts["outcome"].items(), key=lambda r: (-r[1], r[0]))
            ],
        ),
    }


def rebuild_index(batch_size: int = 500, progress=None) -> int:
    """Recompute every item's compound parts and rebuild the index; return the item count.

    Run after changing the text analysis (stemmer, splitter, lexicon): the parts are
    computed in Python, so a new splitter only takes effect through this.
    """
    from minutes.search import compound_parts

    backend = get_backend()
    ids = list(AgendaItem.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        backend.clear()
        for start in range(0, len(ids), batch_size):
            batch = list(
                AgendaItem.objects.filter(pk__in=ids[start : start + batch_size]).only(
                    "title", "decision_text", "body_text", "attachment_text", "search_parts"
                )
            )
            for item in batch:
                item.search_parts = compound_parts(item)
            AgendaItem.objects.bulk_update(batch, ["search_parts"])
            backend.index_items([item.pk for item in batch])
            if progress:
                progress(min(start + batch_size, len(ids)), len(ids))
    return len(ids)


def api_payload(results: SearchResults, request) -> dict:
    """Return the JSON shape of ``/api/search``."""

    def page_url(page: int) -> str:
        params = request.GET.copy()
        params["page"] = str(page)
        return request.build_absolute_uri(request.path + "?" + params.urlencode())

    return {
        "count": results.count,
        "count_capped": results.count_capped,
        "count_approximate": results.count_approximate,
        "page": results.page,
        "next": page_url(results.page + 1) if results.has_next else None,
        "previous": page_url(results.page - 1) if results.has_previous else None,
        "results": [
            {
                "title": hit.item.title,
                "municipality": hit.item.municipality.name,
                "committee": hit.item.committee.name,
                "meeting_date": hit.item.meeting_date.isoformat(),
                "item_number": hit.item.number,
                "case_number": hit.item.case_number,
                "outcome": hit.item.outcome or None,
                "closed": hit.item.is_closed,
                "url": request.build_absolute_uri(hit.item.get_absolute_url()),
                "snippet": str(hit.snippet_html),
                "matched_in": hit.snippet_field or None,
                "attachment": hit.attachment_title or None,
            }
            for hit in results.hits
        ],
    }
