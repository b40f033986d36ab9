#!/usr/bin/env bash
# Install what building CKS Lab needs on Debian/Ubuntu: a C toolchain and a Rust toolchain
# new enough for the workspace (edition 2024, rust-version in Cargo.toml). Idempotent.
set -euo pipefail

need_rust="1.95"
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for tool in cc pkg-config git; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing build tools (missing: ${missing[*]})"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential pkg-config git ca-certificates curl >/dev/null
fi

[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
version_ok() { command -v cargo >/dev/null 2>&1 && [ "$(printf '%s\n%s\n' "$need_rust" "$(rustc --version | cut -d' ' -f2)" | sort -V | head -1)" = "$need_rust" ]; }
if ! version_ok; then
  if command -v rustup >/dev/null 2>&1; then
    rustup toolchain install stable --profile minimal && rustup default stable
  else
    echo "bootstrap: installing Rust with rustup (Debian's rustc is too old for this workspace)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    . "$HOME/.cargo/env"
  fi
fi
version_ok || { echo "bootstrap: need rustc >= $need_rust, found $(rustc --version 2>/dev/null || echo none)" >&2; exit 3; }

# The desktop app: WebKitGTK 4.1 and GTK to build it, Xvfb and WebKitWebDriver for its end-to-end
# tests, Node.js (>= 20.19) for the UI. Skipped with CKSLAB_NO_DESKTOP=1 (CLI-only machines).
if [ "${CKSLAB_NO_DESKTOP:-0}" != "1" ]; then
  desktop_pkgs=(libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libssl-dev xvfb xauth webkit2gtk-driver file)
  missing=()
  for p in "${desktop_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing desktop build packages (missing: ${missing[*]})"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  node_ok() { [ "$(printf '%s\n%s\n' "20.19.0" "$(node --version | tr -d v)" | sort -V | head -1)" = "20.19.0" ]; }
  node_ok || { echo "bootstrap: the UI needs Node.js >= 20.19 (found $(node --version)); install it from nodejs.org or NodeSource" >&2; exit 3; }
fi
