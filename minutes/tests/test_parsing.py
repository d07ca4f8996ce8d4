"""Tests of the referat parser: the real corpus, PDFs built from it, and small edge cases.

Plain pytest, no database and no Django: ``minutes.parsing`` is plain Python.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from minutes.parsing import (
    OUTCOME_APPROVED,
    OUTCOME_DISCUSSED,
    OUTCOME_NOTED,
    OUTCOME_OTHER,
    OUTCOME_POSTPONED,
    OUTCOME_RECOMMENDED,
    OUTCOME_REJECTED,
    SECTION_DESCRIPTION,
    SECTION_OTHER,
    SECTION_PREVIOUS,
    SECTION_RECOMMENDATION,
    ParsedMeeting,
    ParseResult,
    ReferatError,
    extract_pdf_text,
    parse_referat,
)
from minutes.parsing.decisions import classify_outcome, combine_outcomes
from minutes.parsing.headings import case_number
from minutes.parsing.municipalities import MUNICIPALITIES, infer_municipality
from minutes.parsing.referat import toc_title_matches
from minutes.tests.shared import corpus_file

CPH = ZoneInfo("Europe/Copenhagen")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# --- the facts of /work/shared/corpus/README.md, as data ------------------------------------------
# item rows: (number, case number, closed, decision begins with, title); "…" marks a prefix.

CORPUS = {
    "000": {
        "municipality": "Sorø Kommune",
        "committee": "Arbejdsmarkeds og Erhvervsudvalget",
        "start": datetime(2025, 8, 14, 16, 0, tzinfo=CPH),
        "location": "Dianalund Stuen",
        "items": [
            ("554", "00.01.00-G01-19-24", False, "Godkendt.", "Godkendelse af dagsordenen"),
            ("555", "00.01.00-G01-74-23", False, "Taget til efterretning.", "Meddelelser"),
            (
                "556",
                "00.22.00-A21-3-23",
                False,
                "Taget til efterretning.",
                "Gennemgang og drøftelse af årshjul for Arbejdsmarkeds og Erhvervsudvalget",
            ),
            (
                "557",
                "15.00.00-G01-15-24",
                False,
                "Taget til efterretning.",
                "Opfølgning på forbrug af uddannelsespuljerne",
            ),
            (
                "558",
                "15.00.00-G01-17-25",
                False,
                "Taget til efterretning.",
                "Opfølgning på klager til Ankestyrelsen over Sorø Kommunes afgørelser på "
                "beskæftigelsesområdet for 2024",
            ),
            (
                "559",
                "15.00.00-G01-21-24",
                False,
                "Pkt. 1: Godkendt.",
                "Status på aftalen om beskæftigelsespolitiske mål med fagcenter Arbejdsmarked og "
                "Borgerservice.",
            ),
            (
                "560",
                "15.00.00-G01-20-24",
                False,
                "Taget til efterretning.",
                "Status på aftale mellem Regeringen og Kommunernes Landsforening (KL) om den kommende "
                "beskæftigelsesreform",
            ),
            (
                "561",
                "00.01.00-P22-1-21",
                False,
                "Pkt. 1: Forslaget godkendes med den bemærkning, at begge …",
                "Beslutning om udpegning af indsatser i regi af Sorø Kommunes Handicappolitik for 2026",
            ),
            ("562", "00.01.00-G01-98-22", False, "Ingen bemærkninger.", "Underskriftsark"),
        ],
    },
    "001": {
        "municipality": "Sorø Kommune",
        "committee": "Arbejdsmarkeds og Erhvervsudvalget",
        "start": datetime(2023, 9, 28, 16, 0, tzinfo=CPH),
        "location": "Varig Teknik og Miljø, Varig Alle 1, 4180 Sorø",
        "items": [
            ("161", "00.01.00-G01-52-22", False, "Dagsorden godkendt.", "Godkendelse af dagsorden"),
            ("162", "00.01.00-G01-46-22", False, "Orienteringerne taget til efterretning.", "Meddelelser"),
            (
                "163",
                "00.22.00-A21-3-23",
                False,
                "Orienteringen taget til efterretning.",
                "Orientering om årshjul for Arbejdsmarkeds og Erhvervsudvalget",
            ),
            (
                "164",
                "15.00.00-G01-27-23",
                False,
                "Orienteringen taget til efterretning.",
                "Orientering om opfølgning på rehabiliteringsteamet og sagsbehandlingstider",
            ),
            (
                "165",
                "15.00.00-G01-28-23",
                False,
                "Orienteringen taget til efterretning.",
                "Orientering om status på kontrolindsatsen på sociale ydelser for første halvår 2023",
            ),
            (
                "166",
                "15.00.00-G01-30-23",
                False,
                "Orienteringen taget til efterretning.",
                "Orientering om opfølgning på klager til Ankestyrelsen over Sorø Kommunes afgørelser på "
                "social- og beskæftigelsesområdet for 1. halvår 2023",
            ),
            (
                "167",
                "15.00.00-G01-29-23",
                False,
                "Orienteringen taget til efterretning.",
                "Orientering om opfølgning på udviklingsaftalen med fagcenter Arbejdsmarked og Borgerservice",
            ),
            (
                "168",
                "24.10.00-G01-2-23",
                False,
                "Orienteringen taget til efterretning.",
                "Orientering om Dansk Industris Erhvervsklimaanalyse 2023",
            ),
            ("169", "00.01.00-G01-98-22", False, "Godkendt.", "Underskriftsark"),
        ],
    },
    "002": {
        "municipality": "Sorø Kommune",
        "committee": "Arbejdsmarkeds og Erhvervsudvalget",
        "start": datetime(2024, 9, 26, 16, 0, tzinfo=CPH),
        "location": "Dianalund Stuen",
        "items": [
            ("471", "00.01.00-G01-73-23", False, "Godkendt.", "Godkendelse af dagsordenen"),
            ("472", "00.01.00-G01-74-23", False, "Taget til efterretning.", "Meddelelser"),
            (
                "473",
                "00.22.00-A21-3-23",
                False,
                "Taget til efterretning.",
                "Orientering om årshjul for Arbejdsmarkeds og Erhvervsudvalget",
            ),
            (
                "474",
                "15.00.00-G01-24-24",
                False,
                "Taget til efterretning.",
                "Orientering om opfølgning på aftalen om beskæftigelsespolitiske mål med fagcenter "
                "Arbejdsmarked og Borgerservice",
            ),
            (
                "475",
                "15.00.00-G01-25-24",
                False,
                "Sagen drøftet.",
                "Drøftelse af et udviklingsprojekt for unge i Sorø Kommune",
            ),
            ("476", "00.01.00-G01-98-22", False, "Godkendt.", "Underskriftsark"),
        ],
    },
    "003": {
        "municipality": "Sønderborg Kommune",
        "committee": "Arbejdsmarkedsudvalget",
        "start": datetime(2024, 8, 13, 15, 30, tzinfo=CPH),
        "location": "Borgen, mødelokale Italien",
        "items": [
            ("1", "23/64938", False, "Godkendt.", "Godkendelse af dagsorden - august 2024"),
            (
                "2",
                "23/39379",
                False,
                "Udvalget anbefaler indstillingen.",
                "Godkendelse af 2. bevillingsrevision 2024",
            ),
            (
                "3",
                "24/13018",
                False,
                "Løsningsforslag 2 godkendt.",
                "Godkendelse af model for brugertilfredshedsundersøgelser for Arbejdsmarkedsafdelingen",
            ),
            ("4", "24/9664", False, "Drøftet.", "Drøftelse af indsatsmodel for arbejdspligt"),
            (
                "5",
                "24/12726",
                False,
                "Taget til efterretning.",
                "Orientering om ekspertgruppens anbefalinger",
            ),
            ("6", "23/35144", False, "Taget til efterretning.", "Orientering om status på Rejseholdet"),
            (
                "7",
                "24/5473",
                False,
                "Taget til efterretning.",
                "Orientering om ledelsesinformation juni 2024",
            ),
            ("8", "23/64933", False, "Taget til efterretning.", "Generel orientering - august 2024"),
            (
                "9",
                "23/64947",
                True,
                None,
                "Lukket: Orientering fra formand, medlemmer og direktøren - august 2024 - Lukket",
            ),
            ("10", "23/64948", True, None, "Lukket: Underskriftsside - august 2024"),
        ],
    },
    "004": {
        "municipality": "Sorø Kommune",
        "committee": "Arbejdsmarkeds og Erhvervsudvalget",
        "start": datetime(2022, 11, 10, 16, 0, tzinfo=CPH),
        "location": "Dianalund-stuen, Det gl. Rådhus, Torvet 2, 4180 Sorø",
        "items": [
            ("63", "00.01.00-G01-32-21", False, "Dagsorden godkendt.", "Godkendelse af dagsorden"),
            ("64", "00.01.00-G01-33-21", False, "Orienteringen taget til efterretning.", "Meddelelser"),
            (
                "65",
                "15.00.00-G01-25-22",
                False,
                "Orienteringen taget til efterretning.",
                "Orientering om opfølgning på rehabiliteringsteamet og sagsbehandlingstider",
            ),
            (
                "66",
                "15.00.00-G01-26-22",
                False,
                "Orienteringen taget til efterretning.",
                "Orientering om opfølgning på statistik fra Ankestyrelsen",
            ),
            (
                "67",
                "15.00.00-G01-4-20",
                False,
                "Orienteringen taget til efterretning.",
                "Orientering om opfølgning på handleplanen for integrationspolitikken - november 2022",
            ),
            (
                "68",
                "00.01.00-P00-9-22",
                False,
                "Arbejdsmarkeds og Erhvervsudvalget havde følgende bemærkn…",
                "Høring af forslag til kommissorium for Klima og Miljøudvalget",
            ),
            (
                "69",
                "15.00.00-G01-27-22",
                False,
                "Udkast til Beskæftigelsesplan 2023 godkendt uden ændringer.",
                "Drøftelse af udkast til Beskæftigelsesplan 2023",
            ),
            (
                "70",
                "15.00.00-G01-28-22",
                False,
                "Sagen drøftet og godkendt.",
                "Godkendelse af de handicapstrategiske pejlemærker på beskæftigelsesområdet",
            ),
        ],
    },
}


def _read(name: str) -> str:
    return corpus_file(name).read_text(encoding="utf-8")


class _ParsedCorpus(dict):
    """Parse a corpus file the first time a test asks for it (skips when ../shared is absent)."""

    def __missing__(self, name: str) -> ParseResult:
        self[name] = parse_referat(_read(name))
        return self[name]


@pytest.fixture(scope="module")
def parsed() -> _ParsedCorpus:
    return _ParsedCorpus()


def _item(meeting: ParsedMeeting, number: str):
    return next(item for item in meeting.items if item.number == number)


def _assert_decision_start(text: str, expected: str) -> None:
    if expected.endswith("…"):
        assert text.startswith(expected[:-1].rstrip()), text[:120]
    else:
        assert text.startswith(expected), text[:120]


# --- the corpus ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_meeting_facts(parsed, name):
    facts = CORPUS[name]
    meeting = parsed[name].meeting
    assert meeting.municipality == facts["municipality"]
    assert meeting.committee == facts["committee"]
    assert meeting.start == facts["start"]
    assert meeting.start.tzinfo is not None and meeting.start.utcoffset() is not None
    assert meeting.location == facts["location"]
    assert meeting.kind == "referat"
    assert len(meeting.items) == len(facts["items"])
    assert [item.position for item in meeting.items] == list(range(1, len(facts["items"]) + 1))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_item_facts(parsed, name):
    meeting = parsed[name].meeting
    for item, (number, case, closed, decision_start, title) in zip(
        meeting.items, CORPUS[name]["items"], strict=True
    ):
        assert item.number == number
        assert item.case_number == case, number
        assert item.closed is closed, number
        assert item.title == title, number
        if decision_start is None:
            assert item.decision is None and item.decisions == (), number
        else:
            _assert_decision_start(item.decision.text, decision_start)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_clean_corpus_gives_no_warnings(parsed, name):
    # All five tables of contents agree with the items once truncated titles are allowed for
    # (000 "... besk", 001 "... social- c", 002 "... Arbejdsmarkede"), so no file warns.
    assert parsed[name].warnings == ()


def test_corpus_source_formats(parsed):
    assert parsed["000"].meeting.source_format == "text"
    assert parsed["001"].meeting.source_format == "markdown"
    assert parsed["002"].meeting.source_format == "markdown"


def test_election_period_is_split_from_the_committee(parsed):
    assert parsed["000"].meeting.election_period == "2022-2025"
    assert parsed["003"].meeting.election_period == "2022-25"


def test_003_participants_joined_across_the_line_wrap(parsed):
    names = [p.name for p in parsed["003"].meeting.participants]
    assert names == [
        "Jan Prokopek Jensen",
        "Kristian Bonefeld",
        "Desalegn Tufa",
        "Jimmy Simonsen",
        "Niels Ole Bennedsen",
    ]
    assert not any(p.absent for p in parsed["003"].meeting.participants)


def test_001_absence_on_every_decision(parsed):
    for item in parsed["001"].meeting.items:
        assert item.decision.absent == ("Anne Madsen (A)",), item.number
    assert _item(parsed["001"].meeting, "161").decision.text.startswith("Dagsorden godkendt.")


def test_000_decision_parts(parsed):
    meeting = parsed["000"].meeting
    decision = _item(meeting, "559").decision
    assert [(p.label, p.text, p.outcome) for p in decision.parts] == [
        ("Pkt. 1", "Godkendt.", OUTCOME_APPROVED),
        ("Pkt. 2", "Taget til efterretning.", OUTCOME_NOTED),
    ]
    assert decision.outcome == OUTCOME_APPROVED
    decision = _item(meeting, "561").decision
    assert [p.label for p in decision.parts] == ["Pkt. 1", "Pkt. 2"]
    assert decision.parts[0].text.startswith("Forslaget godkendes med den bemærkning")
    assert decision.parts[0].outcome == OUTCOME_APPROVED
    assert decision.parts[1].text == "Indsatser sendes i høring."
    assert decision.outcome == OUTCOME_APPROVED


def test_004_item_67_earlier_decision_carries_the_dissent(parsed):
    item = _item(parsed["004"].meeting, "67")
    earlier = [d for d in item.decisions if not d.is_current]
    assert len(earlier) == 1
    (previous,) = earlier
    assert previous.body == "Børn og Undervisningsudvalget"
    assert previous.decided_on == date(2022, 11, 8)
    assert previous.reference == "pkt. 107"
    assert previous.outcome == OUTCOME_NOTED
    assert previous.dissent == ("Enhedslisten kan ikke tiltræde indstillingen.",)
    current = item.decision
    assert current.is_current
    assert current.text.startswith("Orienteringen taget til efterretning.")
    assert current.outcome == OUTCOME_NOTED
    assert current.dissent == ()
    assert current.body == "Arbejdsmarkeds og Erhvervsudvalget"
    assert current.decided_on == date(2022, 11, 10)
    # The quoted decision stays readable in its own section too.
    previous_section = next(s for s in item.sections if s.kind == SECTION_PREVIOUS)
    assert "Enhedslisten kan ikke tiltræde" in previous_section.text


def test_004_item_68_four_earlier_decisions(parsed):
    item = _item(parsed["004"].meeting, "68")
    earlier = [d for d in item.decisions if not d.is_current]
    assert [(d.body, d.decided_on, d.reference) for d in earlier] == [
        ("Social og Sundhedsudvalget", date(2022, 11, 7), "pkt. 95"),
        ("Børn og Undervisningsudvalget", date(2022, 11, 8), "pkt. 113"),
        ("Kultur og Fritidsudvalget", date(2022, 11, 9), "pkt. 71"),
        ("Natur, Teknik og Planudvalget", date(2022, 11, 9), "pkt. 139"),
    ]
    assert earlier[0].outcome == OUTCOME_APPROVED
    assert item.decision.text.startswith("Arbejdsmarkeds og Erhvervsudvalget havde følgende bemærkninger")
    assert item.decision.outcome == OUTCOME_OTHER


def test_003_decision_body_and_date_from_the_heading(parsed):
    for item in parsed["003"].meeting.items:
        if item.closed:
            continue
        assert item.decision.body == "Arbejdsmarkedsudvalget"
        assert item.decision.decided_on == date(2024, 8, 13)


def test_000_attachments(parsed):
    meeting = parsed["000"].meeting
    assert [a.title for a in _item(meeting, "555").attachments] == [
        "Arbejdsmarkedet AEU august 2025",
        "KKR Sjælland - Flygtningefordeling 2026",
        "Tilsagn 1",
        "Orientering om udtagelse til genopretningsfasen i skærpet tilsyn (003)",
        "Notat til STAR - skærpet tilsyn - juni 2025",
    ]
    assert [a.title for a in _item(meeting, "561").attachments] == [
        "Bilag 1 - Handicappolitik Sorø Kommune",
        "Bilag 2 - Årshjul for Handicappolitik",
        "Bilag 3 - Udgivelse fra Videncenter om handicap",
    ]
    # The "Bilag:" list inside the description is ordinary text there.
    description = next(s for s in _item(meeting, "561").sections if s.kind == SECTION_DESCRIPTION)
    assert "Bilag:\n\n- Bilag 1 - Handicappolitik Sorø Kommune" in description.text


@pytest.mark.parametrize(
    ("name", "number", "outcome"),
    [
        ("000", "554", OUTCOME_APPROVED),
        ("000", "555", OUTCOME_NOTED),
        ("000", "562", OUTCOME_OTHER),
        ("001", "161", OUTCOME_APPROVED),
        ("002", "475", OUTCOME_DISCUSSED),
        ("003", "2", OUTCOME_RECOMMENDED),
        ("003", "3", OUTCOME_APPROVED),
        ("003", "4", OUTCOME_DISCUSSED),
        ("004", "69", OUTCOME_APPROVED),
        ("004", "70", OUTCOME_APPROVED),
    ],
)
def test_corpus_outcomes(parsed, name, number, outcome):
    assert _item(parsed[name].meeting, number).decision.outcome == outcome


def test_unknown_headings_are_kept(parsed):
    headings = [s.heading for s in _item(parsed["001"].meeting, "165").sections]
    assert "Lovgrundlag" in headings
    sections = {s.heading: s.kind for s in _item(parsed["002"].meeting, "474").sections}
    assert sections["Borgertilfredshedsanalyse"] == SECTION_OTHER
    assert sections["Målgrupper"] == SECTION_OTHER
    assert "Omgørelsesprocent for 1. halvår 2023" in [
        s.heading for s in _item(parsed["001"].meeting, "166").sections
    ]


def test_numbered_and_italic_sub_headings_stay_in_the_text(parsed):
    item = _item(parsed["001"].meeting, "167")
    assert [s.heading for s in item.sections].count("3. Handicapområdet") == 0
    description = next(s for s in item.sections if s.kind == SECTION_DESCRIPTION)
    assert "\n3. Handicapområdet\n" in description.text
    assert "\nAndele og langtidsledighed\n" in description.text


def test_plain_sub_headings_stay_in_the_text(parsed):
    description = next(
        s for s in _item(parsed["000"].meeting, "557").sections if s.kind == SECTION_DESCRIPTION
    )
    assert "\n\nDen regionale uddannelsespulje\n\n" in description.text


def test_recommendation_line_without_heading_opens_the_section(parsed):
    item = _item(parsed["004"].meeting, "68")
    recommendation = next(s for s in item.sections if s.kind == SECTION_RECOMMENDATION)
    assert recommendation.heading == ""
    assert recommendation.text.startswith("Klima og Miljøudvalget indstiller, at:")
    # Under an "Indstilling" heading the same kind of line is plain text.
    item = _item(parsed["000"].meeting, "555")
    recommendation = next(s for s in item.sections if s.kind == SECTION_RECOMMENDATION)
    assert recommendation.heading == "Indstilling"
    assert recommendation.text.startswith("Fagcenter Arbejdsmarked og Borgerservice indstiller, at:")


def test_section_text_has_no_markdown_and_keeps_tables(parsed):
    for name in ("001", "002"):
        for item in parsed[name].meeting.items:
            for section in item.sections:
                assert "**" not in section.text and not section.heading.startswith("#")
    item = _item(parsed["000"].meeting, "558")
    description = next(s for s in item.sections if s.kind == SECTION_DESCRIPTION)
    assert "2020\t12\t37\t43\t16\t2020\t19\t29\t17\t18" in description.text


def test_page_break_inside_a_paragraph_is_joined(parsed):
    description = next(
        s for s in _item(parsed["000"].meeting, "559").sections if s.kind == SECTION_DESCRIPTION
    )
    assert "at den nye kontanthjælpsreform træder i kraft" in description.text


def test_toc_is_read(parsed):
    toc = parsed["003"].meeting.toc
    assert len(toc) == 10
    assert toc[0] == "Godkendelse af dagsorden - august 2024"


# --- PDF -----------------------------------------------------------------------------------------

fpdf = pytest.importorskip("fpdf")


def _build_pdf(
    text: str, *, header: str = "Arbejdsmarkeds og Erhvervsudvalget - 14-08-2025", **encryption
) -> bytes:
    """Lay ``text`` out on A4 pages with a running header, a "Side N af M" footer and wrapping."""

    class Referat(fpdf.FPDF):
        def header(self) -> None:
            self.set_font("dejavu", size=8)
            self.cell(0, 8, header, new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("dejavu", size=8)
            self.cell(0, 8, f"Side {self.page_no()} af {{nb}}", align="C")

    pdf = Referat(format="A4")
    pdf.add_font("dejavu", fname=FONT)
    if encryption:
        pdf.set_encryption(**encryption)
    pdf.set_font("dejavu", size=10)
    pdf.add_page()
    for paragraph in text.split("\n\n"):
        if not paragraph.strip():
            continue
        for line in paragraph.strip("\n").split("\n"):
            pdf.multi_cell(0, 5, line.replace("\t", "    "), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def _require_font() -> None:
    if not os.path.exists(FONT):
        pytest.skip(f"{FONT} is missing")


@pytest.mark.parametrize("name", ["000", "003", "004"])
def test_pdf_of_corpus_parses_like_the_text(parsed, name):
    _require_font()
    text = _read(name)
    pdf_text = extract_pdf_text(_build_pdf(text))
    assert "\f" in pdf_text
    result = parse_referat(pdf_text)
    meeting, expected = result.meeting, parsed[name].meeting
    assert meeting.source_format == "pdf"
    assert meeting.committee == expected.committee
    assert meeting.start == expected.start
    assert meeting.municipality == expected.municipality
    assert [i.number for i in meeting.items] == [i.number for i in expected.items]
    assert [i.case_number for i in meeting.items] == [i.case_number for i in expected.items]
    assert [i.title for i in meeting.items] == [i.title for i in expected.items]
    for item, reference in zip(meeting.items, expected.items, strict=True):
        if reference.decision is None:
            assert item.decision is None
        else:
            first_line = reference.decision.text.split("\n")[0]
            assert item.decision.text.startswith(first_line), item.number
            assert item.decision.outcome == reference.decision.outcome
    # Running headers and page numbers are gone from the text.
    all_text = "\n".join(s.text for i in meeting.items for s in i.sections)
    assert "Side 2 af" not in all_text
    assert "Erhvervsudvalget - 14-08-2025" not in all_text
    assert [str(w) for w in result.warnings] == []


def test_pdf_long_paragraphs_are_rejoined(parsed):
    _require_font()
    meeting = parse_referat(extract_pdf_text(_build_pdf(_read("000")))).meeting
    resume = _item(meeting, "556").sections[0]
    assert resume.text == _item(parsed["000"].meeting, "556").sections[0].text


def test_pdf_without_text_layer():
    pdf = fpdf.FPDF(format="A4")
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # drawn, not written: like a scanned page
    with pytest.raises(ReferatError) as error:
        extract_pdf_text(bytes(pdf.output()))
    assert error.value.notice.code == "no_text_layer"


def test_pdf_with_empty_page():
    pdf = fpdf.FPDF(format="A4")
    pdf.add_page()
    with pytest.raises(ReferatError) as error:
        extract_pdf_text(bytes(pdf.output()))
    assert error.value.notice.code == "no_text_layer"


def test_pdf_locked_with_a_password():
    _require_font()
    data = _build_pdf(_read("003"), owner_password="ejer", user_password="hemmelig")
    with pytest.raises(ReferatError) as error:
        extract_pdf_text(data)
    assert error.value.notice.code == "encrypted"


def test_pdf_encrypted_without_user_password_is_read():
    # Permissions-only encryption opens with the empty user password, as in any PDF viewer.
    _require_font()
    data = _build_pdf(_read("003"), owner_password="ejer")
    meeting = parse_referat(extract_pdf_text(data)).meeting
    assert [i.case_number for i in meeting.items][:2] == ["23/64938", "23/39379"]


def test_pdf_truncated():
    _require_font()
    data = _build_pdf(_read("003"))
    with pytest.raises(ReferatError) as error:
        extract_pdf_text(data[: len(data) // 2])
    assert error.value.notice.code == "broken_pdf"


def test_pdf_random_bytes():
    with pytest.raises(ReferatError) as error:
        extract_pdf_text(os.urandom(4096))
    assert error.value.notice.code == "not_pdf"
    with pytest.raises(ReferatError):
        extract_pdf_text(b"%PDF-1.4\n" + os.urandom(2048) + b"\n%%EOF\n")


# --- small inputs --------------------------------------------------------------------------------

HEADER = """REFERAT Økonomiudvalget 2022-2025 d. 03-02-2025

Mødedato Mandag d. 3. februar 2025 kl. 17:00

Mødested Byrådssalen

"""


def _parse(body: str, header: str = HEADER, **kwargs) -> ParseResult:
    return parse_referat(header + body, **kwargs)


def test_wrapped_title_and_case_number_with_label():
    result = _parse(
        "Punkt 12: Godkendelse af en meget lang titel som fortsætter\npå næste linje\n\n"
        "Sagsnr.: S2023-1234\n\nBeslutning\n\nGodkendt.\n"
    )
    (item,) = result.meeting.items
    assert item.title == "Godkendelse af en meget lang titel som fortsætter på næste linje"
    assert item.case_number == "S2023-1234"
    assert result.meeting.committee == "Økonomiudvalget"
    assert result.meeting.start == datetime(2025, 2, 3, 17, 0, tzinfo=CPH)


@pytest.mark.parametrize(
    "heading",
    ["# Punkt 5: Budget", "## **Punkt 5: Budget**", "**Punkt 5: Budget**", "###### Punkt 5: Budget"],
)
def test_markdown_item_heading_variants(heading):
    text = (
        "# **REFERAT Økonomiudvalget 2022-2025 d. 03-02-2025**\n\n"
        "**Mødedato** Mandag d. 3. februar 2025 kl. 17:00\n\n"
        f"{heading}\n\n2023-012345\n\n## Sagsfremstilling\n\nTekst med **fed** og *kursiv*.\n\n"
        "## Ny overskrift\n\nMere tekst.\n\n### Underafsnit\n\nEndnu mere.\n\n"
        "## **Beslutning**\n\nGodkendt.\n"
    )
    result = parse_referat(text)
    (item,) = result.meeting.items
    assert (item.number, item.title, item.case_number) == ("5", "Budget", "2023-012345")
    assert result.meeting.source_format == "markdown"
    assert [(s.heading, s.kind) for s in item.sections] == [
        ("Sagsfremstilling", SECTION_DESCRIPTION),
        ("Ny overskrift", SECTION_OTHER),
    ]
    assert item.sections[0].text == "Tekst med fed og kursiv."
    assert item.sections[1].text == "Mere tekst.\n\nUnderafsnit\n\nEndnu mere."
    assert item.decision.outcome == OUTCOME_APPROVED


def test_closed_item_has_no_decision():
    result = _parse(
        "Punkt 1: Lukket: Personalesag\n\n21-014420\n\n"
        "Punkt 2: Åben sag\n\n21-014421\n\nBeslutning\n\nGodkendt.\n"
    )
    closed, open_item = result.meeting.items
    assert closed.closed and closed.title == "Lukket: Personalesag" and closed.decisions == ()
    assert closed.case_number == "21-014420"
    assert not open_item.closed
    assert result.warnings == ()


def test_per_point_decision_and_negation():
    result = _parse(
        "Punkt 1: Budget\n\nBeslutning\n\nAd 1: Ikke godkendt.\nAd 2: Godkendt.\n\n"
        "Punkt 2: Anlæg\n\nBeslutning\n\n1. Ikke godkendt.\n2. Afvist.\n\n"
        "Punkt 3: Vej\n\nBeslutning\n\nSagen udsættes til næste møde.\n"
    )
    first, second, third = (item.decision for item in result.meeting.items)
    assert [(p.label, p.outcome) for p in first.parts] == [
        ("Ad 1", OUTCOME_REJECTED),
        ("Ad 2", OUTCOME_APPROVED),
    ]
    assert first.outcome == OUTCOME_OTHER  # approved and rejected together
    assert [p.outcome for p in second.parts] == [OUTCOME_REJECTED, OUTCOME_REJECTED]
    assert second.outcome == OUTCOME_REJECTED
    assert third.outcome == OUTCOME_POSTPONED


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("Godkendt.", OUTCOME_APPROVED),
        ("Indstillingen godkendes.", OUTCOME_APPROVED),
        ("Dagsorden godkendt.", OUTCOME_APPROVED),
        ("Sagen drøftet og godkendt.", OUTCOME_APPROVED),
        ("Godkendt, idet Enhedslisten ikke kan tiltræde.", OUTCOME_APPROVED),
        ("Taget til efterretning.", OUTCOME_NOTED),
        ("Orienteringerne taget til efterretning.", OUTCOME_NOTED),
        ("Udvalget anbefaler indstillingen.", OUTCOME_RECOMMENDED),
        ("Indstillingen anbefales over for Byrådet.", OUTCOME_RECOMMENDED),
        ("Drøftet.", OUTCOME_DISCUSSED),
        ("Sagen drøftet.", OUTCOME_DISCUSSED),
        ("Ikke godkendt.", OUTCOME_REJECTED),
        ("Indstillingen godkendes ikke.", OUTCOME_REJECTED),
        ("Afvist.", OUTCOME_REJECTED),
        ("Forkastet.", OUTCOME_REJECTED),
        ("Udsat.", OUTCOME_POSTPONED),
        ("Sagen udsættes.", OUTCOME_POSTPONED),
        ("Ingen bemærkninger.", OUTCOME_OTHER),
        ("Udvalget havde følgende bemærkninger: godkend det hele.", OUTCOME_OTHER),
        ("Indsatser sendes i høring.", OUTCOME_OTHER),
        ("Sagen sendes tilbage til forvaltningen.", OUTCOME_POSTPONED),
        ("Byrådet besluttede at tilbagerulle tiltagene.", OUTCOME_APPROVED),
        ("Byrådet besluttede at sende forslaget til Teknikudvalget.", OUTCOME_OTHER),
        (
            "Formanden orienterede. Spørgsmål blev besvaret. Udvalget anbefaler indstillingen.",
            OUTCOME_RECOMMENDED,
        ),
    ],
)
def test_outcome_rule_table(text, outcome):
    assert classify_outcome(text) == outcome


def test_combine_outcomes_rule():
    assert combine_outcomes([OUTCOME_APPROVED, OUTCOME_NOTED]) == OUTCOME_APPROVED
    assert combine_outcomes([OUTCOME_REJECTED, OUTCOME_OTHER]) == OUTCOME_REJECTED
    assert combine_outcomes([OUTCOME_APPROVED, OUTCOME_REJECTED]) == OUTCOME_OTHER
    assert combine_outcomes([OUTCOME_DISCUSSED, OUTCOME_NOTED]) == OUTCOME_NOTED
    assert combine_outcomes([]) == OUTCOME_OTHER


def test_absence_and_dissent():
    result = _parse(
        "Punkt 1: Budget\n\nBeslutning\n\nGodkendt.\n\nVenstre stemte imod.\n\n"
        "Ikke til stede: Anne Madsen (A), Bo Berg (V) og Eva Holm (C).\n"
    )
    decision = result.meeting.items[0].decision
    assert decision.absent == ("Anne Madsen (A)", "Bo Berg (V)", "Eva Holm (C)")
    assert decision.dissent == ("Venstre stemte imod.",)
    assert decision.text.startswith("Godkendt.")
    assert decision.outcome == OUTCOME_APPROVED


def test_header_variants_and_dagsorden():
    header = (
        "DAGSORDEN Teknik- og Miljøudvalget\n\nDato: 05.03.2024\nTid: kl. 8.30\nSted: Mødelokale 2\n"
        "Deltagere: Ida Holm, Ole Dam og Per Lund\nAfbud: Per Lund\n\n"
    )
    result = _parse("Punkt 1: Orientering\n\n24/123\n\nSagsfremstilling\n\nTekst.\n", header=header)
    meeting = result.meeting
    assert meeting.kind == "dagsorden"
    assert meeting.committee == "Teknik- og Miljøudvalget"
    assert meeting.start == datetime(2024, 3, 5, 8, 30, tzinfo=CPH)
    assert meeting.location == "Mødelokale 2"
    assert [(p.name, p.absent) for p in meeting.participants] == [
        ("Ida Holm", False),
        ("Ole Dam", False),
        ("Per Lund", True),
    ]
    assert result.warnings == ()


def test_start_falls_back_to_the_header_date():
    result = _parse("Punkt 1: A\n\nBeslutning\n\nGodkendt.\n", header="REFERAT Byrådet d. 24-04-2024\n\n")
    assert result.meeting.start == datetime(2024, 4, 24, 0, 0, tzinfo=CPH)
    assert result.meeting.committee == "Byrådet"


def test_dated_decision_headings_and_earlier_top_level_decision():
    result = _parse(
        "Punkt 1: Budget\n\n24/55\n\nTidligere politisk behandlet\n\n"
        "Beslutning i Økonomiudvalget den 16-01-2025\n\nAnbefales over for Byrådet.\n\n"
        "Beslutning i Økonomiudvalget den 03-02-2025\n\nGodkendt.\n"
    )
    (item,) = result.meeting.items
    earlier, current = item.decisions
    assert (earlier.is_current, earlier.body, earlier.decided_on, earlier.outcome) == (
        False,
        "Økonomiudvalget",
        date(2025, 1, 16),
        OUTCOME_RECOMMENDED,
    )
    assert (current.is_current, current.body, current.decided_on, current.text) == (
        True,
        "Økonomiudvalget",
        date(2025, 2, 3),
        "Godkendt.",
    )


def test_unknown_plain_line_and_preamble_are_kept():
    result = _parse("Punkt 1: A\n\n24/55\n\nIndledende tekst.\n\nSagsfremstilling\n\nEt afsnit\n\nMere.\n")
    (item,) = result.meeting.items
    assert [(s.heading, s.kind, s.text) for s in item.sections] == [
        ("", SECTION_OTHER, "Indledende tekst."),
        ("Sagsfremstilling", SECTION_DESCRIPTION, "Et afsnit\n\nMere."),
    ]


def test_windows_newlines_nbsp_soft_hyphens_and_trailing_spaces():
    text = (
        HEADER + "Punkt 1:\u00a0Beskæf\u00adtigelse   \n\n24/55  \n\nBeslutning\t\n\nGodkendt.  \n"
    ).replace("\n", "\r\n")
    (item,) = parse_referat(text).meeting.items
    assert item.title == "Beskæftigelse"
    assert item.case_number == "24/55"
    assert item.decision.text == "Godkendt."


def test_toc_mismatch_warnings():
    header = HEADER + "Indholdsfortegnelse\n\nBudget.....\t3\nAnlæg.....\t4\nNoget helt andet.....\t5\n\n"
    result = _parse(
        "Punkt 1: Budget\n\nBeslutning\n\nGodkendt.\n\nPunkt 2: Anlæg\n\nBeslutning\n\nGodkendt.\n",
        header=header,
    )
    codes = [w.code for w in result.warnings]
    assert codes == ["toc_mismatch", "toc_title_mismatch"]
    assert str(result.warnings[0]) == "Indholdsfortegnelsen nævner 3 punkter, men referatet har 2."


def test_toc_title_matching_allows_truncation():
    title = (
        "Orientering om opfølgning på aftalen om beskæftigelsespolitiske mål med fagcenter Arbejdsmarked og"
    )
    assert toc_title_matches(
        "Orientering om opfølgning på aftalen om beskæftigelsespolitiske mål med fagcenter Arbejdsmarkede",
        title,
        truncated=True,
    )
    assert toc_title_matches("Status på aftalen.", "Status på aftalen.")
    assert not toc_title_matches("Budget 2026", "Anlægsoversigt")


def test_truncated_referat_warns():
    result = _parse(
        "Punkt 1: A\n\nBeslutning\n\nGodkendt.\n\nPunkt 2: B\n\nBeslutning\n\nGodkendt.\n\n"
        "Punkt 3: C\n\n24/55\n\nSagsfremstilling\n\nKommunen har i år modtaget en ansøgning om tilskud til\n"
    )
    assert len(result.meeting.items) == 3
    assert [w.code for w in result.warnings] == ["truncated"]


def test_item_numbers_not_increasing_or_duplicated_warn():
    result = _parse(
        "Punkt 5: A\n\nBeslutning\n\nGodkendt.\n\nPunkt 3: B\n\nBeslutning\n\nGodkendt.\n\n"
        "Punkt 3: C\n\nBeslutning\n\nGodkendt.\n"
    )
    assert [w.code for w in result.warnings] == ["item_number_order", "item_number_duplicate"]


def test_empty_input():
    for text in ("", "   \n\t\n"):
        with pytest.raises(ReferatError) as error:
            parse_referat(text)
        assert error.value.notice.code == "empty"


def test_garbage_input():
    with pytest.raises(ReferatError) as error:
        parse_referat(os.urandom(2000).decode("latin-1"))
    assert error.value.notice.code == "not_text"
    with pytest.raises(ReferatError) as error:
        parse_referat("\ufffd\ufffd\x00\x01" * 50)
    assert error.value.notice.code == "not_text"


def test_text_that_is_no_referat():
    with pytest.raises(ReferatError) as error:
        parse_referat("Kære borger\n\nTak for din henvendelse om affaldsordningen.\n")
    assert error.value.notice.code == "not_a_referat"
    assert "referat" in str(error.value)


def test_header_without_date():
    with pytest.raises(ReferatError) as error:
        parse_referat("REFERAT Økonomiudvalget\n\nPunkt 1: A\n\nBeslutning\n\nGodkendt.\n")
    assert error.value.notice.code == "no_date"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.00.00-G01-15-24", "15.00.00-G01-15-24"),
        ("23/39379", "23/39379"),
        ("21-014420", "21-014420"),
        ("2023-012345", "2023-012345"),
        ("S2023-1234", "S2023-1234"),
        ("Sagsnr.: 24/5473", "24/5473"),
        ("14-08-2025", ""),
        ("2022-2025", ""),
        ("481.000", ""),
        ("Godkendt.", ""),
        ("COVID-19", ""),
    ],
)
def test_case_number_shapes(text, expected):
    assert case_number(text) == expected


def test_municipalities():
    assert len(MUNICIPALITIES) == 98 and len(set(MUNICIPALITIES)) == 98
    assert infer_municipality("Sorø Kommunes politik. Holbæk Kommune. Sorø Kommune.") == "Sorø Kommune"
    assert infer_municipality("Kommunernes Landsforening") == ""
    assert infer_municipality("Københavns Kommune og Københavns Kommunes budget") == "Københavns Kommune"
    result = _parse("Punkt 1: A\n\nBeslutning\n\nGodkendt.\n", municipality="Sorø")
    assert result.meeting.municipality == "Sorø Kommune"
