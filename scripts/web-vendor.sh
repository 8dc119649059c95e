#!/usr/bin/env bash
# Copies the front end's npm packages (installed in web/node_modules from the
# lock file) into the git-ignored web/static/vendor/NAME@VERSION/, which the
# build embeds, with a gzip copy of each file that the server sends to
# browsers that accept it. Only the files the pages load are copied.
set -euo pipefail
cd "$(dirname "$0")/../web"
copy() { # package, files relative to the package...
  local pkg=$1; shift
  local v; v=$(node -p "require('./node_modules/$pkg/package.json').version")
  local d=static/vendor/$pkg@$v
  [ -f "$d/.done" ] && return 0
  rm -rf static/vendor/"$pkg"@* && mkdir -p "$d"
  for f in "$@"; do cp "node_modules/$pkg/$f" "$d/" && gzip -9 -k -n -f "$d/$(basename "$f")"; done
  for l in LICENSE LICENSE.txt LICENSE.md; do [ -f "node_modules/$pkg/$l" ] && cp "node_modules/$pkg/$l" "$d/"; done
  touch "$d/.done"
}
copy maplibre-gl dist/maplibre-gl.mjs dist/maplibre-gl-worker.mjs dist/maplibre-gl-shared.mjs dist/maplibre-gl.css
copy terra-draw dist/terra-draw.module.js
copy terra-draw-maplibre-gl-adapter dist/terra-draw-maplibre-gl-adapter.module.js
