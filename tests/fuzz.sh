# fuzz.sh - the fuzzers' findings and seeds, without libFuzzer (fuzz-*): each
# harness of tests/fuzz, built with a plain main() as tests/fuzz/replay_NAME
# (tests/fuzz/replay.c), runs
#   fuzz-NAME-reg.FILE  every crash fuzzing found and was fixed, one test
#                       each (tests/fuzz/regressions/NAME/FILE)
#   fuzz-NAME-seeds     all of its seeds at once: tests/fuzz/corpus/NAME/ and
#                       the shipped files run.sh gives it
# through the same LLVMFuzzerTestOneInput the fuzzer calls, so a fixed bug
# that comes back fails make check on every build, compiler and sanitizer.
# A harness aborts when a contract is broken (see each fuzz_NAME.c); a
# sanitizer build also fails on a memory error or leak.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"
bindir=$(dirname "$XS_BIN")/tests/fuzz
fz="$XS_SRCDIR/tests/fuzz"
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-fuzz-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run_harness ID DESCRIPTION NAME FILE...: one test
run_harness() {
	id=$1 what=$2 name=$3
	shift 3
	# (timeout: a hang is a failure too; 300 s for the slow sanitizer builds)
	timeout 300 "$bindir/replay_$name" "$@" > /dev/null 2> "$work/err"
	rc=$?
	ok $rc "$id" "$what (exit $rc)"
	[ $rc -ne 0 ] && grep -v "ASan doesn't fully support" "$work/err" | head -12 | sed 's/^/#   /'
}

# the seed directories run.sh uses besides tests/fuzz/corpus/NAME
shared_seeds() {
	case $1 in
	scenario) echo "$XS_SRCDIR/scenarios $XS_SRCDIR/tests/bad-scenarios $XS_SRCDIR/tests/bad-input/scenarios" ;;
	run) echo "$XS_SRCDIR/scenarios" ;;
	schedule) echo "$XS_SRCDIR/tests/bad-input/schedules" ;;
	store) echo "$XS_SRCDIR/tests/bad-input/databases" ;;
	esac
}

for name in scenario schedule export run store; do
	if [ ! -x "$bindir/replay_$name" ]; then
		ok 1 "fuzz-$name" "tests/fuzz/replay_$name is built"
		continue
	fi
	for f in "$fz/regressions/$name"/*; do
		[ -f "$f" ] || continue
		run_harness "fuzz-$name-reg.$(basename "$f")" "the $name harness on a kept crash" "$name" "$f"
	done
	set --
	for d in "$fz/corpus/$name" $(shared_seeds $name); do
		for f in "$d"/*; do
			[ -f "$f" ] && set -- "$@" "$f"
		done
	done
	run_harness "fuzz-$name-seeds" "the $name harness on its $# seeds" "$name" "$@"
done

done_testing
