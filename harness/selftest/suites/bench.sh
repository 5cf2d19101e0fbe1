#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make test, extra suite: every lab's benchmark program builds against
# solutions/ and runs each of its cases for one iteration (no timing is
# judged: benchmarks never fail a test), its system-call counting pass
# runs, and its plot is drawn. harness/bench/run smoke prints one line per
# lab: "PASS bench NN-name builds and runs ..." or "FAIL bench NN-name ...".
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1

out=$(harness/bench/run smoke solutions 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
	echo "FAIL bench smoke run: exit status $rc: $(tail -n 1 <<<"$out")"
fi
if ! grep -q '^PASS bench ' <<<"$out" && ! grep -q '^FAIL ' <<<"$out"; then
	echo "FAIL bench smoke run: no lab has benchmark cases"
fi
exit 0
