#!/bin/sh
# run.sh - run libFuzzer harnesses for a bounded time and report what they
# did.  Builds nothing: give it the fuzz binaries `make fuzz` built
# (configure --enable-fuzzing; clang -fsanitize=fuzzer,address,undefined).
#
#   tests/fuzz/run.sh [-t SECONDS] [-j JOBS] [-s SRCDIR] [-o OUTDIR] FUZZER...
#
#   -t SECONDS  fuzzing time per harness (default 60, or $XS_FUZZ_SECONDS)
#   -j JOBS     harnesses fuzzed at the same time (default 1)
#   -s SRCDIR   the source tree (default: two levels above this script)
#   -o OUTDIR   where corpora, logs and crashes go (default: a new
#               directory under ${TMPDIR:-/tmp}; it is kept and named)
#
# For each FUZZER (a binary named fuzz_NAME) it
#   1. runs every file in tests/fuzz/regressions/NAME/ once: each is a crash
#      found earlier and fixed, so each must now pass;
#   2. fuzzes for SECONDS from the seeds: tests/fuzz/corpus/NAME/ plus the
#      shipped files that fit (scenarios/ for the scenario and run
#      harnesses, tests/bad-scenarios/ and tests/bad-input/ for the
#      parsers and the store).  New inputs go to OUTDIR, never into the
#      source tree;
#   3. prints one line: executions, executions per second, edges covered
#      (libFuzzer's "cov"), features ("ft"), corpus size, crashes.
# A crash leaves OUTDIR/NAME/crash-* (the input) and OUTDIR/NAME/log; keep
# the input as tests/fuzz/regressions/NAME/DESCRIPTION once it is fixed.
# Exit status: 0 when nothing crashed, 1 otherwise, 2 usage error.
set -u

seconds=${XS_FUZZ_SECONDS:-60}
jobs=1
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
outdir=

usage() {
	sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}
while getopts t:j:s:o:h opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	j) jobs=$OPTARG ;;
	s) srcdir=$OPTARG ;;
	o) outdir=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
case $seconds in '' | *[!0-9]*) echo "run.sh: -t wants whole seconds, not '$seconds'" >&2; exit 2 ;; esac
case $jobs in '' | *[!0-9]* | 0) echo "run.sh: -j wants a number of jobs, not '$jobs'" >&2; exit 2 ;; esac
[ -n "$outdir" ] || outdir=$(mktemp -d "${TMPDIR:-/tmp}/xs-fuzz.XXXXXX")
mkdir -p "$outdir" || exit 2

# Seeds that reproduce a known bug not fixed yet (docs/reliability.md) would
# stop libFuzzer at once: name them here (file names, space-separated) until
# the fix lands, then keep the file in tests/fuzz/regressions/NAME/.  None
# today (B2, B13 and B14's are regressions/store/b*).
skip_seeds=${XS_FUZZ_SKIP_SEEDS-}

# seeds NAME WORK: the seed directories of harness NAME (that exist); the
# shared ones are linked into WORK/seeds without the skipped files
seeds() {
	mkdir -p "$2/seeds"
	for d in $(case $1 in
		scenario) echo "$srcdir/scenarios $srcdir/tests/bad-scenarios $srcdir/tests/bad-input/scenarios" ;;
		run) echo "$srcdir/scenarios" ;;
		schedule) echo "$srcdir/tests/bad-input/schedules" ;;
		store) echo "$srcdir/tests/bad-input/databases" ;;
	esac); do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			case " $skip_seeds " in *" $(basename "$f") "*) continue ;; esac
			[ -f "$f" ] && ln -sf "$f" "$2/seeds/$(basename "$d")-$(basename "$f")"
		done
	done
	[ -d "$srcdir/tests/fuzz/corpus/$1" ] && printf '%s\n' "$srcdir/tests/fuzz/corpus/$1"
	printf '%s\n' "$2/seeds"
}

# one BINARY: regressions, then fuzzing; writes OUTDIR/NAME/summary
one() {
	bin=$1
	name=$(basename "$bin"); name=${name#fuzz_}
	work="$outdir/$name"
	rm -rf "$work"; mkdir -p "$work/corpus"
	status=ok
	regs=0
	if [ -d "$srcdir/tests/fuzz/regressions/$name" ]; then
		set --
		for f in "$srcdir/tests/fuzz/regressions/$name"/*; do
			[ -f "$f" ] && set -- "$@" "$f"
		done
		regs=$#
		if [ $# -gt 0 ] && ! "$bin" -runs=1 "$@" > "$work/regressions.log" 2>&1; then
			status="REGRESSION (see $work/regressions.log)"
		fi
	fi
	# -timeout: one input may take 10 s at most (a hang is a crash);
	# -rss_limit_mb: and 2 GiB; -max_len: the biggest seed database is 36 KiB.
	# shellcheck disable=SC2046
	# (the store harness writes and syncs a database per input: in memory, when it can)
	[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$work/" \
		"$work/corpus" $(seeds "$name" "$work") > "$work/log" 2>&1
	rc=$?
	crashes=$(find "$work" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
	if [ $rc -ne 0 ] || [ "$crashes" -gt 0 ]; then
		status="CRASH (exit $rc; see $work/log)"
	fi
	# the last status line: "#123456 DONE cov: 812 ft: 2301 corp: 401/20Kb ... exec/s: 4102 ..."
	last=$(grep -E '^#[0-9]+' "$work/log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
	[ -n "$execs" ] || execs=$(printf '%s\n' "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	printf '%-10s %5ss %11s %8s %6s %7s %6s %6s  %s\n' "$name" "$seconds" "${execs:-?}" "${rate:-?}" \
		"${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes" "$status" > "$work/summary"
	[ "$status" = ok ]
}

printf '%-10s %6s %11s %8s %6s %7s %6s %6s  %s\n' harness time execs exec/s cov ft corpus crash status
failed=0
running=0
pids=
for bin; do
	if [ ! -x "$bin" ]; then
		echo "run.sh: $bin is not an executable fuzz harness (build them with make fuzz)" >&2
		failed=1
		continue
	fi
	one "$bin" &
	pids="$pids $!"
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		for p in $pids; do wait "$p" || failed=1; done
		pids=; running=0
	fi
done
for p in $pids; do wait "$p" || failed=1; done
for bin; do
	name=$(basename "$bin"); name=${name#fuzz_}
	[ -f "$outdir/$name/summary" ] && cat "$outdir/$name/summary"
done
echo "(cov: code edges reached in the instrumented build; ft: libFuzzer features; corpora and logs in $outdir)"
exit $failed
