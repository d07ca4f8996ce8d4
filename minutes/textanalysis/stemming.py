"""Danish stemming and tokenising shared by both search backends.

``stem`` is the Snowball Danish stemmer, which PostgreSQL's ``danish`` text search configuration
also uses (``danish_stem``), so a lexeme computed here equals the one ``to_tsvector('danish', ...)``
stores. ``tokenize`` splits text into the words PostgreSQL's default parser would hand to that
stemmer: runs of letters and digits, broken at hyphens, apostrophes and other punctuation.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("danish")
# Letters (æøå, ü, é and every other Unicode letter) and digits; "_" is a word character in
# Python's \w but a separator for PostgreSQL, so it is excluded.
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the Snowball Danish stem of ``word``, lower-cased."""
    return _STEMMER.stemWord(word.lower())


def tokenize(text: str) -> list[str]:
    """Return the lower-cased words of ``text``: letters and digits, split at any other character."""
    return _WORD.findall(text.lower())
