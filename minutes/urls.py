from django.urls import include, path

from minutes.views import browse, search

urlpatterns = [
    path("", browse.home, name="home"),
    path("search/", search.search_page, name="search"),
    path("api/search", search.search_api, name="search_api"),
    # Fixed prefixes come before the municipality slug patterns below.
    path("sekretariat/", include("minutes.urls_clerk")),
    path("<slug:municipality>/", browse.municipality_detail, name="municipality"),
    path("<slug:municipality>/sag/<path:case_number>/", browse.case_detail, name="case"),
    path("<slug:municipality>/<slug:committee>/", browse.committee_detail, name="committee"),
    path("<slug:municipality>/<slug:committee>/<str:meeting>/", browse.meeting_detail, name="meeting"),
    path(
        "<slug:municipality>/<slug:committee>/<str:meeting>/kilde/",
        browse.meeting_source,
        name="meeting_source",
    ),
    path(
        "<slug:municipality>/<slug:committee>/<str:meeting>/punkt-<str:number>/",
        browse.item_detail,
        name="item",
    ),
]
