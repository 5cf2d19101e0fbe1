#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make test suite: the C actor_server and actor against the project's
# Node.js peer (harness/peers/node/). The C server with Node actors, the
# Node server with C actors, and the all-C pair must answer every request
# with the same value, to the last digit, as the all-Node pair (Node
# prints the shortest text that reads back to the same double; so must
# the C side). The values: the chapter's two examples, small ones where a
# whole number is printed 1 or 1.0, and a seeded random sample, the
# chapter's range included. Both servers must also say EMPTY ACTOR POOL
# with 503 before an actor joins and refuse a path that is not a number.
# And the poison, with the C server and only Node actors (which die on a
# method they do not know, as the chapter's do): GET /count kills exactly
# one of them and gets a 502 that says so; the other and the server serve
# on.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/interop.XXXXXX") || exit 1
PAIR_TMP=$tmp
PAIR_BIN=build/native/solutions/bin
# shellcheck source=harness/peers/pair.sh
. harness/peers/pair.sh
trap 'pair_stop_all; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

if ! command -v node >/dev/null; then
	echo "FAIL interop: node is not installed (harness/setup installs nodejs)"
	exit 0
fi
# The reference's native build, which make test has made already.
if ! pair_build solutions solutions 04-actors >"$tmp/build.log" 2>&1; then
	echo "FAIL interop: the C programs do not build: $(grep -m1 -E 'error|No rule' "$tmp/build.log")"
	exit 0
fi

# The paths: fixed ones, then 40 from a seeded generator (reproducible),
# 4 of them from the chapter's whole range.
paths=(0 1 2 3 4 5 9 10 16 42 99 100 1000 99999 8888888 123456 1000001)
seed=20251201
for ((i = 0; i < 40; i++)); do
	seed=$(((seed * 1103515245 + 12345) % 2147483648))
	if ((i % 10 == 9)); then
		paths+=($((seed % 100000000)))
	else
		paths+=($((seed % 3000000)))
	fi
done
urls=()
for p in "${paths[@]}"; do
	urls+=("127.0.0.1/$p")
done

# run_pair SERVER ACTOR: start them, send every path, write one line per
# path ("PATH STATUS VALUE-TEXT") to $tmp/SERVER-ACTOR. Returns non-zero
# when the pair does not start or a request fails.
run_pair() {
	local s=$1 a=$2 out=$tmp/$1-$2
	pair_start_server "$s" --quiet || { echo "$PAIR_ERR"; return 1; }
	code=$(curl -s -o "$tmp/empty" -w '%{http_code}' --max-time 10 \
		"$PAIR_WEB/42")
	if [ "$code" != 503 ] || ! grep -q '^ERROR: EMPTY ACTOR POOL' "$tmp/empty"; then
		echo "before any actor joined, GET /42 got $code '$(head -c 80 "$tmp/empty")', want 503 ERROR: EMPTY ACTOR POOL"
		return 1
	fi
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$PAIR_WEB/4x2")
	[ "$code" = 400 ] || { echo "GET /4x2 got $code, want 400"; return 1; }
	pair_start_actor "$a" --delay-ms 0
	actors=("$PAIR_LAST_ACTOR")
	pair_start_actor "$a" --delay-ms 0
	actors+=("$PAIR_LAST_ACTOR")
	pair_wait_actors 2 || { echo "$PAIR_ERR"; return 1; }
	# One curl, one connection, the requests in order.
	curl -s --max-time 120 -w '\n%{http_code}\n' \
		"${urls[@]/#127.0.0.1/$PAIR_WEB}" >"$tmp/raw" 2>&1
	paste -d' ' <(printf '%s\n' "${paths[@]}") \
		<(awk 'NR % 2 == 0' "$tmp/raw") \
		<(awk 'NR % 2 == 1 { if (match($0, /"value":[^,}]*/)) print substr($0, RSTART + 8, RLENGTH - 8); else print "-" }' "$tmp/raw") \
		>"$out"
	[ "$s-$a" = c-node ] && poison >"$tmp/poison"
	pair_stop_all
	if [ "$(awk '$2 == 200 && $3 != "-"' "$out" | wc -l)" != "${#paths[@]}" ]; then
		echo "$(awk '$2 != 200 || $3 == "-"' "$out" | wc -l) of ${#paths[@]} requests not answered 200 with a value, first: GET /$(awk '$2 != 200 || $3 == "-" { print; exit }' "$out")"
		return 1
	fi
}

# poison: with the pair running (the C server, the two Node actors in
# actors[]), GET /count; prints the verdict line.
poison() {
	local code body alive=0 pid
	code=$(curl -s -o "$tmp/count" -w '%{http_code}' --max-time 10 "$PAIR_WEB/count")
	body=$(head -c 200 "$tmp/count")
	for pid in "${actors[@]}"; do
		kill -0 "$pid" 2>/dev/null && alive=$((alive + 1))
	done
	if [ "$code" != 502 ] || [[ "$body" != *"the actor died computing this request"*"not sent again"* ]]; then
		echo "FAIL interop: GET /count to the C server with only Node actors got $code '$body', want 502 saying the actor died computing it and it is not sent again"
	elif [ "$alive" != 1 ]; then
		echo "FAIL interop: GET /count to the C server with 2 Node actors killed $((2 - alive)) of them, want exactly 1"
	elif ! pair_wait_actors 1; then
		echo "FAIL interop: after GET /count killed a Node actor, $PAIR_ERR"
	elif [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$PAIR_WEB/9")" != 200 ]; then
		echo "FAIL interop: after GET /count killed a Node actor, GET /9 to the C server and the other Node actor was not answered 200"
	else
		echo "PASS interop: GET /count to the C server with only Node actors kills exactly 1 of 2 and gets 502 '$(head -c 60 <<<"$body")...'; the other actor and the server serve on"
	fi
}

name() {
	case $1 in
	c-node) echo "the C server with Node actors" ;;
	node-c) echo "the Node server with C actors" ;;
	c-c) echo "the all-C pair" ;;
	*) echo "the all-Node pair" ;;
	esac
}

if ! run_pair node node >"$tmp/why"; then
	why=$(cat "$tmp/why")
	echo "FAIL interop: $(name node-node) (the reference) answers every request: $why"
	exit 0
fi
for pair in c-node node-c c-c; do
	if ! run_pair "${pair%-*}" "${pair#*-}" >"$tmp/why"; then
		why=$(cat "$tmp/why")
		echo "FAIL interop: $(name "$pair") answers every request: $why"
		continue
	fi
	diff=$(paste -d' ' "$tmp/node-node" "$tmp/$pair" |
		awk '($3 "") != ($6 "") { n++; if (!f) f = "GET /" $1 ": " $6 " where Node says " $3 } END { if (n) print n " of " NR " values differ, first " f }')
	if [ -z "$diff" ]; then
		echo "PASS interop: $(name "$pair") answers ${#paths[@]} requests with the all-Node pair's values, to the last digit"
	else
		echo "FAIL interop: $(name "$pair") answers with the all-Node pair's values, to the last digit: $diff"
	fi
	[ "$pair" = c-node ] && cat "$tmp/poison" 2>/dev/null
done
exit 0
