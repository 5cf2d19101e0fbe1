#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/selftest/suites/layout.sh - one owner per fact (make test).
#
# 1. The protocol (harness/lib/protocol.h): its shell and Python mirrors
#    are generated from it and say the same, and no tool types one of its
#    facts again (a STAT format, TSan's exit status as a number).
# 2. Every lab has the files docs/architecture.md's "Adding a lab" lists,
#    and every program a checks file's run = line names is built by the
#    lab's mk file (checks read with `runner --list`, programs with make).
# Prints "PASS what" / "FAIL what: why".
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
make -s build/tools/runner build/tools/protocol.sh build/tools/protocol.py \
	build/tools/protocol_mirror >&2 || {
	echo "FAIL layout: the runner and the protocol mirrors build"
	exit 1
}

python3 - <<'PY'
import glob, json, os, re, subprocess, sys

sys.path.insert(0, "build/tools")
import protocol as py  # noqa: E402  (the generated mirror)


def report(ok, what, why=""):
    print(f"{'PASS' if ok else 'FAIL'} {what}" + ("" if ok else f": {why}"), flush=True)


# -- 1. the protocol -----------------------------------------------------------
sh = dict(l.split("=", 1) for l in subprocess.run(
    ["bash", "-c", ". build/tools/protocol.sh && set | grep ^PROTO_"],
    stdout=subprocess.PIPE, text=True).stdout.splitlines())
names = [n for n in dir(py) if n.startswith("PROTO_")]
header = open("harness/lib/protocol.h").read()
missing = [n for n in re.findall(r"\b(PROTO_[A-Z_]+)\b", header) if n not in names]
report(not missing, "every name protocol.h defines is in its shell and Python mirrors",
       ", ".join(sorted(set(missing))))
differ = [n for n in names if str(getattr(py, n)) != sh.get(n, "").strip("'")]
report(names and not differ, "the shell and Python mirrors say the same", ", ".join(differ))
stat = py.PROTO_STAT_FMT % (3, 1, 2, 41)
report(re.fullmatch(r"STAT runs=3 failures=1 first=2 seed=41", stat) is not None,
       "the mirrored STAT format prints the STAT line", stat)

# A fact typed again: where it appears outside protocol.h and what is
# generated from it. NOT_YET: files that other work moves to the mirror,
# each with its reason; remove a line once its file is clean.
TYPED = [
    (r"STAT runs=", "the STAT line's format"),
    (r"exitcode=66", "TSan's exit status as a number"),
    (r"(==|!=|\s=)\s*66\b|\b66\s*\+\s*128", "TSan's exit status (66) as a number"),
]
# (file, text of the line) -> why it may wait; empty when every tool is clean
NOT_YET = {}


def waits(f, line):
    return any(f == nf and text in line for nf, text in NOT_YET)


COMMENT = re.compile(r"^\s*(#|\*|//|/\*)")
files = [f for f in glob.glob("harness/**/*", recursive=True) + glob.glob("sanitizers/*")
         if os.path.isfile(f) and not f.endswith((".patch", ".md", ".png", ".supp"))
         and "/selftest/" not in f and f != "harness/lib/protocol.h"]
found = []
for f in sorted(files):
    try:
        text = open(f, errors="strict").read()
    except (UnicodeDecodeError, OSError):
        continue
    for n, line in enumerate(text.splitlines(), 1):
        if COMMENT.match(line) or waits(f, line):
            continue  # examples in comments are documentation
        for pattern, what in TYPED:
            if re.search(pattern, line):
                found.append(f"{f}:{n}: {what}")
report(not found, "no tool types a protocol fact again (harness/lib/protocol.h owns them)",
       "; ".join(found[:6]))
for (f, _), why in NOT_YET.items():
    print(f"note: {f} may still type protocol facts: {why}")

# -- 2. every lab has its files; every program a check runs is built ------------
def labs():
    return sorted(os.path.basename(f)[:-len(".checks")]
                  for f in glob.glob("harness/checks/[0-9][0-9]-*.checks"))


def lab_files(lab):
    """docs/architecture.md, "Adding a lab": the files a lab has."""
    return [f"labs/{lab}/README.md", f"labs/{lab}/include", f"labs/{lab}/src",
            f"solutions/{lab}/include", f"solutions/{lab}/src",
            f"harness/mk/{lab}.mk", f"harness/checks/{lab}.checks",
            f"harness/tests/{lab}", f"harness/scenarios/{lab}",
            f"harness/mutants/{lab}", f"harness/integrity/{lab}.allow",
            f"docs/labs/{lab}.md"]


def programs(lab):
    """What harness/mk/LAB.mk builds: its scenarios, tests, apps and explore
    programs (the explore variant builds NN-name_EXPLORE)."""
    p = subprocess.run(["make", "-s", "-f", "harness/mk/labs.mk", "--eval",
                        f"progs: ; @echo $({lab}_SCENARIOS) $({lab}_TESTS) $({lab}_APPS) $({lab}_EXPLORE)",
                        "progs"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return set(p.stdout.split())


variants = subprocess.run(["make", "-s", "-f", "harness/mk/labs.mk", "variants"],
                          stdout=subprocess.PIPE, text=True).stdout.split()
dirs = "|".join(v.upper().replace("-", "_") for v in variants)


for lab in labs():
    missing = [f for f in lab_files(lab) if not os.path.exists(f)]
    report(not missing, f"{lab} has every file 'Adding a lab' lists", ", ".join(missing))
    p = subprocess.run(["build/tools/runner", "--list", f"harness/checks/{lab}.checks"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        report(False, f"{lab}: runner --list reads its checks", p.stderr.strip()[:200])
        continue
    built = programs(lab)
    unbuilt = []
    for c in json.loads(p.stdout):
        for prog in re.findall(r"\$\{?(?:" + dirs + r")\}?/([A-Za-z0-9_.-]+)", c["run"]):
            if prog not in built:
                unbuilt.append(f"[{c['id']}] {prog}")
    report(not unbuilt, f"{lab}: every program its checks run is built by harness/mk/{lab}.mk",
           ", ".join(unbuilt))
PY
