"""Clean raw referat text into lines: one character set, no Markdown decoration, no PDF page furniture.

Three inputs occur: plain text, text with Markdown decoration (``#`` headings, ``**bold**``) and
text extracted from a PDF (pages separated by form feeds, running headers and footers, lines
wrapped by the layout). All become a list of ``Line`` that the structure reader walks.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from .headings import case_number, classify_heading, is_toc_line, item_heading

FORMAT_TEXT = "text"
FORMAT_MARKDOWN = "markdown"
FORMAT_PDF = "pdf"


@dataclass(frozen=True)
class Line:
    """One cleaned line; ``level`` is its Markdown heading level (0 for none)."""

    text: str
    level: int = 0
    italic: bool = False  # the whole line was emphasised, e.g. "#### *Andele og langtidsledighed*"

    @property
    def blank(self) -> bool:
        return not self.text


BLANK = Line("")

_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u3000": " "}
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad[ \t]*\n[ \t]*")
_SPACE_RUN = re.compile(r" {2,}")
_ITALIC_LINE = re.compile(r"\*[^*].*[^*]\*|_[^_].*[^_]_|\*[^*]\*")

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_BULLETS = re.compile(r"^(?:[-*+•▪–]\s+)+")
_RULE_LINE = re.compile(r"^[\s|:+=_-]*-{3,}[\s|:+=_-]*$|^\s*(?:\*\s*){3,}$")
_LIST_ITEM = re.compile(r"^(?:- |\d+[.)] |[a-z][.)] )")
_PAGE_NUMBER = re.compile(
    r"^(?:side\s+)?\d{1,4}(?:\s*(?:af|/|of)\s*\d{1,4})?$|^-\s*\d{1,4}\s*-$", re.IGNORECASE
)
_SENTENCE_END = tuple('.!?:;)"”»')


def is_garbage(text: str) -> bool:
    """Return True for binary data decoded as text: many control characters or U+FFFD."""
    sample = text[:200_000]
    bad = len(_CONTROL.findall(sample))
    return bad >= 3 and bad > 0.01 * len(sample)


def detect_format(text: str) -> str:
    """Guess the source format: form feeds mean PDF text, ``#`` headings or ``**`` mean Markdown."""
    if "\f" in text:
        return FORMAT_PDF
    lines = text.splitlines()
    headings = sum(1 for line in lines if _MD_HEADING.match(line))
    bold = sum(1 for line in lines if line.lstrip().startswith("**"))
    return FORMAT_MARKDOWN if headings or bold >= 2 else FORMAT_TEXT


def clean_characters(text: str) -> str:
    """Unify newlines and spaces; drop soft hyphens, zero-width characters and trailing blanks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # A soft hyphen at a line end marks a word broken by the layout: join its halves.
    if "\u00ad" in text:
        text = _SOFT_HYPHEN_BREAK.sub("", text).replace("\u00ad", "")
    for old, new in _SPACES.items():
        text = text.replace(old, new)
    # A regular expression, not str.translate: translate looks up every character of the text.
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    lines = []
    for line in text.split("\n"):
        # Leading tabs are empty table cells; leading spaces are only indentation.
        line = line.lstrip(" ")
        if "  " in line:
            line = _SPACE_RUN.sub(" ", line)
        lines.append(line.rstrip(" \t"))
    return "\n".join(lines)


def strip_inline(text: str) -> str:
    """Remove Markdown emphasis, links and escapes from one line."""
    # Most lines hold no Markdown at all: test for the characters each pattern needs first.
    if "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    if "*" in text or "__" in text:
        previous = None
        while previous != text:  # "***x***" needs two passes
            previous = text
            text = _MD_BOLD.sub(r"\2", text)
            text = _MD_ITALIC.sub(r"\1", text)
    if "\\" in text:
        text = _MD_ESCAPE.sub(r"\1", text)
    return text.strip()


def _is_italic(raw: str) -> bool:
    raw = raw.strip()
    if not raw.startswith(("*", "_")):
        return False  # bold is removed before the test, and it keeps the first character
    bare = _MD_BOLD.sub(r"\2", raw)
    return bool(_ITALIC_LINE.fullmatch(bare))


def _clean_line(raw: str) -> str:
    if _RULE_LINE.match(raw):
        return ""
    if raw.startswith("|") and raw.endswith("|"):
        # A Markdown pipe table row becomes a tab-separated line like the other tables.
        return "\t".join(strip_inline(cell) for cell in raw.strip("|").split("|"))
    bullet = _BULLETS.match(raw)
    if bullet and not raw.startswith("**"):
        return "- " + strip_inline(raw[bullet.end() :])
    return strip_inline(raw) if "\t" not in raw else "\t".join(strip_inline(c) for c in raw.split("\t"))


def to_lines(text: str, *, markdown: bool) -> list[Line]:
    """Split cleaned text into ``Line`` objects, reading Markdown headings when ``markdown``."""
    lines: list[Line] = []
    for raw in text.split("\n"):
        heading = _MD_HEADING.match(raw) if markdown else None
        if heading:
            body = heading[2]
            lines.append(Line(_clean_line(body), len(heading[1]), _is_italic(body)))
        else:
            lines.append(Line(_clean_line(raw), 0, markdown and _is_italic(raw)))
    return lines


def is_list_or_table(text: str) -> bool:
    """Return True for a list item or a table row, which keep their own line."""
    return "\t" in text or bool(_LIST_ITEM.match(text))


def is_structural(text: str) -> bool:
    """Return True for a line that must never be joined to its neighbours."""
    return bool(
        item_heading(text)
        or classify_heading(text)
        or case_number(text)
        or is_list_or_table(text)
        or is_toc_line(text)
    )


# --- PDF text ---------------------------------------------------------------------------------


def _signature(line: str) -> str:
    """Return a line with digits masked, so "Side 3 af 9" and "Side 4 af 9" look alike."""
    return re.sub(r"\d+", "#", line.strip().casefold())


def _strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove running headers and footers repeated on most pages, and page numbers."""
    edge = 3  # headers and footers live among the first and last few lines of a page
    counts: Counter[str] = Counter()
    for lines in pages:
        content = [line for line in lines if line.strip()]
        counts.update({_signature(line) for line in content[:edge] + content[-edge:]})
    threshold = max(2, int(0.6 * len(pages) + 0.5))
    repeated = {sig for sig, count in counts.items() if count >= threshold and len(pages) >= 2}
    cleaned = []
    for lines in pages:
        content_idx = [i for i, line in enumerate(lines) if line.strip()]
        edges = set(content_idx[:edge] + content_idx[-edge:])
        kept = [
            line
            for i, line in enumerate(lines)
            if not (i in edges and (_signature(line) in repeated or _PAGE_NUMBER.match(line.strip())))
        ]
        cleaned.append(kept)
    return cleaned


def _join_wrapped(lines: list[str]) -> list[str]:
    """Join lines the PDF layout wrapped mid-paragraph; keep headings, lists and tables apart."""
    lengths = [len(line) for line in lines if line and not is_structural(line)]
    if not lengths:
        return lines
    full = statistics.quantiles(lengths, n=10)[-1] if len(lengths) >= 10 else max(lengths)
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        # "- og ..." after a full line is the sentence going on, not a new list item; so is
        # "2. kvartal 2022." after a full line that neither ends a sentence nor is a list item.
        full_line = len(previous) >= 0.85 * full
        dash_continuation = full_line and (
            bool(re.match(r"- [a-zæøå]", line))
            or bool(
                re.match(r"\d+\. ", line) and not _LIST_ITEM.match(previous) and previous[-1:] not in ".:;!?"
            )
        )
        if (
            line
            and previous
            and len(previous) >= 0.6 * full
            and (dash_continuation or not is_structural(line))
            and not previous.endswith(":")
            and "\t" not in previous
            and not _blocks_joining(previous)
        ):
            out[-1] = _join_pair(previous, line)
        else:
            out.append(line)
    return out


def _blocks_joining(previous: str) -> bool:
    """Return True when nothing may be appended to ``previous`` (a long list item may wrap)."""
    if _LIST_ITEM.match(previous) and "\t" not in previous:
        return False
    return is_structural(previous)


_SUSPENDED_COMPOUND_NEXT = re.compile(r"^(?:og|eller|samt|til|som|plus)\b")


def _join_pair(previous: str, line: str) -> str:
    """Join two wrapped lines, handling a hyphen at the break carefully."""
    if re.search(r"\w-$", previous):
        if _SUSPENDED_COMPOUND_NEXT.match(line):
            return f"{previous} {line}"  # "social- og beskæftigelsesområdet"
        if line[:1].islower():
            return previous[:-1] + line  # a word hyphenated by the layout
        return previous + line  # "DK-" + "2020": the hyphen belongs to the word
    return f"{previous} {line}"


def clean_pdf_text(text: str) -> str:
    """Remove page furniture from form-feed separated PDF text and rejoin wrapped lines."""
    pages = [page.split("\n") for page in text.split("\f")]
    pages = _strip_page_furniture(pages)
    lines: list[str] = []
    for page in pages:
        while page and not page[0].strip():
            page = page[1:]
        while page and not page[-1].strip():
            page = page[:-1]
        content = [line for line in page if line.strip()]
        last = next((line for line in reversed(lines) if line), "")
        # A page break ends a paragraph (``render_paragraphs`` rejoins a sentence cut by it),
        # but a list that goes on over the page stays one list.
        if lines and not (content and _LIST_ITEM.match(last) and _LIST_ITEM.match(content[0])):
            lines.append("")
        lines.extend(page)
    return "\n".join(_join_wrapped(lines))


# --- paragraphs ----------------------------------------------------------------------------------


def render_paragraphs(lines: list[str]) -> str:
    """Return section text: one line per list item or table row, a blank line between paragraphs.

    A paragraph that ends mid-sentence and continues in lower case after a blank line was
    broken by a page break in the source; its halves are joined again.
    """
    out: list[str] = []
    pending_blank = False
    for line in lines:
        if not line:
            pending_blank = bool(out)
            continue
        if (
            pending_blank
            and out
            and out[-1]
            and re.search(r"[a-zæøå,]$", out[-1])
            and line[:1].islower()
            and "\t" not in out[-1]
            and not is_list_or_table(line)
        ):
            out[-1] = f"{out[-1]} {line}"
        else:
            if pending_blank:
                out.append("")
            out.append(line)
        pending_blank = False
    return "\n".join(out).strip()


def ends_mid_sentence(text: str) -> bool:
    """Return True when ``text`` stops in the middle of a sentence (a sign of a cut-off file)."""
    last = text.rstrip().rsplit("\n", 1)[-1]
    if not last or is_list_or_table(last) or len(last) < 40:
        return False
    return not last.endswith(_SENTENCE_END)
