# SPDX-License-Identifier: MIT
# harness/peers/pair.sh - sourced by the interop suite, the side-by-side
# benchmark and the soak: start an actor server (C or Node) on free ports
# of 127.0.0.1 and actor processes (C or Node) that join it, and stop them
# all. Every wait is bounded; every process started is stopped, then
# killed if it will not stop.
#
#   pair_build SRC TAG LABS                  the C programs
#   pair_start_server c|node [ARGS...]       sets PAIR_WEB, PAIR_APORT
#   pair_start_actor c|node [ARGS...]        joins PAIR_APORT
#   pair_wait_actors N                       until the server counts N
#   pair_stop_all
#
# The caller sets PAIR_BIN (the C programs' bin directory) and PAIR_TMP (a
# scratch directory); a function that fails says why in PAIR_ERR (call
# them directly, not in $(...), which would lose the variables they set);
# PAIR_NODE is the Node.js peer's directory.

PAIR_NODE=${PAIR_NODE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/node" && pwd)}
PAIR_PIDS=()
PAIR_SERVER_PID=
PAIR_WEB=
PAIR_APORT=
pair_n=0

# pair_build SRC TAG LABS: the C programs, native, under check-lab's lock
# on the tree's build directory. Dependency files that name sources since
# moved would stop make: drop them and build once more.
pair_build() {
	local tag=$2
	mkdir -p build/locks
	(
		flock 9
		make -s -j2 -f harness/mk/build.mk VARIANT=native SRCDIR="$1" \
			TAG="$tag" LABS="$3" ||
			{ find "build/native/$tag" -name '*.d' -delete 2>/dev/null
			  make -s -j2 -f harness/mk/build.mk VARIANT=native \
				SRCDIR="$1" TAG="$tag" LABS="$3"; }
	) 9>"build/locks/$tag.lock"
}

# pair_cmd c|node server|actor: the program's command line.
pair_cmd() {
	case "$1:$2" in
	c:server) echo "$PAIR_BIN/actor_server" ;;
	c:actor) echo "$PAIR_BIN/actor" ;;
	node:server) echo "node $PAIR_NODE/server.js" ;;
	node:actor) echo "node $PAIR_NODE/actor.js" ;;
	*) return 1 ;;
	esac
}

pair_start_server() {
	local kind=$1 i cmd
	shift
	cmd=$(pair_cmd "$kind" server) || return 2
	pair_n=$((pair_n + 1))
	PAIR_LOG=$PAIR_TMP/server.$pair_n.out
	# shellcheck disable=SC2086
	$cmd 127.0.0.1:0 127.0.0.1:0 "$@" >"$PAIR_LOG" 2>&1 &
	PAIR_SERVER_PID=$!
	PAIR_PIDS+=("$PAIR_SERVER_PID")
	for ((i = 0; i < 200; i++)); do
		PAIR_WEB=$(grep -m1 -o 'http://127\.0\.0\.1:[0-9]*' "$PAIR_LOG")
		PAIR_APORT=$(grep -m1 -o 'tcp://127\.0\.0\.1:[0-9]*' "$PAIR_LOG")
		PAIR_APORT=${PAIR_APORT##*:}
		[ -n "$PAIR_WEB" ] && [ -n "$PAIR_APORT" ] && return 0
		kill -0 "$PAIR_SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	PAIR_ERR="the $kind server did not start: $(tail -n 2 "$PAIR_LOG" | tr '\n' ' ')"
	return 2
}

pair_start_actor() {
	local kind=$1 cmd
	shift
	cmd=$(pair_cmd "$kind" actor) || return 2
	pair_n=$((pair_n + 1))
	# shellcheck disable=SC2086
	$cmd "127.0.0.1:$PAIR_APORT" --quiet "$@" \
		>"$PAIR_TMP/actor.$pair_n.out" 2>&1 &
	PAIR_LAST_ACTOR=$!
	PAIR_PIDS+=("$PAIR_LAST_ACTOR")
}

# The server's pool size, from its last "actor pool (dis)connected N".
pair_pool_size() {
	grep -E '^actor pool (dis)?connected [0-9]+$' "$PAIR_LOG" |
		tail -n 1 | grep -oE '[0-9]+$'
}

pair_wait_actors() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(pair_pool_size)" = "$1" ] && return 0
		sleep 0.05
	done
	PAIR_ERR="the server has $(pair_pool_size) actors after 15 s, want $1"
	return 2
}

pair_stop_pid() {
	local pid=$1 i=0
	kill -TERM "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && ((i++ < 100)); do
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

pair_stop_all() {
	local pid
	for pid in "${PAIR_PIDS[@]}"; do
		[ "$pid" = "$PAIR_SERVER_PID" ] || pair_stop_pid "$pid"
	done
	[ -n "$PAIR_SERVER_PID" ] && pair_stop_pid "$PAIR_SERVER_PID"
	PAIR_PIDS=()
	PAIR_SERVER_PID=
	return 0
}
