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
# Cheap by design: the tree and its TAG are those of the mutants step of
# `make test` (harness/selftest/run), which runs just before the suites, so
# nothing is rebuilt there; and only the checks needed run. Alone
# (make test ONLY=suites) it builds each mutant once.
set -uo pipefail
cd "$(dirname "$0")/../../.."

LABS=${HINT_LABS:-"02-mutex 03-ring-buffer"}
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
	local dir=build/mutants/$1/$2 fresh=build/mutants/.hints-fresh
	rm -rf "$fresh"
	mkdir -p "$(dirname "$fresh")"
	cp -r solutions "$fresh"
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

# report LAB TAG ID: what the student reads for check ID (its figure,
# evidence and hint) when it failed, or nothing when it passed; from the
# results JSON, the one contract between the runner and the tools.
report() {
	local lab=$1 tag=$2 id=$3 out json=build/results/lab${1:0:2}-$2.json
	rm -f "$json" # a stale file must not speak for a build that failed
	out=$(TAG=$tag ONLY=$id GIVEN_DIR="$PWD/build/mutants/$lab/$name/given" \
		harness/check-lab "${lab:0:2}" "build/mutants/$lab/$name" 2>&1)
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
		want=$(header Hint "$patch")
		caught=$(header Caught-by "$patch")
		also=$(header Hint-also "$patch")
		what="mutant $lab/$name: the first check that fails names the mistake"
		if [ -z "$want" ]; then
			echo "FAIL $what: no '# Hint:' line in its header"
			continue
		fi
		if ! tree "$lab" "$name" "$patch"; then
			echo "FAIL $what: the patch does not apply"
			continue
		fi
		tag=mutant-$lab-$name
		first=
		for id in $(check_order "$lab"); do
			[[ " $caught " == *" $id "* ]] || continue
			text=$(report "$lab" "$tag" "$id")
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
			text=$(report "$lab" "$tag" "$id")
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
