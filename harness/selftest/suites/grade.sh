#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/selftest/suites/grade.sh - the batch grader's own tests (make test).
#
# Builds a fake class in build/selftest/grade/subs from lab 02:
#   skeleton        the untouched skeleton
#   solution.tar.gz the reference solution, as a tarball with labs/ inside
#   hang            mutex_acquire() waits for ever once the lock is contended
#   crash           mutex_acquire() writes through NULL
#   forkbomb        mutex_acquire() forks 2^10 processes (bounded: each waits
#                   for its children and exits; the runner's pids cgroup
#                   makes forks fail long before that)
#   hog             mutex_acquire() allocates without end
#   nocompile       a syntax error
#   empty           no lab at all
#   snoop           the skeleton, whose mutex_init() looks for solutions/,
#                   for the other submissions and for the network, and
#                   whose include/ has a check.h of its own
# grades them with harness/grade (lab 02 only, three at a time, 2 GiB
# each, timeouts capped at 20 s: what the reference's mutex_stress needs
# under load), then checks that each is contained and reported as it
# should be, that the batch completes, and that every output parses.
# Prints "PASS what" / "FAIL what: why". --class-only builds the class and
# stops (docs/instructor.md grades it with make grade).
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
work=build/selftest/grade
subs=$work/subs
out=$work/out

# plant NAME TREE FUNCTION CODE [INCLUDES]: a copy of TREE/02-mutex whose
# FUNCTION starts with CODE.
plant() {
	local name=$1 tree=$2 fn=$3 code=$4 includes=${5:-}
	mkdir -p "$subs/$name"
	cp -r "$tree/02-mutex" "$subs/$name/"
	python3 - "$subs/$name/02-mutex/src/mutex.c" "$fn" "$code" "$includes" <<'PY'
import sys
path, fn, code, includes = sys.argv[1:5]
src = open(path).read()
head = fn + "\n{\n"
assert head in src, fn + " not found"
src = src.replace(head, head + "\t/* planted by grade.sh */\n" + code + "\n", 1)
src = src.replace('#include "mutex.h"\n', '#include "mutex.h"\n' + includes, 1)
open(path, "w").write(src)
PY
}

acquire="int mutex_acquire(struct mutex *m)"

make_class() {
	rm -rf "$work"
	mkdir -p "$subs/skeleton" "$work/tmp/labs"
	cp -r labs/02-mutex "$subs/skeleton/"
	cp -r solutions/02-mutex "$work/tmp/labs/"
	tar -czf "$subs/solution.tar.gz" -C "$work/tmp" labs
	plant hang solutions "$acquire" '	if (atomic_load_explicit(&m->state, memory_order_relaxed) != MUTEX_UNLOCKED)
		for (;;)
			sleep(1); /* waits for ever once the lock is contended */'
	plant crash solutions "$acquire" '	*(volatile int *)0 = 1;'
	# Each process of the tree waits for its own children, so the tree is
	# gone before the first caller goes on; where the pids cgroup binds,
	# forks fail and say so.
	plant forkbomb solutions "$acquire" '	static bool bombed;
	if (!bombed) {
		pid_t me = getpid(), kids[10];
		int n = 0;

		bombed = true;
		for (int i = 0; i < 10; i++) {
			pid_t p = fork();

			if (p < 0) {
				fprintf(stderr, "forkbomb: fork failed\n");
				break;
			}
			if (p == 0)
				n = 0;
			else
				kids[n++] = p;
		}
		while (n > 0)
			waitpid(kids[--n], NULL, 0);
		if (getpid() != me)
			_exit(0);
	}' '#include <stdio.h>
#include <sys/wait.h>
'
	plant hog solutions "$acquire" '	for (;;) {
		char *p = malloc(64 << 20);

		if (!p)
			abort();
		memset(p, 1, 64 << 20);
	}' '#include <stdlib.h>
#include <string.h>
'
	# What an untrusted submission could reach: the reference solution,
	# the other submissions, the network (192.0.2.1 is TEST-NET-1).
	plant snoop labs "void mutex_init(struct mutex *m)" "	static bool told;
	if (!told) {
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80)};
		int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		int rc;

		told = true;
		inet_pton(AF_INET, \"192.0.2.1\", &to.sin_addr);
		rc = connect(s, (struct sockaddr *)&to, sizeof(to));
		fprintf(stderr, \"snoop: solutions=%s subs=%s network=%s\\n\",
			access(\"$top/solutions/02-mutex/src/mutex.c\", R_OK) ? \"hidden\" : \"VISIBLE\",
			access(\"$top/$subs/solution.tar.gz\", R_OK) ? \"hidden\" : \"VISIBLE\",
			rc < 0 && errno == ENETUNREACH ? \"unreachable\" : \"REACHABLE\");
		close(s);
	}" '#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
'
	# A header of its own that would shadow <check.h> in the tests.
	echo '/* not the real check.h */' >"$subs/snoop/02-mutex/include/check.h"
	mkdir -p "$subs/nocompile"
	cp -r solutions/02-mutex "$subs/nocompile/"
	printf '\nint broken(void)\n{\n\treturn\n}\n' >>"$subs/nocompile/02-mutex/src/mutex.c"
	mkdir -p "$subs/empty"
	echo "I forgot to add my files" >"$subs/empty/README.txt"
}

if [ "${1:-}" = --class-only ]; then
	make_class
	exit 0
fi

make_class
start=$SECONDS
GRADE_LABS=2 GRADE_JOBS=3 MAX_TIMEOUT=20 GRADE_MEMORY=2048 SEED=42 GRADE_OUT=$out \
	GRADE_TIMEOUT=600 timeout 900 harness/grade "$subs" >"$work/grade.out" 2>&1
rc=$?
secs=$((SECONDS - start))
sed 's/^/    | /' "$work/grade.out"

python3 - "$rc" "$secs" "$top" "$out" "$work/grade.out" <<'PY'
import csv, glob, json, os, re, subprocess, sys
import xml.etree.ElementTree as ET

rc, secs, top, out, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
names = ["crash", "empty", "forkbomb", "hang", "hog", "nocompile", "skeleton", "snoop", "solution"]
text = open(log).read()


def report(ok, what, why=""):
    print(f"{'PASS' if ok else 'FAIL'} {what}" + ("" if ok or not why else f": {why}"), flush=True)


report(rc == 0, f"grade finishes the batch of {len(names)} and exits 0 (in {secs}s)", f"exit {rc}")
isolated = "isolation: own mount and network namespace" in text
report(isolated or "NO isolation" in text, "grade says how submissions are isolated")

rows = {}
try:
    with open(os.path.join(out, "summary.csv"), newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    report(sorted(rows) == names, "summary.csv has one row per submission", sorted(rows))
except (OSError, csv.Error, KeyError) as e:
    report(False, "summary.csv parses", repr(e))


def result(name):
    try:
        return json.load(open(os.path.join(out, name, "results.json")))
    except (OSError, ValueError):
        return None


def figures(name):
    r = result(name) or {"tests": []}
    return " | ".join(t["output"] for t in r["tests"])


def total(name):
    r = rows.get(name, {})
    return int(r.get("total", -1)), int(r.get("max", -1))


score, best = total("solution")
report(best > 0 and score == best, "the reference solution (a .tar.gz with labs/ inside) gets full marks",
       f"{score}/{best}")
score, best = total("skeleton")
report(0 < score < best, "the untouched skeleton gets only the checks of harness code", f"{score}/{best}")
report("timeout after" in figures("hang"), "a hanging submission is stopped at its timeouts",
       figures("hang")[:200])
report("crashed: SIGSEGV" in figures("crash"), "a crashing submission is reported as SIGSEGV")
report(rows.get("forkbomb") is not None, "a fork bomb is contained and graded",
       "no result")
bomb_logs = glob.glob(os.path.join(out, "work", "forkbomb", "**", "*.log"), recursive=True)
bound = any("forkbomb: fork failed" in open(p, errors="replace").read() for p in bomb_logs)
report(bound, "the fork bomb hit the pids limit (forks failed)", f"{len(bomb_logs)} logs searched")
left = subprocess.run(["pgrep", "-f", "build/native/grade-forkbomb/"], stdout=subprocess.PIPE, text=True).stdout.split()
report(not left, "no process of the fork bomb outlives the grading", " ".join(left))
hog = figures("hog")
report("crashed" in hog or "out of memory" in hog or "timeout" in hog,
       "a submission that allocates without end is stopped", hog[:200])
if "memory cgroup of" in text:
    report("memory limit hit" in rows.get("hog", {}).get("notes", ""),
           "the memory cgroup stopped the hog and the notes say so", rows.get("hog", {}).get("notes"))
nc = result("nocompile") or {"tests": []}
compile_tests = [t for t in nc["tests"] if t["name"].endswith(": compiles")]
report(bool(compile_tests) and "error" in compile_tests[0]["output"]
       and re.search(r"02-mutex/src/mutex\.c:\d+", compile_tests[0]["output"]) is not None
       and nc.get("score") == 0,
       "a submission that does not compile gets 0 and the compiler's error with file:line",
       (compile_tests[0]["output"][:160] if compile_tests else "no 'compiles' test"))
em = result("empty") or {"tests": []}
report(em.get("score") == 0 and "lab 02-mutex is missing" in json.dumps(em),
       "a submission without the lab gets 0 and says the lab is missing")

snoop = ""
for p in glob.glob(os.path.join(out, "work", "snoop", "**", "*.log"), recursive=True):
    m = re.search(r"^snoop: .*$", open(p, errors="replace").read(), re.M)
    if m:
        snoop = m.group(0)
        break
sn = result("snoop") or {}
report("graded with the official ones" in sn.get("output", "") and total("snoop") == total("skeleton"),
       "a submission's own include/ cannot shadow the harness's headers", sn.get("output", "")[:200])
if isolated:
    report(snoop == "snoop: solutions=hidden subs=hidden network=unreachable",
           "a submission cannot see solutions/, the other submissions or the network",
           snoop or "no snoop line in the logs")
else:
    report(bool(snoop), "the snoop submission ran (no isolation here: said so above)", snoop)

# Every output parses, and agrees with the summary.
for name in names:
    d = os.path.join(out, name)
    try:
        r = json.load(open(os.path.join(d, "results.json")))
        keys_ok = all({"name", "score", "max_score", "output", "visibility"} <= set(t) for t in r["tests"])
        sums = sum(t["score"] for t in r["tests"]) == r["score"] == total(name)[0]
        report(keys_ok and sums, f"{name}: results.json is Gradescope's shape and adds up",
               f"score {r['score']}, tests add up to {sum(t['score'] for t in r['tests'])}")
    except (OSError, ValueError, KeyError) as e:
        report(False, f"{name}: results.json parses", repr(e))
    try:
        root = ET.parse(os.path.join(d, "junit.xml")).getroot()
        cases = root.findall(".//testcase")
        bad = root.findall(".//failure") + root.findall(".//error")
        passed = sum(1 for t in r["tests"] if t.get("status") == "passed" and t["max_score"] > 0)
        report(root.tag == "testsuites" and len(cases) == int(root.get("tests"))
               and len(cases) - len(bad) == passed,
               f"{name}: junit.xml parses and agrees", f"{len(cases)} cases, {len(bad)} failed/errors")
    except (OSError, ET.ParseError, ValueError, NameError) as e:
        report(False, f"{name}: junit.xml parses", repr(e))
    try:
        lines = open(os.path.join(d, "results.tap")).read().splitlines()
        plan = re.fullmatch(r"1\.\.(\d+)", lines[1])
        oks = [l for l in lines if re.match(r"^(not )?ok \d+ ", l)]
        report(lines[0] == "TAP version 13" and plan is not None and int(plan.group(1)) == len(oks),
               f"{name}: results.tap is TAP 13 with a matching plan", f"{lines[:2]}, {len(oks)} results")
    except (OSError, IndexError) as e:
        report(False, f"{name}: results.tap parses", repr(e))
PY
