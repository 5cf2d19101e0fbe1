# sanitizers/env.sh - how the harness runs each detector. Sourced by
# harness/check-lab; the checks files use $HELGRIND, $DRD and $MEMCHECK as
# command prefixes, and the sanitizer runtimes read the *_OPTIONS below.
# Suppression files hold third-party code only, each entry saying why.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The exit statuses are harness/lib/protocol.h's, through its shell mirror.
proto=$here/../build/tools/protocol.sh
[ -r "$proto" ] || make -s -C "$here/.." build/tools/protocol.sh >&2
# shellcheck source=/dev/null
. "$proto"

# ThreadSanitizer: keep going after the first report so that a run counts
# all of them, exit PROTO_EXIT_TSAN when anything was reported, and keep
# enough history that both stacks of a race are shown.
export TSAN_OPTIONS="halt_on_error=0 exitcode=$PROTO_EXIT_TSAN history_size=4 \
second_deadlock_stack=1 suppressions=$here/tsan.supp"

# AddressSanitizer and UBSan: stop at the first error, with a stack.
export ASAN_OPTIONS="abort_on_error=0 detect_leaks=1 exitcode=$PROTO_EXIT_ASAN"
# No exitcode here: clang's TSan runtime reads UBSAN_OPTIONS too and would
# report 68 instead of its PROTO_EXIT_TSAN.
export UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1"

# Valgrind. --free-is-write makes a free that races with a use visible;
# DRD's --check-stack-var also watches stack variables shared by pointer.
# --error-exitcode makes any report fail the process.
vg="valgrind --error-exitcode=$PROTO_EXIT_VALGRIND --num-callers=12"
export HELGRIND="$vg --tool=helgrind --free-is-write=yes \
--suppressions=$here/helgrind.supp"
export DRD="$vg --tool=drd --free-is-write=yes --check-stack-var=yes \
--suppressions=$here/drd.supp"
export MEMCHECK="$vg --tool=memcheck --leak-check=full \
--errors-for-leak-kinds=definite"
# Check's per-test timeouts stretch under Valgrind.
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-1}
unset here vg proto
