#!/usr/bin/env bash
# Build (release) and run the ckslab CLI from this checkout, with this checkout's labs.
# Usage: ./scripts/ckslab.sh [ARGS…]   (default: a tour — list labs and show progress)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/bootstrap.sh"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --release --quiet -p cks-cli --manifest-path "$root/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$root/target}/release/ckslab"
export CKSLAB_LABS="${CKSLAB_LABS:-$root/labs}"
if [ $# -eq 0 ]; then
  "$bin" labs list
  echo
  echo "Try: $0 labs show pss-restrict-namespace"
  echo "     $0 grade pss-restrict-namespace --snapshot labs/pss-restrict-namespace/fixtures/solved"
  echo "     $0 progress"
  exit 0
fi
exec "$bin" "$@"
