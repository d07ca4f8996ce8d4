"""PostgreSQL: a third, finer sample index over every 16th item (see migration 0006).

With the 1/64 sample, a count had to pass 6,400 before the sample held the 100 matches an
estimate needs (±10 %), so a word inside one municipality ("budget" in Aarhus, 3,200
matches) was counted exactly: a GIN bitmap of all 303,000 postings of the word, ~55 ms at
1M items. Over every 16th item (~29 MB at 1M items) the sample holds 100 matches from 1,600
on, so estimates start at APPROX_COUNT_MIN (2,000) as on SQLite, and reading the sample
costs a few milliseconds.
"""

from django.db import migrations

MODULUS = 16


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS minutes_item_search_sample_{MODULUS} ON minutes_agendaitem "
            f"USING gin (search_vector) WHERE id % {MODULUS} = 0",
            params=None,  # no placeholders: "%" is modulo
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS minutes_item_search_sample_{MODULUS}", params=None)


class Migration(migrations.Migration):
    dependencies = [("minutes", "0008_lz4_text_columns")]

    operations = [migrations.RunPython(forwards, backwards)]
