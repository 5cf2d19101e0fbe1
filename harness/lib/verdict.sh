# SPDX-License-Identifier: MIT
# harness/lib/verdict.sh - the verdict channel for the harness's shell
# scripts (the labs' e2e.sh), as verdict.c is for its C programs: the
# runner judges from what is written on the channel, never from what is
# printed. Sourced after build/tools/protocol.sh, before any of the lab's
# programs runs: it takes the channel from the environment, moves it to
# descriptor 9 and writes BEGIN. Every program of the lab's must then be
# started without it (9>&-).
#
#   verdict_say LINE   a record, on the channel and on stdout
#   verdict_done       the last record: the script reached its end
#   verdict_watch KIND the lab's programs run under a detector, tsan,
#                      valgrind or asan: each that the script watches to
#                      its end runs the harness's control there
#   verdict_watches WRAPPED  whether the detector watches a program
#   verdict_ended STATUS WATCHED  a program ended by itself with STATUS
#   verdict_exit FAILURES [STATUS]  the script's exit status
#
# The control (verdict_control() in verdict.c: a race, or for ASan a read
# past a heap block) proves that the detector ran with the harness's
# options, as it does for the harness's own programs: a lab program has
# no channel, so the script speaks for it. verdict_watch puts PROTO_CONTROL_ENV in the environment of every
# program started after it; verdict_ended requires the detector's exit
# status of a watched program that ended by itself, and reports its
# control on the channel (a BEGIN and a DONE control=KIND, as the
# program would have); verdict_exit then ends the script with that
# status, which the runner requires, and judges from the STAT line.

verdict=${!PROTO_VERDICT_ENV:-}
unset "$PROTO_VERDICT_ENV"
if [[ "$verdict" =~ ^[0-9]+$ ]]; then
	[ "$verdict" = 9 ] || eval "exec 9>&$verdict $verdict>&-"
	echo "$PROTO_BEGIN" >&9
else
	verdict=
fi

verdict_say() {
	echo "$1"
	[ -z "$verdict" ] || echo "$1" >&9
}

verdict_done() {
	[ -z "$verdict" ] || echo "$PROTO_DONE" >&9
}

control_kind=
control_status=
controls=0
ended_why=

verdict_watch() {
	case "$1" in
	tsan) control_kind=$PROTO_CONTROL_TSAN control_status=$PROTO_EXIT_TSAN ;;
	valgrind) control_kind=$PROTO_CONTROL_VALGRIND control_status=$PROTO_EXIT_VALGRIND ;;
	asan) control_kind=$PROTO_CONTROL_ASAN control_status=$PROTO_EXIT_ASAN ;;
	*) echo "verdict_watch: unknown detector '$1' (tsan, valgrind or asan)" >&2; return 1 ;;
	esac
	export "$PROTO_CONTROL_ENV=1"
}

# verdict_watches WRAPPED: whether the detector of verdict_watch watches
# a program of the lab's: a sanitizer every program of its build, a
# Valgrind tool those run under it (WRAPPED: the number of words of the
# program's wrapping command, 0 for none).
verdict_watches() {
	case "$control_kind" in
	"$PROTO_CONTROL_TSAN" | "$PROTO_CONTROL_ASAN") return 0 ;;
	"$PROTO_CONTROL_VALGRIND") [ "$1" -gt 0 ] ;;
	*) return 1 ;;
	esac
}

# verdict_ended STATUS WATCHED: whether a program that ended by itself
# ended as it should; otherwise returns 1, with why in $ended_why. Not
# watched (WATCHED empty, else 1): with status 0. Watched: with the detector's
# exit status, the one it sets after any report, the control's included
# (whether the program had others is the runner's to see). A watched
# program that ended with status 0 did not report even the control: its
# control goes on the channel all the same, so that the runner says the
# detector was silenced.
verdict_ended() {
	if [ -z "$2" ]; then
		[ "$1" = 0 ] && return 0
		ended_why="exited with status $1"
		return 1
	fi
	if [ "$1" = "$control_status" ] || [ "$1" = 0 ]; then
		controls=$((controls + 1))
		[ -z "$verdict" ] || printf '%s\n%s %s\n' "$PROTO_BEGIN" "$PROTO_DONE" "$control_kind" >&9
	fi
	[ "$1" = "$control_status" ] && return 0
	ended_why="exited with status $1 under the detector, not its $control_status (the harness's control ends every watched program with it)"
	return 1
}

# verdict_exit FAILURES [STATUS]: the detector's status once a control
# went on the channel (the runner requires it, then judges the STAT
# line); else STATUS if given, or 0 or 1 as FAILURES says.
verdict_exit() {
	if [ "$controls" -gt 0 ]; then
		exit "$control_status"
	fi
	exit "${2:-$(($1 > 0 ? 1 : 0))}"
}
