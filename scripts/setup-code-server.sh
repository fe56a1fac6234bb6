#!/usr/bin/env bash
# Installs code-server (a real VS Code: 4.100.3 = VS Code 1.100.3, workbench in the browser, extension host in Node)
# from the npm registry into a git-ignored folder (default ./.code-server) for the real-host integration tests.
# Idempotent: does nothing when that version is already installed there.
#
# Why it is not a plain `npm install code-server`: its postinstall downloads ripgrep from GitHub (not reachable on CI
# sandboxes) and, as root, fails on npm's script permissions. So we install with --ignore-scripts, take ripgrep from the
# system (`apt-get install ripgrep`) and build the native modules from source (needs the headers .ci/run installs:
# libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config). Chromium for Playwright: /usr/bin/chromium.
set -euo pipefail
version=4.100.3
dest=${1:-.code-server}
marker="$dest/.installed-version"

if [[ -f "$marker" && "$(cat "$marker")" == "$version" && -f "$dest/node_modules/code-server/out/node/entry.js" ]]; then
  echo "code-server $version already installed in $dest"
  exit 0
fi

missing=()
command -v rg >/dev/null || missing+=(ripgrep)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
pkg-config --exists krb5-gssapi 2>/dev/null || missing+=(libkrb5-dev)
pkg-config --exists x11 2>/dev/null || missing+=(libx11-dev)
pkg-config --exists xkbfile 2>/dev/null || missing+=(libxkbfile-dev)
pkg-config --exists libsecret-1 2>/dev/null || missing+=(libsecret-1-dev)
if ((${#missing[@]})); then
  echo "setup-code-server: missing system packages; run: apt-get install -y ${missing[*]} pkg-config" >&2
  exit 1
fi

rm -f "$marker"
mkdir -p "$dest"
cd "$dest"
[[ -f package.json ]] || echo '{ "name": "probescope-code-server", "private": true }' >package.json
npm install --no-audit --no-fund --ignore-scripts --no-save "code-server@$version"
npm rebuild argon2 --build-from-source

cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --no-audit --no-fund
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
# Terminal and file watchers use these; the editor and extensions work without them, so a failure is only a note.
for m in @parcel/watcher @vscode/spdlog @vscode/deviceid kerberos native-watchdog node-pty; do
  npm rebuild "$m" >/dev/null 2>&1 || echo "note: $m did not rebuild (terminal/watchers may be missing)"
done
# VS Code's server resolves its modules through node_modules.asar.
ln -sfn node_modules node_modules.asar
(cd extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund)

cd ../../../..
echo "$version" >.installed-version
echo "code-server $version ready: node $PWD/node_modules/code-server/out/node/entry.js"
