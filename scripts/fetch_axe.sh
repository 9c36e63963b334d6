#!/usr/bin/env bash
# Fetch axe-core (the accessibility rules engine the browser tests run) from the npm registry into
# .cache/axe-core/axe.min.js. Pinned version; the tarball's sha512 is checked against the pin (npm also
# checks it against the registry). Idempotent: does nothing when the pinned file is already there.
#   bash scripts/fetch_axe.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.0
INTEGRITY="sha512-9WTZxEjsZ7b13TH8JPmbV2z8CHbl80/2hm3XPEG4JgNdQLK81IBRXmSxHfMAOkSqQeRxT/0dwNDz2GOm3zzpcQ=="
TARGET=.cache/axe-core
if [[ -f "$TARGET/axe.min.js" && "$(cat "$TARGET/VERSION" 2>/dev/null)" == "$VERSION" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "fetch_axe: npm is required (apt-get install -y npm)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "axe-core@$VERSION" >/dev/null)
TARBALL="$WORK/axe-core-$VERSION.tgz"
ACTUAL="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | base64 -w0)"
if [[ "$ACTUAL" != "$INTEGRITY" ]]; then
  echo "fetch_axe: integrity mismatch for axe-core $VERSION: $ACTUAL" >&2
  exit 1
fi
tar -xzf "$TARBALL" -C "$WORK" package/axe.min.js package/LICENSE
mkdir -p "$TARGET"
cp "$WORK/package/axe.min.js" "$WORK/package/LICENSE" "$TARGET/"
echo "$VERSION" > "$TARGET/VERSION"
echo "fetch_axe: axe-core $VERSION in $TARGET"
