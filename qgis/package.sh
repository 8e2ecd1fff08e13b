#!/usr/bin/env bash
# Builds the plugin's release ZIP, installable in QGIS through Plugins → Manage and Install
# Plugins → Install from ZIP: the provider, which runs the `aimaq` binary (on PATH, set in
# Processing → Options → Providers → aimaq, or bundled in the plugin's bin/), or the aimaq
# Python package in-process where QGIS's Python has it.
#   qgis/package.sh [--binary AIMAQ] [--wheel WHEEL] OUT.zip
#     --binary  bundle this aimaq binary in bin/ (for machines without it on PATH)
#     --wheel   bundle the aimaq package from this wheel in lib/ (it must match QGIS's Python)
set -euo pipefail
binary="" wheel="" out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$(realpath "$2"); shift 2 ;;
    --wheel) wheel=$(realpath "$2"); shift 2 ;;
    *.whl) wheel=$(realpath "$1"); shift ;;   # the old form: package.sh WHEEL OUT.zip
    -*) echo "package.sh: unknown option $1" >&2; exit 64 ;;
    *) out=$(realpath -m "$1"); shift ;;
  esac
done
[ -n "$out" ] || { echo "usage: qgis/package.sh [--binary AIMAQ] [--wheel WHEEL] OUT.zip" >&2; exit 64; }
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r "$here/aimaq_provider" "$stage/"
find "$stage/aimaq_provider" -name __pycache__ -prune -exec rm -rf {} +
rm -rf "$stage/aimaq_provider/lib" "$stage/aimaq_provider/bin"
if [ -n "$wheel" ]; then
  mkdir -p "$stage/aimaq_provider/lib"
  # the wheel is a zip; its aimaq/ package (with the abi3 native module) goes to lib/
  python3 -m zipfile -e "$wheel" "$stage/aimaq_provider/lib"
fi
if [ -n "$binary" ]; then
  mkdir -p "$stage/aimaq_provider/bin"
  cp "$binary" "$stage/aimaq_provider/bin/aimaq"
fi
rm -f "$out"
# python's zipfile keeps no Unix modes: a bundled binary is made executable by the
# provider when it finds it (see backend.py)
(cd "$stage" && python3 -m zipfile -c "$out" aimaq_provider)
echo "$out"
