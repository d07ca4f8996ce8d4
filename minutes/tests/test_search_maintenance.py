"""``manage.py optimize_search_index``: the index is compacted and answers as before."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from minutes.search import get_backend
from minutes.tests.shared import shared_path

QUERIES = ("kommune", "budget", '"taget til efterretning"', "borgere -skole", "lokalplan OR byplan")


def answers(client) -> dict[str, list[str]]:
    return {
        q: [hit["url"] for hit in client.get("/api/search", {"q": q, "per_page": 100}).json()["results"]]
        for q in QUERIES
    }


# VACUUM (PostgreSQL) cannot run inside the transaction a plain django_db test runs in.
@pytest.mark.django_db(transaction=True)
def test_optimize_search_index_compacts_and_answers_the_same(client):
    corpus = shared_path("corpus")
    for path in sorted(corpus.glob("0*.txt")):  # one write, hence one FTS5 segment, per referat
        call_command("ingest", str(path), stdout=StringIO(), stderr=StringIO())
    before = answers(client)
    assert any(before.values())
    backend = get_backend()
    if connection.vendor == "sqlite":
        assert backend.segments() > 1
    out = StringIO()
    call_command("optimize_search_index", stdout=out)
    assert "compacted" in out.getvalue()
    assert answers(client) == before
    if connection.vendor == "sqlite":
        assert backend.segments() == 1


MIGRATION_CHECK = """
import django, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_site.settings")
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", "minutes", sys.argv[1], verbosity=0)
with connection.cursor() as cursor:
    out = {}
    key = "item_id" if sys.argv[1] == "0006" else "doc_key"
    for stem in ("kommun", "budget", "borg"):
        cursor.execute(
            "SELECT i.id FROM minutes_agendaitem i JOIN minutes_searchdoc d ON d.item_id = i.id "
            "JOIN minutes_item_fts f ON f.rowid = d." + key + " WHERE minutes_item_fts MATCH %s "
            "ORDER BY i.id",
            [stem],
        )
        out[stem] = [row[0] for row in cursor.fetchall()]
print(json.dumps(out))
"""


def test_sqlite_date_keys_migrate_both_ways_and_keep_every_match(tmp_path):
    """Migration 0007 re-keys an existing SQLite archive's index without losing a match."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    database = tmp_path / "archive.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "1"}
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    corpus = shared_path("corpus")
    subprocess.run(
        [*manage, "ingest", *map(str, sorted(corpus.glob("0*.txt")))],
        env=env,
        check=True,
        capture_output=True,
    )

    def matches(target: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", MIGRATION_CHECK, target],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
        )
        return json.loads(done.stdout)

    keyed = matches("0007")
    assert all(keyed.values()), keyed
    assert matches("0006") == keyed  # back to rows keyed by item id
    assert matches("0007") == keyed  # and forward again, from an archive that has data
