#!/usr/bin/env bash
# System prerequisites for Slipway (SPEC §14 `make setup`). Idempotent: installs only what is missing, with
# apt-get (through sudo when not root), and runs `apt-get update` only when something has to be installed.
#   required: git curl openssl nats-server docker.io (the BuildKit suites start their own dockerd)
#             chromium (the e2e suite drives /usr/bin/chromium with playwright-core)
# Starts no service: package maintainer scripts are stopped from starting daemons (policy-rc.d, exit 101).
# npm dependencies and the build are the Makefile's job (`make setup`).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

REQUIRED=(git curl openssl nats-server docker.io chromium)
OPTIONAL=()

say() { printf '[setup] %s\n' "$*"; }
warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[setup] ERROR: %s\n' "$*" >&2
  exit 1
}

# Command that proves a package is usable even when it was not installed by dpkg.
command_of() {
  case $1 in
    docker.io) echo dockerd ;;
    *) echo "$1" ;;
  esac
}

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' && return 0
  command -v "$(command_of "$1")" >/dev/null 2>&1
}

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and sudo is not installed: run scripts/setup.sh as root"
  SUDO=(sudo)
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || die "Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))"
say "node $(node --version): ok"

missing_required=()
missing_optional=()
for p in "${REQUIRED[@]}"; do installed "$p" || missing_required+=("$p"); done
for p in "${OPTIONAL[@]}"; do installed "$p" || missing_optional+=("$p"); done
if [ ${#missing_required[@]} -eq 0 ] && [ ${#missing_optional[@]} -eq 0 ]; then
  say "system packages: all present (${REQUIRED[*]} ${OPTIONAL[*]})"
  exit 0
fi
missing=("${missing_required[@]}" "${missing_optional[@]}")
say "system packages missing: ${missing[*]}"

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install ${missing[*]} yourself"

# Keep maintainer scripts from starting daemons (dockerd, …) while we install; restore afterwards.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  trap '"${SUDO[@]}" rm -f "$POLICY"' EXIT
fi

say "apt-get update"
if ! "${SUDO[@]}" apt-get update -qq; then
  [ ${#missing_required[@]} -eq 0 ] || die "apt-get update failed; cannot install ${missing_required[*]}"
  warn "apt-get update failed; optional packages not installed: ${missing_optional[*]}"
  exit 0
fi

apt_install() {
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@"
}

if [ ${#missing_required[@]} -gt 0 ]; then
  say "installing required: ${missing_required[*]}"
  apt_install "${missing_required[@]}" || die "apt-get install ${missing_required[*]} failed"
  for p in "${missing_required[@]}"; do
    installed "$p" || die "$p still missing after apt-get install"
  done
fi

warnings=0
for p in "${missing_optional[@]}"; do
  say "installing optional: $p"
  if apt_install "$p" && installed "$p"; then
    say "$p: installed"
  else
    warnings=$((warnings + 1))
    warn "could not install $p; the test suites that need it will fail until it is installed"
  fi
done

if [ "$warnings" -eq 0 ]; then say "system packages: done"; else say "system packages: done, $warnings optional package(s) missing (see warnings)"; fi
