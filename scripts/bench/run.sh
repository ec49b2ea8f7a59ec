#!/usr/bin/env bash
# npm run bench: every benchmark, one JSON object per line on stdout ({"name","value","unit","params"},
# params.load_start / load_end = the 1-minute load average around the measurement).
# Progress and diagnostics go to stderr. Needs `npm run setup` (build, PostgreSQL and Redis binaries).
# The benches run against a private PostgreSQL and Redis started for the run (scripts/bench/run.ts).
# Usage: npm run bench [-- [--repeat 3] [--shared-services] NAME ...]   e.g. npm run bench -- --repeat 3 credentials ingest
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
load_env
case " $* " in *' --shared-services '*) bash scripts/services.sh ensure >&2 ;; esac
npm run --silent build >&2
exec node dist/scripts/bench/run.js "$@"
