"""Which text analysis built the search index, so a stale index is noticed.

Compound parts are computed in Python; after the splitter or its dictionary changes
(``LEXICON_VERSION``), items indexed earlier carry the old parts until
``rebuild_search_index`` runs. The version that built the index is recorded here.
"""

from __future__ import annotations

from django.db import DatabaseError
from django.utils import timezone

from minutes.models import SearchIndexState
from minutes.textanalysis.lexicon import LEXICON_VERSION


def recorded_version() -> str | None:
    """Return the lexicon version the index was built with, or None if nothing is recorded."""
    try:
        state = SearchIndexState.objects.filter(key="default").first()
    except DatabaseError:  # before migrations ran
        return None
    return state.lexicon_version if state else None


def note_indexed() -> None:
    """Record the current version when the first items are indexed into an empty record."""
    SearchIndexState.objects.get_or_create(key="default", defaults={"lexicon_version": LEXICON_VERSION})


def record_rebuild(items: int) -> None:
    """Record that the whole index was rebuilt with the current text analysis."""
    SearchIndexState.objects.update_or_create(
        key="default",
        defaults={"lexicon_version": LEXICON_VERSION, "rebuilt_at": timezone.now(), "items": items},
    )


def is_stale() -> bool:
    """Tell whether the index was built with another lexicon than the code's."""
    version = recorded_version()
    return version is not None and version != LEXICON_VERSION
