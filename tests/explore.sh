# explore.sh - `xipsandbox explore` end to end (explore-cli-*): the search
# modes, exit statuses, counterexamples saved under names that replay,
# names taken over from older explorations, usage errors, and the split
# search shared out (explore-split-*): -j, --shard and merge, --resume
# after --limit and after SIGINT, SIGTERM, --limit with -j cut as one
# process cuts; a search under another program's write lock
# (explore-lock-*); the stateful search, --max-memory and --no-checkpoints
# (explore-state-*).
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-explore.XXXXXX")
trap 'rm -rf "$work"' EXIT
db="$work/x.db"
X() { "$XS_BIN" explore "$@"; }

# ---- 1: the classic race, reduced ------------------------------------------------
out=$(X classic --version buggy --db "$db"); rc=$?
is explore-cli-1.1 "classic, buggy: a bad verdict exits 1" "$rc" 1
has explore-cli-1.2 "... the search was complete" "$out" "(complete)"
has explore-cli-1.3 "... counts the executions" "$out" "executions: "
has explore-cli-1.4 "... and the distinct final states" "$out" "final states: "
has explore-cli-1.5 "... a verdict table with corruption" "$out" "  corruption"
has explore-cli-1.6 "... the shortest counterexample" "$out" "shortest counterexample: corruption in"
has explore-cli-1.7 "... the one with the fewest preemptions: 1" "$out" "fewest preemptions: corruption in"
has explore-cli-1.8 "... ... which needs exactly one" "$out" " 1 preemption (execution"
has explore-cli-1.9 "... saved as 'shortest'" "$out" "'shortest' (shortest)"
has explore-cli-1.10 "... and 'fewest-preemptions'" "$out" "'fewest-preemptions' (fewest-preemptions)"
has explore-cli-1.11 "... elapsed time and rate" "$out" "executions/s"

out=$("$XS_BIN" replay classic shortest --version buggy --db "$db" -q); rc=$?
is explore-cli-1.12 "the saved shortest counterexample replays to corruption (exit 11)" "$rc" 11
has explore-cli-1.13 "... with the trace hash recorded" "$out" "equals the one recorded"
out=$("$XS_BIN" replay classic fewest-preemptions --version buggy --db "$db" -q); rc=$?
is explore-cli-1.14 "so does 'fewest-preemptions'" "$rc" 11
out=$("$XS_BIN" list classic --db "$db"); rc=$?
has explore-cli-1.15 "list shows the rows with origin explore" "$out" "explore"

# ---- 2: fixed is ok under every schedule -----------------------------------------
out=$(X classic --version fixed --db "$db"); rc=$?
is explore-cli-2.1 "classic, fixed: no bad verdict exits 0" "$rc" 0
has explore-cli-2.2 "... and says every schedule is ok" "$out" "result: every schedule of fixed is ok"
out=$(X three-cpus --version fixed --no-record); rc=$?
is explore-cli-2.3 "three-cpus, fixed: every schedule is ok" "$rc" 0
out=$(X three-cpus --version buggy --no-record); rc=$?
is explore-cli-2.4 "three-cpus, buggy: corruption" "$rc" 1
has explore-cli-2.5 "... --no-record saves nothing" "$out" "result: bad verdicts found on buggy"
case $out in *recorded:*) ok 1 explore-cli-2.6 "... and says nothing about saving" ;;
*) ok 0 explore-cli-2.6 "... and says nothing about saving" ;; esac

# ---- 3: preemption bounds, full, random, PCT ---------------------------------------
out=$(X classic --preemptions 0 --no-record); rc=$?
is explore-cli-3.1 "--preemptions 0 finds no bad verdict on buggy" "$rc" 0
has explore-cli-3.2 "... and says what it proved" "$out" "every schedule of buggy with at most 0 preemptions is ok"
out=$(X classic --preemptions 1 --no-record); rc=$?
is explore-cli-3.3 "--preemptions 1 finds the corruption" "$rc" 1
has explore-cli-3.4 "... counting schedules per number of preemptions" "$out" "by preemptions: 0: 2, 1:"
out=$(X classic --preemptions 3 --stop-at-first --no-record); rc=$?
has explore-cli-3.5 "--stop-at-first with a bound: the first found has 1 preemption" "$out" "1 preemption (execution"
has explore-cli-3.6 "... and it says it stopped" "$out" "stopped at the first bad verdict"
out=$(X "$XS_SRCDIR/tests/scenarios/tiny-touch-write.scn" --full --no-record); rc=$?
is explore-cli-3.7 "--full on a tiny scenario" "$rc" 0
has explore-cli-3.8 "... runs every interleaving" "$out" "executions: 1365 run to their end"
out=$(X "$XS_SRCDIR/tests/scenarios/tiny-touch-write.scn" --no-record); rc=$?
has explore-cli-3.9 "... which reduced does in 2" "$out" "executions: 2 run to their end"
out=$(X classic --random 500 --seed 7 --no-record); rc=$?
is explore-cli-3.10 "--random finds the classic race" "$rc" 1
has explore-cli-3.11 "... and names the seed" "$out" "500 random runs, seed 7"
out2=$(X classic --random 500 --seed 7 --no-record | grep -v '^time:')
out1=$(printf '%s\n' "$out" | grep -v '^time:')
is explore-cli-3.12 "... the same seed, the same output" "$out1" "$out2"
out=$(X classic --pct --random 300 --no-record); rc=$?
is explore-cli-3.13 "--pct finds it too" "$rc" 1
has explore-cli-3.14 "... with the depth" "$out" "300 PCT runs, depth 3"
out=$(X classic --version fixed --pct --random 300 --no-record); rc=$?
has explore-cli-3.15 "sampling the fixed version claims no proof" "$out" "(a sample, not a proof)"
out=$(X three-cpus --version fixed --limit 5 --no-record); rc=$?
has explore-cli-3.16 "--limit stops early and says it is incomplete" "$out" "stopped at --limit: incomplete"

out=$(X classic --version fixed --without mutex,seqcount,recheck,retry,livelock-fix); rc=$?
is explore-cli-3.17 "--without: the fix taken apart fails again" "$rc" 1
has explore-cli-3.18 "... says what was switched off" "$out" "version:  fixed without mutex+seqcount+recheck+retry+livelock-fix"
case $out in *recorded:*) ok 1 explore-cli-3.19 "... a what-if is not recorded" ;;
*) ok 0 explore-cli-3.19 "... a what-if is not recorded" ;; esac
err=$(X classic --version buggy --without mutex 2>&1); rc=$?
is explore-cli-3.20 "--without on buggy: usage error" "$rc" 2
err=$(X classic --version fixed --without glue 2>&1); rc=$?
is explore-cli-3.21 "--without with an unknown ingredient: usage error" "$rc" 2
has explore-cli-3.22 "... naming it" "$err" "unknown ingredient 'glue'"

# ---- 4: names: an older exploration gives its name up, a user's name is kept --------
X classic --version buggy --db "$db" >/dev/null
n=$("$XS_BIN" list classic --db "$db" | grep -c ' shortest  *buggy ')
is explore-cli-4.1 "exploring again moves 'shortest' to the newest row: one holder" "$n" 1
"$XS_BIN" run classic --version buggy --schedule "1 0" --name shortest-mine --db "$db" -q >/dev/null
uid=$("$XS_BIN" list classic --db "$db" | awk '$3 == "shortest-mine" {print $1}')
old=$("$XS_BIN" list classic --db "$db" | awk '$3 == "shortest" && $4 == "buggy" {print $1}')
"$XS_BIN" save "$old" explored-before --db "$db" >/dev/null   # free the name ...
"$XS_BIN" save "$uid" shortest --db "$db" >/dev/null          # ... and give it to the user's row
out=$(X classic --version buggy --db "$db"); rc=$?
is explore-cli-4.2 "with 'shortest' held by a user's row, explore still records" "$rc" 1
has explore-cli-4.3 "... under the next free name" "$out" "'shortest-2' (shortest)"
n=$("$XS_BIN" list classic --db "$db" | awk -v id="$uid" '$1 == id {print $3}')
is explore-cli-4.4 "... and the user's row keeps its name" "$n" "shortest"

# ---- 5: errors -----------------------------------------------------------------------
err=$(X 2>&1); rc=$?
is explore-cli-5.1 "no scenario: usage error" "$rc" 2
err=$(X classic --full --random 3 2>&1); rc=$?
is explore-cli-5.2 "two search modes: usage error" "$rc" 2
has explore-cli-5.3 "... saying why" "$err" "choose different searches"
err=$(X classic --preemptions 99 2>&1); rc=$?
is explore-cli-5.4 "a bound out of range: usage error" "$rc" 2
has explore-cli-5.5 "... naming the range" "$err" "--preemptions wants a number from 0 to 32"
err=$(X classic --version bugy 2>&1); rc=$?
is explore-cli-5.6 "an unknown version: usage error" "$rc" 2
err=$(X nosuch 2>&1); rc=$?
is explore-cli-5.7 "an unknown scenario: bad input (3)" "$rc" 3
: > "$work/plain"
err=$(X classic --db "$work/plain/x.db" 2>&1); rc=$?
is explore-cli-5.8 "an unusable database: bad input (3), before searching" "$rc" 3
has explore-cli-5.9 "... suggesting --no-record" "$err" "--no-record"
out=$(X --help); rc=$?
is explore-cli-5.10 "--help exits 0" "$rc" 0
has explore-cli-5.11 "... and documents the exit statuses" "$out" "1 some bad verdict found"
# long enough (about a second) for progress lines, were stderr a terminal
err=$(X "$XS_SRCDIR/tests/scenarios/tiny-read-write.scn" --version later --full --no-record 2>&1 >/dev/null | no_asan_noise)
is explore-cli-5.12 "no progress line when stderr is not a terminal" "$err" ""

out=$("$XS_BIN" explore classic --version buggy --no-record --dot "$work/tree.dot"); rc=$?
is explore-dot-1 "--dot draws the explored schedules (exit 1: corruption found)" "$rc" 1
has explore-dot-2 "... a DOT digraph" "$(cat "$work/tree.dot")" "digraph explored {"
runs=$(printf '%s\n' "$out" | sed -n 's/^executions: \([0-9]*\) run.*/\1/p')
is explore-dot-3 "... with one leaf per execution ($runs)" "$(grep -c 'shape=box' "$work/tree.dot")" "$runs"
is explore-dot-4 "... two of them corruption" "$(grep -c 'label="corruption"' "$work/tree.dot")" "2"
# ---- 6: the split search shared out: -j, shards + merge, resume ------------------------
strip() { grep -v -e '^time:' -e '^recorded:' -e '^replay:' -e '^merged:' -e '^resumed:' -e '^merge:' -e '^resume:'; }
one=$(X three-cpus --version buggy --no-record | strip)
two=$(X three-cpus --version buggy --no-record -j 2 | strip)
is explore-split-1 "-j 2 prints what -j 1 prints (three-cpus, buggy)" "$two" "$one"
has explore-split-2 "... which names its units" "$one" "units:    67 (split at depth 10)"
for k in 1 2 3; do
	X three-cpus --version buggy --shard $k/3 --db "$work/shard$k.db" >"$work/shard$k.out"; rcs="$rcs$?"
done
has explore-split-3 "each shard reports its own units" "$(cat "$work/shard2.out")" "shard:    2/3: 22 of the 67 units"
has explore-split-4 "... and how to merge" "$(cat "$work/shard3.out")" "merge:    xipsandbox merge"
case $(cat "$work/shard1.out") in *\'shortest\'*) ok 1 explore-split-5 "a shard saves no counterexample (merge does)" ;;
*) ok 0 explore-split-5 "a shard saves no counterexample (merge does)" ;; esac
out=$("$XS_BIN" merge --db "$work/whole.db" "$work/shard3.db" "$work/shard1.db" "$work/shard2.db"); rc=$?
is explore-split-6 "merge exits as explore does (1: bad verdicts)" "$rc" 1
is explore-split-7 "... and prints what one run prints" "$(printf '%s\n' "$out" | strip)" "$one"
has explore-split-8 "... and records the counterexamples" "$out" "'shortest' (shortest) in $work/whole.db"
out=$("$XS_BIN" replay three-cpus shortest --version buggy --db "$work/whole.db" -q); rc=$?
is explore-split-9 "the merged shortest counterexample replays to corruption" "$rc" 11
err=$("$XS_BIN" merge --db "$work/whole.db" "$work/shard1.db" "$work/shard3.db" 2>&1); rc=$?
is explore-split-10 "merge without one shard: exit 3" "$rc" 3
has explore-split-11 "... naming the missing shard" "$err" "shard 2/3 of the search is in none of the databases"
err=$("$XS_BIN" merge --db "$work/whole.db" "$work/nosuch.db" 2>&1); rc=$?
is explore-split-12 "merge of a missing file: exit 3" "$rc" 3
has explore-split-13 "... naming it" "$err" "$work/nosuch.db: No such file or directory"
err=$("$XS_BIN" merge "$db" 2>&1); rc=$?
has explore-split-14 "merge of a database without shards says so" "$err" "no shard of any exploration"

# the same databases holding the shards of a second search (fixed): choose with --version
for k in 1 2 3; do X three-cpus --version fixed --shard $k/3 --db "$work/shard$k.db" >/dev/null; done
err=$("$XS_BIN" merge --db "$work/whole.db" "$work/shard1.db" "$work/shard2.db" "$work/shard3.db" 2>&1); rc=$?
is explore-split-29 "merge of databases holding two whole searches: exit 3" "$rc" 3
has explore-split-30 "... saying how to choose" "$err" "choose one with --version"
fixed_one=$(X three-cpus --version fixed --no-record | strip)
out=$("$XS_BIN" merge --version fixed --db "$work/whole.db" "$work/shard1.db" "$work/shard2.db" "$work/shard3.db"); rc=$?
is explore-split-31 "merge --version fixed merges that one (exit 0)" "$rc" 0
is explore-split-32 "... into what one run of it prints" "$(printf '%s\n' "$out" | strip)" "$fixed_one"

rdb="$work/resume.db"
X three-cpus --version buggy --limit 300 --db "$rdb" >"$work/limited.out"
has explore-split-15 "--limit leaves the search unfinished, and says how to resume" "$(cat "$work/limited.out")" "resume:   xipsandbox explore three-cpus --version buggy --resume"
out=$(X three-cpus --version buggy --resume --db "$rdb"); rc=$?
is explore-split-16 "--resume finishes it: exit 1" "$rc" 1
is explore-split-17 "... with what one run prints" "$(printf '%s\n' "$out" | strip)" "$one"
has explore-split-18 "... and says how much was done before" "$out" "resumed:  exploration 1: 4 of its 67 units were done before"
err=$(X three-cpus --version buggy --resume --db "$rdb" 2>&1); rc=$?
is explore-split-19 "--resume with nothing unfinished: exit 3" "$rc" 3
has explore-split-20 "... saying what to do" "$err" "run without --resume to start one"
err=$(X three-cpus --version buggy --resume --no-record 2>&1); rc=$?
is explore-split-21 "--resume without the database: usage error" "$rc" 2
err=$(X classic --random 5 -j 2 2>&1); rc=$?
is explore-split-22 "-j with --random: usage error" "$rc" 2
has explore-split-23 "... saying which searches split" "$err" "split the default and the --full"
err=$(X classic --shard 3/2 2>&1); rc=$?
is explore-split-24 "--shard 3/2: usage error" "$rc" 2

# a signal stops a -j search cleanly; --resume then finishes it with the whole search's counts
# (tiny-read-write, later, --full: 211308 executions in 284 units, about 0.5 s)
tp="$XS_SRCDIR/tests/scenarios/tiny-read-write.scn"
t0=$(date +%s%N)
full=$(X "$tp" --version later --full --units 200 --no-record | strip)
# signal at a fifth of what one process takes here (as fast or slow as this build and machine are)
at=$(awk -v d=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%.3f", d / 5e9 }')
for sig in INT TERM; do
	sdb="$work/sig-$sig.db"
	jobs=2; [ $sig = INT ] && jobs=1
	"$XS_BIN" explore "$tp" --version later --full --units 200 -j $jobs --db "$sdb" >"$work/sig.out" 2>&1 &
	pid=$!
	sleep "$at"
	kill -$sig $pid
	wait $pid; rc=$?
	sout=$(cat "$work/sig.out")
	case $rc in 130) ok 0 "explore-split-25.$sig" "SIG$sig stops explore -j $jobs with exit status 130 (got $rc)" ;;
	*) ok 1 "explore-split-25.$sig" "SIG$sig stops explore -j $jobs with exit status 130 (got $rc)" ;; esac
	has "explore-split-26.$sig" "... saying the search is incomplete" "$sout" "interrupted: incomplete"
	out=$(X "$tp" --version later --full --units 200 --resume --db "$sdb" -j 2); rc=$?
	is "explore-split-27.$sig" "... and --resume finishes it with the counts of one run" "$(printf '%s\n' "$out" | strip)" "$full"
	[ $sig = INT ] && has explore-split-28 "... going on from the units done before the signal" "$out" "units were done before"
done

# 33, 34 (B25): --limit with -j cuts where one process cuts: the same report,
# every run.  5000 executions are enough to cross many unit boundaries; the
# bound is generous because CI runs this under ASan+UBSan beside other tests.
four="$XS_SRCDIR/tests/scenarios/four-readers.scn"
one=$(timeout 300 "$XS_BIN" explore "$four" --limit 5000 --no-record | strip)
has explore-split-33.1 "four-readers --limit 5000 runs exactly 5000 executions" "$one" "executions: 5000 run to their end"
for i in 1 2 3; do
	two=$(timeout 300 "$XS_BIN" explore "$four" --limit 5000 -j 2 --no-record | strip)
	is explore-split-33.$((i + 1)) "... and so does -j 2, with what -j 1 prints (run $i)" "$two" "$one"
done
ldb="$work/limit-j.db"
one=$(X three-cpus --version buggy --limit 300 --no-record | strip)
two=$(X three-cpus --version buggy --limit 300 -j 2 --db "$ldb" | strip)
is explore-split-34.1 "three-cpus --limit 300 -j 2 prints what -j 1 prints" "$two" "$one"
out=$(X three-cpus --version buggy --resume -j 2 --db "$ldb")
has explore-split-34.2 "... keeps the units -j 1 keeps (4), which --resume loads" "$out" "4 of its 67 units were done before"

# 35 (B24): another program holding the write lock for twice as long as the search
# takes and 4 s more does not stall it (-j 2: the parent writes); only the last write waits,
# and says so
ms_of() { awk '/^time:/ { t = $2; if ($3 == "ms,") t /= 1000; printf "%d\n", t * 1000 }' "$1"; }
if command -v sqlite3 >/dev/null 2>&1; then
	lk="$work/lock.db"
	# lock_when ROWS SECONDS: once the search has begun (its exploration row, the ROWSth, is
	# there), another program holds the write lock for SECONDS; its pid in lpid
	lock_when() {
		n=0
		while [ "$(sqlite3 "$lk" 'SELECT count(*) FROM explorations' 2>/dev/null)" != "$1" ] && [ $n -lt 500 ]; do
			sleep 0.01; n=$((n + 1))
		done
		sqlite3 "$lk" ".timeout 5000" "BEGIN EXCLUSIVE" ".system sleep $2" "COMMIT" > /dev/null 2>&1 &
		lpid=$!
	}
	# --no-checkpoints: the slower search leaves the other program time to take the lock
	lx() { timeout 300 "$XS_BIN" explore "$four" --version later --units 1000 --limit 20000 -j 2 -q --no-checkpoints --db "$lk" "$@"; }
	lx > "$work/free.out" 2>&1
	free=$(ms_of "$work/free.out")
	# held for twice the search's time and 4 s more: a search that stalled until the
	# lock went would take about that long, one that did not about as long as
	# without; the bound halfway between leaves room for a loaded machine (a
	# sanitizer build ran 15.9 s free and 18.96 s under a lock only 4 s longer)
	hold=$(( ${free:-0} * 2 / 1000 + 4 ))
	# the last write waits longer than the lock is held, however slow this build is
	XS_DB_BUSY_MS=$(( (hold + 20) * 1000 )) lx > "$work/lock.out" 2> "$work/lock.err" &
	pid=$!
	lock_when 2 $hold
	wait $pid; rc=$?
	wait $lpid
	locked=$(ms_of "$work/lock.out")
	ok "$([ -n "$locked" ] && [ "$locked" -lt $(( (free + hold * 1000) / 2 )) ]; echo $?)" explore-lock-1.1 \
		"a search under another program's $hold s write lock is not held up by it (${locked:-?} ms, ${free:-?} ms without, under $(( (free + hold * 1000) / 2 )) ms)"
	has explore-lock-1.2 "... the last write says it waits" "$(cat "$work/lock.err")" "explore: waiting up to"
	has explore-lock-1.3 "... then records the exploration" "$(cat "$work/lock.out")" "recorded: exploration 2 in"
	is explore-lock-1.4 "... with every unit found (as many as without the lock)" \
		"$(sqlite3 "$lk" 'SELECT units_done, (SELECT count(*) FROM exploration_units WHERE exploration_id = 2) FROM explorations WHERE id = 2')" \
		"$(sqlite3 "$lk" 'SELECT units_done, (SELECT count(*) FROM exploration_units WHERE exploration_id = 1) FROM explorations WHERE id = 1')"
	# 1.5, 1.6: one signal ends that wait: the report is printed, the loss said (B23, B24).
	# --no-checkpoints: resumed from checkpoints, 5000 executions can end before the lock is taken.
	# No timeout(1) in between: the signal must reach xipsandbox itself (a watchdog ends a hang)
	XS_DB_BUSY_MS=20000 "$XS_BIN" explore "$four" --version later --units 1000 --limit 5000 -j 2 -q \
		--no-checkpoints --db "$lk" > "$work/lock.out" 2> "$work/lock.err" &
	pid=$!
	# The watchdog's output goes nowhere and its sleep dies with it: a sleep
	# left holding this script's stdout kept the TAP driver waiting 5 minutes.
	( trap 'kill $s 2>/dev/null; exit 0' TERM; sleep 300 & s=$!; wait $s && kill -9 $pid ) > /dev/null 2>&1 &
	watchdog=$!
	lock_when 3 8
	n=0
	while ! grep -q 'explore: waiting up to' "$work/lock.err" && [ $n -lt 1000 ]; do sleep 0.01; n=$((n + 1)); done
	t0=$(date +%s%N)
	kill -TERM $pid; wait $pid; rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	ok "$([ $rc -eq 3 ] && [ $ms -lt 2000 ]; echo $?)" explore-lock-1.5 \
		"SIGTERM while the last write waits for the lock: explore stops within 2 s (exit $rc after $ms ms)"
	has explore-lock-1.6 "... having printed the report" "$(cat "$work/lock.out")" "result: "
	kill $lpid $watchdog 2>/dev/null; wait $lpid
fi
# ---- 7: the stateful search, checkpoints, --max-memory ------------------------------
out=$(X three-cpus --version buggy --stateful --db "$db"); rc=$?
is explore-state-1.1 "--stateful: three-cpus, buggy: corruption (exit 1)" "$rc" 1
has explore-state-1.2 "... complete" "$out" "(complete)"
has explore-state-1.3 "... the 20 final states of the default search" "$out" "final states: 20 distinct"
has explore-state-1.4 "... counts the states it stored" "$out" " stored ("
has explore-state-1.5 "... and the executions cut at a state met before" "$out" " at a state met before"
has explore-state-1.6 "... shortest counterexample: 43 steps, proven" "$out" "corruption in 43 steps"
has explore-state-1.7 "... saved as 'shortest'" "$out" "'shortest' (shortest)"
out=$("$XS_BIN" replay three-cpus shortest --version buggy --db "$db" -q); rc=$?
is explore-state-1.8 "... which replays to corruption (exit 11)" "$rc" 11
out=$(X three-cpus --version fixed --stateful=plain --max-memory 1 --no-record); rc=$?
is explore-state-2.1 "--stateful=plain --max-memory 1: three-cpus, fixed: still every schedule ok (exit 0)" "$rc" 0
has explore-state-2.2 "... says the table was full" "$out" "reached --max-memory"
has explore-state-2.3 "... and still finds the 13 final states" "$out" "final states: 13 distinct"
has explore-state-2.4 "... complete" "$out" "(complete)"
has explore-state-2.5 "... the plain search (every enabled CPU)" "$out" "search:   stateful, plain:"
out=$(X "$XS_SRCDIR/tests/scenarios/three-readers.scn" --version fixed --stateful --max-memory 1 --no-record); rc=$?
is explore-state-2.6 "--stateful --max-memory 1: three-readers, fixed: every schedule ok (exit 0)" "$rc" 0
has explore-state-2.7 "... says the table was full" "$out" "reached --max-memory"
has explore-state-2.8 "... and still finds the reduced search's 35 final states" "$out" "final states: 35 distinct"
has explore-state-2.9 "... complete" "$out" "(complete)"
has explore-state-2.10 "... stateful DPOR" "$out" "search:   stateful: source-DPOR with sleep sets and visited states matched"
has explore-state-2.11 "... reports what it pruned" "$out" "pruned: "
out=$(X classic --stateful=all --no-record 2>&1); rc=$?
is explore-state-2.12 "--stateful=all is a usage error (exit 2)" "$rc" 2
a=$(X three-cpus --version buggy --no-record | grep -v '^time:' | sed 's/ ([0-9]* steps.*//')
b=$(X three-cpus --version buggy --no-record --no-checkpoints | grep -v '^time:' | sed 's/ ([0-9]* steps.*//')
is explore-state-3.1 "--no-checkpoints: the same report but the steps and time" "$a" "$b"
out=$(X classic --stateful -j 2 --no-record 2>&1); rc=$?
is explore-state-3.2 "--stateful with -j is a usage error (exit 2)" "$rc" 2
out=$(X classic --max-memory 4 --no-record 2>&1); rc=$?
is explore-state-3.3 "--max-memory without --stateful is a usage error (exit 2)" "$rc" 2
out=$(X classic --stateful --full --no-record 2>&1); rc=$?
is explore-state-3.4 "--stateful with --full is a usage error (exit 2)" "$rc" 2

done_testing
