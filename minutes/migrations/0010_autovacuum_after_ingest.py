"""PostgreSQL: vacuum the items after every few thousand new ones, not after 20 % of the table.

New items' full-text entries first go to the GIN index's pending list (``fastupdate``), which
every search through that index then reads in full until a vacuum (or an insert that finds the
list over ``gin_pending_list_limit``, 4 MB) merges it: 444 pending items (the benchmark's
ingest) added ~1.1 ms to each GIN scan at 1M items (*ponyridning* 0.4 → 1.9 ms), and an import
can leave up to ~700 behind. By default autovacuum comes after inserts of 20 % of the table
(200,000 items at 1M), so after an import the list stayed until the next one. With these
settings autovacuum merges it within a minute of 2,000 new items, in the background, and sets
the visibility map the index-only scans of the date index use.
"""

from django.db import migrations

SETTINGS = "autovacuum_vacuum_insert_threshold = 2000, autovacuum_vacuum_insert_scale_factor = 0"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE minutes_agendaitem SET ({SETTINGS})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE minutes_agendaitem "
            "RESET (autovacuum_vacuum_insert_threshold, autovacuum_vacuum_insert_scale_factor)"
        )


class Migration(migrations.Migration):
    dependencies = [("minutes", "0009_search_sample_index_16")]

    operations = [migrations.RunPython(forwards, backwards)]
