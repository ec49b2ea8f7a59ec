#!/usr/bin/env bash
# npm run depcheck: the layering of src/ (issue 14). dependency-cruiser checks the module rules in
# .dependency-cruiser.cjs on the sources (no runtime cycle, no deep import into another module, HTTP
# adapters mounted only by src/app, the HTTP kit knows no feature); madge re-checks cycles on the
# compiled output, which is what Node actually loads. Run after a build (npm test does both).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -d dist/src ] || die "dist/src is missing: run 'npm run build' first"
npx depcruise src --config .dependency-cruiser.cjs --output-type err
npx madge --circular --extensions js --no-spinner dist/src >/dev/null 2>&1 || {
  npx madge --circular --extensions js --no-spinner dist/src >&2
  die "runtime import cycles in dist/src (listed above)"
}
say "dependency check: 0 cycles, 0 forbidden imports"
