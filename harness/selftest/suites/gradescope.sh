#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/selftest/suites/gradescope.sh - the autograder packaging (make test).
#
# make gradescope GRADESCOPE_LABS=2, then, as Gradescope would: unzip into a
# fake /autograder/source in a temporary directory, put a submission in
# /autograder/submission (a lab 02 that does not compile: a whole run of the
# grader, sandbox and all, in seconds) and run run_autograder against that
# layout (AUTOGRADER_ROOT). Checks that the zip holds nothing a student must
# not read, and that results.json is Gradescope's and says why the score is
# 0. Also the student copy's GitHub Classroom workflow and its points script.
# Prints "PASS what" / "FAIL what: why".
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
work=build/selftest/gradescope
rm -rf "$work"
mkdir -p "$work"
root=$(mktemp -d /tmp/autograder-test.XXXXXX)
trap 'rm -rf "$root"' EXIT

rm -f dist/gradescope-autograder.zip
GRADESCOPE_LABS=2 make -s gradescope >"$work/build.out" 2>&1
if [ $? != 0 ] || [ ! -f dist/gradescope-autograder.zip ]; then
	echo "FAIL make gradescope writes the zip: $(tail -3 "$work/build.out" | tr '\n' ' ')"
	exit 0
fi
echo "PASS make gradescope writes the zip: $(tail -1 "$work/build.out")"

mkdir -p "$root/source" "$root/submission"
unzip -q dist/gradescope-autograder.zip -d "$root/source"
cp -r labs/02-mutex "$root/submission/"
printf '\nint broken(void)\n{\n\treturn\n}\n' >>"$root/submission/02-mutex/src/mutex.c"
# Gradescope runs setup.sh when the image is built; here the packages are
# in place, so only the runner is built.
(cd "$root/source" && make -s build/tools/runner) >"$work/setup.out" 2>&1
AUTOGRADER_ROOT=$root timeout 600 "$root/source/run_autograder" >"$work/run.out" 2>&1

python3 - "$root" dist/gradescope-autograder.zip <<'PY'
import json, sys, zipfile
root, zpath = sys.argv[1:3]


def report(ok, what, why=""):
    print(f"{'PASS' if ok else 'FAIL'} {what}" + ("" if ok or not why else f": {why}"), flush=True)


names = zipfile.ZipFile(zpath).namelist()
secret = [n for n in names if n.startswith(("solutions/", "harness/mutants/", ".git/",
                                            "harness/selftest/", "docs/instructor.md"))
          or "always_wake" in n]
# dist-student's stub that says the self-test needs the instructor's copy
secret = [n for n in secret if n != "harness/selftest/run"]
report(not secret, "the zip holds nothing a student must not read", " ".join(secret[:5]))
report({"setup.sh", "run_autograder", "gradescope-labs", "harness/grade"} <= set(names),
       "the zip has setup.sh, run_autograder, the lab selection and the grader at its top")
try:
    r = json.load(open(f"{root}/results/results.json"))
    ok = (r["score"] == 0 and all({"name", "score", "max_score", "output"} <= set(t)
                                  for t in r["tests"])
          and any("does not compile" in t["output"] for t in r["tests"]))
    report(ok, "run_autograder writes a valid results.json (0 points: does not compile)",
           json.dumps(r)[:300])
except (OSError, ValueError, KeyError) as e:
    report(False, "run_autograder writes results.json", repr(e))
PY

flow=dist/concurrency-labs-student/.github/workflows/classroom.yml
python3 - "$flow" <<'PY'
import re, sys
text = open(sys.argv[1]).read() if __import__("os").path.exists(sys.argv[1]) else ""
ok = "make check-lab ${{ matrix.lab }}" in text and "harness/classroom/points" in text
print(f"{'PASS' if ok else 'FAIL'} the student copy carries the Classroom workflow "
      "(make check-lab N, then points per check)", flush=True)
PY
mkdir -p build/results
cat >"$work/lab99-labs.json" <<'J'
{"checks": [{"id": "a", "verdict": "pass", "points": 2, "figure": "ok"},
            {"id": "b", "verdict": "fail", "points": 3, "figure": "x | y"}]}
J
cp "$work/lab99-labs.json" build/results/lab99-labs.json
out=$(GITHUB_STEP_SUMMARY=$work/summary.md harness/classroom/points 99)
rm -f build/results/lab99-labs.json
if grep -q '2/5' <<<"$out" && grep -q 'b | fail | 0/3' "$work/summary.md"; then
	echo "PASS classroom/points reports points per check from the results JSON"
else
	echo "FAIL classroom/points reports points per check: $out"
fi
