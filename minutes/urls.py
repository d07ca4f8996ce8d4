from django.urls import include, path

from minutes.views import browse, search

# Readable URLs that stay valid for years: slugs and dates, never database ids.
meeting_prefix = "<slug:municipality>/<slug:committee>/<str:meeting>/"

urlpatterns = [
    path("", browse.home, name="home"),
    path("search/", search.search_page, name="search"),
    path("api/search", search.search_api, name="search_api"),
    # Fixed prefixes come before the municipality slug patterns below.
    path("sekretariat/", include("minutes.urls_clerk")),
    path("<slug:municipality>/", browse.municipality_detail, name="municipality"),
    # Case numbers contain "/" (23/39379), hence <path:>.
    path("<slug:municipality>/sag/<path:case_number>/", browse.case_detail, name="case"),
    path("<slug:municipality>/<slug:committee>/", browse.committee_detail, name="committee"),
    path(meeting_prefix, browse.meeting_detail, name="meeting"),
    path(meeting_prefix + "kilde/", browse.meeting_source, name="meeting_source"),
    path(meeting_prefix + "kilde/original/", browse.meeting_source_file, name="meeting_source_file"),
    path(meeting_prefix + "punkt-<str:number>/", browse.item_detail, name="item"),
    path(
        meeting_prefix + "punkt-<str:number>/bilag/<int:position>/",
        browse.attachment_download,
        name="attachment_download",
    ),
]
