"""Small referater written in tests, ingested through the real ingest path."""

from __future__ import annotations

from dataclasses import dataclass, field

from minutes.ingest import CREATED, UPDATED, ingest_bytes


@dataclass
class Item:
    title: str
    body: str = ""
    decision: str = "Godkendt."
    case_number: str = ""
    attachments: list[str] = field(default_factory=list)
    closed: bool = False


def referat_text(committee: str, date: str, items: list[Item], *, first_number: int = 1) -> str:
    """Return a plain-text referat (the layout of the corpus) for ``items``; date is dd-mm-yyyy."""
    day, month, year = date.split("-")
    months = [
        "januar", "februar", "marts", "april", "maj", "juni",
        "juli", "august", "september", "oktober", "november", "december",
    ]  # fmt: skip
    lines = [
        f"REFERAT {committee} 2022-2025 d. {date}",
        "",
        f"Mødedato Tirsdag d. {int(day)}. {months[int(month) - 1]} {year} kl. 16:00",
        "",
        "Mødested Rådhuset",
        "",
    ]
    for offset, item in enumerate(items):
        number = first_number + offset
        title = f"Lukket: {item.title}" if item.closed else item.title
        lines += [f"Punkt {number}: {title}", "", item.case_number or f"25/{1000 + number:05d}", ""]
        if item.closed:
            continue
        if item.body:
            lines += ["Sagsfremstilling", "", item.body, ""]
        lines += ["Beslutning", "", item.decision, ""]
        if item.attachments:
            lines += ["Bilag", ""]
            for title in item.attachments:
                lines += [title, ""]
    return "\n".join(lines)


def ingest_referat(
    municipality: str, committee: str, date: str, items: list[Item], *, first_number: int = 1
) -> None:
    """Ingest a referat made by ``referat_text``; fail the test if it is not stored."""
    text = referat_text(committee, date, items, first_number=first_number)
    result = ingest_bytes(f"{committee}-{date}.txt", text.encode("utf-8"), municipality=municipality)
    assert result.status in (CREATED, UPDATED), result.error
