"""``manage.py optimize_search_index``: compact the full-text index after many writes."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from minutes.search import get_backend


class Command(BaseCommand):
    help = (
        "Compact the full-text search index: merge SQLite's FTS5 segments, or vacuum and analyse "
        "PostgreSQL's item table. Run it after large imports, or nightly after harvesting."
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        get_backend().optimize()
        self.stdout.write(self.style.SUCCESS(f"Search index compacted in {time.monotonic() - started:.1f}s."))
