"""Search views: the page and its JSON twin, both thin wrappers around ``minutes.search``."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render

from minutes import search
from minutes.search.service import MAX_PER_PAGE, PER_PAGE, api_payload


def search_page(request):
    results = search.run(request.GET)
    return render(request, "minutes/search.html", {"results": results})


def search_api(request):
    results = search.run(request.GET, per_page=_per_page(request))
    if results.errors:
        return JsonResponse({"errors": results.errors}, status=400)
    payload = api_payload(results, request)
    if results.notices:
        payload["notices"] = results.notices
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _per_page(request) -> int:
    try:
        return min(max(int(request.GET.get("per_page", PER_PAGE)), 1), MAX_PER_PAGE)
    except ValueError:
        return PER_PAGE
