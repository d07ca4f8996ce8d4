"""PostgreSQL: compress the long text columns with LZ4 instead of pglz, where the server can.

An ingest writes ~27 KB of text a referat (the source text twice: meeting and revision; the
items' bodies, decisions, sections, attachment text and compound parts). pglz compression
cost the server ~8 ms of CPU per referat outside the tsvector; with LZ4 the same rows cost
~5.9 ms (bench/ingest_speed.py prints the server's CPU).

Only new values are written with LZ4 (this is a catalogue change, no table rewrite). The
``search_vector`` keeps the default: at ~4 KB pglz leaves most vectors uncompressed, and LZ4,
which does compress them, made matching 30,000 of them a third slower (every match test
decompresses). Servers built without LZ4 keep pglz. SQLite is untouched.
"""

from django.db import migrations

COLUMNS = {
    "minutes_meeting": ("source_text",),
    "minutes_meetingrevision": ("source_text",),
    "minutes_agendaitem": ("sections", "body_text", "decision_text", "attachment_text", "search_parts"),
}


def _set(schema_editor, method: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    if method == "lz4" and not (row and row[0]):
        return  # built without LZ4
    for table, columns in COLUMNS.items():
        for column in columns:
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def forwards(apps, schema_editor):
    _set(schema_editor, "lz4")


def backwards(apps, schema_editor):
    _set(schema_editor, "default")


class Migration(migrations.Migration):
    dependencies = [("minutes", "0007_search_date_keys")]

    operations = [migrations.RunPython(forwards, backwards)]
