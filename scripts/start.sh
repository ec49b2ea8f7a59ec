#!/usr/bin/env bash
# npm start: the embedded default. Starts the local services when the configuration points at them.
# Runs WEB_PROCESSES web and WORKER_PROCESSES worker processes (default from the core count, see
# src/layout.ts; one process doing both on a one-core machine) under one supervisor.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
load_env
[ -f dist/src/main.js ] || die "Laurel is not built: run 'npm run setup' first"
if [ -d "$DATA" ] && [ "$(url_host "${DATABASE_URL:-}")" = 127.0.0.1 ]; then
  bash scripts/services.sh ensure
fi
exec node dist/src/main.js
