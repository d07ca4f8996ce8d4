"""Harvesting FirstAgenda portals: a portal on loopback (``portal_server``), the real database.

The portal serves Greve's three published meetings. Most tests trim their attachments to a
few, because every attachment PDF is read in the sandbox (a child process); one test
harvests everything.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from minutes import ingest as ingest_module
from minutes.harvest import (
    ATTACHMENT_UNAVAILABLE,
    DEFAULT_PORTALS_FILE,
    HarvestSummary,
    harvest_portal,
    load_portals,
)
from minutes.ingest import CREATED, FAILED, UNCHANGED, UPDATED
from minutes.models import AgendaItem, Attachment, Committee, Decision, Meeting, MeetingRevision, Municipality
from minutes.sources.portal import PortalClient
from minutes.tests.portal_server import (
    BILAG_PATH,
    LIST_PATH,
    MEETING_PATH,
    FakeTime,
    PortalState,
    make_pdf,
    serve_portal,
    without_proxies,
)
from minutes.tests.shared import shared_path

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
GREVE = "Greve Kommune"
BYRAAD = "9bc22f7f-1f4f-4d2b-8f57-ecbd62e2bd43"
KULTUR = "a555f973-936a-4ad8-90b0-c93c114e80da"
SOCIAL = "c0c4eb62-dafe-449b-b06d-75ba7ffe12c4"
RELEASED = "2023-03-20T12:00:00+01:00"
ALL_TABLES = (Municipality, Committee, Meeting, MeetingRevision, AgendaItem, Decision, Attachment)


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    without_proxies(monkeypatch)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def state() -> PortalState:
    """The Greve portal with ReleasedDate set and at most one attachment per item (three in all)."""
    portal = PortalState(folder=shared_path("firstagenda", "greve"))
    set_released(portal, {BYRAAD: RELEASED, KULTUR: RELEASED, SOCIAL: RELEASED})
    keep = {BYRAAD: {"11"}, KULTUR: {"8"}, SOCIAL: {"6"}}
    for meeting_id, numbers in keep.items():
        data = portal.document(meeting_id)
        for item in data["Dagsordenpunkter"]:
            item["Bilag"] = (item["Bilag"] or [])[:1] if item["Punktnummer"] in numbers else []
        portal.documents[meeting_id] = data
    return portal


@pytest.fixture
def portal(state: PortalState) -> Iterator[str]:
    with serve_portal(state) as base_url:
        yield base_url


def set_released(state: PortalState, released: dict[str, str | None], **fields: Any) -> None:
    """Set ReleasedDate (and other fields) of meetings in the served committee list."""
    data = state.document("udvalgsliste")
    for committees in data["Udvalg"].values():
        for committee in committees:
            for meeting in committee["Moeder"]:
                if meeting["Id"] in released:
                    meeting["ReleasedDate"] = released[meeting["Id"]]
                    meeting.update(fields)
    state.documents["udvalgsliste"] = data


def fast_client(base_url: str, fake_time: FakeTime | None = None, **options: Any) -> PortalClient:
    fake_time = fake_time or FakeTime()
    options.setdefault("timeout", 5)
    return PortalClient(base_url, sleep=fake_time.sleep, clock=fake_time.clock, **options)


def harvest(base_url: str, **options: Any) -> HarvestSummary:
    client = options.pop("client", None) or fast_client(base_url)
    return harvest_portal(base_url, municipality=GREVE, client=client, **options)


def run(*args: str) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("harvest", *args, "--rate", "1000", stdout=out, stderr=err)
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return out.getvalue(), err.getvalue(), code


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ALL_TABLES}


def meeting_of(meeting_id: str) -> Meeting:
    return Meeting.objects.get(source_id=meeting_id)


def strip_decisions(data: dict[str, Any]) -> dict[str, Any]:
    """Turn a meeting's minutes into its agenda: no decision texts, Navn "Dagsorden"."""
    for item in data["Dagsordenpunkter"]:
        for felt in item["Felter"]:
            felt["Html"] = re.sub(r"<div><h3>Beslutning</h3>.*?</div>", "", felt["Html"], flags=re.S)
        item["ExternalAgendaItemAttendees"] = []
    data["Moede"]["Navn"] = "Dagsorden"
    return data


# --- a full harvest ----------------------------------------------------------------------


def test_harvest_stores_every_meeting_with_its_items_decisions_and_attachments(
    state: PortalState,
) -> None:
    state.documents.pop(BYRAAD)  # the Byråd meeting as published, all 56 attachments
    state.pdfs["4704cf96-a0a0-419e-829b-ac48272c6719"] = make_pdf("Kommissorium for biblioteksomraadet")
    with serve_portal(state) as base_url:
        out, err, code = run(base_url, "--municipality", GREVE, "--contact", "arkiv@example.org")
    assert (code, err) == (0, "")
    assert "Greve Kommune: meetings 3 new, 0 updated, 0 unchanged, 0 failed" in out
    assert "51 items stored, 58 attachments downloaded (3 meetings fetched)" in out
    assert f"[1/3] Byråd 2023-03-06 19:00 ({BYRAAD}): created (32 items, 56 attachments downloaded)" in out

    byraad = meeting_of(BYRAAD)
    assert (byraad.committee.name, byraad.election_period, byraad.kind) == ("Byråd", "2022-2025", "referat")
    assert byraad.source_format == "firstagenda"
    assert byraad.source_url == f"{base_url}/api/agenda/dagsorden/{BYRAAD}"
    assert byraad.released_at == datetime(2023, 3, 20, 12, 0, tzinfo=CPH)
    assert byraad.source_text == (state.folder / f"{BYRAAD}.json").read_text(encoding="utf-8")
    assert len(byraad.participants) == 21
    assert set(byraad.absent) == {"Torben Hoffmann", "Per Lund Sørensen", "John T. Olsen", "Bjarke Abel"}

    item = byraad.items.get(number="11")
    assert (item.title, item.case_number, item.is_closed) == (
        "Budget 2024-27 - supplerende budgetanalyser/kommissorier",
        "23-000204",
        False,
    )
    assert [(s["heading"], s["kind"]) for s in item.sections][:4] == [
        ("Sagsprocedure", "case_flow"),
        ("Resume", "resume"),
        ("Indstilling", "recommendation"),
        ("Sagsbeskrivelse", "description"),
    ]
    assert not any("<" in s["text"] for s in item.sections)
    current, earlier = item.decisions.order_by("position")
    assert (current.is_current, current.outcome, current.body) == (True, "approved", "Byråd")
    assert current.absent == ["Torben Hoffmann", "Per Lund Sørensen"]
    # A decision dated at another meeting is that body's, of that date.
    assert (earlier.is_current, earlier.outcome, earlier.body, earlier.decided_on) == (
        False,
        "recommended",
        "Økonomiudvalget",
        date(2023, 2, 27),
    )
    assert item.outcome == "approved"
    assert byraad.items.filter(is_closed=True).count() == 2

    bilag = item.attachments.order_by("position").first()
    assert bilag.title == "8. Kommissorium - Bibliotek"
    assert bilag.source_id == "4704cf96-a0a0-419e-829b-ac48272c6719"
    assert bilag.file and bilag.size and bilag.content_type == "application/pdf"
    assert "Kommissorium for biblioteksomraadet" in bilag.text
    item.refresh_from_db()
    assert "Kommissorium for biblioteksomraadet" in item.attachment_text
    assert Attachment.objects.exclude(file="").count() == 58

    municipality = Municipality.objects.get(name=GREVE)
    assert municipality.portal_url == base_url
    assert municipality.last_harvested_at is not None
    agents = {headers["User-Agent"] for _, headers in state.seen}
    assert agents == {"DanskReferatArkiv/1.0 (+arkiv@example.org)"}


# --- incremental runs ------------------------------------------------------------------


def test_second_run_over_an_unchanged_portal_fetches_and_changes_nothing(
    portal: str, state: PortalState
) -> None:
    first = harvest(portal)
    assert (first.created, first.attachments, first.ok) == (3, 3, True)
    before = table_counts()
    stamps = dict(Meeting.objects.values_list("pk", "updated_at"))
    state.forget()

    out, err, code = run(portal, "--municipality", GREVE)
    assert (code, err) == (0, "")
    assert "meetings 0 new, 0 updated, 3 unchanged, 0 failed" in out
    assert "(0 meetings fetched)" in out
    assert state.count(MEETING_PATH) == 0 and state.count(BILAG_PATH) == 0
    assert state.count(LIST_PATH) == 1
    assert table_counts() == before
    assert dict(Meeting.objects.values_list("pk", "updated_at")) == stamps


def test_without_release_date_the_checksum_decides(portal: str, state: PortalState) -> None:
    set_released(state, {BYRAAD: None, KULTUR: None, SOCIAL: None})
    assert harvest(portal).created == 3
    state.forget()
    again = harvest(portal)
    assert (again.unchanged, again.fetched) == (3, 3)
    assert state.count(MEETING_PATH) == 3 and state.count(BILAG_PATH) == 0
    assert MeetingRevision.objects.count() == 3


def test_re_released_meeting_is_fetched_again_and_updated_in_place(portal: str, state: PortalState) -> None:
    harvest(portal)
    social = meeting_of(SOCIAL)
    url = social.get_absolute_url()
    item_pks = set(social.items.values_list("pk", flat=True))
    attachment = Attachment.objects.get(item__meeting=social)

    corrected = state.document(SOCIAL)
    corrected["Dagsordenpunkter"][1]["Navn"] = "Besøg i Freyas Kvarter (rettet)"
    state.documents[SOCIAL] = corrected
    set_released(state, {SOCIAL: "2023-03-27T09:30:00+02:00"})
    state.forget()

    summary = harvest(portal)
    assert [(r.meeting_id, r.status) for r in summary.reports if r.fetched] == [(SOCIAL, UPDATED)]
    assert (summary.unchanged, summary.updated) == (2, 1)
    assert state.paths().count(MEETING_PATH + SOCIAL) == 1
    assert state.count(BILAG_PATH) == 0  # its attachment is stored with the same id

    social.refresh_from_db()
    assert social.pk == meeting_of(SOCIAL).pk and social.get_absolute_url() == url
    assert set(social.items.values_list("pk", flat=True)) == item_pks
    assert social.items.get(number="2").title == "Besøg i Freyas Kvarter (rettet)"
    assert social.released_at == datetime(2023, 3, 27, 9, 30, tzinfo=CPH)
    assert social.corrected_at is not None and social.revisions.count() == 2
    assert Attachment.objects.get(pk=attachment.pk).file == attachment.file


def test_agenda_stored_first_is_completed_by_the_minutes(portal: str, state: PortalState) -> None:
    minutes = state.document(SOCIAL)
    state.documents[SOCIAL] = strip_decisions(state.document(SOCIAL))
    set_released(state, {SOCIAL: "2023-03-06T12:00:00+01:00"}, Navn="Dagsorden")
    harvest(portal, committees=["Social- og Handicapudvalget"])
    agenda = meeting_of(SOCIAL)
    assert agenda.kind == "dagsorden"
    assert not Decision.objects.filter(item__meeting=agenda, is_current=True).exists()

    minutes["Moede"]["Navn"] = "Referat"
    state.documents[SOCIAL] = minutes
    set_released(state, {SOCIAL: "2023-03-20T12:00:00+01:00"}, Navn="Referat")
    summary = harvest(portal, committees=["Social- og Handicapudvalget"])
    assert [r.status for r in summary.reports] == [UPDATED]
    assert Meeting.objects.count() == 1
    completed = meeting_of(SOCIAL)
    assert (completed.pk, completed.url_key, completed.kind) == (agenda.pk, agenda.url_key, "referat")
    assert completed.items.get(number="2").outcome == "noted"


def test_agenda_and_minutes_listed_apart_are_one_meeting(portal: str, state: PortalState) -> None:
    data = state.document("udvalgsliste")
    social = data["Udvalg"]["Udvalg 2022-2025"][2]
    agenda_entry = dict(social["Moeder"][0], Id="agenda-of-social", Navn="Dagsorden")
    social["Moeder"][0]["Navn"] = "Referat"
    social["Moeder"].insert(0, agenda_entry)
    state.documents["udvalgsliste"] = data
    summary = harvest(portal, committees=["Social- og Handicapudvalget"])
    assert [(r.meeting_id, r.status) for r in summary.reports] == [
        ("agenda-of-social", "skipped"),
        (SOCIAL, CREATED),
    ]
    assert state.count(MEETING_PATH + "agenda-of-social") == 0


def test_since_and_committee_filters(portal: str, state: PortalState) -> None:
    _, _, code = run(portal, "--municipality", GREVE, "--since", "2023-03-10")
    assert code == 0
    assert set(Meeting.objects.values_list("source_id", flat=True)) == {KULTUR, SOCIAL}
    assert state.count(MEETING_PATH + BYRAAD) == 0
    Meeting.objects.all().delete()
    run(portal, "--municipality", GREVE, "--committee", "Byråd 2022-2025", "kultur- og fritidsudvalget")
    assert set(Meeting.objects.values_list("source_id", flat=True)) == {BYRAAD, KULTUR}
    _, err, code = run(portal, "--municipality", GREVE, "--since", "10-03-2023")
    assert code != 0 and "not a date" in err


# --- failures -------------------------------------------------------------------------


def test_failed_meetings_store_nothing_and_the_others_go_on(portal: str, state: PortalState) -> None:
    broken = state.document(KULTUR)
    del broken["Dagsordenpunkter"][3]["Navn"], broken["Dagsordenpunkter"][3]["Caption"]
    state.documents[KULTUR] = broken
    state.malformed.add(MEETING_PATH + SOCIAL)

    out, err, code = run(portal, "--municipality", GREVE)
    assert code == 1
    assert "meetings 1 new, 0 updated, 0 unchanged, 2 failed" in out
    assert (
        f"Kultur- og Fritidsudvalget 2023-03-15 17:00 ({KULTUR}): failed: Uventet JSON i møde {KULTUR}: "
        "feltet Dagsordenpunkter[3].Navn mangler eller har forkert form." in err
    )
    assert f"/api/agenda/dagsorden/{SOCIAL} returned malformed JSON" in err
    assert "Harvest incomplete: 2 meetings failed" in err
    assert set(Meeting.objects.values_list("source_id", flat=True)) == {BYRAAD}
    assert Committee.objects.count() == 1

    # Mended, the next run stores what failed and leaves the rest alone.
    state.documents.pop(KULTUR)
    state.malformed.clear()
    again = harvest(portal)
    assert (again.created, again.unchanged, again.ok) == (2, 1, True)


def test_a_failure_while_storing_leaves_nothing_partial(
    portal: str, state: PortalState, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ingest_module._new_decisions

    def fail_on_kultur(item: AgendaItem, parsed: Any) -> list[Any]:
        if item.meeting.source_id == KULTUR and parsed.number == "8":
            raise RuntimeError("disk full")
        return real(item, parsed)

    monkeypatch.setattr(ingest_module, "_new_decisions", fail_on_kultur)
    summary = harvest(portal)
    failed = [r for r in summary.reports if r.status == FAILED]
    assert [r.meeting_id for r in failed] == [KULTUR]
    assert "RuntimeError: disk full" in failed[0].error
    assert not Meeting.objects.filter(source_id=KULTUR).exists()
    assert not AgendaItem.objects.filter(meeting__source_id=KULTUR).exists()
    assert not Committee.objects.filter(name="Kultur- og Fritidsudvalget").exists()
    assert summary.created == 2


def test_server_errors_are_retried_then_reported(portal: str, state: PortalState) -> None:
    fake_time = FakeTime()
    state.failures[MEETING_PATH + KULTUR] = 2  # then it answers
    state.failures[MEETING_PATH + SOCIAL] = 10  # it never does
    summary = harvest(portal, client=fast_client(portal, fake_time, retries=2, backoff=0.5))
    assert {r.meeting_id: r.status for r in summary.reports} == {
        BYRAAD: CREATED,
        KULTUR: CREATED,
        SOCIAL: FAILED,
    }
    assert state.paths().count(MEETING_PATH + KULTUR) == 3
    assert state.paths().count(MEETING_PATH + SOCIAL) == 3
    social = next(r for r in summary.reports if r.meeting_id == SOCIAL)
    assert social.error.endswith(f"/api/agenda/dagsorden/{SOCIAL} failed after 3 attempts: HTTP 500")
    assert fake_time.sleeps.count(1.0) >= 2  # the second backoff of each meeting
    assert not summary.ok


def test_a_timeout_fails_that_meeting_only(portal: str, state: PortalState) -> None:
    state.slow[MEETING_PATH + BYRAAD] = 0.5
    summary = harvest(portal, client=fast_client(portal, timeout=0.1, retries=1, backoff=0.1))
    byraad = next(r for r in summary.reports if r.meeting_id == BYRAAD)
    assert byraad.status == FAILED and "timed out" in byraad.error
    assert (summary.created, summary.failed) == (2, 1)


def test_no_retry_on_404_and_an_unreachable_committee_list(portal: str, state: PortalState) -> None:
    state.missing.add(MEETING_PATH + KULTUR)
    summary = harvest(portal)
    kultur = next(r for r in summary.reports if r.meeting_id == KULTUR)
    assert kultur.status == FAILED and kultur.error.endswith("answered HTTP 404")
    assert state.paths().count(MEETING_PATH + KULTUR) == 1

    Municipality.objects.update(last_harvested_at=None)
    state.missing.add(LIST_PATH)
    _, err, code = run(portal, "--municipality", GREVE)
    assert code == 1
    assert "Udvalgslisten kunne ikke læses" in err and "answered HTTP 404" in err
    assert Municipality.objects.get().last_harvested_at is None


def test_missing_or_broken_attachment_is_a_warning_on_its_item(portal: str, state: PortalState) -> None:
    kultur_bilag = state.document(KULTUR)["Dagsordenpunkter"][7]["Bilag"][0]["Id"]
    social_bilag = state.document(SOCIAL)["Dagsordenpunkter"][5]["Bilag"][0]["Id"]
    state.missing.add(BILAG_PATH + kultur_bilag)
    state.pdfs[social_bilag] = b"%PDF-1.4\nthis is no PDF at all"

    out, err, code = run(portal, "--municipality", GREVE)
    assert (code, err) == (0, "")
    assert "meetings 3 new" in out and "1 attachments downloaded, 2 attachments unavailable" in out
    assert "warning: Punkt 8: bilaget «Bilag 1 - IFK nyt legepladsudstyr" in out
    kultur = meeting_of(KULTUR)
    warning = next(w for w in kultur.parse_warnings if w["code"] == ATTACHMENT_UNAVAILABLE)
    assert warning["params"]["number"] == "8" and "HTTP 404" in warning["params"]["error"]
    attachment = Attachment.objects.get(source_id=kultur_bilag)
    assert attachment.title.startswith("Bilag 1 - IFK nyt legepladsudstyr") and not attachment.file
    assert state.paths().count(BILAG_PATH + kultur_bilag) == 1  # a 404 is not retried

    # The next run tries the two again (and only them), without fetching a meeting.
    state.missing.clear()
    state.pdfs.clear()
    state.forget()
    summary = harvest(portal)
    assert (summary.unchanged, summary.attachments, summary.fetched) == (3, 2, 0)
    assert state.count(BILAG_PATH) == 2 and state.count(MEETING_PATH) == 0
    assert Attachment.objects.get(source_id=kultur_bilag).file
    assert not any(w["code"] == ATTACHMENT_UNAVAILABLE for w in meeting_of(KULTUR).parse_warnings)


def test_an_interrupted_run_can_be_started_again(
    portal: str, state: PortalState, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real = ingest_module.store_meeting

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr("minutes.harvest.store_meeting", interrupted)
    with pytest.raises(KeyboardInterrupt):
        harvest(portal)
    assert list(Meeting.objects.values_list("source_id", flat=True)) == [BYRAAD]
    monkeypatch.undo()
    without_proxies(monkeypatch)
    summary = harvest(portal)
    assert (summary.unchanged, summary.created) == (1, 2)


# --- ingest of a saved response, and the known portals ------------------------------------


def test_ingest_accepts_a_saved_meeting_response(portal: str, state: PortalState) -> None:
    path = shared_path("firstagenda", "greve", f"{SOCIAL}.json")
    out = io.StringIO()
    call_command("ingest", str(path), "--municipality", GREVE, stdout=out)
    assert "created (Social- og Handicapudvalget 2023-03-13 17:00, 7 items)" in out.getvalue()
    stored = meeting_of(SOCIAL)
    assert (stored.source_format, stored.kind, stored.items.count()) == ("firstagenda", "referat", 7)
    assert stored.items.get(number="3").sections[0]["heading"] == "Sagsprocedure"

    # The portal serves the same text: the harvest finds it unchanged and adds the release date.
    state.documents.pop(SOCIAL)
    summary = harvest(portal, committees=["Social- og Handicapudvalget"])
    assert [r.status for r in summary.reports] == [UNCHANGED]
    assert meeting_of(SOCIAL).released_at is not None


def test_harvest_all_walks_the_portals_file(portal: str, state: PortalState, tmp_path: Path) -> None:
    portals = tmp_path / "portals.toml"
    portals.write_text(
        f'[[portal]]\nmunicipality = "Greve Kommune"\nurl = "{portal}"\n\n'
        '[[portal]]\nmunicipality = "Lukket Kommune"\nurl = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    out, err, code = run("--all", "--portals-file", str(portals), "--retries", "0")
    assert code == 1
    assert "Greve Kommune: meetings 3 new" in out
    assert "Lukket Kommune: failed: Udvalgslisten kunne ikke læses" in err
    assert "1 portals unreachable" in err
    assert Municipality.objects.get(name=GREVE).portal_url == portal

    # The setting points at the file too, and a municipality finds its portal there.
    with override_settings(ARCHIVE_PORTALS_FILE=str(portals)):
        state.forget()
        out, err, code = run("--municipality", GREVE)
    assert (code, err) == (0, "")
    assert "meetings 0 new, 0 updated, 3 unchanged" in out and state.count(MEETING_PATH) == 0


def test_bundled_portals_file() -> None:
    portals = load_portals(DEFAULT_PORTALS_FILE)
    assert [p.municipality for p in portals] == [
        "Greve Kommune",
        "Middelfart Kommune",
        "Albertslund Kommune",
        "Hvidovre Kommune",
        "Aarhus Kommune",
        "Ærø Kommune",
        "Varde Kommune",
        "Kolding Kommune",
    ]
    assert all(p.url.startswith("https://") and not p.url.endswith("/") for p in portals)
    assert portals[3].url == "https://dagsordener-referater.hvidovre.dk"


def test_command_refuses_unclear_arguments(tmp_path: Path) -> None:
    assert "Give PORTAL_URL and --municipality, or --all" in run()[1]
    assert "is no known portal" in run("http://127.0.0.1:9")[1]
    assert "give no PORTAL_URL" in run("--all", "http://127.0.0.1:9")[1]
    assert "must be an http(s) address" in run("dagsordener.greve.dk", "--municipality", GREVE)[1]
    bad = tmp_path / "portals.toml"
    bad.write_text("[[portal]]\nmunicipality = 'X'\n", encoding="utf-8")
    assert "has no http(s) url" in run("--all", "--portals-file", str(bad))[1]
