#!/bin/sh
# Every size and backend of docs/performance.md, one after the other (about 40 minutes on
# 2 cores, most of it Datasette: its export of 1M items and its answers to common words).
# Generate the databases first (once), e.g.:
#   .venv/bin/python bench/run.py --backend postgresql --items 1000000 --generate \
#       --skip ingest search pages concurrency datasette naive
set -e
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# 1M: a naive scan takes 10-45 s a query (one run each); Datasette 2-7 s for common words.
$PY bench/run.py --backend postgresql --items 1000000 --repeats 21 --datasette-repeats 3 --naive-repeats 1 \
  --json var/bench/postgresql_1000000.json > var/bench/run_postgresql_1000000.log 2>&1
$PY bench/run.py --backend sqlite --items 1000000 --repeats 21 --datasette-repeats 3 --naive-repeats 1 \
  --json var/bench/sqlite_1000000.json > var/bench/run_sqlite_1000000.log 2>&1
for size in 100000 10000; do
  for backend in postgresql sqlite; do
    $PY bench/run.py --backend $backend --items $size --repeats 15 --seconds 10 \
      --json var/bench/${backend}_${size}.json > var/bench/run_${backend}_${size}.log 2>&1
  done
done
