from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MinutesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minutes"
    verbose_name = _("Referater")

    def ready(self) -> None:
        from minutes import checks  # noqa: F401 - registers the system checks
