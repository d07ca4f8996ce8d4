"""The archive's data model.

Municipality → Committee → Meeting → AgendaItem → Decision / Attachment. Every table has
a unique constraint on its natural key, so a re-run of an ingest can never store a thing
twice. ``minutes.ingest`` is the only writer; models hold no business logic in ``save()``.

AgendaItem carries a few denormalised columns (committee, municipality, meeting date,
outcome, decision and body text). Search filters, facets and sorts read them from the
one table that is searched, instead of joining four tables for every hit; the ingest
service keeps them in step inside the same transaction that writes the item.
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minutes.parsing import types as parsed


class Outcome(models.TextChoices):
    APPROVED = parsed.OUTCOME_APPROVED, _("Godkendt")
    NOTED = parsed.OUTCOME_NOTED, _("Taget til efterretning")
    RECOMMENDED = parsed.OUTCOME_RECOMMENDED, _("Anbefalet")
    DISCUSSED = parsed.OUTCOME_DISCUSSED, _("Drøftet")
    REJECTED = parsed.OUTCOME_REJECTED, _("Afvist")
    POSTPONED = parsed.OUTCOME_POSTPONED, _("Udsat")
    OTHER = parsed.OUTCOME_OTHER, _("Andet")


_OUTCOME_LABELS = dict(Outcome.choices)


def outcome_label(code: str) -> str:
    """Return the readable label of an outcome code ("approved" → "Godkendt"), "" for none.

    A dict read, not ``get_outcome_display()``, which rebuilds the choices' dict on every call
    (20 times for a page of search results).
    """
    return str(_OUTCOME_LABELS.get(code, code or ""))


class SectionKind(models.TextChoices):
    RESUME = parsed.SECTION_RESUME, _("Resumé")
    CASE_FLOW = parsed.SECTION_CASE_FLOW, _("Sagens gang")
    RECOMMENDATION = parsed.SECTION_RECOMMENDATION, _("Indstilling")
    DESCRIPTION = parsed.SECTION_DESCRIPTION, _("Sagsfremstilling")
    ECONOMY = parsed.SECTION_ECONOMY, _("Økonomi")
    LEGAL = parsed.SECTION_LEGAL, _("Lovgrundlag")
    HEARING = parsed.SECTION_HEARING, _("Høring")
    PREVIOUS = parsed.SECTION_PREVIOUS, _("Tidligere politisk behandlet")
    VISION = parsed.SECTION_VISION, _("Kobling til vision")
    OTHER = parsed.SECTION_OTHER, _("Andet")


class Municipality(models.Model):
    name = models.CharField(_("navn"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    portal_url = models.URLField(_("portal"), blank=True, help_text=_("FirstAgenda-portal, hvis kendt"))
    last_harvested_at = models.DateTimeField(_("sidst høstet"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("municipality", kwargs={"municipality": self.slug})


class Committee(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="committees")
    name = models.CharField(_("navn"), max_length=200, help_text=_("Uden valgperiode"))
    slug = models.SlugField(_("slug"), max_length=200)

    class Meta:
        ordering = ["municipality__name", "name"]
        verbose_name = _("udvalg")
        verbose_name_plural = _("udvalg")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="committee_unique_name"),
            models.UniqueConstraint(fields=["municipality", "slug"], name="committee_unique_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality})"

    def get_absolute_url(self) -> str:
        return reverse("committee", kwargs={"municipality": self.municipality.slug, "committee": self.slug})


class Meeting(models.Model):
    class Kind(models.TextChoices):
        REFERAT = "referat", _("Referat")
        DAGSORDEN = "dagsorden", _("Dagsorden")

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="meetings")
    start = models.DateTimeField(_("mødestart"))
    # The URL key: the meeting date ("2025-08-14"), with the time appended only when the
    # committee met twice that day. It never changes once given, so links stay valid.
    url_key = models.CharField(max_length=32)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.REFERAT)
    election_period = models.CharField(_("valgperiode"), max_length=20, blank=True)
    location = models.CharField(_("mødested"), max_length=300, blank=True)
    participants = models.JSONField(_("deltagere"), default=list, blank=True)
    absent = models.JSONField(_("fraværende"), default=list, blank=True)

    # The source, kept verbatim so any meeting can be parsed again later.
    source_text = models.TextField(_("kildetekst"))
    source_file = models.FileField(_("kildefil"), upload_to="referater/%Y/", blank=True)
    source_name = models.CharField(_("kildefilnavn"), max_length=300, blank=True)
    source_format = models.CharField(_("kildeformat"), max_length=20, default="text")
    source_checksum = models.CharField(_("kontrolsum (SHA-256)"), max_length=64)
    source_id = models.CharField(_("kilde-id"), max_length=100, blank=True, db_index=True)
    source_url = models.URLField(_("kilde-URL"), blank=True, max_length=500)
    released_at = models.DateTimeField(_("frigivet i kilden"), null=True, blank=True)
    parse_warnings = models.JSONField(_("advarsler ved indlæsning"), default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    corrected_at = models.DateTimeField(_("rettet"), null=True, blank=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("møde")
        verbose_name_plural = _("møder")
        constraints = [
            models.UniqueConstraint(fields=["committee", "start"], name="meeting_unique_start"),
            models.UniqueConstraint(fields=["committee", "url_key"], name="meeting_unique_url_key"),
        ]
        indexes = [models.Index(fields=["start"], name="meeting_start_idx")]

    def __str__(self) -> str:
        return f"{self.committee.name} {self.start:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        committee = self.committee
        return reverse(
            "meeting",
            kwargs={
                "municipality": committee.municipality.slug,
                "committee": committee.slug,
                "meeting": self.url_key,
            },
        )


class MeetingRevision(models.Model):
    """Every version of a meeting's source that was stored, newest last.

    A correction replaces the meeting in place (same URLs); the earlier source stays
    here with who uploaded it and when.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    source_text = models.TextField()
    source_file = models.FileField(upload_to="referater/revisions/%Y/", blank=True)
    source_name = models.CharField(max_length=300, blank=True)
    source_checksum = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("version af møde")
        verbose_name_plural = _("versioner af møder")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} v{self.number}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    number = models.CharField(_("punkt"), max_length=20, help_text=_("Som trykt i referatet"))
    position = models.PositiveIntegerField(_("rækkefølge"))
    title = models.TextField(_("titel"))
    case_number = models.CharField(_("sagsnummer"), max_length=60, blank=True, db_index=True)
    is_closed = models.BooleanField(_("lukket punkt"), default=False)
    # [{"heading": ..., "kind": ..., "text": ...}, ...] in document order.
    sections = models.JSONField(_("afsnit"), default=list, blank=True)
    source_id = models.CharField(max_length=100, blank=True)

    # Denormalised for search, filters and facets (see the module docstring).
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    meeting_date = models.DateField(_("mødedato"))
    outcome = models.CharField(_("udfald"), max_length=20, choices=Outcome.choices, blank=True)
    decision_text = models.TextField(_("beslutning"), blank=True)
    body_text = models.TextField(_("sagstekst"), blank=True)
    # Text of the item's attachments, searched at the lowest weight (capped in length).
    attachment_text = models.TextField(_("bilagstekst"), blank=True)
    # Snowball stems of compound parts ("reform" for "beskæftigelsesreformen"), computed in
    # Python at index time so both search backends index identical extra lexemes.
    search_parts = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["meeting", "position"]
        verbose_name = _("dagsordenspunkt")
        verbose_name_plural = _("dagsordenspunkter")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="item_unique_number"),
            models.UniqueConstraint(fields=["meeting", "position"], name="item_unique_position"),
        ]
        indexes = [
            models.Index(fields=["meeting_date", "id"], name="item_date_idx"),
            models.Index(fields=["municipality", "meeting_date"], name="item_muni_date_idx"),
            models.Index(fields=["committee", "meeting_date"], name="item_committee_date_idx"),
            models.Index(fields=["outcome"], name="item_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"Punkt {self.number}: {self.title}"

    def get_absolute_url(self) -> str:
        # The denormalised committee and municipality equal the meeting's; reading them
        # here lets lists of items build links with select_related on one level only.
        return reverse(
            "item",
            kwargs={
                "municipality": self.municipality.slug,
                "committee": self.committee.slug,
                "meeting": self.meeting.url_key,
                "number": self.number,
            },
        )

    @property
    def slug(self) -> str:
        return f"punkt-{self.number}"


class Decision(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveIntegerField()
    text = models.TextField(_("beslutning"))
    outcome = models.CharField(_("udfald"), max_length=20, choices=Outcome.choices)
    is_current = models.BooleanField(
        _("dette mødes beslutning"),
        default=True,
        help_text=_("Falsk for en tidligere beslutning i et andet udvalg, citeret i sagen"),
    )
    body = models.CharField(_("besluttende organ"), max_length=200, blank=True)
    decided_on = models.DateField(_("besluttet den"), null=True, blank=True)
    reference = models.CharField(_("henvisning"), max_length=100, blank=True)
    # [{"label": "Pkt. 1", "text": ..., "outcome": ...}, ...]
    parts = models.JSONField(_("delbeslutninger"), default=list, blank=True)
    absent = models.JSONField(_("ikke til stede"), default=list, blank=True)
    dissent = models.JSONField(_("mindretal og forbehold"), default=list, blank=True)

    class Meta:
        ordering = ["item", "position"]
        verbose_name = _("beslutning")
        verbose_name_plural = _("beslutninger")
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="decision_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.body or '?'}: {self.text[:60]}"


class Attachment(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="attachments")
    position = models.PositiveIntegerField()
    title = models.CharField(_("titel"), max_length=500)
    file = models.FileField(_("fil"), upload_to="bilag/%Y/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    text = models.TextField(_("udtrukket tekst"), blank=True)
    source_id = models.CharField(max_length=100, blank=True)
    url = models.URLField(blank=True, max_length=500)
    uploaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "position"]
        verbose_name = _("bilag")
        verbose_name_plural = _("bilag")
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="attachment_unique_position"),
        ]

    def __str__(self) -> str:
        return self.title


# --- Clerks: who may upload, what is waiting to be published, what happened ---------------


class StagingStorage(FileSystemStorage):
    """Files waiting for a clerk's decision or a background job, kept outside MEDIA_ROOT.

    They are never served: nothing under ``ARCHIVE_STAGING_ROOT`` has a URL. The location
    is read from settings on every use so tests can point it at a temporary folder.
    """

    @property
    def base_location(self) -> str:
        return str(settings.ARCHIVE_STAGING_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:
        return None


_staging_storage = StagingStorage()


def staging_storage() -> StagingStorage:
    return _staging_storage


class ClerkMembership(models.Model):
    """A clerk may upload and correct referater for the municipalities listed here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clerk_memberships"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="clerk_memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality__name", "user__username"]
        verbose_name = _("sekretær for kommune")
        verbose_name_plural = _("sekretærer for kommuner")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="clerk_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.municipality}"


class PendingUpload(models.Model):
    """An uploaded referat waiting for the clerk to publish or discard it.

    The file stays in staging storage until then; publishing reads the same bytes again
    (checked against ``checksum``), so what was previewed is what is published.
    """

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Behandles")
        READY = "ready", _("Klar til offentliggørelse")
        FAILED = "failed", _("Afvist")
        PUBLISHED = "published", _("Offentliggjort")
        DISCARDED = "discarded", _("Kasseret")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROCESSING)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="pending_uploads"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="pending_uploads")
    committee_override = models.CharField(_("udvalg (valgt)"), max_length=200, blank=True)
    file = models.FileField(_("fil"), storage=staging_storage, upload_to="referater/%Y/%m/", blank=True)
    original_name = models.CharField(_("filnavn"), max_length=300)
    source_format = models.CharField(_("kildeformat"), max_length=20)
    size = models.PositiveBigIntegerField(_("størrelse"))
    checksum = models.CharField(_("kontrolsum (SHA-256)"), max_length=64)
    # The text the parser read: PDF text extracted by the worker, or the decoded text file.
    text = models.TextField(blank=True)
    # What the parser recognised, as shown in the preview (see minutes.clerk.preview_of).
    preview = models.JSONField(default=dict, blank=True)
    error = models.JSONField(default=dict, blank=True)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="pending_uploads"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("indsendt referat")
        verbose_name_plural = _("indsendte referater")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"


class Job(models.Model):
    """A piece of work for the background worker (``manage.py run_jobs``)."""

    class Kind(models.TextChoices):
        EXTRACT_REFERAT = "extract_referat", _("Udtræk tekst af referat")
        ATTACH_FILE = "attach_file", _("Udtræk tekst af bilag")

    class Status(models.TextChoices):
        QUEUED = "queued", _("I kø")
        RUNNING = "running", _("I gang")
        DONE = "done", _("Færdig")
        FAILED = "failed", _("Mislykkedes")

    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    upload = models.ForeignKey(
        PendingUpload, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    attachment = models.ForeignKey(
        Attachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    # For ATTACH_FILE: the uploaded PDF, staged until the worker has read it.
    file = models.FileField(storage=staging_storage, upload_to="bilag/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("baggrundsjob")
        verbose_name_plural = _("baggrundsjob")
        indexes = [models.Index(fields=["status", "created_at"], name="job_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"


class AuditEvent(models.Model):
    """Who did what, when: every upload, publish, correction, discard and attachment."""

    class Action(models.TextChoices):
        UPLOAD = "upload", _("Uploadet")
        UPLOAD_REJECTED = "upload_rejected", _("Upload afvist")
        PUBLISH = "publish", _("Offentliggjort")
        CORRECT = "correct", _("Rettelse offentliggjort")
        UNCHANGED = "unchanged", _("Offentliggjort uden ændringer")
        PUBLISH_FAILED = "publish_failed", _("Offentliggørelse mislykkedes")
        DISCARD = "discard", _("Kasseret")
        ATTACH_QUEUED = "attach_queued", _("Bilag uploadet")
        ATTACH = "attach", _("Bilag offentliggjort")
        ATTACH_FAILED = "attach_failed", _("Bilag afvist")
        LOGIN_LOCKED = "login_locked", _("Login spærret")

    created_at = models.DateTimeField(_("tidspunkt"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the record survives the user's deletion.
    actor_name = models.CharField(_("bruger"), max_length=150, blank=True)
    action = models.CharField(_("handling"), max_length=30, choices=Action.choices)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    upload = models.ForeignKey(
        PendingUpload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attachment = models.ForeignKey(
        Attachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(_("beskrivelse"), max_length=500, blank=True)
    details = models.JSONField(_("detaljer"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("hændelse")
        verbose_name_plural = _("hændelseslog")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"


class LoginFailure(models.Model):
    """One failed login, counted per username and IP address to lock out guessing."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mislykket login")
        verbose_name_plural = _("mislykkede logins")
        indexes = [models.Index(fields=["username", "ip", "created_at"], name="login_failure_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.ip} {self.created_at:%Y-%m-%d %H:%M}"


class SearchIndexState(models.Model):
    """What built the search index on this database: the text-analysis version and when.

    Compound parts are computed in Python with a versioned lexicon; when the code's
    ``LEXICON_VERSION`` differs from the one recorded here, the index is stale and
    ``rebuild_search_index`` must run (a system check says so).
    """

    key = models.CharField(max_length=40, unique=True, default="default")
    lexicon_version = models.CharField(max_length=100)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    items = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("søgeindeks")
        verbose_name_plural = _("søgeindeks")

    def __str__(self) -> str:
        if self.rebuilt_at:
            return f"{self.lexicon_version} ({self.rebuilt_at:%Y-%m-%d %H:%M})"
        return self.lexicon_version
