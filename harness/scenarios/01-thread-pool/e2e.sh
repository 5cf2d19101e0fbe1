#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab 01, end to end: start pool_server on a free port of 127.0.0.1, drive
# it with curl as the chapter drives main.js with `autocannon -c 5 -a 20`,
# and check the replies and the "Selected Worker: N" log.
#
#   e2e.sh [--wrap "CMD"] [--control tsan|valgrind|asan] MODE SERVER
#
# MODE: roundrobin, leastbusy, random, affinity (the chapter's three runs and
# the fourth strategy), errors (bad requests, a command's error, clients that
# hang up mid-request, load shedding, a shutdown with a request in flight),
# hangups (100 clients send GET /99999999 and hang up; GET /12 must still
# be answered within 1 s; one client's cap), stop (SIGTERM with requests in
# flight: refused at once, every request answered, exit 0), or load (a
# little of everything, for the detectors; --wrap runs the server under
# valgrind; --control says which detector watches the server, which then
# ends with the harness's control: harness/lib/verdict.sh). The
# server is always stopped, and killed if it will not
# stop; every client call has a time limit. Prints RESULT: and STAT lines.
# Exit status 0 when every expectation held, 1 when one failed, 2 when the
# server would not start (its own message says why).
set -uo pipefail
# The STAT line and the exit statuses: harness/lib/protocol.h's, through its
# shell mirror (check-lab builds it). 2 is PROTO_EXIT_SETUP, not yet read.
# shellcheck source=/dev/null
. "$(dirname "$0")/../../../build/tools/protocol.sh" || exit 2

# The verdict channel (harness/lib/verdict.sh): every program of the
# lab's starts without it (9>&-).
# shellcheck source=../../lib/verdict.sh
. "$(dirname "$0")/../../lib/verdict.sh"

wrap=()
while [ $# -gt 0 ]; do
	case "$1" in
	--wrap) read -ra wrap <<<"$2"; shift 2 ;;
	--control) verdict_watch "$2" || exit "$PROTO_EXIT_SETUP"; shift 2 ;;
	*) break ;;
	esac
done
usage="usage: e2e.sh [--wrap CMD] [--control tsan|valgrind|asan] MODE SERVER"
mode=${1:?$usage}
server=${2:?$usage}
slow=1
[ ${#wrap[@]} -gt 0 ] && slow=20        # valgrind: everything is slower

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab01-e2e.XXXXXX") || exit "$PROTO_EXIT_SETUP"
pid=
killed=
url=
port=
failures=0

stop_server() {
	local i status=0
	killed=
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && ((i++ < 100 * slow)); do
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null
			fail "pool_server did not stop on SIGTERM; killed"
			killed=1
		fi
	fi
	wait "$pid" 2>/dev/null
	status=$?
	pid=
	return $status
}
cleanup() {
	stop_server
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 3' INT TERM HUP

fail() {
	echo "$PROTO_E2E_FAIL$*"
	failures=$((failures + 1))
}

# start_server VAR=value ...: start it, wait for its address (exit 2 if it
# dies or never says where it listens).
start_server() {
	local i
	: >"$tmp/out"
	env "$@" "${wrap[@]}" "$server" --host 127.0.0.1 --port 0 \
		>"$tmp/out" 9>&- &
	pid=$!
	for ((i = 0; i < 600 * slow; i++)); do
		url=$(grep -m1 -o 'http://127\.0\.0\.1:[0-9]*/' "$tmp/out")
		if [ -n "$url" ]; then
			port=${url##*:}
			port=${port%/}
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			echo "(e2e) pool_server exited with status $? before listening"
			pid=
			exit "$PROTO_EXIT_SETUP"
		fi
		sleep 0.05
	done
	echo "(e2e) pool_server did not say where it listens within $((30 * slow)) s"
	exit "$PROTO_EXIT_SETUP"
}

# fire N C [QUERY]: N requests, C at a time; status codes in $tmp/codes,
# bodies in $tmp/body.1 ... $tmp/body.N.
fire() {
	local n=$1 c=$2 q=${3:-} args=() i
	rm -f "$tmp"/body.*
	for ((i = 1; i <= n; i++)); do
		args+=(-o "$tmp/body.$i" "$url$q")
	done
	curl -sS --parallel --parallel-immediate --parallel-max "$c" \
		--max-time $((slow > 1 ? 60 : 10)) -w '%{http_code}\n' "${args[@]}" \
		>"$tmp/codes" 2>"$tmp/curl.err"
}

# expect_ok N: all N replies were 200 with {"sum":...,"value":...}.
expect_ok() {
	local n=$1 ok i
	ok=$(grep -c '^200$' "$tmp/codes")
	[ "$ok" = "$n" ] || fail "$ok of $n requests got 200 OK (codes: $(sort "$tmp/codes" | uniq -c | tr -s ' \n' ' '))"
	for ((i = 1; i <= n; i++)); do
		if ! grep -Eq '^\{"sum":[0-9.e+-]+,"value":[0-9]+\}$' "$tmp/body.$i" 2>/dev/null; then
			fail "reply $i is not {\"sum\": ..., \"value\": ...}: $(head -c 120 "$tmp/body.$i" 2>/dev/null)"
			break
		fi
	done
}

# The workers the server logged, one per line, in order.
selections() {
	grep -o 'Selected Worker: [0-9]*' "$tmp/out" | awk '{print $3}'
}

# get QUERY: one request; prints "CODE BODY".
get() {
	local body code
	code=$(curl -sS --max-time $((10 * slow)) -o "$tmp/one" -w '%{http_code}' "$url$1" 2>/dev/null)
	body=$(head -c 200 "$tmp/one" 2>/dev/null)
	echo "$code $body"
}

# finish_server: stop it; a non-zero exit is a failure (sanitizers and
# valgrind report through it), but for the detector's own status when one
# watches it (verdict.sh).
finish_server() {
	stop_server
	local status=$? watched=''
	verdict_watches ${#wrap[@]} && watched=1
	# a watched server that was killed never ran its control
	[ -n "$killed" ] && [ -n "$watched" ] ||
		verdict_ended "$status" "$watched" || fail "pool_server $ended_why"
	grep -q '^pool_server: stopped' "$tmp/out" ||
		fail "pool_server did not print 'pool_server: stopped'"
}

mode_roundrobin() {
	start_server THREADS=3 STRATEGY=roundrobin DELAY_MS=20 MAX_VALUE=100000 QUIET=0
	fire 20 5
	expect_ok 20
	local got want
	got=$(selections | tr '\n' ' ')
	want=$(for i in $(seq 0 19); do printf '%d ' $((i % 3)); done)
	[ "$got" = "$want" ] || fail "roundrobin chose workers '$got', want '$want'"
	finish_server
	result="20 requests, 5 at a time: workers ${got% }"
}

# Per-worker counts of the log: "7/7/6".
counts() {
	selections | sort -n | uniq -c | awk '{c[$2]=$1} END {printf "%d/%d/%d", c[0], c[1], c[2]}'
}

mode_leastbusy() {
	local got first c
	# The chapter's rule: the first lowest wins, so 0, 1, 2 while all
	# three are busy with the first requests. The wait is the loop's
	# timer, not the worker's, so the tasks are made long enough (20 ms
	# of square roots on an idle core) to keep a worker busy while the
	# next arrive.
	start_server THREADS=3 STRATEGY=leastbusy TIES=first DELAY_MS=100
	fire 20 5 10000000
	expect_ok 20
	got=$(selections | tr '\n' ' ')
	first=$(selections | head -n 3 | tr '\n' ' ')
	[ "$first" = "0 1 2 " ] || fail "leastbusy (ties: first) began '$first', want '0 1 2'"
	finish_server
	c=$(counts)
	# Random ties: the first three still land on three workers, and the
	# twenty spread over all of them.
	start_server THREADS=3 STRATEGY=leastbusy TIES=random DELAY_MS=100
	fire 20 5 10000000
	expect_ok 20
	first=$(selections | head -n 3 | sort | tr '\n' ' ')
	[ "$first" = "0 1 2 " ] || fail "leastbusy (ties: random) put two of its first three requests on one worker: '$(selections | head -n 3 | tr '\n' ' ')'"
	for w in 0 1 2; do
		[ "$(selections | grep -c "^$w\$")" -ge 4 ] || fail "leastbusy (ties: random) gave worker $w fewer than 4 of 20 requests: $(counts)"
	done
	finish_server
	result="ties first: ${got% } ($c); ties random: $(selections | tr '\n' ' ' | sed 's/ $//') ($(counts))"
}

mode_random() {
	start_server THREADS=3 STRATEGY=random DELAY_MS=20 MAX_VALUE=100000
	fire 20 5
	expect_ok 20
	local got distinct
	got=$(selections | tr '\n' ' ')
	[ "$(selections | grep -vc '^[012]$')" = 0 ] || fail "random chose a worker outside 0..2: '$got'"
	[ "$(selections | wc -l)" = 20 ] || fail "logged $(selections | wc -l) selections for 20 requests"
	distinct=$(selections | sort -u | wc -l)
	[ "$distinct" -ge 2 ] || fail "random chose worker $got for all 20 requests"
	finish_server
	result="20 requests: workers ${got% } ($(counts))"
}

mode_affinity() {
	start_server THREADS=3 STRATEGY=affinity DELAY_MS=20 MAX_VALUE=100000
	fire 20 5
	expect_ok 20
	local got
	got=$(selections | sort -u | tr '\n' ' ')
	[ "$(selections | wc -l)" = 20 ] || fail "logged $(selections | wc -l) selections for 20 requests"
	[ "$(selections | sort -u | wc -l)" = 1 ] || fail "one client address went to several workers: $(selections | tr '\n' ' ')"
	finish_server
	result="all 20 requests from 127.0.0.1 went to worker ${got% }"
}

# Clients that hang up: one whose request is running, one that sends half
# a request, one that sends garbage.
hang_ups() {
	curl -sS --max-time 0.05 -o /dev/null "$url?value=7" 2>/dev/null
	curl -sS --max-time 0.05 -o /dev/null "$url?value=8" 2>/dev/null &
	curl -sS --max-time 0.05 -o /dev/null "$url?value=9" 2>/dev/null
	wait $!
	if exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
		printf 'GET /?value=5 HTTP/1.1\r\nHost: x\r\n' >&3
		exec 3>&-
	else
		fail "cannot open a raw connection to $url"
	fi
	if exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
		printf 'BLAH\r\n\r\n' >&3
		timeout $((5 * slow)) head -c 12 <&3 >"$tmp/raw" 2>/dev/null
		exec 3>&-
		grep -q '^HTTP/1\.[01] 400' "$tmp/raw" || fail "a malformed request got '$(head -c 12 "$tmp/raw")', want HTTP 400"
	fi
}

mode_errors() {
	local r
	start_server THREADS=2 STRATEGY=roundrobin DELAY_MS=300 MAX_PENDING=2
	# A strategy that does not exist: the chapter throws "invalid strategy".
	env STRATEGY=fastest timeout $((10 * slow)) "${wrap[@]}" "$server" \
		--port 0 >"$tmp/bad.out" 2>"$tmp/bad.err" 9>&-
	r=$?
	[ "$r" = 2 ] && grep -q 'invalid strategy' "$tmp/bad.err" ||
		fail "STRATEGY=fastest: exit status $r, '$(head -c 100 "$tmp/bad.err")'; want 2 and 'invalid strategy'"
	r=$(get '?value=abc')
	[[ "$r" == 400\ *'"error"'* ]] || fail "?value=abc got '$r', want 400 with an error"
	r=$(get '?value=100000000')
	[[ "$r" == 400\ *'"error"'*'"value":100000000'* ]] || fail "?value=100000000 (the command says -ERANGE) got '$r', want 400 with the error"
	hang_ups
	sleep 0.4
	r=$(get '?value=10')
	[[ "$r" == 200\ '{"sum":'*'"value":10}' ]] || fail "after clients hung up, a request got '$r', want 200"
	# Numbers as the chapter's JavaScript prints them.
	r=$(get 3)
	[ "$r" = '200 {"sum":2.414213562373095,"value":3}' ] ||
		fail "GET /3 got '$r', want {\"sum\":2.414213562373095,\"value\":3} (the shortest text that reads back the same)"
	r=$(get 2)
	[ "$r" = '200 {"sum":1,"value":2}' ] || fail "GET /2 got '$r', want {\"sum\":1,\"value\":2} (1, not 1.0)"
	# Load shedding: MAX_PENDING=2, so of 4 at once some get 503.
	fire 4 4 '?value=3'
	grep -q '^503$' "$tmp/codes" || fail "4 requests at once with MAX_PENDING=2: no 503 ($(tr '\n' ' ' <"$tmp/codes"))"
	grep -q '^200$' "$tmp/codes" || fail "4 requests at once with MAX_PENDING=2: no 200 ($(tr '\n' ' ' <"$tmp/codes"))"
	# A shutdown with a request running: it still gets its answer. Wait
	# until the server has logged its worker, so it is really running.
	local before i
	before=$(selections | wc -l)
	curl -sS --max-time 5 -o "$tmp/last" -w '%{http_code}' "$url?value=4" >"$tmp/lastcode" 2>/dev/null &
	local client=$!
	for ((i = 0; i < 100 && $(selections | wc -l) == before; i++)); do
		sleep 0.05
	done
	sleep 0.05
	finish_server
	wait $client
	[ "$(cat "$tmp/lastcode")" = 200 ] || fail "a request running at SIGTERM got '$(cat "$tmp/lastcode") $(head -c 80 "$tmp/last")', want 200"
	result="400 for a bad value and for the command's -ERANGE, 503 when busy, still serving after hang-ups, answered the request in flight at shutdown"
}

# For the detectors: every path once, with short tasks.
mode_load() {
	local r
	start_server THREADS=3 STRATEGY=leastbusy DELAY_MS=20 MAX_VALUE=10000 QUIET=1
	fire 12 4
	expect_ok 12
	hang_ups
	r=$(get '?value=100000000')
	[[ "$r" == 400\ * ]] || fail "?value=100000000 got '$r', want 400"
	fire 6 3
	expect_ok 6
	# stop with requests queued: they are cancelled and answered 503
	fire 8 8 '?value=2' &
	local client=$!
	if [ "$slow" -gt 1 ]; then sleep 2; else sleep 0.1; fi
	finish_server
	wait $client
	result="18 requests, 5 hang-ups and a shutdown with requests in flight"
}

# hang_up_many N PORT PATH: N connections, one after the other, each sends
# GET PATH and closes at once.
hang_up_many() {
	local i
	for ((i = 0; i < $1; i++)); do
		exec 3<>"/dev/tcp/127.0.0.1/$2" || return 1
		printf 'GET %s HTTP/1.1\r\nHost: x\r\n\r\n' "$3" >&3
		exec 3>&-
	done
}

# get_within LIMIT PATH: GET PATH must be answered 200 within LIMIT s;
# sets took to the seconds it took.
get_within() {
	local code
	code=$(curl -sS --max-time 20 -o "$tmp/one" -w '%{http_code} %{time_total}' "$url${2#/}" 2>/dev/null)
	took=${code#* }
	[ "${code%% *}" = 200 ] || { fail "GET $2 got '$code $(head -c 100 "$tmp/one")', want 200"; return; }
	awk -v t="$took" -v l="$1" 'BEGIN { exit !(t < l) }' ||
		fail "GET $2 took $took s after the hang-ups, want under $1 s: abandoned work was not cancelled?"
}

# The hang-up scenario: 100 clients each send GET /99999999 (about 0.2 s
# of square roots on an idle core, 1.5 s on a busy one) and hang up. Their
# work must be cancelled, so GET /12 is answered at once; it is given 1 s,
# ten times what it takes on a busy 2-core machine. First with the
# chapter's 100 ms wait (the clients leave during the wait), then with none
# and GET /10000000 (their tasks are queued and must be skipped; one per
# worker may be running already, and is let finish).
mode_hangups() {
	local d path t=() r
	for d in 100 0; do
		path=/99999999
		[ "$d" = 0 ] && path=/10000000
		start_server THREADS=2 STRATEGY=roundrobin DELAY_MS=$d QUIET=1
		hang_up_many 100 "$port" "$path" || fail "cannot open a raw connection to $url"
		get_within 1 /12
		t+=("$took")
		finish_server
		grep -q 'stopped (101 requests, 100 clients left before their answer)' "$tmp/out" ||
			fail "DELAY_MS=$d: the server did not count 100 clients that left: $(tail -n 1 "$tmp/out")"
	done
	start_server THREADS=2 DELAY_MS=300 MAX_PER_CLIENT=3 QUIET=1
	fire 6 6 '?value=3'
	[ "$(grep -c '^503$' "$tmp/codes")" = 3 ] && [ "$(grep -c '^200$' "$tmp/codes")" = 3 ] ||
		fail "6 requests at once with MAX_PER_CLIENT=3: want 3 x 200 and 3 x 503, got $(sort "$tmp/codes" | uniq -c | tr -s ' \n' ' ')"
	grep -lq 'from this client' "$tmp"/body.* || fail "the 503 beyond MAX_PER_CLIENT does not say why"
	r=$(get '?value=4')
	[[ "$r" == 200\ * ]] || fail "after the capped burst, a request got '$r', want 200"
	finish_server
	result="after 100 hang-ups GET /12 took ${t[0]} s (100 ms wait), ${t[1]} s (no wait); all 100 abandoned; 3 of 6 over the per-client cap of 3 got 503"
}

# wait_selections N: until the server has logged N selections (its tasks
# are in the pool), up to 20 s.
wait_selections() {
	local i
	for ((i = 0; i < 400 && $(selections | wc -l) < $1; i++)); do
		sleep 0.05
	done
}

# Graceful stop. SIGTERM with 6 tasks of about 60 ms (on an idle core) in
# the pool of one worker: a new client is refused at once, all 6 get their
# 200, and the server exits 0. Then 4 tasks of 0.2 s and STOP_MS=100: what
# is not done by then gets a 503, and the server still exits 0.
mode_stop() {
	local client n
	start_server THREADS=1 DELAY_MS=0 STOP_MS=60000
	fire 6 6 '?value=30000000' &
	client=$!
	wait_selections 6
	kill -TERM "$pid"
	sleep 0.1
	r=$(curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)
	[ "$r" = 000 ] || fail "a client that came after SIGTERM got '$r', want its connection refused"
	wait $client
	n=$(grep -c '^200$' "$tmp/codes")
	[ "$n" = 6 ] || fail "of 6 requests in flight at SIGTERM $n got 200 (codes: $(sort "$tmp/codes" | uniq -c | tr -s ' \n' ' '))"
	finish_server
	n=$(sed -n 's/.*stopping (\([0-9]*\) requests in flight).*/\1/p' "$tmp/out")
	[ "${n:-0}" -ge 4 ] || fail "the server had ${n:-no} requests in flight at SIGTERM, want at least 4 of 6 (each takes 60 ms or more)"
	start_server THREADS=1 DELAY_MS=0 STOP_MS=100
	fire 4 4 '?value=99999999' &
	client=$!
	wait_selections 4
	finish_server
	wait $client
	[ "$(grep -cE '^(200|503)$' "$tmp/codes")" = 4 ] && grep -q '^503$' "$tmp/codes" ||
		fail "STOP_MS=100 with 4 tasks of 0.2 s on one worker: want each answered 200 or 503, some 503; got $(sort "$tmp/codes" | uniq -c | tr -s ' \n' ' ')"
	grep -lq 'shutting down' "$tmp"/body.* || fail "the 503 at the end of STOP_MS does not say the server is shutting down"
	result="SIGTERM with $n requests in flight: a new client refused, all 6 answered 200, exit 0; with STOP_MS=100: $(sort "$tmp/codes" | uniq -c | awk '{printf "%s%d x %s", (NR > 1 ? ", " : ""), $1, $2}'), exit 0"
}

case "$mode" in
roundrobin | leastbusy | random | affinity | errors | hangups | stop | load) "mode_$mode" ;;
*)
	echo "e2e: unknown mode '$mode'" >&2
	exit "$PROTO_EXIT_SETUP"
	;;
esac
echo "RESULT: ${result:-?}"
# shellcheck disable=SC2059 # the format is protocol.h's
verdict_say "$(printf "$PROTO_STAT_FMT" 1 $((failures > 0)) $((failures > 0)) "${SEED:-0}")"
verdict_done
verdict_exit "$failures"
