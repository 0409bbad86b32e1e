#!/usr/bin/env bash
# Install Debian's bubblewrap (/usr/bin/bwrap): stdio MCP servers run inside it (docs/mcp-isolation.md),
# and the tests of that confinement need it. Idempotent: does nothing when /usr/bin/bwrap exists.
exec bash "$(dirname "${BASH_SOURCE[0]}")/install-debian-package.sh" bubblewrap /usr/bin/bwrap
