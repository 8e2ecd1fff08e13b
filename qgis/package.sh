#!/usr/bin/env bash
# Builds the plugin's release ZIP, installable in QGIS through Plugins → Manage and Install
# Plugins → Install from ZIP: the provider plus the aimaq package from a wheel, in lib/.
#   qgis/package.sh WHEEL OUT.zip
set -euo pipefail
wheel=$(realpath "$1")
out=$(realpath -m "$2")
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r "$here/aimaq_provider" "$stage/"
rm -rf "$stage/aimaq_provider/__pycache__"
mkdir -p "$stage/aimaq_provider/lib"
# the wheel is a zip; its aimaq/ package (with the abi3 native module) goes to lib/
python3 -m zipfile -e "$wheel" "$stage/aimaq_provider/lib"
rm -f "$out"
(cd "$stage" && python3 -m zipfile -c "$out" aimaq_provider)
echo "$out"
