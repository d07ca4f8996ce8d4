"""Browsing views: thin, bounded queries, server-rendered."""

from __future__ import annotations

from django.db.models import Count, Max, Min, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from minutes.models import AgendaItem, Committee, Decision, Meeting, Municipality


def _meeting_or_404(municipality: str, committee: str, meeting: str) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("committee__municipality"),
        committee__municipality__slug=municipality,
        committee__slug=committee,
        url_key=meeting,
    )


def home(request):
    latest = Meeting.objects.select_related("committee__municipality").annotate(n_items=Count("items"))[:10]
    stats = AgendaItem.objects.aggregate(
        items=Count("id"), first=Min("meeting_date"), last=Max("meeting_date")
    )
    stats.update(
        municipalities=Municipality.objects.count(),
        committees=Committee.objects.count(),
        meetings=Meeting.objects.count(),
    )
    return render(request, "minutes/home.html", {"latest": latest, "stats": stats})


def municipality_detail(request, municipality: str):
    muni = get_object_or_404(Municipality, slug=municipality)
    committees = muni.committees.annotate(n_meetings=Count("meetings"), latest=Max("meetings__start"))
    recent = Meeting.objects.filter(committee__municipality=muni).select_related("committee")[:10]
    return render(
        request,
        "minutes/municipality_detail.html",
        {"municipality": muni, "committees": committees, "recent": recent},
    )


def committee_detail(request, municipality: str, committee: str):
    committee_obj = get_object_or_404(
        Committee.objects.select_related("municipality"), municipality__slug=municipality, slug=committee
    )
    meetings = committee_obj.meetings.prefetch_related(
        Prefetch(
            "items", queryset=AgendaItem.objects.only("meeting_id", "number", "title", "outcome", "is_closed")
        )
    )
    return render(
        request, "minutes/committee_detail.html", {"committee": committee_obj, "meetings": meetings}
    )


def meeting_detail(request, municipality: str, committee: str, meeting: str):
    meeting_obj = _meeting_or_404(municipality, committee, meeting)
    items = meeting_obj.items.prefetch_related(
        Prefetch("decisions", queryset=Decision.objects.order_by("position")), "attachments"
    )
    return render(request, "minutes/meeting_detail.html", {"meeting": meeting_obj, "items": items})


def meeting_source(request, municipality: str, committee: str, meeting: str):
    meeting_obj = _meeting_or_404(municipality, committee, meeting)
    response = HttpResponse(meeting_obj.source_text, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def item_detail(request, municipality: str, committee: str, meeting: str, number: str):
    meeting_obj = _meeting_or_404(municipality, committee, meeting)
    item = get_object_or_404(meeting_obj.items.prefetch_related("decisions", "attachments"), number=number)
    item.meeting = meeting_obj
    history = []
    if item.case_number:
        history = (
            AgendaItem.objects.filter(municipality=item.municipality_id, case_number=item.case_number)
            .exclude(pk=item.pk)
            .select_related("meeting__committee__municipality")
            .order_by("meeting_date")
        )
    return render(
        request, "minutes/item_detail.html", {"item": item, "meeting": meeting_obj, "history": history}
    )


def case_detail(request, municipality: str, case_number: str):
    muni = get_object_or_404(Municipality, slug=municipality)
    items = (
        AgendaItem.objects.filter(municipality=muni, case_number=case_number)
        .select_related("meeting__committee__municipality")
        .order_by("meeting_date", "position")
    )
    if not items:
        from django.http import Http404

        raise Http404("Ukendt sagsnummer")
    return render(
        request,
        "minutes/case_detail.html",
        {"municipality": muni, "case_number": case_number, "items": items},
    )
