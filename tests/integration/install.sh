#!/usr/bin/env bash
# install.sh - `cmake --install` lays out a gcert that runs without the source tree: the
# binary, the RA web UI and B/D list it finds beside itself (share/gcert), the man page and
# bash completion written from the command table, the guides (issue 17 item 10).
source "$(dirname "$0")/lib.sh"
: "${GCERT_BUILD:?GCERT_BUILD must name the build tree}"

P=$T/prefix
cmake --install "$GCERT_BUILD" --prefix "$P" >"$T/install.out" 2>&1 || { cat "$T/install.out" >&2; fail "cmake --install"; finish; }
for f in bin/gcert share/gcert/web/ra/index.html share/gcert/web/ra/app.js share/gcert/data/bds.json \
         share/man/man1/gcert.1 share/bash-completion/completions/gcert share/doc/gcert/interface.md; do
  check "installed: $f" test -s "$P/$f"
done
check_eq "the installed bds.json is the source's" "$(sha256sum <"$GCERT_SRC/data/bds.json")" "$(sha256sum <"$P/share/gcert/data/bds.json")"
if command -v man >/dev/null; then
  check_contains "man -l reads the installed page" "gcert ca init" "$(MANWIDTH=100 man -l "$P/share/man/man1/gcert.1" 2>&1)"
fi
check_eq "the installed completion completes" "init" \
  "$(bash -c 'source "$1"; COMP_WORDS=(gcert ca in); COMP_CWORD=2; _gcert; echo "${COMPREPLY[*]}"' _ "$P/share/bash-completion/completions/gcert")"

# The installed binary, run with the source and build trees out of reach: a private mount
# namespace lays an empty tmpfs over them (needs root, as the tests run; else skipped).
cat >"$T/inner.sh" <<'INNER'
set -u
P=$1 W=$2; shift 2
for d in "$@"; do mount -t tmpfs -o size=1m gcert-hidden "$d" || exit 77; done
[[ -z $(ls -A "$1") ]] || { echo "source tree still visible"; exit 1; }
mkdir -p "$W" && cd "$W" || exit 1
G=$P/bin/gcert
"$G" --version >version.out 2>&1; echo $? >version.rc
"$G" ca init --dir ca >ca-init.out 2>&1; echo $? >ca-init.rc
"$G" ra init --dir ra --name cmmp >ra-init.out 2>&1; echo $? >ra-init.rc
printf 'pw-admin1-secret\n' >pw
"$G" ra user add --dir ra --org OGCIO --username admin1 --name "ADMIN one" --email a1@example.gov.hk \
  --password-file pw >user.out 2>&1; echo $? >user.rc
"$G" ra serve --dir ra --listen 127.0.0.1:0 >serve.out 2>&1 &
pid=$!
for _ in $(seq 1 1200); do grep -q "RA service at" serve.out && break; sleep 0.1; done # 120 s: ASan, loaded
url=$(sed -n 's/.*RA service at \(http[^ ]*\) .*/\1/p' serve.out)
# HTTPS, the RA's own certificate (its key in the RA token) as the trust anchor
curl -sS --cacert ra/web-tls.pem -o index.html -w '%{http_code}' "$url" >index.code 2>&1
curl -sS --cacert ra/web-tls.pem -o app.js -w '%{http_code}' "${url}app.js" >app.code 2>&1
kill -TERM $pid; wait $pid; echo $? >serve.rc
# without share/gcert: refused, naming what is missing and how to point at it
mv "$P/share/gcert" "$P/share/gcert.away"
"$G" ra init --dir ra2 --name cmmp >ra2.out 2>&1; echo $? >ra2.rc
GCERT_DATA_DIR=$W/nowhere "$G" ra init --dir ra3 --name cmmp >ra3.out 2>&1; echo $? >ra3.rc
GCERT_DATA_DIR=$P/share/gcert.away "$G" ra init --dir ra4 --name cmmp >ra4.out 2>&1; echo $? >ra4.rc
mv "$P/share/gcert.away" "$P/share/gcert"
exit 0
INNER
# under ASan the leak suppressions are a file of the source tree: a copy, outside it
cp "$GCERT_SRC/tests/lsan.supp" "$T/lsan.supp"
export LSAN_OPTIONS=${LSAN_OPTIONS//$GCERT_SRC\/tests\/lsan.supp/$T\/lsan.supp}
hide=("$GCERT_SRC")
[[ $GCERT_BUILD == "$GCERT_SRC"/* ]] || hide+=("$GCERT_BUILD")
set +e
unshare -m --propagation private bash "$T/inner.sh" "$P" "$T/w" "${hide[@]}" >"$T/inner.out" 2>&1
rc=$?
set -e
if (( rc == 77 )) || { ! [[ -f $T/w/version.rc ]] && grep -qi "unshare" "$T/inner.out"; }; then
  echo "SKIP: cannot hide the source tree here (needs root for a mount namespace)"; cat "$T/inner.out"; exit 77
fi
check_eq "inner script" 0 "$rc"; cat "$T/inner.out" >&2
W=$T/w
check_eq "--version" "0" "$(cat "$W/version.rc")"
check_contains "--version names gcert" "gcert " "$(cat "$W/version.out")"
check_eq "ca init without the source tree" 0 "$(cat "$W/ca-init.rc")"
check_contains "ca init prints the root fingerprint" "root SHA-256 fingerprint" "$(cat "$W/ca-init.out")"
check_eq "ra init finds the installed bds.json" 0 "$(cat "$W/ra-init.rc")"
check_eq "a user of a B/D of the installed list" 0 "$(cat "$W/user.rc")"
check_contains "ra serve serves the installed web UI" "web UI from $P/share/gcert/web/ra" "$(cat "$W/serve.out")"
check_eq "GET / : 200" 200 "$(cat "$W/index.code")"
check_eq "GET / is the installed index.html" "$(sha256sum <"$GCERT_SRC/web/ra/index.html")" "$(sha256sum <"$W/index.html")"
check_eq "GET /app.js : 200" 200 "$(cat "$W/app.code")"
check_eq "ra serve stops cleanly" 0 "$(cat "$W/serve.rc")"
check_eq "without share/gcert: ra init refused (config)" 5 "$(cat "$W/ra2.rc")"
check_contains "and says what is missing" "data/bds.json: not installed beside gcert" "$(cat "$W/ra2.out")"
check "and made nothing" test ! -e "$W/ra2"
check_eq "GCERT_DATA_DIR naming nothing: refused" 5 "$(cat "$W/ra3.rc")"
check_contains "naming it" "$W/nowhere/data/bds.json: not found (GCERT_DATA_DIR)" "$(cat "$W/ra3.out")"
check_eq "GCERT_DATA_DIR naming a copy: used" 0 "$(cat "$W/ra4.rc")"
finish
