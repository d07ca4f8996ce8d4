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
