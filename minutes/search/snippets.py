"""Highlighting: which words of a text match a query, and the passage to show for a hit.

One implementation for both backends, in Python, so a hit reads the same on SQLite and
PostgreSQL. It replaced the engines' own headline functions: ``ts_headline`` parses every
word of every text on the page (14–37 ms for a page of 20 hits), where this looks only at
the places a query stem occurs (a C-speed substring search) and stems just those words.

A word matches when its Snowball stem is a query stem, or when the compound splitter finds a
query stem among its parts ("beskæftigelsesreformen" for "reform"). A Danish Snowball stem
only ever drops letters from the end of the lower-cased word, and a compound part's stem sits
inside the compound, so every matching word contains a query stem: searching for the stems
finds every candidate, and only candidates are stemmed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from minutes.textanalysis.compounds import compound_matches
from minutes.textanalysis.stemming import stem

# Markers put around matches; replaced by <mark> after HTML escaping.
MARK_START = "\ue000"
MARK_END = "\ue001"

# A passage is about this many characters (~28 words of Danish prose), with a little
# context before the first match it shows.
SNIPPET_CHARS = 200
LEAD_CHARS = 40

_SPACE = re.compile(r"\s+")


class Highlighter:
    """Find the words of a text that match a set of query stems."""

    def __init__(self, stems: Iterable[str]):
        self.stems = frozenset(s for s in stems if s)
        # Longest first, so "skolereform" is not found as "skole" + the rest.
        needles = sorted(self.stems, key=len, reverse=True)
        self._needles = re.compile("|".join(map(re.escape, needles)), re.IGNORECASE) if needles else None
        self._known: dict[str, bool] = {}

    def matches(self, word: str) -> bool:
        """Tell whether ``word`` matches a query stem itself or as a compound."""
        known = self._known.get(word)
        if known is None:
            lower = word.lower()
            known = stem(lower) in self.stems or any(compound_matches(lower, s) for s in self.stems)
            self._known[word] = known
        return known

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return the (start, end) of every matching word of ``text``, in order."""
        if not self._needles or not text:
            return []
        spans: list[tuple[int, int]] = []
        end = 0
        for found in self._needles.finditer(text):
            if found.start() < end:
                continue  # inside a word already looked at
            start = found.start()
            while start > 0 and _is_word_char(text[start - 1]):
                start -= 1
            end = found.end()
            while end < len(text) and _is_word_char(text[end]):
                end += 1
            if self.matches(text[start:end]):
                spans.append((start, end))
        return spans

    def mark(self, text: str) -> str:
        """Return ``text`` with markers around each matching word."""
        return _marked(text, self.spans(text))

    def snippet(self, texts: dict[str, str]) -> tuple[str, str] | None:
        """Cut the best passage from ``texts`` (field -> text, in order of preference on ties).

        Return (passage with markers, field), or None when no text holds a match. The best
        passage holds the most different matching words, then the most matches.
        """
        best: tuple[tuple[int, int, int], str, str] | None = None
        for order, (field_name, text) in enumerate(texts.items()):
            spans = self.spans(text or "")
            if not spans:
                continue
            start, stop, inside = _best_window(text, spans)
            score = (len({text[a:b].lower() for a, b in inside}), len(inside), -order)
            if best is None or score > best[0]:
                passage = _marked(text[start:stop], [(a - start, b - start) for a, b in inside])
                passage = _SPACE.sub(" ", passage).strip()
                passage = ("… " if start > 0 else "") + passage + (" …" if stop < len(text) else "")
                best = (score, passage, field_name)
        return (best[1], best[2]) if best else None


def _is_word_char(char: str) -> bool:
    return char.isalnum()


def _best_window(text: str, spans: list[tuple[int, int]]) -> tuple[int, int, list[tuple[int, int]]]:
    """Return the window of ~SNIPPET_CHARS around the densest run of ``spans``."""
    best_index, best_count = 0, 0
    right = 0
    for left, (start, _) in enumerate(spans):
        right = max(right, left)
        while right + 1 < len(spans) and spans[right + 1][1] - start <= SNIPPET_CHARS - LEAD_CHARS:
            right += 1
        if right - left + 1 > best_count:
            best_index, best_count = left, right - left + 1
    first = spans[best_index][0]
    start = max(0, first - LEAD_CHARS)
    if start > 0:
        # Begin at a word (or at the sentence, when one starts close before the match).
        sentence = max(text.rfind(". ", start, first), text.rfind("\n", start, first))
        if sentence != -1:
            start = sentence + 1
        else:
            while start < first and _is_word_char(text[start - 1]):
                start += 1
    stop = min(len(text), start + SNIPPET_CHARS)
    while stop < len(text) and _is_word_char(text[stop]):
        stop += 1
    inside = [(a, b) for a, b in spans if a >= start and b <= stop]
    return start, stop, inside


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], MARK_START, text[start:end], MARK_END]
        last = end
    out.append(text[last:])
    return "".join(out)
