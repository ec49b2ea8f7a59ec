#!/usr/bin/env bash
# npm test: type-check, lint the Moodle plugin, then the whole Jest suite against the local services.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
load_env
bash scripts/services.sh ensure
# Build first: CLI and start-up tests run the compiled entry points, as users do.
npm run --silent build
npx tsc -p tsconfig.json --noEmit
bash scripts/depcheck.sh
if [ -d integrations/moodle ]; then
  command -v php >/dev/null || die "php is required to lint the Moodle plugin: run 'npm run setup'"
  find integrations/moodle -name '*.php' -print0 | xargs -0 -r -n1 php -l >/dev/null
fi
exec npx jest "$@"
