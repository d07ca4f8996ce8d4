"""Clerk services: permissions, staging an upload, preview, publish, discard, bilag, audit, jobs.

A clerk's upload goes through three steps, and the archive changes only in the last:

1. ``stage_upload`` checks the file (size, type from its content) and keeps it in staging
   storage as a ``PendingUpload``. Text and JSON are parsed at once; a PDF's text is
   extracted by the background worker (``manage.py run_jobs``), because the sandbox may
   take longer than a web request is allowed to.
2. The clerk sees ``PendingUpload.preview``: what the parser recognised, its warnings and
   whether the upload replaces a published meeting.
3. ``publish_upload`` re-checks the permission, reads the same bytes again (checked against
   the stored SHA-256), parses them again, refuses if the result or the archive differ from
   what the preview showed, and hands them to ``minutes.ingest.store_meeting`` in one
   transaction. ``discard_upload`` stores nothing in the archive.

Bilag PDFs are queued as jobs; the worker calls ``minutes.ingest.attach_file``. Every step
is written to ``AuditEvent``. Views stay thin: they call these functions and show
``ReferatError`` notices with ``notice_text``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from minutes import ingest
from minutes.ingest import CREATED, UNCHANGED, UPDATED, IngestResult, SourceDocument, parse_source
from minutes.models import (
    Attachment,
    AuditEvent,
    ClerkMembership,
    Job,
    LoginFailure,
    Meeting,
    Municipality,
    PendingUpload,
)
from minutes.parsing.types import Notice, ParseResult, ReferatError, gettext_noop
from minutes.sandbox import extract_pdf_text_sandboxed
from minutes.text import danish_slugify

logger = logging.getLogger(__name__)

Action = AuditEvent.Action

# How many times a job that lost its worker is tried again before it is given up.
MAX_JOB_ATTEMPTS = 3


# --- Messages -------------------------------------------------------------------------


def notice_text(notice: Notice | dict | None) -> str:
    """Return a notice (or its stored dict form) translated into the active language."""
    if not notice:
        return ""
    if isinstance(notice, dict):
        message, params = notice.get("message", ""), notice.get("params") or {}
    else:
        message, params = notice.message, notice.params
    try:
        return gettext(message).format(**params)
    except (KeyError, IndexError, ValueError):
        # A translation that names a placeholder the message lacks must not hide the error.
        return message.format(**params)


def _notice_dict(notice: Notice) -> dict:
    return {"code": notice.code, "message": notice.message, "params": dict(notice.params)}


# --- Permissions ----------------------------------------------------------------------


def is_clerk(user) -> bool:
    """Tell whether ``user`` may use the clerk pages at all (staff, or clerk of a municipality)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_staff or ClerkMembership.objects.filter(user=user).exists()


def clerk_municipalities(user) -> QuerySet[Municipality]:
    """Return the municipalities ``user`` may upload for: all for staff, their own for clerks."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Municipality.objects.none()
    if user.is_staff:
        return Municipality.objects.all()
    return Municipality.objects.filter(clerk_memberships__user=user)


def can_manage(user, municipality: Municipality) -> bool:
    """Tell whether ``user`` may upload and correct referater and bilag for ``municipality``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff:
        return True
    return ClerkMembership.objects.filter(user=user, municipality=municipality).exists()


def require_manage(user, municipality: Municipality) -> None:
    if not can_manage(user, municipality):
        raise PermissionDenied


def require_upload_access(user, upload: PendingUpload) -> None:
    """Allow the clerk who uploaded it (while still a clerk of its municipality), and staff."""
    require_manage(user, upload.municipality)
    if not user.is_staff and upload.uploaded_by_id != user.pk:
        raise PermissionDenied


# --- Audit ----------------------------------------------------------------------------


def record(
    action: str,
    *,
    user=None,
    ip: str | None = None,
    municipality: Municipality | None = None,
    meeting: Meeting | None = None,
    upload: PendingUpload | None = None,
    attachment: Attachment | None = None,
    summary: str = "",
    **details,
) -> AuditEvent:
    """Write one audit event: who did what, when, to which thing."""
    authenticated = getattr(user, "is_authenticated", False)
    return AuditEvent.objects.create(
        action=action,
        actor=user if authenticated else None,
        actor_name=user.get_username() if authenticated else "",
        ip=ip or None,
        municipality=municipality,
        meeting=meeting,
        upload=upload,
        attachment=attachment,
        summary=summary[:500],
        details=details,
    )


# --- Checking files -------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file whose type was confirmed from its content."""

    name: str  # a safe storage name whose extension matches the content
    source_format: str  # "pdf", "text", "markdown", "firstagenda"
    text: str  # decoded text for text and JSON; "" for a PDF (the worker extracts it)


def safe_name(name: str, suffix: str, *, default: str = "referat") -> str:
    """Return a storage name for ``name`` with the extension of its verified content.

    The stored name never keeps an uploader's extension: a file served by its name must not
    be able to turn into HTML or script.
    """
    stem = danish_slugify(Path(name).stem)[:80] or default
    return f"{stem}{suffix}"


def _size_check(name: str, data: bytes, limit: int) -> None:
    if not data.strip():
        raise ReferatError("empty", gettext_noop("Filen {name} er tom."), name=name)
    if len(data) > limit:
        raise ReferatError(
            "too_large",
            gettext_noop(
                "Filen {name} er for stor ({size} MB); den største tilladte størrelse er {limit} MB."
            ),
            name=name,
            size=round(len(data) / 1024 / 1024, 1),
            limit=limit // (1024 * 1024),
        )


def check_referat_file(name: str, data: bytes) -> CheckedFile:
    """Confirm an uploaded referat's type from its content; raise ``ReferatError`` if it is not.

    The name says which type the clerk means (.pdf, .txt, .md or .json); the content must
    prove it: a PDF starts with ``%PDF-``, text has no binary bytes, and JSON is a
    FirstAgenda meeting object.
    """
    _size_check(name, data, settings.ARCHIVE_MAX_UPLOAD_BYTES)
    suffix = Path(name).suffix.lower()
    is_pdf = data.startswith(b"%PDF-")
    if suffix == ".pdf":
        if not is_pdf:
            raise ReferatError(
                "not_pdf",
                gettext_noop("Filen {name} hedder .pdf, men indholdet er ikke en PDF."),
                name=name,
            )
        return CheckedFile(safe_name(name, ".pdf"), "pdf", "")
    if suffix not in (".txt", ".md", ".json"):
        raise ReferatError(
            "unsupported_type",
            gettext_noop("Filtypen {suffix} understøttes ikke; brug .pdf, .txt, .md eller .json."),
            suffix=suffix or "(ingen)",
        )
    if is_pdf:
        raise ReferatError(
            "type_mismatch",
            gettext_noop("Filen {name} er en PDF, men hedder {suffix}. Omdøb den til .pdf."),
            name=name,
            suffix=suffix,
        )
    # The same decoding as `manage.py ingest`: UTF-8, or Windows-1252 from older exports.
    text = ingest.decode_text(data, name)
    if suffix == ".json":
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ReferatError(
                "bad_json",
                gettext_noop("Filen {name} er ikke et FirstAgenda-møde i JSON."),
                name=name,
            )
        return CheckedFile(safe_name(name, ".json"), "firstagenda", text)
    kind = "markdown" if suffix == ".md" else "text"
    return CheckedFile(safe_name(name, ".txt"), kind, text)


def check_attachment_file(name: str, data: bytes) -> str:
    """Confirm an uploaded bilag is a PDF within the size limit; return its storage name."""
    _size_check(name, data, settings.ARCHIVE_MAX_ATTACHMENT_BYTES)
    if not data.startswith(b"%PDF-"):
        raise ReferatError(
            "not_pdf",
            gettext_noop("Bilaget {name} er ikke en PDF; kun PDF-filer kan uploades som bilag."),
            name=name,
        )
    return safe_name(name, ".pdf", default="bilag")


# --- Staging and preview --------------------------------------------------------------


def stage_upload(
    *,
    user,
    municipality: Municipality,
    name: str,
    data: bytes,
    committee: str = "",
    ip: str | None = None,
) -> PendingUpload:
    """Keep an uploaded referat in staging and prepare its preview; the archive is untouched.

    Raise ``ReferatError`` for a file that fails the type or size checks (then nothing is
    staged). A file that passes them is staged; a parse or PDF error later marks the
    upload as failed, with the error shown in its preview.
    """
    require_manage(user, municipality)
    try:
        checked = check_referat_file(name, data)
    except ReferatError as exc:
        record(
            Action.UPLOAD_REJECTED,
            user=user,
            ip=ip,
            municipality=municipality,
            summary=name,
            error=_notice_dict(exc.notice),
        )
        raise
    upload = PendingUpload(
        uploaded_by=user,
        municipality=municipality,
        committee_override=committee.strip()[:200],
        original_name=Path(name).name[:300],
        source_format=checked.source_format,
        size=len(data),
        checksum=hashlib.sha256(data).hexdigest(),
        status=PendingUpload.Status.PROCESSING,
    )
    upload.file.save(checked.name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            upload.save()
            record(
                Action.UPLOAD,
                user=user,
                ip=ip,
                municipality=municipality,
                upload=upload,
                summary=upload.original_name,
                size=upload.size,
                checksum=upload.checksum,
            )
            if checked.source_format == "pdf":
                Job.objects.create(kind=Job.Kind.EXTRACT_REFERAT, upload=upload, created_by=user)
    except BaseException:
        upload.file.storage.delete(upload.file.name)
        raise
    if checked.source_format != "pdf":
        _prepare_preview(upload, checked.text)
    return upload


def _document(upload: PendingUpload, text: str, data: bytes) -> SourceDocument:
    name = Path(upload.file.name).name
    if upload.source_format == "pdf":
        return SourceDocument(name, text, "pdf", data=data)
    return SourceDocument(name, text, upload.source_format)


def _parse(upload: PendingUpload, document: SourceDocument) -> ParseResult:
    """Parse a staged document as it will be stored; raise ``ReferatError`` if it cannot be.

    Parsed without the chosen municipality, so that a referat that names another one is
    noticed; ``store_meeting`` is given the chosen one and stores it under that.
    """
    result = parse_source(document)
    meeting = result.meeting
    notices = list(result.warnings)
    chosen = upload.municipality.name
    if meeting.municipality and meeting.municipality.casefold() != chosen.casefold():
        notices.append(
            Notice(
                "municipality_differs",
                gettext_noop("Referatet ser ud til at være fra {parsed}, men gemmes under {chosen}."),
                {"parsed": meeting.municipality, "chosen": chosen},
            )
        )
    meeting = replace(meeting, municipality=chosen)
    override = upload.committee_override
    if override and override != meeting.committee:
        notices.append(
            Notice(
                "committee_override",
                gettext_noop("Udvalget gemmes som {chosen} (i referatet: {parsed})."),
                {"chosen": override, "parsed": meeting.committee},
            )
        )
        meeting = replace(meeting, committee=override)
    result = ParseResult(meeting=meeting, warnings=tuple(notices))
    # The same checks store_meeting makes, made now so the preview shows the refusal.
    ingest.check_storable(result)
    return result


def preview_of(result: ParseResult) -> dict:
    """Return what the parser recognised, in the JSON form kept on the upload."""
    meeting = result.meeting
    return {
        "committee": meeting.committee,
        "start": meeting.start.isoformat(),
        "kind": meeting.kind,
        "location": meeting.location,
        "election_period": meeting.election_period,
        "source_id": meeting.source_id,
        "participants": [p.name for p in meeting.participants if not p.absent],
        "absent": [p.name for p in meeting.participants if p.absent],
        "items": [
            {
                "number": item.number,
                "title": item.title,
                "case_number": item.case_number,
                "closed": item.closed,
                "outcome": item.decision.outcome if item.decision else "",
                "decision": item.decision.text if item.decision else "",
                "attachments": [a.title for a in item.attachments],
            }
            for item in meeting.items
        ],
        "warnings": [_notice_dict(w) for w in result.warnings],
    }


def _prepare_preview(upload: PendingUpload, text: str) -> None:
    """Parse a staged upload's text; mark it ready with its preview, or failed with the error."""
    data = _read_staged(upload)
    try:
        result = _parse(upload, _document(upload, text, data))
    except ReferatError as exc:
        _fail_upload(upload, exc.notice, user=upload.uploaded_by)
        return
    updated = PendingUpload.objects.filter(pk=upload.pk, status=PendingUpload.Status.PROCESSING).update(
        status=PendingUpload.Status.READY, text=text, preview=preview_of(result)
    )
    if updated:
        upload.refresh_from_db()


def _fail_upload(upload: PendingUpload, notice: Notice, *, user=None) -> None:
    """Mark a staged upload failed, drop its file and record why."""
    updated = PendingUpload.objects.filter(pk=upload.pk, status=PendingUpload.Status.PROCESSING).update(
        status=PendingUpload.Status.FAILED, error=_notice_dict(notice), file="", decided_at=timezone.now()
    )
    if not updated:
        return  # discarded meanwhile: the clerk has moved on
    _delete_staged(upload.file.name)
    upload.refresh_from_db()
    record(
        Action.UPLOAD_REJECTED,
        user=user,
        municipality=upload.municipality,
        upload=upload,
        summary=upload.original_name,
        error=_notice_dict(notice),
    )


def _read_staged(upload: PendingUpload) -> bytes:
    """Return the staged bytes, refusing them if they are not the ones uploaded."""
    if not upload.file:
        raise ReferatError("no_file", gettext_noop("Den uploadede fil findes ikke længere; upload den igen."))
    with upload.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != upload.checksum:
        raise ReferatError(
            "checksum_mismatch",
            gettext_noop("Den gemte fil svarer ikke til den uploadede; upload den igen."),
        )
    return data


def _delete_staged(name: str) -> None:
    if name:
        PendingUpload.file.field.storage.delete(name)


def replaced_meeting(upload: PendingUpload) -> Meeting | None:
    """Return the published meeting this upload would replace (same committee and start), if any."""
    preview = upload.preview
    if not preview:
        return None
    meetings = Meeting.objects.select_related("committee__municipality").filter(
        committee__municipality=upload.municipality, committee__name__iexact=preview["committee"]
    )
    meeting = meetings.filter(start=datetime.fromisoformat(preview["start"])).first()
    if meeting is None and preview.get("source_id"):
        meeting = meetings.filter(source_id=preview["source_id"]).first()
    return meeting


def target_key(meeting: Meeting | None) -> str:
    """Name what a publish would do to the archive: create, or replace one version of a meeting.

    The preview form carries this key; a publish whose key no longer matches is refused, so a
    clerk never replaces something other than what the preview showed.
    """
    return "new" if meeting is None else f"{meeting.pk}:{meeting.source_checksum}"


def is_unchanged(upload: PendingUpload, meeting: Meeting | None) -> bool:
    """Tell whether publishing would store nothing new (the same text is already published)."""
    checksum = hashlib.sha256(upload.text.encode("utf-8")).hexdigest()
    return meeting is not None and meeting.source_checksum == checksum


# --- Publish and discard --------------------------------------------------------------


def publish_upload(
    upload: PendingUpload, *, user, expected_target: str, ip: str | None = None
) -> IngestResult:
    """Publish a staged upload into the archive in one transaction; raise ``ReferatError`` if not.

    Nothing is published unless every step succeeds: the permission (checked again), the
    staged bytes (checked against their SHA-256), the parse (same preview as shown) and the
    archive (the same meeting version as shown) must all hold.
    """
    require_upload_access(user, upload)
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = PendingUpload.objects.select_for_update().get(pk=upload.pk)
            if locked.status != PendingUpload.Status.READY:
                raise ReferatError(
                    "not_ready",
                    gettext_noop("Referatet kan ikke offentliggøres nu (status: {status})."),
                    status=str(locked.get_status_display()).lower(),
                )
            data = _read_staged(locked)
            text = locked.text if locked.source_format == "pdf" else check_referat_text(locked, data)
            document = _document(locked, text, data)
            result = _parse(locked, document)
            if preview_of(result) != locked.preview:
                raise ReferatError(
                    "stale_preview",
                    gettext_noop("Referatet læses ikke længere som i forhåndsvisningen; upload det igen."),
                )
            if target_key(replaced_meeting(locked)) != expected_target:
                raise ReferatError(
                    "archive_changed",
                    gettext_noop(
                        "Arkivet er ændret, siden forhåndsvisningen blev vist (mødet er offentliggjort "
                        "eller rettet imens). Se forhåndsvisningen igen, før du offentliggør."
                    ),
                )
            outcome = ingest.store_meeting(
                result,
                document=document,
                municipality=locked.municipality.name,
                user=user,
                label=locked.original_name,
                note=f"{locked.original_name} ({user.get_username()})"[:300],
            )
            written = _files_written(outcome, document)
            locked.status = PendingUpload.Status.PUBLISHED
            locked.meeting = outcome.meeting
            locked.decided_at = timezone.now()
            staged_name, locked.file = locked.file.name, ""
            locked.save(update_fields=["status", "meeting", "decided_at", "file"])
            action = {CREATED: Action.PUBLISH, UPDATED: Action.CORRECT, UNCHANGED: Action.UNCHANGED}
            record(
                action[outcome.status],
                user=user,
                ip=ip,
                municipality=locked.municipality,
                meeting=outcome.meeting,
                upload=locked,
                summary=f"{outcome.meeting} ({locked.original_name})",
                items=outcome.items,
                checksum=locked.checksum,
            )
    except Exception as exc:
        for name in written:
            _delete_archive_file(name)
        notice = (
            exc.notice
            if isinstance(exc, ReferatError)
            else Notice(
                "internal_error",
                gettext_noop("Uventet fejl under offentliggørelsen ({error}); intet blev gemt."),
                {"error": type(exc).__name__},
            )
        )
        if not isinstance(exc, ReferatError):
            logger.exception("publishing upload %s failed", upload.pk)
        record(
            Action.PUBLISH_FAILED,
            user=user,
            ip=ip,
            municipality=upload.municipality,
            upload=upload,
            summary=upload.original_name,
            error=_notice_dict(notice),
        )
        if isinstance(exc, ReferatError):
            raise
        raise ReferatError(notice.code, notice.message, **notice.params) from exc
    _delete_staged(staged_name)
    upload.refresh_from_db()
    return outcome


def check_referat_text(upload: PendingUpload, data: bytes) -> str:
    """Decode a staged text or JSON upload again, exactly as at upload time."""
    return check_referat_file(upload.file.name, data).text


def _files_written(outcome: IngestResult, document: SourceDocument) -> list[str]:
    """Name the files ``store_meeting`` wrote, to remove them if the rest of the publish fails."""
    if outcome.status == UNCHANGED or document.data is None or outcome.meeting is None:
        return []
    names = [outcome.meeting.source_file.name]
    revision = outcome.meeting.revisions.order_by("-number").first()
    if revision is not None and revision.source_file:
        names.append(revision.source_file.name)
    return [name for name in names if name]


def _delete_archive_file(name: str) -> None:
    Meeting.source_file.field.storage.delete(name)


def discard_upload(upload: PendingUpload, *, user, ip: str | None = None) -> None:
    """Throw a staged upload away; nothing reaches the archive."""
    require_upload_access(user, upload)
    with transaction.atomic():
        locked = PendingUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.status in (PendingUpload.Status.PUBLISHED, PendingUpload.Status.DISCARDED):
            raise ReferatError(
                "not_discardable",
                gettext_noop("Referatet kan ikke kasseres (status: {status})."),
                status=str(locked.get_status_display()).lower(),
            )
        staged_name = locked.file.name
        locked.status = PendingUpload.Status.DISCARDED
        locked.file = ""
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "file", "decided_at"])
        record(
            Action.DISCARD,
            user=user,
            ip=ip,
            municipality=locked.municipality,
            upload=locked,
            summary=locked.original_name,
        )
    _delete_staged(staged_name)
    upload.refresh_from_db()


# --- Bilag ----------------------------------------------------------------------------


def meeting_attachments(meeting: Meeting) -> QuerySet[Attachment]:
    return (
        Attachment.objects.filter(item__meeting=meeting)
        .select_related("item")
        .order_by("item__position", "position")
    )


def match_attachment(name: str, attachments: Iterable[Attachment]) -> Attachment | None:
    """Return the listed bilag an uploaded file name stands for, when exactly one fits.

    Names and titles are compared as slugs ("Bilag 2 - Budget 2026.pdf" → "bilag-2-budget-2026"):
    an equal slug wins; otherwise the one title whose slug contains the name's, or is
    contained in it.
    """
    stem = danish_slugify(Path(name).stem)
    if not stem:
        return None
    candidates = list(attachments)
    exact = [a for a in candidates if danish_slugify(a.title) == stem]
    if len(exact) == 1:
        return exact[0]
    partial = [
        a
        for a in candidates
        if (title := danish_slugify(a.title))
        and len(min(title, stem, key=len)) >= 4
        and (stem in title or title in stem)
    ]
    return partial[0] if len(partial) == 1 else None


def _slugs_overlap(title: str, stem: str) -> bool:
    # Four characters at least, so "b" or "bil" match nothing by accident.
    return bool(title) and len(min(title, stem, key=len)) >= 4 and (stem in title or title in stem)


def queue_attachment(attachment: Attachment, *, user, name: str, data: bytes, ip: str | None = None) -> Job:
    """Check an uploaded bilag PDF and queue its text extraction; raise ``ReferatError`` if refused."""
    item = attachment.item
    require_manage(user, item.municipality)
    try:
        stored_name = check_attachment_file(name, data)
    except ReferatError as exc:
        record(
            Action.ATTACH_FAILED,
            user=user,
            ip=ip,
            municipality=item.municipality,
            meeting=item.meeting,
            attachment=attachment,
            summary=f"{attachment.title} ({name})",
            error=_notice_dict(exc.notice),
        )
        raise
    job = Job(kind=Job.Kind.ATTACH_FILE, attachment=attachment, created_by=user, file_name=stored_name)
    job.file.save(stored_name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            job.save()
            record(
                Action.ATTACH_QUEUED,
                user=user,
                ip=ip,
                municipality=item.municipality,
                meeting=item.meeting,
                attachment=attachment,
                summary=f"{attachment.title} ({name})",
                size=len(data),
            )
    except BaseException:
        job.file.storage.delete(job.file.name)
        raise
    return job


def latest_jobs(attachments: Iterable[Attachment]) -> dict[int, Job]:
    """Return each attachment's newest job, by attachment id."""
    latest: dict[int, Job] = {}
    ids = [a.pk for a in attachments]
    for job in Job.objects.filter(attachment_id__in=ids).order_by("created_at", "pk"):
        latest[job.attachment_id] = job
    return latest


# --- Background jobs ------------------------------------------------------------------


def run_jobs(*, max_jobs: int | None = None) -> int:
    """Run queued jobs until none is left (or ``max_jobs`` ran); return how many ran."""
    requeue_stale_jobs()
    count = 0
    while max_jobs is None or count < max_jobs:
        if run_next_job() is None:
            break
        count += 1
    return count


def run_next_job() -> Job | None:
    """Claim the oldest queued job and run it; return it, or None when the queue is empty.

    A job is claimed by a conditional UPDATE, so two workers never run the same job, on
    SQLite (no row locks) as on PostgreSQL.
    """
    while True:
        job = Job.objects.filter(status=Job.Status.QUEUED).order_by("created_at", "pk").first()
        if job is None:
            return None
        claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
        )
        if claimed:
            break
    job.refresh_from_db()
    try:
        if job.kind == Job.Kind.EXTRACT_REFERAT:
            _run_extract_referat(job)
        elif job.kind == Job.Kind.ATTACH_FILE:
            _run_attach_file(job)
        else:
            raise ReferatError("unknown_job", gettext_noop("Ukendt jobtype {kind}."), kind=job.kind)
    except ReferatError as exc:
        _job_failed(job, exc.notice)
    except Exception as exc:
        logger.exception("job %s failed", job.pk)
        _job_failed(
            job,
            Notice(
                "internal_error",
                gettext_noop("Uventet fejl under behandlingen ({error}); intet blev gemt."),
                {"error": type(exc).__name__},
            ),
        )
    else:
        job.status = Job.Status.DONE
    job.finished_at = timezone.now()
    if job.file:
        job.file.storage.delete(job.file.name)
        job.file = ""
    job.save()
    return job


def _run_extract_referat(job: Job) -> None:
    upload = PendingUpload.objects.select_related("municipality", "uploaded_by").get(pk=job.upload_id)
    if upload.status != PendingUpload.Status.PROCESSING:
        return  # discarded while it waited
    data = _read_staged(upload)
    try:
        text = extract_pdf_text_sandboxed(data)
    except ReferatError as exc:
        _fail_upload(upload, exc.notice, user=upload.uploaded_by)
        raise
    _prepare_preview(upload, text)
    upload.refresh_from_db()
    if upload.status == PendingUpload.Status.FAILED:
        raise ReferatError(upload.error["code"], upload.error["message"], **upload.error.get("params", {}))


def _run_attach_file(job: Job) -> None:
    attachment = job.attachment
    if attachment is None:
        raise ReferatError(
            "attachment_gone",
            gettext_noop("Bilaget findes ikke længere i referatet (det er rettet imens); upload det igen."),
        )
    with job.file.open("rb") as handle:
        data = handle.read()
    ingest.attach_file(attachment, name=job.file_name, data=data)
    item = attachment.item
    record(
        Action.ATTACH,
        user=job.created_by,
        municipality=item.municipality,
        meeting=item.meeting,
        attachment=attachment,
        summary=f"{attachment.title} ({job.file_name})",
        size=len(data),
        characters=len(attachment.text),
    )


def _job_failed(job: Job, notice: Notice) -> None:
    job.status = Job.Status.FAILED
    job.error = _notice_dict(notice)
    if job.upload_id:
        upload = PendingUpload.objects.filter(pk=job.upload_id).first()
        if upload is not None and upload.status == PendingUpload.Status.PROCESSING:
            _fail_upload(upload, notice, user=job.created_by)
    if job.kind == Job.Kind.ATTACH_FILE:
        item = job.attachment.item if job.attachment else None
        record(
            Action.ATTACH_FAILED,
            user=job.created_by,
            municipality=item.municipality if item else None,
            meeting=item.meeting if item else None,
            attachment=job.attachment,
            summary=job.file_name,
            error=job.error,
        )


def requeue_stale_jobs() -> int:
    """Queue again the jobs whose worker died mid-way; give up after a few attempts."""
    cutoff = timezone.now() - timedelta(seconds=settings.ARCHIVE_JOB_STALE_SECONDS)
    stale = Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=cutoff)
    count = 0
    for job in stale:
        if job.attempts >= MAX_JOB_ATTEMPTS:
            _job_failed(
                job,
                Notice(
                    "job_abandoned", gettext_noop("Behandlingen blev afbrudt flere gange og er opgivet."), {}
                ),
            )
            job.finished_at = timezone.now()
            job.save()
        else:
            Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(status=Job.Status.QUEUED)
        count += 1
    return count


# --- Login rate limiting --------------------------------------------------------------


def _login_window_start() -> datetime:
    return timezone.now() - timedelta(minutes=settings.ARCHIVE_LOGIN_LOCKOUT_MINUTES)


def _login_key(username: str) -> str:
    return username.strip().casefold()[:150]


def login_locked(username: str, ip: str | None) -> bool:
    """Tell whether logins for ``username`` from ``ip`` are locked after too many failures."""
    recent = LoginFailure.objects.filter(
        username=_login_key(username), ip=ip or None, created_at__gte=_login_window_start()
    )
    return recent.count() >= settings.ARCHIVE_LOGIN_MAX_FAILURES


def record_login_failure(username: str, ip: str | None) -> None:
    """Count one failed login; record a lockout in the audit log when it starts one."""
    LoginFailure.objects.filter(created_at__lt=_login_window_start()).delete()
    LoginFailure.objects.create(username=_login_key(username), ip=ip or None)
    if login_locked(username, ip):
        record(Action.LOGIN_LOCKED, ip=ip, summary=_login_key(username))


def clear_login_failures(username: str, ip: str | None) -> None:
    LoginFailure.objects.filter(username=_login_key(username), ip=ip or None).delete()


def client_ip(request) -> str | None:
    """Return the client's address as the server saw it (a proxy must pass it on as REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None
