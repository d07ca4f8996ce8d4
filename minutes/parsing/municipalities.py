"""The 98 Danish municipalities, and which one a referat belongs to.

The header of a referat seldom names the municipality; the body does, over and over ("Sorø
Kommune", "Sorø Kommunes Handicappolitik"). Mentions of neighbours occur too ("Holbæk
Kommune"), so the most mentioned municipality wins.
"""

from __future__ import annotations

import re
from collections import Counter

# Official names (Danmarks Statistik, kommuneinddeling since 2007), by region.
MUNICIPALITIES: tuple[str, ...] = (
    # Region Hovedstaden
    "Albertslund Kommune",
    "Allerød Kommune",
    "Ballerup Kommune",
    "Bornholms Regionskommune",
    "Brøndby Kommune",
    "Dragør Kommune",
    "Egedal Kommune",
    "Fredensborg Kommune",
    "Frederiksberg Kommune",
    "Frederikssund Kommune",
    "Furesø Kommune",
    "Gentofte Kommune",
    "Gladsaxe Kommune",
    "Glostrup Kommune",
    "Gribskov Kommune",
    "Halsnæs Kommune",
    "Helsingør Kommune",
    "Herlev Kommune",
    "Hillerød Kommune",
    "Hvidovre Kommune",
    "Høje-Taastrup Kommune",
    "Hørsholm Kommune",
    "Ishøj Kommune",
    "Københavns Kommune",
    "Lyngby-Taarbæk Kommune",
    "Rudersdal Kommune",
    "Rødovre Kommune",
    "Tårnby Kommune",
    "Vallensbæk Kommune",
    # Region Sjælland
    "Faxe Kommune",
    "Greve Kommune",
    "Guldborgsund Kommune",
    "Holbæk Kommune",
    "Kalundborg Kommune",
    "Køge Kommune",
    "Lejre Kommune",
    "Lolland Kommune",
    "Næstved Kommune",
    "Odsherred Kommune",
    "Ringsted Kommune",
    "Roskilde Kommune",
    "Slagelse Kommune",
    "Solrød Kommune",
    "Sorø Kommune",
    "Stevns Kommune",
    "Vordingborg Kommune",
    # Region Syddanmark
    "Assens Kommune",
    "Billund Kommune",
    "Esbjerg Kommune",
    "Fanø Kommune",
    "Fredericia Kommune",
    "Faaborg-Midtfyn Kommune",
    "Haderslev Kommune",
    "Kerteminde Kommune",
    "Kolding Kommune",
    "Langeland Kommune",
    "Middelfart Kommune",
    "Nordfyns Kommune",
    "Nyborg Kommune",
    "Odense Kommune",
    "Svendborg Kommune",
    "Sønderborg Kommune",
    "Tønder Kommune",
    "Varde Kommune",
    "Vejen Kommune",
    "Vejle Kommune",
    "Ærø Kommune",
    "Aabenraa Kommune",
    # Region Midtjylland
    "Favrskov Kommune",
    "Hedensted Kommune",
    "Herning Kommune",
    "Holstebro Kommune",
    "Horsens Kommune",
    "Ikast-Brande Kommune",
    "Lemvig Kommune",
    "Norddjurs Kommune",
    "Odder Kommune",
    "Randers Kommune",
    "Ringkøbing-Skjern Kommune",
    "Samsø Kommune",
    "Silkeborg Kommune",
    "Skanderborg Kommune",
    "Skive Kommune",
    "Struer Kommune",
    "Syddjurs Kommune",
    "Viborg Kommune",
    "Aarhus Kommune",
    # Region Nordjylland
    "Brønderslev Kommune",
    "Frederikshavn Kommune",
    "Hjørring Kommune",
    "Jammerbugt Kommune",
    "Læsø Kommune",
    "Mariagerfjord Kommune",
    "Morsø Kommune",
    "Rebild Kommune",
    "Thisted Kommune",
    "Vesthimmerlands Kommune",
    "Aalborg Kommune",
)


def _mention_pattern(name: str) -> re.Pattern[str]:
    # "Sorø Kommune" and the genitive "Sorø Kommunes"; not "Sorø Kommunernes".
    stem, _, kind = name.rpartition(" ")
    return re.compile(rf"(?<![\w-]){re.escape(stem)}\s+{kind}s?(?!\w)", re.IGNORECASE)


_PATTERNS = {name: _mention_pattern(name) for name in MUNICIPALITIES}


# Any "<word> Kommune(s)" or "<word> Regionskommune(s)", in one scan of the text; the word is
# then looked up among the municipalities. The 98 patterns above took 98 passes over the text,
# most of the time a referat took to parse. Every match of a pattern above is a match of this one
# with the same span (a name is letters and hyphens, preceded by neither), and no match of this
# one can overlap it, because no municipality's name begins with "Kommune".
_ANY_MENTION = re.compile(r"(?<![\w-])([\w-]+)\s+((?:regions)?kommune)s?(?!\w)", re.IGNORECASE)
# (name, kind) of each municipality, lower-cased, to its official name.
_BY_MENTION = {tuple(part.lower() for part in name.rpartition(" ")[::2]): name for name in MUNICIPALITIES}
# Letters whose lower case is exact for the lookup; anything else may match a name only through
# the regular expression engine's own case folding (dotless "ı", long "ſ"), so it is checked there.
_PLAIN_LETTERS = frozenset("".join(f"{stem}{kind}" for stem, kind in _BY_MENTION))


def _mentioned(match: re.Match[str]) -> str | None:
    """Return the municipality a candidate mention names, if any."""
    stem, kind = match[1].lower(), match[2].lower()
    name = _BY_MENTION.get((stem, kind))
    if name is None and not _PLAIN_LETTERS.issuperset(stem + kind):
        mention = match[0]
        name = next((n for n, pattern in _PATTERNS.items() if pattern.fullmatch(mention)), None)
    return name


def canonical_municipality(name: str) -> str:
    """Return the official name for "Sorø", "sorø kommune" or "Sorø Kommune"; else ``name`` trimmed."""
    wanted = name.strip().casefold()
    for official in MUNICIPALITIES:
        stem = official.rpartition(" ")[0].casefold()
        if wanted in (official.casefold(), stem, stem.rstrip("s")):
            return official
    return name.strip()


def infer_municipality(text: str) -> str:
    """Return the municipality mentioned most often in ``text``, or "" when none is."""
    counts = Counter(dict.fromkeys(MUNICIPALITIES, 0))
    for match in _ANY_MENTION.finditer(text):
        name = _mentioned(match)
        if name is not None:
            counts[name] += 1
    name, count = counts.most_common(1)[0]
    return name if count else ""
