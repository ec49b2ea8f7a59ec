# Shared helpers for Laurel's shell scripts. Sourced, not executed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data"
say() { printf '[laurel] %s\n' "$*" >&2; }
die() { printf '[laurel] error: %s\n' "$*" >&2; exit 1; }

# Reads .env into the environment without overriding variables already set.
load_env() {
  [ -f "$ROOT/.env" ] || return 0
  local line key value
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    key="${line%%=*}"; value="${line#*=}"
    [ -z "${!key+x}" ] && export "$key=$value"
  done < "$ROOT/.env"
  return 0
}

# Extracts the password from a URL like scheme://user:password@host:port/db
url_password() { local u="${1#*://}"; u="${u%%@*}"; [[ "$u" == *:* ]] && printf '%s' "${u#*:}" || true; }
url_port() { local u="${1#*@}"; u="${u#*://}"; u="${u%%/*}"; printf '%s' "${u##*:}"; }
url_host() { local u="${1#*@}"; u="${u#*://}"; u="${u%%/*}"; printf '%s' "${u%%:*}"; }
