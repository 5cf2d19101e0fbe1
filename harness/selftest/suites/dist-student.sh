#!/usr/bin/env bash
# make test suite: the student copy (make dist-student) holds no solution,
# and its `make check-lab 2` works there and fails on the skeleton.
set -uo pipefail
cd "$(dirname "$0")/../../.."

out=$(harness/dist-student 2>&1)
rc=$?
copy=dist/concurrency-labs-student
if [ $rc -eq 0 ] && [ -d "$copy" ]; then
	echo "PASS dist-student writes $copy"
else
	echo "FAIL dist-student writes $copy: exit $rc: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	exit 0
fi
# Its documents name nothing it lacks or refuses (dist-student scans them
# and fails the build otherwise), no marker is left, and the scan has
# teeth: a planted reference of each kind is found.
if grep -q "the copy's [0-9]* documents name nothing it lacks or refuses" <<<"$out"; then
	echo "PASS the student copy's documents name no file, target or function it lacks"
else
	echo "FAIL the student copy's documents name no file, target or function it lacks: $(grep -A3 'reference(s)' <<<"$out" | tr '\n' ' ' | cut -c1-300)"
fi
left=$(grep -rlE '<!-- (/?instructor|student)' "$copy" --include='*.md')
if [ -z "$left" ]; then
	echo "PASS the student copy's documents keep no instructor or student marker"
else
	echo "FAIL the student copy's documents keep no instructor or student marker: $left"
fi
planted=$(mktemp -d)
mkdir -p "$planted/docs/labs"
printf '%s\n' 'See `harness/mutants/02-mutex/always_wake.patch`,' \
	'`build/native/solutions/bin/thread_product`, [the design](../architecture.md),' \
	'`make test`, `make check-lab 2 SRC=solutions` and `copy_elem()`.' \
	>"$planted/docs/labs/02-mutex.md"
res=$(harness/dist-student --scan "$planted" 2>&1)
rc=$?
rm -rf "$planted"
if [ $rc -eq 1 ] && [ "$(grep -c '^  docs/labs/02-mutex.md:' <<<"$res")" -eq 6 ]; then
	echo "PASS the document scan finds a planted path, build path, link, target, SRC and function"
else
	echo "FAIL the document scan finds a planted path, build path, link, target, SRC and function: exit $rc, $(tr '\n' ' ' <<<"$res" | cut -c1-300)"
fi
if [ -e "$copy/solutions" ] || [ -e "$copy/harness/mutants" ]; then
	echo "FAIL the student copy has no solutions/ and no mutants"
else
	echo "PASS the student copy has no solutions/ and no mutants"
fi
# The benchmarks come along, all but the chapter's mutex in C, and build
# against the student's labs by default: on the skeleton they report the
# TODO's -ENOSYS instead of a figure.
if [ -e "$copy/harness/bench/02-mutex/mutex2_always_wake.c" ] ||
	[ ! -e "$copy/harness/bench/02-mutex/mutex_bench.c" ]; then
	echo "FAIL the student copy has the benchmarks but not the always-wake mutex"
else
	echo "PASS the student copy has the benchmarks but not the always-wake mutex"
fi
res=$(cd "$copy" && BENCH_REPS=1 BENCH_MIN_TIME=0.01 BENCH_DOCS=0 \
	timeout 300 harness/bench/run 2 2>&1)
rc=$?
if [ $rc -eq 0 ] && echo "$res" | grep -qF "== bench summary: labs" &&
	echo "$res" | grep -qF "n/a  (mutex_acquire(L) returned -38)"; then
	echo "PASS the student copy's bench-lab 2 builds on labs/ and reports the skeleton's -ENOSYS"
else
	echo "FAIL the student copy's bench-lab 2 builds on labs/ and reports the skeleton's -ENOSYS: exit $rc, $(echo "$res" | tail -n 1)"
fi
# Its own build directory: the copy is a separate project.
# Judged from its results JSON, the runner's one contract with the tools.
res=$(cd "$copy" && timeout 300 harness/check-lab 2 labs 2>&1)
rc=$?
last=$(echo "$res" | tail -n 1)
failed=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["failed"])' \
	"$copy/build/results/lab02-labs.json" 2>/dev/null)
if [ $rc -eq 1 ] && [ "${failed:-0}" -gt 0 ]; then
	echo "PASS the student copy's check-lab 2 runs and fails on the skeleton ($last)"
else
	echo "FAIL the student copy's check-lab 2 runs and fails on the skeleton: exit $rc, $last"
fi
res=$(cd "$copy" && make test 2>&1)
if [ $? -ne 0 ] && echo "$res" | grep -qi "instructor"; then
	echo "PASS the student copy's make test says it needs the instructor's copy"
else
	echo "FAIL the student copy's make test says it needs the instructor's copy: $(echo "$res" | tail -n 1)"
fi
rm -rf "$copy"
