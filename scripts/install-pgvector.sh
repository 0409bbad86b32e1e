#!/usr/bin/env bash
# Build and install pgvector for the machine's native PostgreSQL (default: 15).
#
# Debian bookworm ships no postgresql-15-pgvector package, so this builds Debian's own
# source package (from trixie's deb-src) against postgresql-server-dev-15.
#
# Idempotent: does nothing when vector.control is already in $(pg_config --sharedir)/extension.
# The temporary deb-src entry is always removed again (and the apt lists refreshed), even on failure.
# Needs root (or sudo). Non-interactive.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config}"
SRC_LIST=/etc/apt/sources.list.d/parley-pgvector-src.sources
export DEBIAN_FRONTEND=noninteractive

log() { printf '[install-pgvector] %s\n' "$*" >&2; }

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n env DEBIAN_FRONTEND=noninteractive); else
    log "must run as root (or with passwordless sudo)"; exit 1
  fi
fi
APT=("${SUDO[@]}" apt-get -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

sharedir() {
  if [[ -x $PG_CONFIG ]]; then "$PG_CONFIG" --sharedir; else echo "/usr/share/postgresql/${PG_MAJOR}"; fi
}

if [[ -f "$(sharedir)/extension/vector.control" ]]; then
  log "pgvector already installed ($(sharedir)/extension/vector.control); nothing to do"
  exit 0
fi

start=$SECONDS
workdir=$(mktemp -d /tmp/pgvector-build.XXXXXX)

cleanup() {
  local rc=$?
  if [[ -e $SRC_LIST ]]; then
    log "removing temporary deb-src entry and refreshing apt lists"
    "${SUDO[@]}" rm -f "$SRC_LIST"
    "${APT[@]}" update >/dev/null 2>&1 || log "warning: final apt-get update failed"
  fi
  rm -rf "$workdir"
  exit "$rc"
}
trap cleanup EXIT

log "adding temporary deb-src entry (trixie) at $SRC_LIST"
"${SUDO[@]}" tee "$SRC_LIST" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

log "apt-get update"
"${APT[@]}" update >/dev/null

log "installing postgresql-server-dev-${PG_MAJOR} and build tools"
"${APT[@]}" install --no-install-recommends "postgresql-server-dev-${PG_MAJOR}" dpkg-dev make gcc >/dev/null

log "downloading pgvector source package"
# apt runs the download as the unprivileged _apt user; give it a directory it may write to.
chmod 0777 "$workdir"
(cd "$workdir" && "${APT[@]}" source --download-only pgvector >/dev/null)

shopt -s nullglob
tarballs=("$workdir"/pgvector_*.orig.tar.*)
shopt -u nullglob
if [[ ${#tarballs[@]} -ne 1 ]]; then
  log "expected exactly one pgvector orig tarball, found: ${tarballs[*]:-none}"; exit 1
fi
log "building $(basename "${tarballs[0]}")"
mkdir "$workdir/src"
tar -xf "${tarballs[0]}" -C "$workdir/src" --strip-components=1

# OPTFLAGS="" (as Debian's packaging does) avoids -march=native, so the build is not tied to this CPU.
make -C "$workdir/src" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >/dev/null
"${SUDO[@]}" make -C "$workdir/src" -s PG_CONFIG="$PG_CONFIG" OPTFLAGS="" install >/dev/null

if [[ ! -f "$(sharedir)/extension/vector.control" ]]; then
  log "build finished but vector.control is not in $(sharedir)/extension"; exit 1
fi
log "pgvector installed into $("$PG_CONFIG" --pkglibdir) in $((SECONDS - start)) s"
