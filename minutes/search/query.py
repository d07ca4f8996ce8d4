"""Parse what people type into a search box; plain Python, shared by both backends.

Syntax, as in web search engines (and PostgreSQL's ``websearch_to_tsquery``):
several words (all must match), ``"an exact phrase"``, ``OR`` between alternatives,
``-word`` or ``-"a phrase"`` to exclude. Anything else is treated as text: operators
the engines know (``*``, ``(``, ``NEAR``, ``:``) never reach them, because the query
is rebuilt from words that contain only letters and digits.

Both backends read the same ``ParsedQuery``: PostgreSQL through ``websearch()``,
a normalised string that ``websearch_to_tsquery`` parses the same way every time, and
SQLite FTS5 through ``fts5()``, a MATCH expression of quoted Snowball stems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from minutes.textanalysis.stemming import stem, tokenize

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 24

# PostgreSQL's danish.stop, which comes from Snowball's Danish stop word list. Both
# backends drop these from queries (PostgreSQL does it itself), so results agree.
DANISH_STOP_WORDS = frozenset(
    """
    og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om vi
    min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle
    vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne end dette mit også
    under have dig anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange
    ad bliver hendes været thi jer sådan
    """.split()
)


@dataclass(frozen=True)
class Clause:
    """One word or phrase of a query."""

    words: tuple[str, ...]  # lower-cased surface words, stop words kept (phrases need them)
    phrase: bool = False

    @cached_property
    def stems(self) -> tuple[str, ...]:
        return tuple(stem(word) for word in self.words)

    @property
    def is_stop_only(self) -> bool:
        return all(word in DANISH_STOP_WORDS for word in self.words)

    def websearch(self) -> str:
        return f'"{" ".join(self.words)}"' if len(self.words) > 1 else self.words[0]

    def fts5(self) -> str:
        return '"' + " ".join(s.replace('"', '""') for s in self.stems) + '"'


@dataclass(frozen=True)
class ParsedQuery:
    """A query as AND of OR-groups of clauses, minus excluded clauses."""

    raw: str
    groups: tuple[tuple[Clause, ...], ...] = ()
    excluded: tuple[Clause, ...] = ()
    notices: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded

    @property
    def has_positive(self) -> bool:
        return bool(self.groups)

    @property
    def positive_stems(self) -> frozenset[str]:
        """Stems a match may contain (for highlighting), stop words left out."""
        return frozenset(
            s
            for group in self.groups
            for clause in group
            for word, s in zip(clause.words, clause.stems, strict=True)
            if word not in DANISH_STOP_WORDS
        )

    def websearch(self) -> str:
        """Return the query for ``websearch_to_tsquery``, rebuilt from safe words."""
        parts = [" or ".join(clause.websearch() for clause in group) for group in self.groups]
        parts += [f"-{clause.websearch()}" for clause in self.excluded]
        return " ".join(parts)

    def websearch_excluded(self) -> str:
        """Return the excluded clauses as one OR query (for exclusion-only searches)."""
        return " or ".join(clause.websearch() for clause in self.excluded)

    def fts5_positive(self) -> str:
        """Return the FTS5 MATCH expression for the positive part alone."""
        return " AND ".join(
            group[0].fts5() if len(group) == 1 else "(" + " OR ".join(c.fts5() for c in group) + ")"
            for group in self.groups
        )

    def fts5(self) -> str:
        """Return the FTS5 MATCH expression for the positive part, with exclusions."""
        expression = self.fts5_positive()
        for clause in self.excluded:
            expression = f"({expression}) NOT {clause.fts5()}"
        return expression

    def fts5_excluded(self) -> str:
        """Return the excluded clauses as one OR expression (for exclusion-only searches)."""
        return " OR ".join(clause.fts5() for clause in self.excluded)


def _lex(text: str) -> list[tuple[str, str]]:
    """Split raw input into (kind, value) tokens: phrase, word, or, minus-prefixed kinds."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        negated = False
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
            ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            end = n if end == -1 else end  # an unbalanced quote runs to the end
            tokens.append(("-phrase" if negated else "phrase", text[i + 1 : end]))
            i = end + 1
            continue
        end = i
        while end < n and not text[end].isspace() and text[end] != '"':
            end += 1
        chunk = text[i:end]
        i = end
        if not negated and chunk.lower() == "or":
            tokens.append(("or", chunk))
        else:
            tokens.append(("-word" if negated else "word", chunk))
    return tokens


def parse_query(text: str | None) -> ParsedQuery:
    """Parse a user's query; never raises, whatever the input holds."""
    raw = (text or "").replace("\x00", " ")
    notices: list[str] = []
    if len(raw) > MAX_QUERY_CHARS:
        raw = raw[:MAX_QUERY_CHARS]
        notices.append("truncated")
    groups: list[list[Clause]] = []
    excluded: list[Clause] = []
    pending_or = False
    dropped_stop_words = False
    for kind, value in _lex(raw):
        if kind == "or":
            pending_or = bool(groups)
            continue
        words = tuple(tokenize(value))
        if not words:
            pending_or = False
            continue
        clause = Clause(words, phrase=kind.endswith("phrase") or len(words) > 1)
        if clause.is_stop_only:
            dropped_stop_words = True
            continue
        if len(groups) + len(excluded) >= MAX_CLAUSES:
            if "too_many_terms" not in notices:
                notices.append("too_many_terms")
            continue
        if kind.startswith("-"):
            excluded.append(clause)
        elif pending_or and groups:
            groups[-1].append(clause)
        else:
            groups.append([clause])
        pending_or = False
    if dropped_stop_words and not groups and not excluded:
        notices.append("only_stop_words")
    return ParsedQuery(
        raw=raw,
        groups=tuple(tuple(group) for group in groups),
        excluded=tuple(excluded),
        notices=tuple(notices),
    )
