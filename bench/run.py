"""Benchmark the archive at a given size on one backend, with Datasette and a naive scan beside it.

    .venv/bin/python bench/run.py --backend postgresql --items 100000 --generate --json var/bench/pg_100k.json
    .venv/bin/python bench/run.py --backend sqlite --items 10000 --generate

Uses its own databases only: PostgreSQL ``bench_<size>`` on $BENCH_PG (default
postgres://postgres@127.0.0.1:5432) and SQLite ``var/bench/sqlite_<size>.sqlite3``; never the
default archive or a test database. Prints a table and writes the same figures as JSON.

Sections (each can be skipped): load (generate_corpus), size, search latency through the real
view over a fixed query mix, item / meeting / committee / case pages, peers: the same searches
answered by Datasette (sqlite-utils export with FTS5, served by ``datasette``, over HTTP) and by a
naive ``icontains`` scan, throughput under concurrency (gunicorn + a threaded load generator on
loopback), and last ingest of the real referater from text and from PDF.

The machine has 2 cores and is shared: every figure is a median/percentile over repeats, and
the JSON records the load average before and after each section.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PYTHON = sys.executable
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")

# The fixed query mix: (class, GET parameters for /search/, words for the naive peer, Datasette params).
QUERY_MIX = [
    # Document frequencies measured on the generated archive (seed 1, 100k items):
    # ponyridning 0.03 %, transportsystem 0.01 %, arbejdstid 2.3 %, rådgivning 2.1 %,
    # budget 18 %, integration 34 %, kommune 67 %, godkendt 72 %.
    ("rare word", {"q": "ponyridning"}),
    ("rare word 2", {"q": "transportsystem"}),
    ("medium word", {"q": "arbejdstid"}),
    ("medium word 2", {"q": "rådgivning"}),
    ("common word", {"q": "budget"}),
    ("common word 2", {"q": "integration"}),
    ("very common word", {"q": "kommune"}),
    ("very common word 2", {"q": "godkendt"}),
    ("two words", {"q": "budget integration"}),
    ("phrase", {"q": '"taget til efterretning"'}),
    ("exclusion", {"q": "budget -kommune"}),
    ("or", {"q": "arbejdstid OR rådgivning"}),
    ("compound part", {"q": "reform"}),
    ("filtered: municipality", {"q": "budget", "municipality": "aarhus-kommune"}),
    ("filtered: year+outcome", {"q": "kommune", "year": "2019", "outcome": "approved"}),
    ("date-sorted", {"q": "kommune", "sort": "newest"}),
    ("facets only (browse)", {"outcome": "approved"}),
    ("no query (browse all)", {}),
    ("deep page 50", {"q": "budget", "page": "50"}),
    ("deep page 400", {"q": "kommune", "page": "400"}),
]


def load_average() -> float:
    return os.getloadavg()[0]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


def summary(values_ms: list[float]) -> dict:
    return {
        "n": len(values_ms),
        "p50": round(percentile(values_ms, 50), 1),
        "p95": round(percentile(values_ms, 95), 1),
        "p99": round(percentile(values_ms, 99), 1),
        "max": round(max(values_ms), 1) if values_ms else None,
    }


def label(items: int) -> str:
    return f"{items // 1_000_000}m" if items % 1_000_000 == 0 else f"{items // 1000}k"


def database_url(backend: str, items: int) -> str:
    if backend == "postgresql":
        return f"{PG_SERVER}/bench_{label(items)}"
    return f"sqlite:///{VAR / f'sqlite_{label(items)}.sqlite3'}"


def django_env(url: str) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS="127.0.0.1,testserver",
        ARCHIVE_PLAIN_STATIC="1",
        MEDIA_ROOT=str(VAR / "media"),
    )
    env["PYTHONPATH"] = str(ROOT)
    return env


def manage(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=django_env(url), check=True, cwd=ROOT)


# --- load ---------------------------------------------------------------------------------


def generate(backend: str, items: int, seed: int, url: str) -> dict:
    report = VAR / f"load_{backend}_{label(items)}.json"
    if backend == "postgresql":
        name = url.rsplit("/", 1)[1]
        subprocess.run(
            ["psql", PG_SERVER + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True
        )
        subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    manage(url, "migrate", "-v0")
    manage(url, "generate_corpus", "--items", str(items), "--seed", str(seed), "--report", str(report))
    return json.loads(report.read_text())


# --- in-process measurements (Django set up on the benchmark database) ----------------------


def setup_django(url: str) -> None:
    os.environ.update(django_env(url))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_site.settings")
    import django

    django.setup()
    from django.conf import settings

    name = str(settings.DATABASES["default"]["NAME"])
    if name.endswith("archive.sqlite3") or name.startswith("test_") or name == "referat_archive":
        raise SystemExit(f"refusing to benchmark {name}")
    settings.ALLOWED_HOSTS = ["*"]


def database_size() -> dict:
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_database_size(current_database()), pg_total_relation_size('minutes_agendaitem'), "
                "pg_relation_size('minutes_agendaitem'), "
                "coalesce((SELECT sum(pg_relation_size(indexrelid)) FROM pg_index i JOIN pg_class c "
                "ON c.oid = i.indexrelid WHERE c.relname LIKE '%%gin%%' OR c.relname LIKE '%%rum%%'), 0)"
            )
            db, table_total, heap, gin = cursor.fetchone()
            return {
                "database_mb": db / 1e6,
                "items_table_total_mb": table_total / 1e6,
                "items_heap_mb": heap / 1e6,
                "fulltext_index_mb": float(gin) / 1e6,
            }
        path = Path(connection.settings_dict["NAME"])
        size = {"database_mb": path.stat().st_size / 1e6}
        try:
            cursor.execute(
                "SELECT sum(pgsize) FROM dbstat "
                "WHERE name LIKE 'minutes_item_fts%%' OR name = 'minutes_searchdoc'"
            )
            size["fulltext_index_mb"] = (cursor.fetchone()[0] or 0) / 1e6
        except DatabaseError:  # dbstat is not compiled into every SQLite
            pass
        return size


def make_pdfs() -> list[Path]:
    """Make PDFs of the real referater with fpdf2 (once; cached under var/bench/pdf)."""
    from fpdf import FPDF

    from minutes.bench_corpus import DEFAULT_CORPUS

    out = VAR / "pdf"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for source in sorted(DEFAULT_CORPUS.glob("0*.txt")):
        target = out / (source.stem + ".pdf")
        if not target.exists():
            # As the test suite makes them (minutes/tests/test_sandbox.py): a text layer in DejaVu.
            pdf = FPDF()
            pdf.add_page()
            pdf.add_font("DejaVu", "", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
            pdf.set_font("DejaVu", size=11)
            for line in source.read_text(encoding="utf-8").split("\n"):
                pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            target.write_bytes(bytes(pdf.output()))
        paths.append(target)
    return paths


def ingest_throughput(rounds_text: int, rounds_pdf: int) -> dict:
    """Ingest the real referater through read → parse → store → index, under new municipalities."""
    from minutes.bench_corpus import DEFAULT_CORPUS
    from minutes.ingest import CREATED, ingest_bytes
    from minutes.models import Municipality

    texts = [(p.name, p.read_bytes()) for p in sorted(DEFAULT_CORPUS.glob("0*.txt"))]
    pdfs = [(p.name, p.read_bytes()) for p in make_pdfs()]
    result = {}
    for kind, docs, rounds in (("text", texts, rounds_text), ("pdf", pdfs, rounds_pdf)):
        if not rounds:
            continue
        names, done, items, failed = [], 0, 0, []
        started = time.perf_counter()
        for r in range(rounds):
            municipality = f"Benchmark {kind} {r} {random.randrange(10**9)} Kommune"
            names.append(municipality)
            for name, data in docs:
                outcome = ingest_bytes(name, data, municipality=municipality)
                if outcome.status != CREATED:
                    failed.append(f"{name}: {outcome.status} {outcome.error and outcome.error.code}")
                    continue
                done += 1
                items += outcome.items
        seconds = time.perf_counter() - started
        result[kind] = {
            "documents": done,
            "items": items,
            "seconds": round(seconds, 2),
            "documents_per_s": round(done / seconds, 1),
            "items_per_s": round(items / seconds, 1),
            "failed": sorted(set(failed)),
        }
        Municipality.objects.filter(name__in=names).delete()
    return result


def timed_get(client, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    return (time.perf_counter() - started) * 1000, response.status_code


def search_latency(repeats: int) -> dict:
    from django.http import QueryDict
    from django.test import Client

    from minutes import search

    client = Client()
    out = {}
    for name, params in QUERY_MIX:
        url = "/search/?" + urllib.parse.urlencode(params)
        timed_get(client, url)  # warm
        times = []
        for _ in range(repeats):
            ms, status = timed_get(client, url)
            if status != 200:
                raise SystemExit(f"{url}: HTTP {status}")
            times.append(ms)
        results = search.run(QueryDict(urllib.parse.urlencode(params)))
        out[name] = summary(times) | {
            "url": url,
            "count": results.count,
            "count_capped": results.count_capped,
            "count_approximate": getattr(results, "count_approximate", False),
            "facets_approximate": getattr(results, "facets_approximate", False),
        }
    return out


def page_urls(samples: int, seed: int = 7) -> dict[str, list[str]]:
    from django.urls import reverse

    from minutes.models import AgendaItem

    rng = random.Random(seed)
    top = AgendaItem.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = sorted(rng.randrange(1, top + 1) for _ in range(samples * 3))
    items = list(
        AgendaItem.objects.filter(id__in=ids)
        .exclude(case_number="")
        .select_related("meeting", "committee", "municipality")[:samples]
    )
    return {
        "item": [item.get_absolute_url() for item in items],
        "meeting": [item.meeting.get_absolute_url() for item in items],
        "committee": [item.committee.get_absolute_url() for item in items],
        "committee (year)": [
            f"{item.committee.get_absolute_url()}?year={item.meeting_date.year}" for item in items
        ],
        "case": [
            reverse("case", kwargs={"municipality": item.municipality.slug, "case_number": item.case_number})
            for item in items
        ],
    }


def page_latency(samples: int, repeats: int) -> dict:
    from django.test import Client

    client = Client()
    out = {}
    for kind, urls in page_urls(samples).items():
        times = []
        for url in urls:
            timed_get(client, url)
            for _ in range(repeats):
                ms, status = timed_get(client, url)
                if status != 200:
                    raise SystemExit(f"{url}: HTTP {status}")
                times.append(ms)
        out[kind] = summary(times)
    return out


def naive_latency(repeats: int, classes: list[str]) -> dict:
    """The same searches as a naive icontains scan: OR over the text columns, newest first."""
    from django.db.models import Q

    from minutes.models import AgendaItem

    out = {}
    for name, params in QUERY_MIX:
        if name not in classes:
            continue
        words = [
            w for w in params.get("q", "").replace('"', " ").split() if not w.startswith("-") and w != "OR"
        ]
        queryset = AgendaItem.objects.all()
        for word in words:
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(decision_text__icontains=word) | Q(body_text__icontains=word)
            )
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            count = queryset[:10_001].count()
            list(queryset.order_by("-meeting_date", "-id")[:20])
            times.append((time.perf_counter() - started) * 1000)
        out[name] = summary(times) | {"count": count}
    return out


# --- HTTP: gunicorn, the load generator, Datasette ------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:  # refused, reset, or an HTTP error while starting
            time.sleep(0.3)
    raise SystemExit(f"server at {url} did not answer")


def stop(process: subprocess.Popen) -> None:
    # Only the processes this script started, by their id (each in its own process group).
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def load_generator(base: str, urls: list[str], clients: int, seconds: float) -> dict:
    """``clients`` threads, each GETting the URLs in turn for ``seconds``; one request at a time each."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        i = offset
        local = []
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                urllib.request.urlopen(base + urls[i % len(urls)], timeout=60).read()
                local.append((time.perf_counter() - started) * 1000)
            except OSError:  # urllib's HTTPError and URLError are OSErrors
                with lock:
                    errors[0] += 1
            i += 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(n * 3,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors[0],
        "requests_per_s": round(len(latencies) / elapsed, 1),
    } | summary(latencies)


def concurrency(url: str, workers: int, seconds: float, clients: list[int]) -> dict:
    port = free_port()
    env = django_env(url)
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "archive_site.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--timeout",
            "120",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/search/?q=kommune")
        urls = ["/search/?" + urllib.parse.urlencode(p) for _, p in QUERY_MIX]
        for u in urls:  # warm every worker's caches a little
            urllib.request.urlopen(base + u, timeout=120).read()
        return {f"c{c}": load_generator(base, urls, c, seconds) for c in clients} | {
            "gunicorn_workers": workers
        }
    finally:
        stop(server)


def datasette_export(items: int) -> Path:
    """Export the items to a SQLite file with an FTS5 index by sqlite-utils (once per size)."""
    import sqlite_utils

    from minutes.models import AgendaItem

    path = VAR / f"datasette_{label(items)}.db"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite_utils.Database(tmp)
    started = time.perf_counter()
    rows = (
        {
            "id": r[0],
            "title": r[1],
            "decision_text": r[2],
            "body_text": r[3],
            "municipality": r[4],
            "committee": r[5],
            "meeting_date": r[6].isoformat(),
            "year": r[6].year,
            "outcome": r[7],
        }
        for r in AgendaItem.objects.order_by("id")
        .values_list(
            "id",
            "title",
            "decision_text",
            "body_text",
            "municipality__name",
            "committee__name",
            "meeting_date",
            "outcome",
        )
        .iterator(chunk_size=5000)
    )
    db["items"].insert_all(rows, pk="id", batch_size=2000)
    db["items"].enable_fts(["title", "decision_text", "body_text"], fts_version="FTS5", create_triggers=False)
    db["items"].create_index(["meeting_date"])
    db.execute("ANALYZE")
    db.close()
    tmp.rename(path)
    (VAR / f"datasette_{label(items)}.seconds").write_text(f"{time.perf_counter() - started:.1f}")
    return path


def datasette_params(params: dict) -> dict | None:
    """The same search as Datasette's table JSON API would be asked: search, filters, facets."""
    q = params.get("q", "")
    out = {"_size": "20", "_facet": ["municipality", "committee", "year", "outcome"]}
    if q:
        if " -" in q or " OR " in q or '"' in q:
            out["_searchmode"] = "raw"
            q = q.replace(" -", " NOT ")
        out["_search"] = q
    if "municipality" in params:
        return None  # slugs differ; left out rather than compared unfairly
    if "year" in params:
        out["year"] = params["year"]
    if "outcome" in params:
        out["outcome"] = params["outcome"]
    if params.get("sort") == "newest" or not q:
        out["_sort_desc"] = "meeting_date"
    if "page" in params:
        return None  # Datasette pages by keyset (_next), not by page number
    return out


def datasette_latency(items: int, repeats: int) -> dict:
    path = datasette_export(items)
    port = free_port()
    server = subprocess.Popen(
        # Immutable mode (-i): Datasette's recommended way to publish a file that does not change.
        [
            str(Path(PYTHON).parent / "datasette"),
            "serve",
            "-i",
            str(path),
            "-p",
            str(port),
            "--setting",
            "sql_time_limit_ms",
            "60000",
            "--setting",
            "facet_time_limit_ms",
            "60000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/{path.stem}/items.json?"
    out = (
        {"export_seconds": float((VAR / f"datasette_{label(items)}.seconds").read_text())}
        if (VAR / f"datasette_{label(items)}.seconds").exists()
        else {}
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/-/versions.json")
        for name, params in QUERY_MIX:
            dparams = datasette_params(params)
            if dparams is None:
                continue
            url = base + urllib.parse.urlencode(dparams, doseq=True)
            urllib.request.urlopen(url, timeout=120).read()
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                body = urllib.request.urlopen(url, timeout=120).read()
                times.append((time.perf_counter() - started) * 1000)
            data = json.loads(body)
            out[name] = summary(times) | {"count": data.get("filtered_table_rows_count"), "url": url}
    finally:
        stop(server)
    return out


# --- report -------------------------------------------------------------------------------


def print_tables(result: dict) -> None:
    print(f"\n== {result['backend']} at {result['items']:,} items ({result['machine']['cpus']} cores) ==")
    if result.get("load"):
        load = result["load"]
        seconds = load.get("seconds_total", 0)
        rate = load.get("items", 0) / max(seconds, 1e-9)
        print(f"load: {seconds:.1f}s ({rate:.0f} items/s), index {load.get('seconds_index', 0):.1f}s")
    if result.get("size"):
        print("size: " + ", ".join(f"{k} {v:.1f}" for k, v in result["size"].items()))
    for kind, figures in (result.get("ingest") or {}).items():
        print(f"ingest {kind}: {figures['documents_per_s']} referater/s, {figures['items_per_s']} items/s")
    search = result.get("search") or {}
    peers = result.get("peers") or {}
    ds, naive = peers.get("datasette") or {}, peers.get("naive") or {}
    if search:
        head = f"\n{'query class':28} {'matches':>9} {'p50':>8} {'p95':>8} {'p99':>8}"
        print(f"{head} | {'datasette p50':>13} {'×':>6} | {'naive p50':>9} {'×':>6}")
        for name, s in search.items():
            mark = ">" if s.get("count_capped") else "~" if s.get("count_approximate") else ""
            count = f"{mark}{s.get('count', '')}"
            d = ds.get(name, {})
            n = naive.get(name, {})
            dr = f"{d['p50'] / s['p50']:.1f}" if d and s["p50"] else ""
            nr = f"{n['p50'] / s['p50']:.1f}" if n and s["p50"] else ""
            print(
                f"{name:28} {count:>9} {s['p50']:8.1f} {s['p95']:8.1f} {s['p99']:8.1f} | "
                f"{d.get('p50', ''):>13} {dr:>6} | {n.get('p50', ''):>9} {nr:>6}"
            )
    for kind, s in (result.get("pages") or {}).items():
        print(f"page {kind:24} p50 {s['p50']:7.1f}  p95 {s['p95']:7.1f}  p99 {s['p99']:7.1f} ms")
    for c in (result.get("concurrency") or {}).values():
        if isinstance(c, dict):
            print(
                f"concurrency {c['clients']:>3} clients: {c['requests_per_s']} req/s, "
                f"p50 {c['p50']} ms, p95 {c['p95']} ms, errors {c['errors']}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument(
        "--items", type=int, required=True, help="archive size (names the benchmark database)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--generate", action="store_true", help="(re)create the database and generate the corpus"
    )
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per search query")
    parser.add_argument("--page-samples", type=int, default=10)
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["ingest", "search", "pages", "concurrency", "datasette", "naive"],
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--clients", default="8,32")
    parser.add_argument("--seconds", type=float, default=15, help="duration of each concurrency run")
    parser.add_argument("--naive-repeats", type=int, default=3)
    parser.add_argument(
        "--datasette-repeats", type=int, default=0, help="timed runs per Datasette query (0: as --repeats)"
    )
    args = parser.parse_args()

    VAR.mkdir(parents=True, exist_ok=True)
    url = database_url(args.backend, args.items)
    result: dict = {
        "backend": args.backend,
        "items": args.items,
        "seed": args.seed,
        "database": url,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "loadavg": {"start": load_average()},
    }
    if args.generate:
        result["load"] = generate(args.backend, args.items, args.seed, url)
    elif (VAR / f"load_{args.backend}_{label(args.items)}.json").exists():
        result["load"] = json.loads((VAR / f"load_{args.backend}_{label(args.items)}.json").read_text())
    setup_django(url)
    from minutes.models import AgendaItem

    result["items_in_database"] = AgendaItem.objects.count()
    # As archive_site.wsgi does in every server process: the views are timed in this one.
    from minutes.serving import prepare_process

    prepare_process()
    result["size"] = database_size()
    if "search" not in args.skip:
        result["search"] = search_latency(args.repeats)
        result["loadavg"]["search"] = load_average()
    if "pages" not in args.skip:
        result["pages"] = page_latency(args.page_samples, max(3, args.repeats // 3))
    result["peers"] = {}
    if "datasette" not in args.skip:
        result["peers"]["datasette"] = datasette_latency(args.items, args.datasette_repeats or args.repeats)
        result["loadavg"]["datasette"] = load_average()
    if "naive" not in args.skip:
        classes = [
            "rare word",
            "medium word",
            "common word",
            "very common word",
            "two words",
            "phrase",
            "date-sorted",
        ]
        result["peers"]["naive"] = naive_latency(args.naive_repeats, classes)
    if "concurrency" not in args.skip:
        from django.db import connections

        connections.close_all()
        clients = [int(c) for c in args.clients.split(",")]
        result["concurrency"] = concurrency(url, args.workers, args.seconds, clients)
        result["loadavg"]["concurrency"] = load_average()
    if "ingest" not in args.skip:
        # Last: what it writes (and deletes again) would otherwise sit in the full-text index's
        # pending entries while the searches above are timed.
        result["ingest"] = ingest_throughput(rounds_text=4, rounds_pdf=2)
        result["loadavg"]["ingest"] = load_average()
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    print_tables(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
