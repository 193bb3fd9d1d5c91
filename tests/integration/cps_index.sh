#!/usr/bin/env bash
# cps_index.sh - the CPS and its earlier versions (CPS §8) are built into the program from
# data/cps/index.tsv by cmake/embed_cps.cmake: every listed version is embedded byte for
# byte, and a malformed index stops the build instead of shipping a wrong repository.
source "$(dirname "$0")/lib.sh"

embed() { cmake -DINDEX="$1" -DOUT="$T/out.c" -P "$GCERT_SRC/cmake/embed_cps.cmake" >"$T/embed.log" 2>&1; }

mkdir -p "$T/cps"
printf 'AB' >"$T/cps/old.txt"
printf 'new text\n' >"$T/cps/new.txt"
printf '# comment\n2019-06-01\t2019-06-01\told.txt\tolder "version"\n2020-01-01\t2020-01-01\tnew.txt\tcurrent\n' \
  >"$T/cps/index.tsv"
check "a two-version index embeds" embed "$T/cps/index.tsv"
check_contains "both versions listed" '{"2019-06-01", "2019-06-01", "old.txt", "older \"version\"", doc0, sizeof(doc0)}' "$(cat "$T/out.c")"
check_contains "second version listed" '"2020-01-01", "2020-01-01", "new.txt", "current", doc1' "$(cat "$T/out.c")"
check_contains "bytes embedded exactly" 'doc0[] = {0x41,0x42,}' "$(cat "$T/out.c")"
check_contains "count" 'gc_cps_doc_count = 2;' "$(cat "$T/out.c")"

printf '2019-06-01\t2019-06-01\told.txt\n' >"$T/cps/bad1.tsv"
embed "$T/cps/bad1.tsv" && fail "three fields accepted" || pass
printf '../x\t2019-06-01\told.txt\tt\n' >"$T/cps/bad2.tsv"
embed "$T/cps/bad2.tsv" && fail "a version with / accepted (it names a URL path)" || pass
printf '2019\t2019-06-01\tmissing.txt\tt\n' >"$T/cps/bad3.tsv"
embed "$T/cps/bad3.tsv" && fail "a missing file accepted" || pass
printf '# nothing\n' >"$T/cps/bad4.tsv"
embed "$T/cps/bad4.tsv" && fail "an empty index accepted" || pass
check_contains "the error names the rule" "lists no CPS version" "$(cat "$T/embed.log")"

# the shipped index: every file it names exists and the build embedded it
while IFS=$'\t' read -r version date file title; do
  [[ "$version" == \#* || -z "$version" ]] && continue
  check "data/cps/$file exists" test -s "$GCERT_SRC/data/cps/$file"
  [[ "$date" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] && pass || fail "version $version: date \"$date\" is not YYYY-MM-DD"
done <"$GCERT_SRC/data/cps/index.tsv"
finish
