"""``manage.py load_sample_data``: load the fictional sample referater into an empty archive."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from minutes.ingest import FAILED, ingest_path, iter_source_paths
from minutes.management.commands.ingest import render_notice
from minutes.models import Meeting

SAMPLE_DIR = Path(settings.BASE_DIR) / "sample_data" / "referater"
SAMPLE_MUNICIPALITY = "Eksempelby Kommune"


class Command(BaseCommand):
    help = "Load the project's fictional sample referater when the archive holds no meetings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Load even when the archive is not empty.")

    def handle(self, *args, **options) -> None:
        if Meeting.objects.exists() and not options["force"]:
            self.stdout.write("The archive already holds meetings; sample data not loaded.")
            return
        failed = 0
        for path in iter_source_paths([SAMPLE_DIR]):
            result = ingest_path(path, municipality=SAMPLE_MUNICIPALITY)
            if result.status == FAILED:
                failed += 1
                self.stderr.write(f"{path.name}: failed: {render_notice(result.error)}")
            else:
                self.stdout.write(f"{path.name}: {result.status}")
        if failed:
            raise CommandError(f"{failed} sample files failed to load.")
