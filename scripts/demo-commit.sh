#!/usr/bin/env bash
# `make demo-commit PROJECT_ID=<id>` (SPEC §14): commits a change to the project's local source repo on main;
# the repo's git hook then posts the source webhook, which queues a CI op.
# Environment: PROJECT_ID (required), ARTIFACTS_ROOT (the Makefile passes SPEC §1's default).
set -euo pipefail

die() {
  printf 'demo-commit: %s\n' "$*" >&2
  exit 1
}

[ -n "${PROJECT_ID:-}" ] || die "PROJECT_ID is required, e.g. make demo-commit PROJECT_ID=<id> (ids: make api-list)"
[ -n "${ARTIFACTS_ROOT:-}" ] || die "ARTIFACTS_ROOT is not set (run through make, or set it)"

repo="$ARTIFACTS_ROOT/$PROJECT_ID/repos/source"
git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 || die "$repo is not a git repository (is PROJECT_ID right? is ARTIFACTS_ROOT the server's artifact root?)"
branch=$(git -C "$repo" symbolic-ref --quiet --short HEAD || echo "(detached HEAD)")
[ "$branch" = main ] || die "$repo is on $branch, not main: check out main first"

printf -- '- local change %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$repo/README.md"
git -C "$repo" add README.md
# Use the repo's identity when it has one; otherwise a fixed demo identity.
ident=()
git -C "$repo" config user.email >/dev/null || ident+=(-c user.email=demo@slipway.local)
git -C "$repo" config user.name >/dev/null || ident+=(-c user.name="Slipway demo")
git -C "$repo" "${ident[@]}" commit -q -m "feat: local source change via make demo-commit"
echo "committed $(git -C "$repo" rev-parse HEAD) on main in $repo"
