"""Split Danish compounds into their parts, for index-time search lexemes.

*beskæftigelsesreformen* is indexed with the extra lexemes of *beskæftigelse* and *reform*, so the
query "reform" finds it. The rules follow shared/research/danish-compounds.md §4 and §8:

* a split is ``modifier* + head``. A modifier is a compound-initial form the dictionary declares,
  with its linking element (*beskæftigelse-s-*, *lærling-e-*, *arbejd-s-*), or the bare lemma of
  such a word (*lokalplan+forslag*), or any noun lemma of four letters or more (*kommuneplan+ramme*).
  Particles (*ud, for, be, op …*) are never modifiers, so *udvalget*, *forslag* and *bestyrelsen*
  stay whole; modifiers have at least three letters (allow-list: *bo*);
* the head is a dictionary full form of a noun (an adjective or proper noun too, for a word the
  dictionary does not know), of at least four letters (allow-list: *råd, sag, lov, vej, …*), and
  never a derivational ending that happens to be a word (*-hed, -skab, -else, -ning, -ering …*);
* a word the dictionary already lists is split through its lemma, only when that lemma is a noun
  and every part is common: a part is common when the dictionary has many compounds with it
  (see lexicon.py) or when it is itself a common compound. Verbs such as *deltage*, *vejlede*,
  *etablere* and *gennemføre* are therefore never split, and neither is *orientering* or *billede*;
* fewest parts first, then declared linking forms, then the longest head; parts that are
  compounds themselves are split in turn (*folkeskolereform → folk + skole + reform*);
* ``data/compound_exceptions.txt`` lists words never to split and forced splits, pinned by tests.

The lexemes are the Snowball stems of every part, of every compound inside the word
(*lærlingeordning* in *voksenlærlingeordningen*), that differ from the whole word's stem.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .lexicon import (
    DATA_DIR,
    DERIVATIONAL_HEADS,
    MIN_FAMILY,
    NOUN,
    PARTICLES,
    SHORT_HEADS,
    SHORT_MODIFIERS,
    Lexicon,
    load_lexicon,
)
from .stemming import stem, tokenize

EXCEPTIONS_PATH = DATA_DIR / "compound_exceptions.txt"

MIN_MODIFIER = 3
MIN_HEAD = 4
MAX_PARTS = 4
# Shortest word worth trying: a three-letter modifier and a short head (*rådhus*).
MIN_WORD = 6
# A part this long is taken as a real word without the family-size check: accidental parts of
# lexicalised words are short (bil+lede, orient+ering, net+værk).
LONG_PART = 7
_HEAD_POS_KNOWN = (NOUN,)
_HEAD_POS_UNKNOWN = (NOUN, "a", "p")
# Modifier ranks: a declared compound-initial form beats the bare lemma of a word that declares
# one, which beats any other noun lemma.
_DECLARED, _DECLARED_LEMMA, _NOUN_LEMMA = 2, 1, 0
# Heads that are a derivational suffix after this letter: -ering (orient-e-ring, rapport-e-ring).
_TRAPS = {"ring": "e"}


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a compound: its letters as written in the word and its lemma."""

    surface: str
    lemma: str


@dataclass(frozen=True, slots=True)
class Exceptions:
    """Words never to split (by form or lemma) and forced splits (word -> lemma parts)."""

    never: frozenset[str]
    forced: dict[str, tuple[str, ...]]

    @classmethod
    def read(cls, path: Path = EXCEPTIONS_PATH) -> Exceptions:
        """Read ``word`` (never split) and ``word = part + part`` (forced split) lines."""
        never: set[str] = set()
        forced: dict[str, tuple[str, ...]] = {}
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip().lower()
            if not line:
                continue
            if "=" in line:
                word, parts = (side.strip() for side in line.split("=", 1))
                forced[word] = tuple(p.strip() for p in parts.split("+") if p.strip())
            else:
                never.add(line)
        return cls(never=frozenset(never), forced=forced)


class Decompounder:
    """Split words into compound parts with a :class:`Lexicon`; results are cached per word."""

    def __init__(
        self,
        lexicon: Lexicon,
        exceptions: Exceptions | None = None,
        cache_size: int = 500_000,
    ):
        self.lexicon = lexicon
        self.exceptions = exceptions if exceptions is not None else Exceptions.read()
        self._parts = lru_cache(maxsize=cache_size)(self._parts_uncached)
        self._lexemes = lru_cache(maxsize=cache_size)(self._lexemes_uncached)
        self._lemma_parts = lru_cache(maxsize=cache_size)(self._lemma_parts_uncached)
        self._modifiers = lru_cache(maxsize=cache_size)(self._modifiers_uncached)
        # Every cut of every unknown word looks its tail up as a head; tails recur across words
        # (-ordningen, -udvalget), and the lookup was most of the cost of a new word.
        self._head = lru_cache(maxsize=cache_size)(self._head_uncached)

    # Public API ------------------------------------------------------------------------------

    def split(self, word: str) -> tuple[str, ...]:
        """Return the parts of ``word`` as lemmas (``()`` when it is no compound)."""
        return tuple(part.lemma for part in self._parts(word.lower()))

    def part_stems(self, word: str) -> tuple[str, ...]:
        """Return the Snowball stems of the parts that differ from the stem of ``word`` itself."""
        return self._lexemes(word.lower())

    def parts_text(self, text: str) -> str:
        """Return the part stems of every word in ``text``, space-joined, in text order."""
        return " ".join(lexeme for token in tokenize(text) for lexeme in self._lexemes(token))

    def compound_matches(self, word: str, query_stem: str) -> bool:
        """Tell whether ``word`` matches the query stem itself or through one of its parts."""
        word = word.lower()
        return stem(word) == query_stem or query_stem in self._lexemes(word)

    # Lexemes ---------------------------------------------------------------------------------

    def _lexemes_uncached(self, word: str) -> tuple[str, ...]:
        parts = self._parts(word)
        if not parts:
            return ()
        words: list[str] = []
        # Every run of two or more parts is a compound too (folk+skole+reform holds skolereform
        # and folkeskole), written with its last part as a lemma.
        for start in range(len(parts)):
            for end in range(start, len(parts)):
                if (start, end) == (0, len(parts) - 1):
                    continue
                words.append("".join(p.surface for p in parts[start:end]) + parts[end].lemma)
        whole = stem(word)
        seen: dict[str, None] = {}
        for candidate in words:
            lexeme = stem(candidate)
            if lexeme != whole and lexeme not in seen:
                seen[lexeme] = None
        return tuple(seen)

    # Splitting -------------------------------------------------------------------------------

    def _parts_uncached(self, word: str) -> tuple[Part, ...]:
        """Return the parts of a lower-cased word, recursively split, or ``()``."""
        if len(word) < MIN_WORD or not word.isalpha() or word in self.exceptions.never:
            return ()
        if word in self.exceptions.forced:
            return self._forced(word)
        analyses = self.lexicon.analyse(word)
        if analyses:
            # A word the dictionary knows: split its noun lemma, and only into common parts.
            for lemma, pos in analyses:
                if pos != NOUN:
                    continue
                parts = self._lemma_parts(lemma)
                if parts:
                    return self._reinflect(parts, lemma, word)
            return ()
        top = self._segment(word, _HEAD_POS_UNKNOWN)
        if top is None:
            return ()
        return self._expand(top)

    def _lemma_parts_uncached(self, lemma: str) -> tuple[Part, ...]:
        """Split a dictionary noun lemma into common parts (recursively), or return ``()``."""
        if len(lemma) < MIN_WORD or lemma in self.exceptions.never:
            return ()
        if lemma in self.exceptions.forced:
            return self._forced(lemma)
        if NOUN not in self.lexicon.pos_of(lemma):
            return ()  # adjectives, verbs and names stay whole: sjælland, not sjæl + land
        top = self._segment(lemma, _HEAD_POS_KNOWN)
        if top is None or not all(self._is_common(part, top[-1]) for part in top):
            return ()
        return self._expand(top)

    def _is_common(self, part: Part, head: Part) -> bool:
        """Tell whether a part of a lexicalised word is a common word in its own right."""
        lemma = part.lemma
        if (
            part is not head
            and part.surface == lemma + "s"
            and lemma in self.lexicon.modifiers.get(part.surface, ())
        ):
            return True  # a declared -s- link (høring-s-svar) is itself evidence of a compound
        if len(lemma) >= LONG_PART or self.lexicon.family.get(lemma, 0) >= MIN_FAMILY:
            return True
        return bool(self._lemma_parts(lemma))

    def _family(self, lemma: str) -> int:
        return self.lexicon.family.get(lemma, 0)

    def _expand(self, top: tuple[Part, ...]) -> tuple[Part, ...]:
        """Replace each part that is itself a compound by its parts."""
        result: list[Part] = []
        for part in top:
            inner = self._lemma_parts(part.lemma)
            written = "".join(p.surface for p in inner[:-1])
            if len(inner) > 1 and part.surface.startswith(written):
                result.extend(inner[:-1])
                result.append(Part(part.surface[len(written) :], inner[-1].lemma))
            else:
                result.append(part)
        return tuple(result)

    def _reinflect(self, parts: tuple[Part, ...], lemma: str, word: str) -> tuple[Part, ...]:
        """Give the last part of a lemma's split the inflected letters of ``word``."""
        written = "".join(p.surface for p in parts[:-1])
        if word.startswith(written):
            return (*parts[:-1], Part(word[len(written) :], parts[-1].lemma))
        return parts

    def _forced(self, word: str) -> tuple[Part, ...]:
        lemmas = self.exceptions.forced[word]
        parts = []
        rest = word
        for lemma in lemmas:
            take = lemma if rest.startswith(lemma) else rest[: len(lemma)]
            parts.append(Part(take, lemma))
            rest = rest[len(take) :]
        return tuple(parts)

    def _segment(self, word: str, head_pos: tuple[str, ...]) -> tuple[Part, ...] | None:
        """Return the best ``modifier* + head`` segmentation of ``word``, or ``None``."""
        best_key = None
        best: tuple[Part, ...] | None = None
        for cut in range(MIN_MODIFIER - 1, len(word) - 1):
            head = self._head(word[cut:], head_pos)
            if head is None or word[cut - 1] == _TRAPS.get(head.lemma):
                continue
            chain = self._modifiers(word[:cut])
            if chain is None:
                continue
            mods, rank = chain
            parts = (*mods, head)
            if len(parts) > MAX_PARTS:
                continue
            # Fewest parts, then declared linking forms, then the longest head.
            key = (len(parts), -rank, cut)
            if best_key is None or key < best_key:
                best_key, best = key, parts
        return best

    def _modifiers_uncached(self, text: str) -> tuple[tuple[Part, ...], int] | None:
        """Cover ``text`` with the fewest modifiers; return them and their summed rank."""
        single = self._modifier(text)
        if single is not None:
            return (single[0],), single[1]
        best: tuple[tuple[Part, ...], int] | None = None
        for cut in range(MIN_MODIFIER - 1, len(text) - 1):
            tail = self._modifier(text[cut:])
            if tail is None:
                continue
            head = self._modifiers(text[:cut])
            if head is None:
                continue
            candidate = ((*head[0], tail[0]), head[1] + tail[1])
            if best is None or (len(candidate[0]), -candidate[1]) < (
                len(best[0]),
                -best[1],
            ):
                best = candidate
        return best

    def _modifier(self, text: str) -> tuple[Part, int] | None:
        if (len(text) < MIN_MODIFIER and text not in SHORT_MODIFIERS) or text in PARTICLES:
            return None
        lexicon = self.lexicon
        lemmas = lexicon.modifiers.get(text)
        if lemmas:
            # Prefer a noun, then the commoner lemma, then the shorter link (indsats-, not indsat-s-).
            lemma = min(
                lemmas,
                key=lambda lemma: (
                    NOUN not in lexicon.pos_of(lemma),
                    -self._family(lemma),
                    -len(lemma),
                ),
            )
            if lemma in PARTICLES:
                return None
            return Part(text, lemma), _DECLARED
        if text in lexicon.declared_lemmas:
            return Part(text, text), _DECLARED_LEMMA
        # An undeclared noun as modifier (kommuneplan+ramme) must be a common word: this keeps
        # rare nouns such as "efor" out of sprogskele+forløb.
        common = len(text) >= LONG_PART or self._family(text) >= MIN_FAMILY
        if len(text) >= 4 and common and NOUN in lexicon.pos_of(text):
            return Part(text, text), _NOUN_LEMMA
        return None

    def _head_uncached(self, text: str, head_pos: tuple[str, ...]) -> Part | None:
        if text in DERIVATIONAL_HEADS:
            return None
        analyses = self.lexicon.analyse(text)
        for wanted in head_pos:
            lemmas = [
                lemma
                for lemma, pos in analyses
                if pos == wanted
                and lemma not in DERIVATIONAL_HEADS
                and (len(lemma) >= MIN_HEAD or lemma in SHORT_HEADS)
            ]
            if lemmas:
                # A common reading first (lov, not the rare noun loven, in aktivloven), then the
                # form itself (løb, not løbe), then the longest lemma (liste, not list, in -listen).
                best = min(
                    lemmas,
                    key=lambda lemma: (
                        self._family(lemma) < MIN_FAMILY,
                        lemma != text,
                        -len(lemma),
                    ),
                )
                return Part(text, best)
        return None


@lru_cache(maxsize=1)
def default_decompounder() -> Decompounder:
    """Return the process-wide decompounder over the cached lexicon (loaded on first use)."""
    return Decompounder(load_lexicon())


def parts_text(text: str) -> str:
    """Return the space-joined part stems of ``text``: what the index stores at the lowest weight."""
    return default_decompounder().parts_text(text)


def compound_matches(word: str, query_stem: str) -> bool:
    """Tell whether a document word matches a query stem itself or through one of its parts."""
    return default_decompounder().compound_matches(word, query_stem)
