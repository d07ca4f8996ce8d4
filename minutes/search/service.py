"""The search service: filters + query → one page of hits with snippets and facets.

Counting and facets never scan an unbounded result set for the page alone: the count
stops at ``COUNT_CAP`` ("mere end 10.000"), and only the rows of the page shown get
ranked snippets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from minutes.filters import SORT_NEWEST, SORT_OLDEST, SORT_RELEVANCE, AgendaItemFilter
from minutes.models import AgendaItem, Outcome
from minutes.search.backends import (
    MARK_END,
    MARK_START,
    SNIPPET_FIELDS,
    SNIPPET_WORDS,
    RawSnippet,
    get_backend,
)
from minutes.search.query import ParsedQuery, parse_query
from minutes.textanalysis.compounds import compound_matches
from minutes.textanalysis.stemming import stem

PER_PAGE = 20
MAX_PER_PAGE = 100
COUNT_CAP = 10_000
FACET_LIMIT = 15
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Hit:
    item: AgendaItem
    title_html: SafeString
    snippet_html: SafeString
    snippet_field: str = ""  # "body_text", "decision_text", "attachment_text" or ""
    attachment_title: str = ""


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
    page: int = 1
    per_page: int = PER_PAGE
    has_next: bool = False
    sort: str = SORT_NEWEST
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
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
    matched: QuerySet = filterset.qs.order_by()
    default_sort = SORT_RELEVANCE if query.has_positive else SORT_NEWEST
    sort = params.get("sort") or default_sort
    if sort == SORT_RELEVANCE and not query.has_positive:
        sort = SORT_NEWEST
    results.sort = sort
    max_page = COUNT_CAP // per_page + 1
    results.page = _int(params.get("page"), 1, 1, max_page)

    with transaction.atomic():  # one snapshot for count, page and facets
        results.count, results.count_capped = _capped_count(matched)
        ordered = _ordered(matched, query, sort)
        offset = (results.page - 1) * per_page
        rows = list(
            ordered.select_related("meeting", "committee", "municipality")[offset : offset + per_page + 1]
        )
        results.has_next = len(rows) > per_page
        rows = rows[:per_page]
        results.hits = _hits(rows, query)
        results.facets = _facets(matched, params)
    return results


def _notice_text(code: str) -> str:
    return {
        "truncated": _("Søgningen var meget lang og er forkortet."),
        "too_many_terms": _("Søgningen havde mange ord; kun de første blev brugt."),
        "only_stop_words": _(
            "Søgningen bestod kun af meget almindelige ord (fx »og«, »i«), som ikke kan søges på."
        ),
    }.get(code, code)


def _capped_count(queryset: QuerySet) -> tuple[int, bool]:
    count = queryset.values("pk")[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


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


def word_matcher(query: ParsedQuery):
    """Return a predicate: does a document word match the query, itself or as a compound?"""
    stems = query.positive_stems

    def matches(word: str) -> bool:
        word = word.lower()
        return stem(word) in stems or any(compound_matches(word, query_stem) for query_stem in stems)

    return matches


def highlight_words(text: str, matches) -> SafeString:
    """Escape ``text`` and mark the words for which ``matches(word)`` holds."""
    out, last = [], 0
    for match in _WORD.finditer(text):
        out.append(escape(text[last : match.start()]))
        word = match.group()
        out.append(f"<mark>{escape(word)}</mark>" if matches(word) else escape(word))
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


def marked_html(text: str) -> SafeString:
    """Escape an engine snippet and turn its markers into <mark> elements."""
    if text.count(MARK_START) != text.count(MARK_END):
        text = text.replace(MARK_START, "").replace(MARK_END, "")
    html = escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)


def mark_compounds(snippet: str, matches) -> str:
    """Add markers around words the engine did not mark but that match as compounds.

    The engines' headline functions only mark words whose own stem matched; a word found
    through its compound parts ("beskæftigelsesreformen" for "reform") is marked here,
    whole, so the reader sees why the item was found.
    """
    pieces = re.split(f"({MARK_START}.*?{MARK_END})", snippet)
    for index, piece in enumerate(pieces):
        if piece.startswith(MARK_START):
            continue
        pieces[index] = _WORD.sub(
            lambda m: f"{MARK_START}{m.group()}{MARK_END}" if matches(m.group()) else m.group(), piece
        )
    return "".join(pieces)


def python_snippet(texts: dict[str, str], matches, words: int = SNIPPET_WORDS) -> RawSnippet | None:
    """Cut the passage with the most matching words from ``texts`` (field -> text)."""
    best: tuple[int, int, str, str] | None = None
    for order, (field_name, text) in enumerate(texts.items()):
        tokens = list(_WORD.finditer(text or ""))
        hits = [i for i, token in enumerate(tokens) if matches(token.group())]
        if not hits:
            continue
        # The window of ``words`` tokens that holds the most hits.
        count, first = max(
            (sum(1 for h in hits if start <= h < start + words), start)
            for start in (max(0, h - 4) for h in hits)
        )
        if best is None or (count, -order) > (best[0], -best[1]):
            last = min(len(tokens), first + words) - 1
            hit_set = set(hits)
            out, cursor = [], tokens[first].start()
            for i in range(first, last + 1):
                token = tokens[i]
                out.append(text[cursor : token.start()])
                out.append(f"{MARK_START}{token.group()}{MARK_END}" if i in hit_set else token.group())
                cursor = token.end()
            passage = ("… " if first else "") + "".join(out) + (" …" if last < len(tokens) - 1 else "")
            best = (count, order, field_name, passage)
    return RawSnippet(best[3], best[2]) if best else None


def _lead(item: AgendaItem, length: int = 240) -> str:
    text = item.decision_text or item.body_text
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"


def _hits(rows: list[AgendaItem], query: ParsedQuery) -> list[Hit]:
    snippets = get_backend().snippets([row.pk for row in rows], query)
    matches = word_matcher(query)
    hits = []
    for row in rows:
        snippet = snippets.get(row.pk)
        if snippet is not None:
            snippet = RawSnippet(mark_compounds(snippet.text, matches), snippet.field)
        elif query.has_positive:
            # Matched through compound parts only (or in the title): cut a passage here.
            snippet = python_snippet({name: getattr(row, name) for name in SNIPPET_FIELDS}, matches)
        hit = Hit(
            item=row,
            title_html=highlight_words(row.title, matches)
            if query.has_positive
            else mark_safe(escape(row.title)),
            snippet_html=marked_html(snippet.text) if snippet else mark_safe(escape(_lead(row))),
            snippet_field=snippet.field if snippet else "",
        )
        if snippet and snippet.field == "attachment_text":
            hit.attachment_title = _matching_attachment(row, snippet.text)
        hits.append(hit)
    return hits


def _matching_attachment(item: AgendaItem, snippet: str) -> str:
    start = snippet.find(MARK_START)
    word = snippet[start + 1 : snippet.find(MARK_END, start)].lower() if start != -1 else ""
    for attachment in item.attachments.only("title", "text"):
        if word and word in attachment.text.lower():
            return attachment.title
    return ""


def _facet_url(params, name: str, value: str | None) -> str:
    query = params.copy()
    query.pop("page", None)
    if value is None:
        query.pop(name, None)
    else:
        query.setlist(name, [value])
    return "?" + query.urlencode()


def _facets(queryset: QuerySet, params) -> dict[str, list[FacetValue]]:
    def build(name, rows, value_key, label_fn):
        selected = set(params.getlist(name))
        values = []
        for row in rows:
            value = str(row[value_key])
            is_selected = value in selected
            values.append(
                FacetValue(
                    value=value,
                    label=label_fn(row),
                    count=row["n"],
                    url=_facet_url(params, name, None if is_selected else value),
                    selected=is_selected,
                )
            )
        return values

    base = queryset.order_by()
    municipalities = base.values("municipality__slug", "municipality__name").annotate(n=Count("pk"))
    committees = base.values("committee_id", "committee__name", "municipality__name").annotate(n=Count("pk"))
    years = base.annotate(y=ExtractYear("meeting_date")).values("y").annotate(n=Count("pk"))
    outcomes = base.exclude(outcome="").values("outcome").annotate(n=Count("pk"))
    labels = dict(Outcome.choices)
    return {
        "municipality": build(
            "municipality",
            sorted(municipalities, key=lambda r: (-r["n"], r["municipality__name"]))[:FACET_LIMIT],
            "municipality__slug",
            lambda r: r["municipality__name"],
        ),
        "committee": build(
            "committee",
            sorted(committees, key=lambda r: (-r["n"], r["committee__name"]))[:FACET_LIMIT],
            "committee_id",
            lambda r: f"{r['committee__name']} ({r['municipality__name']})",
        ),
        "year": build("year", sorted(years, key=lambda r: -r["y"]), "y", lambda r: str(r["y"])),
        "outcome": build(
            "outcome",
            sorted(outcomes, key=lambda r: -r["n"]),
            "outcome",
            lambda r: str(labels.get(r["outcome"], r["outcome"])),
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
