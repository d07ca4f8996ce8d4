"""SQLite: key the full-text rows by meeting date, so FTS5 reads matches newest first.

FTS5 returns matches in rowid order and seeks by rowid range; until now its rowid was the
item id, which says nothing about dates. Newest-first reads (the default order, and the
candidates relevance ranks) therefore tested items one by one down the date index: page 400
of a word in most items took ~300 ms at 1M items. Keyed by (meeting day << 32) | item id,
``ORDER BY rowid DESC LIMIT n`` inside FTS5 is exactly the archive's newest-first order
(date, then id), and a date range is a rowid range.

``minutes_searchdoc`` owns the key (its INTEGER PRIMARY KEY) and keeps ``item_id`` unique;
the FTS5 table takes its content from it. A trigger re-keys an item whose meeting date is
corrected. The stems are copied, not recomputed; the index is rebuilt from them (about
two minutes at 1M items). PostgreSQL is untouched.
"""

from django.db import migrations

_COLUMNS = "title, decision_text, body_text, attachment_text, search_parts"
_NEW = "new.title, new.decision_text, new.body_text, new.attachment_text, new.search_parts"
_OLD = "old.title, old.decision_text, old.body_text, old.attachment_text, old.search_parts"
_DOC_COLUMNS = """
        title TEXT NOT NULL DEFAULT '',
        decision_text TEXT NOT NULL DEFAULT '',
        body_text TEXT NOT NULL DEFAULT '',
        attachment_text TEXT NOT NULL DEFAULT '',
        search_parts TEXT NOT NULL DEFAULT ''
"""
_TOKENIZE = "tokenize='unicode61 remove_diacritics 0'"


def doc_key_sql(date_column: str, id_column: str) -> str:
    """SQL for an item's key: its meeting day (proleptic Gregorian ordinal) << 32 | its id.

    The same number as ``minutes.search.backends.doc_key`` (date.toordinal() << 32 | id).
    """
    return f"((CAST(julianday({date_column}) - 1721424.5 AS INTEGER) << 32) | {id_column})"


def _doc_triggers(key: str) -> list[str]:
    """The triggers that copy ``minutes_searchdoc`` rows into FTS5 under the rowid ``key``."""
    return [
        f"""
        CREATE TRIGGER minutes_searchdoc_ai AFTER INSERT ON minutes_searchdoc BEGIN
            INSERT INTO minutes_item_fts(rowid, {_COLUMNS}) VALUES (new.{key}, {_NEW});
        END
        """,
        f"""
        CREATE TRIGGER minutes_searchdoc_ad AFTER DELETE ON minutes_searchdoc BEGIN
            INSERT INTO minutes_item_fts(minutes_item_fts, rowid, {_COLUMNS})
            VALUES ('delete', old.{key}, {_OLD});
        END
        """,
        f"""
        CREATE TRIGGER minutes_searchdoc_au AFTER UPDATE ON minutes_searchdoc BEGIN
            INSERT INTO minutes_item_fts(minutes_item_fts, rowid, {_COLUMNS})
            VALUES ('delete', old.{key}, {_OLD});
            INSERT INTO minutes_item_fts(rowid, {_COLUMNS}) VALUES (new.{key}, {_NEW});
        END
        """,
    ]


_OLD_TRIGGERS = [
    "DROP TRIGGER IF EXISTS minutes_searchdoc_ai",
    "DROP TRIGGER IF EXISTS minutes_searchdoc_ad",
    "DROP TRIGGER IF EXISTS minutes_searchdoc_au",
    "DROP TRIGGER IF EXISTS minutes_agendaitem_search_ad",
]

FORWARDS = [
    *_OLD_TRIGGERS,
    f"""
    CREATE TABLE minutes_searchdoc_keyed (
        doc_key INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL UNIQUE,
        {_DOC_COLUMNS}
    )
    """,
    f"""
    INSERT INTO minutes_searchdoc_keyed (doc_key, item_id, {_COLUMNS})
    SELECT {doc_key_sql("i.meeting_date", "d.item_id")}, d.item_id, {", ".join("d." + c for c in _COLUMNS.split(", "))}
    FROM minutes_searchdoc d JOIN minutes_agendaitem i ON i.id = d.item_id
    ORDER BY 1
    """,
    "DROP TABLE minutes_item_fts",
    "DROP TABLE minutes_searchdoc",
    "ALTER TABLE minutes_searchdoc_keyed RENAME TO minutes_searchdoc",
    f"""
    CREATE VIRTUAL TABLE minutes_item_fts USING fts5(
        {_COLUMNS},
        content='minutes_searchdoc', content_rowid='doc_key',
        {_TOKENIZE}
    )
    """,
    "INSERT INTO minutes_item_fts(minutes_item_fts) VALUES ('rebuild')",
    *_doc_triggers("doc_key"),
    # Deleting an item (directly or by cascade) takes its index entry with it.
    """
    CREATE TRIGGER minutes_agendaitem_search_ad AFTER DELETE ON minutes_agendaitem BEGIN
        DELETE FROM minutes_searchdoc WHERE item_id = old.id;
    END
    """,
    # A corrected meeting date moves the item's entry to its new place in date order.
    f"""
    CREATE TRIGGER minutes_agendaitem_search_date AFTER UPDATE OF meeting_date ON minutes_agendaitem
    WHEN old.meeting_date IS NOT new.meeting_date BEGIN
        UPDATE minutes_searchdoc SET doc_key = {doc_key_sql("new.meeting_date", "new.id")}
        WHERE item_id = new.id;
    END
    """,
]

BACKWARDS = [
    *_OLD_TRIGGERS,
    "DROP TRIGGER IF EXISTS minutes_agendaitem_search_date",
    f"""
    CREATE TABLE minutes_searchdoc_by_item (
        item_id INTEGER PRIMARY KEY,
        {_DOC_COLUMNS}
    )
    """,
    f"INSERT INTO minutes_searchdoc_by_item (item_id, {_COLUMNS}) SELECT item_id, {_COLUMNS} FROM minutes_searchdoc",
    "DROP TABLE minutes_item_fts",
    "DROP TABLE minutes_searchdoc",
    "ALTER TABLE minutes_searchdoc_by_item RENAME TO minutes_searchdoc",
    f"""
    CREATE VIRTUAL TABLE minutes_item_fts USING fts5(
        {_COLUMNS},
        content='minutes_agendaitem', content_rowid='id',
        {_TOKENIZE}
    )
    """,
    # Rebuilt from the stems (an external-content 'rebuild' would read the item table's text).
    f"INSERT INTO minutes_item_fts(rowid, {_COLUMNS}) SELECT item_id, {_COLUMNS} FROM minutes_searchdoc",
    *_doc_triggers("item_id"),
    """
    CREATE TRIGGER minutes_agendaitem_search_ad AFTER DELETE ON minutes_agendaitem BEGIN
        DELETE FROM minutes_searchdoc WHERE item_id = old.id;
    END
    """,
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in FORWARDS:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in BACKWARDS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("minutes", "0006_search_sample_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
