"""The full-text index, which differs by database vendor (see minutes/search/backends.py).

PostgreSQL: a stored generated ``tsvector`` column with a GIN index. Weights: title A,
decision B, body and attachments C, compound parts D (alone), so that a query restricted
to A-C tells an exact match from a match through compound parts only.
SQLite: an FTS5 table over the item table, fed from ``minutes_searchdoc`` by triggers.
"""

from django.db import migrations

POSTGRES_FORWARDS = [
    """
    ALTER TABLE minutes_agendaitem ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('danish'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('danish'::regconfig, coalesce(decision_text, '')), 'B') ||
        setweight(to_tsvector('danish'::regconfig, coalesce(body_text, '')), 'C') ||
        setweight(to_tsvector('danish'::regconfig, coalesce(attachment_text, '')), 'C') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(search_parts, '')), 'D')
    ) STORED
    """,
    "CREATE INDEX minutes_item_search_gin ON minutes_agendaitem USING gin (search_vector)",
]
POSTGRES_BACKWARDS = [
    "DROP INDEX IF EXISTS minutes_item_search_gin",
    "ALTER TABLE minutes_agendaitem DROP COLUMN IF EXISTS search_vector",
]

_COLUMNS = "title, decision_text, body_text, attachment_text, search_parts"
_NEW = "new.title, new.decision_text, new.body_text, new.attachment_text, new.search_parts"
_OLD = "old.title, old.decision_text, old.body_text, old.attachment_text, old.search_parts"
SQLITE_FORWARDS = [
    """
    CREATE TABLE minutes_searchdoc (
        item_id INTEGER PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        decision_text TEXT NOT NULL DEFAULT '',
        body_text TEXT NOT NULL DEFAULT '',
        attachment_text TEXT NOT NULL DEFAULT '',
        search_parts TEXT NOT NULL DEFAULT ''
    )
    """,
    # External content: FTS5 stores no copy of the text (snippet() read the originals until
    # snippets moved to Python), while the index holds the stems written to searchdoc.
    f"""
    CREATE VIRTUAL TABLE minutes_item_fts USING fts5(
        {_COLUMNS},
        content='minutes_agendaitem', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    )
    """,
    f"""
    CREATE TRIGGER minutes_searchdoc_ai AFTER INSERT ON minutes_searchdoc BEGIN
        INSERT INTO minutes_item_fts(rowid, {_COLUMNS}) VALUES (new.item_id, {_NEW});
    END
    """,
    f"""
    CREATE TRIGGER minutes_searchdoc_ad AFTER DELETE ON minutes_searchdoc BEGIN
        INSERT INTO minutes_item_fts(minutes_item_fts, rowid, {_COLUMNS})
        VALUES ('delete', old.item_id, {_OLD});
    END
    """,
    f"""
    CREATE TRIGGER minutes_searchdoc_au AFTER UPDATE ON minutes_searchdoc BEGIN
        INSERT INTO minutes_item_fts(minutes_item_fts, rowid, {_COLUMNS})
        VALUES ('delete', old.item_id, {_OLD});
        INSERT INTO minutes_item_fts(rowid, {_COLUMNS}) VALUES (new.item_id, {_NEW});
    END
    """,
    # Deleting an item (directly or by cascade) takes its index entry with it.
    """
    CREATE TRIGGER minutes_agendaitem_search_ad AFTER DELETE ON minutes_agendaitem BEGIN
        DELETE FROM minutes_searchdoc WHERE item_id = old.id;
    END
    """,
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS minutes_agendaitem_search_ad",
    "DROP TABLE IF EXISTS minutes_item_fts",
    "DROP TABLE IF EXISTS minutes_searchdoc",
]

STATEMENTS = {
    "postgresql": (POSTGRES_FORWARDS, POSTGRES_BACKWARDS),
    "sqlite": (SQLITE_FORWARDS, SQLITE_BACKWARDS),
}


def forwards(apps, schema_editor):
    for statement in STATEMENTS[schema_editor.connection.vendor][0]:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in STATEMENTS[schema_editor.connection.vendor][1]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("minutes", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
