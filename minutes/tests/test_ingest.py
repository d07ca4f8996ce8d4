"""Ingest: real referater in, rows out; idempotent, corrections in place, bad input stores nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from fpdf import FPDF

from minutes import ingest as ingest_module
from minutes.ingest import CREATED, FAILED, UNCHANGED, UPDATED, ingest_bytes, ingest_path
from minutes.models import AgendaItem, Attachment, Committee, Decision, Meeting, MeetingRevision, Municipality
from minutes.tests.shared import corpus_file

pytestmark = pytest.mark.django_db

ALL_TABLES = (Municipality, Committee, Meeting, MeetingRevision, AgendaItem, Decision, Attachment)


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ALL_TABLES}


def run_ingest(*args: str) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return out.getvalue(), err.getvalue(), code


def test_corpus_file_is_stored_with_its_structure():
    result = ingest_path(corpus_file("000"))
    assert result.status == CREATED
    assert result.municipality == "Sorø Kommune" and result.municipality_inferred
    meeting = Meeting.objects.get()
    assert meeting.committee.name == "Arbejdsmarkeds og Erhvervsudvalget"
    assert meeting.committee.municipality.slug == "soroe-kommune"
    assert meeting.location == "Dianalund Stuen"
    assert meeting.url_key == "2025-08-14"
    assert meeting.source_text == corpus_file("000").read_text(encoding="utf-8")
    assert len(meeting.source_checksum) == 64
    items = list(meeting.items.order_by("position"))
    assert [i.number for i in items] == [str(n) for n in range(554, 563)]
    item = items[3]
    assert item.case_number == "15.00.00-G01-15-24"
    assert item.outcome == "noted"
    assert item.decision_text.startswith("Taget til efterretning.")
    assert item.meeting_date.isoformat() == "2025-08-14"
    assert (
        item.get_absolute_url() == "/soroe-kommune/arbejdsmarkeds-og-erhvervsudvalget/2025-08-14/punkt-557/"
    )
    headings = [s["heading"] for s in item.sections]
    assert "Kort Resume" in headings and "Beskrivelse af sagen" in headings
    split = items[7].decisions.get(is_current=True)
    assert [p["label"] for p in split.parts] == ["Pkt. 1", "Pkt. 2"]
    assert list(items[1].attachments.values_list("title", flat=True))[:2] == [
        "Arbejdsmarkedet AEU august 2025",
        "KKR Sjælland - Flygtningefordeling 2026",
    ]
    assert meeting.revisions.count() == 1


def test_same_referat_twice_changes_nothing():
    path = corpus_file("003")
    assert ingest_path(path).status == CREATED
    before = table_counts()
    meeting = Meeting.objects.get()
    updated_at = meeting.updated_at
    again = ingest_path(path)
    assert again.status == UNCHANGED
    assert table_counts() == before
    meeting.refresh_from_db()
    assert meeting.updated_at == updated_at and meeting.corrected_at is None


def test_corrected_version_updates_in_place(tmp_path: Path):
    original = corpus_file("001").read_text(encoding="utf-8")
    assert ingest_bytes("001.md", original.encode()).status == CREATED
    meeting = Meeting.objects.get()
    item_ids = dict(meeting.items.values_list("number", "pk"))
    url = meeting.items.get(number="168").get_absolute_url()

    tail = "\n\nIkke til stede: Anne Madsen (A).\n\n## **Bilag**\n\nDI analyse"
    corrected = original.replace(
        "Orienteringen taget til efterretning." + tail,
        "Orienteringen taget til efterretning med en rettelse." + tail,
    )
    assert corrected != original
    result = ingest_bytes("001-rettet.md", corrected.encode())
    assert result.status == UPDATED
    assert Meeting.objects.count() == 1
    meeting.refresh_from_db()
    assert meeting.corrected_at is not None
    assert dict(meeting.items.values_list("number", "pk")) == item_ids
    item = meeting.items.get(number="168")
    assert item.get_absolute_url() == url
    assert "med en rettelse" in item.decision_text
    assert list(meeting.revisions.values_list("number", flat=True)) == [1, 2]
    assert meeting.revisions.first().source_text == original


def test_correction_that_drops_an_item_removes_it():
    original = corpus_file("002").read_text(encoding="utf-8")
    ingest_bytes("002.md", original.encode())
    cut = original.split("## **Punkt 476: Underskriftsark**")[0]
    cut = cut.replace("Underskriftsark.....\t10\n", "")
    result = ingest_bytes("002.md", cut.encode())
    assert result.status == UPDATED, result.error
    assert list(AgendaItem.objects.values_list("number", flat=True).order_by("position")) == [
        "471",
        "472",
        "473",
        "474",
        "475",
    ]


def test_folder_ingest_reports_each_file_and_fails_when_one_fails(tmp_path: Path):
    good = tmp_path / "good.txt"
    good.write_text(corpus_file("004").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "ignored.docx").write_bytes(b"not a referat")
    out, err, code = run_ingest(str(tmp_path))
    assert code == 1
    assert "good.txt: created" in out and "Sorø Kommune" in out
    assert "empty.txt: failed" in err and "tom" in err
    assert "2 files" in out and "1 created" in out and "1 failed" in out
    assert Meeting.objects.count() == 1


def test_municipality_argument_wins(tmp_path: Path):
    out, err, code = run_ingest(str(corpus_file("002")), "--municipality", "Ringsted Kommune")
    assert code == 0, err
    assert Municipality.objects.get().name == "Ringsted Kommune"
    assert "inferred" not in out


def test_missing_path_is_a_clear_error():
    _out, err, code = run_ingest("/no/such/folder")
    assert code == 1 and "No such file or folder" in err


def _pdf_bytes(lines: list[str]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", "", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _blank_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 50, 50)  # drawn, but no text layer
    return bytes(pdf.output())


BAD_INPUTS = {
    "empty.txt": b"",
    "whitespace.txt": b"   \n\n \t ",
    "garbage.txt": bytes(range(256)) * 40,
    "notes.txt": "Indkøbsliste\n\nMælk, brød og kaffe. Husk at ringe til tandlægen.\n".encode(),
    "no-text.pdf": None,  # filled below
    "broken.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gets_a_clear_error_and_stores_nothing(name: str):
    data = BAD_INPUTS[name] if BAD_INPUTS[name] is not None else _blank_pdf()
    result = ingest_bytes(name, data, municipality="Sorø Kommune")
    assert result.status == FAILED
    assert result.error is not None and len(str(result.error)) > 10
    assert all(count == 0 for count in table_counts().values())


def test_truncated_referat_is_refused():
    text = corpus_file("000").read_text(encoding="utf-8")
    truncated = text[: text.index("Punkt 557:")]
    result = ingest_bytes("000-cut.txt", truncated.encode())
    assert result.status == FAILED
    assert "afkortet" in str(result.error) or "mangler" in str(result.error)
    assert all(count == 0 for count in table_counts().values())


def test_pdf_referat_is_stored_with_its_file():
    text = corpus_file("003").read_text(encoding="utf-8")
    data = _pdf_bytes(text.split("\n"))
    result = ingest_bytes("sonderborg.pdf", data)
    assert result.status == CREATED, result.error
    meeting = Meeting.objects.get()
    assert meeting.source_format == "pdf"
    assert meeting.source_file.read() == data
    assert meeting.items.count() == 10
    assert meeting.items.filter(is_closed=True).count() == 2
    assert ingest_bytes("sonderborg.pdf", data).status == UNCHANGED


def test_failure_half_way_leaves_nothing_behind(monkeypatch):
    def explode(item, parsed_item):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module, "_new_decisions", explode)
    result = ingest_path(corpus_file("000"))
    assert result.status == FAILED and "disk full" in str(result.error)
    assert all(count == 0 for count in table_counts().values())


def test_duplicate_item_numbers_are_refused():
    text = (
        corpus_file("004")
        .read_text(encoding="utf-8")
        .replace("Punkt 64: Meddelelser", "Punkt 63: Meddelelser")
    )
    result = ingest_bytes("dup.txt", text.encode())
    assert result.status == FAILED
    assert Meeting.objects.count() == 0


def test_sample_data_loads_once():
    out = io.StringIO()
    call_command("load_sample_data", stdout=out)
    meetings = Meeting.objects.count()
    assert meetings == 3
    assert Municipality.objects.get().name == "Eksempelby Kommune"
    call_command("load_sample_data", stdout=out)
    assert Meeting.objects.count() == meetings
    assert "already holds" in out.getvalue()


def test_meeting_lists_each_absent_member_once():
    ingest_path(corpus_file("004"))
    assert Meeting.objects.get().absent == ["Annette Raaschou van der Star (A)"]
