#!/usr/bin/env bash
# ca_lint.sh - the key ceremony lints each CA certificate's TBS against App. G before
# the token signs it (issue 10). A name over the RFC 5280 bound is one the builder
# would otherwise have signed: the ceremony stops and leaves nothing behind.
source "$GCERT_SRC/tests/integration/lib.sh"
cd "$T"
long="Hongkong Post e-Cert CA 2 - 17 with a name longer than RFC 5280 allows"
for which in root issuing; do
  set +e
  "$GCERT" ca init --dir ca-$which --$which-cn "$long" >out 2>err; st=$?
  set -e
  check_eq "$which CN of ${#long} characters: refused as a lint finding" 1 $st
  check_contains "$which: error code" "GC_E_LINT" "$(cat err)"
  check_contains "$which: names the certificate, field and bound" \
    "$which CA certificate: lint: subject: CPS App. G subject: RDN 5 (CN) has ${#long} characters, above the RFC 5280 App. A bound of 64" "$(cat err)"
  check "$which: nothing left behind" test ! -e ca-$which
done
check "a CN of 64 characters is fine" "$GCERT" ca init --dir ok --issuing-cn "$(printf 'C%.0s' {1..64})"
"$GCERT" ca certs --dir ok >cas.pem
check "and its certificates lint clean against it" "$GCERT" lint --dir ok cas.pem
finish
