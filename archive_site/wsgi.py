"""WSGI entry point for gunicorn: ``gunicorn archive_site.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_site.settings")

application = get_wsgi_application()

from minutes.serving import prepare_process  # noqa: E402  (needs Django set up)

prepare_process()
