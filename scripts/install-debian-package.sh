#!/usr/bin/env bash
# Install one of Debian's packages unless its program is there already: install-debian-package.sh PACKAGE PROGRAM.
# Runs apt-get update only when the install fails without it. Used by install-chromium.sh and install-bubblewrap.sh.
# Needs root (or sudo). Non-interactive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PACKAGE=${1:?usage: install-debian-package.sh PACKAGE PROGRAM}
PROGRAM=${2:?usage: install-debian-package.sh PACKAGE PROGRAM}

log() { printf '[install-%s] %s\n' "$PACKAGE" "$*" >&2; }

if [[ -x "$PROGRAM" ]]; then
  log "already installed: $("$PROGRAM" --version 2>/dev/null || echo "$PROGRAM")"
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
log "apt-get install $PACKAGE"
if ! "${APT[@]}" install "$PACKAGE" >/dev/null; then
  # Package lists may be missing or stale on a fresh machine: refresh once and retry.
  log "install failed; running apt-get update and retrying"
  "${APT[@]}" update >/dev/null
  "${APT[@]}" install "$PACKAGE" >/dev/null
fi
log "installed $("$PROGRAM" --version 2>/dev/null || echo "$PACKAGE") in $((SECONDS - start)) s"
