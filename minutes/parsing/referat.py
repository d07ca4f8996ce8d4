"""Read the structure of a referat: header, table of contents, items, sections, decisions, bilag.

The reader walks cleaned lines (see ``normalize``) and recognises structure from the heading
vocabulary (see ``headings``) and the layout, never from anything specific to one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from .dates import DATE_PATTERN, find_date, find_time
from .decisions import build_decision, classify_outcome, earlier_decisions, split_names
from .headings import (
    HEADING_ATTACHMENTS,
    HEADING_DECISION,
    RECOMMENDATION_LINE,
    TOC_HEADING,
    TOC_LINE,
    Heading,
    case_number,
    classify_heading,
    item_heading,
    strip_election_period,
)
from .municipalities import canonical_municipality, infer_municipality
from .normalize import (
    FORMAT_MARKDOWN,
    FORMAT_PDF,
    Line,
    clean_characters,
    clean_pdf_text,
    detect_format,
    ends_mid_sentence,
    is_garbage,
    is_structural,
    render_paragraphs,
    to_lines,
)
from .types import (
    OUTCOME_OTHER,
    SECTION_OTHER,
    SECTION_PREVIOUS,
    SECTION_RECOMMENDATION,
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

TIMEZONE = ZoneInfo("Europe/Copenhagen")

_TITLE_LINE = re.compile(r"^(?P<kind>REFERAT|DAGSORDEN|Referat|Dagsorden)\b\s*:?\s*(?P<rest>.*)$")
_TITLE_DATE = re.compile(
    rf"\s*(?:\bd\.|\bden)?\s*(?:[a-zæøå]+dag\s+)?(?:d\.\s*)?{DATE_PATTERN}\s*$", re.IGNORECASE
)
_FIELD = re.compile(
    r"^(?P<label>mødedato|mødetidspunkt|mødetid|dato|tidspunkt|tid|mødested|mødelokale|sted|lokale|"
    r"mødedeltagere|deltagere|til stede|fraværende|afbud|udvalg)(?![\wæøå-])\s*:?\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_FIELD_KINDS = {
    "mødedato": "date",
    "dato": "date",
    "mødetidspunkt": "time",
    "mødetid": "time",
    "tidspunkt": "time",
    "tid": "time",
    "mødested": "location",
    "mødelokale": "location",
    "sted": "location",
    "lokale": "location",
    "mødedeltagere": "participants",
    "deltagere": "participants",
    "til stede": "participants",
    "fraværende": "absent",
    "afbud": "absent",
    "udvalg": "committee",
}
_TOC_LINE_SPACED = re.compile(r"^(?P<title>.*?\S)(?P<leader>\s*\.{2,}\s*|\s+)(?P<page>\d{1,3})$")
_NUMBERED = re.compile(r"^\d+[.)]\s")
_BULLET = re.compile(r"^(?:[-•*–]\s+)+")


# --- header ---------------------------------------------------------------------------------------


@dataclass
class _Header:
    kind: str = "referat"
    committee: str = ""
    election_period: str = ""
    title_date: date | None = None
    fields: dict[str, str] = field(default_factory=dict)
    toc: list[tuple[str, bool]] = field(default_factory=list)  # (title, truncated)


def _parse_title(header: _Header, match: re.Match[str]) -> None:
    header.kind = match["kind"].lower()
    rest = match["rest"].strip()
    header.title_date = find_date(rest)
    rest = _TITLE_DATE.sub("", rest)
    header.committee, header.election_period = strip_election_period(rest)


def _parse_header(lines: list[Line]) -> _Header:
    """Read the title line, the labelled fields and the table of contents before the first item."""
    header = _Header()
    title_seen = False
    in_toc = False
    current_field = ""
    pending_toc = ""
    for line in lines:
        text = line.text
        if not text:
            current_field = ""
            continue
        title = _TITLE_LINE.match(text) if not title_seen else None
        if title:
            _parse_title(header, title)
            title_seen, current_field = True, ""
            continue
        if TOC_HEADING.match(text):
            in_toc, current_field = True, ""
            continue
        if in_toc:
            # PDF text turns the tab before the page number into a space: in the TOC a line
            # that ends in a short number is an entry too (titles end in four-digit years).
            toc = TOC_LINE.match(text) or _TOC_LINE_SPACED.match(text)
            if toc:
                title_text = re.sub(
                    r"^Punkt\s+\d+[a-zA-Z]?\s*[:.]\s*", "", f"{pending_toc} {toc['title']}".strip()
                )
                header.toc.append((title_text, ".." not in toc["leader"]))
                pending_toc = ""
            else:
                pending_toc = f"{pending_toc} {text}".strip()  # a TOC title wrapped over lines
            continue
        labelled = _FIELD.match(text)
        if labelled:
            current_field = _FIELD_KINDS[labelled["label"].lower()]
            previous = header.fields.get(current_field, "")
            header.fields[current_field] = (
                f"{previous}, {labelled['value']}" if previous else labelled["value"]
            )
        elif current_field:
            # A value wrapped over lines, e.g. participants: "..., Jimmy" / "Simonsen, ...".
            header.fields[current_field] = f"{header.fields[current_field]} {text}".strip()
    return header


def _meeting_start(header: _Header) -> datetime | None:
    day = find_date(header.fields.get("date", "")) or header.title_date
    if day is None:
        return None
    clock = find_time(header.fields.get("date", "")) or find_time(header.fields.get("time", "")) or time(0, 0)
    return datetime.combine(day, clock, tzinfo=TIMEZONE)


def _participants(header: _Header) -> tuple[ParsedParticipant, ...]:
    present = split_names(header.fields.get("participants", ""))
    absent = split_names(header.fields.get("absent", ""))
    people = [ParsedParticipant(name, absent=name in absent) for name in present]
    people += [ParsedParticipant(name, absent=True) for name in absent if name not in present]
    return tuple(people)


# --- items ----------------------------------------------------------------------------------------


@dataclass
class _Block:
    """A run of item lines under one heading while the item is walked."""

    kind: str  # "section", "decision" or "attachments"
    title: str = ""
    section_kind: str = SECTION_OTHER
    heading: Heading | None = None
    is_current: bool = True
    lines: list[str] = field(default_factory=list)


def _split_items(lines: list[Line]) -> list[int]:
    """Return the indices of item headings.

    A "Punkt 1: Godkendt." line inside a decision, whose number does not move forward and
    whose text reads as an outcome, is a point of that decision, not a new item.
    """
    starts: list[int] = []
    in_decision = False
    last_number = -1
    for index, line in enumerate(lines):
        if not line.text:
            continue
        match = item_heading(line.text)
        if match:
            number = int(re.match(r"\d+", match["number"])[0])
            if not (
                in_decision and number <= last_number and classify_outcome(match["title"]) != OUTCOME_OTHER
            ):
                starts.append(index)
                last_number, in_decision = number, False
                continue
        heading = classify_heading(line.text)
        if heading:
            in_decision = heading.kind == HEADING_DECISION
    return starts


class _ItemReader:
    """Walk the lines of one item into title, case number, sections, decisions and bilag."""

    def __init__(self, lines: list[Line], *, position: int, meeting_date: date, committee: str) -> None:
        self.lines = lines
        self.position = position
        self.meeting_date = meeting_date
        self.committee = committee

    def read(self) -> tuple[ParsedItem, list[_Block]]:
        match = item_heading(self.lines[0].text)
        title = match["title"].strip()
        index = 1
        # A title wrapped over lines continues directly below, without a blank line.
        while (
            index < len(self.lines) and self.lines[index].text and not is_structural(self.lines[index].text)
        ):
            title = f"{title} {self.lines[index].text}"
            index += 1
        number_line, case = self._case_number(index)
        body = [line for i, line in enumerate(self.lines[index:], start=index) if i != number_line]
        blocks = self._walk(body)
        sections, decisions, attachments = self._assemble(blocks)
        item = ParsedItem(
            number=match["number"],
            position=self.position,
            title=title,
            case_number=case,
            closed=title.casefold().startswith("lukket"),
            sections=tuple(sections),
            decisions=tuple(decisions),
            attachments=tuple(attachments),
        )
        return item, blocks

    def _case_number(self, start: int) -> tuple[int, str]:
        """Find the case number among the first two non-blank lines after the title."""
        seen = 0
        for index in range(start, len(self.lines)):
            text = self.lines[index].text
            if not text:
                continue
            found = case_number(text)
            if found:
                return index, found
            seen += 1
            if seen >= 2 or classify_heading(text) or self.lines[index].level:
                break
        return -1, ""

    def _is_earlier(self, heading: Heading) -> bool:
        if heading.decided_on is not None:
            return heading.decided_on < self.meeting_date
        return heading.text.casefold().startswith("beslutning fra")

    def _walk(self, body: list[Line]) -> list[_Block]:
        headings = [classify_heading(line.text) if line.text else None for line in body]
        known_levels = [
            line.level for line, heading in zip(body, headings, strict=True) if heading and line.level
        ]
        section_level = min(known_levels) if known_levels else None
        current = _Block("section")  # text before the first heading
        blocks = [current]
        seen_recommendation = False
        for index, line in enumerate(body):
            text = line.text
            heading = headings[index]
            if not text:
                current.lines.append("")
                continue
            if heading and not self._heading_is_text(heading, index, headings, current):
                if heading.kind == HEADING_DECISION:
                    current = _Block("decision", heading=heading, is_current=not self._is_earlier(heading))
                elif heading.kind == HEADING_ATTACHMENTS:
                    current = _Block("attachments", heading=heading)
                else:
                    current = _Block("section", title=text, section_kind=heading.kind, heading=heading)
                    seen_recommendation = seen_recommendation or heading.kind == SECTION_RECOMMENDATION
                blocks.append(current)
                continue
            if (
                current.kind == "section"
                and not seen_recommendation
                and not heading
                and RECOMMENDATION_LINE.match(text)
            ):
                # "<someone> indstiller, at:" opens the recommendation when no heading did.
                current = _Block("section", section_kind=SECTION_RECOMMENDATION, lines=[text])
                blocks.append(current)
                seen_recommendation = True
                continue
            if not heading and self._is_other_heading(line, section_level):
                current = _Block("section", title=text, section_kind=SECTION_OTHER)
                blocks.append(current)
                continue
            current.lines.append(text)
        return blocks

    def _heading_is_text(
        self, heading: Heading, index: int, headings: list[Heading | None], current: _Block
    ) -> bool:
        """Return True for a heading word that is ordinary text where it stands."""
        later = [h for h in headings[index + 1 :] if h]
        if heading.kind == HEADING_ATTACHMENTS:
            # "Bilag:" with a list inside a description: the item's real list comes later,
            # or the description goes on after it (corpus 000, item 561).
            if any(h.kind == HEADING_ATTACHMENTS for h in later):
                return True
            content_follows = any(h.kind not in (HEADING_DECISION, HEADING_ATTACHMENTS) for h in later)
            return current.kind == "section" and bool(current.title) and content_follows
        if heading.kind == HEADING_DECISION and current.section_kind == SECTION_PREVIOUS:
            # Decisions quoted under "Tidligere politisk behandlet" stay in that section.
            return heading.is_earlier_decision_candidate and self._is_earlier(heading)
        return False

    @staticmethod
    def _is_other_heading(line: Line, section_level: int | None) -> bool:
        """Return True for a Markdown heading outside the vocabulary that starts its own section."""
        if not line.level or line.italic or _NUMBERED.match(line.text) or item_heading(line.text):
            return False
        return section_level is None or line.level <= section_level

    def _assemble(
        self, blocks: list[_Block]
    ) -> tuple[list[ParsedSection], list[ParsedDecision], list[ParsedAttachment]]:
        sections: list[ParsedSection] = []
        decisions: list[ParsedDecision] = []
        attachments: list[ParsedAttachment] = []
        for block in blocks:
            if block.kind == "section":
                text = render_paragraphs(block.lines)
                if text or block.title:
                    sections.append(ParsedSection(block.title, block.section_kind, text))
                if block.section_kind == SECTION_PREVIOUS:
                    decisions.extend(earlier_decisions(block.lines))
            elif block.kind == "decision":
                if not any(block.lines):
                    continue
                heading = block.heading
                decisions.append(
                    build_decision(
                        block.lines,
                        is_current=block.is_current,
                        body=heading.body or (self.committee if block.is_current else ""),
                        decided_on=heading.decided_on or (self.meeting_date if block.is_current else None),
                        reference=heading.reference,
                    )
                )
            else:
                for line in block.lines:
                    title = _BULLET.sub("", line).strip()
                    if title:
                        attachments.append(ParsedAttachment(title))
        return sections, decisions, attachments


# --- checks ---------------------------------------------------------------------------------------


def _normalised_title(title: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[.…]+$", "", title)).strip().casefold()


def toc_title_matches(toc_title: str, item_title: str, *, truncated: bool = False) -> bool:
    """Return True when a TOC title is the item title, or a prefix of it cut off by the layout.

    A truncated TOC title may end in a partial word ("... Arbejdsmarkede" for "Arbejdsmarked
    og"), so that last word is dropped before comparing.
    """
    toc, item = _normalised_title(toc_title), _normalised_title(item_title)
    if not toc:
        return True
    if item.startswith(toc):
        return True
    shortened = toc.rsplit(" ", 1)[0] if " " in toc else ""
    return bool(shortened) and item.startswith(shortened) and (truncated or len(shortened) >= 0.8 * len(toc))


def _toc_notices(toc: list[tuple[str, bool]], items: list[ParsedItem]) -> list[Notice]:
    notices: list[Notice] = []
    if not toc:
        return notices
    if len(toc) != len(items):
        notices.append(
            Notice(
                "toc_mismatch",
                gettext_noop("Indholdsfortegnelsen nævner {toc} punkter, men referatet har {items}."),
                {"toc": len(toc), "items": len(items)},
            )
        )
    for position, (title, truncated) in enumerate(toc):
        same_place = items[position].title if position < len(items) else None
        if same_place is not None and toc_title_matches(title, same_place, truncated=truncated):
            continue
        if len(toc) != len(items) and any(
            toc_title_matches(title, i.title, truncated=truncated) for i in items
        ):
            continue
        notices.append(
            Notice(
                "toc_title_mismatch",
                gettext_noop(
                    'Indholdsfortegnelsens punkt {position} "{toc_title}" svarer ikke til punktet "{title}".'
                ),
                {"position": position + 1, "toc_title": title, "title": same_place or ""},
            )
        )
    return notices


def _numbering_notices(items: list[ParsedItem]) -> list[Notice]:
    notices: list[Notice] = []
    seen: set[str] = set()
    previous: int | None = None
    for item in items:
        number = int(re.match(r"\d+", item.number)[0])
        if item.number in seen:
            notices.append(
                Notice(
                    "item_number_duplicate",
                    gettext_noop("Punkt {number} forekommer mere end én gang."),
                    {"number": item.number},
                )
            )
        elif previous is not None and number < previous:
            notices.append(
                Notice(
                    "item_number_order",
                    gettext_noop("Punkt {number} kommer efter punkt {previous}; numrene er ikke stigende."),
                    {"number": item.number, "previous": previous},
                )
            )
        seen.add(item.number)
        previous = number
    return notices


def _looks_truncated(items: list[ParsedItem], last_blocks: list[_Block], kind: str) -> bool:
    """Return True when the last item seems cut off mid-way.

    Two signs: in a referat where the other open items carry decisions the last one has none;
    or the last text of the file (outside the bilag list) stops mid-sentence.
    """
    last = items[-1]
    others = [item for item in items[:-1] if not item.closed]
    if kind == "referat" and not last.closed and last.decision is None and others:
        if sum(1 for item in others if item.decision) >= 0.5 * len(others):
            return True
    final = next((block for block in reversed(last_blocks) if any(block.lines)), None)
    return (
        final is not None
        and final.kind != "attachments"
        and ends_mid_sentence(render_paragraphs(final.lines))
    )


# --- entry point ----------------------------------------------------------------------------------


def parse_referat(
    text: str, *, source_format: str | None = None, municipality: str | None = None
) -> ParseResult:
    """Read a referat (or dagsorden) from plain, Markdown or PDF-extracted text.

    Raise ``ReferatError`` when the text is empty, binary, has no items ("Punkt N: ...") or no
    meeting date. Return the meeting and warnings about anything doubtful.
    """
    if not text or not text.strip():
        raise ReferatError("empty", gettext_noop("Teksten er tom."))
    if is_garbage(text):
        raise ReferatError("not_text", gettext_noop("Filen indeholder ikke læsbar tekst."))
    fmt = source_format or detect_format(text)
    text = clean_characters(text)
    if fmt == FORMAT_PDF or "\f" in text:
        text = clean_pdf_text(text)
    lines = to_lines(text, markdown=fmt == FORMAT_MARKDOWN)

    starts = _split_items(lines)
    if not starts:
        raise ReferatError(
            "not_a_referat",
            gettext_noop('Teksten ligner ikke et referat: der er ingen punkter ("Punkt 1: ...").'),
        )
    header = _parse_header(lines[: starts[0]])
    start = _meeting_start(header)
    if start is None:
        raise ReferatError("no_date", gettext_noop("Mødets dato kan ikke findes i referatets hoved."))
    committee = header.committee or header.fields.get("committee", "")

    items: list[ParsedItem] = []
    last_blocks: list[_Block] = []
    for position, (begin, end) in enumerate(zip(starts, [*starts[1:], len(lines)], strict=True), start=1):
        reader = _ItemReader(
            lines[begin:end], position=position, meeting_date=start.date(), committee=committee
        )
        item, last_blocks = reader.read()
        items.append(item)

    warnings = _toc_notices(header.toc, items) + _numbering_notices(items)
    if _looks_truncated(items, last_blocks, header.kind):
        warnings.append(
            Notice(
                "truncated",
                gettext_noop("Referatet ser ud til at være afskåret: punkt {number} slutter midt i teksten."),
                {"number": items[-1].number},
            )
        )
    meeting = ParsedMeeting(
        committee=committee,
        start=start,
        location=header.fields.get("location", ""),
        election_period=header.election_period,
        participants=_participants(header),
        municipality=canonical_municipality(municipality) if municipality else infer_municipality(text),
        items=tuple(items),
        toc=tuple(title for title, _ in header.toc),
        kind=header.kind,
        source_format=fmt,
    )
    return ParseResult(meeting, tuple(warnings))
