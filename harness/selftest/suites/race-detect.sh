#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/selftest/suites/race-detect.sh - harness/race-detect's own tests
# (make test).
#
# 1. Every program of harness/selftest/race-corpus/ is classified as its
#    header says ("Expect: racy|clean"), with the explanation its header
#    names ("Expect-note: words"), and the gcc/clang difference on the
#    strcpy race is really there.
# 2. A program that does not compile, one that crashes and one that hangs
#    are reported as such, and the exit status says so.
# 3. `make race-detect FILES=...` reaches the tool.
# Prints "PASS what" / "FAIL what: why".
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
work=build/selftest/race-detect
rm -rf "$work"
mkdir -p "$work"

# -- 1. the corpus ------------------------------------------------------------
start=$SECONDS
harness/race-detect --json "$work/corpus.json" harness/selftest/race-corpus/*.c >"$work/corpus.out" 2>&1
rc=$?
secs=$((SECONDS - start))
sed 's/^/    | /' "$work/corpus.out"

python3 - "$rc" "$secs" "$work/corpus.json" "$work/corpus.out" <<'PY'
import json, re, sys

rc, secs, path, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]


def report(ok, what, why=""):
    print(f"{'PASS' if ok else 'FAIL'} {what}" + ("" if ok or not why else f": {why}"), flush=True)


try:
    progs = json.load(open(path))["programs"]
except (OSError, ValueError) as e:
    report(False, "race-detect writes its JSON results", repr(e))
    sys.exit(0)
report(rc == 1, f"race-detect exits 1 when a program is racy ({len(progs)} programs in {secs}s)",
       f"exit {rc}")
last = open(out).read().strip().splitlines()[-1]
report(re.match(r"race-detect: \d+ programs: \d+ racy, \d+ clean", last) is not None,
       "race-detect ends with a summary line", last)
for p in progs:
    name = p["file"].split("/")[-1]
    header = open(p["file"]).read()
    want = re.search(r"Expect: (racy|clean)", header)
    if not want:
        report(False, f"{name} says what to expect", "no 'Expect:' line")
        continue
    why = f"got {p['verdict']} (agreed: {' '.join(p['agreed'])}); notes: {p['notes']}"
    report(p["verdict"] == want.group(1), f"{name} is classified {want.group(1)}", why)
    for note in re.findall(r"Expect-note: (.+)", header):
        said = " ".join(p["notes"])
        report(note.strip().lower() in said.lower(),
               f"{name}: the explanation says '{note.strip()}'", said[:200] or "no notes")

# What gcc's and clang's TSan really do with strcpy of a literal, measured.
for p in progs:
    if p["file"].endswith("racy_strcpy_literal.c"):
        d = p["detectors"]
        gcc = sum(1 for r in d["tsan-gcc"]["reports"] if r["race"])
        clang = sum(1 for r in d["tsan-clang"]["reports"] if r["race"])
        report(gcc == 0 and clang > 0,
               f"gcc's TSan misses the strcpy race in {d['tsan-gcc']['runs']} runs, clang's reports it",
               f"gcc: {gcc} reports, clang: {clang}")
PY

# -- 2. programs that fail by themselves --------------------------------------
cat >"$work/broken.c" <<'EOF'
int main(void) { return 0 }
EOF
cat >"$work/crashes.c" <<'EOF'
#include <pthread.h>
static void *worker(void *arg) { return arg; }
int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	return *(volatile int *)0;
}
EOF
cat >"$work/hangs.c" <<'EOF'
#include <pthread.h>
#include <unistd.h>
static void *worker(void *arg) { for (;;) pause(); return arg; }
int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	return 0;
}
EOF
TIMEOUT=2 RUNS=1 harness/race-detect --json "$work/fails.json" "$work"/{broken,crashes,hangs}.c \
	>"$work/fails.out" 2>&1
rc=$?
sed 's/^/    | /' "$work/fails.out"
python3 - "$rc" "$work/fails.json" <<'PY'
import json, sys

rc, path = int(sys.argv[1]), sys.argv[2]


def report(ok, what, why=""):
    print(f"{'PASS' if ok else 'FAIL'} {what}" + ("" if ok or not why else f": {why}"), flush=True)


report(rc == 2, "race-detect exits 2 when a program does not build", f"exit {rc}")
got = {p["file"].split("/")[-1]: p for p in json.load(open(path))["programs"]}
b = got.get("broken.c", {})
report(b.get("verdict") == "error" and "broken.c:1" in " ".join(b.get("notes", [])),
       "a program that does not compile is an error, with the compiler's file:line", b.get("notes"))
c = got.get("crashes.c", {})
report("signal 11" in c.get("program", {}).get("failure", ""),
       "a program that crashes is reported as such", c.get("program"))
h = got.get("hangs.c", {})
report("timed out" in h.get("program", {}).get("failure", ""),
       "a program that hangs is stopped and reported as timed out", h.get("program"))
PY

# -- 3. the make target ---------------------------------------------------------
out=$(make -s race-detect FILES=harness/selftest/race-corpus/racy_plain_int.c 2>&1)
if grep -q '^harness/selftest/race-corpus/racy_plain_int.c: racy' <<<"$out"; then
	echo "PASS make race-detect FILES=... runs the tool"
else
	echo "FAIL make race-detect FILES=... runs the tool: $(tail -n 3 <<<"$out")"
fi
