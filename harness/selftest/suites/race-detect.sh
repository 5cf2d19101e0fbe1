#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/selftest/suites/race-detect.sh - harness/race-detect's own tests
# (make test).
#
# 1. Every program of the two corpora, harness/selftest/race-corpus/ (the
#    project's patterns) and harness/selftest/race-patterns/ (small programs
#    in the style of the detectors' own regression suites), is classified as
#    its header says ("Expect: racy|clean"), with the explanation its header
#    names ("Expect-note: words"); every racy verdict is explained in plain
#    words; the gcc/clang difference on the strcpy race is really there.
#    A table gives each detector's recall, clean-called-clean and precision
#    and the combined verdict's, per corpus; the combined verdict must find
#    at least 95% of the racy programs and call at least 97% of the clean
#    ones clean on each.
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

# -- 1. the corpora -----------------------------------------------------------
# Both in one run, so that the runner keeps both cores busy throughout. Two
# TSan runs per compiler: a report is a happens-before fact of one run, and
# these programs are small enough that every run covers all of them.
start=$SECONDS
harness/race-detect --runs 2 --json "$work/corpus.json" harness/selftest/race-corpus/*.c \
	harness/selftest/race-patterns/*.c >"$work/corpus.out" 2>&1
rc=$?
secs=$((SECONDS - start))
sed 's/^/    | /' "$work/corpus.out"

python3 - "$rc" "$secs" "$work/corpus.json" "$work/corpus.out" <<'PY'
import json, os, re, sys

rc, secs, path, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
TOOLS = ("tsan-gcc", "tsan-clang", "helgrind", "drd")


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
corpora = {}
for p in progs:
    name = p["file"].split("/")[-1]
    header = open(p["file"]).read()
    want = re.search(r"Expect: (racy|clean)", header)
    if not want:
        report(False, f"{name} says what to expect", "no 'Expect:' line")
        continue
    corpus = os.path.basename(os.path.dirname(p["file"]))
    corpora.setdefault(corpus, []).append((p, want.group(1)))
    why = f"got {p['verdict']} (decided by: {' '.join(p['decided_by'])}); notes: {p['notes']}"
    report(p["verdict"] == want.group(1), f"{corpus}/{name} is classified {want.group(1)}", why)
    if p["verdict"] == "racy":
        story = " ".join(p["story"])
        report(re.search(r"Access 1: .* at \S+\.c:\d+", story) is not None and "Usual fix" in story,
               f"{corpus}/{name}: the race is explained (two lines, the fix)", story[:200])
    for note in re.findall(r"Expect-note: (.+)", header):
        said = " ".join(p["notes"])
        report(note.strip().lower() in said.lower(),
               f"{name}: the explanation says '{note.strip()}'", said[:200] or "no notes")


def says_racy(p, tool):
    return any(r["race"] for r in p["detectors"][tool]["reports"])


def figures(pairs, judge):
    """(racy found, racy, clean called clean, clean, precision)"""
    tp = sum(1 for p, w in pairs if w == "racy" and judge(p))
    racy = sum(1 for _, w in pairs if w == "racy")
    fp = sum(1 for p, w in pairs if w == "clean" and judge(p))
    clean = len(pairs) - racy
    return tp, racy, clean - fp, clean, tp / (tp + fp) if tp + fp else 1.0


for corpus, pairs in sorted(corpora.items()):
    print(f"    {corpus}: {len(pairs)} programs", flush=True)
    print(f"    {'detector':<10} {'recall':>14} {'clean called clean':>20} {'precision':>10}")
    for tool in TOOLS + ("combined",):
        judge = (lambda p: p["verdict"] == "racy") if tool == "combined" else \
            (lambda p, t=tool: says_racy(p, t))
        tp, racy, tn, clean, prec = figures(pairs, judge)
        print(f"    {tool:<10} {tp:>3}/{racy:<3} {tp / max(racy, 1):6.1%} "
              f"{tn:>8}/{clean:<3} {tn / max(clean, 1):6.1%} {prec:>10.3f}", flush=True)
    tp, racy, tn, clean, _ = figures(pairs, lambda p: p["verdict"] == "racy")
    report(tp >= 0.95 * racy and tn >= 0.97 * clean,
           f"{corpus}: the combined verdict finds {tp}/{racy} racy and calls {tn}/{clean} clean "
           "clean (at least 95% and 97%)")

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
