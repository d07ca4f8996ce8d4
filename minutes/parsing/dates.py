"""Find Danish dates and clock times in referat text ("14. august 2025", "14-08-2025", "kl. 16:00")."""

from __future__ import annotations

import re
from datetime import date, time

# Full names first so "sept" never shadows "september" in the alternation.
MONTHS = {
    "januar": 1,
    "februar": 2,
    "marts": 3,
    "april": 4,
    "maj": 5,
    "juni": 6,
    "juli": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sept": 9,
    "sep": 9,
    "okt": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_NAMES = "|".join(MONTHS)

TEXT_DATE = rf"\d{{1,2}}\.?\s+(?:{_MONTH_NAMES})\.?\s+\d{{4}}"
NUMERIC_DATE = r"\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2})"
# A date as printed in headings: "13-08-2024", "8. november 2022".
DATE_PATTERN = rf"(?:{NUMERIC_DATE}|{TEXT_DATE})"

_TEXT_DATE_RE = re.compile(rf"\b(\d{{1,2}})\.?\s+({_MONTH_NAMES})\.?\s+(\d{{4}})\b", re.IGNORECASE)
_NUMERIC_DATE_RE = re.compile(r"(?<![\d-])(\d{1,2})[-./](\d{1,2})[-./](\d{4}|\d{2})(?![\d-])")
_ISO_DATE_RE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_TIME_RE = re.compile(
    r"\bkl\.?\s*(\d{1,2})[:.](\d{2})\b|(?<![\d.:])(\d{1,2}):(\d{2})(?![\d:])", re.IGNORECASE
)


def _make_date(year: int, month: int, day: int) -> date | None:
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_date(text: str) -> date | None:
    """Return the first valid date written in ``text``, Danish month names first."""
    candidates: list[tuple[int, date]] = []
    for match in _TEXT_DATE_RE.finditer(text):
        found = _make_date(int(match[3]), MONTHS[match[2].lower()], int(match[1]))
        if found:
            candidates.append((match.start(), found))
    for match in _NUMERIC_DATE_RE.finditer(text):
        found = _make_date(int(match[3]), int(match[2]), int(match[1]))
        if found:
            candidates.append((match.start(), found))
    for match in _ISO_DATE_RE.finditer(text):
        found = _make_date(int(match[1]), int(match[2]), int(match[3]))
        if found:
            candidates.append((match.start(), found))
    return min(candidates)[1] if candidates else None


def find_time(text: str) -> time | None:
    """Return the first clock time ("kl. 16:00", "kl. 16.00", "15:30") in ``text``."""
    for match in _TIME_RE.finditer(text):
        hour, minute = (match[1], match[2]) if match[1] else (match[3], match[4])
        if int(hour) < 24 and int(minute) < 60:
            return time(int(hour), int(minute))
    return None
