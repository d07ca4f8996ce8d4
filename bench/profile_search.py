"""Break one search down: each SQL statement's time, and the Python time around them.

.venv/bin/python bench/profile_search.py --backend postgresql --items 10000 "q=kommune" "q=borgere&page=50"
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import database_url, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest statement")
    parser.add_argument("queries", nargs="+", help="query strings as in the URL")
    args = parser.parse_args()
    setup_django(database_url(args.backend, args.items))
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from minutes import search

    for q in args.queries:
        search.run(QueryDict(q))  # warm
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            results = search.run(QueryDict(q))
            total = (time.perf_counter() - started) * 1000
        sql_ms = sum(float(x["time"]) * 1000 for x in ctx.captured_queries)
        print(
            f"\n## {q}: {total:.1f} ms total, {sql_ms:.1f} ms in {len(ctx)} statements; count {results.count}"
            f"{'+' if results.count_capped else ''}"
        )
        slowest = max(ctx.captured_queries, key=lambda x: float(x["time"]))
        for x in ctx.captured_queries:
            print(f"  {float(x['time']) * 1000:8.1f} ms  {x['sql'][:230]}")
        if args.explain and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                print("\n".join("    " + r[0] for r in cursor.fetchall()))


if __name__ == "__main__":
    main()
