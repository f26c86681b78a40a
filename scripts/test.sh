#!/usr/bin/env bash
# Runs halb's whole test suite on a fresh Debian machine with the Rust toolchain:
# installs the real peers the tests drive (HAProxy, keepalived, nginx, curl, socat, tshark,
# halog/hatop, headless Chromium, Python's prometheus_client, tmux, ...),
# stops the daemons Debian starts on install (the tests start their own), then runs cargo test.
# Tests that need root, network namespaces or a peer program fail (not skip) when CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(haproxy keepalived nginx-light wrk socat curl tshark iproute2 arping procps psmisc python3
    hatop chromium python3-prometheus-client tmux)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "$(id -u)" -eq 0 ]; then
    for svc in haproxy keepalived nginx; do
        (systemctl stop "$svc" || service "$svc" stop || pkill -x "$svc") >/dev/null 2>&1 || true
    done
fi

cargo test --workspace "$@"
