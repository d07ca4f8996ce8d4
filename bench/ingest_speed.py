"""Time the ingest path on the five real referater: documents/s, items/s, statements per document.

    DATABASE_URL=sqlite:////tmp/speed.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/speed.sqlite3 .venv/bin/python bench/ingest_speed.py [--rounds 10] [--jobs 2]

It runs ``minutes.ingest.ingest_files``, the code ``manage.py ingest --jobs N`` runs: with
``--jobs 1`` (the default) reading, parsing and storing one file after the other in this
process; with more, reading and parsing in that many worker processes while this process
stores. Each round ingests the corpus under a new municipality name, so every referat is a new
meeting (the path a harvest or a first import takes). Use a throwaway database: it is written
to (a run id in the names lets it be run again on the same one).

Two rates are printed: over the whole run, which includes starting and stopping the workers and
loading the compound lexicon (in each worker, or in this process), and from the first stored
referat to the last, the rate of a long import. CPU time per referat is printed too, for this
process (the writer) and for the workers: unlike the rates, it hardly depends on what else the
machine is doing. Queries are not logged (DEBUG is left off, as in
production); statements are counted with an execute wrapper.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_site.settings")
# Settings want a key when DEBUG is off; DEBUG would log every query and slow the writer.
os.environ.setdefault("SECRET_KEY", "ingest-speed-bench-only")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--rounds", type=int, default=10, help="Times the corpus is ingested (default 10).")
    parser.add_argument(
        "--jobs", type=int, default=1, help="Worker processes that read and parse (default 1: none)."
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from minutes.ingest import CREATED, SourceFile, ingest_files

    paths = sorted(args.corpus.glob("0*.txt"))
    run = uuid.uuid4().hex[:6]
    sources = [
        SourceFile(path, f"Måling {round_number} Kommune {run}")
        for round_number in range(args.rounds)
        for path in paths
    ]
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    count_done = items = 0
    cpu_started = time.process_time()
    children_started = _children_cpu()
    started = time.perf_counter()
    first = None
    with connection.execute_wrapper(count):
        for result in ingest_files(sources, jobs=args.jobs):
            if result.status != CREATED:
                raise SystemExit(f"{result.name}: {result.status} {result.error}")
            count_done += 1
            items += result.items
            last = time.perf_counter()
            if first is None:
                first, first_items = last, result.items
    # The whole run includes stopping the workers; the steady rate ends at the last referat.
    ended = time.perf_counter()
    elapsed, steady = ended - started, last - first
    # CPU per referat in this process (the writer) and in the workers, which have exited by now
    # (the database server's own work is in neither).
    writer_cpu = (time.process_time() - cpu_started) / count_done * 1000
    workers_cpu = (_children_cpu() - children_started) / count_done * 1000
    print(
        f"{connection.vendor}, --jobs {args.jobs}: {count_done} referater ({items} items) in {elapsed:.2f} s "
        f"= {count_done / elapsed:.1f} referater/s, {items / elapsed:.0f} items/s; "
        f"from the first stored to the last: {(count_done - 1) / steady:.1f} referater/s, "
        f"{(items - first_items) / steady:.0f} items/s (first after {first - started:.2f} s); "
        f"{statements / count_done:.0f} statements per referat; CPU per referat: "
        f"{writer_cpu:.1f} ms here, {workers_cpu:.1f} ms in workers"
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
