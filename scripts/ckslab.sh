#!/usr/bin/env bash
# Build and start CKS Lab from this checkout.
#   ./scripts/ckslab.sh            the desktop app (builds the UI and a release binary first)
#   ./scripts/ckslab.sh ARGS…      the `ckslab` CLI, e.g. `./scripts/ckslab.sh labs list`
# Installs what it needs on Debian/Ubuntu (scripts/bootstrap.sh). Uses this checkout's labs and
# lessons; progress lives in the platform data folder (~/.local/share/ckslab).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -gt 0 ]; then export CKSLAB_NO_DESKTOP="${CKSLAB_NO_DESKTOP:-1}"; fi
"$root/scripts/bootstrap.sh"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
target="${CARGO_TARGET_DIR:-$root/target}"
export CKSLAB_LABS="${CKSLAB_LABS:-$root/labs}"
export CKSLAB_CONTENT="${CKSLAB_CONTENT:-$root/content}"
if [ $# -gt 0 ]; then
  cargo build --release --quiet -p cks-cli --manifest-path "$root/Cargo.toml"
  exec "$target/release/ckslab" "$@"
fi
echo "ckslab: building the UI"
(cd "$root/ui" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
echo "ckslab: building the desktop app (the first build takes several minutes)"
cargo build --release --quiet -p ckslab-desktop -p cks-cli --manifest-path "$root/Cargo.toml"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "ckslab: no display found (DISPLAY/WAYLAND_DISPLAY unset). Run this on a desktop session," >&2
  echo "        or try the CLI: $0 labs list" >&2
  exit 2
fi
exec "$target/release/ckslab-desktop"
