#!/usr/bin/env bash
# repo_pages.sh - issue 17 item 12: the repository's pages for people, in English and
# Traditional Chinese. Their content is asserted (status words with dates, SHA-256
# fingerprints, thisUpdate/nextUpdate, the CPS readable), the machine-readable paths are
# unchanged whatever the language, and every page is photographed by Debian's headless
# Chromium at 1280 and 390 px wide into $GCERT_BUILD/test-artifacts/repo/*.png (kept).
source "$GCERT_SRC/tests/integration/lib.sh"
source "$GCERT_SRC/tests/integration/common.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] || { echo "SKIP: $CHROMIUM missing (scripts/deps.sh --test)"; exit 77; }
OUT=${GCERT_BUILD:-$GCERT_SRC/build}/test-artifacts/repo
mkdir -p "$OUT"
rm -f "$OUT"/*.png

CA=$T/ca
new_ca "$CA"
issue_cert "$CA" good; G=$SERIAL
issue_cert "$CA" bad; X=$SERIAL
"$GCERT" revoke --dir "$CA" --serial "$X" --reason 1 >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null
start_serve "$CA" --ldap none
# the same repository three years on, when the two-year certificates have expired
: >"$T/later.out"
LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 FAKETIME="+3y" \
  "$GCERT" ca serve --dir "$CA" --listen 127.0.0.1:0 --ldap none >"$T/later.out" 2>&1 &
at_exit "kill $!"
wait_for 20 grep -q "repository at" "$T/later.out" || { cat "$T/later.out" >&2; fail "the later service did not start"; }
LATER=$(sed -n 's/.*repository at \(http[^ ]*\) .*/\1/p' "$T/later.out")

# date_of "openssl date": "YYYY-MM-DD HH:MM UTC", as the pages write it
date_of() { date -u -d "$1" '+%Y-%m-%d %H:%M UTC'; }
page() { curl -s -D "$T/h" -o "$T/p.html" "$@"; cat "$T/p.html"; }
shot() { # NAME URL: screenshots at both widths
  local w h
  for wh in 1280x900 390x844; do
    w=${wh%x*} h=${wh#*x}
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
      --disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/chr.XXXXXX")" \
      --hide-scrollbars --window-size="$w,$h" --screenshot="$OUT/$1-$w.png" "$2" >/dev/null 2>&1 || true
    check "screenshot $1 at $w px" test -s "$OUT/$1-$w.png"
    check_eq "$1-$w.png is $w px wide" "$w" \
      "$($PY -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print(struct.unpack(">I", d[16:20])[0] if d[:8]==b"\x89PNG\r\n\x1a\n" else 0)' "$OUT/$1-$w.png" 2>/dev/null || echo 0)"
  done
}

"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust" >/dev/null
root_fp=$(openssl x509 -in "$T/trust/root.pem" -noout -fingerprint -sha256 | cut -d= -f2)
iss_fp=$(openssl x509 -in "$T/trust/issuing-ca.pem" -noout -fingerprint -sha256 | cut -d= -f2)
crl_next=$(date_of "$(openssl crl -inform DER -in "$CA/repo/crl/eCertCA2-17CRL2.crl" -noout -nextupdate | cut -d= -f2)")
crl_this=$(date_of "$(openssl crl -inform DER -in "$CA/repo/crl/eCertCA2-17CRL2.crl" -noout -lastupdate | cut -d= -f2)")
good_end=$(date_of "$(openssl x509 -in "$T/good.pem" -noout -enddate | cut -d= -f2)")
rev_at=$(date_of "@$(sql "$CA" "SELECT revoked_at FROM revocations WHERE serial = '$X'")")

# ---- the index ----
p=$(page "$URL")
check_contains "index: the root's SHA-256 fingerprint" "$root_fp" "$p"
check_contains "index: the issuing CA's fingerprint" "$iss_fp" "$p"
check_contains "index: the partitioned CRL's thisUpdate" "$crl_this" "$p"
check_contains "index: its nextUpdate" "$crl_next" "$p"
check_contains "index: English by default" '<html lang="en">' "$p"
check_contains "index: a Content-Security-Policy that admits only the inline stylesheet" \
  "default-src 'none'; style-src 'sha256-" "$(cat "$T/h")"
css=$($PY -c 'import re,sys; print(re.search(r"<style>(.*?)</style>", open(sys.argv[1], encoding="utf-8").read(), re.S).group(1), end="")' "$T/p.html")
csp_hash=$(printf '%s' "$css" | openssl dgst -sha256 -binary | base64)
check_contains "the CSP hash is the stylesheet's" "'sha256-$csp_hash'" "$(cat "$T/h")"
[[ "$p" != *"<script"* && "$p" != *' style="'* && "$p" != *"https://"* ]] && pass || fail "index: a script, inline style attribute or external asset"
shot index-en "$URL"
p=$(page "${URL}?lang=zh-Hant")
check_contains "index zh: Traditional Chinese" '<html lang="zh-Hant">' "$p"
check_contains "index zh: the title" "香港郵政政府電子證書資料庫" "$p"
check_contains "index zh: fingerprints too" "$root_fp" "$p"
check_contains "index zh: nextUpdate too" "$crl_next" "$p"
shot index-zh "${URL}?lang=zh-Hant"
check_contains "Accept-Language: zh-HK gives Chinese" '<html lang="zh-Hant">' \
  "$(page -H 'Accept-Language: en;q=0.5, zh-HK' "$URL")"
check_contains "Accept-Language: zh-CN is not Traditional: English" '<html lang="en">' \
  "$(page -H 'Accept-Language: zh-CN' "$URL")"
check_contains "?lang= wins over Accept-Language" '<html lang="en">' \
  "$(page -H 'Accept-Language: zh-TW' "${URL}?lang=en")"

# machine-readable paths are the same bytes in any language
curl -s -H 'Accept-Language: zh-HK' "${URL}crl/eCertCA2-17CRL2.crl" -o "$T/crl.zh"
check "a CRL is the same file whatever the language" cmp "$T/crl.zh" "$CA/repo/crl/eCertCA2-17CRL2.crl"
check_eq "a CA certificate too" "$root_fp" \
  "$(curl -s -H 'Accept-Language: zh-HK' "${URL}certs/root.pem?lang=zh-Hant" | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)"

# ---- certificates: good, revoked, expired ----
p=$(page "${URL}cert/$G")
check_contains "good: says so, with its end date" "GOOD: not revoked, valid until $good_end" "$p"
check_contains "good: its fingerprint" "$(openssl x509 -in "$T/good.pem" -noout -fingerprint -sha256 | cut -d= -f2)" "$p"
shot cert-good-en "${URL}cert/$G"
check_contains "good zh" "有效：未被撤銷，有效期至 $good_end" "$(page "${URL}cert/$G?lang=zh-Hant")"
shot cert-good-zh "${URL}cert/$G?lang=zh-Hant"
p=$(page "${URL}cert/$X")
check_contains "revoked: says so, with date and reason" "REVOKED on $rev_at (keyCompromise)" "$p"
check_contains "revoked: on the published CRL since" "On the published CRL since" "$p"
[[ "$p" != *"GOOD"* ]] && pass || fail "a revoked certificate's page says GOOD"
shot cert-revoked-en "${URL}cert/$X"
check_contains "revoked zh" "已撤銷，撤銷日期： $rev_at (密碼匙外洩)" "$(page "${URL}cert/$X?lang=zh-Hant")"
shot cert-revoked-zh "${URL}cert/$X?lang=zh-Hant"
check_contains "expired (three years on): says so, with the date" "EXPIRED on $good_end" "$(page "${LATER}cert/$G")"
shot cert-expired-en "${LATER}cert/$G"
check_contains "expired zh" "已過期，到期日： $good_end" "$(page "${LATER}cert/$G?lang=zh-Hant")"
shot cert-expired-zh "${LATER}cert/$G?lang=zh-Hant"

# ---- the CPS ----
p=$(page "${URL}cps/")
check_contains "CPS list: a page to read each version" 'href="/cps/2020-01-01.html?lang=en"' "$p"
check_contains "CPS list: and its text" 'href="/cps/2020-01-01.txt"' "$p"
shot cps-en "${URL}cps/"
shot cps-zh "${URL}cps/?lang=zh-Hant"
p=$(page "${URL}cps/2020-01-01.html")
check_eq "the CPS page" "text/html; charset=utf-8" "$(sed -n 's/^Content-Type: *//Ip' "$T/h" | tr -d '\r')"
check "its sections are headings" test "$(grep -c '<h3>' "$T/p.html")" -gt 20
check_contains "its text is there (App. C's AKI row)" "Authority key identifier" "$p"
shot cps-doc-en "${URL}cps/2020-01-01.html"
shot cps-doc-zh "${URL}cps/2020-01-01.html?lang=zh-Hant"
check_eq "an unknown CPS page: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "${URL}cps/1999-01-01.html")"
check "the text itself unchanged" cmp <(curl -s "${URL}cps/2020-01-01.txt") "$GCERT_SRC/data/cps/gcert-cps-2020-01-01.zh-Hant.txt"

echo "screenshots: $OUT"
finish
