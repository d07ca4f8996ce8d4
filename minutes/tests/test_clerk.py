"""Clerk upload: permissions, upload → preview → publish, corrections, bilag, bad files, audit.

Every bad file must get a clear Danish answer and leave no trace in the archive; every
action is tried by an anonymous visitor, a clerk of another municipality, the clerk and
staff. PDFs are built in the tests (see ``test_sandbox``); referater come from the corpus.
"""

from __future__ import annotations

import functools
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from minutes import clerk
from minutes import ingest as ingest_module
from minutes.ingest import ingest_bytes
from minutes.models import (
    AgendaItem,
    Attachment,
    AuditEvent,
    ClerkMembership,
    Committee,
    Decision,
    Job,
    Meeting,
    MeetingRevision,
    Municipality,
    PendingUpload,
)
from minutes.tests.shared import corpus_file, shared_path
from minutes.tests.test_sandbox import (
    decompression_bomb_pdf,
    deeply_nested_pdf,
    image_only_pdf,
    many_pages_pdf,
    text_pdf,
)

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
PASSWORD = "korrekt-hest-batteri-42"
ARCHIVE = (Committee, Meeting, MeetingRevision, AgendaItem, Decision, Attachment)


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARCHIVE_STAGING_ROOT = tmp_path / "staging"
    # Hashing with PBKDF2 takes longer than everything else a test here does.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tight sandbox limits keep the hostile PDFs fast; real limits are larger.
    monkeypatch.setenv("ARCHIVE_PDF_CPU_SECONDS", "1")
    monkeypatch.setenv("ARCHIVE_PDF_TIMEOUT", "20")


@pytest.fixture
def soroe():
    return Municipality.objects.create(name="Sorø Kommune", slug="soroe-kommune")


@pytest.fixture
def ringsted():
    return Municipality.objects.create(name="Ringsted Kommune", slug="ringsted-kommune")


def make_user(username: str, *, municipality=None, staff: bool = False):
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=staff)
    if municipality is not None:
        ClerkMembership.objects.create(user=user, municipality=municipality)
    return user


@pytest.fixture
def users(soroe, ringsted):
    return {
        "clerk": make_user("sekretaer", municipality=soroe),
        "other": make_user("ringsted", municipality=ringsted),
        "staff": make_user("redaktion", staff=True),
        "reader": make_user("laeser"),
    }


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def archive_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ARCHIVE}


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def corpus_bytes(name: str) -> bytes:
    return corpus_file(name).read_bytes()


def post_upload(client, name: str, data: bytes, municipality, committee: str = ""):
    return client.post(
        reverse("clerk_upload"),
        {"municipality": municipality.pk, "committee": committee, "file": SimpleUploadedFile(name, data)},
    )


def run_worker() -> str:
    out = io.StringIO()
    call_command("run_jobs", "--once", stdout=out)
    return out.getvalue()


def publish(client, upload: PendingUpload):
    page = client.get(reverse("clerk_upload_detail", args=[upload.token]))
    target = re.search(r'name="target" value="([^"]*)"', page.content.decode()).group(1)
    return client.post(reverse("clerk_upload_publish", args=[upload.token]), {"target": target})


def staged(client, name: str, data: bytes, municipality, committee: str = "") -> PendingUpload:
    response = post_upload(client, name, data, municipality, committee)
    assert response.status_code == 302, response.content.decode()[:2000]
    return PendingUpload.objects.latest("created_at")


@functools.cache
def referat_pdf(corpus_name: str) -> bytes:
    return text_pdf(corpus_file(corpus_name).read_text(encoding="utf-8").split("\n"))


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


# --- Upload → preview → publish ------------------------------------------------------


def test_text_upload_preview_then_publish(users, soroe, settings):
    client = client_for(users["clerk"])
    response = post_upload(client, "000.txt", corpus_bytes("000"), soroe)
    upload = PendingUpload.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/upload/{upload.token}/")
    assert upload.status == PendingUpload.Status.READY
    assert archive_counts() == dict.fromkeys(archive_counts(), 0), "staging must not touch the archive"

    page = client.get(response["Location"]).content.decode()
    assert "Arbejdsmarkeds og Erhvervsudvalget" in page
    assert "Dianalund Stuen" in page
    for number in range(554, 563):
        assert f"<td>{number}</td>" in page
    assert "15.00.00-G01-15-24" in page  # case number of item 557
    assert "Taget til efterretning." in page  # a decision
    assert "KKR Sjælland - Flygtningefordeling 2026" in page  # an attachment title
    assert "findes ikke i arkivet endnu" in page
    assert "Offentliggør" in page and "Kassér" in page

    response = publish(client, upload)
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clerk_meeting_attachments", args=[meeting.pk])
    assert meeting.committee.municipality == soroe
    assert meeting.items.count() == 9
    revision = meeting.revisions.get()
    assert revision.created_by == users["clerk"] and revision.number == 1
    assert meeting.corrected_at is None
    upload.refresh_from_db()
    assert upload.status == PendingUpload.Status.PUBLISHED and upload.meeting == meeting
    assert not upload.file and stored_files(Path(settings.ARCHIVE_STAGING_ROOT)) == []
    assert actions() == [Action.UPLOAD, Action.PUBLISH]
    event = AuditEvent.objects.get(action=Action.PUBLISH)
    assert event.actor == users["clerk"] and event.meeting == meeting and event.municipality == soroe
    assert event.ip == "127.0.0.1"
    # Published twice? The second attempt is refused and changes nothing.
    again = publish_raw(client, upload, "new")
    assert again.status_code == 302 and Meeting.objects.count() == 1


def publish_raw(client, upload, target: str):
    return client.post(reverse("clerk_upload_publish", args=[upload.token]), {"target": target})


def test_pdf_upload_is_read_by_the_worker(users, soroe):
    client = client_for(users["clerk"])
    data = referat_pdf("003")
    upload = staged(client, "Sønderborg referat.pdf", data, soroe)
    assert upload.status == PendingUpload.Status.PROCESSING
    assert Job.objects.get().kind == Job.Kind.EXTRACT_REFERAT
    page = client.get(reverse("clerk_upload_detail", args=[upload.token])).content.decode()
    assert "i baggrunden" in page and 'http-equiv="refresh"' in page
    assert "Offentliggør" not in page

    assert "1 job(s) run" in run_worker()
    upload.refresh_from_db()
    assert upload.status == PendingUpload.Status.READY, upload.error
    assert Job.objects.get().status == Job.Status.DONE
    assert len(upload.preview["items"]) == 10

    assert publish(client, upload).status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.source_format == "pdf"
    assert meeting.source_file.name.endswith(".pdf") and "soenderborg-referat" in meeting.source_file.name
    assert meeting.source_file.read() == data  # the same bytes that were previewed
    assert meeting.items.filter(is_closed=True).count() == 2


def test_firstagenda_json_upload(users, soroe):
    data = shared_path("firstagenda", "greve", "c0c4eb62-dafe-449b-b06d-75ba7ffe12c4.json").read_bytes()
    client = client_for(users["staff"])
    upload = staged(client, "moede.json", data, soroe)
    assert upload.status == PendingUpload.Status.READY, upload.error
    assert upload.source_format == "firstagenda"
    assert publish(client, upload).status_code == 302
    assert Meeting.objects.get().committee.municipality == soroe


def test_correction_replaces_in_place_and_keeps_the_earlier_version(users, soroe):
    client = client_for(users["clerk"])
    original = corpus_file("001").read_text(encoding="utf-8")
    publish(client, staged(client, "001.md", original.encode(), soroe))
    meeting = Meeting.objects.get()
    url = meeting.get_absolute_url()
    item_ids = dict(meeting.items.values_list("number", "pk"))

    corrected = original.replace(
        "Orienteringen taget til efterretning.", "Orienteringen taget til efterretning med en rettelse.", 1
    )
    assert corrected != original
    upload = staged(client, "001-rettet.md", corrected.encode(), soroe)
    page = client.get(reverse("clerk_upload_detail", args=[upload.token])).content.decode()
    assert "erstatter et offentliggjort møde" in page and url in page
    assert "Offentliggør rettelsen" in page

    assert publish(client, upload).status_code == 302
    assert Meeting.objects.count() == 1
    meeting.refresh_from_db()
    assert meeting.get_absolute_url() == url
    assert meeting.corrected_at is not None
    assert dict(meeting.items.values_list("number", "pk")) == item_ids
    revisions = list(meeting.revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[0].source_text == original and revisions[1].created_by == users["clerk"]
    assert actions() == [Action.UPLOAD, Action.PUBLISH, Action.UPLOAD, Action.CORRECT]


def test_same_version_again_is_announced_and_changes_nothing(users, soroe):
    client = client_for(users["clerk"])
    publish(client, staged(client, "002.txt", corpus_bytes("002"), soroe))
    upload = staged(client, "002.txt", corpus_bytes("002"), soroe)
    page = client.get(reverse("clerk_upload_detail", args=[upload.token])).content.decode()
    assert "identisk med den offentliggjorte" in page
    before = archive_counts()
    publish(client, upload)
    assert archive_counts() == before
    assert Meeting.objects.get().corrected_at is None
    assert actions()[-1] == Action.UNCHANGED


def test_discard_stores_nothing(users, soroe, settings):
    client = client_for(users["clerk"])
    upload = staged(client, "000.txt", corpus_bytes("000"), soroe)
    assert stored_files(Path(settings.ARCHIVE_STAGING_ROOT))
    response = client.post(reverse("clerk_upload_discard", args=[upload.token]))
    assert response.status_code == 302 and response["Location"] == reverse("clerk_dashboard")
    upload.refresh_from_db()
    assert upload.status == PendingUpload.Status.DISCARDED and not upload.file
    assert archive_counts() == dict.fromkeys(archive_counts(), 0)
    assert stored_files(Path(settings.ARCHIVE_STAGING_ROOT)) == []
    assert actions() == [Action.UPLOAD, Action.DISCARD]
    # A discarded upload can no longer be published.
    publish_raw(client, upload, "new")
    assert Meeting.objects.count() == 0


def test_discarding_a_pdf_while_the_worker_waits(users, soroe):
    client = client_for(users["clerk"])
    upload = staged(client, "r.pdf", referat_pdf("003"), soroe)
    client.post(reverse("clerk_upload_discard", args=[upload.token]))
    run_worker()
    upload.refresh_from_db()
    assert upload.status == PendingUpload.Status.DISCARDED and upload.preview == {}


def test_committee_override_and_municipality_warning(users, ringsted):
    client = client_for(users["staff"])
    upload = staged(client, "000.txt", corpus_bytes("000"), ringsted, committee="Beskæftigelsesudvalget")
    page = client.get(reverse("clerk_upload_detail", args=[upload.token])).content.decode()
    assert "Referatet ser ud til at være fra Sorø Kommune, men gemmes under Ringsted Kommune." in page
    assert "Udvalget gemmes som Beskæftigelsesudvalget" in page
    publish(client, upload)
    committee = Meeting.objects.get().committee
    assert (committee.name, committee.municipality) == ("Beskæftigelsesudvalget", ringsted)


def test_warnings_are_shown_translated(users, soroe):
    text = (
        corpus_file("000")
        .read_text(encoding="utf-8")
        .replace("Meddelelser.....\t4", "Orientering.....\t4", 1)
    )
    client = client_for(users["clerk"])
    upload = staged(client, "000.txt", text.encode(), soroe)
    assert [w["code"] for w in upload.preview["warnings"]] == ["toc_title_mismatch"]
    page = client.get(reverse("clerk_upload_detail", args=[upload.token])).content.decode()
    assert "Indholdsfortegnelsens punkt 2 &quot;Orientering&quot; svarer ikke til punktet" in page
    with translation.override("en"):
        # Whatever the English catalogue holds, the message is filled in, never shown raw.
        assert "{" not in clerk.notice_text(upload.preview["warnings"][0])


# --- Publishing is all or nothing ----------------------------------------------------


def test_failure_half_way_leaves_the_archive_as_it_was(users, soroe, settings, monkeypatch):
    client = client_for(users["clerk"])
    upload = staged(client, "r.pdf", referat_pdf("003"), soroe)
    run_worker()

    def explode(item, parsed_item):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module, "_new_decisions", explode)
    response = publish(client, upload)
    assert response.status_code == 302
    assert archive_counts() == dict.fromkeys(archive_counts(), 0)
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    upload.refresh_from_db()
    assert upload.status == PendingUpload.Status.READY  # the clerk may try again
    event = AuditEvent.objects.get(action=Action.PUBLISH_FAILED)
    assert event.details["error"]["code"] == "internal_error"
    page = client.get(response["Location"]).content.decode()
    assert "intet blev gemt" in page

    monkeypatch.undo()
    settings.MEDIA_ROOT = Path(settings.MEDIA_ROOT)
    assert publish(client, upload).status_code == 302
    assert Meeting.objects.count() == 1


def test_publish_uses_the_same_bytes(users, soroe):
    client = client_for(users["clerk"])
    upload = staged(client, "000.txt", corpus_bytes("000"), soroe)
    with upload.file.open("wb") as handle:
        handle.write(corpus_bytes("002"))
    response = publish(client, upload)
    assert Meeting.objects.count() == 0
    assert "svarer ikke til den uploadede" in client.get(response["Location"]).content.decode()


def test_publish_is_refused_when_the_archive_changed_since_the_preview(users, soroe):
    clerk_client = client_for(users["clerk"])
    upload = staged(clerk_client, "000.txt", corpus_bytes("000"), soroe)
    page = clerk_client.get(reverse("clerk_upload_detail", args=[upload.token])).content.decode()
    assert "findes ikke i arkivet endnu" in page
    # Meanwhile a colleague publishes the same meeting.
    staff = client_for(users["staff"])
    publish(staff, staged(staff, "000.txt", corpus_bytes("000"), soroe))
    response = publish_raw(clerk_client, upload, "new")
    assert "Arkivet er ændret" in clerk_client.get(response["Location"]).content.decode()
    assert MeetingRevision.objects.count() == 1


def test_publish_rechecks_the_permission(users, soroe):
    client = client_for(users["clerk"])
    upload = staged(client, "000.txt", corpus_bytes("000"), soroe)
    ClerkMembership.objects.filter(user=users["clerk"]).delete()
    ClerkMembership.objects.create(
        user=users["clerk"], municipality=Municipality.objects.get(slug="ringsted-kommune")
    )
    assert publish_raw(client, upload, "new").status_code == 403
    assert Meeting.objects.count() == 0


# --- Bad files -----------------------------------------------------------------------

# Refused before anything is staged: (file name, content, words of the Danish message).
REFUSED_AT_ONCE = {
    "empty": ("tom.txt", b"", "tom"),
    "whitespace": ("tom.txt", b"  \n\t\n", "tom"),
    "png renamed to .pdf": ("referat.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, "ikke en PDF"),
    "text renamed to .pdf": ("referat.pdf", b"Punkt 1: Budget", "ikke en PDF"),
    "zip renamed to .txt": ("referat.txt", b"PK\x03\x04" + b"\x00" * 300, "binære data"),
    "utf-16 text": ("referat.txt", "Sorø Kommune, Økonomiudvalget".encode("utf-16"), "binære data"),
    "pdf named .txt": ("referat.txt", b"%PDF-1.7\n...", "Omdøb den til .pdf"),
    "html page": ("referat.html", b"<html><script>alert(1)</script></html>", "understøttes ikke"),
    "json that is no meeting": ("moede.json", b"[1, 2, 3]", "FirstAgenda-møde"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_AT_ONCE))
def test_bad_file_is_refused_at_once(case, users, soroe, settings):
    name, data, words = REFUSED_AT_ONCE[case]
    client = client_for(users["clerk"])
    response = post_upload(client, name, data, soroe)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert PendingUpload.objects.count() == 0
    assert archive_counts() == dict.fromkeys(archive_counts(), 0)
    assert stored_files(Path(settings.ARCHIVE_STAGING_ROOT)) == []
    assert stored_files(Path(settings.MEDIA_ROOT)) == []


def test_windows_1252_referat_is_read_like_the_ingest_command(users, soroe):
    data = corpus_bytes("003").decode("utf-8").encode("cp1252", errors="replace")
    upload = staged(client_for(users["clerk"]), "003.txt", data, soroe)
    assert upload.preview["committee"] == "Arbejdsmarkedsudvalget"
    assert len(upload.preview["items"]) == 10


def test_too_large_file_is_refused(users, soroe, settings):
    settings.ARCHIVE_MAX_UPLOAD_BYTES = 1024
    response = post_upload(client_for(users["clerk"]), "000.txt", corpus_bytes("000"), soroe)
    assert "for stor" in response.content.decode()
    assert PendingUpload.objects.count() == 0


def _pdf_of_cut_referat() -> bytes:
    data = referat_pdf("000")
    return data[: len(data) // 2]


# Refused once the worker has read them: (builder, words of the Danish message).
REFUSED_BY_WORKER = {
    "encrypted pdf": (lambda: text_pdf(["Punkt 1: Hemmeligt"], password="hemmelig"), "adgangskode"),
    "pdf without text": (image_only_pdf, "intet tekstlag"),
    "truncated pdf": (_pdf_of_cut_referat, "beskadiget"),
    "decompression bomb": (lambda: decompression_bomb_pdf(300), "grænserne for tid og hukommelse"),
    "deeply nested pdf": (deeply_nested_pdf, "PDF-filen"),
    "ten thousand pages": (many_pages_pdf, "grænserne for tid og hukommelse"),
    "pdf that is no referat": (lambda: text_pdf(["Indkøbsliste", "Mælk og brød."]), ""),
}


@pytest.mark.parametrize("case", sorted(REFUSED_BY_WORKER))
def test_bad_pdf_is_refused_by_the_worker(case, users, soroe, settings):
    build, words = REFUSED_BY_WORKER[case]
    client = client_for(users["clerk"])
    upload = staged(client, "referat.pdf", build(), soroe)
    run_worker()
    upload.refresh_from_db()
    assert upload.status == PendingUpload.Status.FAILED
    assert Job.objects.get().status == Job.Status.FAILED
    page = client.get(reverse("clerk_upload_detail", args=[upload.token])).content.decode()
    assert "Filen kunne ikke bruges" in page and "Intet er gemt i arkivet" in page
    assert words in page
    assert "Offentliggør" not in page
    assert archive_counts() == dict.fromkeys(archive_counts(), 0)
    assert stored_files(Path(settings.ARCHIVE_STAGING_ROOT)) == []
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert actions() == [Action.UPLOAD, Action.UPLOAD_REJECTED]


def test_cut_off_text_referat_is_refused_in_the_preview(users, soroe):
    text = corpus_file("000").read_text(encoding="utf-8")
    client = client_for(users["clerk"])
    upload = staged(client, "000.txt", text[: text.index("Punkt 557:")].encode(), soroe)
    assert upload.status == PendingUpload.Status.FAILED
    page = client.get(reverse("clerk_upload_detail", args=[upload.token])).content.decode()
    assert "afkortet" in page
    assert Meeting.objects.count() == 0


# --- Bilag ---------------------------------------------------------------------------


@pytest.fixture
def published(soroe):
    result = ingest_bytes("000.txt", corpus_bytes("000"), municipality=soroe.name)
    return result.meeting


def test_attachments_are_uploaded_matched_and_extracted(users, published, settings):
    client = client_for(users["clerk"])
    url = reverse("clerk_meeting_attachments", args=[published.pk])
    page = client.get(url).content.decode()
    first = Attachment.objects.get(title="Arbejdsmarkedet AEU august 2025")
    second = Attachment.objects.get(title="KKR Sjælland - Flygtningefordeling 2026")
    assert first.title in page and f'name="bilag_{first.pk}"' in page

    response = client.post(
        url,
        {
            f"bilag_{first.pk}": SimpleUploadedFile("scan.html", text_pdf(["Ledigheden faldt i juli"])),
            "files": [
                SimpleUploadedFile(
                    "KKR Sjaelland - Flygtningefordeling 2026.pdf", text_pdf(["Kvoten er 41"])
                ),
                SimpleUploadedFile("noget helt andet.pdf", text_pdf(["x"])),
            ],
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "noget helt andet.pdf passer ikke entydigt" in page
    assert "i baggrunden" in page
    assert Job.objects.filter(kind=Job.Kind.ATTACH_FILE).count() == 2

    run_worker()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.file.name.endswith(".pdf") and first.content_type == "application/pdf"
    assert "Ledigheden faldt" in first.text and "Kvoten er 41" in second.text
    item = first.item
    item.refresh_from_db()
    assert "Ledigheden faldt" in item.attachment_text
    assert Job.objects.filter(status=Job.Status.DONE).count() == 2
    assert not any(job.file for job in Job.objects.all())
    assert actions().count(Action.ATTACH) == 2 and actions().count(Action.ATTACH_QUEUED) == 2
    assert "Uploadet" in client.get(url).content.decode()


def test_bad_attachment_gets_a_clear_error(users, published, settings):
    client = client_for(users["clerk"])
    url = reverse("clerk_meeting_attachments", args=[published.pk])
    attachment = Attachment.objects.get(title="Arbejdsmarkedet AEU august 2025")
    client.post(url, {f"bilag_{attachment.pk}": SimpleUploadedFile("a.pdf", b"<html>nope</html>")})
    assert "kun PDF-filer" in client.get(url).content.decode()
    assert Job.objects.count() == 0

    client.post(url, {f"bilag_{attachment.pk}": SimpleUploadedFile("a.pdf", text_pdf(["x"], password="p"))})
    run_worker()
    page = client.get(url).content.decode()
    assert "adgangskode" in page and "Mislykkedes" in page
    attachment.refresh_from_db()
    assert not attachment.file and attachment.text == ""
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert actions()[-1] == Action.ATTACH_FAILED


def test_attachment_size_limit_is_configurable(users, published, settings):
    settings.ARCHIVE_MAX_ATTACHMENT_BYTES = 1000
    client = client_for(users["clerk"])
    url = reverse("clerk_meeting_attachments", args=[published.pk])
    attachment = Attachment.objects.get(title="Arbejdsmarkedet AEU august 2025")
    response = client.post(url, {f"bilag_{attachment.pk}": SimpleUploadedFile("a.pdf", text_pdf(["x" * 50]))})
    assert response.status_code == 200 and "for stor" in response.content.decode()
    assert Job.objects.count() == 0


def test_match_attachment_by_file_name(published):
    attachments = list(clerk.meeting_attachments(published))
    match = clerk.match_attachment
    assert (
        match("Arbejdsmarkedet AEU august 2025.pdf", attachments).title == "Arbejdsmarkedet AEU august 2025"
    )
    assert match("kkr-sjaelland-flygtningefordeling-2026.PDF", attachments).title.startswith("KKR Sjælland")
    assert match("bilag.pdf", attachments) is None
    assert match(".pdf", attachments) is None


def test_attachment_removed_by_a_correction_fails_its_job(users, published):
    client = client_for(users["clerk"])
    attachment = Attachment.objects.get(title="Arbejdsmarkedet AEU august 2025")
    clerk.queue_attachment(attachment, user=users["clerk"], name="a.pdf", data=text_pdf(["x"]))
    attachment.delete()
    run_worker()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and job.error["code"] == "attachment_gone"
    assert client.get(reverse("clerk_dashboard")).status_code == 200


# --- Worker --------------------------------------------------------------------------


def test_stale_running_job_is_queued_again(users, soroe, settings):
    client = client_for(users["clerk"])
    upload = staged(client, "r.pdf", referat_pdf("003"), soroe)
    Job.objects.update(status=Job.Status.RUNNING, started_at=timezone.now() - timedelta(hours=1), attempts=1)
    run_worker()
    upload.refresh_from_db()
    assert upload.status == PendingUpload.Status.READY
    assert Job.objects.get().attempts == 2


def test_job_abandoned_after_repeated_crashes(users, soroe):
    client = client_for(users["clerk"])
    upload = staged(client, "r.pdf", referat_pdf("003"), soroe)
    Job.objects.update(status=Job.Status.RUNNING, started_at=timezone.now() - timedelta(hours=1), attempts=3)
    run_worker()
    upload.refresh_from_db()
    assert upload.status == PendingUpload.Status.FAILED
    assert Job.objects.get().status == Job.Status.FAILED


# --- Permission matrix ---------------------------------------------------------------


@pytest.fixture
def scene(users, soroe):
    """A READY upload by the clerk and a published Sorø meeting with bilag."""
    # The smallest corpus referat, both published and uploaded again: the matrix runs often.
    meeting = ingest_bytes("002.txt", corpus_bytes("002"), municipality=soroe.name).meeting
    upload = clerk.stage_upload(
        user=users["clerk"], municipality=soroe, name="002.txt", data=corpus_bytes("002")
    )
    assert upload.status == PendingUpload.Status.READY
    attachment = Attachment.objects.filter(item__meeting=meeting).first()
    return {"meeting": meeting, "upload": upload, "attachment": attachment, "soroe": soroe}


def _request(client, action: str, scene):
    upload, meeting = scene["upload"], scene["meeting"]
    if action == "dashboard":
        return client.get(reverse("clerk_dashboard"))
    if action == "upload form":
        return client.get(reverse("clerk_upload"))
    if action == "upload":
        return post_upload(client, "002.txt", corpus_bytes("002"), scene["soroe"])
    if action == "preview":
        return client.get(reverse("clerk_upload_detail", args=[upload.token]))
    if action == "publish":
        return publish_raw(client, upload, clerk.target_key(clerk.replaced_meeting(upload)))
    if action == "discard":
        return client.post(reverse("clerk_upload_discard", args=[upload.token]))
    if action == "bilag page":
        return client.get(reverse("clerk_meeting_attachments", args=[meeting.pk]))
    if action == "bilag upload":
        field = f"bilag_{scene['attachment'].pk}"
        return client.post(
            reverse("clerk_meeting_attachments", args=[meeting.pk]),
            {field: SimpleUploadedFile("b.pdf", text_pdf(["Bilagstekst"]))},
        )
    if action == "audit log":
        return client.get(reverse("clerk_audit_log"))
    raise AssertionError(action)


# What each role gets: a status code, "login" for a redirect to the login page, or
# "done" for a redirect that means the action was carried out.
MATRIX = {
    #                 anonymous  other clerk  reader  clerk   staff
    "dashboard": ("login", 200, 403, 200, 200),
    "upload form": ("login", 200, 403, 200, 200),
    "upload": ("login", "refused", 403, "done", "done"),
    "preview": ("login", 403, 403, 200, 200),
    "publish": ("login", 403, 403, "done", "done"),
    "discard": ("login", 403, 403, "done", "done"),
    "bilag page": ("login", 403, 403, 200, 200),
    "bilag upload": ("login", 403, 403, "done", "done"),
    "audit log": ("login", 403, 403, 403, 200),
}
ROLES = ("anonymous", "other", "reader", "clerk", "staff")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(MATRIX))
def test_permission_matrix(action, role, users, scene):
    expected = MATRIX[action][ROLES.index(role)]
    before = (archive_counts(), PendingUpload.objects.count(), Job.objects.count(), scene["upload"].status)
    response = _request(client_for(users.get(role)), action, scene)
    scene["upload"].refresh_from_db()
    after = (archive_counts(), PendingUpload.objects.count(), Job.objects.count(), scene["upload"].status)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert after == before
    elif expected == "refused":
        assert response.status_code == 200 and "errorlist" in response.content.decode()
        assert after == before
    elif expected == "done":
        assert response.status_code == 302 and not response["Location"].startswith(reverse("login"))
        assert after != before
    else:
        assert response.status_code == expected
        if expected == 403:
            assert after == before


def test_upload_form_offers_only_own_municipalities(users, soroe, ringsted):
    page = client_for(users["clerk"]).get(reverse("clerk_upload")).content.decode()
    assert "Sorø Kommune" in page and "Ringsted Kommune" not in page
    page = client_for(users["staff"]).get(reverse("clerk_upload")).content.decode()
    assert "Sorø Kommune" in page and "Ringsted Kommune" in page


def test_services_refuse_other_municipalities(users, soroe):
    with pytest.raises(clerk.PermissionDenied):
        clerk.stage_upload(user=users["other"], municipality=soroe, name="000.txt", data=corpus_bytes("000"))
    assert PendingUpload.objects.count() == 0


# --- Login, CSRF, audit visibility ---------------------------------------------------


def test_login_and_logout(users):
    client = Client()
    response = client.post(reverse("login"), {"username": "sekretaer", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("clerk_dashboard")
    assert client.get(reverse("clerk_dashboard")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("clerk_dashboard")).status_code == 302


def test_login_is_locked_after_repeated_failures(users, settings):
    settings.ARCHIVE_LOGIN_MAX_FAILURES = 3
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "sekretaer", "password": "forkert"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "Sekretaer", "password": PASSWORD})
    assert response.status_code == 200
    assert "For mange mislykkede forsøg" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=Action.LOGIN_LOCKED, ip="10.0.0.7").count() == 1
    # Another address is not locked out, and a success there clears only its own count.
    other = Client(REMOTE_ADDR="10.0.0.8")
    assert other.post(reverse("login"), {"username": "sekretaer", "password": PASSWORD}).status_code == 302
    # The lock lifts when the window has passed.
    settings.ARCHIVE_LOGIN_LOCKOUT_MINUTES = 0
    assert client.post(reverse("login"), {"username": "sekretaer", "password": PASSWORD}).status_code == 302


def test_every_form_needs_a_csrf_token(users, scene):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["clerk"])
    upload = scene["upload"]
    urls = [
        reverse("clerk_upload"),
        reverse("clerk_upload_publish", args=[upload.token]),
        reverse("clerk_upload_discard", args=[upload.token]),
        reverse("clerk_meeting_attachments", args=[scene["meeting"].pk]),
        reverse("logout"),
    ]
    for url in urls:
        assert client.post(url, {}).status_code == 403, url
    assert Client(enforce_csrf_checks=True).post(reverse("login"), {}).status_code == 403
    page = client.get(reverse("clerk_upload_detail", args=[upload.token])).content.decode()
    assert page.count("csrfmiddlewaretoken") >= 3  # logout, publish, discard


def test_staff_see_the_audit_log(users, scene):
    superuser = get_user_model().objects.create_superuser("admin", password=PASSWORD)
    admin = client_for(superuser)
    response = admin.get(reverse("admin:minutes_auditevent_changelist"))
    assert response.status_code == 200 and "sekretaer" in response.content.decode()
    assert admin.get(reverse("admin:minutes_auditevent_add")).status_code == 403
    for model in ("clerkmembership", "pendingupload", "job"):
        assert admin.get(reverse(f"admin:minutes_{model}_changelist")).status_code == 200, model
    page = client_for(users["staff"]).get(reverse("clerk_audit_log")).content.decode()
    assert "Uploadet" in page and "002.txt" in page
    filtered = client_for(users["staff"]).get(reverse("clerk_audit_log"), {"action": "discard"})
    assert "002.txt" not in filtered.content.decode()


def test_staged_files_are_never_under_media_root(users, soroe, settings):
    upload = staged(client_for(users["clerk"]), "000.txt", corpus_bytes("000"), soroe)
    assert Path(upload.file.path).is_relative_to(Path(settings.ARCHIVE_STAGING_ROOT))
    assert upload.file.name.endswith(".txt")
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
