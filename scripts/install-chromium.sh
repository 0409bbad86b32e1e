#!/usr/bin/env bash
# Install Debian's Chromium (/usr/bin/chromium) for browser tests, driven by playwright-core with
# executablePath '/usr/bin/chromium'. Idempotent: does nothing when /usr/bin/chromium exists.
exec bash "$(dirname "${BASH_SOURCE[0]}")/install-debian-package.sh" chromium /usr/bin/chromium
