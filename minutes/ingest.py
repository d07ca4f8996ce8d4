"""The one writer: turn parsed referater into rows, one transaction per document.

Sources (text, Markdown, PDF, FirstAgenda JSON) are read into ``ParseResult`` first
(``minutes.parsing`` / ``minutes.sources``); ``store_meeting`` writes that result keyed
by natural keys, so that a re-run creates nothing new, a corrected version updates the
meeting in place (same URLs), and a failure leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
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
from minutes.parsing import parse_referat
from minutes.parsing.types import (
    Notice,
    ParsedItem,
    ParsedMeeting,
    ParseResult,
    ReferatError,
    gettext_noop,
)
from minutes.sandbox import extract_pdf_text_sandboxed
from minutes.search import state as search_state
from minutes.text import danish_slugify

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".json")

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
FAILED = "failed"


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
class IngestResult:
    name: str
    status: str
    meeting: Meeting | None = None
    municipality: str = ""
    municipality_inferred: bool = False
    warnings: tuple[Notice, ...] = ()
    error: Notice | None = None
    items: int = 0


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
    try:
        data = path.read_bytes()
    except OSError as exc:
        notice = Notice("unreadable", gettext_noop("Filen kunne ikke læses: {error}"), {"error": str(exc)})
        return IngestResult(str(path), FAILED, error=notice)
    return ingest_bytes(path.name, data, municipality=municipality, user=user, label=str(path))


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
    label = label or name
    try:
        document = read_source(name, data, source_url=source_url)
        result = parse_source(document, municipality=municipality)
        return store_meeting(result, document=document, municipality=municipality, user=user, label=label)
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
) -> IngestResult:
    """Write one parsed meeting in one transaction; update in place when it exists."""
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
        changed_ids = _store_items(meeting, parsed)
        saved_files.extend(_add_revision(meeting, document, user=user, note=note))
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


def _store_items(meeting: Meeting, parsed: ParsedMeeting) -> list[int]:
    """Update items in place by their number; return the ids written.

    Items that are no longer in the referat are deleted; the search index drops them with
    the row (SQLite trigger, PostgreSQL generated column).
    """
    existing = {item.number: item for item in meeting.items.all()}
    wanted = {item.number for item in parsed.items}
    removed = [item.pk for number, item in existing.items() if number not in wanted]
    if removed:
        AgendaItem.objects.filter(pk__in=removed).delete()
    AgendaItem.objects.filter(meeting=meeting).update(position=_shifted_position())
    changed: list[int] = []
    for parsed_item in parsed.items:
        item = existing.get(parsed_item.number)
        if item is None:
            # A new item has no decisions or attachments to reconcile, and no attachment
            # text yet: write it with its compound parts in one go.
            item = AgendaItem(meeting=meeting, number=parsed_item.number)
            _fill_item(item, meeting, parsed_item)
            item.search_parts = search.compound_parts(item)
            item.save()
            _create_decisions(item, parsed_item)
            Attachment.objects.bulk_create(_new_attachments(item, parsed_item))
        else:
            _fill_item(item, meeting, parsed_item)
            item.save()
            item.decisions.all().delete()
            _create_decisions(item, parsed_item)
            _store_attachments(item, parsed_item)
            _refresh_attachment_text(item)
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
    current = [d for d in parsed.decisions if d.is_current]
    item.outcome = current[0].outcome if current else ""
    item.decision_text = "\n\n".join(d.text for d in current)
    item.body_text = "\n\n".join(f"{s.heading}\n{s.text}" if s.heading else s.text for s in parsed.sections)


def _create_decisions(item: AgendaItem, parsed: ParsedItem) -> None:
    Decision.objects.bulk_create(
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
    )


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


def _add_revision(meeting: Meeting, document: SourceDocument, *, user=None, note: str = "") -> list:
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
    """Recompute the item's searchable attachment text and compound parts."""
    texts = [
        f"{title}\n{text}"
        for title, text in item.attachments.order_by("position").values_list("title", "text")
        if text
    ]
    item.attachment_text = "\n\n".join(texts)[:ATTACHMENT_TEXT_LIMIT]
    item.search_parts = search.compound_parts(item)
    item.save(update_fields=["attachment_text", "search_parts"])


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
