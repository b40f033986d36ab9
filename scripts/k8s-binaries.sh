#!/usr/bin/env bash
# The real-API test tier's Kubernetes: etcd from Debian's `etcd-server`, and kube-apiserver +
# kube-controller-manager v1.20.2 built from Debian's `kubernetes` source package (the newest
# whole Kubernetes source reachable from a Debian mirror), plus kubectl if none is on PATH.
# Builds once into a cache directory and prints it; later calls return at once.
# Usage: scripts/k8s-binaries.sh [CACHE_DIR]   (default ~/.cache/ckslab/k8s-1.20.2)
set -euo pipefail
cache=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/ckslab/k8s-1.20.2}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive

need_pkgs=()
command -v etcd >/dev/null 2>&1 || need_pkgs+=(etcd-server)
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
command -v kubectl >/dev/null 2>&1 || need_pkgs+=(kubernetes-client)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  as_root apt-get update -qq >&2
  as_root apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if [ -x "$cache/kube-apiserver" ] && [ -x "$cache/kube-controller-manager" ]; then
  echo "$cache"
  exit 0
fi

echo "k8s-binaries: building kube-apiserver and kube-controller-manager v1.20.2 from Debian's source (about 5 minutes)" >&2
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list 2>/dev/null; then
  suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  as_root tee /etc/apt/sources.list.d/ckslab-deb-src.sources >/dev/null <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
as_root apt-get update -qq >&2
as_root apt-get install -y -qq golang-go dpkg-dev rsync make >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get source --download-only kubernetes >/dev/null 2>&1
dpkg-source -x kubernetes_*.dsc src >/dev/null 2>&1
cd src
export GOPATH="$PWD/.go" PATH="/usr/lib/go/bin:$PATH" CGO_ENABLED=0 HOME="$work/home"
mkdir -p .go/src/k8s.io && ln -s ../../.. .go/src/k8s.io/kubernetes
make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" >/dev/null
mkdir -p "$cache"
cp _output/local/bin/linux/*/kube-apiserver _output/local/bin/linux/*/kube-controller-manager "$cache/"
echo "$cache"
