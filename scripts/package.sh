#!/usr/bin/env bash
# Build the Debian package: the desktop app, the `ckslab` CLI (on PATH as /usr/bin/ckslab), and
# the labs, lessons and exams under /usr/share/ckslab. Usage: scripts/package.sh [--debug]
# The package lands in $CARGO_TARGET_DIR/{release,debug}/bundle/deb/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile=release
flags=()
if [[ "${1:-}" == "--debug" ]]; then
  profile=debug
  flags=(--debug)
fi
target_dir="${CARGO_TARGET_DIR:-$root/target}"
triple="$(rustc -vV | sed -n 's/^host: //p')"

echo "== UI"
(cd ui && { [[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error; } && npm run build)

echo "== ckslab CLI ($profile)"
if [[ $profile == release ]]; then
  cargo build --locked --release -p cks-cli
else
  cargo build --locked -p cks-cli
fi
# Tauri ships an external binary named <name>-<target triple> as /usr/bin/<name>.
mkdir -p src-tauri/binaries
cp "$target_dir/$profile/ckslab" "src-tauri/binaries/ckslab-$triple"

echo "== desktop app ($profile)"
# The UI is already built; `tauri build` would otherwise run beforeBuildCommand again.
tauri() { (cd src-tauri && "$root/ui/node_modules/.bin/tauri" "$@" "${flags[@]}" \
  --config tauri.bundle.json --config '{"build":{"beforeBuildCommand":""}}'); }
tauri build --no-bundle
if [[ $profile == release ]]; then
  # The release profile keeps line tables for backtraces in development; the package does not.
  strip --strip-debug "$target_dir/release/ckslab-desktop" "src-tauri/binaries/ckslab-$triple"
fi

echo "== .deb"
tauri bundle --bundles deb
deb="$(ls -t "$target_dir/$profile/bundle/deb/"*.deb | head -1)"
echo "built $deb ($(du -h "$deb" | cut -f1))"
