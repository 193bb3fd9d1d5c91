#!/usr/bin/env bash
# layout.sh - the walls of README "Layout" (issue 16), checked on the source tree: the CA
# engine (src/ca/) includes no header of the services around it; only src/hsm/ includes
# libp11 or PKCS#11 headers; the HTTP edges (src/repo/, src/raweb/, src/iface/http.c)
# include no hsm/ header; inner layers include no outer one.
set -uo pipefail
src=${GCERT_SRC:?}/src
fail=0
bad() { echo "FAIL: $*"; fail=1; }
check() { # DIR-OR-FILES... -- FORBIDDEN-PREFIX...
  local files=() forbid=() seen=0
  for a in "$@"; do
    if [[ $a == -- ]]; then seen=1; elif (( seen )); then forbid+=("$a"); else files+=("$a"); fi
  done
  for f in "${files[@]}"; do
    for p in "${forbid[@]}"; do
      if grep -Hn "^#include [\"<]$p" "$f" 2>/dev/null; then bad "${f#"$src"/} includes $p"; fi
    done
  done
}
shopt -s nullglob
check "$src"/ca/*.[ch] -- repo/ iface/ service/ raweb/ cli/
check "$src"/repo/*.[ch] "$src"/raweb/*.[ch] "$src"/iface/http.c -- hsm/ libp11.h pkcs11.h p11-kit
for d in core x509 lint sys store audit; do
  check "$src"/$d/*.[ch] -- ca/ ra/ repo/ iface/ service/ raweb/ cli/
done
check "$src"/core/*.[ch] -- x509/ hsm/ store/ lint/ audit/
for d in core x509 lint sys store audit ca repo iface service ra raweb cli; do
  for f in "$src"/$d/*.[ch]; do
    grep -Hn '^#include <libp11.h>\|^#include <p11-kit' "$f" && bad "${f#"$src"/} talks PKCS#11 itself (only src/hsm/ may)"
  done
done
# every folder of the layout is named in the README
for d in "$src"/*/; do
  d=$(basename "$d")
  grep -q "src/$d/" "$GCERT_SRC/README.md" || bad "README Layout does not name src/$d/"
done
(( fail == 0 )) && echo "ok: layout walls hold"
exit $fail
