"""A synthetic national archive for benchmarks, learned from real referater.

``learn_model(paths)`` reads real referater through the parser and keeps their statistics:
a word-bigram model of the case texts and of the titles (with a share of unigram draws so no
passage is copied), the section skeletons and each section's length, outcomes and their
decision formulas, case-number schemes and the share of closed items. A long tail of rare
words is drawn from the vendored Danish dictionary with a 1/rank (Zipf) law.

``generate(model, items=N, seed=S)`` yields meetings of items for real Danish municipalities
and committees over 20 years, deterministic for a seed, and ``load(...)`` writes them straight
into the database as the ingest path would leave them: the same denormalised columns, the
same compound parts (``minutes.search.compound_parts`` works per word, so the text is handed
to it unchanged) and the same index rows (SQLite ``minutes_searchdoc`` → FTS5 by trigger;
PostgreSQL's generated ``search_vector``). Bulk paths: COPY on PostgreSQL, executemany on
SQLite, the GIN indexes dropped and rebuilt around a large load.

Used by ``manage.py generate_corpus`` and the benchmark in ``bench/``; never by the site.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import itertools
import json
import math
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from minutes.text import danish_slugify
from minutes.textanalysis.compounds import parts_text

DEFAULT_CORPUS = Path("/work/shared/corpus")
DICTIONARY = Path(__file__).resolve().parent / "textanalysis" / "data" / "da_DK.dic.gz"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")

# The 98 municipalities of Denmark (2007 reform).
MUNICIPALITIES = """
Albertslund Allerød Assens Ballerup Billund Bornholms Brøndby Brønderslev Dragør Egedal Esbjerg Fanø
Favrskov Faxe Fredensborg Fredericia Frederiksberg Frederikshavn Frederikssund Furesø Faaborg-Midtfyn
Gentofte Gladsaxe Glostrup Greve Gribskov Guldborgsund Haderslev Halsnæs Hedensted Helsingør Herlev
Herning Hillerød Hjørring Holbæk Holstebro Horsens Hvidovre Høje-Taastrup Hørsholm Ikast-Brande
Ishøj Jammerbugt Kalundborg Kerteminde Kolding København Køge Langeland Lejre Lemvig Lolland
Lyngby-Taarbæk Læsø Mariagerfjord Middelfart Morsø Norddjurs Nordfyns Nyborg Næstved Odder Odense
Odsherred Randers Rebild Ringkøbing-Skjern Ringsted Roskilde Rudersdal Rødovre Samsø Silkeborg
Skanderborg Skive Slagelse Solrød Sorø Stevns Struer Svendborg Syddjurs Sønderborg Thisted Tønder
Tårnby Vallensbæk Varde Vejen Vejle Vesthimmerlands Viborg Vordingborg Ærø Aabenraa Aalborg Aarhus
""".split()

COMMITTEES = [
    "Økonomiudvalget",
    "Arbejdsmarkeds- og Erhvervsudvalget",
    "Børne- og Skoleudvalget",
    "Teknik- og Miljøudvalget",
    "Social- og Sundhedsudvalget",
    "Kultur- og Fritidsudvalget",
    "Ældreudvalget",
    "Klima- og Miljøudvalget",
    "Plan- og Boligudvalget",
    "Beskæftigelsesudvalget",
    "Sundhedsudvalget",
    "Handicaprådet",
    "Integrationsudvalget",
    "Udvalget for Landdistrikter",
    "Byrådet",
]
YEARS = 20
FIRST_YEAR = 2006
MEETINGS_PER_YEAR = 11  # no meeting in July
ITEMS_PER_MEETING = 10

_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")
_UNIGRAM_SHARE = 0.22  # share of words drawn from the unigram law: breaks up copied runs
_RARE_SHARE = 0.025  # share of words drawn from the dictionary's long tail


class _Chain:
    """A word-bigram model with unigram back-off, as cumulative weight tables."""

    def __init__(self, sentences: list[list[str]]):
        successors: dict[str, Counter] = defaultdict(Counter)
        unigrams: Counter = Counter()
        for words in sentences:
            previous = ""
            for word in words:
                successors[previous][word] += 1
                unigrams[word] += 1
                previous = word
            successors[previous][""] += 1
        self.table = {word: _table(counter) for word, counter in successors.items()}
        self.unigram = _table(unigrams)

    def sentence(self, rng: random.Random, rare, max_words: int = 40) -> list[str]:
        words: list[str] = []
        previous = ""
        while len(words) < max_words:
            roll = rng.random()
            if roll < _RARE_SHARE and words:
                word = rare(rng)
            elif roll < _RARE_SHARE + _UNIGRAM_SHARE and words:
                word = _draw(self.unigram, rng)
            else:
                word = _draw(self.table.get(previous) or self.unigram, rng)
                if not word:
                    if len(words) >= 4:
                        break
                    word = _draw(self.unigram, rng)
            words.append(word)
            previous = word
        return words


def _table(counter: Counter) -> tuple[list[str], list[int]]:
    words = sorted(counter)  # sorted: the model must not depend on dict order
    return words, list(itertools.accumulate(counter[w] for w in words))


def _draw(table: tuple[list[str], list[int]], rng: random.Random) -> str:
    words, cumulative = table
    return words[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


@dataclass
class CorpusModel:
    """What the generator learned from real referater."""

    body: _Chain
    titles: _Chain
    title_openers: tuple[list[str], list[int]]
    skeletons: list[list[tuple[str, str]]]  # per real item: (heading, kind) of its sections
    section_lengths: dict[str, list[int]]  # kind -> real lengths in characters
    outcomes: tuple[list[str], list[int]]
    formulas: dict[str, list[str]]  # outcome -> short decision formulas as printed
    closed_share: float
    kle_subjects: list[str]
    rare_words: list[str]
    stats: dict = field(default_factory=dict)

    def rare(self, rng: random.Random) -> str:
        # P(rank) ∝ 1/rank over the dictionary: a few common, a very long tail.
        rank = int(math.exp(rng.random() * math.log(len(self.rare_words)))) - 1
        return self.rare_words[rank]


def learn_model(paths: list[Path] | None = None) -> CorpusModel:
    """Learn the generator's statistics from real referater (the shared corpus by default)."""
    from minutes.parsing import parse_referat

    if not paths:
        paths = sorted(DEFAULT_CORPUS.glob("*.txt"))
        paths = [p for p in paths if p.stem.upper() != "README"]
    sentences: list[list[str]] = []
    title_words: list[list[str]] = []
    openers: Counter = Counter()
    skeletons: list[list[tuple[str, str]]] = []
    lengths: dict[str, list[int]] = defaultdict(list)
    outcomes: Counter = Counter()
    formulas: dict[str, list[str]] = defaultdict(list)
    items = closed = 0
    subjects: set[str] = set()
    for path in paths:
        meeting = parse_referat(path.read_text(encoding="utf-8")).meeting
        for item in meeting.items:
            items += 1
            if item.closed:
                closed += 1
                continue
            words = item.title.split()
            if len(words) > 2:
                openers[" ".join(words[:2])] += 1
                title_words.append(words[2:])
            if re.match(r"\d\d\.\d\d\.\d\d-", item.case_number):
                subjects.add(item.case_number[:8])
            if item.sections:
                skeletons.append([(s.heading, s.kind) for s in item.sections])
            for section in item.sections:
                lengths[section.kind].append(len(section.text))
                for sentence in _SENTENCE_END.split(section.text):
                    tokens = sentence.split()
                    if len(tokens) >= 3:
                        sentences.append(tokens)
            for decision in item.decisions:
                if decision.is_current:
                    outcomes[decision.outcome] += 1
                    if len(decision.text.split()) <= 8:
                        formulas[decision.outcome].append(decision.text.strip())
    rare = _dictionary_words()
    # The rank order of the long tail, fixed for every seed (not cryptography: S311).
    random.Random(1).shuffle(rare)  # noqa: S311
    return CorpusModel(
        body=_Chain(sentences),
        titles=_Chain(title_words),
        title_openers=_table(openers),
        skeletons=skeletons,
        section_lengths={kind: sorted(v) for kind, v in lengths.items()},
        outcomes=_table(outcomes),
        formulas={k: sorted(set(v)) for k, v in formulas.items()},
        closed_share=closed / max(items, 1),
        kle_subjects=sorted(subjects) or ["00.01.00"],
        rare_words=rare,
        stats={"documents": len(paths), "items": items, "sentences": len(sentences)},
    )


def _dictionary_words() -> list[str]:
    words = set()
    with gzip.open(DICTIONARY, "rt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            word = line.split("/", 1)[0].strip()
            if len(word) >= 5 and word.isalpha() and word.islower():
                words.add(word)
    return sorted(words)


# --- Generation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GenItem:
    number: int
    title: str
    case_number: str
    closed: bool
    sections: list[dict]
    outcome: str
    decision_text: str
    # The body's compound-part stems and Snowball stems, built from per-sentence caches:
    # both functions work word by word, so joining per-sentence results equals running them
    # on the whole body (minutes/tests/test_bench_corpus.py checks it).
    body_parts: str = ""
    body_stems: str = ""

    @property
    def body_text(self) -> str:
        return "\n\n".join(
            f"{s['heading']}\n{s['text']}" if s["heading"] else s["text"] for s in self.sections
        )


@dataclass(frozen=True)
class GenMeeting:
    municipality: int  # index into MUNICIPALITIES
    committee: int  # index into COMMITTEES
    start: datetime
    items: list[GenItem]


POOL_SENTENCES = 200_000
BOILERPLATE_SENTENCES = 300
BOILERPLATE_SHARE = 0.08


class SentencePool:
    """Sentences from the bigram model, made once per seed, with their parts and stems.

    Items draw their sentences from here: mostly uniformly (each sentence recurs in a
    share of the archive that grows with its size, like real phrasing), a few from a small
    boilerplate set that recurs everywhere ("Sagen forelægges til orientering.").
    """

    def __init__(self, model: CorpusModel, seed: int, size: int = POOL_SENTENCES):
        from minutes.search.backends import fts_text

        rng = random.Random(f"pool:{seed}")  # noqa: S311 (reproducible data, not secrets)
        self.sentences: list[tuple[str, str, str]] = []
        for _ in range(size):
            sentence = " ".join(model.body.sentence(rng, model.rare))
            if sentence[-1] not in ".:!?":
                sentence += "."
            sentence = sentence[0].upper() + sentence[1:]
            self.sentences.append((sentence, parts_text(sentence), fts_text(sentence)))

    def draw(self, rng: random.Random) -> tuple[str, str, str]:
        if rng.random() < BOILERPLATE_SHARE:
            return self.sentences[rng.randrange(BOILERPLATE_SENTENCES)]
        return self.sentences[rng.randrange(len(self.sentences))]


def meeting_slots(items: int, seed: int) -> list[tuple[int, int, int, int]]:
    """Pick (year, month, municipality, committee) slots for ``items`` items, oldest first.

    The full national archive has 98 x 15 x 20 x 11 slots of 10 items (~3.2M items); a smaller
    archive keeps a seeded random subset, so every municipality, committee and year occurs.
    """
    wanted = -(-items // ITEMS_PER_MEETING)
    rng = random.Random(seed)  # noqa: S311
    total = len(MUNICIPALITIES) * len(COMMITTEES) * YEARS * MEETINGS_PER_YEAR
    if wanted >= total:
        chosen = range(total)
    else:
        chosen = rng.sample(range(total), wanted)
    slots = []
    for slot in chosen:
        slot, committee = divmod(slot, len(COMMITTEES))
        slot, municipality = divmod(slot, len(MUNICIPALITIES))
        year, month = divmod(slot, MEETINGS_PER_YEAR)
        slots.append((FIRST_YEAR + year, month + 1 if month < 6 else month + 2, municipality, committee))
    return sorted(slots)


def generate(model: CorpusModel, *, items: int, seed: int) -> Iterator[GenMeeting]:
    """Yield meetings holding ``items`` items in all, oldest first; the same for the same seed."""
    pool = SentencePool(model, seed, size=min(POOL_SENTENCES, max(2000, items * 4)))
    remaining = items
    serials: dict[tuple[int, int], int] = defaultdict(int)
    recurring: dict[tuple[int, int], list[str]] = {}
    for year, month, muni, committee in meeting_slots(items, seed):
        if remaining <= 0:
            break
        # One generator per meeting: a meeting's content depends only on the seed and its slot.
        rng = random.Random(f"{seed}:{year}:{month}:{muni}:{committee}")  # noqa: S311
        day = 1 + rng.randrange(27)
        start = datetime(year, month, day, 16, 0, tzinfo=COPENHAGEN)
        count = min(remaining, ITEMS_PER_MEETING)
        remaining -= count
        cases = recurring.setdefault((muni, committee), [])
        gen_items = []
        for number in range(1, count + 1):
            if number == 1:
                title, kind = "Godkendelse af dagsorden", "agenda"
            elif number == count and count > 2:
                title, kind = "Underskriftsark", "signature"
            else:
                title, kind = _title(model, rng), "case"
            case = _case_number(model, rng, muni, year, serials, cases)
            closed = kind == "case" and rng.random() < model.closed_share
            if closed:
                gen_items.append(GenItem(number, f"Lukket: {title}", case, True, [], "", ""))
                continue
            sections, parts, stems = _sections(model, pool, rng) if kind == "case" else ([], "", "")
            outcome = _draw(model.outcomes, rng) if kind == "case" else "approved"
            decision = _decision(model, rng, outcome)
            gen_items.append(GenItem(number, title, case, False, sections, outcome, decision, parts, stems))
        yield GenMeeting(muni, committee, start, gen_items)


def _title(model: CorpusModel, rng: random.Random) -> str:
    opener = _draw(model.title_openers, rng)
    words = model.titles.sentence(rng, model.rare, max_words=12)
    return f"{opener} {' '.join(words)}".rstrip(".:,")


def _case_number(model, rng, muni, year, serials, cases) -> str:
    if cases and rng.random() < 0.12:
        return rng.choice(cases)  # a case with a history: the same number at several meetings
    serials[(muni, year)] += 1
    serial = serials[(muni, year)]
    if muni % 3 == 0:  # some municipalities number yy/serial (Sønderborg), most follow KLE (Sorø)
        number = f"{year % 100:02d}/{1000 + serial * 7}"
    else:
        number = f"{rng.choice(model.kle_subjects)}-G01-{serial}-{year % 100:02d}"
    if len(cases) < 20:
        cases.append(number)
    return number


def _sections(model: CorpusModel, pool: SentencePool, rng: random.Random) -> tuple[list[dict], str, str]:
    sections, parts, stems = [], [], []
    for heading, kind in rng.choice(model.skeletons):
        lengths = model.section_lengths.get(kind) or [400]
        target = int(rng.choice(lengths) * rng.uniform(0.7, 1.3))
        if heading:
            parts.append(_cached_parts(heading))
            stems.append(_cached_stems(heading))
        paragraphs, paragraph, size = [], [], 0
        while size < max(target, 40):
            sentence, sentence_parts, sentence_stems = pool.draw(rng)
            paragraph.append(sentence)
            parts.append(sentence_parts)
            stems.append(sentence_stems)
            size += len(sentence) + 1
            if len(paragraph) >= 3 and rng.random() < 0.4:
                paragraphs.append(" ".join(paragraph))
                paragraph = []
        if paragraph:
            paragraphs.append(" ".join(paragraph))
        sections.append({"heading": heading, "kind": kind, "text": "\n\n".join(paragraphs)})
    return sections, " ".join(p for p in parts if p), " ".join(s for s in stems if s)


@lru_cache(maxsize=4096)
def _cached_parts(text: str) -> str:
    return parts_text(text)


@lru_cache(maxsize=4096)
def _cached_stems(text: str) -> str:
    from minutes.search.backends import fts_text

    return fts_text(text)


def _decision(model: CorpusModel, rng: random.Random, outcome: str) -> str:
    formulas = model.formulas.get(outcome) or ["Godkendt."]
    formula = rng.choice(formulas)
    if rng.random() < 0.15:
        remark = " ".join(model.body.sentence(rng, model.rare, max_words=20)).rstrip(".") + "."
        return f"{formula} {remark[0].upper()}{remark[1:]}"
    return formula


# --- Loading -------------------------------------------------------------------------------


@dataclass
class LoadReport:
    items: int = 0
    meetings: int = 0
    seconds_generate_and_copy: float = 0.0
    seconds_index: float = 0.0
    seconds_total: float = 0.0
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


ITEM_COLUMNS = (
    "id meeting_id number position title case_number is_closed sections source_id committee_id "
    "municipality_id meeting_date outcome decision_text body_text attachment_text search_parts"
).split()
MEETING_COLUMNS = (
    "id committee_id start url_key kind election_period location participants absent source_text "
    "source_file source_name source_format source_checksum source_id source_url parse_warnings "
    "created_at updated_at"
).split()
DECISION_COLUMNS = (
    "id item_id position text outcome is_current body decided_on reference parts absent dissent".split()
)


def load(model: CorpusModel, *, items: int, seed: int, progress=None, batch: int = 5000) -> LoadReport:
    """Generate ``items`` items and write them into the configured database."""
    from django.db import connection

    from minutes.models import AgendaItem, Committee, Municipality
    from minutes.search import state

    started = time.monotonic()
    report = LoadReport()
    munis = []
    for name in MUNICIPALITIES:
        full = f"{name} Kommune" if name != "Bornholms" else "Bornholms Regionskommune"
        muni, _ = Municipality.objects.get_or_create(name=full, defaults={"slug": danish_slugify(full)})
        munis.append(muni)
    committees: dict[tuple[int, int], Committee] = {}
    for m_index, muni in enumerate(munis):
        for c_index, name in enumerate(COMMITTEES):
            committees[(m_index, c_index)], _ = Committee.objects.get_or_create(
                municipality=muni, name=name, defaults={"slug": danish_slugify(name)}
            )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM minutes_agendaitem")
        next_item = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM minutes_meeting")
        next_meeting = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM minutes_decision")
        next_decision = cursor.fetchone()[0] + 1
    writer = _PostgresWriter() if connection.vendor == "postgresql" else _SqliteWriter()
    empty = not AgendaItem.objects.exists()
    writer.begin(drop_indexes=empty or items >= 100_000)
    now = datetime.now(tz=COPENHAGEN)
    meetings, item_rows, decision_rows, body_stems = [], [], [], []
    for meeting in generate(model, items=items, seed=seed):
        committee = committees[(meeting.municipality, meeting.committee)]
        muni = munis[meeting.municipality]
        local_date = meeting.start.date()
        source = _source_text(committee.name, meeting)
        meetings.append(
            (next_meeting, committee.pk, meeting.start, local_date.isoformat(), "referat", "", "Rådhuset",
             "[]", "[]", source, "", f"bench-{next_meeting}.txt", "text",
             hashlib.sha256(source.encode()).hexdigest(), "", "", "[]", now, now)
        )  # fmt: skip
        for position, item in enumerate(meeting.items, start=1):
            body = item.body_text
            # = compound_parts(item): parts_text is word by word, so the pieces join up.
            parts = " ".join(
                p for p in (parts_text(item.title), parts_text(item.decision_text), item.body_parts) if p
            )
            item_rows.append(
                (next_item, next_meeting, str(item.number), position, item.title, item.case_number,
                 item.closed, json.dumps(item.sections, ensure_ascii=False), "", committee.pk, muni.pk,
                 local_date, item.outcome, item.decision_text, body, "", parts)
            )  # fmt: skip
            body_stems.append(item.body_stems)
            if item.decision_text:
                decision_rows.append(
                    (next_decision, next_item, 1, item.decision_text, item.outcome, True, committee.name,
                     local_date, "", "[]", "[]", "[]")
                )  # fmt: skip
                next_decision += 1
            next_item += 1
        next_meeting += 1
        if len(item_rows) >= batch:
            writer.write(meetings, item_rows, decision_rows, body_stems)
            report.items += len(item_rows)
            report.meetings += len(meetings)
            meetings, item_rows, decision_rows, body_stems = [], [], [], []
            if progress:
                progress(report.items, items)
    if item_rows:
        writer.write(meetings, item_rows, decision_rows, body_stems)
        report.items += len(item_rows)
        report.meetings += len(meetings)
    report.seconds_generate_and_copy = time.monotonic() - started
    index_started = time.monotonic()
    writer.finish()
    report.seconds_index = time.monotonic() - index_started
    state.record_rebuild(AgendaItem.objects.count())
    report.seconds_total = time.monotonic() - started
    return report


def _source_text(committee: str, meeting: GenMeeting) -> str:
    lines = [
        f"REFERAT {committee} d. {meeting.start:%d-%m-%Y}",
        "",
        f"Mødedato {meeting.start:%d-%m-%Y kl. %H:%M}",
    ]
    lines += [f"Punkt {item.number}: {item.title}" for item in meeting.items]
    return "\n".join(lines)


class _PostgresWriter:
    def begin(self, *, drop_indexes: bool) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from django.db import connection

        self.connection = connection
        self.dropped = []
        # Inside a transaction (a test), everything must happen on this connection.
        self.threaded = not connection.in_atomic_block
        self.executor = ThreadPoolExecutor(max_workers=1) if self.threaded else None
        self.pending = None
        with connection.cursor() as cursor:
            # (Not inside a transaction: deferred foreign-key checks block CREATE INDEX there.)
            if drop_indexes and self.threaded:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'minutes_agendaitem' "
                    "AND indexdef LIKE '%%USING gin%%'"
                )
                for name, definition in cursor.fetchall():
                    self.dropped.append(definition)
                    cursor.execute(f'DROP INDEX "{name}"')

    def write(self, meetings, items, decisions, body_stems) -> None:
        # COPY runs in a thread on its own connection while the next batch is generated:
        # the server computes the tsvectors on one core, Python writes text on the other.
        if not self.threaded:
            self._copy(meetings, items, decisions, checked=True)
            return
        if self.pending is not None:
            self.pending.result()
        self.pending = self.executor.submit(self._copy, meetings, items, decisions)

    def _copy(self, meetings, items, decisions, checked: bool = False) -> None:
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            if not checked:
                # The rows are consistent by construction: skip the per-row foreign-key triggers.
                cursor.execute("SET LOCAL session_replication_role = replica")
            raw = cursor.cursor
            for table, columns, rows in (
                ("minutes_meeting", MEETING_COLUMNS, meetings),
                ("minutes_agendaitem", ITEM_COLUMNS, items),
                ("minutes_decision", DECISION_COLUMNS, decisions),
            ):
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)

    def finish(self) -> None:
        if self.threaded:
            if self.pending is not None:
                self.pending.result()
            self.executor.submit(_close_thread_connection).result()
            self.executor.shutdown()
        with self.connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for definition in self.dropped:
                cursor.execute(definition)
            for table in ("minutes_meeting", "minutes_agendaitem", "minutes_decision"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
                )
            if not self.connection.in_atomic_block:
                # Sets the visibility map too, so counts can use index-only scans.
                cursor.execute("VACUUM (ANALYZE) minutes_agendaitem")
            cursor.execute("ANALYZE")


def _close_thread_connection() -> None:
    from django.db import connection

    connection.close()


class _SqliteWriter:
    def begin(self, *, drop_indexes: bool) -> None:
        from django.db import connection

        self.connection = connection
        if not connection.in_atomic_block:  # not inside a test's transaction
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")
                cursor.execute("PRAGMA cache_size = -400000")

    def write(self, meetings, items, decisions, body_stems) -> None:
        from django.db import transaction

        from minutes.search.backends import doc_key, fts_text

        def sql(table, columns):
            placeholders = ", ".join("%s" for _ in columns)
            return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608

        docs = [
            (doc_key(row[0], row[11]), row[0], fts_text(row[4]), fts_text(row[13]), stems, "", row[16])
            for row, stems in zip(items, body_stems, strict=True)
        ]
        meetings = [(*row[:2], _utc(row[2]), *row[3:17], _utc(row[17]), _utc(row[18])) for row in meetings]
        items = [(*row[:11], row[11].isoformat(), *row[12:]) for row in items]
        decisions = [(*row[:7], row[7].isoformat(), *row[8:]) for row in decisions]
        with transaction.atomic(), self.connection.cursor() as cursor:
            cursor.executemany(sql("minutes_meeting", MEETING_COLUMNS), meetings)
            cursor.executemany(sql("minutes_agendaitem", ITEM_COLUMNS), items)
            cursor.executemany(sql("minutes_decision", DECISION_COLUMNS), decisions)
            cursor.executemany(
                "INSERT INTO minutes_searchdoc (doc_key, item_id, title, decision_text, body_text, "
                "attachment_text, search_parts) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                docs,
            )

    def finish(self) -> None:
        with self.connection.cursor() as cursor:
            # Merge the FTS5 segments written batch by batch into one b-tree (faster queries).
            cursor.execute("INSERT INTO minutes_item_fts(minutes_item_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")


def _utc(value: datetime) -> str:
    # Django stores datetimes on SQLite as naive UTC text.
    return value.astimezone(ZoneInfo("UTC")).replace(tzinfo=None).isoformat(" ")


def first_dates() -> tuple[date, date]:
    """Return the first and last day the generator can give a meeting."""
    return date(FIRST_YEAR, 1, 1), date(FIRST_YEAR + YEARS - 1, 12, 31) + timedelta(days=0)
