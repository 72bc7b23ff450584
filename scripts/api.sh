#!/usr/bin/env bash
# curl helpers behind the Makefile's API targets (SPEC §14).
#
#   scripts/api.sh wait      poll $API_BASE/readyz up to $ATTEMPTS × $SLEEP_SECS s; prints "API ready at <base>"
#   scripts/api.sh smoke     registration create of smoke-<epoch> (expects 202), then GET /api/projects
#   scripts/api.sh list      GET /api/projects
#   scripts/api.sh create    registration create of $PROJECT_NAME (default platform-<epoch>) with the smoke spec
#   scripts/api.sh webhook   POST /api/webhooks/source for $PROJECT_ID (commit $WEBHOOK_COMMIT or manual-<epoch>)
#
# Environment: API_BASE (default http://127.0.0.1:8080), PAAS_AUTH_TOKEN (sent as "Authorization: Bearer" when
# set; passed to curl through a file descriptor, never on the command line), ATTEMPTS (40), SLEEP_SECS (0.25),
# PROJECT_NAME, PROJECT_ID, WEBHOOK_COMMIT.
set -euo pipefail

API_BASE="${API_BASE:-http://127.0.0.1:8080}"
API_BASE="${API_BASE%/}"
ATTEMPTS="${ATTEMPTS:-40}"
SLEEP_SECS="${SLEEP_SECS:-0.25}"

die() {
  printf '%s\n' "$*" >&2
  exit 1
}

# JSON string literal for $1 (escapes backslash, double quote and control characters).
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# request METHOD PATH [BODY] — sets STATUS and BODY; dies when the API cannot be reached.
request() {
  local method=$1 path=$2 data=${3-} out rc
  local args=(-sS -o - -w '\n%{http_code}' -X "$method" -H 'Accept: application/json')
  if [ -n "$data" ]; then args+=(-H 'Content-Type: application/json' --data-binary "$data"); fi
  if [ -n "${PAAS_AUTH_TOKEN:-}" ]; then
    args+=(-H @/dev/fd/3)
    out=$(curl "${args[@]}" "$API_BASE$path" 3< <(printf 'Authorization: Bearer %s\n' "$PAAS_AUTH_TOKEN")) && rc=0 || rc=$?
  else
    out=$(curl "${args[@]}" "$API_BASE$path") && rc=0 || rc=$?
  fi
  [ "$rc" -eq 0 ] || die "$method $API_BASE$path: cannot reach the API (curl exit $rc) — is Slipway running? (make run)"
  STATUS=${out##*$'\n'}
  BODY=${out%$'\n'*}
  BODY=${BODY%$'\n'}
}

# call METHOD PATH [BODY] [EXPECTED_STATUS] — prints the body; fails (printing status and body) on an unexpected
# status: anything but EXPECTED_STATUS when given, otherwise anything outside 2xx.
call() {
  local method=$1 path=$2 data=${3-} want=${4-}
  request "$method" "$path" "$data"
  local ok=false
  if [ -n "$want" ]; then
    if [ "$STATUS" = "$want" ]; then ok=true; fi
  elif [[ "$STATUS" == 2?? ]]; then
    ok=true
  fi
  if [ "$ok" != true ]; then
    printf '%s %s → HTTP %s (expected %s)\n%s\n' "$method" "$path" "$STATUS" "${want:-2xx}" "$BODY" >&2
    exit 1
  fi
  printf '%s\n' "$BODY"
}

# Registration envelope for a create of project name $1 with the smoke spec (SPEC §14).
registration_create() {
  printf '{"action":"create","spec":{"apiVersion":"platform.example.com/v2","kind":"App","name":%s,"runtime":"go_1.26","capabilities":["http"],"environments":{"dev":{"vars":{"LOG_LEVEL":"info"}}},"networkPolicies":{"ingress":"internal","egress":"internal"}}}' \
    "$(json_str "$1")"
}

require_project_id() {
  [ -n "${PROJECT_ID:-}" ] || die "PROJECT_ID is required, e.g. make $1 PROJECT_ID=<id> (ids: make api-list)"
}

cmd_wait() {
  local i
  for ((i = 1; i <= ATTEMPTS; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$API_BASE/readyz" 2>/dev/null; then
      echo "API ready at $API_BASE"
      return 0
    fi
    if [ "$i" -lt "$ATTEMPTS" ]; then sleep "$SLEEP_SECS"; fi
  done
  die "API not ready at $API_BASE after $ATTEMPTS attempts ($SLEEP_SECS s apart): GET /readyz never returned 2xx"
}

cmd_smoke() {
  local name="smoke-$(date +%s)"
  echo "POST $API_BASE/api/events/registration (create $name)"
  call POST /api/events/registration "$(registration_create "$name")" 202
  echo "GET $API_BASE/api/projects"
  call GET /api/projects
  echo "Smoke test passed."
}

cmd_create() {
  call POST /api/events/registration "$(registration_create "${PROJECT_NAME:-platform-$(date +%s)}")"
}

cmd_webhook() {
  require_project_id api-webhook
  local commit="${WEBHOOK_COMMIT:-manual-$(date +%s)}"
  call POST /api/webhooks/source \
    "{\"project_id\":$(json_str "$PROJECT_ID"),\"repo\":\"source\",\"branch\":\"main\",\"ref\":\"refs/heads/main\",\"commit\":$(json_str "$commit")}"
}

case "${1-}" in
  wait) cmd_wait ;;
  smoke) cmd_smoke ;;
  list) call GET /api/projects ;;
  create) cmd_create ;;
  webhook) cmd_webhook ;;
  *) die "usage: scripts/api.sh wait|smoke|list|create|webhook" ;;
esac
