#!/usr/bin/env bash
# Installs the npm packages the integration tests drive (the AWS JS SDK clients) when missing.
set -euo pipefail
cd "$(dirname "$0")/../tests/integration/js"
if [ ! -d node_modules ] || [ package.json -nt node_modules ]; then
  npm install --no-audit --no-fund --loglevel=error >/dev/null
  touch node_modules
fi
