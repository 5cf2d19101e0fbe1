#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make test suite: each planted mutant is reported with a message or a hint
# that names its mistake, not only caught.
#
# Every harness/mutants/NN-lab/*.patch of the labs in LABS carries, beside
# its "# Caught-by:" line, a line
#
#   # Hint: REGEX
#
# (an extended regular expression, matched without regard to case). The
# suite applies the patch to a copy of solutions/, runs the mutant's
# Caught-by checks one at a time in the order of the lab's checks file (the
# order the runner prints them in), and stops at the first that fails: what
# the student reads for that check (its figure, evidence and hint) must
# match REGEX. An optional
#
#   # Hint-also: ID ...
#
# names further checks whose report must match too (a mistake that several
# checks catch, whose hints once pointed elsewhere).
#
# Cheap by design: the mutants step of `make test` (harness/selftest/run),
# which runs just before the suites, has already run every Caught-by check
# of each mutant, and its results JSON is read as it stands when it is
# newer than the mutant and everything it is built from. Otherwise (make
# test ONLY=suites, or an old file) the suite makes the mutant's tree with
# the same path and TAG, so that a later run rebuilds nothing, and runs
# only the checks it needs, one at a time.
set -uo pipefail
cd "$(dirname "$0")/../../.."

# HINT_LABS and HINT_ONLY (globs of mutant names) narrow it down.
LABS=${HINT_LABS:-"01-thread-pool 02-mutex 03-ring-buffer 04-actors"}
make -s build/tools/runner || exit 0

# header FIELD PATCH: the value of the "# FIELD:" line of the patch header.
header() {
	sed -n "/^[^#]/q; s/^# $1: *//p" "$2" | head -n 1
}

# The ids of a lab's checks, in the order of its checks file, as the runner
# reads them (runner --list).
check_order() {
	build/tools/runner --list "harness/checks/$1.checks" |
		python3 -c 'import json, sys; print(*(c["id"] for c in json.load(sys.stdin)))'
}

# tree LAB NAME PATCH: the mutant's tree, as the mutants step makes it.
# Files that did not change keep their times, so that make rebuilds nothing
# when the tree is already there.
tree() {
	local dir=build/mutants/$1/$2 fresh
	mkdir -p build/mutants
	fresh=$(mktemp -d build/mutants/.hints-XXXXXX) || return 1
	rmdir "$fresh" && cp -r solutions "$fresh"
	cp -r harness/given "$fresh/given" # as the mutants step: given code too
	patch -s -p1 -d "$fresh" -i "$(realpath "$3")" || return 1
	mkdir -p "$dir"
	(cd "$fresh" && find . -type f) | while read -r f; do
		cmp -s "$fresh/$f" "$dir/$f" && continue
		mkdir -p "$(dirname "$dir/$f")"
		cp -p "$fresh/$f" "$dir/$f"
	done
	rm -rf "$fresh"
}

# fresh JSON LAB PATCH: whether JSON (the mutants step's results, with
# every Caught-by check of the mutant) is newer than everything it depends
# on, so that it may stand for a run of its own.
fresh() {
	[ -f "$1" ] && [ -z "$(find "$3" "harness/checks/$2.checks" \
		"harness/tests/$2" "harness/scenarios/$2" solutions \
		harness/given harness/lib sanitizers build/tools/runner \
		-newer "$1" -print -quit 2>/dev/null)" ]
}

# judged JSON ID: whether JSON holds a verdict (pass or fail) for check ID.
judged() {
	python3 - "$1" "$2" <<'PY'
import json, sys
try:
    checks = json.load(open(sys.argv[1]))["checks"]
except (OSError, ValueError, KeyError):
    sys.exit(1)
sys.exit(0 if any(c["id"] == sys.argv[2] and c["verdict"] in ("pass", "fail")
                  for c in checks) else 1)
PY
}

# report LAB ID: what the student reads for check ID of the mutant (its
# figure, evidence and hint) when it failed, or nothing when it passed;
# from the results JSON, the one contract between the runner and the
# tools. The mutants step's results serve when they are fresh; otherwise
# the mutant's tree is made and the one check run.
report() {
	local lab=$1 id=$2 out="" tag=mutant-$1-$name
	local json=build/results/lab${1:0:2}-$tag.json
	if ! fresh "$json" "$lab" "$patch" || ! judged "$json" "$id"; then
		rm -f "$json" # a stale file must not speak for a failed build
		if ! tree "$lab" "$name" "$patch"; then
			echo "(the patch does not apply)"
			return
		fi
		out=$(TAG=$tag ONLY=$id \
			GIVEN_DIR="$PWD/build/mutants/$lab/$name/given" \
			harness/check-lab "${lab:0:2}" "build/mutants/$lab/$name" 2>&1)
	fi
	python3 - "$json" "$id" "$(tail -n 3 <<<"$out")" <<'PY'
import json, sys
path, cid, tail = sys.argv[1:4]
try:
    res = json.load(open(path))
except (OSError, ValueError):
    print("(no results: " + " ".join(tail.splitlines()) + ")")
    sys.exit(0)
if not res.get("build", {}).get("ok", True):
    print("(the mutant does not build: " + " ".join(tail.splitlines()) + ")")
    sys.exit(0)
for c in res["checks"]:
    if c["id"] == cid and c["verdict"] == "fail":
        print("\n".join([c.get("figure") or ""] + (c.get("evidence") or [])
                        + ["hint: " + (c.get("hint") or "(none)")]))
PY
}

for lab in $LABS; do
	for patch in harness/mutants/"$lab"/*.patch; do
		name=$(basename "$patch" .patch)
		selected=0
		read -r -a globs <<<"${HINT_ONLY:-*}" # words, not file names
		for glob in "${globs[@]}"; do
			# shellcheck disable=SC2053
			[[ $name == $glob ]] && selected=1
		done
		[ $selected = 1 ] || continue
		want=$(header Hint "$patch")
		caught=$(header Caught-by "$patch")
		also=$(header Hint-also "$patch")
		what="mutant $lab/$name: the first check that fails names the mistake"
		if [ -z "$want" ]; then
			echo "FAIL $what: no '# Hint:' line in its header"
			continue
		fi
		first=
		for id in $(check_order "$lab"); do
			[[ " $caught " == *" $id "* ]] || continue
			text=$(report "$lab" "$id")
			[ -n "$text" ] || continue
			first=$id
			break
		done
		if [ -z "$first" ]; then
			echo "FAIL $what: none of its checks ($caught) failed"
			continue
		fi
		if grep -qiE -- "$want" <<<"$text"; then
			echo "PASS $what: $first says /$want/"
		else
			echo "FAIL $what: $first does not say /$want/: $(tr '\n' ' ' <<<"$text" | tr -s ' ' | cut -c1-300)"
		fi
		for id in $also; do
			text=$(report "$lab" "$id")
			if [ -z "$text" ]; then
				echo "FAIL mutant $lab/$name: $id fails and says /$want/: it passed"
			elif grep -qiE -- "$want" <<<"$text"; then
				echo "PASS mutant $lab/$name: $id fails and says /$want/"
			else
				echo "FAIL mutant $lab/$name: $id fails and says /$want/: $(tr '\n' ' ' <<<"$text" | tr -s ' ' | cut -c1-300)"
			fi
		done
	done
done
