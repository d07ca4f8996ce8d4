"""Danish stemming, tokenising and compound splitting (minutes/textanalysis). No database needed.

Run with ``pytest -p no:django minutes/tests/test_compounds.py``. The lexicon is loaded from its
cache (built from the vendored dictionary on first use, a few seconds).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from minutes.tests.shared import shared_path
from minutes.textanalysis import lexicon as lexicon_module
from minutes.textanalysis.compounds import Decompounder, Exceptions
from minutes.textanalysis.lexicon import LEXICON_VERSION, SPLITTER_VERSION, load_lexicon
from minutes.textanalysis.stemming import stem, tokenize


@pytest.fixture(scope="module")
def decompounder() -> Decompounder:
    return Decompounder(load_lexicon())


@pytest.fixture(scope="module")
def corpus_types() -> Counter:
    counts: Counter = Counter()
    for path in sorted(shared_path("corpus").glob("*.txt")):
        counts.update(tokenize(path.read_text(encoding="utf-8")))
    return counts


# Words that must split, with their parts as lemmas: from the corpus (shared/corpus) and everyday
# municipal vocabulary.
MUST_SPLIT = {
    "beskæftigelsesreformen": ("beskæftigelse", "reform"),
    "kontanthjælpsreform": ("kontant", "hjælp", "reform"),
    "ældreplejen": ("ældre", "pleje"),
    "frikortordningen": ("fri", "kort", "ordning"),
    "voksenlærlingeordningen": ("voksen", "lærling", "ordning"),
    "arbejdsløshedsforsikring": ("arbejdsløshed", "forsikring"),
    "rehabiliteringsteamet": ("rehabilitering", "team"),
    "budgetopfølgning": ("budget", "opfølgning"),
    "kommuneplanrammer": ("kommune", "plan", "ramme"),
    "folkeskolereformen": ("folk", "skole", "reform"),
    "handicapområdet": ("handicap", "område"),
    "sygedagpengeområdet": ("syge", "dag", "penge", "område"),
    "folkeskolen": ("folk", "skole"),
    "skolereform": ("skole", "reform"),
    "hjemmeplejen": ("hjemme", "pleje"),
    "børneattest": ("børn", "attest"),
    "museumsbesøg": ("museum", "besøg"),
    "affaldsplan": ("affald", "plan"),
    "vejbelysning": ("vej", "belysning"),
    "trafiksikkerhed": ("trafik", "sikkerhed"),
    "skolebestyrelsen": ("skole", "bestyrelse"),
    "ældreområdet": ("ældre", "område"),
    "socialudvalget": ("social", "udvalg"),
    "spildevandsplan": ("spildevand", "plan"),
    "botilbud": ("bo", "tilbud"),
    "arbejdsmarkedsudvalget": ("arbejde", "marked", "udvalg"),
    "beskæftigelsesområdet": ("beskæftigelse", "område"),
    "beskæftigelsesindsatsen": ("beskæftigelse", "indsats"),
    "beskæftigelsesplanen": ("beskæftigelse", "plan"),
    "jobcenteret": ("job", "center"),
    "fagcenteret": ("fag", "center"),
    "ledelsesinformation": ("ledelse", "information"),
    "sagsbehandlingstider": ("sag", "behandling", "tid"),
    "ankestyrelsen": ("anke", "styrelse"),
    "handleplanen": ("handle", "plan"),
    "budgethandleplanen": ("budget", "handle", "plan"),
    "budgetaftalen": ("budget", "aftale"),
    "budgetrammen": ("budget", "ramme"),
    "erhvervsudvalget": ("erhverv", "udvalg"),
    "kommunalbestyrelsen": ("kommunal", "bestyrelse"),
    "integrationsloven": ("integration", "lov"),
    "løntilskud": ("løn", "tilskud"),
    "målgruppen": ("mål", "gruppe"),
    "uddannelsespuljerne": ("uddannelse", "pulje"),
    "underskriftsark": ("underskrift", "ark"),
    "virksomhedspraktik": ("virksomhed", "praktik"),
    "tilfredshedsundersøgelse": ("tilfredshed", "undersøgelse"),
    "ekspertgruppens": ("ekspert", "gruppe"),
    "ungdomsuddannelse": ("ungdom", "uddannelse"),
    "sygedagpenge": ("syge", "dag", "penge"),
    "kontrolindsatsen": ("kontrol", "indsats"),
    "høringssvar": ("høring", "svar"),
    "årshjulet": ("år", "hjul"),
    "ydelsesmodtagere": ("ydelse", "modtager"),
    "klimahandleplanen": ("klima", "handle", "plan"),
    "plejecentre": ("pleje", "center"),
    "lovforslaget": ("lov", "forslag"),
    "retssikkerhed": ("ret", "sikkerhed"),
    "rådhus": ("råd", "hus"),
    "trepartsaftalen": ("tre", "part", "aftale"),
    "klimadagsordenen": ("klima", "dagsorden"),
    "støttekontaktpersoner": ("støtte", "kontakt", "person"),
}

# Words that must stay whole: particles and prefixes (be-, for-, ud-), derivations, verbs and
# lexicalised words whose "parts" are false friends.
MUST_NOT_SPLIT = """
    bestyrelsen forslag udvalget orientering billede deltage etablere bidrage vejlede statistik
    gennemføre samtalen præsenterer foreningerne deltager etableret bidrager varetager fortsætte
    indebærer sammenhængende kontakt program transport udvikling opfølgning samarbejde medarbejder
    virksomhed afgørelse forvaltningen borgerne ledelse kommunen regeringen myndighed rapportering
    registrering vejleder vejledning netværk dagsorden dagsordenen borgmesteren forudsætning
    målsætning problemstillinger anbefalinger beslutning indstillingen efterretning underskrift
    arbejdsløshed tilfredshed statistikken orienteringen helbred velfærd bæredygtighed behandling
    uddannelse undersøgelse
"""

# (query, document word): the examples; the query is stemmed like PostgreSQL does.
QUERY_FINDS = [
    ("reform", "beskæftigelsesreformen"),
    ("ældre", "ældreplejen"),
    ("frikort", "frikortordningen"),
    ("lærlingeordning", "voksenlærlingeordningen"),
    ("arbejdsløshed", "arbejdsløshedsforsikring"),
    ("skole", "folkeskolereformen"),
    ("skolereform", "folkeskolereformen"),
    ("plan", "kommuneplanrammer"),
    ("budget", "budgetopfølgning"),
    ("team", "rehabiliteringsteamet"),
    ("pleje", "ældreplejen"),
    ("udvalg", "arbejdsmarkedsudvalget"),
    ("arbejdsmarked", "arbejdsmarkedsudvalget"),
]

# (query, document word) pairs that must NOT match: nonsense splits.
FALSE_FRIENDS = [
    ("tyre", "bestyrelsen"),
    ("styrelse", "bestyrelsen"),
    ("slag", "forslag"),
    ("valg", "udvalget"),
    ("ring", "orientering"),
    ("bil", "billede"),
    ("lede", "billede"),
    ("tage", "deltage"),
    ("ale", "samtalen"),
    ("sport", "transport"),
    ("orden", "dagsordenen"),
    ("værk", "netværket"),
    ("mester", "borgmesteren"),
]


@pytest.mark.parametrize(("word", "parts"), MUST_SPLIT.items())
def test_splits_compound(decompounder, word, parts):
    assert decompounder.split(word) == parts


@pytest.mark.parametrize("word", MUST_NOT_SPLIT.split())
def test_does_not_split(decompounder, word):
    assert decompounder.split(word) == ()
    assert decompounder.part_stems(word) == ()


def test_lists_are_large_enough():
    assert len(MUST_SPLIT) >= 50
    assert len(MUST_NOT_SPLIT.split()) >= 50


@pytest.mark.parametrize(("query", "word"), QUERY_FINDS)
def test_query_finds_compound(decompounder, query, word):
    assert stem(word) != stem(query)  # plain Snowball alone would miss it
    assert decompounder.compound_matches(word, stem(query))


@pytest.mark.parametrize(("query", "word"), FALSE_FRIENDS)
def test_false_friend_does_not_match(decompounder, query, word):
    assert not decompounder.compound_matches(word, stem(query))


def test_compound_matches_own_stem(decompounder):
    assert decompounder.compound_matches("Udvalget", stem("udvalg"))
    assert decompounder.compound_matches("skolerne", stem("skole"))


def test_part_stems_leave_out_the_whole_word(decompounder):
    assert decompounder.part_stems("beskæftigelsesreformen") == ("beskæftig", "reform")
    # budget stems to "budg"; the part is stemmed from its lemma so the query "budget" meets it.
    assert stem("budget") in decompounder.part_stems("budgetopfølgning")


def test_parts_text(decompounder):
    text = "Orientering om beskæftigelsesreformen og ældreplejen i Bestyrelsen."
    assert decompounder.parts_text(text) == "beskæftig reform ældr plej"
    assert decompounder.parts_text("") == ""


def test_exception_file_is_pinned():
    exceptions = Exceptions.read()
    for word in (
        "billede",
        "deltage",
        "etablere",
        "bidrage",
        "vejlede",
        "netværk",
        "dagsorden",
    ):
        assert word in exceptions.never
    assert exceptions.forced["underskriftsark"] == ("underskrift", "ark")
    assert not exceptions.never & set(exceptions.forced)


def test_forced_and_never_win_over_rules(decompounder):
    assert decompounder.split("billedet") == ()  # by lemma
    assert decompounder.split("Underskriftsark") == ("underskrift", "ark")


def test_ignores_numbers_and_short_words(decompounder):
    assert decompounder.split("2024") == ()
    assert decompounder.split("co2udledning") == ()
    assert decompounder.split("råd") == ()


# Stemming and tokenising ---------------------------------------------------------------------


def test_tokenize_splits_like_postgres():
    assert tokenize("KL's beskæftigelses-reform, e-mail; Müller & café 2024") == [
        "kl",
        "s",
        "beskæftigelses",
        "reform",
        "e",
        "mail",
        "müller",
        "café",
        "2024",
    ]
    assert tokenize("Ældre_plejen/Århus") == ["ældre", "plejen", "århus"]


def test_stem_is_lowercased_snowball():
    assert stem("Beskæftigelsesreformen") == "beskæftigelsesreform"
    assert stem("budget") == "budg"
    assert stem("budgettet") == "budget"


def _postgres_connection():
    try:
        import psycopg

        return psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", connect_timeout=3)
    except Exception as error:  # noqa: BLE001 - any failure means "no server here"
        message = f"PostgreSQL on 127.0.0.1:5432 is unreachable: {error}"
        if os.environ.get("CI") or os.environ.get("ARCHIVE_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)


def test_stems_equal_postgres_danish(corpus_types):
    words = [w for w, _ in corpus_types.most_common() if w.isalpha() and len(w) >= 4][:200:5]
    words += [
        "beskæftigelsesreformen",
        "budgettet",
        "ældreplejen",
        "udvalget",
        "orientering",
    ]
    with _postgres_connection() as connection:
        compared = 0
        for word in words:
            row = connection.execute(
                "SELECT array(SELECT lexeme FROM unnest(to_tsvector('danish', %s)))",
                (word,),
            ).fetchone()
            if not row[0]:
                continue  # a stop word: PostgreSQL drops it
            assert row[0] == [stem(word)], word
            compared += 1
    assert compared >= 30


# Lexicon cache -------------------------------------------------------------------------------


def test_load_lexicon_builds_once_then_reads_the_cache(tmp_path, monkeypatch):
    path = tmp_path / "lexicon.json.gz"
    monkeypatch.setenv("ARCHIVE_LEXICON_PATH", str(path))
    builds = []
    real_build = lexicon_module.build_lexicon

    def counting_build(*args, **kwargs):
        builds.append(args)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(lexicon_module, "build_lexicon", counting_build)
    first = load_lexicon()
    assert path.exists() and len(builds) == 1
    second = load_lexicon()
    assert len(builds) == 1  # read from the file, not rebuilt
    assert second.version == first.version == LEXICON_VERSION
    assert second.analyse("reformen") == first.analyse("reformen") == (("reform", "n"),)
    assert second.modifiers == first.modifiers


def test_stale_cache_is_rebuilt(tmp_path, monkeypatch):
    path = tmp_path / "lexicon.json.gz"
    lexicon = load_lexicon()
    stale = lexicon_module.Lexicon(**{**_fields(lexicon), "version": "old"})
    lexicon_module.save_lexicon(stale, path)
    monkeypatch.setattr(lexicon_module, "build_lexicon", lambda *a: lexicon)
    assert load_lexicon(path).version == LEXICON_VERSION
    assert lexicon_module.read_lexicon(path).version == LEXICON_VERSION


def _fields(lexicon):
    return {name: getattr(lexicon, name) for name in lexicon.__dataclass_fields__}


def test_lexicon_version_names_dictionary_and_splitter():
    assert LEXICON_VERSION.endswith(f".s{SPLITTER_VERSION}")
    assert "2.8.034" in LEXICON_VERSION


def test_lexicon_content(decompounder):
    lexicon = decompounder.lexicon
    assert lexicon.analyse("budgettet") == (("budget", "n"),)  # twofold suffix
    assert ("råd", "n") in lexicon.analyse("rådet")
    assert lexicon.analyse("budgett") == ()  # NEEDAFFIX: not a word by itself
    assert lexicon.modifiers["beskæftigelses"] == ("beskæftigelse",)
    assert "ældre" in lexicon.modifiers
    assert lexicon.analyse("xyzzy") == ()


# Quality on the real corpus ------------------------------------------------------------------

# Hand-judged corpus words (checked against the splitter's full output on shared/corpus), with
# the parts they must give; () = must stay whole.
GOLDEN = {
    "arbejdsgivererklæringen": ("arbejde", "giver", "erklæring"),
    "borgertilfredshedsanalyse": ("borger", "tilfredshed", "analyse"),
    "dagtilbudsområdet": ("dag", "tilbud", "område"),
    "erhvervsklimaanalyse": ("erhverv", "klima", "analyse"),
    "fleksjobbevilling": ("fleksjob", "bevilling"),
    "integrationsgrunduddannelsen": ("integration", "grund", "uddannelse"),
    "jobafklaringsforløb": ("job", "afklaring", "forløb"),
    "kassebeholdningen": ("kasse", "beholdning"),
    "omgørelsesprocenten": ("omgørelse", "procent"),
    "overførselsudgifterne": ("overførsel", "udgift"),
    "spørgeskemaundersøgelsen": ("spørge", "skema", "undersøgelse"),
    "velfærdsindsatsen": ("velfærd", "indsats"),
    "cirkulæreprogram": ("cirkulære", "program"),
    "enhedslisten": ("enhed", "liste"),
    "aktivloven": ("aktiv", "lov"),
    "indsatsområderne": ("indsats", "område"),
    "tidspunktet": ("tid", "punkt"),
    "ledighedsydelse": ("ledighed", "ydelse"),
    "indholdsfortegnelse": ("indhold", "fortegnelse"),
    "meddelelser": (),
    "bemærkninger": (),
    "præsentation": (),
    "indstiller": (),
    "sagsfremstilling": ("sag", "fremstilling"),
}


def test_golden_corpus_words(decompounder, corpus_types):
    for word in GOLDEN:
        assert word in corpus_types, word
    wrong = {w: decompounder.split(w) for w, parts in GOLDEN.items() if decompounder.split(w) != parts}
    assert not wrong


def test_corpus_statistics(decompounder, corpus_types):
    split_types = [w for w in corpus_types if decompounder.split(w)]
    tokens = sum(corpus_types.values())
    split_tokens = sum(corpus_types[w] for w in split_types)
    extra = sum(len(decompounder.part_stems(w)) * n for w, n in corpus_types.items())
    print(
        f"\ncorpus: {len(corpus_types)} types, {tokens} tokens; split {len(split_types)} types "
        f"({len(split_types) / len(corpus_types):.1%}), {split_tokens} tokens "
        f"({split_tokens / tokens:.1%}); {extra / tokens:.2f} extra lexemes per token"
    )
    # Loose bounds only: the exact numbers move with the dictionary and the rules.
    assert 0.05 < len(split_types) / len(corpus_types) < 0.40
