#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab 04, end to end: start actor_server on free ports of 127.0.0.1, start
# and kill actor processes, drive the server with curl and wrk as the
# chapter drives server.js, and check every answer.
#
#   e2e.sh [--wrap-server "CMD"] [--wrap-actor "CMD"] [--control KIND] MODE BINDIR
#
# BINDIR holds actor_server and actor (one build variant). MODE:
#   chapter   the chapter's session: EMPTY ACTOR POOL, one actor, two
#             actors (two pids), and 400 for paths that are not numbers
#   bonus     --local 4: the server answers before any actor joins
#   protocol  a fake actor on /dev/tcp sends malformed, unexpected, split,
#             merged and oversized messages; the server must survive
#   kill      actors killed with requests in flight: all re-sent, or 503
#   reload    hot code loading under wrk: a new actor joins, the old one
#             stops, and no request fails
#   load      wrk at 16 connections: many frames per read, every answer 2xx
#   poison    GET /count to actors that die on a method they do not know:
#             exactly one dies, the client gets a 502 that says why, the
#             other actors and the server serve on
#   stop      SIGTERM on an actor with requests in flight (it answers them
#             and leaves), then on the server (refuses new clients,
#             answers every request in flight, exits 0)
#   detect    a little of everything, small, for TSan, ASan and Valgrind
# --wrap-server runs the server under CMD (valgrind); --wrap-actor runs the
# first actor under CMD. --control tsan or asan (a TSan or ASan BINDIR),
# or valgrind (with a --wrap), says which detector watches the server and
# actors, or the wrapped ones: each then ends with the harness's control
# (harness/lib/verdict.sh). Every process started here is stopped, and killed
# if it will not stop; every client call has a time limit. Prints RESULT:
# and STAT lines. Exit 0 when every expectation held, 1 when one failed,
# 2 when a program would not start (its own message says why).
set -uo pipefail
# The STAT line and the exit statuses: harness/lib/protocol.h's, through its
# shell mirror (check-lab builds it). 2 is PROTO_EXIT_SETUP, not yet read.
# shellcheck source=/dev/null
. "$(dirname "$0")/../../../build/tools/protocol.sh" || exit 2

# The verdict channel (harness/lib/verdict.sh): every program of the
# lab's starts without it (9>&-).
# shellcheck source=../../lib/verdict.sh
. "$(dirname "$0")/../../lib/verdict.sh"

wrap_server=()
wrap_actor=()
while [ $# -gt 0 ]; do
	case "$1" in
	--wrap-server) read -ra wrap_server <<<"$2"; shift 2 ;;
	--wrap-actor) read -ra wrap_actor <<<"$2"; shift 2 ;;
	--control) verdict_watch "$2" || exit "$PROTO_EXIT_SETUP"; shift 2 ;;
	*) break ;;
	esac
done
usage="usage: e2e.sh [--wrap-server CMD] [--wrap-actor CMD] [--control tsan|valgrind|asan] MODE BINDIR"
mode=${1:?$usage}
bin=${2:?$usage}
slow=1
[ ${#wrap_server[@]} -gt 0 ] || [ ${#wrap_actor[@]} -gt 0 ] && slow=10

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab04-e2e.XXXXXX") || exit "$PROTO_EXIT_SETUP"
server_pid=
server_tee=
web=
aport=
declare -A actor_pid=()
declare -A actor_watched=()
failures=0
first_failure=
result=

# -- processes ---------------------------------------------------------------

# stop PID: SIGTERM, then SIGKILL after a while; prints nothing.
stop_pid() {
	local pid=$1 i=0
	kill -TERM "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && ((i++ < 100 * slow)); do
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
cleanup() {
	exec 3>&- 2>/dev/null
	for name in "${!actor_pid[@]}"; do
		stop_pid "${actor_pid[$name]}"
		show_err "$name"
	done
	[ -n "$server_pid" ] && stop_pid "$server_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 3' INT TERM HUP

fail() {
	echo "$PROTO_E2E_FAIL$*"
	failures=$((failures + 1))
	[ -n "$first_failure" ] || first_failure=$*
}

# die MESSAGE: a step everything else depends on failed; stop here.
die() {
	fail "$*"
	echo "e2e: the server's last words:"
	tail -n 8 "$tmp/server.out" 2>/dev/null | sed 's/^/  | /'
	finish 1
}

# finish [STATUS]: the closing lines. The runner shows the RESULT line:
# what was shown, or the first failure.
finish() {
	if [ "$failures" -gt 0 ]; then
		result=$first_failure
		[ "$failures" -gt 1 ] && result+=" (and $((failures - 1)) more)"
	fi
	echo "RESULT: ${result:-stopped}"
	# shellcheck disable=SC2059 # the format is protocol.h's
	verdict_say "$(printf "$PROTO_STAT_FMT" 1 $((failures > 0)) $((failures > 0)) "${SEED:-0}")"
	verdict_done
	verdict_exit "$failures" "${1:-}"
}

# start_server ARGS...: start it on two free ports and learn them (exit 2
# if it dies first or never says where it listens).
start_server() {
	local i err
	# tee's pid kept, so that finish_server can wait for the server's
	# last lines to be out before an actor's (show_err)
	exec {err}> >(tee "$tmp/server.err" >&2)
	server_tee=$!
	"${wrap_server[@]}" "$bin/actor_server" 127.0.0.1:0 127.0.0.1:0 "$@" \
		>"$tmp/server.out" 2>&"$err" 9>&- &
	server_pid=$!
	exec {err}>&-
	for ((i = 0; i < 200 * slow; i++)); do
		web=$(grep -m1 -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/server.out")
		aport=$(grep -m1 -o 'tcp://127\.0\.0\.1:[0-9]*' "$tmp/server.out")
		aport=${aport##*:}
		[ -n "$web" ] && [ -n "$aport" ] && return 0
		if ! kill -0 "$server_pid" 2>/dev/null; then
			wait "$server_pid"
			result="actor_server exited with status $? before listening$(last_words server)"
			echo "e2e: $result"
			server_pid=
			finish 2
		fi
		sleep 0.05
	done
	result="actor_server did not say where it listens within $((10 * slow)) s"
	echo "e2e: $result"
	finish 2
}

# last_words NAME: the last line a program wrote on stderr (not
# valgrind's), after ": ", or nothing.
last_words() {
	local w
	sleep 0.1 # tee may still be writing
	w=$(grep -v '^==[0-9]*==' "$tmp/$1.err" 2>/dev/null | tail -n 1)
	[ -n "$w" ] && echo ": $w"
}

# How many actors the server last said it had: "actor pool connected N",
# "actor pool disconnected N", or at the start "actor pool: N in-server
# actors".
pool_size() {
	grep -E '^actor pool( (dis)?connected [0-9]+$|: [0-9]+ in-server)' \
		"$tmp/server.out" | tail -n 1 | grep -oE '[0-9]+' | head -n 1
}

# wait_pool N: wait until the server reports N actors; stop early when it
# says an actor could not join.
wait_pool() {
	local i
	for ((i = 0; i < 200 * slow; i++)); do
		[ "$(pool_size)" = "$1" ] && return 0
		grep -q 'cannot join' "$tmp/server.out" && return 1
		sleep 0.05
	done
	return 1
}

# start_actor NAME ARGS...: start an actor process and wait until the
# server counts one more actor (exit 2 if the actor dies first).
start_actor() {
	local name=$1 want i w=() err
	shift
	want=$(($(pool_size || echo 0) + 1))
	[ ${#actor_pid[@]} = 0 ] && w=("${wrap_actor[@]}")
	if verdict_watches ${#w[@]}; then
		actor_watched[$name]=1
		# Its stderr reaches the log once it has ended (show_err): the
		# server and an actor ending together would interleave their
		# reports line by line, and whose frame is whose would be lost.
		exec {err}>"$tmp/$name.err"
	else
		exec {err}> >(tee "$tmp/$name.err" >&2)
	fi
	"${w[@]}" "$bin/actor" "127.0.0.1:$aport" "$@" >"$tmp/$name.out" \
		2>&"$err" 9>&- &
	actor_pid[$name]=$!
	exec {err}>&-
	for ((i = 0; i < 200 * slow; i++)); do
		[ "$(pool_size)" = "$want" ] && return 0
		if ! kill -0 "${actor_pid[$name]}" 2>/dev/null; then
			wait "${actor_pid[$name]}"
			result="actor $name exited with status $? before joining$(last_words "$name")"
			show_err "$name"
			grep -q 'cannot join' "$tmp/server.out" &&
				result+="; the server says: $(grep -m1 'cannot join' "$tmp/server.out")"
			echo "e2e: $result"
			unset "actor_pid[$name]"
			finish 2
		fi
		sleep 0.05
	done
	die "actor $name did not join within $((10 * slow)) s (the server counts $(pool_size) actors)"
}

# The pid an actor process reports (valgrind runs it in its own process).
pid_of() {
	echo "${actor_pid[$1]}"
}

# show_err NAME: a watched actor's stderr, now that it has ended.
show_err() {
	[ -z "${actor_watched[$1]:-}" ] || cat "$tmp/$1.err" >&2
}

# stop_actor NAME [SIGNAL]: stop it (SIGTERM by default) and wait; returns
# its exit status.
stop_actor() {
	local pid=${actor_pid[$1]} status
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	status=$?
	unset "actor_pid[$1]"
	show_err "$1"
	return $status
}

# finish_server: SIGTERM, and it must stop cleanly (sanitizers and
# valgrind report through its exit status).
finish_server() {
	local i status killed='' watched=''
	kill -TERM "$server_pid" 2>/dev/null
	for ((i = 0; i < 200 * slow; i++)); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$server_pid" 2>/dev/null; then
		fail "actor_server did not stop within $((10 * slow)) s of SIGTERM; killed"
		kill -KILL "$server_pid"
		killed=1
	fi
	wait "$server_pid"
	status=$?
	wait "$server_tee" 2>/dev/null
	server_pid=
	verdict_watches ${#wrap_server[@]} && watched=1
	# a watched server that was killed never ran its control
	[ -n "$killed" ] && [ -n "$watched" ] ||
		verdict_ended "$status" "$watched" || fail "actor_server $ended_why"
	grep -q '^actor_server: stopped' "$tmp/server.out" ||
		fail "actor_server did not print 'actor_server: stopped'"
}

# finish_actors: after the server stopped, each actor sees the link close
# ("disconnect from server") and must exit 0.
finish_actors() {
	local name status watched
	for name in "${!actor_pid[@]}"; do
		timeout $((10 * slow)) tail --pid="${actor_pid[$name]}" -f /dev/null
		watched=${actor_watched[$name]:-}
		stop_actor "$name"
		status=$?
		verdict_ended "$status" "$watched" || fail "actor $name $ended_why"
	done
}

# -- clients ----------------------------------------------------------------

# get PATH: one request; prints "CODE BODY".
get() {
	local code
	code=$(curl -sS --max-time $((10 * slow)) -o "$tmp/one" -w '%{http_code}' "$web$1" 2>/dev/null)
	echo "$code $(head -c 300 "$tmp/one" 2>/dev/null)"
}

# fire C PATH...: the paths at once, C at a time; "CODE FILE" lines in
# $tmp/codes, body i in $tmp/body.i (i from 1).
fire() {
	local c=$1 args=() i=0 p
	shift
	rm -f "$tmp"/body.*
	for p in "$@"; do
		i=$((i + 1))
		args+=(-o "$tmp/body.$i" "$web$p")
	done
	curl -sS --parallel --parallel-immediate --parallel-max "$c" \
		--max-time $((15 * slow)) -w '%{http_code} %{filename_effective}\n' \
		"${args[@]}" >"$tmp/codes" 2>"$tmp/curl.err"
}

# The code of body i.
code_of() {
	awk -v f="$tmp/body.$1" '$2 == f {print $1}' "$tmp/codes"
}

# A field of a compact JSON object: json_field BODY NAME.
json_field() {
	sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" <<<"$1"
}

# check_replies N PID...: bodies 1..N answer GET /1../N with 200, their
# own id (all different), the right value and one of the pids. Sets
# per_pid to how many each pid answered ("pid:count ..."). With
# sole_suspect=1 (an actor was killed from outside), one answer may
# instead be the poison rule's 502 for a request that actor held alone
# (server_route.c): the server cannot tell that kill from a poison.
check_replies() {
	local n=$1 i body id value pid ids=() bad=0 code file sums
	local spare=${sole_suspect:-0}
	shift
	declare -A per=() codes=() seen=()
	# Builtins only in the loop (no process per reply): a busy machine
	# makes each fork slow, and this runs for every reply.
	while read -r code file; do codes[$file]=$code; done <"$tmp/codes"
	# square_sum(i) for i = 1..n, one per line, from one awk.
	mapfile -t sums < <(awk -v n="$n" 'BEGIN { s = 0; for (i = 0; i < n; i++) { s += sqrt(i); printf "%.17g\n", s } }')
	for ((i = 1; i <= n; i++)); do
		body=
		[ -f "$tmp/body.$i" ] && IFS= read -r -n 300 body <"$tmp/body.$i"
		code=${codes[$tmp/body.$i]:-}
		if [ "$code" = 502 ] && [ "$spare" -gt 0 ] &&
			[[ "$body" == "ERROR: the actor died computing this request, the only one it held"* ]]; then
			spare=$((spare - 1))
			continue
		fi
		if [ "$code" != 200 ]; then
			fail "GET /$i got $code '$body', want 200"
			bad=$((bad + 1))
			continue
		fi
		[[ "$body" =~ \"id\":([0-9]+) ]] && id=${BASH_REMATCH[1]} || id=
		[[ "$body" =~ \"value\":([^,}]*) ]] && value=${BASH_REMATCH[1]} || value=
		[[ "$body" =~ \"pid\":(\"[^\"]*\"|[^,}]*) ]] && pid=${BASH_REMATCH[1]} || pid=
		ids+=("$id")
		[ -n "$id" ] && [ -n "${seen[$id]:-}" ] && fail "two replies carry the same id: $id"
		seen[$id]=1
		if ! close_to "$value" "${sums[$((i - 1))]}"; then
			fail "GET /$i answered $body: value is not square_sum($i) (a reply matched to the wrong request?)"
			bad=$((bad + 1))
		fi
		if [[ " $* " != *" $pid "* ]]; then
			fail "GET /$i answered by pid $pid, want one of: $*"
			bad=$((bad + 1))
		fi
		per[$pid]=$((${per[$pid]:-0} + 1))
		[ "$bad" -gt 3 ] && break
	done
	per_pid=
	for pid in "$@"; do per_pid+="$pid:${per[$pid]:-0} "; done
}

# close_to GOT WANT: the two decimal texts name the same number to 12
# significant digits (bash has no floating point: compare digit strings).
close_to() {
	local a=${1//./} b=${2//./}
	[ -n "$1" ] || return 1
	[ "${1%%.*}" = "${2%%.*}" ] || return 1
	a=${a#0} b=${b#0}
	[ "${a:0:12}" = "${b:0:12}" ]
}

# -- modes -------------------------------------------------------------------

mode_chapter() {
	local r a b per paths=() i
	start_server --delay-ms 10 --timeout-ms 10000
	r=$(get /9999)
	[ "$r" = "503 ERROR: EMPTY ACTOR POOL" ] ||
		die "GET /9999 with no actor got '$r', want '503 ERROR: EMPTY ACTOR POOL'"
	start_actor a --delay-ms 10
	a=$(pid_of a)
	r=$(get /99999)
	[[ "$r" =~ ^200\ \{\"id\":[0-9]+,\"value\":21081376.519967034,\"pid\":$a\}$ ]] ||
		die "GET /99999 got '$r', want 200 {\"id\":..,\"value\":21081376.519967034,\"pid\":$a} (the chapter's answer)"
	start_actor b --delay-ms 10
	b=$(pid_of b)
	for ((i = 1; i <= 40; i++)); do paths+=("/$i"); done
	fire 10 "${paths[@]}"
	check_replies 40 "$a" "$b"
	per=$per_pid
	[[ "$per" == *"$a:0 "* || "$per" == *"$b:0 "* ]] &&
		fail "40 requests at random over two actors all went to one: $per"
	for p in /abc / /-5 /100000000 /12x /1.5; do
		r=$(get "$p")
		[[ "$r" == "400 ERROR: "* ]] || fail "GET $p got '$r', want 400 with an ERROR: text"
	done
	r=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X POST "$web/5")
	[ "$r" = 405 ] || fail "POST /5 got $r, want 405"
	r=$(get /count)
	[[ "$r" =~ ^200\ \{\"id\":[0-9]+,\"value\":[0-9]+,\"pid\":[0-9]+\}$ ]] ||
		fail "GET /count got '$r', want 200 with an actor's message count"
	# Numbers as the chapter prints them: the shortest text that reads
	# back the same, and 1 rather than 1.0.
	r=$(get /3)
	[[ "$r" == *'"value":2.414213562373095,'* ]] ||
		fail "GET /3 got '$r', want \"value\":2.414213562373095 (the shortest text, as JavaScript prints it)"
	r=$(get /2)
	[[ "$r" == *'"value":1,'* ]] || fail "GET /2 got '$r', want \"value\":1 (not 1.0)"
	finish_server
	finish_actors
	result="EMPTY ACTOR POOL with no actor; /99999 = 21081376.519967034; 40 requests over 2 actors (pid:count ${per% }); 400 for 6 bad paths; 405 for POST"
}

mode_bonus() {
	local r a per paths=() i
	start_server --local 4 --delay-ms 10 --timeout-ms 10000
	r=$(get /99999)
	[[ "$r" =~ ^200\ \{\"id\":[0-9]+,\"value\":21081376.519967034,\"pid\":\"server\"\}$ ]] ||
		die "GET /99999 with --local 4 and no actor got '$r', want 200 {..,\"pid\":\"server\"}"
	start_actor a --delay-ms 10
	a=$(pid_of a)
	for ((i = 1; i <= 40; i++)); do paths+=("/$i"); done
	fire 10 "${paths[@]}"
	check_replies 40 '"server"' "$a"
	per=$per_pid
	[[ "$per" == *'"server":0 '* || "$per" == *"$a:0 "* ]] &&
		fail "40 requests over 4 in-server actors and one process all went to one side: $per"
	finish_server
	finish_actors
	result="pid \"server\" before any actor joined; then 40 requests (pid:count ${per% })"
}

# send_raw TEXT: bytes to the fake actor (printf escapes: \0 is a NUL).
send_raw() {
	printf "$1" >&3 2>/dev/null
}

# read_frame: the next NUL-ended frame from the server into $frame;
# returns non-zero on timeout or when the link closed.
read_frame() {
	frame=
	IFS= read -r -d '' -t $((5 * slow)) -u 3 frame 2>/dev/null
}

mode_protocol() {
	local r id id2 frame n c1 c2
	start_server --timeout-ms 30000
	exec 3<>"/dev/tcp/127.0.0.1/$aport" || die "cannot connect to the actor port $aport"
	wait_pool 1 || die "a raw TCP client did not join the pool: $(grep -m1 'cannot join' "$tmp/server.out")"
	send_raw '{oops\0'
	read_frame && [[ "$frame" == *'"error":"malformed message:'* ]] ||
		fail "malformed JSON: want an error frame, got '$frame'"
	send_raw '{"value":1}\0'
	read_frame && [[ "$frame" == *'"error"'*id* ]] ||
		fail "a message without an id: want an error frame, got '$frame'"
	send_raw '{"id":999,"value":1,"pid":"fake"}\0'
	read_frame && [[ "$frame" == *'not in flight'* ]] ||
		fail "a reply for no request: want an error frame, got '$frame'"
	send_raw '{"id":null,"error":"an error report gets no answer"}\0'
	# A request, answered in three writes.
	curl -sS --max-time 10 -o "$tmp/c1" -w '%{http_code}' "$web/5" >"$tmp/c1.code" 2>/dev/null &
	c1=$!
	read_frame || die "GET /5 with a raw actor: no request frame came"
	[[ "$frame" =~ ^\{\"id\":([0-9]+),\"method\":\"square_sum\",\"args\":\[5\]\}$ ]] ||
		die "want {\"id\":..,\"method\":\"square_sum\",\"args\":[5]}, got '$frame' (an answer to an error report?)"
	id=${BASH_REMATCH[1]}
	send_raw "{\"id\":$id,"; sleep 0.05
	send_raw '"value":42,'; sleep 0.05
	send_raw '"pid":"fake"}\0'
	wait $c1
	r="$(cat "$tmp/c1.code") $(cat "$tmp/c1")"
	[ "$r" = "200 {\"id\":$id,\"value\":42,\"pid\":\"fake\"}" ] ||
		fail "a reply in three writes: GET /5 got '$r'"
	# A value reaches the client as the actor wrote it (as JavaScript
	# prints it), not as jansson would print it by default.
	curl -sS --max-time 10 -o "$tmp/c1" "$web/3" 2>/dev/null &
	c1=$!
	read_frame && id=$(json_field "$frame" id)
	send_raw "{\"id\":$id,\"value\":2.414213562373095,\"pid\":\"fake\"}\0"
	wait $c1
	[ "$(cat "$tmp/c1")" = "{\"id\":$id,\"value\":2.414213562373095,\"pid\":\"fake\"}" ] ||
		fail "an actor's 2.414213562373095 reached the client as '$(cat "$tmp/c1")'"
	# Two requests, answered in one write.
	curl -sS --max-time 10 -o "$tmp/c1" "$web/6" 2>/dev/null &
	c1=$!
	curl -sS --max-time 10 -o "$tmp/c2" "$web/7" 2>/dev/null &
	c2=$!
	read_frame && id=$(json_field "$frame" id) && n=$(sed 's/.*\[\([0-9]*\)\].*/\1/' <<<"$frame")
	read_frame && id2=$(json_field "$frame" id) && n2=$(sed 's/.*\[\([0-9]*\)\].*/\1/' <<<"$frame")
	send_raw "{\"id\":$id,\"value\":${n}0,\"pid\":\"fake\"}\0{\"id\":$id2,\"value\":${n2}0,\"pid\":\"fake\"}\0"
	wait $c1 $c2
	grep -q '"value":60,' "$tmp/c1" && grep -q '"value":70,' "$tmp/c2" ||
		fail "two replies in one write: GET /6 got '$(cat "$tmp/c1")', GET /7 got '$(cat "$tmp/c2")'"
	# An actor's error answer becomes a 502.
	curl -sS --max-time 10 -o "$tmp/c1" -w '%{http_code}' "$web/8" >"$tmp/c1.code" 2>/dev/null &
	c1=$!
	read_frame && id=$(json_field "$frame" id)
	send_raw "{\"id\":$id,\"error\":\"unknown method 'square_sum'\"}\0"
	wait $c1
	r="$(cat "$tmp/c1.code") $(cat "$tmp/c1")"
	[[ "$r" == "502 ERROR: unknown method 'square_sum'" ]] ||
		fail "an actor's error answer: GET /8 got '$r', want 502 with its text"
	# 70 000 bytes without a NUL: the server must close the link.
	head -c 70000 /dev/zero | tr '\0' x >&3 2>/dev/null
	read_frame
	r=$?
	[ "$r" -gt 128 ] && fail "an oversized message: the server kept the link open"
	wait_pool 0 || fail "an oversized message: the server still counts $(pool_size) actors"
	grep -q 'over 65536 bytes' "$tmp/server.out" ||
		fail "an oversized message: the server did not log why it closed the link"
	exec 3>&-
	r=$(get /9)
	[ "$r" = "503 ERROR: EMPTY ACTOR POOL" ] || fail "after the fake actor left, GET /9 got '$r'"
	finish_server
	result="malformed, id-less and unexpected messages answered with errors; replies split over 3 writes and 2 in one write; 502 for an actor's error; closed the link after 70000 bytes without a NUL; still serving"
}

mode_kill() {
	local a b paths=() i r resent base
	start_server --timeout-ms 20000
	start_actor a --delay-ms 3000
	start_actor b --delay-ms 400
	a=$(pid_of a)
	b=$(pid_of b)
	base=$(read_bytes "$a")
	for ((i = 1; i <= 24; i++)); do paths+=("/$i"); done
	fire 24 "${paths[@]}" &
	# Kill a once it has read 4 requests (42 bytes or more each), which
	# its 3 s wait keeps unanswered: they must be re-sent to b.
	wait_read "$a" "$base" 168
	stop_actor a KILL
	wait $!
	check_replies 24 "$a" "$b"
	# Now the last actor dies with requests in flight: a clear 503.
	paths=(/1 /2 /3 /4 /5 /6)
	fire 6 "${paths[@]}" &
	sleep 0.15
	stop_actor b KILL
	wait $!
	for ((i = 1; i <= 6; i++)); do
		r="$(code_of $i) $(cat "$tmp/body.$i" 2>/dev/null)"
		[[ "$r" == "503 ERROR: EMPTY ACTOR POOL"* ]] ||
			fail "GET /$i in flight when the last actor died got '$r', want 503 ERROR: EMPTY ACTOR POOL"
	done
	r=$(get /10)
	[ "$r" = "503 ERROR: EMPTY ACTOR POOL" ] || fail "with no actor left, GET /10 got '$r'"
	finish_server
	resent=$(sed -n 's/.*, \([0-9]*\) re-sent[,)].*/\1/p' "$tmp/server.out")
	[ "${resent:-0}" -gt 0 ] || fail "killing an actor with 12 requests in flight re-sent none of them"
	result="24 requests all answered though actor a was killed with some in flight ($resent re-sent to b); 6 in flight when b died: 503 EMPTY ACTOR POOL"
}

# wrk_check FILE MIN: no non-2xx answer, no socket error, at least MIN
# requests. Sets n to the request count.
wrk_check() {
	local bad errs
	n=$(awk '/requests in/ {print $1}' "$1")
	bad=$(awk '/Non-2xx/ {print $NF}' "$1")
	errs=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$1")
	[ -n "$n" ] || { fail "wrk printed no count: $(head -c 200 "$1")"; return; }
	[ "${bad:-0}" = 0 ] || fail "$bad of $n requests got a non-2xx answer"
	[ "${errs:-0}" = 0 ] || fail "wrk saw socket errors: $(grep 'Socket errors' "$1")"
	[ "$n" -ge "$2" ] || fail "only $n requests in the run, want at least $2"
}

mode_reload() {
	local v1 v2 paths=() i status
	start_server --timeout-ms 10000
	start_actor v1 --delay-ms 2
	v1=$(pid_of v1)
	timeout 20 wrk -t 2 -c 8 -d 4s --timeout 8s "$web/1000" >"$tmp/wrk" 2>&1 &
	local load=$!
	sleep 1
	start_actor v2 --delay-ms 2
	v2=$(pid_of v2)
	sleep 0.7
	stop_actor v1 TERM
	status=$?
	[ "$status" = 0 ] || fail "the old actor exited with status $status on SIGTERM"
	wait $load
	wrk_check "$tmp/wrk" 200
	for ((i = 1; i <= 10; i++)); do paths+=("/$i"); done
	fire 5 "${paths[@]}"
	check_replies 10 "$v2"
	finish_server
	finish_actors
	result="hot code loading under wrk: ${n:-?} requests, 0 failed, while actor $v2 joined and $v1 left; then all answers from $v2"
}

mode_load() {
	start_server --timeout-ms 10000
	start_actor a --delay-ms 0
	start_actor b --delay-ms 0
	timeout 20 wrk -t 2 -c 16 -d 2s --timeout 8s "$web/100" >"$tmp/wrk" 2>&1
	wrk_check "$tmp/wrk" 200
	finish_server
	finish_actors
	result="wrk, 16 connections, 2 s: ${n:-?} requests, all 2xx, through 2 actor processes"
}

mode_detect() {
	local a b paths=() i r
	start_server --local 2 --delay-ms 5 --timeout-ms $((8000 * slow))
	start_actor a --delay-ms 5
	start_actor b --delay-ms 50
	a=$(pid_of a)
	b=$(pid_of b)
	for ((i = 1; i <= 24; i++)); do paths+=("/$i"); done
	fire 8 "${paths[@]}" &
	sleep $((slow > 1 ? 2 : 0)).2
	stop_actor b KILL
	wait $!
	sole_suspect=1 check_replies 24 "$a" '"server"' "$b"
	r=$(get /abc)
	[[ "$r" == "400 "* ]] || fail "GET /abc got '$r'"
	# Clients that hang up before their answer: it is sent to nobody.
	for i in 1 2 3; do
		curl -sS --max-time 0.02 -o /dev/null "$web/3000000" 2>/dev/null
	done
	if exec 3<>"/dev/tcp/127.0.0.1/$aport"; then
		send_raw '{oops\0{"id":77,"value":1}\0'
		read_frame
		exec 3>&-
	fi
	fire 4 /1 /2 /3 /4
	check_replies 4 "$a" '"server"'
	finish_server
	finish_actors
	result="24 requests with an actor killed mid-flight, 4 more, a bad path, 3 clients that hung up and a fake actor's junk"
}

# mortal NAME: a fake actor on /dev/tcp that answers square_sum with 1 and
# its pid "NAME", and dies on any other method, as the chapter's actor.js
# dies on a method it does not know. Runs in the background; its pid is in
# actor_pid[NAME].
mortal() {
	(
		exec 4<>"/dev/tcp/127.0.0.1/$aport" || exit 2
		while IFS= read -r -d '' -u 4 f; do
			[[ "$f" == *'"method":"square_sum"'* ]] || exit 0
			printf '{"id":%s,"value":1,"pid":"%s"}\0' "$(json_field "$f" id)" "$1" >&4
		done
	) &
	actor_pid[$1]=$!
}

# The poison rule (server_route.c): an actor that dies holding one request
# only makes it the suspect, answered 502 and never sent again; so one
# GET /count kills exactly one actor of a pool that dies on it.
mode_poison() {
	local r i alive survivors=() pids
	# A fixed seed: the router's choices, and so which survivor answers
	# which request below, are the same every run.
	start_server --timeout-ms 10000 --seed 7
	for i in 1 2 3; do
		mortal "m$i"
		wait_pool "$i" || die "fake actor m$i did not join"
	done
	r=$(get /count)
	[[ "$r" == "502 ERROR: the actor died computing this request"*"not sent again"* ]] ||
		fail "GET /count to actors that die on it got '$r', want 502 saying the actor died computing it and it is not sent again"
	alive=0
	for i in 1 2 3; do
		if kill -0 "${actor_pid[m$i]}" 2>/dev/null; then
			alive=$((alive + 1))
			survivors+=("m$i")
		fi
	done
	[ "$alive" = 2 ] || fail "one poison request killed $((3 - alive)) of 3 actors, want exactly 1 (the request it held alone is not re-sent)"
	wait_pool 2 || fail "after the poison, the server counts $(pool_size) actors, want 2"
	# The survivors serve on: 6 requests, every one 200, from both.
	pids=
	for ((i = 1; i <= 6; i++)); do
		r=$(get /$i)
		[[ "$r" == "200 "*'"value":1,"pid":"m'[123]'"}' ]] ||
			{ fail "after the poison, GET /$i got '$r', want 200 from a surviving actor"; break; }
		pids+=" $(json_field "$r" pid)"
	done
	for i in "${survivors[@]}"; do
		[[ "$pids" == *"\"$i\""* ]] ||
			fail "after the poison, surviving actor $i answered none of 6 requests (the server still counts it)"
	done
	# A C actor knows count, and answers an error for a method it does
	# not know (the actor-wire check sends one): it is never poisoned. A
	# mortal that gets count dies alone with it: 502.
	start_actor c --delay-ms 0
	for i in 1 2 3 4; do
		r=$(get /count)
		[[ "$r" == 200\ * || "$r" == "502 ERROR: the actor died computing this request"*"not sent again"* ]] ||
			fail "GET /count with a C actor in the pool got '$r'"
	done
	kill -0 "${actor_pid[c]}" 2>/dev/null || fail "the C actor died of GET /count"
	r=$(get /7)
	[[ "$r" == "200 "* ]] || fail "after the poison requests, GET /7 got '$r'"
	finish_server
	grep -q 'given up as poison)' "$tmp/server.out" || fail "the server did not count the poison"
	finish_actors
	result="GET /count to 3 actors that die on it: exactly 1 died, 502 '...the actor died computing this request...not sent again'; the other 2 answered 6 requests, a C actor and the server serve on"
}

# read_bytes PID: the bytes the process has read so far (rchar).
read_bytes() {
	awk '/^rchar:/ {print $2}' "/proc/$1/io" 2>/dev/null || echo 0
}

# wait_read PID BASE N: until the process has read N bytes more than BASE
# (up to 20 s): an actor has then taken the frames sent to it.
wait_read() {
	local i
	for ((i = 0; i < 400 && $(read_bytes "$1") < $2 + $3; i++)); do
		sleep 0.05
	done
}

# Six requests GET /1../6, each a 42-byte frame to the actor.
SIX_FRAMES=252

# The C actor's SIGTERM: it answers what it holds, refuses the rest (503,
# which the server routes elsewhere), and leaves; then the server's. The
# signals are sent once the actor has read the six requests' frames.
mode_stop() {
	local a r status client base
	start_server --timeout-ms 20000
	start_actor a --delay-ms 1500
	a=$(pid_of a)
	base=$(read_bytes "$a")
	fire 6 /1 /2 /3 /4 /5 /6 &
	client=$!
	wait_read "$a" "$base" $SIX_FRAMES
	kill -TERM "$a"
	sleep 0.2
	r=$(get /7)
	[[ "$r" == "503 ERROR: EMPTY ACTOR POOL"* ]] ||
		fail "GET /7 after the only actor's SIGTERM got '$r', want 503 EMPTY ACTOR POOL (it takes no new request)"
	wait $client
	check_replies 6 "$a"
	stop_actor a
	status=$?
	[ "$status" = 0 ] || fail "the actor exited with status $status after SIGTERM"
	grep -q 'answering the 6 requests it holds' "$tmp/a.out" ||
		fail "the actor did not say it held 6 requests at SIGTERM: $(grep -m1 signal "$tmp/a.out")"
	start_actor b --delay-ms 1500
	b=$(pid_of b)
	base=$(read_bytes "$b")
	fire 6 /1 /2 /3 /4 /5 /6 &
	client=$!
	wait_read "$b" "$base" $SIX_FRAMES
	kill -TERM "$server_pid" 2>/dev/null
	sleep 0.2
	r=$(curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "$web/8" 2>/dev/null)
	[ "$r" = 000 ] || fail "a client that came after the server's SIGTERM got '$r', want its connection refused"
	wait $client
	check_replies 6 "$b"
	finish_server
	grep -q 'stopping (6 requests in flight)' "$tmp/server.out" ||
		fail "the server did not say it had 6 requests in flight at SIGTERM"
	finish_actors
	result="actor SIGTERM with 6 in flight: all 6 answered by it, a new request refused, exit 0; server SIGTERM with 6 in flight: a new client refused, all 6 answered, exit 0"
}

case "$mode" in
chapter | bonus | protocol | kill | reload | load | detect | poison | stop) "mode_$mode" ;;
*)
	echo "e2e: unknown mode '$mode'" >&2
	exit "$PROTO_EXIT_SETUP"
	;;
esac
finish
