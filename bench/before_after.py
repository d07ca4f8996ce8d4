"""Time the search service as committed before this work (git HEAD) against the current one.

    .venv/bin/python bench/before_after.py --backend postgresql --items 1000000 --repeats 3

"Before" is ``minutes/search/service.py`` from a git revision (default HEAD), loaded as a
separate module over the current backends (whose match and rank SQL it uses unchanged);
"after" is the working tree. Both run in one process, in turn, on the same database.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import QUERY_MIX, database_url, setup_django, summary  # noqa: E402


def load_before(revision: str):
    source = subprocess.run(
        ["git", "show", f"{revision}:minutes/search/service.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = ROOT / "var" / "bench" / "service_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("minutes.search.service_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--revision", default="HEAD")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--classes", nargs="*", help="query classes (default: all)")
    args = parser.parse_args()
    setup_django(database_url(args.backend, args.items))
    from django.db import connection
    from django.http import QueryDict

    from minutes.search import service as after

    before = load_before(args.revision)
    out = {}
    print(f"{'query class':28} {'before p50':>11} {'after p50':>10} {'speed-up':>9}")
    for name, params in QUERY_MIX:
        if args.classes and name not in args.classes:
            continue
        query = QueryDict(urllib.parse.urlencode(params))
        row = {}
        for label, module in (("before", before), ("after", after)):
            module.run(query)  # warm
            times = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                module.run(query)
                times.append((time.perf_counter() - started) * 1000)
            row[label] = summary(times)
        connection.close()
        out[name] = row
        b, a = row["before"]["p50"], row["after"]["p50"]
        print(f"{name:28} {b:11.1f} {a:10.1f} {b / a:8.1f}×", flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
