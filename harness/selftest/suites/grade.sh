#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/selftest/suites/grade.sh - the batch grader's own tests (make test).
#
# Builds a fake class in build/selftest/grade/subs from lab 02:
#   skeleton        the untouched skeleton (it earns 4/17)
#   solution.tar.gz the reference solution, as a tarball with labs/ inside
#   hang            mutex_acquire() waits for ever once the lock is contended
#   crash           mutex_acquire() writes through NULL
#   nocompile       a syntax error
#   empty           no lab at all
#   snoop           the skeleton, whose mutex_init() looks for solutions/,
#                   the other submissions and the network, and whose
#                   include/ has a check.h of its own
# and a hostile class, each trying to score more than the skeleton or to
# harm the grading:
#   forge           a constructor and an atexit hook printing Check's and
#                   the STAT success lines, then _exit(0); the same through
#                   syscall(SYS_write) and SYS_exit_group;
#                   __tsan_default_options; VALGRIND_DISABLE_ERROR_REPORTING;
#                   fork() and malloc() without end
#   abspath         #include of the reference by its absolute path
#   summary.csv.tgz the skeleton, named like the grader's summary, with
#                   100,000 empty directories
# grades them with harness/grade (lab 02 only, three at a time, 2 GiB
# each, timeouts capped at 20 s: what the reference's mutex_stress needs
# under load), then checks that each is refused, contained and reported as
# it should be, that the batch completes and every output parses. First,
# as root, a program run through harness/sandbox tries what the integrity
# check would not let a lab try (read the reference directly and through
# /proc/1/root, unmount, write the instructor's tree, join the host's
# network namespace, reach the network, signal the grader, fill the disk,
# escape the cgroups, leave a daemon behind).
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
	plant hang solutions "$acquire" '	static uint32_t never;

	if (atomic_load_explicit(&m->state, memory_order_relaxed) != MUTEX_UNLOCKED)
		for (;;) /* waits for ever once the lock is contended */
			syscall(SYS_futex, &never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);' '#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
'
	plant crash solutions "$acquire" '	*(volatile int *)0 = 1;'
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
	make_hostile
}

# The hostile class: what a student could try from mutex.c to score more
# than the code earns (the skeleton earns 4/17), to read what is hidden or
# to harm the grading. Each is refused before it runs, or contained.
make_hostile() {
	# Forged output and silenced detectors: a constructor and an atexit
	# hook that print Check's success line and leave, the TSan option hook,
	# Valgrind's switch for its reports.
	plant forge labs "void mutex_init(struct mutex *m)" '	static const char ok[] = "100%: Checks: 15, Failures: 0, Errors: 0\n";

	atexit(leave);
	VALGRIND_DISABLE_ERROR_REPORTING;
	/* the same through syscall(), which the lab may call for futex */
	syscall(SYS_write, 1, ok, sizeof(ok) - 1);
	syscall(SYS_exit_group, 0);
	/* a fork bomb, memory without end */
	while (fork() >= 0)
		memset(malloc(1 << 26), 1, 1 << 26);' '#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <unistd.h>
#include <valgrind/valgrind.h>
static void leave(void)
{
	printf("100%%: Checks: 15, Failures: 0, Errors: 0\n");
	_exit(0);
}
__attribute__((constructor)) static void early(void)
{
	printf("STAT runs=5000 failures=0 first=0 seed=1\n");
}
const char *__tsan_default_options(void)
{
	return "report_bugs=0";
}
'
	# Snooping at build time: the reference by its absolute path.
	plant abspath labs "void mutex_init(struct mutex *m)" '' "#include \"$top/solutions/02-mutex/src/mutex.c\"
"
	# A name that was the grader's own summary file, holding the skeleton
	# and a directory bomb.
	mkdir -p "$work/tmp/bomb/labs"
	cp -r labs/02-mutex "$work/tmp/bomb/labs/"
	python3 - "$work/tmp/bomb" "$subs/summary.csv.tgz" <<'PY'
import io, os, sys, tarfile
src, dst = sys.argv[1:3]
with tarfile.open(dst, "w:gz") as tar:
    tar.add(os.path.join(src, "labs"), arcname="labs")
    for i in range(100000):
        t = tarfile.TarInfo(f"bomb/{i // 1000}/{i}")
        t.type = tarfile.DIRTYPE
        t.mode = 0o755
        tar.addfile(t)
PY
}

# The sandbox itself, tried directly (integrity would refuse this code in
# a lab): a program run through harness/sandbox as a grading uid tries what
# a submission must not do and says what happened.
sandbox_probe() {
	local bin=$work/probe
	mkdir -p "$bin"
	cat >"$work/probe.c" <<'C'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

static void say(const char *what, int failed)
{
	printf("%s=%s\n", what, failed ? "blocked" : "OPEN");
}

int main(int argc, char **argv)
{
	const char *top = argv[1];
	char p[4096];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80)};
	static char block[1 << 20];
	int fd, s, i;

	snprintf(p, sizeof(p), "%s/solutions/02-mutex/src/mutex.c", top);
	say("solutions", open(p, O_RDONLY) >= 0 ? 0 : 1);
	snprintf(p, sizeof(p), "/proc/1/root%s/solutions/02-mutex/src/mutex.c", top);
	say("proc-root", open(p, O_RDONLY) >= 0 ? 0 : 1);
	snprintf(p, sizeof(p), "%s/harness/bench/02-mutex/mutex2_always_wake.c", top);
	say("always-wake", open(p, O_RDONLY) >= 0 ? 0 : 1);
	snprintf(p, sizeof(p), "%s/.git", top);
	say("git", access(p, F_OK) == 0 ? 0 : 1);
	snprintf(p, sizeof(p), "%s/harness/lib", top);
	say("umount", umount2(p, MNT_DETACH) == 0 ? 0 : 1);
	snprintf(p, sizeof(p), "%s/harness/lib/scenario.c", top);
	say("tamper", open(p, O_WRONLY | O_APPEND) >= 0 ? 0 : 1);
	snprintf(p, sizeof(p), "%s/harness/planted", top);
	say("plant", open(p, O_WRONLY | O_CREAT, 0644) >= 0 ? 0 : 1);
	say("cgroups", open("/sys/fs/cgroup/pids/cgroup.procs", O_WRONLY) >= 0 ? 0 : 1);
	fd = open("/proc/1/ns/net", O_RDONLY);
	say("setns", fd >= 0 && setns(fd, CLONE_NEWNET) == 0 ? 0 : 1);
	say("unshare", unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	s = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "192.0.2.1", &to.sin_addr);
	say("network", connect(s, (struct sockaddr *)&to, sizeof(to)) == 0 ? 0 :
		errno == ENETUNREACH);
	say("kill-grader", kill(atoi(argv[2]), SIGKILL) == 0 ? 0 : 1);
	fd = open("/tmp/fill", O_WRONLY | O_CREAT, 0644);
	for (i = 0; i < 1024 && write(fd, block, sizeof(block)) > 0; i++)
		;
	say("disk", i < 1024);
	if (fork() == 0) { /* a daemon that would outlive the grading */
		setsid();
		for (;;)
			pause();
	}
	fflush(stdout);
	return 0;
}
C
	gcc -O1 -o "$bin/probe" "$work/probe.c" || return 1
	chmod -R a+rX "$work"
	NATIVE=$top/$bin LAB_SANDBOX_UID=61999 timeout 60 harness/sandbox run -- \
		"$top/$bin/probe" "$top" "$$" >"$work/probe.out" 2>&1
}

if [ "${1:-}" = --class-only ]; then
	make_class
	exit 0
fi

make_class
if [ "$(id -u)" = 0 ]; then
	sandbox_probe
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		left=$(ps -eo uid= | grep -cx ' *61999' || true)
		[ "$left" = 0 ] && break
		sleep 0.5
	done
	python3 - "$work/probe.out" "$left" "$top" <<'PY'
import os, sys
out = open(sys.argv[1]).read()
got = dict(l.split("=", 1) for l in out.split() if "=" in l)
for what in ("solutions", "proc-root", "always-wake", "git", "umount", "tamper", "plant",
             "cgroups", "setns", "unshare", "network", "kill-grader", "disk"):
    ok = got.get(what) == "blocked"
    print(f"{'PASS' if ok else 'FAIL'} sandbox: {what} is blocked"
          + ("" if ok else f": {got.get(what, out.strip()[:200])}"), flush=True)
print(f"{'PASS' if sys.argv[2] == '0' else 'FAIL'} sandbox: nothing outlives it "
      f"(a setsid daemon was left): {sys.argv[2]} process(es) of its uid", flush=True)
planted = os.path.exists(os.path.join(sys.argv[3], "harness", "planted"))
print(f"{'FAIL' if planted else 'PASS'} sandbox: the instructor's tree is untouched", flush=True)
PY
else
	echo "PASS sandbox probe skipped: not root (the grader says NONE isolation then)"
fi
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
names = ["abspath", "crash", "empty", "forge", "hang", "nocompile", "skeleton", "snoop", "solution",
         "summary.csv"]
text = open(log).read()


def report(ok, what, why=""):
    print(f"{'PASS' if ok else 'FAIL'} {what}" + ("" if ok or not why else f": {why}"), flush=True)


report(rc == 0, f"grade finishes the batch of {len(names)} and exits 0 (in {secs}s)", f"exit {rc}")
isolated = "isolation: bubblewrap sandbox" in text
report(isolated or "DEGRADED" in text or "NONE" in text, "grade says how submissions are isolated")

rows = {}
try:
    with open(os.path.join(out, "summary.csv"), newline="") as f:
        assert os.path.isfile(os.path.join(out, "summary.csv"))
        rows = {r["student"]: r for r in csv.DictReader(f)}
    report(sorted(rows) == names, "summary.csv has one row per submission", sorted(rows))
except (OSError, csv.Error, KeyError) as e:
    report(False, "summary.csv parses", repr(e))


def result(name):
    try:
        return json.load(open(os.path.join(out, "students", name, "results.json")))
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
# The explorer names a hang (every thread blocked) and a crash before any
# check waits out a timeout; the other checks, after it, are then skipped.
report("every thread is blocked" in figures("hang") or "timeout after" in figures("hang"),
       "a hanging submission is reported as blocked or stopped at its timeouts",
       figures("hang")[:200])
report(re.search(r"crashed: (SIG)?SEGV", figures("crash")) is not None,
       "a crashing submission is reported as SIGSEGV", figures("crash")[:200])
def refused(name, *words):
    r = json.dumps(result(name) or {})
    missing = [w for w in words if w not in r]
    report(total(name)[0] == 0 and "fails the integrity check" in rows.get(name, {}).get("notes", "")
           and not missing, f"{name}: refused by the integrity check, naming {', '.join(words)}",
           f"{total(name)}, missing {missing}")


refused("snoop", "references socket", "references connect")
refused("forge", "__tsan_default_options", "atexit", "_exit", "constructor", "VALGRIND_",
        "init_array", "SYS_futex", "references fork", "references malloc")
ab = json.dumps(result("abspath") or {})
report(total("abspath")[0] == 0 and "No such file" in ab,
       "an #include of the reference by its absolute path finds nothing (the compile's sandbox)",
       ab[:300])
# Alive, not a zombie on its way to being reaped; a killed process may take
# a moment to go on a busy machine.
import time
for _ in range(20):
    ps = subprocess.run(["ps", "-eo", "uid=,stat=,args="], stdout=subprocess.PIPE,
                        text=True).stdout.splitlines()
    left = [l.strip() for l in ps
            if 61000 <= int(l.split()[0]) < 61100 and not l.split()[1].startswith("Z")]
    if not left:
        break
    time.sleep(0.5)
report(not left, "no process of any submission outlives the grading", "; ".join(left)[:200])
report(total("summary.csv") == total("skeleton"),
       "a submission named summary.csv.tgz is graded as the skeleton it is",
       f"{total('summary.csv')}")
report(total("summary.csv") == total("skeleton") and
       "more than 2000 directories" in (result("summary.csv") or {}).get("output", ""),
       "a tarball of 100,000 directories is cut at 2000 and graded",
       (result("summary.csv") or {}).get("output", "")[:200])
report(not os.path.exists(os.path.join(out, ".work", "summary.csv")),
       "nothing of a submission is left on disk after its grading")
# Whatever a check printed, junit.xml parses: the writer, fed control
# characters and XML's own delimiters.
import importlib.machinery, importlib.util, tempfile
sys.dont_write_bytecode = True  # no __pycache__ beside harness/grade
loader = importlib.machinery.SourceFileLoader("grade", os.path.join(top, "harness", "grade"))
spec = importlib.util.spec_from_loader("grade", loader)
grade = importlib.util.module_from_spec(spec)
loader.exec_module(grade)
nasty = "\x00\x07\x1b[2J]]><![CDATA[&</testcase>\ud800\x85\x9f"
sub = {"name": "x", "seconds": 1.0, "notes": set(), "status": "graded", "labs": {"02-mutex": {
    "state": "checked", "message": "", "checks": [{"id": "u", "kind": "unit", "title": nasty,
    "points": 1, "score": 0, "verdict": "fail", "figure": nasty, "evidence": [nasty] * 3,
    "seed": 1, "timed_out": False, "seconds": 1.0, "hint": nasty}]}}}
with tempfile.TemporaryDirectory() as d:
    try:
        grade.write_junit(sub, os.path.join(d, "j.xml"))
        ET.parse(os.path.join(d, "j.xml"))
        ok = True
    except Exception as e:  # noqa: the test reports any failure
        ok = repr(e)
report(ok is True, "junit.xml stays well-formed whatever a check prints", str(ok))
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

sn = result("snoop") or {}
report("graded with the official ones" in sn.get("output", ""),
       "a submission's own include/ cannot shadow the harness's headers", sn.get("output", "")[:200])

# Every output parses, and agrees with the summary.
for name in names:
    d = os.path.join(out, "students", name)
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
