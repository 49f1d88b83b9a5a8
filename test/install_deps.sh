#!/usr/bin/env bash
# Installs the Debian packages the project needs that are missing, and nothing
# else. Needs root (or nothing to install). Usage: test/install_deps.sh [--bench]
set -euo pipefail

packages=(
  make g++ cmake pkg-config
  postgresql-15 postgresql-server-dev-15 postgresql-15-cron
  libeigen3-dev libgtest-dev libcurl4-openssl-dev
  python3 python3-aiosmtpd python3-pil python3-numpy chromium
)
[ "${1:-}" = "--bench" ] && packages+=(libbenchmark-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "error: installing packages needs root; run as root, or install them: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
