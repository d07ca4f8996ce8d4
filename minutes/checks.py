"""System checks: ``manage.py check --database default`` reports a stale search index."""

from __future__ import annotations

from django.core.checks import Tags, Warning, register


@register(Tags.database)
def search_index_version(app_configs=None, **kwargs):
    from minutes.search.state import LEXICON_VERSION, recorded_version

    version = recorded_version()
    if version is None or version == LEXICON_VERSION:
        return []
    return [
        Warning(
            f"The search index was built with lexicon {version}; the code uses {LEXICON_VERSION}.",
            hint="Run `python manage.py rebuild_search_index`.",
            id="minutes.W001",
        )
    ]
