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
