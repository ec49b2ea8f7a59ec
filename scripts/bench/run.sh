#!/usr/bin/env bash
# npm run bench: every benchmark, one JSON object per line on stdout ({"name","value","unit","params"}).
# Progress and diagnostics go to stderr. Needs `npm run setup` (build, local services).
# Usage: npm run bench [-- NAME ...]   e.g. npm run bench -- credentials ingest
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
load_env
bash scripts/services.sh ensure >&2
npm run --silent build >&2
# Ordered cheapest first; each file is scripts/bench/<name>.ts compiled to dist/.
all=(credentials credentials-verify issue ingest pipeline backfill export)
selected=("${@:-${all[@]}}")
for name in "${selected[@]}"; do
  file="dist/scripts/bench/$name.js"
  if [ ! -f "$file" ]; then say "bench $name: not present, skipped"; continue; fi
  say "bench $name"
  node "$file"
done
