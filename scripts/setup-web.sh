#!/usr/bin/env bash
# Installs what building and testing the web viewer needs, pinned, and only what is missing:
# a second run checks versions and returns in seconds.
#
#   rustup target wasm32-unknown-unknown, component rust-src
#   trunk 0.21.14                     (cargo install --locked; newer trunk needs a newer rustc)
#   wasm-bindgen-cli = wasm-bindgen in Cargo.lock (0.2.130)
#   e2e/node_modules from e2e/package-lock.json: binaryen 132 (wasm-opt), playwright-core
#     (Chromium), puppeteer-core (Firefox over WebDriver BiDi), selenium-webdriver (WebKitGTK),
#     axe-core (accessibility checks)
#   from Debian (the e2e tests' browsers; skip with --no-browser): chromium, firefox-esr,
#     webkit2gtk-driver (WebKitWebDriver + MiniBrowser), xvfb (xvfb-run: WebKitGTK needs a display)
#
# Nothing is downloaded from outside the package registries: trunk runs with --offline and finds
# wasm-bindgen and wasm-opt on PATH (see scripts/build-web.sh); playwright-core never downloads a
# browser, the tests drive /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/[^0-9.]/, "", $0); print; exit }' Cargo.lock)
WASM_OPT_VERSION=132
export PATH="$HOME/.cargo/bin:$PATH"

want_browser=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) want_browser=0 ;;
    *) echo "usage: $0 [--no-browser]" >&2; exit 2 ;;
  esac
done

say() { echo "setup-web: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else say "need root for: $*"; return 1; fi; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# 1. Rust target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 1b. The standard library's source: the release wasm rebuilds std for size (scripts/build-web.sh).
if ! [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std" ]; then
  say "adding rust component rust-src"
  rustup component add rust-src
fi

# 2. Trunk.
if ! trunk --version 2>/dev/null | grep -qx "trunk $TRUNK_VERSION"; then
  say "installing trunk $TRUNK_VERSION (takes a few minutes)"
  cargo install --locked "trunk@$TRUNK_VERSION"
fi

# 3. wasm-bindgen-cli, same version as the wasm-bindgen crate (not --locked: its lockfile
#    needs a newer rustc than this project's toolchain).
if [ -z "$WASM_BINDGEN_VERSION" ]; then say "no wasm-bindgen in Cargo.lock"; exit 1; fi
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes a few minutes)"
  cargo install --force "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
fi

# 4. Node packages: wasm-opt (binaryen) and playwright-core, from the lockfile.
if ! command -v npm >/dev/null; then
  say "installing node and npm"
  apt_install nodejs npm
fi
if ! { [ -x e2e/node_modules/.bin/wasm-opt ] \
       && e2e/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version_$WASM_OPT_VERSION" \
       && [ -f e2e/node_modules/playwright-core/package.json ] \
       && [ -f e2e/node_modules/puppeteer-core/package.json ] \
       && [ -f e2e/node_modules/selenium-webdriver/package.json ] \
       && [ -f e2e/node_modules/axe-core/axe.min.js ] \
       && cmp -s e2e/package-lock.json e2e/node_modules/.package-lock.json.copy; }; then
  say "installing e2e/node_modules (npm ci)"
  (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  cp e2e/package-lock.json e2e/node_modules/.package-lock.json.copy
fi

# 5. The three browser engines for the tests, from Debian.
if [ "$want_browser" = 1 ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
  command -v WebKitWebDriver >/dev/null || missing+=(webkit2gtk-driver)
  command -v xvfb-run >/dev/null || missing+=(xvfb)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]} from Debian"
    apt_install "${missing[@]}"
  fi
fi
if ! command -v python3 >/dev/null; then
  apt_install python3
fi

say "ready: $(trunk --version), $(wasm-bindgen --version), wasm-opt $(e2e/node_modules/.bin/wasm-opt --version | awk '{print $3}')$([ -x /usr/bin/chromium ] && echo ", $(/usr/bin/chromium --version 2>/dev/null)")$([ -x /usr/bin/firefox-esr ] && echo ", $(/usr/bin/firefox-esr --version 2>/dev/null)")$(command -v WebKitWebDriver >/dev/null && echo ", WebKitGTK $(dpkg-query -W -f='${Version}' libwebkit2gtk-4.1-0 2>/dev/null)")"
