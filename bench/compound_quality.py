"""Print corpus statistics and speed of the Danish compound splitter (minutes/textanalysis).

Usage: ``.venv/bin/python bench/compound_quality.py [--corpus DIR] [--list]``. Loads the cached
lexicon the way the application does (measuring time and memory), then times a fresh build into a
temporary file.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))


def rss_mb() -> float:
    """Return this process's peak resident set size in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    from minutes.textanalysis.compounds import Decompounder
    from minutes.textanalysis.lexicon import (
        LEXICON_VERSION,
        build_lexicon,
        default_cache_path,
        load_lexicon,
        read_lexicon,
        save_lexicon,
    )
    from minutes.textanalysis.stemming import tokenize

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=PROJECT_DIR.parent / "shared" / "corpus",
        help="folder of referat .txt files (default: ../shared/corpus)",
    )
    parser.add_argument("--list", action="store_true", help="print every split word type")
    args = parser.parse_args()

    counts: Counter = Counter()
    for path in sorted(args.corpus.glob("*.txt")):
        counts.update(tokenize(path.read_text(encoding="utf-8")))
    if not counts:
        parser.error(f"no .txt files in {args.corpus}")

    print(f"lexicon {LEXICON_VERSION}; RSS before loading: {rss_mb():.0f} MB")
    load_lexicon()  # make sure the cache exists (builds it on a fresh machine)
    started = time.perf_counter()
    lexicon = read_lexicon(default_cache_path())
    load_s = time.perf_counter() - started
    print(f"load: {load_s:.2f} s from {default_cache_path()}; RSS after load: {rss_mb():.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp, "lexicon.json.gz")
        started = time.perf_counter()
        save_lexicon(build_lexicon(), cache)
        build_s = time.perf_counter() - started
        size = cache.stat().st_size
    print(
        f"build: {build_s:.1f} s (spylls parse, expansion and save); cache file "
        f"{size / 1e6:.2f} MB; peak RSS during the build: {rss_mb():.0f} MB"
    )

    decompounder = Decompounder(lexicon)
    words = list(counts)
    started = time.perf_counter()
    splits = {word: decompounder.split(word) for word in words}
    cold = (time.perf_counter() - started) / len(words) * 1e6
    decompounder = Decompounder(lexicon)  # fresh caches: time part_stems cold, then warm
    started = time.perf_counter()
    for word in words:
        decompounder.part_stems(word)
    cold_stems = (time.perf_counter() - started) / len(words) * 1e6
    started = time.perf_counter()
    for _ in range(10):
        for word in words:
            decompounder.part_stems(word)
    warm = (time.perf_counter() - started) / (10 * len(words)) * 1e6

    tokens = sum(counts.values())
    split_types = [w for w, parts in splits.items() if parts]
    split_tokens = sum(counts[w] for w in split_types)
    extra = sum(len(decompounder.part_stems(w)) * n for w, n in counts.items())
    print(f"corpus: {len(counts)} types, {tokens} tokens in {args.corpus}")
    print(
        f"split: {len(split_types)} types ({len(split_types) / len(counts):.1%}), "
        f"{split_tokens} tokens ({split_tokens / tokens:.1%})"
    )
    print(f"extra lexemes: {extra / tokens:.2f} per token, {extra} in all")
    print(
        f"speed: split {cold:.0f} µs/type cold; part_stems {cold_stems:.0f} µs/type cold, "
        f"{warm:.2f} µs/type warm (cached)"
    )
    print(f"peak RSS: {rss_mb():.0f} MB")
    if args.list:
        for word in sorted(split_types):
            print(f"  {word} = {' + '.join(splits[word])}")


if __name__ == "__main__":
    main()
