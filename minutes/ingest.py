"""The one writer: turn parsed referater into rows, one transaction per document.

Sources (text, Markdown, PDF, FirstAgenda JSON) are read into ``ParseResult`` first
(``minutes.prepare``, with ``minutes.parsing`` / ``minutes.sources``); ``store_meeting`` writes
that result keyed by natural keys, so that a re-run creates nothing new, a corrected version
updates the meeting in place (same URLs), and a failure leaves nothing behind.

``ingest_files`` does both for many files: reading and parsing in worker processes when asked
(``jobs``), writing here, one meeting at a time and in input order.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLInsertCompiler
from django.utils import timezone

from minutes import search
from minutes.models import (
    AgendaItem,
    Attachment,
    Committee,
    Decision,
    Meeting,
    MeetingRevision,
    Municipality,
)
from minutes.parsing.types import (
    Notice,
    ParsedItem,
    ParsedMeeting,
    ParseResult,
    ReferatError,
    gettext_noop,
)
from minutes.prepare import (
    PreparedDocument,
    SourceDocument,
    SourceFile,
    decode_text,
    item_texts,
    parse_source,
    prepare_bytes,
    prepare_file,
    prepare_files,
    read_source,
)
from minutes.sandbox import extract_pdf_text_sandboxed
from minutes.search import state as search_state
from minutes.text import danish_slugify

__all__ = [
    "CREATED",
    "FAILED",
    "UNCHANGED",
    "UPDATED",
    "IngestResult",
    "SourceDocument",
    "SourceFile",
    "attach_file",
    "check_storable",
    "decode_text",
    "get_municipality",
    "ingest_bytes",
    "ingest_files",
    "ingest_path",
    "iter_source_paths",
    "parse_source",
    "read_source",
    "store_meeting",
    "store_prepared",
]

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".json")

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
FAILED = "failed"


@dataclass(frozen=True)
class IngestResult:
    name: str
    status: str
    meeting: Meeting | None = None
    municipality: str = ""
    municipality_inferred: bool = False
    warnings: tuple[Notice, ...] = ()
    error: Notice | None = None
    items: int = 0


def iter_source_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the referat files named by ``paths``: files as given, folders walked in order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                # A folder's README describes the folder; it is no referat.
                if child.stem.upper() in ("README", "LICENSE"):
                    continue
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield child
        else:
            yield path


def ingest_path(path: Path, *, municipality: str | None = None, user=None) -> IngestResult:
    """Read, parse and store one file; never raise for bad input, report it instead."""
    return store_prepared(prepare_file(SourceFile(path, municipality)), municipality=municipality, user=user)


def ingest_bytes(
    name: str,
    data: bytes,
    *,
    municipality: str | None = None,
    user=None,
    label: str | None = None,
    source_url: str = "",
) -> IngestResult:
    """Read, parse and store one document given as bytes."""
    prepared = prepare_bytes(name, data, municipality=municipality, source_url=source_url, label=label)
    return store_prepared(prepared, municipality=municipality, user=user)


def ingest_files(sources: Iterable[SourceFile], *, jobs: int = 1) -> Iterator[IngestResult]:
    """Read, parse and store files, yielding each one's result in input order.

    With ``jobs`` > 1, that many worker processes read and parse ahead (``prepare_files``)
    while this process stores one meeting after the other, each in its own transaction, as
    with one job. A file that fails stores nothing and does not stop the others.
    """
    sources = list(sources)
    prepared_files = prepare_files(sources, jobs=jobs)
    try:
        for source, prepared in zip(sources, prepared_files, strict=True):
            yield store_prepared(prepared, municipality=source.municipality)
    finally:
        prepared_files.close()  # stops the workers when the caller stops early


def store_prepared(prepared: PreparedDocument, *, municipality: str | None = None, user=None) -> IngestResult:
    """Store a prepared document; never raise for bad input, report it instead."""
    label = prepared.label
    if prepared.error is not None:
        if prepared.failure:
            logger.error("ingest of %s failed:\n%s", label, prepared.failure)
        return IngestResult(label, FAILED, error=prepared.error)
    try:
        return store_meeting(
            prepared.result,
            document=prepared.document,
            municipality=municipality,
            user=user,
            label=label,
            search_parts=prepared.search_parts,
        )
    except ReferatError as exc:
        return IngestResult(label, FAILED, error=exc.notice)
    except Exception as exc:
        logger.exception("ingest of %s failed", label)
        notice = Notice(
            "internal_error",
            gettext_noop("Uventet fejl under indlæsning ({error}); intet blev gemt."),
            {"error": f"{type(exc).__name__}: {exc}"},
        )
        return IngestResult(label, FAILED, error=notice)


def store_meeting(
    result: ParseResult,
    *,
    document: SourceDocument,
    municipality: str | None = None,
    user=None,
    label: str = "",
    note: str = "",
    released_at=None,
    search_parts: Sequence[str] | None = None,
) -> IngestResult:
    """Write one parsed meeting in one transaction; update in place when it exists.

    ``search_parts``, when given, are the compound parts of each item as a new item, computed
    ahead (``minutes.prepare``); otherwise they are computed here for the items created.
    """
    parsed = result.meeting
    municipality_name = (municipality or parsed.municipality or "").strip()
    inferred = not municipality and bool(municipality_name)
    if not municipality_name:
        raise ReferatError(
            "no_municipality",
            gettext_noop("Kommunen kunne ikke udledes af teksten; angiv den (--municipality)."),
        )
    check_storable(result)
    saved_files: list = []
    try:
        status, meeting = _write(
            result,
            document,
            municipality_name,
            user=user,
            note=note,
            released_at=released_at,
            saved_files=saved_files,
            search_parts=search_parts,
        )
    except BaseException:
        # The transaction rolled back; remove files it wrote so nothing is left behind.
        for stored in saved_files:
            stored.storage.delete(stored.name)
        raise
    return IngestResult(
        label, status, meeting, municipality_name, inferred, result.warnings, items=len(parsed.items)
    )


def _write(
    result: ParseResult,
    document: SourceDocument,
    municipality_name: str,
    *,
    user,
    note: str,
    released_at,
    saved_files: list,
    search_parts: Sequence[str] | None,
) -> tuple[str, Meeting]:
    """Create or update the meeting and everything below it, in one transaction."""
    parsed = result.meeting
    with transaction.atomic():
        committee = _get_committee(get_municipality(municipality_name), parsed.committee)
        meeting = Meeting.objects.select_for_update().filter(committee=committee, start=parsed.start).first()
        if meeting is None and parsed.source_id:
            meeting = (
                Meeting.objects.select_for_update()
                .filter(committee=committee, source_id=parsed.source_id)
                .first()
            )
        if meeting is not None and meeting.source_checksum == document.checksum:
            if released_at and meeting.released_at != released_at:
                Meeting.objects.filter(pk=meeting.pk).update(released_at=released_at)
            return UNCHANGED, meeting
        status = CREATED if meeting is None else UPDATED
        if meeting is None:
            meeting = Meeting(committee=committee, url_key=_url_key(committee, parsed))
        elif meeting.source_checksum:
            meeting.corrected_at = timezone.now()
        _fill_meeting(meeting, parsed, document, result, released_at)
        if document.data is not None:
            meeting.source_file.save(_file_name(document), ContentFile(document.data), save=False)
            saved_files.append(meeting.source_file)
        meeting.save()
        if status == CREATED:
            changed_ids = _create_items(meeting, parsed.items, search_parts)
        else:
            changed_ids = _store_items(meeting, parsed, search_parts)
        saved_files.extend(_add_revision(meeting, document, user=user, note=note, first=status == CREATED))
        search.index_items(changed_ids)
        search_state.note_indexed()
    return status, meeting


def check_storable(result: ParseResult) -> None:
    """Raise ReferatError when a parsed referat must not be stored (cut off, duplicate items).

    Uploads call this for their preview, so a clerk learns it before trying to publish.
    """
    _check_complete(result)
    _check_items(result.meeting)


def _check_complete(result: ParseResult) -> None:
    """Refuse a referat that was cut off: storing half a meeting would hide the rest."""
    parsed = result.meeting
    codes = {w.code for w in result.warnings}
    if "truncated" in codes or (parsed.toc and len(parsed.toc) > len(parsed.items)):
        raise ReferatError(
            "truncated",
            gettext_noop(
                "Referatet ser afkortet ud: indholdsfortegnelsen nævner {toc} punkter, men kun {items} blev "
                "fundet, eller det sidste punkt slutter midt i teksten. Intet blev gemt."
            ),
            toc=len(parsed.toc),
            items=len(parsed.items),
        )


def _check_items(parsed: ParsedMeeting) -> None:
    seen: set[str] = set()
    for item in parsed.items:
        if item.number in seen:
            raise ReferatError(
                "duplicate_item",
                gettext_noop("Punkt {number} står mere end én gang i referatet."),
                number=item.number,
            )
        seen.add(item.number)


def get_municipality(name: str) -> Municipality:
    """Return the municipality of that name (any case), creating it with a unique slug."""
    muni = Municipality.objects.filter(name__iexact=name).first()
    if muni is None:
        muni = Municipality.objects.create(name=name, slug=_unique_slug(Municipality.objects, name))
    return muni


def _get_committee(municipality: Municipality, name: str) -> Committee:
    committee = Committee.objects.filter(municipality=municipality, name__iexact=name).first()
    if committee is None:
        slug = _unique_slug(Committee.objects.filter(municipality=municipality), name)
        committee = Committee.objects.create(municipality=municipality, name=name, slug=slug)
    return committee


def _unique_slug(queryset, name: str) -> str:
    base = danish_slugify(name)[:90] or "x"
    slug, n = base, 2
    while queryset.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _url_key(committee: Committee, parsed: ParsedMeeting) -> str:
    local = timezone.localtime(parsed.start)
    key = f"{local:%Y-%m-%d}"
    if Meeting.objects.filter(committee=committee, url_key=key).exists():
        key = f"{local:%Y-%m-%d-%H%M}"
    return key


def _file_name(document: SourceDocument) -> str:
    return Path(document.name).name or "referat.pdf"


def _fill_meeting(
    meeting: Meeting, parsed: ParsedMeeting, document: SourceDocument, result: ParseResult, released_at
) -> None:
    meeting.start = parsed.start
    meeting.kind = parsed.kind
    meeting.election_period = parsed.election_period
    meeting.location = parsed.location
    meeting.participants = [p.name for p in parsed.participants]
    absent = [p.name for p in parsed.participants if p.absent]
    seen = {name.casefold() for name in absent}
    for item in parsed.items:
        for decision in item.decisions:
            if not decision.is_current:
                continue
            for name in decision.absent:
                # Referater spell one name differently from item to item ("van der Star" /
                # "Van der Star"); list each person once.
                if name.casefold() not in seen:
                    seen.add(name.casefold())
                    absent.append(name)
    meeting.absent = absent
    meeting.source_text = document.text
    meeting.source_name = document.name
    meeting.source_format = parsed.source_format or document.source_format
    meeting.source_checksum = document.checksum
    meeting.source_id = parsed.source_id
    meeting.source_url = document.source_url
    if released_at:
        meeting.released_at = released_at
    meeting.parse_warnings = [
        {"code": w.code, "message": w.message, "params": w.params} for w in result.warnings
    ]


def _create_items(
    meeting: Meeting, parsed_items: Sequence[ParsedItem], search_parts: Sequence[str] | None
) -> list[int]:
    """Write the items of a new meeting; return their ids.

    New items have no decisions or attachments to reconcile, and no attachment text yet: the
    items, their decisions and their attachments are written in one statement each (not one
    per item), each item with its compound parts.
    """
    items = [
        _new_item(meeting, parsed_item, index, search_parts) for index, parsed_item in enumerate(parsed_items)
    ]
    _Rows(AgendaItem).bulk_create(items)
    pairs = list(zip(items, parsed_items, strict=True))
    _Rows(Decision).bulk_create([decision for pair in pairs for decision in _new_decisions(*pair)])
    _Rows(Attachment).bulk_create([attachment for pair in pairs for attachment in _new_attachments(*pair)])
    return [item.pk for item in items]


class _Rows(QuerySet):
    """A queryset whose ``bulk_create`` writes one ``INSERT … VALUES (…), (…)`` statement.

    Since Django 5.2, ``bulk_create`` on PostgreSQL sends the rows as one array per column
    (``SELECT * FROM UNNEST(…)``, ticket #35936), which saves planning time for thousands of
    rows. A meeting has a handful, with long texts and JSON: psycopg escapes every quote of
    those arrays in Python and the server parses them again. For the five corpus referater
    that cost the writer 1.7 ms and the server about 1 ms of CPU per referat, of ~27 ms for
    both (bench/ingest_speed.py); plain VALUES rows store the same. SQLite writes VALUES anyway.
    """

    def _insert(self, objs, fields, returning_fields=None, raw=False, using=None, **options):
        self._for_write = True
        query = InsertQuery(self.model, **options)
        query.insert_values(fields, objs, raw=raw)
        compiler = query.get_compiler(using=using or self.db)
        # The generic compiler's rows, instead of the PostgreSQL compiler's UNNEST arrays.
        compiler.assemble_as_sql = SQLInsertCompiler.assemble_as_sql.__get__(compiler)
        return compiler.execute_sql(returning_fields)


def _new_item(
    meeting: Meeting, parsed_item: ParsedItem, index: int, search_parts: Sequence[str] | None
) -> AgendaItem:
    item = AgendaItem(meeting=meeting, number=parsed_item.number)
    _fill_item(item, meeting, parsed_item)
    item.search_parts = search.compound_parts(item) if search_parts is None else search_parts[index]
    return item


def _store_items(meeting: Meeting, parsed: ParsedMeeting, search_parts: Sequence[str] | None) -> list[int]:
    """Update the items of a stored meeting in place by their number; return the ids written.

    Items that are no longer in the referat are deleted; the search index drops them with
    the row (SQLite trigger, PostgreSQL generated column).
    """
    existing = {item.number: item for item in meeting.items.all()}
    wanted = {item.number for item in parsed.items}
    removed = [item.pk for number, item in existing.items() if number not in wanted]
    if removed:
        AgendaItem.objects.filter(pk__in=removed).delete()
    if any(existing[p.number].position != p.position for p in parsed.items if p.number in existing):
        # Every row rewritten here gets new index entries (on PostgreSQL the GIN ones too).
        AgendaItem.objects.filter(meeting=meeting).update(position=_shifted_position())
    changed: list[int] = []
    for index, parsed_item in enumerate(parsed.items):
        item = existing.get(parsed_item.number)
        if item is None:
            item = _new_item(meeting, parsed_item, index, search_parts)
            item.save()
            Decision.objects.bulk_create(_new_decisions(item, parsed_item))
            Attachment.objects.bulk_create(_new_attachments(item, parsed_item))
        else:
            _fill_item(item, meeting, parsed_item)
            item.decisions.all().delete()
            Decision.objects.bulk_create(_new_decisions(item, parsed_item))
            _store_attachments(item, parsed_item)
            # One write of the item: on PostgreSQL each UPDATE of a searched column recomputes
            # the generated tsvector and adds the row's GIN entries again.
            _fill_attachment_text(item)
            item.save()
        changed.append(item.pk)
    return changed


def _shifted_position() -> F:
    # Positions are unique; shift them out of the way before writing the new order.
    return F("position") + 100_000


def _fill_item(item: AgendaItem, meeting: Meeting, parsed: ParsedItem) -> None:
    item.position = parsed.position
    item.title = parsed.title
    item.case_number = parsed.case_number
    item.is_closed = parsed.closed
    item.source_id = parsed.source_id
    item.sections = [{"heading": s.heading, "kind": s.kind, "text": s.text} for s in parsed.sections]
    item.committee = meeting.committee
    item.municipality = meeting.committee.municipality
    item.meeting_date = timezone.localtime(meeting.start).date()
    item.outcome, item.decision_text, item.body_text = item_texts(parsed)


def _new_decisions(item: AgendaItem, parsed: ParsedItem) -> list[Decision]:
    return [
        Decision(
            item=item,
            position=position,
            text=d.text,
            outcome=d.outcome,
            is_current=d.is_current,
            body=d.body,
            decided_on=d.decided_on,
            reference=d.reference,
            parts=[{"label": p.label, "text": p.text, "outcome": p.outcome} for p in d.parts],
            absent=list(d.absent),
            dissent=list(d.dissent),
        )
        for position, d in enumerate(parsed.decisions, start=1)
    ]


def _new_attachments(item: AgendaItem, parsed: ParsedItem) -> list[Attachment]:
    return [
        Attachment(
            item=item,
            position=position,
            title=attachment.title[:500],
            source_id=attachment.source_id,
            url=attachment.url,
        )
        for position, attachment in enumerate(parsed.attachments, start=1)
    ]


def _store_attachments(item: AgendaItem, parsed: ParsedItem) -> None:
    """Match attachments by title so uploaded files and their text survive a correction."""
    existing = {a.title: a for a in item.attachments.all()}
    keep: list[int] = []
    item.attachments.update(position=_shifted_position())
    for position, parsed_attachment in enumerate(parsed.attachments, start=1):
        attachment = existing.pop(parsed_attachment.title, None) or Attachment(item=item)
        attachment.position = position
        attachment.title = parsed_attachment.title[:500]
        attachment.source_id = parsed_attachment.source_id or attachment.source_id
        attachment.url = parsed_attachment.url or attachment.url
        attachment.save()
        keep.append(attachment.pk)
    item.attachments.exclude(pk__in=keep).delete()


def _add_revision(
    meeting: Meeting, document: SourceDocument, *, user=None, note: str = "", first: bool = False
) -> list:
    if first:
        number = 1  # a meeting just created has no revisions to count
    else:
        number = (meeting.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    revision = MeetingRevision(
        meeting=meeting,
        number=number,
        source_text=document.text,
        source_name=document.name,
        source_checksum=document.checksum,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        note=note,
    )
    if document.data is not None:
        revision.source_file.save(_file_name(document), ContentFile(document.data), save=False)
    revision.save()
    return [revision.source_file] if document.data is not None else []


# Attachment text beyond this many characters is not searched (the full text stays on the
# attachment); it keeps every item's tsvector well under PostgreSQL's 1 MB limit.
ATTACHMENT_TEXT_LIMIT = 300_000


def _refresh_attachment_text(item: AgendaItem) -> None:
    """Recompute and save the item's searchable attachment text and compound parts."""
    _fill_attachment_text(item)
    item.save(update_fields=["attachment_text", "search_parts"])


def _fill_attachment_text(item: AgendaItem) -> None:
    """Set the item's searchable attachment text and compound parts from its stored attachments."""
    texts = [
        f"{title}\n{text}"
        for title, text in item.attachments.order_by("position").values_list("title", "text")
        if text
    ]
    item.attachment_text = "\n\n".join(texts)[:ATTACHMENT_TEXT_LIMIT]
    item.search_parts = search.compound_parts(item)


def attach_file(
    attachment: Attachment, *, name: str, data: bytes, content_type: str = "application/pdf"
) -> Attachment:
    """Store an attachment's PDF, extract its text in the sandbox and make it searchable.

    Raises ``ReferatError`` (with a Danish message) for a PDF that cannot be read; then
    nothing is stored.
    """
    text = extract_pdf_text_sandboxed(data)
    saved = None
    try:
        with transaction.atomic():
            attachment.file.save(Path(name).name or "bilag.pdf", ContentFile(data), save=False)
            saved = attachment.file
            attachment.text = text
            attachment.content_type = content_type
            attachment.size = len(data)
            attachment.checksum = hashlib.sha256(data).hexdigest()
            attachment.uploaded_at = timezone.now()
            attachment.save()
            _refresh_attachment_text(attachment.item)
            search.index_items([attachment.item_id])
    except BaseException:
        if saved is not None:
            saved.storage.delete(saved.name)
        raise
    return attachment
