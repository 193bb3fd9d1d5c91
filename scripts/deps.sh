#!/usr/bin/env bash
# deps.sh - installs what gcert needs on Debian 12, from Debian's own packages.
# Idempotent: installs only what is missing. Run as root or with sudo.
set -euo pipefail

BUILD_PKGS=(gcc make cmake pkg-config libssl-dev libp11-dev libsqlite3-dev libjansson-dev libmicrohttpd-dev libgnutls28-dev
            libcmocka-dev libldap2-dev libsodium-dev libgfshare-dev libcurl4-openssl-dev libpq-dev
            libp11-kit-dev) # pkcs11.h: the PKCS#11 calls libp11 lacks (src/hsm/p11.c)
RUN_PKGS=(softhsm2 opensc sqlite3 openssl ca-certificates)
# several CA service nodes on one database: the server binaries, run by scripts/pg.sh
# with a data directory of its own (the package's own cluster is not used), and psql
PG_PKGS=(postgresql-15 postgresql-client-15)
# the repository's directory: Debian's slapd binary, run by scripts/slapd.sh with a
# configuration of its own (ldap/slapd.conf.in); ldap-utils to read it back
LDAP_PKGS=(slapd ldap-utils)
# tools we did not write, used by the tests to cross-check our output
TEST_PKGS=(gnutls-bin libnss3-tools python3 python3-asn1crypto python3-pykcs11 clang libclang-rt-14-dev faketime curl
           wrk python3-aiosmtpd time xxd util-linux # GNU time: peak RSS in bench/crl.sh
           chromium fonts-wqy-zenhei # the RA web UI's browser test (tests/browser/); a CJK font for its screenshots
           stress-ng) # load beside the failover and node tests (pg_nodes, dr_failover: 5 runs in a row, issue 14)
# node and npm for the browser test's playwright-core (tests/browser/package.json, node >= 18):
# Debian's own packages, unless a node is already there (e.g. from another source)
if [[ "${1:-}" == "--test" ]]; then
  command -v node >/dev/null || TEST_PKGS+=(nodejs)
  command -v npm >/dev/null || TEST_PKGS+=(npm)
fi

want=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "${LDAP_PKGS[@]}" "${PG_PKGS[@]}")
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
# gcert never uses the system slapd: tell the package not to configure a database of its
# own, so that installing it neither creates nor needs a system directory service.
if [[ " ${missing[*]} " == *" slapd "* ]]; then
  echo "slapd slapd/no_configuration boolean true" | $SUDO debconf-set-selections
fi
# postgresql-common would make and start a cluster of its own: gcert needs none
if [[ " ${missing[*]} " == *" postgresql-15 "* ]]; then
  $SUDO mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/gcert.conf >/dev/null
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
