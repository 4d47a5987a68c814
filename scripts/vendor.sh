#!/usr/bin/env bash
# Copy the front-end files the portal serves from the npm packages pinned in package.json into
# static/vendor/ (committed, so serving needs no npm and no internet).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --silent
out=static/vendor
rm -rf "$out" && mkdir -p "$out/bootstrap" "$out/bootstrap-icons/fonts" "$out/htmx" "$out/echarts"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$out/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$out/bootstrap/"
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$out/bootstrap-icons/"
cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff "$out/bootstrap-icons/fonts/"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx/"
cp node_modules/echarts/dist/echarts.min.js "$out/echarts/"
# Source maps are not shipped: drop the references so hashed static storage finds every file.
sed -i '/sourceMappingURL=/d' "$out"/bootstrap/* "$out"/htmx/* "$out"/echarts/* "$out"/bootstrap-icons/*.css
for pkg in bootstrap bootstrap-icons htmx.org echarts; do
  printf '%s %s\n' "$pkg" "$(node -p "require('./node_modules/$pkg/package.json').version")"
done > "$out/VERSIONS"
cat "$out/VERSIONS"
