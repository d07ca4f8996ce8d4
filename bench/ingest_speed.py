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
machine is doing. On PostgreSQL the CPU time of the server backend that serves this process's
connection is printed as well (read from ``/proc``, so the server must run on this machine): it
computes the generated ``tsvector`` column and the index entries. Queries are not logged (DEBUG is
left off, as in production); statements are counted with an execute wrapper.
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

    server_pid = _server_pid(connection)
    server_started = _process_cpu(server_pid)
    done = items = 0
    started, cpu_started, children_started = time.perf_counter(), time.process_time(), _children_cpu()
    with connection.execute_wrapper(count):
        for result in ingest_files(sources, jobs=args.jobs):
            if result.status != CREATED:
                raise SystemExit(f"{result.name}: {result.status} {result.error}")
            done += 1
            items += result.items
            last, cpu_last = time.perf_counter(), time.process_time()
            if done == 1:
                first, cpu_first, first_items = last, cpu_last, result.items
    # The whole run includes stopping the workers; the steady part runs from the first stored
    # referat to the last. The workers' CPU time is known once they have exited, for the whole run.
    elapsed = time.perf_counter() - started
    writer_cpu = (time.process_time() - cpu_started) / done * 1000
    workers_cpu = (_children_cpu() - children_started) / done * 1000
    steady, steady_cpu = last - first, (cpu_last - cpu_first) / (done - 1) * 1000
    server = ""
    if server_pid is not None:
        if _server_pid(connection) != server_pid:
            raise SystemExit("the connection was reopened during the run; server CPU time is unknown")
        server_cpu = (_process_cpu(server_pid) - server_started) / done * 1000
        server = f", {server_cpu:.1f} ms in the server backend"
    print(
        f"{connection.vendor}, --jobs {args.jobs}: {done} referater, {items} items, "
        f"{statements / done:.0f} statements per referat\n"
        f"  whole run: {elapsed:.2f} s = {done / elapsed:.1f} referater/s, {items / elapsed:.0f} items/s "
        f"(first stored after {first - started:.2f} s); CPU per referat {writer_cpu:.1f} ms here, "
        f"{workers_cpu:.1f} ms in workers{server}\n"
        f"  first to last stored: {(done - 1) / steady:.1f} referater/s, "
        f"{(items - first_items) / steady:.0f} items/s; CPU per referat {steady_cpu:.1f} ms here"
    )


def _server_pid(connection) -> int | None:
    """Return the process id of the PostgreSQL backend serving ``connection`` (None elsewhere)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _process_cpu(pid: int | None) -> float:
    """Return the user + system CPU seconds of process ``pid`` so far (0 when there is none)."""
    if pid is None:
        return 0.0
    # Fields 14 and 15 of /proc/<pid>/stat, counted after the command name in parentheses.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
