"""URL configuration: readable, slug- and date-based URLs that stay valid for years."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("minutes.urls")),
]

# A 404 that says what was not found and links to the nearest pages that exist.
handler404 = "minutes.views.browse.page_not_found"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
