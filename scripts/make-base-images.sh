#!/usr/bin/env bash
# Make the two Debian bases the image tests build Parley on (no image registry is reachable here):
#   localhost/parley-build-base:trixie-slim   Node.js and npm (the Containerfile's build stage)
#   localhost/parley-run-base:trixie-slim     Node.js only (its runtime stage)
# from Debian's packages with mmdebstrap. Idempotent: an image already there is kept (podman's storage
# outlives a checkout, so CI makes them once per machine). Needs root, podman and mmdebstrap.
set -euo pipefail
log() { printf '[make-base-images] %s\n' "$*" >&2; }
work=$(mktemp -d /var/tmp/parley-bases.XXXXXX)
trap 'rm -rf "$work"' EXIT

make_base() {
  local tag=$1 packages=$2
  if podman image exists "$tag"; then log "$tag is there"; return; fi
  local start=$SECONDS
  # No documentation, manual pages or translations: an image has no reader for them.
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    trixie "$work/base.tar"
  podman import --quiet "$work/base.tar" "$tag" >/dev/null
  rm -f "$work/base.tar"
  log "made $tag in $((SECONDS - start)) s"
}

make_base localhost/parley-build-base:trixie-slim nodejs,npm,ca-certificates
make_base localhost/parley-run-base:trixie-slim nodejs,ca-certificates
