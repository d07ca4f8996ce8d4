"""``manage.py rebuild_search_index``: rebuild the full-text index from the stored items."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from minutes import search
from minutes.search import state


class Command(BaseCommand):
    help = "Rebuild the full-text search index (after changing the text analysis, for example)."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total} items", ending="\r")

        previous = state.recorded_version()
        total = search.rebuild_index(progress=progress)
        state.record_rebuild(total)
        self.stdout.write("")
        if previous and previous != state.LEXICON_VERSION:
            self.stdout.write(f"Text analysis changed: {previous} -> {state.LEXICON_VERSION}")
        self.stdout.write(self.style.SUCCESS(f"Indexed {total} items in {time.monotonic() - started:.1f}s."))
