#!/usr/bin/env bash
# Make the Debian images the image tests use (no image registry is reachable here):
#   localhost/parley-build-base:trixie-slim   Node.js and npm (the Containerfile's build stage)
#   localhost/parley-run-base:trixie-slim     Node.js only (its runtime stage)
#   localhost/parley-caddy:trixie-slim        Debian's Caddy, started as the official caddy:2 image starts it
#                                             (the balancer of deploy/compose.yaml in its test)
# from Debian's packages with mmdebstrap. Idempotent: an image already there is kept (podman's storage
# outlives a checkout, so CI makes them once per machine). Needs root, podman and mmdebstrap.
set -euo pipefail
log() { printf '[make-base-images] %s\n' "$*" >&2; }
work=$(mktemp -d /var/tmp/parley-bases.XXXXXX)
trap 'rm -rf "$work"' EXIT

# make_base TAG PACKAGES [--change=INSTRUCTION...]: the changes set the image's config (an import has none).
make_base() {
  local tag=$1 packages=$2
  shift 2
  if podman image exists "$tag"; then log "$tag is there"; return; fi
  local start=$SECONDS
  # No documentation, manual pages or translations: an image has no reader for them.
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    trixie "$work/base.tar"
  podman import --quiet "$@" "$work/base.tar" "$tag" >/dev/null
  rm -f "$work/base.tar"
  log "made $tag in $((SECONDS - start)) s"
}

make_base localhost/parley-build-base:trixie-slim nodejs,npm,ca-certificates
make_base localhost/parley-run-base:trixie-slim nodejs,ca-certificates
make_base localhost/parley-caddy:trixie-slim caddy,ca-certificates \
  --change='ENV PATH=/usr/bin:/bin XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data' \
  --change='CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]'
