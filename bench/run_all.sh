#!/bin/sh
# Every size and backend of docs/performance.md, one after the other (about 40 minutes on
# 2 cores with the databases generated). Generate first with --generate on each line, or:
#   .venv/bin/python bench/run.py --backend postgresql --items 1000000 --generate ...
set -e
cd "$(dirname "$0")/.."
PY=.venv/bin/python
for size in 10000 100000; do
  for backend in sqlite postgresql; do
    $PY bench/run.py --backend $backend --items $size --repeats 15 --seconds 10 \
      --json var/bench/${backend}_${size}.json > var/bench/run_${backend}_${size}.log 2>&1
  done
done
# The Datasette export of 1M items takes a while; wait for one started elsewhere to finish.
while [ -e var/bench/datasette_1m.tmp ]; do sleep 10; done
# A naive scan of 1M items takes tens of seconds a query: one run of each.
$PY bench/run.py --backend postgresql --items 1000000 --repeats 11 --seconds 10 --naive-repeats 1 \
  --json var/bench/postgresql_1000000.json > var/bench/run_postgresql_1000000.log 2>&1
