"""What compound parts cost: index size and search latency with and without them.

    .venv/bin/python bench/compound_cost.py --backend postgresql --items 100000
    .venv/bin/python bench/compound_cost.py --backend sqlite --items 100000 [--json out.json]

Works on the benchmark databases that ``bench/run.py --generate`` made (PostgreSQL ``bench_<size>``
on $BENCH_PG, SQLite ``var/bench/sqlite_<size>.sqlite3``). It copies one (PostgreSQL: CREATE
DATABASE ... TEMPLATE; SQLite: a file copy), empties ``search_parts`` in the copy (the state
before compound splitting: the generated tsvector and the FTS5 rows follow), and then measures
both the same way: the full-text index size, lexemes per item, how many items a set of
compound-prone words matches, and search latency (p50/p95) through the real ``/search/`` view.
The copy is dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")

# Heads and modifiers that occur alone and inside compounds, plus a control word.
WORDS = ["reform", "plan", "skole", "ældre", "budget", "indsats", "pleje", "udvalg", "frikort", "kommune"]


def size_label(items: int) -> str:
    return f"{items // 1_000_000}m" if items >= 1_000_000 and items % 1_000_000 == 0 else f"{items // 1000}k"


def pg(dbname: str, sql: str, *, autocommit: bool = True):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=autocommit) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def pg_sizes(dbname: str) -> dict:
    (gin,) = pg(dbname, "SELECT pg_relation_size('minutes_item_search_gin')")[0]
    (vectors, lexemes, items) = pg(
        dbname,
        "SELECT sum(pg_column_size(search_vector)), avg(length(search_vector)), count(*) "
        "FROM minutes_agendaitem",
    )[0]
    return {
        "index_mb": gin / 2**20,
        "tsvector_mb": int(vectors) / 2**20,
        "lexemes_per_item": float(lexemes),
        "items": items,
    }


def sqlite_sizes(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        fts = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'minutes_item_fts%'").fetchone()[0]
        items = conn.execute("SELECT count(*) FROM minutes_agendaitem").fetchone()[0]
        parts = conn.execute("SELECT sum(length(search_parts)) FROM minutes_searchdoc").fetchone()[0] or 0
    return {"index_mb": fts / 2**20, "parts_text_mb": parts / 2**20, "items": items}


def measure_view(database_url: str, repeats: int) -> dict:
    """Time /search/ for WORDS in a child process bound to ``database_url``; return per-word figures."""
    code = f"""
import json, os, statistics, time
os.environ["DATABASE_URL"] = {database_url!r}
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_site.settings")
os.environ.pop("DEBUG", None)
os.environ["SECRET_KEY"] = "benchmark-only-secret-key"
os.environ["ARCHIVE_PLAIN_STATIC"] = "1"
os.environ["ALLOWED_HOSTS"] = "testserver"
import django
django.setup()
from django.test import Client
from minutes.search import parse_query, get_backend
from minutes.models import AgendaItem
client = Client()
out = {{}}
for word in {WORDS!r}:
    client.get("/search/", {{"q": word}})
    times = []
    for _ in range({repeats}):
        started = time.perf_counter()
        response = client.get("/search/", {{"q": word}})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    matches = get_backend().match(AgendaItem.objects.all(), parse_query(word)).count()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    out[word] = {{"p50_ms": times[len(times) // 2], "p95_ms": p95, "matches": matches}}
print(json.dumps(out))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_postgresql(items: int, repeats: int) -> dict:
    source = f"bench_{size_label(items)}"
    copy = f"{source}_noparts"
    pg("postgres", f"DROP DATABASE IF EXISTS {copy}")
    started = time.perf_counter()
    pg("postgres", f"CREATE DATABASE {copy} TEMPLATE {source}")
    pg(copy, "UPDATE minutes_agendaitem SET search_parts = '' WHERE search_parts <> ''")
    pg(copy, "VACUUM FULL ANALYZE minutes_agendaitem")
    prepare_s = time.perf_counter() - started
    try:
        figures = {
            "with_parts": {
                "size": pg_sizes(source),
                "search": measure_view(f"{PG_SERVER}/{source}", repeats),
            },
            "without_parts": {"size": pg_sizes(copy), "search": measure_view(f"{PG_SERVER}/{copy}", repeats)},
            "prepare_copy_s": prepare_s,
        }
    finally:
        pg("postgres", f"DROP DATABASE IF EXISTS {copy}")
    return figures


def run_sqlite(items: int, repeats: int) -> dict:
    source = VAR / f"sqlite_{size_label(items)}.sqlite3"
    copy = VAR / f"sqlite_{size_label(items)}_noparts.sqlite3"
    with sqlite3.connect(source) as conn:  # fold the WAL in so the copy is whole
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(source, copy)
    started = time.perf_counter()
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE minutes_searchdoc SET search_parts = '' WHERE search_parts <> ''")
        conn.execute("UPDATE minutes_agendaitem SET search_parts = ''")
        conn.execute("INSERT INTO minutes_item_fts(minutes_item_fts) VALUES ('optimize')")
    with sqlite3.connect(copy) as conn:
        conn.execute("VACUUM")
    prepare_s = time.perf_counter() - started
    try:
        return {
            "with_parts": {
                "size": sqlite_sizes(source),
                "search": measure_view(f"sqlite:///{source}", repeats),
            },
            "without_parts": {
                "size": sqlite_sizes(copy),
                "search": measure_view(f"sqlite:///{copy}", repeats),
            },
            "prepare_copy_s": prepare_s,
        }
    finally:
        copy.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)


def print_table(backend: str, items: int, figures: dict) -> None:
    before, after = figures["without_parts"], figures["with_parts"]
    print(f"\n{backend}, {items:,} items: compound parts off -> on")
    size_before, size_after = before["size"]["index_mb"], after["size"]["index_mb"]
    growth = (size_after / size_before - 1) * 100
    print(f"full-text index: {size_before:.1f} MB -> {size_after:.1f} MB ({growth:+.0f} %)")
    header = ("word", "matches off", "matches on", "p50 off", "p50 on", "p95 off", "p95 on")
    print("{:<10} {:>12} {:>11} {:>8} {:>8} {:>8} {:>8}".format(*header))
    for word in WORDS:
        b, a = before["search"][word], after["search"][word]
        print(
            f"{word:<10} {b['matches']:>12,} {a['matches']:>11,} {b['p50_ms']:>7.1f} {a['p50_ms']:>8.1f}"
            f" {b['p95_ms']:>8.1f} {a['p95_ms']:>8.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    runner = run_postgresql if args.backend == "postgresql" else run_sqlite
    figures = runner(args.items, args.repeats)
    figures.update(backend=args.backend, items=args.items, load_average=os.getloadavg()[0])
    print_table(args.backend, args.items, figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
