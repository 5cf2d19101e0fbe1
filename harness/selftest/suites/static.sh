#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# harness/selftest/suites/static.sh - static analysis of the C code (make
# test): cppcheck and clang-tidy (bugprone-*, concurrency-*,
# clang-analyzer-*) over solutions/ and harness/, zero findings but those
# suppressed, each with its reason, in harness/selftest/static/ (one file
# per tool; clang-tidy.yaml says which checks are off for the whole tree).
# The analyzer (clang-analyzer-*, most of the time) runs over the code that
# is built into the labs' programs: solutions/, harness/runner, lib,
# explore, given and scenarios; the unit tests, benchmarks, fuzz targets and
# the self-test's programs get bugprone-* and concurrency-* only. The race
# detectors' corpora (harness/selftest/race-*/) are inputs, racy or odd on
# purpose, and are not analysed.
# clang-tidy's findings are kept per file under build/static/, keyed by the
# file, every header and the configuration, so an unchanged tree is quick.
# Prints "PASS what" / "FAIL what: why".
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
conf=harness/selftest/static
cache=build/static/tidy
mkdir -p "$cache"

mapfile -t files < <(find solutions harness -name '*.c' \
	-not -path 'harness/selftest/race-*/*' | sort)
incs=(-Isanitizers -Iharness/lib -Iharness/tests -Iharness/explore -Iharness/bench)
for d in solutions/*/include harness/given/*/include; do incs+=("-I$d"); done
read -ra pkg <<<"$(pkg-config --cflags check jansson glib-2.0 libevent liburcu 2>/dev/null)"
flags=(-std=c11 -D_GNU_SOURCE -pthread "${incs[@]}" "${pkg[@]}")

# -- cppcheck ---------------------------------------------------------------------
t0=$SECONDS
out=$(cppcheck -q -j2 --std=c11 --enable=warning,portability \
	--suppressions-list="$conf/cppcheck.supp" --error-exitcode=0 \
	-D_GNU_SOURCE -D__GNUC__ "${incs[@]}" "${files[@]}" 2>&1 |
	grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error|portability)')
if [ -z "$out" ]; then
	echo "PASS cppcheck: no finding in ${#files[@]} files ($((SECONDS - t0)) s)"
else
	echo "FAIL cppcheck: $(wc -l <<<"$out") finding(s): $(head -n 5 <<<"$out" | tr '\n' ' ')"
fi

# -- clang-tidy -------------------------------------------------------------------
t0=$SECONDS
key=$( (cat "$conf/clang-tidy.yaml"; echo "${flags[*]}"; clang-tidy --version
	find solutions harness sanitizers -name '*.h' | sort | xargs cat) |
	sha1sum | cut -c1-12)
# A file's findings are kept as $cache/KEY-SUM (SUM: of the file itself).
mapfile -t sums < <(sha1sum "${files[@]}" | cut -c1-16)
todo=()
for i in "${!files[@]}"; do
	[ -e "$cache/$key-${sums[i]}" ] || todo+=("${files[i]}")
done
export CONF=$conf/clang-tidy.yaml CACHE=$cache KEY=$key
# Each file's findings go to the cache under its key, as they are.
[ ${#todo[@]} = 0 ] || printf '%s\0' "${todo[@]}" | xargs -0 -r -P2 -n1 bash -c '
	f=${!#}
	set -- "${@:1:$#-1}"
	h=$KEY-$(sha1sum <"$f" | cut -c1-16)
	light=()
	case $f in
	harness/tests/* | harness/bench/* | harness/fuzz/* | harness/selftest/*)
		light=(--checks=-clang-analyzer-*) ;;
	esac
	clang-tidy -quiet --config-file="$CONF" "${light[@]}" "$f" -- "$@" 2>/dev/null |
		grep -E "^[^ ]+:[0-9]+:[0-9]+: warning: .*\[[a-z.,-]+\]$" |
		sed "s|^$PWD/||" >"$CACHE/$h.tmp"
	mv "$CACHE/$h.tmp" "$CACHE/$h"' _ "${flags[@]}"
findings=()
supp=$(grep -v '^#' "$conf/clang-tidy.supp")
for i in "${!files[@]}"; do
	f=${files[i]} h=$key-${sums[i]}
	[ -e "$cache/$h" ] || { findings+=("$f: clang-tidy did not finish"); continue; }
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		check=${line##*[}
		check=${check%]}
		path=${line%%:*}
		grep -qxF "$check $path" <<<"$supp" ||
			findings+=("$line")
	done <"$cache/$h"
done
if [ ${#findings[@]} = 0 ]; then
	echo "PASS clang-tidy: no finding in ${#files[@]} files (${#todo[@]} analysed, the rest unchanged; $((SECONDS - t0)) s)"
else
	echo "FAIL clang-tidy: ${#findings[@]} finding(s): $(printf '%s; ' "${findings[@]:0:5}")"
fi
