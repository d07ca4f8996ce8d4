"""Browsing views for citizens: thin, a fixed number of queries per page, server-rendered.

Every page reads a bounded number of rows with a fixed number of queries, whatever the
size of a meeting or a committee: lists use ``select_related``/``prefetch_related``, and
the objects a page already holds (meeting, committee, municipality) are put on the items
it lists, so building their links never queries again. A committee's timeline shows one
year at a time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Prefetch, Subquery
from django.db.models.functions import ExtractYear, TruncMonth
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from minutes.models import AgendaItem, Attachment, Committee, Decision, Meeting, Municipality, Outcome
from minutes.search.backends import get_backend
from minutes.search.query import MAX_QUERY_CHARS, parse_query

LATEST_MEETINGS = 10
CASE_HISTORY_LIMIT = 50
CASE_ITEMS_LIMIT = 500

# Columns an item list never shows; on a 40-item meeting they are most of the bytes read.
_HEAVY_ITEM_FIELDS = ("body_text", "attachment_text", "search_parts")
_ITEM_SUMMARY_FIELDS = ("meeting_id", "number", "position", "title", "outcome", "is_closed", "case_number")


class ArchiveNotFound(Http404):
    """A 404 whose message (already translated) tells the reader what was not found."""


# ---------------------------------------------------------------------------- helpers


def _item_count() -> Subquery:
    """Count a meeting's items in a correlated subquery, for the few meetings on a page.

    An ``annotate(Count("items"))`` would group every meeting in the archive before the
    slice; this counts only the rows shown.
    """
    counts = (
        AgendaItem.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counts, output_field=IntegerField())


def _municipality_or_404(slug: str) -> Municipality:
    muni = Municipality.objects.filter(slug=slug).first()
    if muni is None:
        raise ArchiveNotFound(_("Kommunen »%(slug)s« findes ikke i arkivet.") % {"slug": slug})
    return muni


def _committee_or_404(municipality: str, committee: str) -> Committee:
    found = (
        Committee.objects.select_related("municipality")
        .filter(municipality__slug=municipality, slug=committee)
        .first()
    )
    if found is None:
        raise ArchiveNotFound(_("Udvalget »%(slug)s« findes ikke i arkivet.") % {"slug": committee})
    return found


def _meeting_or_404(municipality: str, committee: str, meeting: str) -> Meeting:
    found = (
        Meeting.objects.select_related("committee__municipality")
        .filter(committee__municipality__slug=municipality, committee__slug=committee, url_key=meeting)
        .first()
    )
    if found is None:
        raise ArchiveNotFound(
            _("Der er intet møde »%(key)s« i udvalget »%(committee)s«.")
            % {"key": meeting, "committee": committee}
        )
    return found


def _adopt(items, meeting: Meeting) -> None:
    """Put the meeting, committee and municipality we hold on items, so their links need no query."""
    committee = meeting.committee
    for item in items:
        item.meeting = meeting
        item.committee = committee
        item.municipality = committee.municipality


def _meeting_crumbs(meeting: Meeting, *, last: bool = True) -> list[tuple[str | None, str]]:
    committee = meeting.committee
    date = _date_label(meeting)
    return [
        (committee.municipality.get_absolute_url(), committee.municipality.name),
        (committee.get_absolute_url(), committee.name),
        (None if last else meeting.get_absolute_url(), date),
    ]


def _date_label(meeting: Meeting) -> str:
    return date_format(timezone.localtime(meeting.start), "DATE_FORMAT")


# ------------------------------------------------------------------------------- pages


def home(request):
    latest = (
        Meeting.objects.select_related("committee__municipality")
        .annotate(n_items=_item_count())
        .order_by("-start")[:LATEST_MEETINGS]
    )
    municipalities = list(
        Municipality.objects.annotate(
            n_committees=Count("committees", distinct=True),
            n_meetings=Count("committees__meetings"),
            latest=Max("committees__meetings__start"),
        ).order_by("name")
    )
    stats = AgendaItem.objects.aggregate(
        items=Count("id"), first=Min("meeting_date"), last=Max("meeting_date")
    )
    stats.update(
        municipalities=len(municipalities),
        committees=Committee.objects.count(),
        meetings=Meeting.objects.count(),
    )
    return render(
        request,
        "minutes/home.html",
        {"latest": latest, "stats": stats, "municipalities": municipalities},
    )


def municipality_detail(request, municipality: str):
    muni = _municipality_or_404(municipality)
    committees = muni.committees.annotate(
        n_meetings=Count("meetings"), latest=Max("meetings__start")
    ).order_by("name")
    recent = list(
        Meeting.objects.filter(committee__municipality=muni)
        .select_related("committee")
        .annotate(n_items=_item_count())
        .order_by("-start")[:LATEST_MEETINGS]
    )
    for meeting in recent:
        meeting.committee.municipality = muni
    span = AgendaItem.objects.filter(municipality=muni).aggregate(
        items=Count("pk"), first=Min("meeting_date"), last=Max("meeting_date")
    )
    return render(
        request,
        "minutes/municipality_detail.html",
        {
            "municipality": muni,
            "committees": committees,
            "recent": recent,
            "span": span,
            "crumbs": [(None, muni.name)],
        },
    )


@dataclass
class MonthGroup:
    month: dt.date
    meetings: list[Meeting] = field(default_factory=list)


@dataclass
class ChartBar:
    x: float
    y: float
    width: float
    height: float
    label: str
    selected: bool


@dataclass
class ActivityChart:
    """Items per month as an SVG bar chart; the template draws it from these numbers."""

    bars: list[ChartBar]
    year_labels: list[tuple[float, int]]
    width: float
    total_meetings: int
    total_items: int
    first_year: int
    last_year: int
    plot_height: float = 60.0

    @property
    def bars_svg(self) -> SafeString:
        """The bars as SVG elements. Built here, not by the template: 240 bars of a 20-year
        committee took ~10 ms of template filters (a third of the page)."""
        return format_html_join(
            "",
            '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            (
                (
                    "bar selected" if bar.selected else "bar",
                    f"{bar.x:.1f}",
                    f"{bar.y:.1f}",
                    f"{bar.width:.1f}",
                    f"{bar.height:.1f}",
                    bar.label,
                )
                for bar in self.bars
            ),
        )

    height: float = 76.0


# The chart aims at this width in SVG units; a short history gets wider bars.
CHART_TARGET_WIDTH = 720.0


def _activity_chart(committee: Committee, selected_year: int | None) -> ActivityChart | None:
    """Count meetings and items per month over the committee's whole life (two grouped queries)."""
    meetings = (
        Meeting.objects.filter(committee=committee)
        .annotate(month=TruncMonth("start"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    items = (
        AgendaItem.objects.filter(committee=committee)
        .annotate(month=TruncMonth("meeting_date"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in meetings:
        month = row["month"]
        if isinstance(month, dt.datetime) and timezone.is_aware(month):
            month = timezone.localtime(month)
        counts[(month.year, month.month)][0] += row["n"]
    for row in items:
        counts[(row["month"].year, row["month"].month)][1] += row["n"]
    if not counts:
        return None
    first_year = min(y for y, _m in counts)
    last_year = max(y for y, _m in counts)
    n_months = (last_year - first_year + 1) * 12
    step = min(20.0, max(4.0, CHART_TARGET_WIDTH / n_months))
    peak = max(n_items for _meetings, n_items in counts.values()) or 1
    span = last_year - first_year
    label_every = 1 if span < 10 else (2 if span < 20 else 5)
    chart = ActivityChart(
        bars=[],
        year_labels=[],
        width=n_months * step,
        total_meetings=sum(c[0] for c in counts.values()),
        total_items=sum(c[1] for c in counts.values()),
        first_year=first_year,
        last_year=last_year,
    )
    for index in range(n_months):
        year, month = first_year + index // 12, index % 12 + 1
        x = index * step
        if month == 1 and (year - first_year) % label_every == 0:
            chart.year_labels.append((x, year))
        n_meetings, n_items = counts.get((year, month), (0, 0))
        if not n_meetings and not n_items:
            continue
        height = max(2.0, chart.plot_height * n_items / peak)
        label = "{month} {year}: {meetings}, {items}".format(
            month=MONTHS[month],  # as the date format "F Y"
            year=year,
            meetings=ngettext("%(n)s møde", "%(n)s møder", n_meetings) % {"n": n_meetings},
            items=ngettext("%(n)s punkt", "%(n)s punkter", n_items) % {"n": n_items},
        )
        chart.bars.append(
            ChartBar(
                x=x,
                y=chart.plot_height - height,
                width=max(3.0, step * 0.75),
                height=height,
                label=label,
                selected=year == selected_year,
            )
        )
    return chart


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def committee_detail(request, municipality: str, committee: str):
    """The committee's meetings one year at a time, grouped by month, with a filter."""
    committee_obj = _committee_or_404(municipality, committee)
    all_items = AgendaItem.objects.filter(committee=committee_obj)

    text = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    outcome = request.GET.get("outcome", "")
    if outcome not in Outcome.values:
        outcome = ""
    query = parse_query(text) if text else None
    matched = all_items
    if outcome:
        matched = matched.filter(outcome=outcome)
    if query is not None and not query.is_empty:
        matched = get_backend().match(matched, query)
    filtering = matched is not all_items

    if filtering:
        per_year = (
            matched.order_by().annotate(y=ExtractYear("meeting_date")).values("y").annotate(n=Count("pk"))
        )
    else:
        per_year = (
            committee_obj.meetings.order_by()
            .annotate(y=ExtractYear("start"))
            .values("y")
            .annotate(n=Count("pk"))
        )
    year_counts = {row["y"]: row["n"] for row in per_year}
    years = sorted(year_counts, reverse=True)
    requested = _int_or_none(request.GET.get("year"))
    year = requested if requested in year_counts else (years[0] if years else None)

    meetings: list[Meeting] = []
    if year is not None:
        in_year = committee_obj.meetings.filter(start__year=year)
        if filtering:
            # Evaluated here, not as a subquery: the search backends' raw SQL names the
            # item table, which Django aliases inside subqueries. One year's ids at most.
            ids = set(matched.filter(meeting_date__year=year).values_list("meeting_id", flat=True))
            in_year = in_year.filter(pk__in=ids)
        shown_items = (matched if filtering else all_items).only(*_ITEM_SUMMARY_FIELDS).order_by("position")
        meetings = list(
            in_year.order_by("-start")
            .annotate(n_items=_item_count())
            .prefetch_related(Prefetch("items", queryset=shown_items))
            .defer("source_text", "parse_warnings")
        )
        for meeting in meetings:
            _adopt(meeting.items.all(), meeting)

    months: list[MonthGroup] = []
    for meeting in meetings:
        local = timezone.localtime(meeting.start)
        month = dt.date(local.year, local.month, 1)
        if not months or months[-1].month != month:
            months.append(MonthGroup(month))
        months[-1].meetings.append(meeting)

    position = years.index(year) if year in years else -1
    newer = years[position - 1] if position > 0 else None
    older = years[position + 1] if 0 <= position < len(years) - 1 else None
    return render(
        request,
        "minutes/committee_detail.html",
        {
            "committee": committee_obj,
            "municipality": committee_obj.municipality,
            "chart": _activity_chart(committee_obj, year),
            "years": [(y, year_counts[y]) for y in years],
            "year": year,
            "requested_missing": requested is not None and requested != year,
            "newer_year": newer,
            "older_year": older,
            "months": months,
            "filtering": filtering,
            "q": text,
            "query_notices": query.notices if query is not None else (),
            "outcome": outcome,
            "outcomes": Outcome.choices,
            "crumbs": [
                (committee_obj.municipality.get_absolute_url(), committee_obj.municipality.name),
                (None, committee_obj.name),
            ],
        },
    )


def _items_with_details(meeting: Meeting):
    return meeting.items.defer(*_HEAVY_ITEM_FIELDS, "decision_text").prefetch_related(
        Prefetch("decisions", queryset=Decision.objects.order_by("position")),
        Prefetch("attachments", queryset=Attachment.objects.defer("text").order_by("position")),
    )


def meeting_detail(request, municipality: str, committee: str, meeting: str):
    meeting_obj = _meeting_or_404(municipality, committee, meeting)
    items = list(_items_with_details(meeting_obj).order_by("position"))
    _adopt(items, meeting_obj)
    return render(
        request,
        "minutes/meeting_detail.html",
        {"meeting": meeting_obj, "items": items, "crumbs": _meeting_crumbs(meeting_obj)},
    )


def meeting_source(request, municipality: str, committee: str, meeting: str):
    """Return the meeting's source text as ingested, as plain text."""
    meeting_obj = _meeting_or_404(municipality, committee, meeting)
    response = HttpResponse(meeting_obj.source_text, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _download(stored, filename: str) -> FileResponse:
    """Serve a stored file as a download: never rendered inline, PDF only when it is one."""
    handle = stored.open("rb")
    is_pdf = handle.read(5) == b"%PDF-"
    handle.seek(0)
    name = PurePosixPath(filename or stored.name).name or "fil"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type="application/pdf" if is_pdf else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, it runs no script and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def meeting_source_file(request, municipality: str, committee: str, meeting: str):
    """Return the meeting's original file (a PDF as uploaded) as a download."""
    meeting_obj = _meeting_or_404(municipality, committee, meeting)
    if not meeting_obj.source_file:
        raise ArchiveNotFound(_("Mødet har ingen original fil i arkivet; se kildeteksten."))
    return _download(meeting_obj.source_file, meeting_obj.source_name)


def item_detail(request, municipality: str, committee: str, meeting: str, number: str):
    meeting_obj = _meeting_or_404(municipality, committee, meeting)
    item = _items_with_details(meeting_obj).filter(number=number).first()
    if item is None:
        raise ArchiveNotFound(
            _("Mødet den %(date)s har intet punkt %(number)s.")
            % {"date": _date_label(meeting_obj), "number": number}
        )
    neighbours = meeting_obj.items.only("meeting_id", "number", "title", "position")
    previous = neighbours.filter(position__lt=item.position).order_by("-position").first()
    following = neighbours.filter(position__gt=item.position).order_by("position").first()
    _adopt([i for i in (item, previous, following) if i is not None], meeting_obj)
    history: list[AgendaItem] = []
    if item.case_number:
        history = list(
            AgendaItem.objects.filter(municipality_id=item.municipality_id, case_number=item.case_number)
            .exclude(pk=item.pk)
            .select_related("meeting", "committee", "municipality")
            .defer(*_HEAVY_ITEM_FIELDS, "sections", "meeting__source_text", "meeting__parse_warnings")
            .order_by("meeting_date", "meeting__start", "position")[: CASE_HISTORY_LIMIT + 1]
        )
    return render(
        request,
        "minutes/item_detail.html",
        {
            "item": item,
            "meeting": meeting_obj,
            "previous": previous,
            "next": following,
            "history": history[:CASE_HISTORY_LIMIT],
            "history_truncated": len(history) > CASE_HISTORY_LIMIT,
            "crumbs": [
                *_meeting_crumbs(meeting_obj, last=False),
                (None, _("Punkt %(number)s") % {"number": item.number}),
            ],
        },
    )


def attachment_download(request, municipality: str, committee: str, meeting: str, number: str, position: int):
    """Return an attachment's file as a download."""
    attachment = (
        Attachment.objects.filter(
            item__meeting__committee__municipality__slug=municipality,
            item__meeting__committee__slug=committee,
            item__meeting__url_key=meeting,
            item__number=number,
            position=position,
        )
        .defer("text")
        .first()
    )
    if attachment is None or not attachment.file:
        raise ArchiveNotFound(_("Bilaget findes ikke som fil i arkivet."))
    return _download(attachment.file, attachment.file.name)


def case_detail(request, municipality: str, case_number: str):
    """The life of a case: every item with this case number, oldest first."""
    muni = _municipality_or_404(municipality)
    items = list(
        AgendaItem.objects.filter(municipality=muni, case_number=case_number)
        .select_related("meeting", "committee")
        .defer(*_HEAVY_ITEM_FIELDS, "sections", "meeting__source_text", "meeting__parse_warnings")
        .order_by("meeting_date", "meeting__start", "position")[: CASE_ITEMS_LIMIT + 1]
    )
    if not items:
        raise ArchiveNotFound(
            _("Sagsnummer %(case)s findes ikke hos %(municipality)s.")
            % {"case": case_number, "municipality": muni.name}
        )
    for item in items:
        item.municipality = item.committee.municipality = muni
        item.meeting.committee = item.committee
    return render(
        request,
        "minutes/case_detail.html",
        {
            "municipality": muni,
            "case_number": case_number,
            "items": items[:CASE_ITEMS_LIMIT],
            "truncated": len(items) > CASE_ITEMS_LIMIT,
            "committees": sorted({item.committee.name for item in items}),
            "crumbs": [
                (muni.get_absolute_url(), muni.name),
                (None, _("Sag %(case)s") % {"case": case_number}),
            ],
        },
    )


def page_not_found(request, exception):
    """Say what was not found and offer the nearest pages that exist, and the search box."""
    message = str(exception) if isinstance(exception, ArchiveNotFound) else ""
    parts = [p for p in request.path.split("/") if p]
    nearby: list[tuple[str, str]] = []
    if parts:
        muni = Municipality.objects.filter(slug=parts[0]).first()
        if muni is not None:
            nearby.append((muni.get_absolute_url(), muni.name))
            if len(parts) > 1:
                found = muni.committees.filter(slug=parts[1]).first()
                if found is not None:
                    found.municipality = muni
                    nearby.append((found.get_absolute_url(), found.name))
                    if len(parts) > 2:
                        meeting = found.meetings.filter(url_key=parts[2]).first()
                        if meeting is not None:
                            nearby.append((meeting.get_absolute_url(), _date_label(meeting)))
    context = {
        "message": message,
        "request_path": request.path,
        "nearby": nearby,
        "municipalities": Municipality.objects.order_by("name")[:100],
    }
    return render(request, "404.html", context, status=404)
