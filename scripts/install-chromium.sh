#!/usr/bin/env bash
# Install Debian's Chromium (/usr/bin/chromium) for browser tests, driven by playwright-core with
# executablePath '/usr/bin/chromium'. Idempotent: does nothing when /usr/bin/chromium exists.
# Needs root (or sudo). Non-interactive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

log() { printf '[install-chromium] %s\n' "$*" >&2; }

if [[ -x /usr/bin/chromium ]]; then
  log "already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n env DEBIAN_FRONTEND=noninteractive); else
    log "must run as root (or with passwordless sudo)"; exit 1
  fi
fi
APT=("${SUDO[@]}" apt-get -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

start=$SECONDS
log "apt-get install chromium"
if ! "${APT[@]}" install chromium >/dev/null; then
  # Package lists may be missing or stale on a fresh machine: refresh once and retry.
  log "install failed; running apt-get update and retrying"
  "${APT[@]}" update >/dev/null
  "${APT[@]}" install chromium >/dev/null
fi
log "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium) in $((SECONDS - start)) s"
