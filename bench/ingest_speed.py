"""Time the ingest path on the five real referater: documents/s and SQL statements per document.

    DATABASE_URL=sqlite:////tmp/speed.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/speed.sqlite3 .venv/bin/python bench/ingest_speed.py [--rounds 4]

Each round ingests the corpus under a new municipality name, so every referat is a new meeting
(the path a harvest or a first import takes). Use a throwaway database: it is written to.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_site.settings")
os.environ.setdefault("DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minutes.ingest import CREATED, ingest_bytes

    documents = [(path.name, path.read_bytes()) for path in sorted(args.corpus.glob("0*.txt"))]
    # Warm up: the compound lexicon loads once per process.
    ingest_bytes(documents[0][0], documents[0][1], municipality="Opvarmning Kommune")
    count = 0
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        for round_number in range(args.rounds):
            for name, data in documents:
                result = ingest_bytes(name, data, municipality=f"Måling {round_number} Kommune")
                if result.status != CREATED:
                    raise SystemExit(f"{name}: {result.status} {result.error}")
                count += 1
    elapsed = time.perf_counter() - started
    print(
        f"{connection.vendor}: {count} referater in {elapsed:.2f} s = {count / elapsed:.1f} referater/s, "
        f"{len(queries.captured_queries) / count:.0f} statements per referat"
    )


if __name__ == "__main__":
    main()
