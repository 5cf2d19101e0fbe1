#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/selftest/suites/grade.sh - the batch grader's own tests (make test).
#
# Builds a fake class in build/selftest/grade/subs from lab 02. Controls,
# each held to what its code earns:
#   skeleton        the untouched skeleton: its honest score (5/22 today)
#                   is what every hostile submission below must get
#   solution.tar.gz the reference solution, as a tarball with labs/ inside
#   relaxed         the reference with relaxed memory orders: graded as
#                   `make check-lab 2` checks the same tree, check by check
#   hang            mutex_acquire() waits for ever once the lock is contended
#   crash           mutex_acquire() writes through NULL
#   nocompile       a syntax error
#   empty           no lab at all
# and a hostile class, the skeleton each time, trying to score more than
# it earns, to read what is hidden or to harm the grading. What the
# integrity check refuses and can undo is made inert before linking, so
# each gets exactly the skeleton's score and a 0-point integrity line:
#   forge           a constructor and an atexit hook printing Check's and
#                   the STAT success lines, then _exit(0); the same through
#                   syscall(SYS_write) and SYS_exit_group;
#                   __tsan_default_options; fork() and malloc() without
#                   end; a socket to the network; an include/ of its own
#   tables          constructor, destructor and preinit tables written by
#                   hand (no constructor attribute): the success lines on
#                   fd 1 through dprintf/fputs, then _Exit and quick_exit;
#                   and on_exit, at_quick_exit, __cxa_atexit and a SIGABRT
#                   handler: the log truncated, the success lines written
#   hooks           every sanitizer's option and report hooks: reports
#                   off, suppressions of everything, exit code 0
#   summary.csv.tgz named like the grader's summary, with 100,000 empty
#                   directories; its mutex.c #includes the reference by
#                   its absolute path when __has_include finds it, else
#                   it is the skeleton
# and what cannot be made inert:
#   clientreq       Valgrind's client request and asm: refused, 0 points.
# grades them with harness/grade (lab 02 only, three at a time, 2 GiB
# each, timeouts capped at 20 s: what the reference's mutex_stress needs
# under load), then checks that each is graded, contained and reported as
# it should be, that the batch completes and every output parses; and that
# `make check-lab 2` on the hooks tree fails with the integrity message.
# First, as root, a program run through harness/sandbox tries what the
# integrity check would not let a lab try (read the reference directly and
# through /proc/1/root, unmount, write the instructor's tree, join the
# host's network namespace, reach the network, signal the grader, fill the
# disk, escape the cgroups, leave a daemon behind).
# Prints "PASS what" / "FAIL what: why". --class-only builds the class and
# stops (docs/instructor.md grades it with make grade).
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
work=build/selftest/grade
subs=$work/subs
out=$work/out

# plant NAME TREE FUNCTION CODE [INCLUDES]: a copy of TREE/02-mutex (or
# the submission NAME planted already) whose FUNCTION starts with CODE.
plant() {
	local name=$1 tree=$2 fn=$3 code=$4 includes=${5:-}
	mkdir -p "$subs/$name"
	[ -d "$subs/$name/02-mutex" ] || cp -r "$tree/02-mutex" "$subs/$name/"
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
	# The reference with relaxed orders on both sides of the lock: what
	# tsan-order is there to catch, and nothing else.
	mkdir -p "$subs/relaxed"
	cp -r solutions/02-mutex "$subs/relaxed/"
	for p in harness/mutants/02-mutex/relaxed_*.patch; do
		patch -s -p1 -d "$subs/relaxed" -i "$top/$p" || return 1
	done
	plant hang solutions "$acquire" '	static uint32_t never;

	if (atomic_load_explicit(&m->state, memory_order_relaxed) != MUTEX_UNLOCKED)
		for (;;) /* waits for ever once the lock is contended */
			syscall(SYS_futex, &never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);' '#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
'
	plant crash solutions "$acquire" '	*(volatile int *)0 = 1;'
	mkdir -p "$subs/nocompile"
	cp -r solutions/02-mutex "$subs/nocompile/"
	printf '\nint broken(void)\n{\n\treturn\n}\n' >>"$subs/nocompile/02-mutex/src/mutex.c"
	mkdir -p "$subs/empty"
	echo "I forgot to add my files" >"$subs/empty/README.txt"
	make_hostile
}

# The hostile class: what a student could try from mutex.c to score more
# than the code earns (the skeleton earns 5/22), to read what is hidden or
# to harm the grading. Each is made inert before it runs, or refused.
make_hostile() {
	# Forged output and silenced detectors: a constructor and an atexit
	# hook that print Check's success line and leave, the TSan option
	# hook; the network (192.0.2.1 is TEST-NET-1) and the reference.
	plant forge labs "void mutex_init(struct mutex *m)" "	static const char ok[] = \"100%: Checks: 15, Failures: 0, Errors: 0\\n\";
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80)};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	inet_pton(AF_INET, \"192.0.2.1\", &to.sin_addr);
	connect(s, (struct sockaddr *)&to, sizeof(to));
	fprintf(stderr, \"snoop: solutions=%s\\n\",
		access(\"$top/solutions/02-mutex/src/mutex.c\", R_OK) ? \"hidden\" : \"VISIBLE\");
	atexit(leave);
	/* the same through syscall(), which the lab may call for futex */
	syscall(SYS_write, 1, ok, sizeof(ok) - 1);
	syscall(SYS_exit_group, 0);
	/* a fork bomb, memory without end */
	while (fork() >= 0)
		memset(malloc(1 << 26), 1, 1 << 26);" '#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <unistd.h>
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
	# A header of its own that would shadow <check.h> in the tests.
	echo '/* not the real check.h */' >"$subs/forge/02-mutex/include/check.h"
	# Tables of functions the loader runs, filled by hand: no attribute
	# the source check knows by name.
	plant tables labs "void mutex_destroy(struct mutex *m)" '' '#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static void pass_all(void)
{
	fputs("100%: Checks: 18, Failures: 0, Errors: 0\n", stdout);
	fflush(stdout);
	dprintf(1, "STAT runs=5000 failures=0 first=0 seed=1\n");
	_Exit(0);
}
static void leave_late(void)
{
	quick_exit(0);
}
static void (*const run_first[])(void) __attribute__((section(".preinit_array"), used)) = {pass_all};
static void (*const run_early[])(void) __attribute__((section(".init_array"), used)) = {pass_all};
static void (*const run_late[])(void) __attribute__((section(".fini_array"), used)) = {leave_late};
'
	# Every runtime's hooks: options, suppressions, the report callbacks.
	plant hooks labs "void mutex_destroy(struct mutex *m)" '' '#include <unistd.h>
const char *__tsan_default_options(void)
{
	return "report_bugs=0:exitcode=0:report_thread_leaks=0";
}
const char *__tsan_default_suppressions(void)
{
	return "race:*\nmutex:*\nthread:*\n";
}
const char *__asan_default_options(void)
{
	return "halt_on_error=0:detect_leaks=0:exitcode=0";
}
const char *__ubsan_default_options(void)
{
	return "halt_on_error=0:print_summary=0";
}
const char *__lsan_default_options(void)
{
	return "detect_leaks=0";
}
int __tsan_on_report(void *report)
{
	(void)report;
	return 1; /* 1: suppress it */
}
void __sanitizer_report_error_summary(const char *summary)
{
	(void)summary;
	_exit(0);
}
'
	# And hooks at the end of the process, registered by the code the
	# checks call: the log (stdout) truncated, then the success lines.
	plant tables labs "$acquire" '	static int once;

	if (!once++) {
		on_exit(on_end, NULL);
		at_quick_exit(truncate_and_pass);
		__cxa_atexit((void (*)(void *))truncate_and_pass, NULL, NULL);
		signal(SIGABRT, (void (*)(int))truncate_and_pass);
	}' '#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);
static void truncate_and_pass(void)
{
	ftruncate(1, 0);
	lseek(1, 0, SEEK_SET);
	printf("100%%: Checks: 18, Failures: 0, Errors: 0\n");
	printf("STAT runs=5000 failures=0 first=0 seed=1\n");
	fflush(stdout);
	_exit(0);
}
static void on_end(int status, void *arg)
{
	(void)status;
	(void)arg;
	truncate_and_pass();
}
'
	# What cannot be made inert: Valgrind's switch for its reports (a
	# client request: inline asm) and asm of its own.
	plant clientreq labs "void mutex_init(struct mutex *m)" '	VALGRIND_DISABLE_ERROR_REPORTING;
	__asm__ __volatile__("nop; nop" ::: "memory");' '#include <valgrind/valgrind.h>
'
	# A name that was the grader's own summary file, holding a directory
	# bomb and a mutex.c that snoops at build time: the reference by its
	# absolute path, where the compile can find it; the skeleton where it
	# cannot.
	mkdir -p "$work/tmp/bomb/labs"
	cp -r labs/02-mutex "$work/tmp/bomb/labs/"
	{
		echo "#if __has_include(\"$top/solutions/02-mutex/src/mutex.c\")"
		echo "#include \"$top/solutions/02-mutex/src/mutex.c\""
		echo "#else"
		cat labs/02-mutex/src/mutex.c
		echo "#endif"
	} >"$work/tmp/bomb/labs/02-mutex/src/mutex.c"
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
# What `make check-lab 2` says of the relaxed control and of a mutex.c
# that defines __tsan_default_options (its unit check alone: the integrity
# check runs on whatever is built), beside the grading, one check at a time.
relaxed_json=$(TAG=selftest-grade-relaxed harness/tree "$subs/relaxed" 2 | sed -n 's/^results=//p')
hooks_json=$(TAG=selftest-grade-hooks harness/tree "$subs/hooks" 2 | sed -n 's/^results=//p')
rm -f "$relaxed_json" "$hooks_json"
(
	TAG=selftest-grade-relaxed SEED=42 MAX_TIMEOUT=20 JOBS=1 harness/check-lab 2 "$subs/relaxed"
	echo "exit $?"
	TAG=selftest-grade-hooks ONLY=unit JOBS=1 harness/check-lab 2 "$subs/hooks"
	echo "exit $?"
) >"$work/check-lab.out" 2>&1 &
checking=$!
start=$SECONDS
GRADE_LABS=2 GRADE_JOBS=3 MAX_TIMEOUT=20 GRADE_MEMORY=2048 SEED=42 GRADE_OUT=$out \
	GRADE_TIMEOUT=600 timeout 900 harness/grade "$subs" >"$work/grade.out" 2>&1
rc=$?
secs=$((SECONDS - start))
wait "$checking"
sed 's/^/    | /' "$work/grade.out"

python3 - "$rc" "$secs" "$top" "$out" "$work/grade.out" "$relaxed_json" "$hooks_json" \
	"$work/check-lab.out" <<'PY'
import csv, glob, json, os, re, subprocess, sys
import xml.etree.ElementTree as ET

rc, secs, top, out, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
relaxed_json, hooks_json, check_lab_out = sys.argv[6:9]
names = ["clientreq", "crash", "empty", "forge", "hang", "hooks", "nocompile", "relaxed",
         "skeleton", "solution", "summary.csv", "tables"]
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
def verdicts(name):
    """{check: passed} of a graded submission, the integrity line aside."""
    r = result(name) or {"tests": []}
    return {t["name"]: t.get("status") == "passed" for t in r["tests"]
            if t["max_score"] > 0}


def integrity_line(name):
    r = result(name) or {"tests": []}
    return " ".join(t["output"] for t in r["tests"] if t["name"].endswith(" integrity: "
                                                                         "the lab's code stays within its allow-list"))


# Every hostile submission is the skeleton plus an attack: it must get the
# skeleton's score, check by check, and the attack must be named.
honest = verdicts("skeleton")
for name, words in (("forge", ["__tsan_default_options", "atexit", "_exit", "constructor",
                               "init_array", "SYS_futex", "references fork",
                               "references malloc", "references socket", "references connect"]),
                    ("tables", ["preinit_array", ".init_array entry", ".fini_array entry",
                                "references _Exit", "references quick_exit",
                                "references dprintf", "references on_exit",
                                "references at_quick_exit", "references __cxa_atexit",
                                "references signal", "references ftruncate"]),
                    ("hooks", ["__tsan_default_options", "__tsan_default_suppressions",
                               "__asan_default_options", "__ubsan_default_options",
                               "__lsan_default_options", "__tsan_on_report",
                               "__sanitizer_report_error_summary"]),
                    ("summary.csv", ["#include"])):
    line = integrity_line(name)
    missing = [w for w in words if w not in line]
    report(bool(honest) and total(name) == total("skeleton") and verdicts(name) == honest,
           f"{name}: graded as the skeleton it is, check by check ({total('skeleton')[0]} "
           "points)", f"{total(name)}, checks that differ: "
           f"{sorted(k for k in honest if verdicts(name).get(k) != honest[k])}")
    if words:
        report(not missing and "made inert" in rows.get(name, {}).get("notes", "")
               and "[made inert for grading]" in line,
               f"{name}: its refused constructs are named, made inert, on a 0-point line",
               f"missing {missing}; notes {rows.get(name, {}).get('notes')}")
cr = json.dumps(result("clientreq") or {})
report(total("clientreq")[0] == 0 and "fails the integrity check" in
       rows.get("clientreq", {}).get("notes", "") and "VALGRIND_" in cr and ": asm:" in cr,
       "clientreq: what cannot be made inert (a client request, asm) fails the lab, named",
       f"{total('clientreq')}, {cr[:300]}")
# The relaxed control: the grade is what check-lab says of the same tree,
# check by check. A check that waited out its (capped) timeout in either
# run says how busy the machine was, not what the code does: it is left
# out, and named; the check that tells a relaxed order (tsan-order) never.
try:
    doc = json.load(open(os.path.join(top, relaxed_json)))
    name = lambda c: f"lab02 {c.get('kind', 'run')}: {c.get('title', c['id'])}"
    lab = {name(c): c["verdict"] == "pass" for c in doc["checks"] if int(c.get("points", 1)) > 0}
    slow = {name(c) for c in doc["checks"] if c.get("timed_out")}
    order = {name(c) for c in doc["checks"] if c["id"] == "tsan-order"}
except (OSError, ValueError, KeyError) as e:
    lab, slow, order = {}, set(), set()
    report(False, "check-lab's results of the relaxed control", repr(e))
slow |= {t["name"] for t in (result("relaxed") or {"tests": []})["tests"]
         if t["output"].startswith("FAIL: timeout after")}
graded = verdicts("relaxed")
differ = sorted(k for k in lab if k not in slow and graded.get(k) != lab[k])
report(bool(lab) and order and not order & slow and not differ and set(graded) == set(lab)
       and any(not v for v in lab.values()) and any(lab.values()),
       f"relaxed: graded as `make check-lab 2` checks it, check by check "
       f"({sum(lab.values())} of {len(lab)} pass)"
       + (f"; timed out under load, left out: {sorted(slow)}" if slow else ""),
       f"{total('relaxed')}; differ: {differ}; timed out: {sorted(slow)}")
# make check-lab refuses, with the integrity message, what grading makes inert.
try:
    doc = json.load(open(os.path.join(top, hooks_json)))
    msgs = json.dumps(doc.get("build") or {})
except (OSError, ValueError) as e:
    doc, msgs = {}, repr(e)
exits = re.findall(r"^exit (\d+)$", open(check_lab_out).read(), re.M)
report(len(exits) == 2 and exits[1] != "0"
       and (doc.get("build") or {}).get("failed_variant") == "integrity"
       and "defines __tsan_default_options: detectors are the harness's" in msgs
       and "made inert" not in msgs,
       "make check-lab 2 on a mutex.c defining __tsan_default_options fails with the "
       "integrity message", f"exits {exits}; {msgs[:300]}")
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

fo = result("forge") or {}
report("graded with the official ones" in fo.get("output", ""),
       "a submission's own include/ cannot shadow the harness's headers", fo.get("output", "")[:200])

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
