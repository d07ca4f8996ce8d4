"""Render the JSON written by bench/run.py as the Markdown tables of docs/performance.md.

.venv/bin/python bench/report.py var/bench/sqlite_10000.json var/bench/postgresql_10000.json ...
.venv/bin/python bench/report.py --growth var/bench/postgresql_10000.json var/bench/postgresql_100000.json ...
.venv/bin/python bench/report.py --compare before.json after.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def ratio(peer: dict | None, ours: dict) -> str:
    if not peer or not ours.get("p50"):
        return "–"
    return f"{peer['p50']:.0f} ({peer['p50'] / ours['p50']:.1f}×)"


def render(result: dict) -> str:
    lines = [f"#### {result['backend']}, {result['items']:,} items", ""]
    load, size = result.get("load") or {}, result.get("size") or {}
    if load:
        rate = load["items"] / max(load["seconds_total"], 1e-9)
        lines.append(
            f"Generated in {load['seconds_total']:.0f} s ({rate:.0f} items/s), of which index build "
            f"{load['seconds_index']:.0f} s. "
            + ", ".join(f"{k.replace('_', ' ')} {v:,.0f}" for k, v in size.items())
            + "."
        )
    for kind, f in (result.get("ingest") or {}).items():
        lines.append(
            f"Ingest of the real referater from {kind}: **{f['documents_per_s']} referater/s**, "
            f"{f['items_per_s']} items/s ({f['documents']} documents)."
        )
    lines += [
        "",
        "| query class | matches | p50 ms | p95 ms | p99 ms | Datasette p50 ms (×) | naive p50 ms (×) |",
    ]
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    peers = result.get("peers") or {}
    for name, s in (result.get("search") or {}).items():
        prefix = "> " if s.get("count_capped") else "ca. " if s.get("count_approximate") else ""
        count = f"{prefix}{s.get('count', 0):,}"
        if s.get("facets_approximate"):
            count += " ≈f"
        lines.append(
            f"| {name} | {count} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | "
            f"{ratio((peers.get('datasette') or {}).get(name), s)} | "
            f"{ratio((peers.get('naive') or {}).get(name), s)} |"
        )
    pages = result.get("pages") or {}
    if pages:
        lines += ["", "| page | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|"]
        lines += [f"| {k} | {v['p50']:.0f} | {v['p95']:.0f} | {v['p99']:.0f} |" for k, v in pages.items()]
    conc = result.get("concurrency") or {}
    if conc:
        lines += [
            "",
            f"Throughput, gunicorn with {conc.get('gunicorn_workers')} workers, the query mix in turn:",
            "",
            "| clients | requests/s | p50 ms | p95 ms | errors |",
            "|---:|---:|---:|---:|---:|",
        ]
        for c in (v for v in conc.values() if isinstance(v, dict)):
            figures = f"{c['requests_per_s']} | {c['p50']:.0f} | {c['p95']:.0f} | {c['errors']}"
            lines.append(f"| {c['clients']} | {figures} |")
    lines.append(f"\nLoad average during the run: {result.get('loadavg')}")
    return "\n".join(lines) + "\n"


def growth(results: list[dict]) -> str:
    """One table: p50 (p95) of every query class and page at each size and backend."""
    heads = [f"{r['backend']} {r['items'] // 1000:,}k" for r in results]
    lines = ["| class | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(results)]
    names = list(results[0].get("search") or {}) + [f"page: {p}" for p in results[0].get("pages") or {}]
    for name in names:
        cells = []
        for r in results:
            figures = (r.get("pages") or {}).get(name[6:]) if name.startswith("page: ") else None
            figures = figures or (r.get("search") or {}).get(name)
            cells.append(f"{figures['p50']:.0f} ({figures['p95']:.0f})" if figures else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def compare(before: dict, after: dict) -> str:
    """One table: p50 and p95 of each query class in two runs (e.g. before and after a change)."""
    lines = [
        "| query class | before p50 | after p50 | before p95 | after p95 | p50 speed-up |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, old in (before.get("search") or {}).items():
        new = (after.get("search") or {}).get(name)
        if not new:
            continue
        lines.append(
            f"| {name} | {old['p50']:.0f} | {new['p50']:.0f} | {old['p95']:.0f} | {new['p95']:.0f} "
            f"| {old['p50'] / new['p50']:.1f}× |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1] == "--compare":
        before, after = (json.loads(Path(p).read_text()) for p in sys.argv[2:4])
        print(compare(before, after))
        return
    if sys.argv[1] == "--growth":
        print(growth([json.loads(Path(p).read_text()) for p in sys.argv[2:]]))
        return
    for path in sys.argv[1:]:
        print(render(json.loads(Path(path).read_text())))


if __name__ == "__main__":
    main()
