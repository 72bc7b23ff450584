/** The git hooks repoBootstrap installs in the source repo (SPEC §6.3). */
export const SOURCE_HOOK_NAMES = ["post-commit", "post-merge"] as const;

/** Mode of installed hook scripts (SPEC §8.1). */
export const HOOK_MODE = 0o700;

export interface HookScriptOptions {
  /** Project id baked into the webhook body. */
  projectId: string;
  /** PAAS_LOCAL_API_BASE_URL; the hook posts to `<endpointBase>/api/webhooks/source`. */
  endpointBase: string;
  /**
   * Name written to the hook log. Omit it (as repoBootstrap does) to take the name from `basename "$0"`,
   * which keeps post-commit and post-merge byte-identical.
   */
  hookName?: string;
}

/** The source webhook endpoint for an API base URL (trailing slashes ignored). */
export function webhookEndpoint(endpointBase: string): string {
  return `${endpointBase.replace(/\/+$/, "")}/api/webhooks/source`;
}

/** Quote `s` as one literal POSIX sh word. */
function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Render the POSIX sh post-commit/post-merge hook that posts a signed source webhook (SPEC §6.3, steps 1–8). */
export function renderHookScript({ projectId, endpointBase, hookName }: HookScriptOptions): string {
  // Baked values are single-quoted for sh; the project id is JSON-encoded once here so the body stays valid JSON.
  const hookNameLine = hookName === undefined ? `hook_name=\${0##*/}` : `hook_name=${shQuote(hookName)}`;
  return `#!/bin/sh
# Installed by Slipway repoBootstrap (rewritten on every create/update): posts a signed source webhook
# for commits on main. A failed delivery never blocks git: this script always exits 0. \`git commit\` waits for
# it, so it spawns only what has to be a process (git twice, openssl, curl, date); the rest is shell builtins.
umask 077
paas_project_json=${shQuote(JSON.stringify(projectId))}
paas_webhook_url=${shQuote(webhookEndpoint(endpointBase))}
${hookNameLine}

# 1. needs git and curl
command -v git >/dev/null 2>&1 || exit 0
command -v curl >/dev/null 2>&1 || exit 0

# 2. only commits on main (one git call answers step 4's sha, the branch and the git dir, a line each)
nl='
'
head=$(git rev-parse HEAD --abbrev-ref HEAD --git-dir 2>/dev/null) || exit 0
sha=\${head%%"$nl"*}
head=\${head#*"$nl"}
branch=\${head%%"$nl"*}
git_dir=\${head#*"$nl"}
[ "$branch" = "main" ] || exit 0

# 3. platform commits never trigger CI
subject=$(git log -1 --pretty=%s 2>/dev/null)
case "$subject" in
  platform-sync:*) exit 0 ;;
esac

# 4. needs a commit
[ -n "$sha" ] && [ -n "$git_dir" ] || exit 0

# 5. body, delivery id and signature
body=$(printf '{"project_id":%s,"repo":"source","branch":"%s","ref":"refs/heads/%s","commit":"%s"}' \\
  "$paas_project_json" "$branch" "$branch" "$sha")

delivery=""
if [ -r /proc/sys/kernel/random/uuid ]; then
  read -r delivery </proc/sys/kernel/random/uuid 2>/dev/null || delivery=""
fi
if [ -z "$delivery" ] && command -v uuidgen >/dev/null 2>&1; then
  delivery=$(uuidgen 2>/dev/null)
fi
if [ -z "$delivery" ]; then
  delivery=$(od -An -N16 -tx1 /dev/urandom 2>/dev/null | tr -d ' \\n')
fi

signature=""
secret_file="$git_dir/paas-webhook-secret"
if [ -r "$secret_file" ] && command -v openssl >/dev/null 2>&1; then
  secret=""
  read -r secret <"$secret_file" 2>/dev/null
  # OpenSSL prints "HMAC-SHA2-256(stdin)= <hex>" or "(stdin)= <hex>" depending on version: keep the last field.
  hex=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" 2>/dev/null)
  hex=\${hex##* }
  case "$hex" in
    "" | *[!0-9a-f]*) ;;
    *) signature="sha256=$hex" ;;
  esac
fi

# 6. deliver (at most ~2 s); --globoff keeps [] and {} in the URL literal (IPv6 hosts)
set -- --max-time 2 -s --globoff -o /dev/null -w '%{http_code}' -X POST \\
  -H 'Content-Type: application/json' -H "X-Paas-Delivery: $delivery"
if [ -n "$signature" ]; then
  set -- "$@" -H "X-Paas-Signature-256: $signature"
fi
status=$(curl "$@" --data-binary "$body" "$paas_webhook_url" 2>/dev/null)
[ -n "$status" ] || status=error

# 7. log the attempt
printf '%s %s commit=%s delivery=%s status=%s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$hook_name" "$sha" \\
  "$delivery" "$status" >>"$git_dir/paas-hook.log" 2>/dev/null

# 8. never block the commit
exit 0
`;
}
