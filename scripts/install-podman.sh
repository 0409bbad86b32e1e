#!/usr/bin/env bash
# Install podman, runc, podman-compose and mmdebstrap for the image tests (test/deploy/, docs/deploy.md), and
# set podman up as these machines need it (shared/NOTES.md): the runc runtime (crun refuses hybrid cgroups
# here) and lowered default rlimits (root here may not raise nofile to podman's default). Idempotent.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/install-debian-package.sh" runc /usr/sbin/runc
bash "$here/install-debian-package.sh" podman /usr/bin/podman
bash "$here/install-debian-package.sh" podman-compose /usr/bin/podman-compose
bash "$here/install-debian-package.sh" mmdebstrap /usr/bin/mmdebstrap

conf=/etc/containers/containers.conf
if ! grep -q 'parley-test-settings' "$conf" 2>/dev/null; then
  mkdir -p /etc/containers
  cat >>"$conf" <<'CONF'
# parley-test-settings: see scripts/install-podman.sh
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]

[engine]
runtime = "runc"
CONF
fi
echo "[install-podman] $(podman --version)"
bash "$here/make-base-images.sh"
