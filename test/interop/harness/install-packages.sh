#!/usr/bin/env bash
# install-packages.sh [--regenerate] - install the Debian 12 packages the interop tests need:
# strongSwan's charon, swanctl and pki with the plugin packages (libstrongswan-standard-plugins
# carries openssl, which the generated config loads), tshark for captures, iproute2 for network
# namespaces, nftables for the real NAT (test/interop/ikets-strongswan-nat.test.ts and
# test/fixtures/captures/regenerate.sh). --regenerate is accepted for older callers.
#
# Idempotent: if every package is already installed it only runs dpkg-query (well under 1 s).
# Needs root. Runs `apt-get update` only when the package lists are missing or an install fails.
set -euo pipefail

PACKAGES=(
  strongswan-charon strongswan-swanctl strongswan-pki
  libcharon-extra-plugins libcharon-extauth-plugins
  libstrongswan-extra-plugins libstrongswan-standard-plugins
  tshark iproute2 nftables
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then missing+=("$p"); fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-packages: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-packages: must run as root to install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
install() { apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
if ! compgen -G '/var/lib/apt/lists/*Packages*' >/dev/null; then apt-get update -qq; fi
if ! install; then
  # stale lists (package versions gone from the mirror): refresh once and retry
  apt-get update -qq
  install
fi
echo "install-packages: installed ${missing[*]} in $(( $(date +%s) - start )) s"
