#!/usr/bin/env bash
# Install Debian's bubblewrap (/usr/bin/bwrap): stdio MCP servers run inside it (docs/mcp-isolation.md),
# and the tests of that confinement need it. Idempotent: does nothing when /usr/bin/bwrap exists.
# Needs root (or sudo). Non-interactive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

log() { printf '[install-bubblewrap] %s\n' "$*" >&2; }

if [[ -x /usr/bin/bwrap ]]; then
  log "already installed: $(/usr/bin/bwrap --version 2>/dev/null || echo /usr/bin/bwrap)"
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
log "apt-get install bubblewrap"
if ! "${APT[@]}" install bubblewrap >/dev/null; then
  # Package lists may be missing or stale on a fresh machine: refresh once and retry.
  log "install failed; running apt-get update and retrying"
  "${APT[@]}" update >/dev/null
  "${APT[@]}" install bubblewrap >/dev/null
fi
log "installed $(/usr/bin/bwrap --version 2>/dev/null || echo bubblewrap) in $((SECONDS - start)) s"
