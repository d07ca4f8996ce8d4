"""The vocabulary of headings in Danish referater, and the shapes of item headings and case numbers.

A heading is recognised only as a whole line: "Bilag" alone is a heading, "Bilag "Status ..."
vedhæftes referatet." is a sentence. Structure comes from this vocabulary and from layout, never
from anything specific to one committee or municipality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .dates import DATE_PATTERN, find_date
from .types import (
    SECTION_CASE_FLOW,
    SECTION_DESCRIPTION,
    SECTION_ECONOMY,
    SECTION_HEARING,
    SECTION_LEGAL,
    SECTION_PREVIOUS,
    SECTION_RECOMMENDATION,
    SECTION_RESUME,
    SECTION_VISION,
)

# Kinds that are not sections: the decision and the attachment list of an item.
HEADING_DECISION = "decision"
HEADING_ATTACHMENTS = "attachments"

# Whole-line headings, compared case-insensitively without a trailing colon.
SECTION_HEADINGS: dict[str, str] = {
    **dict.fromkeys(
        ["sagsresumé", "sagsresume", "resume", "resumé", "kort resumé", "kort resume", "sammenfatning"],
        SECTION_RESUME,
    ),
    **dict.fromkeys(["sagens gang", "sagsgang"], SECTION_CASE_FLOW),
    **dict.fromkeys(
        [
            "indstilling",
            "indstillinger",
            "beslutningspunkter",
            "forslag",
            "forvaltningens indstilling",
            "administrationens indstilling",
            "direktionens indstilling",
        ],
        SECTION_RECOMMENDATION,
    ),
    **dict.fromkeys(
        [
            "sagsfremstilling",
            "beskrivelse af sagen",
            "fremstilling",
            "sagsbeskrivelse",
            "baggrund",
            "sagens baggrund",
            "beskrivelse",
        ],
        SECTION_DESCRIPTION,
    ),
    **dict.fromkeys(
        [
            "økonomi",
            "økonomiske og andre væsentlige konsekvenser",
            "bevillingsmæssige konsekvenser",
            "økonomiske konsekvenser",
            "økonomi og finansiering",
        ],
        SECTION_ECONOMY,
    ),
    **dict.fromkeys(["lovgrundlag", "retsgrundlag", "lovhjemmel"], SECTION_LEGAL),
    **dict.fromkeys(["høring", "høringssvar", "høringer"], SECTION_HEARING),
    **dict.fromkeys(
        [
            "tidligere politisk behandlet",
            "tidligere politisk behandling",
            "tidligere beslutninger",
            "tidligere behandling",
        ],
        SECTION_PREVIOUS,
    ),
    **dict.fromkeys(["beslutning", "beslutninger"], HEADING_DECISION),
    **dict.fromkeys(["bilag", "bilagsliste"], HEADING_ATTACHMENTS),
}

# "Kobling til Vision 2026", "Kobling til FN's verdensmål og Vision 2022": a short line, no full stop.
_VISION_HEADING = re.compile(r"^kobling til\b[^.]{1,80}$", re.IGNORECASE)

# "Beslutning Arbejdsmarkedsudvalget den 13-08-2024", "Beslutning i Økonomiudvalget den 16-03-2026",
# "Beslutning fra Børn og Undervisningsudvalget, 8. november 2022, pkt. 107:".
_DATED_DECISION_HEADING = re.compile(
    r"^Beslutning(?:er)?(?:\s+(?:fra|i|på)\b)?\s+(?P<body>\S.*?)"
    rf"(?:\s*,\s*|\s+den\s+|\s+d\.\s*)(?P<date>{DATE_PATTERN})"
    r"(?:\s*,?\s*(?P<reference>(?:pkt|punkt)\.?\s*\d+[a-z]?))?\s*:?$",
    re.IGNORECASE,
)
# "Beslutning fra Økonomiudvalget:" without a date.
_UNDATED_DECISION_HEADING = re.compile(
    r"^Beslutning\s+(?:fra|i)\s+(?P<body>[^:.]{3,80}?)\s*:$", re.IGNORECASE
)

# "Punkt 557: Title"; a dot instead of the colon also occurs.
ITEM_HEADING = re.compile(r"^Punkt\s+(?P<number>\d+[a-zA-Z]?)\s*[:.]\s*(?P<title>\S.*)$", re.IGNORECASE)

# A table-of-contents line: title, dot leaders or a tab, page number.
TOC_LINE = re.compile(r"^(?P<title>.*?\S)(?P<leader>\s*\.{2,}\s*|\t+|\s{2,})(?P<page>\d{1,4})$")
TOC_HEADING = re.compile(r"^(?:indholdsfortegnelse|indhold|dagsordenpunkter)\s*:?$", re.IGNORECASE)

# "Fagcenter Arbejdsmarked og Borgerservice indstiller, at:",
# "Forvaltningen indstiller til Arbejdsmarkedsudvalget at godkende".
RECOMMENDATION_LINE = re.compile(
    r"^[A-ZÆØÅ][^.:!?\t]{1,160}?\sindstiller(?:\s+til\s+[^,.:]{2,120}?)?(?:\s*,?\s+at\b|\s*:\s*$)"
)

# An election period as printed after a committee name: "2022-2025", "2022 - 2025", "2022-25".
ELECTION_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-–]\s*((?:19|20)?\d{2})(?!\d)")

# Case numbers by shape: KLE "15.00.00-G01-15-24", "23/39379", "21-014420", "2023-012345", "S2023-1234".
_CASE_NUMBER_PREFIX = re.compile(
    r"^(?:sags?\s*nr\.?|sagsnummer|j\.?\s*nr\.?|journal\s*nr\.?|journalnummer|sag)\s*:?\s*", re.IGNORECASE
)
_CASE_NUMBER_SHAPE = re.compile(r"^[A-ZÆØÅ]{0,3}\d[\dA-Z]*(?:[./-][\dA-Z]+){1,6}$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_DATE_LIKE = re.compile(r"^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$|^\d{4}-\d{2}-\d{2}$")
_PERIOD_LIKE = re.compile(r"^(?:19|20)\d{2}-(?:(?:19|20)?\d{2})$")


@dataclass(frozen=True)
class Heading:
    """A recognised heading line: its kind and, for decisions, who decided when."""

    kind: str  # a SECTION_* kind, HEADING_DECISION or HEADING_ATTACHMENTS
    text: str  # as printed, decoration stripped
    body: str = ""
    decided_on: date | None = None
    reference: str = ""

    @property
    def is_earlier_decision_candidate(self) -> bool:
        """Return True when the heading names a body or date (it may quote another meeting)."""
        return self.kind == HEADING_DECISION and bool(self.body or self.decided_on)


_SPACES = re.compile(r"\s+")


def _key(text: str) -> str:
    return _SPACES.sub(" ", text).strip().rstrip(":").strip().casefold()


def strip_election_period(name: str) -> tuple[str, str]:
    """Split "Kultur og Fritidsudvalget 2022 - 2025" into the name and the period as printed."""
    match = ELECTION_PERIOD.search(name)
    if not match:
        return name.strip(" :,-–"), ""
    period = f"{match[1]}-{match[2]}"
    rest = (name[: match.start()] + " " + name[match.end() :]).strip()
    return re.sub(r"\s+", " ", rest).strip(" :,-–"), period


def classify_heading(text: str) -> Heading | None:
    """Return the heading ``text`` is, or None when it is ordinary text."""
    # Headings are printed capitalised; "bevillingsmæssige konsekvenser:" is the end of a
    # sentence that a PDF layout wrapped onto its own line.
    if "\t" in text or len(text) > 160 or not text.strip()[:1].isupper():
        return None
    key = _key(text)
    kind = SECTION_HEADINGS.get(key)
    if kind:
        return Heading(kind, text.strip())
    if _VISION_HEADING.match(key):
        return Heading(SECTION_VISION, text.strip())
    match = _DATED_DECISION_HEADING.match(text.strip())
    if match:
        body, _ = strip_election_period(match["body"])
        reference = re.sub(r"\s+", " ", match["reference"] or "").lower()
        reference = re.sub(r"^(pkt|punkt)\.?\s*", r"\1. ", reference) if reference else ""
        return Heading(HEADING_DECISION, text.strip(), body, find_date(match["date"]), reference)
    match = _UNDATED_DECISION_HEADING.match(text.strip())
    if match:
        body, _ = strip_election_period(match["body"])
        return Heading(HEADING_DECISION, text.strip(), body)
    return None


def case_number(text: str) -> str:
    """Return the case number ``text`` consists of ("Sagsnr.: 23/39379" -> "23/39379"), else ""."""
    candidate = _CASE_NUMBER_PREFIX.sub("", text.strip()).strip()
    if not 5 <= len(candidate) <= 40 or not _CASE_NUMBER_SHAPE.match(candidate):
        return ""
    if _THOUSANDS.match(candidate) or _DATE_LIKE.match(candidate) or _PERIOD_LIKE.match(candidate):
        return ""
    digits = sum(ch.isdigit() for ch in candidate)
    letters = sum(ch.isalpha() for ch in candidate)
    # Mostly digits: "G01" facets are fine, words with a digit in them are not.
    return candidate if digits >= 4 and digits >= 2 * letters else ""


def is_toc_line(text: str) -> bool:
    """Return True for a line that ends with dot leaders or a tab and a page number."""
    # The pattern backtracks through the whole line; most lines do not end in a page number.
    # (isdigit() accepts every character that ``\d`` does, and more.)
    if not text.rstrip("\n")[-1:].isdigit():
        return False
    match = TOC_LINE.match(text)
    return bool(match) and (".." in match["leader"] or "\t" in match["leader"])


def item_heading(text: str) -> re.Match[str] | None:
    """Return the match of an item heading ("Punkt 557: Title"), never of a TOC line."""
    if is_toc_line(text):
        return None
    return ITEM_HEADING.match(text)
