"""URLs for clerks (login, upload, preview, publish, attachments): under /sekretariat/."""

urlpatterns: list = []
