#!/usr/bin/env bash
# deps.sh - installs what gcert needs on Debian 12, from Debian's own packages.
# Idempotent: installs only what is missing. Run as root or with sudo.
set -euo pipefail

BUILD_PKGS=(gcc make cmake pkg-config libssl-dev libp11-dev libsqlite3-dev libjansson-dev
            libcmocka-dev)
RUN_PKGS=(softhsm2 opensc sqlite3 openssl ca-certificates)
# tools we did not write, used by the tests to cross-check our output
TEST_PKGS=(gnutls-bin libnss3-tools python3 python3-asn1crypto clang libclang-rt-14-dev xxd
           util-linux)

want=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${TEST_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} == 0 )); then
  exit 0
fi
SUDO=
if (( EUID != 0 )); then SUDO=sudo; fi
echo "deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
