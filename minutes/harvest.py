"""Harvest FirstAgenda Publication portals: the archive fills itself from the municipalities' sites.

One run reads a portal's committee list, then fetches each released meeting that the archive
does not hold yet or that the portal released again since it was stored, maps it
(``minutes.sources.firstagenda``) and stores it through the one writer (``minutes.ingest``),
one transaction per meeting. Attachment PDFs are then downloaded and their text extracted
through ``attach_file``, the sandboxed path uploads use. ``minutes.sources.portal`` does
the HTTP: User-Agent, rate limit, timeouts, retries with backoff.

The run is incremental and can be interrupted at any point and started again:

- A meeting whose ``ReleasedDate`` in the list equals the stored ``Meeting.released_at``
  is not fetched. Without a ``ReleasedDate`` the meeting is fetched and its checksum
  decides (``store_meeting`` reports "unchanged").
- An attachment is downloaded when it has no file yet, or when the portal now lists
  another document under it; so downloads cut short by an interruption or a broken
  link are tried again on the next run, and nothing else is.
- A meeting the portal lists twice at the same start (agenda and minutes, or a
  supplementary agenda) is harvested once, from the fullest entry; the minutes
  complete the stored agenda in place.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from minutes.ingest import (
    CREATED,
    FAILED,
    UNCHANGED,
    UPDATED,
    SourceDocument,
    attach_file,
    get_municipality,
    store_meeting,
)
from minutes.models import Attachment, Meeting, Municipality
from minutes.parsing.types import Notice, ReferatError, gettext_noop
from minutes.sources.firstagenda import (
    SOURCE_FORMAT,
    PortalMeeting,
    map_committee_list,
    map_meeting,
    same_body,
)
from minutes.sources.portal import PortalClient, PortalError, user_agent
from minutes.text import danish_slugify

logger = logging.getLogger(__name__)

SKIPPED = "skipped"
DEFAULT_RATE = 2.0  # requests per second and portal
DEFAULT_TIMEOUT = 20.0
DEFAULT_RETRIES = 3
DEFAULT_PORTALS_FILE = Path(__file__).resolve().parent / "data" / "portals.toml"
ATTACHMENT_UNAVAILABLE = "attachment_unavailable"


class PortalListError(ValueError):
    """The file of known portals cannot be read."""


@dataclass(frozen=True)
class KnownPortal:
    municipality: str
    url: str


@dataclass(frozen=True)
class MeetingReport:
    """What the harvest did with one meeting of the list."""

    meeting_id: str
    committee: str
    start: datetime | None
    status: str  # CREATED, UPDATED, UNCHANGED, FAILED or SKIPPED
    fetched: bool = False
    items: int = 0
    attachments: int = 0  # downloaded in this run
    meeting: Meeting | None = None
    error: str = ""  # why it failed, naming the meeting (and the field, for odd JSON)
    reason: str = ""  # why it was skipped
    warnings: tuple[Notice, ...] = ()

    @property
    def label(self) -> str:
        when = f" {self.start:%Y-%m-%d %H:%M}" if self.start else ""
        return f"{self.committee or '?'}{when} ({self.meeting_id})"

    @property
    def attachment_problems(self) -> int:
        return sum(w.code == ATTACHMENT_UNAVAILABLE for w in self.warnings)


@dataclass
class HarvestSummary:
    """The outcome of harvesting one portal."""

    municipality: str
    portal_url: str
    listed: int = 0
    reports: list[MeetingReport] = field(default_factory=list)
    error: str = ""  # the portal as a whole failed (its committee list)

    def count(self, status: str) -> int:
        return sum(report.status == status for report in self.reports)

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def updated(self) -> int:
        return self.count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def failed(self) -> int:
        return self.count(FAILED)

    @property
    def skipped(self) -> int:
        return self.count(SKIPPED)

    @property
    def fetched(self) -> int:
        return sum(report.fetched for report in self.reports)

    @property
    def items(self) -> int:
        """Items of the meetings stored in this run (created or updated)."""
        return sum(r.items for r in self.reports if r.status in (CREATED, UPDATED))

    @property
    def attachments(self) -> int:
        return sum(report.attachments for report in self.reports)

    @property
    def attachment_problems(self) -> int:
        return sum(report.attachment_problems for report in self.reports)

    @property
    def ok(self) -> bool:
        return not self.error and not self.failed


class HarvestProgress:
    """Receives progress of a long run; the command prints it. The default ignores it."""

    def portal_started(self, municipality: str, portal_url: str) -> None:
        """Report that a portal's committee list is about to be read."""

    def portal_listed(self, summary: HarvestSummary, selected: int) -> None:
        """Report the number of meetings listed and the number that will be looked at."""

    def meeting_done(self, report: MeetingReport, index: int, total: int) -> None:
        """Report one meeting handled (``index`` of ``total``)."""


def make_client(
    portal_url: str,
    *,
    rate_limit: float = DEFAULT_RATE,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    contact: str | None = None,
) -> PortalClient:
    """Return a client for one portal that names the archive and its contact."""
    if contact is None:
        contact = getattr(settings, "ARCHIVE_CONTACT", "")
    return PortalClient(
        portal_url,
        user_agent=user_agent(contact),
        rate_limit=rate_limit,
        timeout=timeout,
        retries=retries,
    )


def harvest_portal(
    portal_url: str,
    *,
    municipality: str,
    since: date | None = None,
    committees: Sequence[str] = (),
    client: PortalClient | None = None,
    progress: HarvestProgress | None = None,
    rate_limit: float = DEFAULT_RATE,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    contact: str | None = None,
) -> HarvestSummary:
    """Harvest one portal into ``municipality``; never raise for a portal's failures, report them.

    ``since`` keeps meetings on or after that date; ``committees`` keeps meetings of
    those committees (named with or without the election period). ``client`` replaces
    the client built from the other options (tests inject one).
    """
    progress = progress or HarvestProgress()
    client = client or make_client(
        portal_url, rate_limit=rate_limit, timeout=timeout, retries=retries, contact=contact
    )
    started = timezone.now()
    summary = HarvestSummary(municipality, client.base_url)
    progress.portal_started(municipality, client.base_url)
    errors: list[ReferatError] = []
    try:
        listed = map_committee_list(client.committee_list(), errors=errors)
    except (PortalError, ReferatError) as error:
        summary.error = f"Udvalgslisten kunne ikke læses: {error}"
        progress.portal_listed(summary, 0)
        return summary
    summary.listed = len(listed) + len(errors)
    for error in errors:
        meeting_id = str(error.notice.params.get("meeting", ""))
        summary.reports.append(MeetingReport(meeting_id, "", None, FAILED, error=str(error)))

    chosen, passed_over = _select(listed, since=since, committees=committees, now=started)
    summary.reports.extend(passed_over)
    progress.portal_listed(summary, len(chosen))
    for index, portal_meeting in enumerate(chosen, start=1):
        report = _harvest_meeting(client, portal_meeting, municipality=municipality)
        summary.reports.append(report)
        progress.meeting_done(report, index, len(chosen))

    _record_portal(municipality, client.base_url, harvested_at=started)
    return summary


def harvest_known_portals(
    portals: Iterable[KnownPortal], *, progress: HarvestProgress | None = None, **options
) -> list[HarvestSummary]:
    """Harvest each portal in turn, each with its own client (and its own rate limit)."""
    summaries = []
    for portal in portals:
        try:
            summary = harvest_portal(
                portal.url, municipality=portal.municipality, progress=progress, **options
            )
        except ValueError as error:  # a malformed URL in the file
            summary = HarvestSummary(portal.municipality, portal.url, error=str(error))
        summaries.append(summary)
    return summaries


def portals_file() -> Path:
    """Return the file of known portals: ``ARCHIVE_PORTALS_FILE`` when set, else the bundled one."""
    return Path(getattr(settings, "ARCHIVE_PORTALS_FILE", "") or DEFAULT_PORTALS_FILE)


def load_portals(path: Path | None = None) -> list[KnownPortal]:
    """Read the known portals: ``[[portal]]`` tables with ``municipality`` and ``url``."""
    path = path or portals_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PortalListError(f"{path}: {error}") from None
    entries = data.get("portal")
    if not isinstance(entries, list) or not entries:
        raise PortalListError(f"{path}: no [[portal]] entries")
    portals = []
    for number, entry in enumerate(entries, start=1):
        municipality = entry.get("municipality") if isinstance(entry, dict) else None
        url = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(municipality, str) or not municipality.strip():
            raise PortalListError(f"{path}: portal {number} has no municipality")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise PortalListError(f"{path}: portal {number} ({municipality}) has no http(s) url")
        portals.append(KnownPortal(municipality.strip(), url.strip().rstrip("/")))
    return portals


def find_portal(*, municipality: str = "", url: str = "", path: Path | None = None) -> KnownPortal | None:
    """Return the known portal of ``municipality`` or at ``url``: from the file, else the archive."""
    wanted_url = url.rstrip("/")
    for portal in load_portals(path):
        if (municipality and portal.municipality.casefold() == municipality.casefold()) or (
            wanted_url and portal.url == wanted_url
        ):
            return portal
    if municipality:
        stored = Municipality.objects.filter(name__iexact=municipality).exclude(portal_url="").first()
        if stored:
            return KnownPortal(stored.name, stored.portal_url.rstrip("/"))
    return None


# --- choosing the meetings ------------------------------------------------------------


def _select(
    listed: list[PortalMeeting], *, since: date | None, committees: Sequence[str], now: datetime
) -> tuple[list[PortalMeeting], list[MeetingReport]]:
    """Return the meetings to look at, oldest first, and reports of those passed over."""
    passed_over = []
    groups: dict[tuple[str, datetime], list[PortalMeeting]] = {}
    for meeting in listed:
        if since and meeting.start.date() < since:
            continue
        if committees and not any(same_body(meeting.committee_name, name) for name in committees):
            continue
        if meeting.released and meeting.released > now:
            passed_over.append(_skipped(meeting, "ikke frigivet endnu"))
            continue
        groups.setdefault((meeting.committee_name.casefold(), meeting.start), []).append(meeting)
    chosen = []
    for entries in groups.values():
        best = max(entries, key=_fullness)
        chosen.append(best)
        passed_over.extend(
            _skipped(other, f"samme møde som {best.meeting_id}") for other in entries if other is not best
        )
    chosen.sort(key=lambda meeting: (meeting.start, meeting.committee_name))
    return chosen, passed_over


def _fullness(meeting: PortalMeeting) -> tuple:
    # The minutes over the agenda, the agenda over a supplementary agenda, then the newest.
    released = meeting.released.timestamp() if meeting.released else 0.0
    return (not meeting.supplementary, meeting.name.casefold() == "referat", released)


def _skipped(meeting: PortalMeeting, reason: str) -> MeetingReport:
    return MeetingReport(meeting.meeting_id, meeting.committee_name, meeting.start, SKIPPED, reason=reason)


def _stored_meeting(municipality: str, listed: PortalMeeting) -> Meeting | None:
    """Return the archive's meeting for a listed one: by portal id, else by committee and start."""
    in_municipality = Meeting.objects.filter(committee__municipality__name__iexact=municipality)
    return (
        in_municipality.filter(source_id=listed.meeting_id).first()
        or in_municipality.filter(committee__name__iexact=listed.committee_name, start=listed.start).first()
    )


# --- one meeting ------------------------------------------------------------------------


def _harvest_meeting(client: PortalClient, listed: PortalMeeting, *, municipality: str) -> MeetingReport:
    base = {"meeting_id": listed.meeting_id, "committee": listed.committee_name, "start": listed.start}
    stored = _stored_meeting(municipality, listed)
    if stored is not None and listed.released is not None and stored.released_at == listed.released:
        downloaded, problems = _download_attachments(client, stored, before={})
        return MeetingReport(
            **base,
            status=UNCHANGED,
            items=stored.items.count(),
            attachments=downloaded,
            meeting=stored,
            warnings=tuple(problems),
        )

    try:
        data, text = client.meeting_source(listed.meeting_id)
    except PortalError as error:
        if error.status == 404 and listed.released is None:
            # Listed without a release date and not served: not published yet.
            return MeetingReport(**base, status=SKIPPED, fetched=True, reason="ikke offentliggjort")
        return MeetingReport(**base, status=FAILED, fetched=True, error=str(error))

    try:
        result = map_meeting(data, municipality=municipality, source_url=client.base_url)
        if not result.meeting.items:
            # An announced meeting without items has nothing to archive yet (and a stored
            # one must not be emptied by it).
            return MeetingReport(**base, status=SKIPPED, fetched=True, reason="ingen punkter offentliggjort")
        before = _attachment_files(stored)
        document = SourceDocument(
            name=f"{listed.meeting_id}.json",
            text=text,
            source_format=SOURCE_FORMAT,
            source_url=client.meeting_url(listed.meeting_id),
        )
        stored_result = store_meeting(
            result,
            document=document,
            municipality=municipality,
            released_at=listed.released,
            label=listed.meeting_id,
        )
    except ReferatError as error:
        return MeetingReport(**base, status=FAILED, fetched=True, error=str(error))
    except Exception as error:  # one meeting's failure must not stop the others
        logger.exception("harvest of meeting %s failed", listed.meeting_id)
        message = (
            f"Uventet fejl i møde {listed.meeting_id} ({type(error).__name__}: {error}); intet blev gemt."
        )
        return MeetingReport(**base, status=FAILED, fetched=True, error=message)

    meeting = stored_result.meeting
    downloaded, problems = _download_attachments(client, meeting, before=before)
    return MeetingReport(
        **base,
        status=stored_result.status,
        fetched=True,
        items=stored_result.items,
        attachments=downloaded,
        meeting=meeting,
        warnings=(*stored_result.warnings, *problems),
    )


def _attachment_files(meeting: Meeting | None) -> dict[int, str]:
    """Return the source id each attachment's stored file was downloaded for."""
    if meeting is None:
        return {}
    return dict(
        Attachment.objects.filter(item__meeting=meeting).exclude(file="").values_list("pk", "source_id")
    )


def _download_attachments(
    client: PortalClient, meeting: Meeting, *, before: dict[int, str]
) -> tuple[int, list[Notice]]:
    """Download the meeting's attachments that lack a file (or whose document changed).

    A missing or unreadable PDF is a warning on its item, kept with the meeting's other
    warnings until a later run gets it; the meeting stays stored.
    """
    downloaded = 0
    problems: list[Notice] = []
    attachments = (
        Attachment.objects.filter(item__meeting=meeting)
        .exclude(source_id="")
        .select_related("item")
        .order_by("item__position", "position")
    )
    for attachment in attachments:
        replaced = attachment.pk in before and before[attachment.pk] != attachment.source_id
        if attachment.file and not replaced:
            continue
        try:
            data = client.attachment(attachment.source_id)
            attach_file(attachment, name=_file_name(attachment), data=data)
        except (PortalError, ReferatError) as error:
            problems.append(
                Notice(
                    ATTACHMENT_UNAVAILABLE,
                    gettext_noop("Punkt {number}: bilaget «{title}» kunne ikke hentes eller læses: {error}"),
                    {
                        "number": attachment.item.number,
                        "title": attachment.title,
                        "source_id": attachment.source_id,
                        "error": str(error),
                    },
                )
            )
            continue
        downloaded += 1
    _keep_attachment_warnings(meeting, problems)
    return downloaded, problems


def _keep_attachment_warnings(meeting: Meeting, problems: list[Notice]) -> None:
    """Store this run's attachment warnings with the meeting, replacing the previous run's."""
    stored = Meeting.objects.filter(pk=meeting.pk).values_list("parse_warnings", flat=True).first()
    current = list(stored or [])
    wanted = [w for w in current if w.get("code") != ATTACHMENT_UNAVAILABLE] + [
        {"code": p.code, "message": p.message, "params": p.params} for p in problems
    ]
    if wanted != current:
        Meeting.objects.filter(pk=meeting.pk).update(parse_warnings=wanted)


def _file_name(attachment: Attachment) -> str:
    return f"{danish_slugify(attachment.title)[:80] or 'bilag'}.pdf"


def _record_portal(municipality: str, portal_url: str, *, harvested_at: datetime) -> None:
    """Remember the portal and when it was read, so the next run and the admin know."""
    # A portal with nothing to store yet still belongs to its municipality.
    muni = get_municipality(municipality)
    Municipality.objects.filter(pk=muni.pk).update(portal_url=portal_url, last_harvested_at=harvested_at)
