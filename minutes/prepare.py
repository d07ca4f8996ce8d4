"""Read and parse referater without the database: the half of an ingest that may run in parallel.

``prepare_file(source)`` turns a file into a ``PreparedDocument``: the source as read
(``SourceDocument``), its parse (``ParseResult``) and, when asked, the text analysis that
``minutes.ingest`` would otherwise do while writing (the compound parts of each item). It never
raises for bad input; the document then carries the ``Notice`` to report.

Plain Python with no Django imports: ``manage.py ingest --jobs N`` runs this in worker
processes, which therefore never hold a database connection, and everything returned here
pickles (frozen dataclasses, str, bytes). ``minutes.ingest`` is the one writer.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import traceback
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from minutes.parsing import parse_referat
from minutes.parsing.types import (
    Notice,
    ParsedItem,
    ParseResult,
    ReferatError,
    gettext_noop,
)
from minutes.sandbox import extract_pdf_text_sandboxed
from minutes.textanalysis.compounds import default_decompounder, parts_text
from minutes.textanalysis.lexicon import default_cache_path, load_lexicon


@dataclass(frozen=True)
class SourceDocument:
    """A referat as read from a file or an upload, before parsing."""

    name: str
    text: str  # what the parser reads: plain/Markdown text, PDF text, or JSON text
    source_format: str  # "text", "markdown", "pdf", "firstagenda"
    data: bytes | None = None  # the original file, kept for PDFs
    source_url: str = ""

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest, and the municipality to store it under (inferred when None)."""

    path: Path
    municipality: str | None = None


@dataclass(frozen=True)
class PreparedDocument:
    """A document read and parsed, ready for the writer; or the reason it cannot be stored.

    ``search_parts``, when given, holds the compound parts of each parsed item as a new item
    (no attachment text yet), in item order, so the writer need not compute them.
    """

    label: str
    document: SourceDocument | None = None
    result: ParseResult | None = None
    search_parts: tuple[str, ...] | None = None
    error: Notice | None = None
    # The traceback of an unexpected error, for the writer's log (a worker has no log of its own).
    failure: str = ""


def decode_text(data: bytes, name: str) -> str:
    """Decode a text referat: UTF-8 (with or without BOM), else Windows-1252."""
    if not data.strip():
        raise ReferatError("empty", gettext_noop("Filen {name} er tom."), name=name)
    if b"\x00" in data[:4096]:
        raise ReferatError(
            "not_text",
            gettext_noop("Filen {name} er ikke en tekstfil (den indeholder binære data)."),
            name=name,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Danish exports are Windows-1252; it decodes any byte, so check the
        # result for control characters that real text never holds.
        text = data.decode("cp1252", errors="replace")
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
        if controls > len(text) // 100 or text.count("\ufffd") > len(text) // 100:
            raise ReferatError(
                "not_text",
                gettext_noop("Filen {name} kunne ikke læses som tekst."),
                name=name,
            ) from None
        return text


def read_source(name: str, data: bytes, *, source_url: str = "") -> SourceDocument:
    """Read an uploaded or stored file into a SourceDocument by its type."""
    suffix = Path(name).suffix.lower()
    if data[:5] == b"%PDF-" or suffix == ".pdf":
        text = extract_pdf_text_sandboxed(data)
        return SourceDocument(name, text, "pdf", data=data, source_url=source_url)
    if suffix == ".json":
        return SourceDocument(name, decode_text(data, name), "firstagenda", source_url=source_url)
    if suffix in (".txt", ".md", ""):
        text = decode_text(data, name)
        return SourceDocument(name, text, "markdown" if suffix == ".md" else "text")
    raise ReferatError(
        "unsupported_type",
        gettext_noop("Filtypen {suffix} understøttes ikke; brug .txt, .md, .pdf eller .json."),
        suffix=suffix,
    )


def parse_source(document: SourceDocument, *, municipality: str | None = None) -> ParseResult:
    """Parse a SourceDocument with the reader for its format."""
    if document.source_format == "firstagenda":
        from minutes.sources.firstagenda import map_meeting

        try:
            data = json.loads(document.text)
        except json.JSONDecodeError as exc:
            raise ReferatError(
                "bad_json",
                gettext_noop("Filen {name} er ikke gyldig JSON: {error}"),
                name=document.name,
                error=str(exc),
            ) from None
        return map_meeting(data, municipality=municipality or "", source_url=document.source_url)
    fmt = "pdf" if document.source_format == "pdf" else None
    return parse_referat(document.text, source_format=fmt, municipality=municipality)


def item_texts(parsed: ParsedItem) -> tuple[str, str, str]:
    """Return an item's outcome, decision text and body text as they are stored and searched."""
    current = [d for d in parsed.decisions if d.is_current]
    outcome = current[0].outcome if current else ""
    decision_text = "\n\n".join(d.text for d in current)
    body_text = "\n\n".join(f"{s.heading}\n{s.text}" if s.heading else s.text for s in parsed.sections)
    return outcome, decision_text, body_text


def new_item_search_parts(parsed: ParsedItem) -> str:
    """Return the compound parts of a new item: ``minutes.search.compound_parts`` of that item.

    That function reads the stored item (title, decision, body, attachment text); a new item has
    no attachment text yet. It is not called here because ``minutes.search`` needs Django; a test
    pins that both give the same parts.
    """
    _, decision_text, body_text = item_texts(parsed)
    return parts_text("\n".join((parsed.title, decision_text, body_text, "")))


def prepare_bytes(
    name: str,
    data: bytes,
    *,
    municipality: str | None = None,
    source_url: str = "",
    label: str | None = None,
    search_parts: bool = False,
) -> PreparedDocument:
    """Read and parse one document given as bytes; report bad input instead of raising."""
    label = label or name
    try:
        document = read_source(name, data, source_url=source_url)
        result = parse_source(document, municipality=municipality)
        parts = tuple(new_item_search_parts(item) for item in result.meeting.items) if search_parts else None
    except ReferatError as exc:
        return PreparedDocument(label, error=exc.notice)
    except Exception as exc:  # noqa: BLE001 - reported per file; the writer logs the traceback
        notice = Notice(
            "internal_error",
            gettext_noop("Uventet fejl under indlæsning ({error}); intet blev gemt."),
            {"error": f"{type(exc).__name__}: {exc}"},
        )
        return PreparedDocument(label, error=notice, failure=traceback.format_exc())
    return PreparedDocument(label, document, result, parts)


def prepare_file(source: SourceFile, *, search_parts: bool = False) -> PreparedDocument:
    """Read and parse one file; report an unreadable file instead of raising."""
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        notice = Notice("unreadable", gettext_noop("Filen kunne ikke læses: {error}"), {"error": str(exc)})
        return PreparedDocument(str(source.path), error=notice)
    return prepare_bytes(
        source.path.name,
        data,
        municipality=source.municipality,
        label=str(source.path),
        search_parts=search_parts,
    )


def prepare_files(sources: Iterable[SourceFile], *, jobs: int = 1) -> Iterator[PreparedDocument]:
    """Yield each file prepared, in input order; in ``jobs`` worker processes when ``jobs`` > 1.

    With one job the files are prepared here, one at a time, as the writer asks for them. With
    more, the workers read, parse and compute compound parts ahead of the writer. The workers
    are started with "spawn", so a script that calls this needs the ``if __name__ == "__main__"``
    guard (``manage.py`` has it).
    """
    if jobs <= 1:
        for source in sources:
            yield prepare_file(source)
        return
    yield from _Pool(jobs).prepare(iter(sources))


# Files handed to the workers ahead of the writer, per worker: enough that no worker waits while
# the writer stores a meeting, few enough that parsed meetings do not pile up in memory.
AHEAD_PER_JOB = 3


class _Pool:
    """Worker processes that prepare files, restarted should one of them die."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        if not default_cache_path().exists():
            load_lexicon()  # build the lexicon cache once here, not in every worker at once
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # "spawn": a worker is a fresh interpreter that imports only this module (no Django, so
        # no database connection, not even one inherited from the writer as "fork" would).
        return ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
        )

    def _submit(self, source: SourceFile) -> Future[PreparedDocument]:
        try:
            return self.executor.submit(prepare_file, source, search_parts=True)
        except BrokenProcessPool:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self._start()
            return self.executor.submit(prepare_file, source, search_parts=True)

    def prepare(self, sources: Iterator[SourceFile]) -> Iterator[PreparedDocument]:
        pending: deque[tuple[SourceFile, Future[PreparedDocument]]] = deque()
        try:
            while True:
                while len(pending) < self.jobs * AHEAD_PER_JOB:
                    source = next(sources, None)
                    if source is None:
                        break
                    pending.append((source, self._submit(source)))
                if not pending:
                    return
                source, future = pending.popleft()
                try:
                    prepared = future.result()
                except BrokenProcessPool:
                    # A worker died (killed, out of memory): this file fails; the others the
                    # pool held are handed to a new pool.
                    prepared = _worker_died(source)
                    pending = deque(
                        (other, self._submit(other) if _broken(done) else done) for other, done in pending
                    )
                yield prepared
        finally:
            self.executor.shutdown(wait=True, cancel_futures=True)


def _broken(future: Future[PreparedDocument]) -> bool:
    return isinstance(future.exception(), BrokenProcessPool)


def _worker_died(source: SourceFile) -> PreparedDocument:
    notice = Notice(
        "worker_died",
        gettext_noop("Processen, der læste filen, stoppede uventet; intet blev gemt."),
    )
    return PreparedDocument(str(source.path), error=notice)


def _start_worker() -> None:
    """Load the compound lexicon when a worker starts, not while it reads its first file."""
    default_decompounder()
