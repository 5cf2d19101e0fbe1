#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/selftest/suites/explore.sh - the explorer's power, measured
# (make test).
#
# 1. The catch table: every mutant of labs 02 to 04 whose bug is an
#    interleaving, and every mutant that names an explore check, must be
#    caught by an explore check alone (only the explore variant is built
#    for each mutant tree), and the failing schedule must replay to the
#    same timeline. The other mutants are listed with why the explorer is
#    not their judge (a memory order, a single-threaded logic bug, a
#    process or performance bug).
# 2. The thread-product race is found in at most 3 schedules, in 100 of
#    100 invocations of explore-race's command (minimisation on); the wall
#    time of each invocation is printed (median, worst, how many within
#    1 s, the load average), not judged: a busy machine is not a failure.
# Prints "PASS what" / "FAIL what: why".
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
work=build/selftest/explore
mkdir -p "$work"

# lab mutant check-that-must-catch-it, or "-" and why the explorer is not
# the judge. Mutants whose Caught-by names an explore check need no row.
table='
02-mutex always_wake - a performance bug: every release makes a futex call (futex-count)
02-mutex deadline_no_carry - an API bug: a deadline futex(2) refuses with EINVAL; the explorer does not judge time (unit)
02-mutex exec_leaks_lock - an API bug: the lock leaks only when fn fails (unit)
02-mutex load_store_acquire explore-mutex
02-mutex post_lock_not_taken - a detector annotation: no effect on any schedule (unit-tsan)
02-mutex private_futex - between processes: the explorer runs threads of one process (fork)
02-mutex relaxed_acquire - a memory order: the explorer runs sequentially consistent interleavings (tsan-order)
02-mutex relaxed_release - a memory order (tsan-order)
02-mutex release_never_wakes explore-mutex
02-mutex release_unchecked explore-mutex
02-mutex timed_never_gives_up - an API bug: a deadline that is never honoured (unit)
02-mutex waiter_not_announced explore-mutex
03-ring-buffer chapter_read_slice - single-threaded logic: wrong bytes from a non-zero tail (unit)
03-ring-buffer index_no_wrap - single-threaded logic (unit, asan)
03-ring-buffer mpmc_relaxed - a memory order (tsan-order-mpmc)
03-ring-buffer shared_write_no_lock explore-shared-stream
03-ring-buffer spsc_full_off_by_one - single-threaded logic: one element too many (unit)
03-ring-buffer spsc_relaxed - a memory order (tsan-order-spsc)
03-ring-buffer try_write_all_unlocked_check explore-shared-pct
03-ring-buffer write_overwrites_unread - single-threaded logic (unit, asan)
04-actors drop_inflight - given server code: requests of a process that left (e2e-kill)
04-actors frame_per_read - single-threaded logic: framing (unit, actor-wire)
04-actors free_without_grace_period - a use after free: RCU grace periods are liburcu internals the explorer does not see (tsan-router)
04-actors no_frame_cap - single-threaded logic: framing (unit, actor-wire)
04-actors relaxed_turn_flag - a memory order (tsan-unit, tsan-actors)
04-actors reply_to_wrong_request - given server code: single-threaded logic (e2e-chapter)
'

# The run line of check $2 in lab $1's checks file.
check_cmd() {
	awk -v id="[$2]" '$0 == id { in_block = 1; next }
		/^\[/ { in_block = 0 }
		in_block && $1 == "run" { sub(/^run[ \t]*=[ \t]*/, ""); print; exit }' \
		"harness/checks/$1.checks"
}

# The explore check named in a patch's Caught-by line, if any.
caught_by_explore() {
	sed -n 's/^# Caught-by: //p' "$1" | tr ' ' '\n' | grep -m1 '^explore-'
}

# Build the explore variant of a mutant tree. The harness's objects do
# not depend on the tree (the public headers are the same bytes), so
# they are copied from the reference build; so are the lab's objects,
# with the tree's times kept, when the patch changes no header: make
# then compiles only the files the patch touched.
build_mutant() {
	local lab=$1 name=$2 tree=$work/trees/$1/$2
	local tag=selftest-explore-$1-$2 ref=build/explore/selftest-explore-ref
	local patch=$top/harness/mutants/$lab/$name.patch
	rm -rf "$tree" "build/explore/$tag"
	mkdir -p "$tree" "build/explore/$tag"
	cp -a solutions/. "$tree/"
	patch -s -p1 -d "$tree" -i "$patch" || return 1
	cp -a "$ref/hobj" "$ref/.flags" "build/explore/$tag/" 2>/dev/null
	if ! grep -q '^+++ .*\.h\b' "$patch"; then
		cp -a "$ref/obj" "build/explore/$tag/" 2>/dev/null
		find "build/explore/$tag/obj" -name '*.d' -delete
	fi
	make -s -j2 -f harness/mk/build.mk VARIANT=explore SRCDIR="$tree" \
		TAG="$tag" LABS="$lab" >"$work/build-$lab-$name.log" 2>&1
}

# -- 1. the catch table -------------------------------------------------------
start=$SECONDS
if ! make -s -j2 -f harness/mk/build.mk VARIANT=explore SRCDIR=solutions \
	TAG=selftest-explore-ref LABS="02-mutex 03-ring-buffer 01-thread-pool 04-actors" \
	>"$work/build-ref.log" 2>&1; then
	echo "FAIL the explore variant of the solutions builds: see $work/build-ref.log"
	exit 0
fi
rows=$work/table.txt
: >"$rows"
for patch in harness/mutants/0[1234]-*/*.patch; do
	lab=$(basename "$(dirname "$patch")")
	name=$(basename "$patch" .patch)
	check=$(caught_by_explore "$patch")
	if [ -z "$check" ]; then
		row=$(printf '%s\n' "$table" | awk -v l="$lab" -v n="$name" '$1 == l && $2 == n')
		check=$(echo "$row" | awk '{ print $3 }')
	fi
	if [ "$check" = "-" ]; then
		why=$(echo "$row" | cut -d' ' -f4-)
		printf '%-15s %-30s %-20s %9s  %s\n' "$lab" "$name" "-" "-" "not judged: $why" >>"$rows"
		continue
	fi
	if [ -z "$check" ]; then
		# Labs 02 to 04 must classify every mutant; lab 01 may skip.
		case $lab in 02-* | 03-* | 04-*)
			echo "FAIL mutant $lab/$name is classified: add it to the table in $0" ;;
		esac
		continue
	fi
	tag=selftest-explore-$lab-$name
	if ! build_mutant "$lab" "$name"; then
		echo "FAIL mutant $lab/$name builds in the explore variant: see $work/build-$lab-$name.log"
		continue
	fi
	cmd=$(check_cmd "$lab" "$check")
	cmd=${cmd//\$EXPLORE/$top/build/explore/$tag/bin}
	out=$work/$lab-$name.out
	# shellcheck disable=SC2086
	timeout 300 $cmd >"$out" 2>&1
	rc=$?
	sched=$(sed -n 's/^EXPLORE-SCHED //p' "$out")
	n=$(sed -n 's/^EXPLORE .*schedules=\([0-9]*\).*/\1/p' "$out")
	caught=no
	if [ $rc = 1 ] && [ -n "$sched" ]; then
		# Replayed, the schedule must print the same timeline.
		# shellcheck disable=SC2086
		SCHED=$sched timeout 60 $cmd >"$out.replay" 2>&1
		if diff <(grep '^| ' "$out") <(grep '^| ' "$out.replay") >/dev/null; then
			caught=yes
		else
			caught="no (the replay differs)"
		fi
	fi
	printf '%-15s %-30s %-20s %9s  %s\n' "$lab" "$name" "$check" "${n:--}" "$caught" >>"$rows"
	why=$(sed -n 's/^EXPLORE-FAIL //p' "$out" | cut -c1-110)
	if [ "$caught" = yes ]; then
		echo "PASS mutant $lab/$name is caught by $check alone, at schedule $n, and replays exactly"
	else
		echo "FAIL mutant $lab/$name is caught by $check alone: exit $rc, $caught; ${why:-no failure found}"
	fi
done
echo "    explorer's catch table ($((SECONDS - start)) s): mutant, explore check, schedules to the failure, caught"
sed 's/^/    | /' "$rows"
judged=$(grep -vc ' not judged: ' "$rows")
caught=$(grep -c ' yes$' "$rows")
echo "    explore: caught $caught/$judged interleaving mutants"

# -- 2. the thread-product race, 100 of 100 -------------------------------------
# explore-race's own command, minimisation and the proving replay included;
# each invocation's wall time from the shell, around the program alone.
race=$(check_cmd 02-mutex explore-race)
race=${race//\$EXPLORE/build/explore/selftest-explore-ref/bin}
LC_ALL=C
start=$SECONDS
ok=0 worst=0
times=$work/race-times.txt
: >"$times"
for i in $(seq 1 100); do
	t0=$EPOCHREALTIME
	# shellcheck disable=SC2086
	line=$($race | tail -1)
	t1=$EPOCHREALTIME
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$times"
	n=$(echo "$line" | sed -n 's/.*verdict=fail .*schedules=\([0-9]*\).*/\1/p')
	if [ -n "$n" ] && [ "$n" -le 3 ]; then
		ok=$((ok + 1))
	fi
	[ -n "$n" ] && [ "$n" -gt "$worst" ] && worst=$n
done
secs=$((SECONDS - start))
load=$(cut -d' ' -f1-3 /proc/loadavg)
wall=$(sort -n "$times" | awk '{ t[NR] = $1; if ($1 <= 1) fast++ }
	END { printf "median %.2f s, worst %.2f s, %d of %d within 1 s", t[int((NR + 1) / 2)], t[NR], fast, NR }')
if [ $ok = 100 ]; then
	echo "PASS the thread-product race is found in <= 3 schedules in 100 of 100 invocations (at most $worst; $secs s for all)"
else
	echo "FAIL the thread-product race is found in <= 3 schedules in 100 of 100 invocations: $ok of 100"
fi
echo "    explore: the thread-product race, 100 invocations of '$race' (minimisation on): $wall; load average $load"
