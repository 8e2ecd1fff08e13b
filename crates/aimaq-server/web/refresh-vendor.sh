#!/usr/bin/env bash
# Refreshes the vendored MapLibre GL JS in vendor/ from npm (package.json pins the major
# version, package-lock.json the exact one). The desk embeds vendor/ in the binary: run
# this, rebuild, and commit vendor/ together with package-lock.json.
#   ./refresh-vendor.sh            install exactly what package-lock.json says
#   ./refresh-vendor.sh --update   take the newest release package.json allows
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "--update" ]; then
  npm install --no-audit --no-fund
else
  npm ci --no-audit --no-fund
fi
dist=node_modules/maplibre-gl/dist
mkdir -p vendor
# The CSP build: its worker is a file of its own, so the page needs no blob: scripts.
cp "$dist/maplibre-gl-csp.js" "$dist/maplibre-gl-csp-worker.js" "$dist/maplibre-gl.css" vendor/
cp "$dist/LICENSE.txt" vendor/MAPLIBRE-LICENSE.txt
node -e 'console.log("maplibre-gl " + require("./node_modules/maplibre-gl/package.json").version)' > vendor/VERSION
rm -rf node_modules
echo "vendor/: $(cat vendor/VERSION)"
ls -l vendor
