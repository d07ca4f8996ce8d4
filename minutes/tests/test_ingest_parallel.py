"""``ingest --jobs N``: workers read and parse, this process writes; the archive ends up the same.

Also pins the speed-ups of the parse that must not change its results: the one-scan municipality
inference, and the compound parts computed ahead in the workers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from minutes import ingest as ingest_module
from minutes import prepare as prepare_module
from minutes import search
from minutes.ingest import CREATED, FAILED, SourceFile, ingest_files
from minutes.models import AgendaItem, Decision, Meeting, MeetingRevision, Municipality
from minutes.parsing import municipalities
from minutes.prepare import prepare_file
from minutes.tests.shared import PROJECT_DIR, corpus_file, shared_path
from minutes.tests.test_ingest import run_ingest, table_counts
from minutes.tests.test_sandbox import text_pdf

pytestmark = pytest.mark.django_db


def archive() -> dict:
    """Return everything ingest stored, keyed by natural keys: no ids, no timestamps."""
    skip = {"id", "meeting", "item", "committee", "municipality", "created_at", "updated_at"}

    def fields(obj) -> dict:
        return {f.name: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name not in skip}

    meetings = {}
    for meeting in Meeting.objects.select_related("committee__municipality"):
        key = (meeting.committee.municipality.name, meeting.committee.name, meeting.start.isoformat())
        meetings[key] = {
            "meeting": {**fields(meeting), "source_file": bool(meeting.source_file)},
            "revisions": [
                {**fields(r), "source_file": bool(r.source_file)}
                for r in meeting.revisions.order_by("number")
            ],
            "items": [
                {
                    **fields(item),
                    "decisions": [fields(d) for d in item.decisions.order_by("position")],
                    "attachments": [fields(a) for a in item.attachments.order_by("position")],
                }
                for item in meeting.items.order_by("position")
            ],
        }
    return meetings


def report_lines(out: str) -> list[str]:
    """Return the per-file lines of the command's output, without the timed summary."""
    return [line for line in out.splitlines() if " files in " not in line]


def clear_archive() -> None:
    Municipality.objects.all().delete()  # cascades to everything ingest wrote


def test_jobs_store_the_same_archive_and_report_in_input_order():
    corpus = str(shared_path("corpus"))
    out, err, code = run_ingest(corpus)
    assert code == 0, err
    serial = archive()
    assert len(serial) == 5 and sum(len(m["items"]) for m in serial.values()) == 42
    clear_archive()

    parallel_out, err, code = run_ingest(corpus, "--jobs", "2")
    assert code == 0, err
    assert archive() == serial
    assert report_lines(parallel_out) == report_lines(out)
    files = sorted(p.name for p in shared_path("corpus").glob("*.txt"))
    reported = [line.split("] ", 1)[1].split(":", 1)[0] for line in report_lines(out) if line.startswith("[")]
    assert [Path(name).name for name in reported] == files
    assert "5 created" in parallel_out

    # Run again in parallel: every file reports unchanged and nothing is written.
    before = table_counts()
    again, err, code = run_ingest(corpus, "--jobs", "2")
    assert code == 0, err
    assert again.count(": unchanged (") == 5 and table_counts() == before


def test_compound_parts_computed_in_the_workers_are_what_search_computes():
    results = list(ingest_files([SourceFile(corpus_file(n)) for n in ("000", "001", "003")], jobs=2))
    assert [r.status for r in results] == [CREATED] * 3
    items = list(AgendaItem.objects.all())
    assert items and all(item.search_parts == search.compound_parts(item) for item in items)


def test_a_broken_file_among_good_ones_fails_alone(tmp_path: Path):
    text = corpus_file("001").read_text(encoding="utf-8")
    truncated = tmp_path / "truncated.txt"
    truncated.write_text(text[: text.index("Punkt 168")], encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    good = [corpus_file("000"), corpus_file("002"), corpus_file("004")]
    args = [str(good[0]), str(truncated), str(good[1]), str(empty), str(good[2])]

    out, err, code = run_ingest(*args, "--jobs", "2")
    assert code == 1
    assert f"[2/5] {truncated}: failed" in err and f"[4/5] {empty}: failed" in err
    assert "2 of 5 files failed" in err
    created = [line for line in out.splitlines() if ": created (" in line]
    assert [line.split("] ", 1)[1].split(":", 1)[0] for line in created] == [str(p) for p in good]
    stored = archive()
    counts = table_counts()

    # Exactly what the good files alone store.
    clear_archive()
    run_ingest(*(str(p) for p in good))
    assert archive() == stored and table_counts() == counts


def test_a_failure_while_writing_leaves_nothing_of_that_file(monkeypatch: pytest.MonkeyPatch):
    real = ingest_module._new_decisions

    def fail_in_002(item: AgendaItem, parsed) -> list[Decision]:
        if parsed.number == "473":  # an item of 002 only
            raise RuntimeError("disk full")
        return real(item, parsed)

    monkeypatch.setattr(ingest_module, "_new_decisions", fail_in_002)
    paths = [str(corpus_file(n)) for n in ("000", "002", "004")]
    out, err, code = run_ingest(*paths, "--jobs", "2")
    assert code == 1
    assert f"[2/3] {paths[1]}: failed" in err and "disk full" in err
    assert out.count(": created (") == 2
    assert Meeting.objects.count() == MeetingRevision.objects.count() == 2
    assert not AgendaItem.objects.filter(number__in=["471", "472", "473", "474", "475", "476"]).exists()
    assert (
        Decision.objects.count() == Decision.objects.filter(item__meeting__in=Meeting.objects.all()).count()
    )


def test_pdf_referat_is_read_in_the_sandbox_under_jobs(tmp_path: Path):
    pdf = tmp_path / "sonderborg.pdf"
    pdf.write_bytes(text_pdf(corpus_file("003").read_text(encoding="utf-8").split("\n")))
    out, err, code = run_ingest(str(corpus_file("000")), str(pdf), "--jobs", "2")
    assert code == 0, err
    meeting = Meeting.objects.get(source_format="pdf")
    assert meeting.source_file.read() == pdf.read_bytes()
    assert meeting.items.count() == 10
    assert f"[2/2] {pdf}: created" in out


def test_jobs_must_not_be_negative():
    _out, err, code = run_ingest(str(corpus_file("000")), "--jobs", "-1")
    assert code == 1 and "--jobs" in err


def test_workers_import_no_django_and_return_picklable_results():
    """Run the parallel half in a fresh interpreter without Django settings: it needs none."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from minutes.prepare import SourceFile, prepare_files\n"
        "paths = sorted(Path(sys.argv[1]).glob('*.txt'))\n"
        "results = list(prepare_files([SourceFile(p) for p in paths], jobs=2))\n"
        "assert [r.label for r in results] == [str(p) for p in paths]\n"
        "assert all(r.error is None and r.search_parts for r in results), results\n"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
        "print(len(results))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    completed = subprocess.run(
        [sys.executable, "-c", script, str(shared_path("corpus"))],
        cwd=PROJECT_DIR,
        env={**env, "PYTHONPATH": str(PROJECT_DIR)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "5"


def test_unreadable_file_is_reported_not_raised(tmp_path: Path):
    prepared = prepare_file(SourceFile(tmp_path / "gone.txt"))
    assert prepared.error is not None and prepared.error.code == "unreadable"
    result = next(ingest_files([SourceFile(tmp_path / "gone.txt")]))
    assert result.status == FAILED and table_counts() == dict.fromkeys(table_counts(), 0)


def test_a_worker_that_dies_fails_its_file_and_the_others_go_on(tmp_path: Path):
    stuck = tmp_path / "stuck.txt"
    os.mkfifo(stuck)  # its reader waits for a writer that never comes, until it is killed
    sources = [SourceFile(corpus_file("000")), SourceFile(stuck)] + [
        SourceFile(corpus_file(n)) for n in ("001", "002", "003", "004")
    ]
    pool = prepare_module._Pool(2)
    results = pool.prepare(iter(sources))
    first = next(results)  # the workers are up, and every file is handed out
    workers = list(pool.executor._processes.values())
    for process in workers:
        process.kill()
    rest = list(results)
    assert workers and first.error is None
    assert [r.label for r in (first, *rest)] == [str(s.path) for s in sources]
    assert rest[0].error is not None and rest[0].error.code == "worker_died"
    # The files after it were read by the pool started in its place (or before the kill).
    assert all(r.error is None for r in rest[1:]), [r.error for r in rest]


# --- The one-scan municipality inference counts what the 98 patterns counted --------------


def _counted_per_pattern(text: str) -> Counter:
    return Counter({name: len(p.findall(text)) for name, p in municipalities._PATTERNS.items()})


def _counted(text: str) -> Counter:
    counts = Counter(dict.fromkeys(municipalities.MUNICIPALITIES, 0))
    for match in municipalities._ANY_MENTION.finditer(text):
        name = municipalities._mentioned(match)
        if name is not None:
            counts[name] += 1
    return counts


@pytest.mark.parametrize(
    "text",
    [
        "Sorø Kommune og Sorø Kommunes plan, ikke Sorø Kommunernes",
        "SORØ KOMMUNE, sorø\nkommune, Sorø\u00a0Kommune",
        "Høje-Taastrup Kommune, Taastrup Kommune, Ikast-Brande Kommune, Brande Kommune",
        "x-Sorø Kommune, Sorø-Kommune, Sorø Kommune2, _Sorø Kommune",
        "Bornholms Regionskommune, Bornholms Kommune, Sorø Regionskommune",
        "\u212aøge Kommune, Køge \u212aommune, Rıngsted Kommune, Aſſens Kommune, İshøj Kommune",
        "Ny Kommune, hele kommunen, Lyngby-Taarbæk Kommunes, Lyngby Kommune",
        "",
    ],
)
def test_municipality_mentions_are_counted_as_before(text: str):
    assert _counted(text) == _counted_per_pattern(text)


def test_municipality_inferred_from_the_corpus_as_before():
    for path in sorted(shared_path("corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert _counted(text) == _counted_per_pattern(text), path.name
    assert municipalities.infer_municipality(corpus_file("000").read_text(encoding="utf-8")) == "Sorø Kommune"
