"""Map FirstAgenda Publication JSON onto the parsed dataclasses of ``minutes.parsing``.

FirstAgenda Publication (``dagsordener.<kommune>.dk``) serves each meeting as JSON:
structured items with case numbers, attachments and the item text as HTML. This
module turns one such response into a ``ParseResult`` and the committee list into
``PortalMeeting`` rows. It does no I/O; ``minutes.sources.portal`` fetches.

Choices made here, so the reader need not rediscover them from the samples
(``../shared/firstagenda/README.md`` describes the endpoints):

- Sections are split at ``<h3>`` and at the sub-headings (``<h2>``, ``<h4>``, ...)
  inside them: Greve's "Fremstilling" is made of Sagsprocedure, Resume, Indstilling,
  Sagsbeskrivelse, Økonomiske konsekvenser, ..., and each becomes a section of its
  own kind (an "Fremstilling" left empty by the split is dropped). A sub-heading stays
  a heading line of the text inside a decision, "Sagens forløb" or an earlier
  decision quoted, which are read whole; and a heading element that does not read
  as a heading (empty, a figure, a sentence ending in a full stop) is a paragraph.
- Section kinds come from the heading vocabulary shared with text and PDF referater
  (``minutes.parsing.headings``), then from FirstAgenda's own names below.
- Decisions are read by ``minutes.parsing.decisions`` (``build_decision``), like
  decisions in text and PDF referater: outcome, points, absence and dissent.
- "Sagens forløb" is kept as a ``case_flow`` section and, in addition, each dated
  entry in it (``<u>27-02-2023 Økonomiudvalget</u>`` followed by that committee's
  decision) becomes a ``ParsedDecision`` with that body and date, ``is_current=False``.
- A field's ``Navn``, when set, heads the text before its first ``<h3>`` (Greve leaves
  it empty). An entry of "Sagens forløb" that repeats this meeting's decision is
  dropped, so an item has at most one decision with ``is_current=True``.
- Absence: ``ExternalAgendaItemAttendees`` whose ``Reason`` reads as absence
  ("Fraværende", "Afbud") and lines such as "Afbud: ..." in the decision go to the
  item's current decision; ``Moededeltagere`` (``Absent``/``ParticipationCancelled``)
  gives the meeting's participants.
- A closed item ("Lukket: ...") of a concluded meeting (``Moede.Afsluttet``) whose
  text carries no heading at all is read as the decision: that is how the portal
  publishes the decision of a closed item, and nothing else of it is public.
- A field that has a PDF (``DocumentId``/``Link``) but no text becomes an attachment
  titled "Sagsfremstilling (PDF)" placed before the bilag, with a warning, so the
  item is not silently empty. When the field also has text the PDF repeats that
  text and is not listed.
- ``position`` is the item's rank by ``Sorting`` (ties and gaps keep the JSON's
  order), so it is always 1..n whatever numbering a portal uses for ``Sorting``.
- ``kind`` is "referat" when any item has a decision of this meeting; ``Moede.Navn``
  says "Dagsorden" even on Greve's minutes, so it is not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from minutes.parsing.dates import find_date
from minutes.parsing.decisions import build_decision
from minutes.parsing.headings import classify_heading
from minutes.parsing.types import (
    SECTION_CASE_FLOW,
    SECTION_DESCRIPTION,
    SECTION_ECONOMY,
    SECTION_HEARING,
    SECTION_LEGAL,
    SECTION_OTHER,
    SECTION_PREVIOUS,
    SECTION_RECOMMENDATION,
    SECTION_RESUME,
    SECTION_VISION,
    Notice,
    ParsedAttachment,
    ParsedDecision,
    ParsedItem,
    ParsedMeeting,
    ParsedParticipant,
    ParsedSection,
    ParseResult,
    ReferatError,
    gettext_noop,
)

SECTION_KINDS = frozenset(
    [
        SECTION_CASE_FLOW,
        SECTION_DESCRIPTION,
        SECTION_ECONOMY,
        SECTION_HEARING,
        SECTION_LEGAL,
        SECTION_PREVIOUS,
        SECTION_RECOMMENDATION,
        SECTION_RESUME,
        SECTION_VISION,
    ]
)

__all__ = [
    "PDF_ATTACHMENT_TITLE",
    "SOURCE_FORMAT",
    "PortalMeeting",
    "html_to_text",
    "map_committee_list",
    "map_meeting",
    "same_body",
    "split_election_period",
]

SOURCE_FORMAT = "firstagenda"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
PDF_ATTACHMENT_TITLE = "Sagsfremstilling (PDF)"

UNEXPECTED_JSON = gettext_noop(
    "Uventet JSON i møde {meeting}: feltet {field} mangler eller har forkert form."
)


@dataclass(frozen=True)
class PortalMeeting:
    """One meeting as announced in the portal's committee list (``udvalgsliste``)."""

    meeting_id: str
    committee_id: str
    committee_name: str  # without the election period
    period: str  # "2022-2025", from the committee name or its group
    start: datetime  # timezone-aware, Europe/Copenhagen
    released: datetime | None  # ReleasedDate; None until the portal releases it
    name: str  # "Dagsorden" or "Referat", as the portal labels it
    closed: bool  # Afsluttet
    supplementary: bool  # IsSupplementaryAgenda


# --- reading JSON defensively -------------------------------------------------


def _unexpected(meeting: str, field_path: str) -> ReferatError:
    return ReferatError("unexpected_json", UNEXPECTED_JSON, meeting=meeting, field=field_path)


class _Obj:
    """A JSON object whose reads raise ``ReferatError`` naming the meeting and field."""

    def __init__(self, value: Any, path: str, meeting: str) -> None:
        if not isinstance(value, dict):
            raise _unexpected(meeting, path or "(hele svaret)")
        self.value = value
        self.path = path
        self.meeting = meeting

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return key in self.value

    def required(self, key: str, types: type | tuple[type, ...]) -> Any:
        """Return ``key``; raise when it is absent, null or of another type."""
        if key not in self.value or not _is_a(self.value[key], types):
            raise _unexpected(self.meeting, self.where(key))
        return self.value[key]

    def optional(self, key: str, types: type | tuple[type, ...], default: Any = None) -> Any:
        """Return ``key``, or ``default`` when absent or null; raise on another type."""
        value = self.value.get(key)
        if value is None:
            return default
        if not _is_a(value, types):
            raise _unexpected(self.meeting, self.where(key))
        return value

    def objects(self, key: str) -> list[_Obj]:
        """Return the list of objects under ``key`` (absent or null: empty)."""
        items = self.optional(key, list, [])
        return [_Obj(item, f"{self.where(key)}[{i}]", self.meeting) for i, item in enumerate(items)]


def _is_a(value: Any, types: type | tuple[type, ...]) -> bool:
    # bool is an int in Python; a flag where a number belongs is a changed shape.
    wanted = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in wanted:
        return False
    return isinstance(value, wanted)


def _parse_timestamp(raw: str, obj: _Obj, key: str, warnings: list[Notice]) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _unexpected(obj.meeting, obj.where(key)) from None
    if moment.tzinfo is None:
        warnings.append(
            Notice(
                "naive_timestamp",
                gettext_noop(
                    "Tidspunktet {field} i møde {meeting} har ingen tidszone; dansk tid er antaget."
                ),
                {"meeting": obj.meeting, "field": obj.where(key)},
            )
        )
        return moment.replace(tzinfo=COPENHAGEN)
    return moment.astimezone(COPENHAGEN)


# --- names and dates ------------------------------------------------------------

_PERIOD = re.compile(
    r"^(?P<name>.*?)[\s,]*[(\[]?\s*(?P<start>\d{4})\s*[-–]\s*(?P<end>\d{4}|\d{2})\s*[)\]]?\s*$"
)


def split_election_period(name: str) -> tuple[str, str]:
    """Split "Byråd 2022-2025" into ("Byråd", "2022-2025"); no period gives ("Byråd", "")."""
    name = " ".join(name.split())
    match = _PERIOD.match(name)
    if not match or not match["name"]:
        return name, ""
    return match["name"], f"{match['start']}-{match['end']}"


def _body_key(body: str) -> str:
    return split_election_period(body)[0].casefold()


def same_body(first: str, second: str) -> bool:
    """Tell whether two committee names mean the same body ("Byråd" / "Byrådet")."""
    a, b = sorted((_body_key(first), _body_key(second)), key=len)
    # Danish definite forms add a suffix: Byråd -> Byrådet, Økonomiudvalg -> Økonomiudvalget.
    return bool(a) and b.startswith(a) and b[len(a) :] in ("", "et", "en", "e")


# --- HTML to text -----------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\ufeff"), None)
_SKIPPED_TAGS = frozenset(["script", "style", "head", "title", "meta", "link", "noscript"])
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "center",
        "dl",
        "dt",
        "dd",
        "hr",
        "figure",
        "figcaption",
    ]
)
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
# Greve writes the parts of "Fremstilling" (Resume, Indstilling, Sagsbeskrivelse, ...) as
# <h2> or <h4>; any heading level other than the <h3> of the item's sections may occur.
_SUBHEADING_TAGS = frozenset(["h1", "h2", "h4", "h5", "h6"])
_SUBHEADING_MAX_LENGTH = 120


def _collapse(text: str) -> str:
    return " ".join(text.translate(_INVISIBLE).split())


def _is_subheading(text: str) -> bool:
    """Tell whether a heading element's text reads as a heading.

    Editors format text as headings too: empty ones, a figure in a table cell
    ("156.343"), a sentence ("Kultur- og Fritidsudvalget."). Those stay paragraphs.
    """
    return (
        any(char.isalpha() for char in text)
        and len(text) <= _SUBHEADING_MAX_LENGTH
        and not text.endswith(".")
    )


@dataclass
class _RawSection:
    heading: str | None  # None for text before the first <h3>
    lines: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)  # texts of <u> elements
    sub: bool = False  # headed by <h2>/<h4>/... inside an <h3> section

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip("\n")


class _TextWriter:
    """Collect text lines: blank line between blocks, none between list items."""

    def __init__(self, *, split: bool) -> None:
        self.split = split
        self.sections = [_RawSection(None)]
        self.prefix = ""  # list marker waiting for the item's first line
        self.tight = 0  # inside a list: blocks break lines, not paragraphs
        self._buffer: list[str] = []

    @property
    def lines(self) -> list[str]:
        return self.sections[-1].lines

    def text(self, text: str) -> None:
        self._buffer.append(text)

    def line_break(self) -> None:
        line = _collapse("".join(self._buffer))
        self._buffer.clear()
        if line:
            self.lines.append(self.prefix + line)
            self.prefix = ""

    def paragraph_break(self) -> None:
        self.line_break()
        if not self.tight and self.lines and self.lines[-1]:
            self.lines.append("")

    def raw_line(self, line: str) -> None:
        self.line_break()
        self.lines.append(line)

    def start_section(self, heading: str, *, sub: bool = False) -> None:
        self.line_break()
        self.sections.append(_RawSection(heading, sub=sub))

    def finish(self) -> list[_RawSection]:
        self.line_break()
        return self.sections


def _render(node: Tag, out: _TextWriter, depth: int = 0) -> None:
    for child in node.children:
        _render_node(child, out, depth)


def _render_node(node: PageElement, out: _TextWriter, depth: int) -> None:
    if isinstance(node, _NOT_TEXT):
        return
    if isinstance(node, NavigableString):
        out.text(str(node))
        return
    if not isinstance(node, Tag) or node.name in _SKIPPED_TAGS:
        return
    name = node.name
    if name == "br":
        out.line_break()
    elif name == "h3" and out.split:
        out.start_section(_collapse(node.get_text()))
    elif (
        name in _SUBHEADING_TAGS
        and out.split
        and not out.tight
        and _is_subheading(heading := _collapse(node.get_text()))
    ):
        out.start_section(heading, sub=True)
    elif name in ("ul", "ol"):
        _render_list(node, out, depth)
    elif name == "table":
        _render_table(node, out)
    elif name in _BLOCK_TAGS:
        out.paragraph_break()
        _render(node, out, depth)
        out.paragraph_break()
    else:
        if name == "u":
            # FirstAgenda underlines the "dd-mm-yyyy Udvalg" lines in "Sagens forløb".
            out.sections[-1].markers.append(_collapse(node.get_text()))
        _render(node, out, depth)


def _list_label(number: int, style: str) -> str:
    if "alpha" in style or style in ("a", "A"):
        letter = chr(ord("a") + (number - 1) % 26)
        return letter.upper() if "upper" in style or style == "A" else letter
    return str(number)


def _render_list(node: Tag, out: _TextWriter, depth: int) -> None:
    out.paragraph_break()
    out.tight += 1
    style = str(node.get("type") or node.get("style") or "")
    start = str(node.get("start") or "1")
    number = int(start) if start.isdigit() else 1
    for child in node.children:
        if isinstance(child, Tag) and child.name == "li":
            marker = f"{_list_label(number, style)}. " if node.name == "ol" else "- "
            number += 1
            out.line_break()
            out.prefix = "  " * depth + marker
            _render(child, out, depth + 1)
            out.line_break()
            out.prefix = ""
        else:
            # Lists nested straight inside a list (seen in Greve's HTML) are indented too.
            _render_node(child, out, depth + 1)
    out.tight -= 1
    out.paragraph_break()


def _render_table(table: Tag, out: _TextWriter) -> None:
    out.paragraph_break()
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue  # a row of a nested table is rendered inside its cell
        cells = [_cell_text(cell) for cell in row.find_all(["td", "th"], recursive=False)]
        if any(cells):
            out.raw_line("\t".join(cells))
    out.paragraph_break()


def _cell_text(cell: Tag) -> str:
    writer = _TextWriter(split=False)
    _render(cell, writer)
    return " ".join(line for section in writer.finish() for line in section.lines if line)


def _html_sections(html: str, field_name: str = "") -> list[_RawSection]:
    """Split HTML into sections at <h3> and at the sub-headings inside them.

    A sub-heading becomes its own section, except inside a decision, "Sagens
    forløb" or an earlier decision quoted: there it stays a heading line of the
    text, which is read as a whole.
    """
    writer = _TextWriter(split=True)
    _render(BeautifulSoup(html, "html.parser"), writer)
    sections: list[_RawSection] = []
    parent: _RawSection | None = None
    for section in writer.finish():
        if not section.sub:
            parent = section
            sections.append(section)
            continue
        heading = parent.heading if parent and parent.heading is not None else field_name
        if parent is not None and _reads_as_a_whole(heading):
            _append_heading_line(parent, section)
            continue
        if parent is not None and parent is sections[-1] and not parent.text:
            sections.pop()  # an empty "Fremstilling" only held the sub-sections
        sections.append(section)
    return sections


def _reads_as_a_whole(heading: str) -> bool:
    if not heading:
        return False
    return bool(_DECISION_HEADING.match(heading)) or _section_kind(heading) in (
        SECTION_CASE_FLOW,
        SECTION_PREVIOUS,
    )


def _append_heading_line(parent: _RawSection, section: _RawSection) -> None:
    """Put a sub-section back into its parent as a heading line, as printed."""
    if parent.lines and parent.lines[-1]:
        parent.lines.append("")
    parent.lines.extend([section.heading or "", "", *section.lines])
    parent.markers.extend(section.markers)


def html_to_text(html: str) -> str:
    """Return the text of an HTML fragment: headings and paragraphs, lists, tables."""
    writer = _TextWriter(split=False)
    _render(BeautifulSoup(html, "html.parser"), writer)
    return writer.finish()[0].text


# --- sections and decisions ------------------------------------------------------

_SECTION_KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (
            r"^(sags)?fremstilling|^(ny )?supplerende sags(fremstilling|beskrivelse)"
            r"|^sagsbeskrivelse",
            SECTION_DESCRIPTION,
        ),
        (r"^beskrivelse af sagen", SECTION_DESCRIPTION),
        (r"^indstilling|^beslutningspunkter", SECTION_RECOMMENDATION),
        # Greve's "Sagsprocedure" names the bodies that treat the case: "Sagens gang".
        (r"^sagens (forløb|gang)|^sagsforløb|^sagsprocedure", SECTION_CASE_FLOW),
        (r"^(kort )?resum[eé]|^sagsresum[eé]", SECTION_RESUME),
        (r"^økonomi|^bevillingsmæssige", SECTION_ECONOMY),
        (r"^tidligere (beslutninger|politisk)", SECTION_PREVIOUS),
        (r"^høring", SECTION_HEARING),
        (r"^(lov|rets)grundlag", SECTION_LEGAL),
    )
)

_DECISION_HEADING = re.compile(
    r"^beslutning(?:er)?\b(?:\s+(?:i|på|fra|af)\b)?\s*(?P<body>.*?)\s*"
    r"(?:(?:\bden\s+|\bd\.\s*)?(?P<date>\d{1,2}[-./]\d{1,2}[-./]\d{2,4}))?\s*:?\s*$",
    re.IGNORECASE,
)
_ABSENT_REASON = re.compile(r"fravær|afbud|ikke til ?stede|forfald|syg", re.IGNORECASE)
_CLOSED_TITLE = re.compile(r"^\s*lukket(\s+punkt)?\s*:", re.IGNORECASE)
_CASE_FLOW_MARKER = re.compile(r"^(?P<date>\d{1,2}-\d{1,2}-\d{4})\s+(?P<body>\S.*)$")


def _section_kind(heading: str) -> str:
    # The vocabulary shared with text and PDF referater first, then FirstAgenda's own.
    known = classify_heading(heading)
    if known is not None and known.kind in SECTION_KINDS:
        return known.kind
    for pattern, kind in _SECTION_KINDS:
        if pattern.search(heading):
            return kind
    return SECTION_OTHER


def _unique(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


@dataclass
class _Meeting:
    """What mapping an item needs to know about its meeting."""

    meeting_id: str
    committee: str
    meeting_date: date
    concluded: bool
    source_url: str
    warnings: list[Notice]


@dataclass
class _ItemContext:
    meeting: _Meeting
    number: str
    closed: bool

    def warn(self, code: str, message: str, **params: str | int) -> None:
        params = {"meeting": self.meeting.meeting_id, "number": self.number, **params}
        self.meeting.warnings.append(Notice(code, message, params))


def _decision(text: str, body: str, decided_on: date | None, context: _ItemContext) -> ParsedDecision:
    meeting = context.meeting
    is_current = same_body(body, meeting.committee) and decided_on == meeting.meeting_date
    # The decision's outcome, parts, absence and dissent follow the same rules as
    # decisions read from text and PDF referater (minutes.parsing.decisions).
    return build_decision(text.split("\n"), is_current=is_current, body=body, decided_on=decided_on)


def _heading_decision(heading: str, text: str, context: _ItemContext) -> ParsedDecision | None:
    match = _DECISION_HEADING.match(heading)
    if not match:
        return None
    meeting = context.meeting
    body = match["body"].strip(" ,")
    decided_on: date | None = None
    if match["date"]:
        decided_on = find_date(match["date"])
        if decided_on is None:
            context.warn(
                "bad_decision_date",
                gettext_noop(
                    "Punkt {number} i møde {meeting}: datoen i overskriften «{heading}» er ugyldig."
                ),
                heading=heading,
            )
    if not body:
        body = meeting.committee
    if not match["date"] and same_body(body, meeting.committee):
        decided_on = meeting.meeting_date
    return _decision(text, body, decided_on, context)


def _case_flow_decisions(section: _RawSection, context: _ItemContext) -> list[ParsedDecision]:
    """Return the dated entries of "Sagens forløb" as decisions of their committees."""
    markers = {marker for marker in section.markers if _CASE_FLOW_MARKER.match(marker)}
    entries: list[tuple[str, list[str]]] = []
    for line in section.lines:
        if line in markers:
            entries.append((line, []))
        elif entries:
            entries[-1][1].append(line)
    decisions = []
    for marker, lines in entries:
        match = _CASE_FLOW_MARKER.match(marker)
        assert match  # markers were filtered by this pattern above
        text = "\n".join(lines).strip("\n")
        if text:
            decisions.append(_decision(text, match["body"], find_date(match["date"]), context))
    return decisions


def _field_sections(
    obj: _Obj, context: _ItemContext
) -> tuple[list[ParsedSection], list[ParsedDecision], list[ParsedAttachment]]:
    sections: list[ParsedSection] = []
    decisions: list[ParsedDecision] = []
    pdfs: list[ParsedAttachment] = []
    field_name = _collapse(obj.optional("Navn", str, ""))
    html = obj.optional("Html", str, "")
    plain = obj.optional("Tekst", str, "")
    raw_sections = _html_sections(html, field_name) if html.strip() else []
    if not any(s.text or s.heading for s in raw_sections) and plain.strip():
        raw_sections = [_RawSection(None, [_collapse(line) for line in plain.splitlines()])]
    has_headings = any(s.heading is not None for s in raw_sections)

    for raw in raw_sections:
        text = raw.text
        # A field's name heads the text before its first <h3>, like an <h3> would.
        heading = raw.heading if raw.heading is not None else field_name
        if not heading:
            if not text:
                continue
            if not has_headings and context.closed and context.meeting.concluded:
                meeting = context.meeting
                decisions.append(_decision(text, meeting.committee, meeting.meeting_date, context))
            else:
                sections.append(ParsedSection("", SECTION_OTHER, text))
            continue
        decision = _heading_decision(heading, text, context)
        if decision is not None:
            # An empty "Beslutning" is the agenda's placeholder, not a decision.
            if text:
                decisions.append(decision)
            continue
        kind = _section_kind(heading)
        sections.append(ParsedSection(heading, kind, text))
        if kind == SECTION_CASE_FLOW:
            decisions.extend(_case_flow_decisions(raw, context))

    if not raw_sections or not any(s.text for s in raw_sections):
        document_id = obj.optional("DocumentId", str, "")
        link = obj.optional("Link", str, "").strip()
        if document_id == ZERO_GUID:
            document_id = ""
        if document_id or link:
            url = link if link.startswith(("http://", "https://")) else ""
            if not url and document_id and context.meeting.source_url:
                url = f"{context.meeting.source_url}/Vis/Pdf/bilag/{document_id}"
            pdfs.append(ParsedAttachment(PDF_ATTACHMENT_TITLE, source_id=document_id, url=url))
            context.warn(
                "pdf_only_item",
                gettext_noop(
                    "Punkt {number} i møde {meeting} har kun sin sagsfremstilling som PDF; "
                    "teksten kan ikke søges."
                ),
            )
    return sections, decisions, pdfs


def _attendee_absences(obj: _Obj, context: _ItemContext) -> list[str]:
    names = []
    for attendee in obj.objects("ExternalAgendaItemAttendees"):
        name = _collapse(attendee.required("Name", str))
        reason = _collapse(attendee.optional("Reason", str, ""))
        if not name or not reason:
            continue
        if _ABSENT_REASON.search(reason):
            names.append(name)
        else:
            context.warn(
                "attendee_reason",
                gettext_noop(
                    "Punkt {number} i møde {meeting}: {name} har årsagen «{reason}», "
                    "som ikke læses som fravær."
                ),
                name=name,
                reason=reason,
            )
    return names


def _with_absences(
    decisions: list[ParsedDecision], names: list[str], context: _ItemContext
) -> list[ParsedDecision]:
    if not names:
        return decisions
    for index, decision in enumerate(decisions):
        if decision.is_current:
            absent = _unique([*decision.absent, *names])
            return [
                *decisions[:index],
                replace(decision, absent=absent),
                *decisions[index + 1 :],
            ]
    context.warn(
        "absent_without_decision",
        gettext_noop(
            "Punkt {number} i møde {meeting} har fravær registreret, men ingen beslutning: {names}."
        ),
        names=", ".join(names),
    )
    return decisions


def _one_current(decisions: list[ParsedDecision], context: _ItemContext) -> list[ParsedDecision]:
    """Keep one decision of this meeting per item; ``ParsedItem.decision`` takes the first.

    "Sagens forløb" may repeat this meeting's decision under its own date: an
    identical repeat is dropped, a different text is kept as not current and reported.
    """
    first: ParsedDecision | None = None
    kept = []
    for decision in decisions:
        if decision.is_current and first is None:
            first = decision
        elif decision.is_current and first is not None:
            if decision.text == first.text:
                continue
            decision = replace(decision, is_current=False)
            context.warn(
                "several_current_decisions",
                gettext_noop(
                    "Punkt {number} i møde {meeting} har flere beslutninger fra dette møde; "
                    "den første er brugt."
                ),
            )
        kept.append(decision)
    return kept


def _bilag(obj: _Obj, source_url: str) -> list[ParsedAttachment]:
    listed = []
    for index, bilag in enumerate(obj.objects("Bilag")):
        document_id = bilag.required("Id", str)
        title = _collapse(bilag.optional("Navn", str, "")) or "Bilag"
        order = bilag.optional("Order", (int, float), 0)
        url = f"{source_url}/Vis/Pdf/bilag/{document_id}" if source_url else ""
        listed.append((order, index, ParsedAttachment(title, source_id=document_id, url=url)))
    return [attachment for _, _, attachment in sorted(listed, key=lambda t: (t[0], t[1]))]


def _text_of(obj: _Obj, *keys: str) -> str:
    """Return the first of ``keys`` that holds text; numbers are accepted as printed."""
    for key in keys:
        value = obj.optional(key, (str, int))
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def _map_item(obj: _Obj, position: int, meeting: _Meeting) -> ParsedItem:
    number = _text_of(obj, "Punktnummer", "Number")
    if not number:
        number = str(position)
    if not obj.has("Navn") and not obj.has("Caption"):
        raise _unexpected(meeting.meeting_id, obj.where("Navn"))
    title = _collapse(obj.optional("Navn", str, "") or obj.optional("Caption", str, ""))
    closed = bool(_CLOSED_TITLE.match(title))
    context = _ItemContext(meeting, number, closed)
    if not title:
        context.warn(
            "item_without_title",
            gettext_noop("Punkt {number} i møde {meeting} har ingen titel."),
        )
        title = f"Punkt {number}"

    sections: list[ParsedSection] = []
    decisions: list[ParsedDecision] = []
    pdfs: list[ParsedAttachment] = []
    for field_obj in obj.objects("Felter"):
        field_sections, field_decisions, field_pdfs = _field_sections(field_obj, context)
        sections += field_sections
        decisions += field_decisions
        pdfs += field_pdfs
    decisions = _one_current(decisions, context)
    decisions = _with_absences(decisions, _attendee_absences(obj, context), context)

    return ParsedItem(
        number=number,
        position=position,
        title=title,
        case_number=_text_of(obj, "SagsNummer", "CaseNumber"),
        closed=closed,
        sections=tuple(sections),
        decisions=tuple(decisions),
        attachments=(*pdfs, *_bilag(obj, meeting.source_url)),
        source_id=obj.required("Id", str),
    )


# --- public API ----------------------------------------------------------------


def map_meeting(data: dict, *, municipality: str = "", source_url: str = "") -> ParseResult:
    """Map one ``/api/agenda/dagsorden/{id}`` response onto a ``ParsedMeeting``.

    ``source_url`` is the portal's root ("https://dagsordener.greve.dk"); with it,
    attachments get their download address. Raise ``ReferatError`` ("unexpected_json")
    naming the meeting and the field when the JSON is not shaped as expected.
    """
    meeting_id = data.get("Id") if isinstance(data, dict) else None
    label = meeting_id if isinstance(meeting_id, str) and meeting_id else "(ukendt)"
    root = _Obj(data, "", label)
    meeting_id = root.required("Id", str)
    warnings: list[Notice] = []

    committee_obj = _Obj(root.required("Udvalg", dict), "Udvalg", label)
    committee, period = split_election_period(committee_obj.required("Navn", str))
    if not committee:
        raise _unexpected(label, "Udvalg.Navn")
    moede = _Obj(root.required("Moede", dict), "Moede", label)
    start = _parse_timestamp(moede.required("Dato", str), moede, "Dato", warnings)

    participants = []
    for person in moede.objects("Moededeltagere"):
        name = _collapse(person.required("Name", str))
        absent = bool(person.optional("Absent", bool, False)) or bool(
            person.optional("ParticipationCancelled", bool, False)
        )
        if name:
            participants.append(ParsedParticipant(name, absent=absent))

    meeting = _Meeting(
        meeting_id=meeting_id,
        committee=committee,
        meeting_date=start.date(),
        concluded=bool(moede.optional("Afsluttet", bool, False)),
        source_url=source_url.rstrip("/"),
        warnings=warnings,
    )
    root.required("Dagsordenpunkter", list)  # absent or null: not a meeting we can read
    item_objs = root.objects("Dagsordenpunkter")
    if not item_objs:
        warnings.append(
            Notice(
                "no_items",
                gettext_noop("Møde {meeting} har ingen punkter."),
                {"meeting": meeting_id},
            )
        )
    ranked = sorted(
        enumerate(item_objs),
        key=lambda pair: (pair[1].optional("Sorting", (int, float), pair[0]), pair[0]),
    )
    items = tuple(_map_item(obj, position, meeting) for position, (_, obj) in enumerate(ranked, start=1))

    parsed = ParsedMeeting(
        committee=committee,
        start=start,
        location=_collapse(moede.optional("Sted", str, "")),
        election_period=period,
        participants=tuple(participants),
        municipality=municipality,
        items=items,
        kind="referat" if any(item.decision for item in items) else "dagsorden",
        source_format=SOURCE_FORMAT,
        source_id=meeting_id,
    )
    return ParseResult(parsed, tuple(warnings))


def _portal_meeting(
    moede: _Obj, committee_id: str, name: str, period: str, warnings: list[Notice]
) -> PortalMeeting:
    released = moede.optional("ReleasedDate", str)
    return PortalMeeting(
        meeting_id=moede.required("Id", str),
        committee_id=committee_id,
        committee_name=name,
        period=period,
        start=_parse_timestamp(moede.required("Dato", str), moede, "Dato", warnings),
        released=(_parse_timestamp(released, moede, "ReleasedDate", warnings) if released else None),
        name=_collapse(moede.optional("Navn", str, "")),
        closed=bool(moede.optional("Afsluttet", bool, False)),
        supplementary=bool(moede.optional("IsSupplementaryAgenda", bool, False)),
    )


def map_committee_list(data: dict, *, errors: list[ReferatError] | None = None) -> list[PortalMeeting]:
    """Map ``/api/agenda/udvalgsliste`` onto the meetings it announces, in its order.

    Raise ``ReferatError`` ("unexpected_json") naming the meeting (or "udvalgsliste"
    for fields above the meetings) and the field when the shape is not as expected.
    With ``errors``, a meeting that cannot be read is appended there and left out
    instead, so one odd entry does not hide the rest of the list.
    """
    label = "udvalgsliste"
    root = _Obj(data, "", label)
    groups = root.required("Udvalg", dict)
    warnings: list[Notice] = []  # naive timestamps are assumed Danish; nobody to tell here
    meetings = []
    for group_name, committees in groups.items():
        group_path = f"Udvalg[{group_name!r}]"
        if not isinstance(committees, list):
            raise _unexpected(label, group_path)
        group_period = split_election_period(str(group_name))[1]
        for index, raw_committee in enumerate(committees):
            committee = _Obj(raw_committee, f"{group_path}[{index}]", label)
            committee_id = committee.required("Id", str)
            name, period = split_election_period(committee.required("Navn", str))
            for position, raw_meeting in enumerate(committee.optional("Moeder", list, [])):
                meeting_id = raw_meeting.get("Id") if isinstance(raw_meeting, dict) else None
                path = committee.where(f"Moeder[{position}]")
                try:
                    moede = _Obj(
                        raw_meeting,
                        path,
                        meeting_id if isinstance(meeting_id, str) else label,
                    )
                    meetings.append(
                        _portal_meeting(moede, committee_id, name, period or group_period, warnings)
                    )
                except ReferatError as error:
                    if errors is None:
                        raise
                    errors.append(error)
    return meetings
