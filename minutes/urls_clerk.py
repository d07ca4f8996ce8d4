"""URLs for clerks (login, upload, preview, publish, attachments): under /sekretariat/."""

from django.urls import path

from minutes.views import clerk

urlpatterns = [
    path("login/", clerk.LoginView.as_view(), name="login"),
    path("logout/", clerk.LogoutView.as_view(), name="logout"),
    path("", clerk.dashboard, name="clerk_dashboard"),
    path("upload/", clerk.upload, name="clerk_upload"),
    path("upload/<uuid:token>/", clerk.upload_detail, name="clerk_upload_detail"),
    path("upload/<uuid:token>/offentliggoer/", clerk.upload_publish, name="clerk_upload_publish"),
    path("upload/<uuid:token>/kasser/", clerk.upload_discard, name="clerk_upload_discard"),
    path("moede/<int:meeting>/bilag/", clerk.meeting_attachments, name="clerk_meeting_attachments"),
    path("log/", clerk.audit_log, name="clerk_audit_log"),
]
