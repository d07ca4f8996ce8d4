"""Indexes for search on SQLite: a covering index of the columns read for every match.

A search reads (id, meeting date, municipality, committee, outcome) of up to 10,001 matches
(count and facets) and sorts candidates by date. On SQLite those columns sit behind the wide
``sections`` JSON and texts in each row, so every lookup walked overflow pages: 215 ms for
6,700 matches at 10k items; from this index, 26 ms (docs/performance.md). PostgreSQL
reaches the matches through a GIN bitmap on the heap, where such an index does not help,
so it gets none.
"""

from django.db import migrations

SQLITE_FORWARDS = [
    "CREATE INDEX IF NOT EXISTS item_search_cover_idx ON minutes_agendaitem "
    "(id, meeting_date, municipality_id, committee_id, outcome)",
    # Browsing by outcome, newest first: SQLite took the outcome index and sorted half the
    # archive (69 ms at 100k items) rather than walking the date index.
    "CREATE INDEX IF NOT EXISTS item_outcome_date_idx ON minutes_agendaitem (outcome, meeting_date, id)",
]
SQLITE_BACKWARDS = [
    "DROP INDEX IF EXISTS item_outcome_date_idx",
    "DROP INDEX IF EXISTS item_search_cover_idx",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARDS:
            schema_editor.execute(statement)
        # Without statistics for the new index SQLite keeps reading the table itself
        # (the probe of 10,001 matches at 100k items: 37 ms, 11 ms after ANALYZE).
        schema_editor.execute("ANALYZE minutes_agendaitem")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARDS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("minutes", "0004_search_state")]

    operations = [migrations.RunPython(forwards, backwards)]
