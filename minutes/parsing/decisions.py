"""Read decisions: the outcome, per-point parts, absence, dissent and earlier decisions quoted.

The outcome is read from the first clause, then the first sentences, of a decision by an
ordered rule table (``OUTCOME_RULES``): the first rule that matches wins, so negations
("Ikke godkendt") are tried before the words they negate, and "anbefaler ... godkendt"
counts as a recommendation to another body rather than an approval.
"""

from __future__ import annotations

import re
from datetime import date

from .headings import HEADING_DECISION, classify_heading
from .normalize import render_paragraphs
from .types import (
    OUTCOME_APPROVED,
    OUTCOME_DISCUSSED,
    OUTCOME_NOTED,
    OUTCOME_OTHER,
    OUTCOME_POSTPONED,
    OUTCOME_RECOMMENDED,
    OUTCOME_REJECTED,
    ParsedDecision,
    ParsedDecisionPart,
)

_VERBS = r"(?:godkend|anbefal|tiltr[æå]d|vedta|imødekom|bevilg)"

# (outcome, patterns), tried in order; the first match decides.
OUTCOME_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        OUTCOME_REJECTED,
        (
            rf"\bikke\s+(?:\w+\s+)?{_VERBS}\w*",  # "Ikke godkendt", "kan ikke godkendes"
            rf"\b{_VERBS}\w*\s+ikke\b",  # "godkendes ikke"
            r"\bafvis\w*",
            r"\bafvist\b",
            r"\bforkast\w*",
        ),
    ),
    (
        OUTCOME_POSTPONED,
        (
            r"\budsat\b",
            r"\budsættes\b",
            r"\budskud\w*",
            r"\budskyde\w*",
            r"\butsat\b",
            r"\bsend\w*\s+(?:\w+\s+){0,3}tilbage\b",  # "sendes tilbage", "sende sagen tilbage"
            r"\btilbagesend\w*",
        ),
    ),
    (OUTCOME_RECOMMENDED, (r"\banbefal\w*", r"\bindstilles\s+(?:til\s+)?godkend\w*\s+(?:over\s+for|i|af)\b")),
    (
        OUTCOME_APPROVED,
        (
            r"\bgodkend\w*",
            r"\bvedtag\w*",
            r"\btiltr[åæ]d\w*",
            r"\bbevilg\w*",
            # "Byrådet besluttede at tilbagerulle ..." is a decision taken; sending a matter
            # on to another body decides nothing on it.
            r"\bbesluttede\s+at\s+(?!sende\b|oversende\b|videresende\b)\w+",
        ),
    ),
    (OUTCOME_NOTED, (r"\btil\s+efterretning\b", r"\btaget\s+til\s+orientering\b")),
    (OUTCOME_DISCUSSED, (r"\bdrøft\w*",)),
    # Remarks only: explicit, so the search does not go on into the remarks themselves.
    (OUTCOME_OTHER, (r"\bingen\s+bemærkninger\b", r"\bfølgende\s+bemærkninger\b")),
)
_COMPILED_RULES = tuple(
    (outcome, tuple(re.compile(p, re.IGNORECASE) for p in ps)) for outcome, ps in OUTCOME_RULES
)

# Sentences recording dissent or reservations.
DISSENT_PATTERNS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?:kan|kunne)\s+ikke\s+tiltræde\b",
        r"\bikke\s+tiltræder\b",
        r"\bstem(?:te|mer|t)\s+imod\b",
        r"\b(?:tager|tog)\s+forbehold\b",
        r"\bmindretalsudtalelse\b",
        r"\bønsker\s+(?:sig\s+)?ikke\s+at\s+tiltræde\b",
        r"\bundlod\s+at\s+stemme\b",
        r"\bgår\s+imod\b",
    )
)

_ABSENCE_LINE = re.compile(
    r"^(?:ikke\s+til\s+stede|fraværende|afbud(?:\s+fra)?)\s*:\s*(?P<names>.+?)\.?\s*$", re.I
)
_PART_LINE = re.compile(
    r"^(?P<label>(?:pkt|punkt)\.?\s*\d+[a-z]?|ad\s+(?:pkt\.?\s*)?\d+[a-z]?|\d+[a-z]?[.)])\s*:?\s+(?P<text>\S.*)$",
    re.IGNORECASE,
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ\"”])|\n+")

# Rank used when parts disagree and no approval or rejection decides (see ``combine_outcomes``).
_PART_RANK = (OUTCOME_NOTED, OUTCOME_RECOMMENDED, OUTCOME_DISCUSSED, OUTCOME_POSTPONED, OUTCOME_OTHER)


def sentences(text: str) -> list[str]:
    """Split text into sentences and lines, dropping empty ones."""
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def _match_rules(fragment: str) -> str | None:
    for outcome, patterns in _COMPILED_RULES:
        if any(pattern.search(fragment) for pattern in patterns):
            return outcome
    return None


def classify_outcome(text: str) -> str:
    """Return the normalised outcome of a decision text by the rule table.

    The first clause (up to a comma or colon) is tried before the whole first sentence, so
    "Godkendt, idet Enhedslisten ikke kan tiltræde" is an approval and "Udvalget havde
    følgende bemærkninger: ..." stays a remark; then the second and third sentences.
    """
    for sentence in sentences(text)[:3]:
        for fragment in (re.split(r"[,:]", sentence, maxsplit=1)[0], sentence):
            outcome = _match_rules(fragment)
            if outcome:
                return outcome
    return OUTCOME_OTHER


def combine_outcomes(outcomes: list[str]) -> str:
    """Derive a decision's outcome from its parts.

    1. All parts agree: that outcome.
    2. Any approved and none rejected: approved. Any rejected and none approved: rejected.
    3. Approved and rejected together: other (a mixed decision).
    4. Otherwise the first of noted, recommended, discussed, postponed, other that occurs.
    """
    if not outcomes:
        return OUTCOME_OTHER
    found = set(outcomes)
    if len(found) == 1:
        return outcomes[0]
    approved, rejected = OUTCOME_APPROVED in found, OUTCOME_REJECTED in found
    if approved and rejected:
        return OUTCOME_OTHER
    if approved:
        return OUTCOME_APPROVED
    if rejected:
        return OUTCOME_REJECTED
    return next(outcome for outcome in _PART_RANK if outcome in found)


def split_names(names: str) -> tuple[str, ...]:
    """Split "Anne Madsen (A), Bo Berg (V) og Eva Holm (C)" into names."""
    parts = re.split(r"\s*,\s*|\s+og\s+", names.strip().rstrip("."))
    return tuple(part.strip().rstrip(".") for part in parts if part.strip())


def find_absent(lines: list[str]) -> tuple[str, ...]:
    """Return the names on "Ikke til stede:" / "Afbud:" / "Fraværende:" lines."""
    names: list[str] = []
    for line in lines:
        match = _ABSENCE_LINE.match(line.strip())
        if match:
            names.extend(name for name in split_names(match["names"]) if name not in names)
    return tuple(names)


def find_dissent(text: str) -> tuple[str, ...]:
    """Return the sentences that record dissent, as printed."""
    return tuple(s for s in sentences(text) if any(p.search(s) for p in DISSENT_PATTERNS))


def parse_parts(lines: list[str]) -> tuple[ParsedDecisionPart, ...]:
    """Split a decision into points when it starts with one ("Pkt. 1: Godkendt.").

    Bare numbered lines ("1. Godkendt") count only when there are at least two, numbered
    from 1, so an ordinary numbered list of remarks is not mistaken for points.
    """
    content = [line for line in lines if line.strip()]
    if not content or not _PART_LINE.match(content[0]):
        return ()
    parts: list[tuple[str, list[str]]] = []
    for line in content:
        match = _PART_LINE.match(line)
        if match and not _ABSENCE_LINE.match(line):
            parts.append((match["label"].strip().rstrip(":"), [match["text"]]))
        elif _ABSENCE_LINE.match(line):
            continue
        else:
            parts[-1][1].append(line)
    labels = [label for label, _ in parts]
    if all(re.fullmatch(r"\d+[a-z]?[.)]", label) for label in labels):
        numbers = [int(re.match(r"\d+", label)[0]) for label in labels]
        if len(numbers) < 2 or numbers != list(range(1, len(numbers) + 1)):
            return ()
    return tuple(
        ParsedDecisionPart(label, "\n".join(text), classify_outcome("\n".join(text))) for label, text in parts
    )


def build_decision(
    lines: list[str],
    *,
    is_current: bool,
    body: str = "",
    decided_on: date | None = None,
    reference: str = "",
) -> ParsedDecision:
    """Build a decision from its lines as printed (the absence line stays in the text)."""
    text = render_paragraphs(lines)
    parts = parse_parts(lines)
    outcome = combine_outcomes([part.outcome for part in parts]) if parts else classify_outcome(text)
    return ParsedDecision(
        text=text,
        outcome=outcome,
        is_current=is_current,
        body=body,
        decided_on=decided_on,
        reference=reference,
        parts=parts,
        absent=find_absent(lines),
        dissent=find_dissent(text),
    )


def earlier_decisions(lines: list[str]) -> list[ParsedDecision]:
    """Return the earlier decisions quoted in a "Tidligere politisk behandlet" section.

    Each starts at a line like "Beslutning fra Børn og Undervisningsudvalget, 8. november 2022,
    pkt. 107:" or "Beslutning i Økonomiudvalget den 16-03-2026" and runs to the next such line.
    """
    found: list[ParsedDecision] = []
    heading = None
    block: list[str] = []

    def flush() -> None:
        if heading is not None and any(line.strip() for line in block):
            found.append(
                build_decision(
                    block,
                    is_current=False,
                    body=heading.body,
                    decided_on=heading.decided_on,
                    reference=heading.reference,
                )
            )

    for line in lines:
        candidate = classify_heading(line) if line.strip() else None
        if candidate and candidate.kind == HEADING_DECISION and candidate.is_earlier_decision_candidate:
            flush()
            heading, block = candidate, []
        elif heading is not None:
            block.append(line)
    flush()
    return found
