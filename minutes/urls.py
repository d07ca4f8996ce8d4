from django.urls import path

from minutes import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    path("api/search", views.search_api, name="search_api"),
    path("<slug:municipality>/", views.municipality_detail, name="municipality"),
    path("<slug:municipality>/sag/<path:case_number>/", views.case_detail, name="case"),
    path("<slug:municipality>/<slug:committee>/", views.committee_detail, name="committee"),
    path("<slug:municipality>/<slug:committee>/<str:meeting>/", views.meeting_detail, name="meeting"),
    path(
        "<slug:municipality>/<slug:committee>/<str:meeting>/kilde/",
        views.meeting_source,
        name="meeting_source",
    ),
    path(
        "<slug:municipality>/<slug:committee>/<str:meeting>/punkt-<str:number>/",
        views.item_detail,
        name="item",
    ),
]
