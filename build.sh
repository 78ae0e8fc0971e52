#!/usr/bin/env bash
# zd-dl-router build script. Safe to re-run; each step is skipped when already done.
#
#   ./build.sh [build]     install build tools if missing, build dist/chrome and dist/firefox
#   ./build.sh test        lint, native + WASM tests, build, web-ext lint, size budget, browser E2E
#   ./build.sh demo [--firefox] [--headed]   route a few real downloads against the mock Zendesk
#   ./build.sh package     store-ready zips and the helper binary for this platform in artifacts/
#   ./build.sh bench       benchmarks (see BENCHMARKS.md)
#   ./build.sh fuzz        long property runs of the core
#   ./build.sh setup       only install what is missing (also the browsers)
set -euo pipefail
cd "$(dirname "$0")"

TARGET=wasm32-unknown-unknown
WASM_RAW=target/$TARGET/release/zd_dl_router.wasm
GEN=target/wasm-bindgen
# The content scripts' Zendesk URL module, generated from the core (src/patterns.rs).
PATTERNS=target/zendesk-patterns.js
HELPER_BIN=target/helper/zd-dl-router
# Gzipped WASM above this fails the tests: the measured 183.9 KB plus 5 % (BENCHMARKS.md,
# "Size": issue 16 left 169.4 KB; issue 17's features added 14.4 KB, itemised there).
# Issue 16's goal is 90 KB; what is in the module and what each step saved is there.
# Issue 18's local-helper core (settings, afterComplete, the records' helper work, the
# clean-up plan) brought it to 194.7 KB: the budget is that plus 5 %.
WASM_GZIP_BUDGET=${WASM_GZIP_BUDGET:-204400}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

wasm_bindgen_version() { # the version Cargo.lock pins; the CLI must match it exactly
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock
}

setup_build() {
  rustup target list --installed | grep -qx "$TARGET" || { log "adding $TARGET"; rustup target add "$TARGET"; }
  [ -f Cargo.lock ] || cargo generate-lockfile
  local want; want=$(wasm_bindgen_version)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    # Not --locked: the registry mirror lacks some of the CLI's locked dependencies.
    log "installing wasm-bindgen-cli $want (about 3 minutes)"
    cargo install wasm-bindgen-cli --version "=$want"
  fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages from package-lock.json"
    npm ci --no-audit --no-fund
  fi
}

setup_browsers() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -x /usr/bin/firefox-esr ]; then return; fi
  log "installing Debian's chromium and firefox-esr"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q chromium chromium-driver firefox-esr || {
    dpkg --configure -a; apt-get install -f -y; apt-get install -y -q chromium chromium-driver firefox-esr; }
}

build() {
  setup_build
  log "building the WASM core"
  cargo build --release --lib --target "$TARGET"
  if [ ! -f "$GEN/zd_dl_router_bg.wasm" ] || [ "$WASM_RAW" -nt "$GEN/zd_dl_router_bg.wasm" ]; then
    wasm-bindgen --target web --no-typescript --out-dir "$GEN" "$WASM_RAW"
    npx --no-install wasm-opt -Oz --strip-debug --strip-producers \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-reference-types --enable-multivalue --enable-mutable-globals \
      "$GEN/zd_dl_router_bg.wasm" -o "$GEN/zd_dl_router_bg.wasm"
  fi
  log "generating $PATTERNS from the core"
  cargo run --quiet --bin zd-dl-router -- patterns --js > "$PATTERNS.$$"
  mv "$PATTERNS.$$" "$PATTERNS"
  for browser in chrome firefox; do assemble "$browser"; done
  # The local helper for this machine (profile `helper`: opt-level 3 for unpacking, stripped):
  # what a user installs (`target/helper/zd-dl-router helper install`) and the E2E runs.
  log "building the local helper: $HELPER_BIN"
  cargo build --quiet --profile helper --bin zd-dl-router
  local raw gz; raw=$(wc -c < "$GEN/zd_dl_router_bg.wasm"); gz=$(gzip -9c "$GEN/zd_dl_router_bg.wasm" | wc -c)
  log "dist/chrome and dist/firefox ready — WASM $raw bytes, $gz gzipped (budget $WASM_GZIP_BUDGET)"
}

# dist/<browser>, flat: the files of extension/{worker,pages,content,shared}, the browser's
# extension/platform/<browser> files, the icons and _locales, the WASM core, the generated Zendesk URL
# module, and the manifest patched with the browser's keys. No file differs between browsers
# but these. Flat, so a file imports './name.js' whichever source folder it comes from; two
# source files must not share a name.
assemble() {
  local browser=$1 out=dist/$1
  rm -rf "$out"; mkdir -p "$out"
  cp -r extension/icons extension/_locales "$out/"
  local dupes; dupes=$(find extension/worker extension/pages extension/content extension/shared \
    "extension/platform/$browser" -maxdepth 1 -type f ! -name manifest.json -printf '%f\n' | sort | uniq -d)
  [ -z "$dupes" ] || { echo "two source files would share a name in dist/: $dupes" >&2; return 1; }
  find extension/worker extension/pages extension/content extension/shared "extension/platform/$browser" \
    -maxdepth 1 -type f ! -name manifest.json -exec cp {} "$out/" \;
  cp "$GEN/zd_dl_router.js" "$GEN/zd_dl_router_bg.wasm" "$PATTERNS" "$out/"
  node -e '
    const fs = require("fs");
    const [base, patch] = process.argv.slice(1, 3).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
    fs.writeFileSync(process.argv[3], JSON.stringify({ ...base, ...patch }, null, 2) + "\n");
  ' extension/manifest.json "extension/platform/$browser/manifest.json" "$out/manifest.json"
  # The background as one ES module (its imports bundled in, same code, not minified): a cold
  # Firefox event page fetches and parses one file instead of 16 before it may answer a click
  # (cold click → complete 0.99 / 0.93 / 0.92 of the unbundled time in three paired runs,
  # BENCHMARKS.md, issue 16); no difference in Chromium, done alike.
  npx --no-install esbuild "$out/background.js" --bundle --format=esm --log-level=warning \
    --legal-comments=none --outfile="$out/background.js" --allow-overwrite
}

size_budget() {
  local gz; gz=$(gzip -9c "$GEN/zd_dl_router_bg.wasm" | wc -c)
  if [ "$gz" -gt "$WASM_GZIP_BUDGET" ]; then
    echo "WASM size budget exceeded: $gz bytes gzipped > $WASM_GZIP_BUDGET" >&2; return 1
  fi
  echo "WASM size budget: $gz bytes gzipped <= $WASM_GZIP_BUDGET"
}

run_tests() {
  setup_build
  setup_browsers
  log "format and lints"
  cargo fmt --check
  cargo clippy --all-targets -- -D warnings
  cargo clippy --lib --tests --target "$TARGET" -- -D warnings
  log "native tests"
  cargo test
  log "WASM boundary tests (Node)"
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target "$TARGET" --test wasm
  build
  size_budget
  log "web-ext lint, manifest checks"
  npx --no-install web-ext lint --source-dir dist/firefox --self-hosted --warnings-as-errors
  node --test tests/extension/
  log "browser end-to-end tests"
  node --test --test-concurrency=1 tests/e2e/
}

package() {
  build
  local version; version=$(node -p 'require("./extension/manifest.json").version')
  mkdir -p artifacts
  for browser in chrome firefox; do
    local zip=artifacts/zd-dl-router-$browser-$version.zip src=dist/$browser
    if [ "$browser" = chrome ]; then
      # The store refuses a manifest `key` and gives the extension its own id (the helper
      # allows it with `helper install --extension-id`); dist/chrome keeps the key, whose
      # fixed id the helper allows by default.
      src=target/store-chrome; rm -rf "$src"; cp -r dist/chrome "$src"
      node -e '
        const fs = require("fs"), file = process.argv[1], m = JSON.parse(fs.readFileSync(file, "utf8"));
        delete m.key;
        fs.writeFileSync(file, JSON.stringify(m, null, 2) + "\n");
      ' "$src/manifest.json"
    fi
    rm -f "$zip"
    (cd "$src" && python3 -m zipfile -c "../../$zip" ./*)
    log "$zip"
  done
  # The local helper for this platform (profile `helper`: fast and stripped).
  local helper; helper=artifacts/zd-dl-router-$version-$(rustc -vV | sed -n 's/^host: //p')
  cp "$HELPER_BIN" "$helper"
  log "$helper"
}

# Long property runs of the core (10 million sanitizer inputs among them), then each
# libFuzzer target in fuzz/ for FUZZ_SECONDS (cargo-fuzz on stable via RUSTC_BOOTSTRAP).
fuzz() {
  cargo test --release --test fuzz -- --ignored --nocapture "$@"
  if ! command -v cargo-fuzz >/dev/null; then
    log "cargo-fuzz not installed (cargo install cargo-fuzz): libFuzzer targets in fuzz/ skipped"; return
  fi
  for target in $(cargo fuzz list); do
    log "cargo fuzz run $target (${FUZZ_SECONDS:-60} s)"
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="${FUZZ_SECONDS:-60}"
  done
}

case "${1:-build}" in
  setup) setup_build; setup_browsers ;;
  build) build ;;
  test) run_tests ;;
  demo) shift; build; setup_browsers; node tests/e2e/demo.mjs "$@" ;;
  package) package ;;
  bench) shift; build; setup_browsers; node tests/bench/run.mjs "$@" ;;
  fuzz) shift; fuzz "$@" ;;
  *) sed -n '2,11p' "$0" >&2; exit 2 ;;
esac
