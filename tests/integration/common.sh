# common.sh - helpers for the revocation and CRL tests (sourced after lib.sh).
PY=/usr/bin/python3 # Debian's python3 has python3-asn1crypto; the PATH one may not

# issue_cert DIR NAME [TYPE]: issues a g-Cert; sets SERIAL and writes $T/NAME.pem
issue_cert() {
  local d=$1 name=$2 type=${3:-individual}
  make_csr "$T/$name.key" "$T/$name.csr"
  make_request "$T/$name.json" "req-$name" "$type" 2 "$T/$name.csr"
  "$GCERT" issue --dir "$d" --request "$T/$name.json" --out "$T/$name.pem" >/dev/null
  SERIAL=$(openssl x509 -in "$T/$name.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
}

# expect_status "what" STATUS COMMAND...: the command exits with STATUS
expect_status() {
  local what=$1 want=$2; shift 2
  local got=0
  "$@" >"$T/out" 2>"$T/err" || got=$?
  if [[ "$got" == "$want" ]]; then pass; else fail "$what: exit $got, expected $want ($(cat "$T/err"))"; fi
}

# db_snapshot DIR: the rows of the tables a refusal must leave alone
db_snapshot() {
  sql "$1" "SELECT count(*), coalesce(group_concat(serial || reason || coalesce(CAST(published_at AS TEXT), '')), '')
            FROM revocation_status; SELECT count(*) FROM crls; SELECT count(*) FROM certificates;"
}

# to_pem CRL.der OUT.pem
to_pem() { openssl crl -inform DER -in "$1" -out "$2"; }
