#!/usr/bin/env bash
# docs/ops.md is what scripts/gen-ops-doc makes from the services' own
# declarations (sti-<name> --describe-ops): a declaration changed without
# the document, or the document edited by hand, fails here naming the
# first difference (run scripts/gen-ops-doc).
. "$STI_SOURCE/tests/lib.sh"
/usr/bin/python3 "$STI_SOURCE/scripts/gen-ops-doc" --build "$STI_BUILD" --check \
    --out "$STI_SOURCE/docs/ops.md" 2>"$T/diff.txt" || sti_fail "$(cat "$T/diff.txt")"
echo ok
