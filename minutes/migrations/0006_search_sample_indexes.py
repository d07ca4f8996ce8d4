"""PostgreSQL: small full-text indexes over a fixed sample of the items, for estimates.

A search above the count cap shows facet counts estimated from a sample, and decides from an
estimate whether counting exactly is worth it. Partial GIN indexes over every 64th and every
512th item (ids grow with ingest, so the sample spreads over the whole archive) answer
"which sampled items match?" without reading the full index's posting lists: 1/64 of the
archive (21 MB at 1M items) for most queries, 1/512 for words in a large share of the items.
Filters apply to the sampled rows as to any other. See docs/performance.md.
"""

from django.db import migrations

SAMPLE_MODULI = (64, 512)

POSTGRES_FORWARDS = [
    f"CREATE INDEX IF NOT EXISTS minutes_item_search_sample_{modulus} ON minutes_agendaitem "
    f"USING gin (search_vector) WHERE id % {modulus} = 0"
    for modulus in SAMPLE_MODULI
]
POSTGRES_BACKWARDS = [
    f"DROP INDEX IF EXISTS minutes_item_search_sample_{modulus}" for modulus in SAMPLE_MODULI
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARDS:
            schema_editor.execute(statement, params=None)  # no placeholders: "%" is modulo


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARDS:
            schema_editor.execute(statement, params=None)  # no placeholders: "%" is modulo


class Migration(migrations.Migration):
    dependencies = [("minutes", "0005_search_cover_index")]

    operations = [migrations.RunPython(forwards, backwards)]
