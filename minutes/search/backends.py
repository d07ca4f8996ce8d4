"""Search backends, one per database vendor, behind one small interface.

PostgreSQL: a stored, weighted ``tsvector`` generated column (``search_vector``; title A,
decision B, body and attachments C, compound parts D) with a GIN index, matched with
``websearch_to_tsquery('danish', …)``, ranked with ``ts_rank_cd``.

SQLite: an FTS5 table (``minutes_item_fts``) whose index holds Snowball stems computed in
Python (the same algorithm PostgreSQL's ``danish`` configuration uses), one stem per
word. The stemmed rows live in ``minutes_searchdoc``; triggers copy them into FTS5 and
remove them again. Ranked with ``bm25`` with column weights. FTS5 rows are keyed by
meeting date (``doc_key``: day << 32 | item id, migration 0007), so FTS5's own rowid order
is the archive's newest-first order and a date range is a rowid range.

Both are created by migration 0002 and read the same ``ParsedQuery``. Snippets and
highlighting are the same Python code for both (``minutes.search.snippets``).

Ranking has two tiers on both: items that match the query with their own words (stemmed)
come before items that match only through compound parts ("reform" in
"beskæftigelsesreformen"); within a tier, the engine's score decides.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import BooleanField, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from minutes.search.query import DANISH_STOP_WORDS, ParsedQuery
from minutes.textanalysis.stemming import stem, tokenize

# FTS5 column order and bm25 weights: a title or decision match outweighs the body.
FTS_COLUMNS = ("title", "decision_text", "body_text", "attachment_text", "search_parts")
BM25_WEIGHTS = (10.0, 5.0, 1.0, 0.5, 0.3)

DateRange = tuple[date | None, date | None]

# SQLite: an FTS5 row's key is its meeting day << 32 | its item id (migration 0007).
KEY_ID_MASK = 0xFFFFFFFF


def doc_key(item_id: int, meeting_date: date) -> int:
    """Return the FTS5 rowid of an item: newest-first order is descending key order."""
    return (meeting_date.toordinal() << 32) | item_id


def _day_keys(first: date | None, last: date | None) -> tuple[int, int]:
    """Return the lowest and highest key of items met between ``first`` and ``last``."""
    low = first.toordinal() << 32 if first else -(2**63)
    high = ((last.toordinal() + 1) << 32) - 1 if last else 2**63 - 1
    return low, high


# The key of the outer item row, for correlated lookups (as doc_key; see migration 0007).
_ITEM_KEY_SQL = (
    "((CAST(julianday(minutes_agendaitem.meeting_date) - 1721424.5 AS INTEGER) << 32) "
    "| minutes_agendaitem.id)"
)


class SearchBackend(ABC):
    """What every backend offers. Views and services use only this."""

    vendor = ""
    # The year of a date column, as an integer, without a Python function per row.
    YEAR_SQL = "CAST(EXTRACT(YEAR FROM {column}) AS integer)"
    # Whether newest-first reads should look in growing date windows (see service._newest).
    DATE_WINDOWS = True
    # Cost of testing one row on its own against collecting one match (see service._rowwise).
    ROWWISE_COST_RATIO = 10.0
    # Whether newest_ids can read the index newest first with filters (see service._streamed),
    # and the cost (µs) of checking a match against the filters and of testing one item's text.
    STREAMS_NEWEST = False
    # Whether an exclusion's matches must all be read (counted exactly) to find its newest ones.
    EXACT_EXCLUSIONS = True
    # Whether the exact count of a narrow filter may test its items one by one (service._probe_source).
    ROWWISE_PROBE = False
    STREAM_CHECK_COST = 2.0
    ROWWISE_TEST_COST = 17.0

    @abstractmethod
    def match(self, queryset: QuerySet, query: ParsedQuery) -> QuerySet:
        """Restrict ``queryset`` to items matching ``query`` (counts and facets use this)."""

    @abstractmethod
    def rank(self, queryset: QuerySet, query: ParsedQuery) -> QuerySet:
        """Annotate ``search_rank`` (higher is better) on an already matched queryset."""

    def prepare_search(self, query: ParsedQuery) -> None:
        """Tune the current transaction for the statements of one search (a no-op by default)."""
        return None

    def estimate(self, queryset: QuerySet) -> int | None:
        """Return the planner's estimate of the rows of ``queryset``, or None if unknown."""
        return None

    def with_ids(self, queryset: QuerySet, ids: list[int]) -> QuerySet:
        """Restrict ``queryset`` to the items ``ids`` (a page, ranking candidates)."""
        return queryset.filter(id__in=ids)

    def count_matches(self, query: ParsedQuery, limit: int | None = None) -> int | None:
        """Return how many items' text matches ``query`` (no filters), when that is cheap.

        With ``limit``, counting stops after ``limit + 1`` matches: a result above ``limit``
        says only "more".
        """
        return None

    def count_text_matches(self, query: ParsedQuery) -> int | None:
        """Return how many items' text matches ``query``, exactly or estimated, if cheap."""
        return self.count_matches(query)

    def count_filtered(self, queryset: QuerySet) -> int:
        """Return how many items ``queryset`` (filters, no words) holds, exactly or estimated."""
        return queryset.count()

    def scores(self, item_ids: list[int], query: ParsedQuery) -> dict[int, tuple[float, float]]:
        """Return (tier, score) of these matching items; higher is better, as ``rank``."""
        ranked = self.rank(self.with_ids(_all_items(), item_ids), query)
        return {
            pk: (tier, score) for pk, tier, score in ranked.values_list("id", "search_tier", "search_rank")
        }

    def sample(
        self,
        filtered: QuerySet,
        query: ParsedQuery,
        estimate: int | None,
        id_span: tuple[int, int],
        dates: DateRange | None = None,
    ) -> tuple[QuerySet, float] | None:
        """Return the matches of ``query`` among a fixed sample of ``filtered``, and its scale.

        The scale is items per sampled item: counts in the sample times the scale estimate
        counts among all matches. ``dates`` are the first and last meeting day the filters
        allow, when they limit dates. None when the backend cannot sample cheaply.
        """
        return None

    def newest_ids(
        self, query: ParsedQuery, n: int, dates: DateRange | None = None, filtered: QuerySet | None = None
    ) -> list[int] | None:
        """Return the ids of the ``n`` newest items matching ``query``, newest first, as ORDER
        BY -meeting_date, -id: among ``filtered`` if given, within ``dates`` (first and last
        day, either may be None). None when the backend has no cheaper way than the service's."""
        return None

    def count_items_between(self, first: date | None, last: date | None) -> int:
        """Return how many items were met between these days (None: unbounded)."""
        from minutes.models import AgendaItem

        items = AgendaItem.objects.all()
        if first:
            items = items.filter(meeting_date__gte=first)
        if last:
            items = items.filter(meeting_date__lte=last)
        return items.count()

    def match_rowwise(self, queryset: QuerySet, query: ParsedQuery) -> QuerySet | None:
        """Like ``match``, but testing each row on its own: cheap when most rows match and
        only the first few in some order are wanted. None when ``match`` is always better."""
        return None

    @abstractmethod
    def index_items(self, item_ids: Iterable[int]) -> None:
        """Bring the index up to date for these items (after they were written)."""

    @abstractmethod
    def clear(self) -> None:
        """Empty the index (before a rebuild)."""

    def optimize(self) -> None:
        """Compact the index after many writes (outside a transaction; takes minutes at 1M)."""
        return None


# The query with every lexeme restricted to weights A-C, i.e. matching without compound
# parts (weight D). tsquery has no operator for that, so the text form is rewritten:
# 'reform' & 'budg' -> 'reform':ABC & 'budg':ABC.
EXACT_TSQUERY_SQL = (
    "regexp_replace(websearch_to_tsquery(%s::regconfig, %s)::text, "
    "'''(?:[^'']|'''')+''', '\\&:ABC', 'g')::tsquery"
)


class PostgresBackend(SearchBackend):
    vendor = "postgresql"
    CONFIG = "danish"
    # Partial GIN indexes of migrations 0006 and 0009 over every 16th, 64th and 512th item:
    # 60, 21 and 3 MB at 1M items. The coarser ones serve words found in many items.
    SAMPLE_MODULI = (16, 64, 512)
    SAMPLE_MAX_ROWS = 4_000
    SAMPLE_MAX_POSTINGS = 25_000
    # Testing a row detoasts its tsvector (~4 µs); the GIN bitmap costs ~0.12 µs a posting.
    ROWWISE_COST_RATIO = 30.0

    def prepare_search(self, query: ParsedQuery) -> None:
        # The planner prices ``@@`` on a sequential scan as cheap, but every row it tests
        # detoasts a ~4 KB tsvector: at 10k items a LIMIT 10001 count took 136 ms that way
        # and 17 ms from the GIN bitmap, which needs no recheck for plain words. Enough
        # work_mem keeps that bitmap exact (a lossy one rechecks, i.e. detoasts, every row),
        # and JIT only adds compile time to statements that stop at a LIMIT.
        # See docs/performance.md. SET LOCAL ends with the search's transaction.
        settings = {"work_mem": "64MB", "jit": "off"}
        if query.has_positive:
            settings["enable_seqscan"] = "off"
        with connection.cursor() as cursor:  # one round trip: set_config(..., true) is SET LOCAL
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in settings),
                [value for pair in settings.items() for value in pair],
            )

    def estimate(self, queryset: QuerySet) -> int | None:
        # PostgreSQL's tsvector statistics (most common lexemes) make this close for the
        # words that matter here: 'kommune' at 1M items, 670,928 estimated, 669,035 true.
        sql, params = queryset.values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            import json

            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])

    def count_text_matches(self, query: ParsedQuery) -> int | None:
        # The planner's estimate from the tsvector statistics: 298,767 for "budget" (302,968).
        return self.estimate(self.match(_all_items(), query)) if query.has_positive else None

    def count_filtered(self, queryset: QuerySet) -> int:
        # Counting a year's items read 50,000 index entries; the estimate is enough to plan by.
        return self.estimate(queryset) or 0

    def match_rowwise(self, queryset: QuerySet, query: ParsedQuery) -> QuerySet | None:
        # The plain match, read without date windows: with its LIMIT, the planner walks the
        # (municipality, date) index and tests each row when most rows match (7 ms for the
        # newest 500 of "budget" in one municipality at 1M items), or combines indexes when
        # that is cheaper (two municipalities: a walk would sort both first).
        return self.match(queryset, query) if query.has_positive else None

    def with_ids(self, queryset: QuerySet, ids: list[int]) -> QuerySet:
        # One array parameter: 500 placeholders cost ~3 ms a statement to build and parse.
        return queryset.filter(
            RawSQL("minutes_agendaitem.id = ANY(%s)", [[int(pk) for pk in ids]], output_field=BooleanField())
        )

    def sample(
        self,
        filtered: QuerySet,
        query: ParsedQuery,
        estimate: int | None,
        id_span: tuple[int, int],
        dates: DateRange | None = None,
    ) -> tuple[QuerySet, float] | None:
        if not query.has_positive:
            return None  # filters alone would scan their rows to find the sampled ones
        # The finest sample unless it would hold more than SAMPLE_MAX_ROWS matches, or its
        # index more than SAMPLE_MAX_POSTINGS postings of the words, which are read whatever
        # the filters keep ("kommune" in 2019: 42,000 postings in the 1/16 sample, 14 ms;
        # 10,500 in the 1/64 one, 5 ms, which still holds ~150 of its matches).
        postings = self.count_text_matches(query) if filtered.query.where else estimate
        modulus = self.SAMPLE_MODULI[0]
        for coarser in self.SAMPLE_MODULI[1:]:
            rows = (estimate or 0) / modulus
            if rows > self.SAMPLE_MAX_ROWS or (postings or 0) / modulus > self.SAMPLE_MAX_POSTINGS:
                modulus = coarser
        # The predicate must read exactly as the partial index's for the planner to use it.
        predicate = RawSQL(f"minutes_agendaitem.id %% {int(modulus)} = 0", [], output_field=BooleanField())
        return self.match(filtered, query).filter(predicate), float(modulus)

    def _tsquery(self, text: str) -> RawSQL:
        return RawSQL("websearch_to_tsquery(%s::regconfig, %s)", [self.CONFIG, text])

    def match(self, queryset: QuerySet, query: ParsedQuery) -> QuerySet:
        if query.has_positive:
            # The query already carries its exclusions ("-word" → "!word").
            sql, text = (
                "minutes_agendaitem.search_vector @@ websearch_to_tsquery(%s::regconfig, %s)",
                query.websearch(),
            )
        else:
            sql = "NOT (minutes_agendaitem.search_vector @@ websearch_to_tsquery(%s::regconfig, %s))"
            text = query.websearch_excluded()
        return queryset.filter(RawSQL(sql, [self.CONFIG, text], output_field=BooleanField()))

    def rank(self, queryset: QuerySet, query: ParsedQuery) -> QuerySet:
        if not query.has_positive:
            return _unranked(queryset)
        # Normalisation 1 divides by 1 + log(length), so long items do not win by length.
        rank = RawSQL(
            "ts_rank_cd(minutes_agendaitem.search_vector, websearch_to_tsquery(%s::regconfig, %s), 1)",
            [self.CONFIG, query.websearch()],
            output_field=FloatField(),
        )
        exact = RawSQL(
            f"CASE WHEN minutes_agendaitem.search_vector @@ {EXACT_TSQUERY_SQL} THEN 1 ELSE 0 END",
            [self.CONFIG, query.websearch()],
            output_field=FloatField(),
        )
        return queryset.annotate(search_tier=exact, search_rank=rank)

    def index_items(self, item_ids: Iterable[int]) -> None:
        # The tsvector is a generated column: PostgreSQL keeps it current on every write.
        return None

    def optimize(self) -> None:
        # Moves the GIN indexes' pending entries into the index proper and refreshes the
        # statistics the planner's estimates come from.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) minutes_agendaitem")

    def clear(self) -> None:
        return None


def item_id_span() -> tuple[int, int]:
    """Return the archive's first and last item id (0, 0 when it is empty)."""
    # Two single-ended reads: SQLite answers MIN and MAX from the b-tree's ends only when
    # each stands alone (together they scanned an index: 7 ms at 100k items).
    ids = _all_items().values_list("id", flat=True)
    return ids.order_by("id").first() or 0, ids.order_by("-id").first() or 0


def _all_items() -> QuerySet:
    from minutes.models import AgendaItem

    return AgendaItem.objects.order_by()


def _unranked(queryset: QuerySet) -> QuerySet:
    zero = RawSQL("0.0", [], output_field=FloatField())
    return queryset.annotate(search_tier=zero, search_rank=zero)


def fts_text(text: str) -> str:
    """Return ``text`` as FTS5 should index it: one Snowball stem per word, in order.

    One stem per token keeps FTS5's token positions equal to the original text's, so a
    phrase matches the words as they stand.
    """
    return " ".join(stem(token) for token in tokenize(text))


def _scoring_fts5(query: ParsedQuery) -> str:
    """Return the FTS5 expression bm25() scores candidates with: phrases as their words.

    bm25() first counts, over the whole index, the items holding each phrase of the query:
    153 ms for "taget til efterretning" at 1M items (positions of a stop word in every
    item), 36 ms for its words. The candidates all hold the phrase already; scored by its
    words (stop words left out), they keep nearly the same order.
    """
    groups = []
    for group in query.groups:
        clauses = []
        for clause in group:
            stems = [s for w, s in zip(clause.words, clause.stems, strict=True) if w not in DANISH_STOP_WORDS]
            if clause.phrase and stems:
                clauses.append("(" + " AND ".join('"' + s.replace('"', '""') + '"' for s in stems) + ")")
            else:
                clauses.append(clause.fts5())
        groups.append(clauses[0] if len(clauses) == 1 else "(" + " OR ".join(clauses) + ")")
    return " AND ".join(groups)


class SqliteBackend(SearchBackend):
    vendor = "sqlite"
    YEAR_SQL = "CAST(substr({column}, 1, 4) AS integer)"
    # FTS5 hands over all matching rowids at once (67,000 in 2 ms at 100k items) and the
    # covering index sorts them by date in ~20 ms: windows would only repeat that work.
    DATE_WINDOWS = False
    # Sample: this many ranges of meeting days (FTS5 rowid ranges) spread over the archive,
    # sized to hold about SAMPLE_MATCHES matches among SAMPLE_MIN_IDS to SAMPLE_MAX_IDS items.
    SAMPLE_WINDOWS = 40
    SAMPLE_MATCHES = 3_000
    SAMPLE_MIN_IDS = 5_000
    SAMPLE_MAX_IDS = 50_000

    def scores(self, item_ids: list[int], query: ParsedQuery) -> dict[int, tuple[float, float]]:
        # bm25() needs FTS5 to have run the query itself, and it counts the items holding
        # each term over the whole index once per run (~20 ms for a word in most items at 1M
        # items): asked for one candidate at a time it did that 500 times (2 s). So FTS5 runs
        # once, over the candidates' key range (date order: for the newest matches the range
        # holds just them), and only the candidates are scored: "+rowid IN (…)" is tested
        # on each row FTS5 returns rather than handed to FTS5 as 500 separate lookups.
        if not item_ids or not query.has_positive:
            return {}
        with connection.cursor() as cursor:
            placeholders = ", ".join("%s" for _ in item_ids)
            cursor.execute(
                f"SELECT doc_key FROM minutes_searchdoc WHERE item_id IN ({placeholders})", item_ids
            )
            keys = [key for (key,) in cursor.fetchall()]
        if not keys:
            return {}
        exact_columns = " ".join(name for name in FTS_COLUMNS if name != "search_parts")
        in_keys = ", ".join("%s" for _ in keys)
        where = f"WHERE minutes_item_fts MATCH %s AND rowid BETWEEN %s AND %s AND +rowid IN ({in_keys})"
        bounds = [min(keys), max(keys), *keys]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid & {KEY_ID_MASK} FROM minutes_item_fts {where}",
                [f"{{{exact_columns}}} : ({query.fts5_positive()})", *bounds],
            )
            exact = {pk for (pk,) in cursor.fetchall()}
            cursor.execute(
                f"SELECT rowid & {KEY_ID_MASK}, -{self._bm25()} FROM minutes_item_fts {where}",
                [_scoring_fts5(query), *bounds],
            )
            return {pk: (1.0 if pk in exact else 0.0, score) for pk, score in cursor.fetchall()}

    def _key_span(self) -> tuple[int, int] | None:
        # Each end alone: SQLite reads MIN or MAX of a rowid from the b-tree's edge.
        with connection.cursor() as cursor:
            cursor.execute("SELECT doc_key FROM minutes_searchdoc ORDER BY doc_key LIMIT 1")
            first = cursor.fetchone()
            cursor.execute("SELECT doc_key FROM minutes_searchdoc ORDER BY doc_key DESC LIMIT 1")
            last = cursor.fetchone()
        return (first[0], last[0]) if first and last else None

    # Text matches are counted exactly up to this many, and estimated above it.
    TEXT_COUNT_LIMIT = 20_000

    def count_matches(self, query: ParsedQuery, limit: int | None = None) -> int | None:
        # FTS5 counts its own matches without touching the item table: under 1 ms for a rare
        # word, but 30-45 ms for one in two thirds of 1M items, hence ``limit`` (the first
        # 10,001 in ~1 ms). Phrases must read positions (114 ms for a common one), so they
        # are only counted up to a limit.
        if not query.has_positive:
            return None
        if query.excluded:
            # FTS5 reads the excluded words' posting lists in full to tell what is left: for
            # "budget -kommune" (8,898 of 303,000) ~40 ms, which the exact count of the probe
            # then spends again. The sample estimates first; the probe counts.
            return None
        matches = "SELECT 1 FROM minutes_item_fts WHERE minutes_item_fts MATCH %s"
        if limit is not None:
            sql, params = f"SELECT count(*) FROM ({matches} LIMIT %s)", [query.fts5(), limit + 1]
        elif any(c.phrase for group in query.groups for c in group):
            return None
        else:
            sql, params = f"SELECT count(*) FROM ({matches})", [query.fts5()]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def count_text_matches(self, query: ParsedQuery) -> int | None:
        # Exact up to TEXT_COUNT_LIMIT, else from a small sample (a few ms instead of 45).
        counted = self.count_matches(query, limit=self.TEXT_COUNT_LIMIT)
        if counted is None or counted <= self.TEXT_COUNT_LIMIT:
            return counted
        return self._pilot_estimate(query)

    def _pilot_estimate(self, query: ParsedQuery, days: tuple[int, int] | None = None, total: int = 0) -> int:
        """Estimate the text matches of ``query`` from SAMPLE_MIN_IDS items in day ranges."""
        if days is None:
            days = self._sample_days(None)
            if days is None:
                return 0
            low, high = item_id_span()
            total = high - low + 1
        union, params, windows = self._sample_union(query, *days, self.SAMPLE_MIN_IDS / max(total, 1))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({union})", params)
            in_pilot = cursor.fetchone()[0]
        return round(in_pilot * total / max(self._items_in(windows), 1))

    STREAMS_NEWEST = True
    EXACT_EXCLUSIONS = False
    ROWWISE_PROBE = True

    def newest_ids(
        self, query: ParsedQuery, n: int, dates: DateRange | None = None, filtered: QuerySet | None = None
    ) -> list[int] | None:
        # FTS5 walks its posting lists backwards from the newest key and stops after n: the
        # newest 8,000 of 670,000 matches in a few ms, where testing items one by one down the
        # date index took 300 ms. With filters, each match is looked up by its id and checked.
        if not query.has_positive:
            return None
        low, high = _day_keys(*(dates or (None, None)))
        sql = (
            f"SELECT rowid & {KEY_ID_MASK} FROM minutes_item_fts WHERE minutes_item_fts MATCH %s "
            "AND rowid BETWEEN %s AND %s"
        )
        params: list = [query.fts5(), low, high]
        if filtered is not None:
            check = filtered.filter(
                RawSQL(
                    f"minutes_agendaitem.id = (minutes_item_fts.rowid & {KEY_ID_MASK})",
                    [],
                    output_field=BooleanField(),
                )
            )
            check_sql, check_params = check.values("id").query.sql_with_params()
            sql += f" AND EXISTS ({check_sql})"
            params += list(check_params)
        with connection.cursor() as cursor:
            cursor.execute(sql + " ORDER BY rowid DESC LIMIT %s", [*params, n])
            return [pk for (pk,) in cursor.fetchall()]

    def sample(
        self,
        filtered: QuerySet,
        query: ParsedQuery,
        estimate: int | None,
        id_span: tuple[int, int],
        dates: DateRange | None = None,
    ) -> tuple[QuerySet, float] | None:
        if not query.has_positive:
            return None
        days = self._sample_days(dates)
        if days is None:
            return None
        first, last = days
        # Items between those days: the id span for the whole archive, else counted.
        total = id_span[1] - id_span[0] + 1 if dates is None else self._items_in([(first, last)])
        if not total:
            return None
        if not estimate:
            # No count to size the sample by (more matches than the count's limit, a phrase,
            # or filters): count the text matches of a small one first, and take the filters'
            # share of the items. A common phrase sampled at the largest size read ~27,000
            # matches (80 ms); "kommune" in 2019 among approved items, the whole year (63 ms).
            estimate = self._pilot_estimate(query, (first, last), total)
            if filtered.query.where:
                estimate *= min(1.0, self.count_filtered(filtered) / total)
        wanted = self.SAMPLE_MATCHES * total / estimate if estimate else self.SAMPLE_MAX_IDS
        sampled_ids = min(total, self.SAMPLE_MAX_IDS, max(self.SAMPLE_MIN_IDS, wanted))
        union, params, windows = self._sample_union(query, first, last, sampled_ids / total)
        sample = filtered.filter(
            RawSQL(f"minutes_agendaitem.id IN ({union})", params, output_field=BooleanField())
        )
        return sample, total / max(self._items_in(windows), 1)

    def _sample_days(self, dates: DateRange | None) -> tuple[int, int] | None:
        """Return the first and last meeting day (ordinals) to sample, within ``dates``."""
        span = self._key_span()
        if span is None:
            return None
        first, last = span[0] >> 32, span[1] >> 32
        if dates is not None:
            low, high = dates
            first = max(first, low.toordinal()) if low else first
            last = min(last, high.toordinal()) if high else last
        return (first, last) if first <= last else None

    def _sample_union(
        self, query: ParsedQuery, first: int, last: int, share: float
    ) -> tuple[str, list, list[tuple[int, int]]]:
        """Return SQL for the matches in SAMPLE_WINDOWS ranges of days covering ``share`` of
        the days from ``first`` to ``last``, and the ranges (first and last day of each)."""
        days = last - first + 1
        width = max(1, round(days * min(1.0, share) / self.SAMPLE_WINDOWS))
        step = max(width, days // self.SAMPLE_WINDOWS)
        # Each range goes to FTS5 as a rowid constraint, which it answers by seeking in its
        # posting lists: only the sampled matches are read (9 ms for ~3,300 at 1M items,
        # where a filter on the item table made FTS5 hand over all 670,000 matches first).
        selects, params, windows = [], [], []
        for start in range(first, last + 1, step):
            end = min(start + width - 1, last)
            selects.append(
                f"SELECT rowid & {KEY_ID_MASK} FROM minutes_item_fts "
                "WHERE minutes_item_fts MATCH %s AND rowid BETWEEN %s AND %s"
            )
            params += [query.fts5(), start << 32, ((end + 1) << 32) - 1]
            windows.append((start, end))
        return " UNION ALL ".join(selects), params, windows

    def _items_in(self, windows: list[tuple[int, int]]) -> int:
        """Count the items met on the days of ``windows`` (the date index alone)."""
        if not windows:
            return 0
        counts = " + ".join(
            "(SELECT count(*) FROM minutes_agendaitem WHERE meeting_date BETWEEN %s AND %s)" for _ in windows
        )
        params = [date.fromordinal(day).isoformat() for window in windows for day in window]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {counts}", params)
            return cursor.fetchone()[0]

    def match_rowwise(self, queryset: QuerySet, query: ParsedQuery) -> QuerySet | None:
        # One FTS5 lookup per row (~20 µs): the newest 500 items with a word in two thirds of
        # 1M items in 14 ms, where ``match`` first collects all 670,000 matches (1.1 s).
        if not query.has_positive:
            return None
        sql = (
            "EXISTS (SELECT 1 FROM minutes_item_fts WHERE minutes_item_fts MATCH %s "
            f"AND minutes_item_fts.rowid = {_ITEM_KEY_SQL})"
        )
        return queryset.filter(RawSQL(sql, [query.fts5()], output_field=BooleanField()))

    def _bm25(self) -> str:
        return "bm25(minutes_item_fts, " + ", ".join(str(w) for w in BM25_WEIGHTS) + ")"

    def match(self, queryset: QuerySet, query: ParsedQuery) -> QuerySet:
        # The MATCH text is built from quoted stems only, never from raw user input.
        matches = f"SELECT rowid & {KEY_ID_MASK} FROM minutes_item_fts WHERE minutes_item_fts MATCH %s"
        if query.has_positive:
            sql, text = f"minutes_agendaitem.id IN ({matches})", query.fts5()
        else:
            sql, text = f"minutes_agendaitem.id NOT IN ({matches})", query.fts5_excluded()
        return queryset.filter(RawSQL(sql, [text], output_field=BooleanField()))

    def rank(self, queryset: QuerySet, query: ParsedQuery) -> QuerySet:
        if not query.has_positive:
            return _unranked(queryset)
        # An FTS5 column filter leaves out the compound parts: a match there is exact.
        exact_columns = " ".join(name for name in FTS_COLUMNS if name != "search_parts")
        # Tested row by row: IN (…) would collect every exact match of the archive first.
        exact = RawSQL(
            "CASE WHEN EXISTS (SELECT 1 FROM minutes_item_fts WHERE minutes_item_fts MATCH %s "
            f"AND minutes_item_fts.rowid = {_ITEM_KEY_SQL}) THEN 1 ELSE 0 END",
            [f"{{{exact_columns}}} : ({query.fts5_positive()})"],
            output_field=FloatField(),
        )
        # Join the FTS table so bm25() sees the MATCH. bm25 is lower for better matches;
        # negate it so that a higher search_rank is better on both backends. The join names
        # the FTS5 row by the item's key only, so the items lead and FTS5 is asked for one
        # rowid each: stated the other way too, SQLite led with every match of the query
        # (217 ms for 500 candidates of "budget" at 1M items).
        return queryset.annotate(search_tier=exact).extra(
            tables=["minutes_item_fts"],
            where=[f"minutes_item_fts.rowid = {_ITEM_KEY_SQL}", "minutes_item_fts MATCH %s"],
            params=[query.fts5()],
            select={"search_rank": f"-{self._bm25()}"},
        )

    def index_items(self, item_ids: Iterable[int]) -> None:
        ids = list(item_ids)
        columns = ", ".join(FTS_COLUMNS)
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                batch = ids[start : start + 500]
                placeholders = ", ".join("%s" for _ in batch)
                cursor.execute(f"DELETE FROM minutes_searchdoc WHERE item_id IN ({placeholders})", batch)
                cursor.execute(
                    f"SELECT id, meeting_date, {columns} FROM minutes_agendaitem "
                    f"WHERE id IN ({placeholders})",
                    batch,
                )
                rows = [
                    (
                        doc_key(row[0], _as_date(row[1])),
                        row[0],
                        *(fts_text(value or "") for value in row[2:-1]),
                        row[-1] or "",
                    )
                    for row in cursor.fetchall()
                ]
                cursor.executemany(
                    f"INSERT INTO minutes_searchdoc (doc_key, item_id, {columns}) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    rows,
                )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM minutes_searchdoc")

    def optimize(self) -> None:
        # Every write adds a small FTS5 segment (merged four at a time); each row-by-row
        # lookup seeks in every segment. After an ingest of 26 referater into the 1M-item
        # archive, newest-first reads of common words took twice as long until merged.
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO minutes_item_fts(minutes_item_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE minutes_agendaitem")

    def segments(self) -> int:
        """Return the number of FTS5 segments (1 after ``optimize``)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(DISTINCT segid) FROM minutes_item_fts_idx")
            return cursor.fetchone()[0]


def _as_date(value) -> date:
    # A raw cursor on SQLite returns the DateField's text.
    return value if isinstance(value, date) else date.fromisoformat(value)


_BACKENDS = {backend.vendor: backend for backend in (PostgresBackend(), SqliteBackend())}


def get_backend() -> SearchBackend:
    """Return the backend for the database in use."""
    try:
        return _BACKENDS[connection.vendor]
    except KeyError:
        raise RuntimeError(f"No search backend for database vendor {connection.vendor!r}") from None
