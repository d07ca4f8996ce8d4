"""Typed results of reading a referat: frozen dataclasses, no Django.

Every source (plain text, Markdown, PDF text, a FirstAgenda JSON meeting) is turned
into these types first; ``minutes.ingest`` is the one place that writes them to the
database. Keep this module free of Django imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Normalised decision outcomes, in the order a reader would rank their weight.
OUTCOME_APPROVED = "approved"
OUTCOME_NOTED = "noted"
OUTCOME_RECOMMENDED = "recommended"
OUTCOME_DISCUSSED = "discussed"
OUTCOME_REJECTED = "rejected"
OUTCOME_POSTPONED = "postponed"
OUTCOME_OTHER = "other"
OUTCOMES = (
    OUTCOME_APPROVED,
    OUTCOME_NOTED,
    OUTCOME_RECOMMENDED,
    OUTCOME_DISCUSSED,
    OUTCOME_REJECTED,
    OUTCOME_POSTPONED,
    OUTCOME_OTHER,
)

# Normalised section kinds. ``heading`` keeps the words as printed; ``kind`` says
# what the section is, so templates and search can treat "Sagsresumé", "Kort
# resumé" and "Resume" alike. Unknown headings get SECTION_OTHER and are kept.
SECTION_RESUME = "resume"
SECTION_CASE_FLOW = "case_flow"  # Sagens gang
SECTION_RECOMMENDATION = "recommendation"  # Indstilling / Beslutningspunkter
SECTION_DESCRIPTION = "description"  # Sagsfremstilling / Beskrivelse af sagen
SECTION_ECONOMY = "economy"  # Økonomi / Bevillingsmæssige konsekvenser / ...
SECTION_LEGAL = "legal"  # Lovgrundlag / Retsgrundlag
SECTION_HEARING = "hearing"  # Høring
SECTION_PREVIOUS = "previous"  # Tidligere politisk behandlet
SECTION_VISION = "vision"  # Kobling til Vision / FN's verdensmål
SECTION_OTHER = "other"


@dataclass(frozen=True)
class ParsedSection:
    """One headed section of an agenda item, in document order."""

    heading: str
    kind: str
    text: str


@dataclass(frozen=True)
class ParsedDecisionPart:
    """One point of a decision split by point ("Pkt. 1: Godkendt.")."""

    label: str  # as printed, e.g. "Pkt. 1"
    text: str
    outcome: str


@dataclass(frozen=True)
class ParsedDecision:
    """A decision on an agenda item.

    ``is_current`` is True for the decision of the meeting being read, False for an
    earlier decision of another body quoted in the item (under "Tidligere politisk
    behandlet"), which must never be mistaken for this meeting's decision.
    """

    text: str
    outcome: str
    is_current: bool = True
    body: str = ""  # the deciding committee, when printed or known
    decided_on: date | None = None
    reference: str = ""  # e.g. "pkt. 107" for a quoted earlier decision
    parts: tuple[ParsedDecisionPart, ...] = ()
    absent: tuple[str, ...] = ()  # "Ikke til stede: Anne Madsen (A)." -> ("Anne Madsen (A)",)
    dissent: tuple[str, ...] = ()  # sentences recording dissent ("Enhedslisten kan ikke tiltræde ...")


@dataclass(frozen=True)
class ParsedAttachment:
    """An attachment (bilag) as listed under the item's "Bilag" heading."""

    title: str
    source_id: str = ""  # an id in the source system, e.g. a FirstAgenda document GUID
    url: str = ""


@dataclass(frozen=True)
class ParsedItem:
    """One agenda item (punkt)."""

    number: str  # as printed: "557" for "Punkt 557"
    position: int  # 1-based order in the meeting
    title: str
    case_number: str = ""
    closed: bool = False
    sections: tuple[ParsedSection, ...] = ()
    decisions: tuple[ParsedDecision, ...] = ()
    attachments: tuple[ParsedAttachment, ...] = ()
    source_id: str = ""

    @property
    def decision(self) -> ParsedDecision | None:
        """Return this meeting's decision, if the item has one."""
        return next((d for d in self.decisions if d.is_current), None)


@dataclass(frozen=True)
class ParsedParticipant:
    name: str
    absent: bool = False


@dataclass(frozen=True)
class ParsedMeeting:
    """A whole referat: header plus agenda items."""

    committee: str  # without the election period
    start: datetime  # timezone-aware, Europe/Copenhagen
    location: str = ""
    election_period: str = ""  # "2022-2025", "2022-25"
    participants: tuple[ParsedParticipant, ...] = ()
    municipality: str = ""  # inferred from the text when not printed in the header
    items: tuple[ParsedItem, ...] = ()
    toc: tuple[str, ...] = ()  # table-of-contents titles as printed
    kind: str = "referat"  # "referat" or "dagsorden"
    source_format: str = "text"  # "text", "markdown", "pdf", "firstagenda"
    source_id: str = ""


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it here.

    The parser has no Django; the web and command layers translate ``Notice.message``
    with Django's gettext, and ``makemessages`` finds the strings through this name.
    """
    return message


@dataclass(frozen=True)
class Notice:
    """A message for people: a stable ``code``, a Danish template and its values.

    ``str(notice)`` gives the Danish text; callers that translate use
    ``gettext(notice.message).format(**notice.params)``.
    """

    code: str
    message: str
    params: dict[str, str | int] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        return self.message.format(**self.params)


@dataclass(frozen=True)
class ParseResult:
    meeting: ParsedMeeting
    warnings: tuple[Notice, ...] = ()


class ReferatError(ValueError):
    """The input cannot be read as a referat; nothing should be stored.

    Carries a ``Notice`` so the message can be shown to users in their language.
    """

    def __init__(self, code: str, message: str, **params: str | int) -> None:
        self.notice = Notice(code, message, dict(params))
        super().__init__(str(self.notice))
