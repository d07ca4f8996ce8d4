"""Extract the text layer of a referat PDF with pypdf, one page per form-feed separated block.

Paragraph breaks are not characters in a PDF: they are vertical gaps. The extractor records
where pypdf puts each line and leaves a blank line where the gap is clearly wider than the
usual line spacing, so paragraphs survive and ``normalize.clean_pdf_text`` can rejoin the
lines the layout wrapped.
"""

from __future__ import annotations

import io
import logging
import statistics
from collections import Counter
from itertools import pairwise

from pypdf import PageObject, PdfReader
from pypdf.errors import PdfReadError

from .types import ReferatError, gettext_noop

# A gap this much wider than the usual line spacing separates paragraphs.
PARAGRAPH_GAP = 1.4
# PDF 1.7 (ISO 32000-1, 7.5.5) ends a file with %%EOF; readers accept it within the last 1024 bytes.
_EOF_WINDOW = 1024

logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns loudly about harmless quirks


def _page_lines(page: PageObject) -> list[tuple[str, float | None]]:
    """Return the page's text lines as pypdf lays them out, each with its baseline height."""
    lines: list[tuple[str, float | None]] = [("", None)]

    def visit(text: str, cm: list[float], tm: list[float], font_dict: object, font_size: float) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        pieces = text.split("\n")
        for number, piece in enumerate(pieces):
            if number:
                lines.append(("", None))
            current, height = lines[-1]
            if piece.strip() and height is None and (tm[4] or tm[5] or cm[4] or cm[5]):
                height = y
            lines[-1] = (current + piece, height)

    page.extract_text(visitor_text=visit)
    return [(text.strip(), height) for text, height in lines if text.strip()]


def _line_spacing(gaps: list[float]) -> float | None:
    """Return the usual distance between two lines of one paragraph.

    That is the smallest gap that recurs: paragraph gaps are wider, and on a page of short
    paragraphs they may even be the majority, so the median would not do.
    """
    if not gaps:
        return None
    counts = Counter(round(gap) for gap in gaps)
    recurring = [gap for gap, count in counts.items() if count >= 2]
    return float(min(recurring)) if recurring else statistics.median(gaps)


def _page_text(page: PageObject) -> str:
    """Return one page's text with blank lines between paragraphs."""
    lines = _page_lines(page)
    gaps = [
        above - below
        for (_, above), (_, below) in pairwise(lines)
        if above is not None and below is not None and above - below > 0
    ]
    spacing = _line_spacing(gaps)
    out: list[str] = []
    previous: float | None = None
    for text, height in lines:
        if (
            spacing
            and previous is not None
            and height is not None
            and previous - height > PARAGRAPH_GAP * spacing
        ):
            out.append("")
        out.append(text)
        previous = height if height is not None else previous
    return "\n".join(out)


def extract_pdf_text(data: bytes) -> str:
    """Return the text layer of a PDF, pages separated by form feeds ("\\f").

    Raise ``ReferatError`` for data that is no PDF ("not_pdf"), a damaged or cut-off file
    ("broken_pdf"), a file locked with a password ("encrypted"; one that opens with the empty
    user password is read) and a PDF without a text layer, e.g. a scan ("no_text_layer").
    """
    if not data or b"%PDF-" not in data[:1024]:
        raise ReferatError("not_pdf", gettext_noop("Filen er ikke en PDF."))
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise ReferatError("broken_pdf", gettext_noop("PDF-filen er beskadiget eller ufuldstændig."))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - e.g. a cipher pypdf cannot handle without extras
                opened = 0
            if not opened:
                raise ReferatError(
                    "encrypted",
                    gettext_noop("PDF-filen er beskyttet med adgangskode og kan ikke læses."),
                )
        pages = [_page_text(page) for page in reader.pages]
    except ReferatError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as error:
        raise ReferatError(
            "broken_pdf", gettext_noop("PDF-filen er beskadiget eller ufuldstændig.")
        ) from error
    if not any(page.strip() for page in pages):
        raise ReferatError(
            "no_text_layer",
            gettext_noop("PDF-filen har intet tekstlag (måske en scanning); teksten kan ikke læses."),
        )
    return "\f".join(pages)
