# challenge.sh - challenge mode as a student plays it (chal-*): the levels
# list and its refusals, then `xipsandbox challenge LEVEL` in a tmux pane at
# 80x24: a level won by driving the digit keys along the shipped 'race'
# schedule, scored against explore; the fixed level given up and proved
# unwinnable with the real exploration's counts; the progress kept per
# player across runs; the hint after two failed tries, naming the step of
# the student's own run; an old database upgraded.  Skipped (TAP skip) only
# where tmux is missing.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"

. "$XS_SRCDIR/tests/tmux.sh"
tmux_init chal
db="$work/chal.db"

# start PLAYER LEVEL: the level in a fresh 80x24 session, its intro shown
start() {
	rm -f "$work/exit"
	tmux_start 80 24 "USER='$1' '$XS_BIN' challenge $2 --db '$db'; echo \$? > '$work/exit'; sleep 60"
	wait_for "Challenge $2:"
}
# step N CPU: press the digit N times, each after the step counter moved on
step() {
	n=$1; k=0
	while [ $k -lt "$n" ]; do
		before=$(screen | head -1 | sed 's/.*| step \([0-9]*\) of.*/\1/')
		keys "$2"
		want=$((before + 1))
		wait_for "| step $want of" || { echo "# step $want did not come"; return 1; }
		k=$((k + 1))
	done
}
quit_status() {
	keys q
	wait_file "$work/exit"
	cat "$work/exit" 2>/dev/null
}

# ---- the list and the refusals ----
out=$(USER=ann "$XS_BIN" challenge --db "$db" 2>&1); rc=$?
is chal-1.1 "challenge without a level lists the levels (exit 0)" "$rc" 0
has chal-1.2 "... with the first level, its scenario and version, new" "$out" "corrupt  classic/buggy            corruption  new"
has chal-1.3 "... and says what to play next" "$out" "0 of 6 done. Next: xipsandbox challenge corrupt"
me=$(id -un)
out=$(env -u USER -u LOGNAME "$XS_BIN" challenge --db "$db" 2>&1); rc=$?
is chal-1.4 "no USER, no LOGNAME and no --player: the account's name is the player (exit 0)" "$rc" 0
has chal-1.5 "... $me" "$out" "Challenge levels for $me "
out=$("$XS_BIN" challenge --player 'a b' --db "$db" 2>&1); rc=$?
is chal-1.6 "a player name with a space is refused (exit 2)" "$rc" 2
has chal-1.7 "... saying which characters are allowed" "$out" "must be 1 to 64 letters, digits"
out=$(USER=ann "$XS_BIN" challenge nosuch --db "$db" 2>&1); rc=$?
is chal-1.8 "an unknown level is a usage error (exit 2)" "$rc" 2
has chal-1.9 "... naming the levels there are" "$out" "no level 'nosuch' (the levels: corrupt, fixed,"
out=$(echo | USER=ann "$XS_BIN" challenge corrupt --db "$db" 2>&1); rc=$?
is chal-1.10 "a level without a terminal is refused (exit 3)" "$rc" 3
has chal-1.11 "... pointing at the list" "$out" "'xipsandbox challenge' without a level lists the levels"
printf 'level a\n  title: t\n  scenario: nosuch\n  version: buggy\n  goal: bug\n  task: x\n  hint: cpu0 get_xip_mem:block_lookup\n    y\n' > "$work/bad.levels"
out=$(USER=ann "$XS_BIN" challenge --levels "$work/bad.levels" --db "$db" 2>&1); rc=$?
is chal-1.12 "a level whose scenario does not exist is refused at load (exit 3)" "$rc" 3
has chal-1.13 "... with its file and line" "$out" "bad.levels:1: level a: no scenario 'nosuch'"
sed 's/scenario: nosuch/scenario: classic/; s/cpu0/cpu5/' "$work/bad.levels" > "$work/bad2.levels"
out=$(USER=ann "$XS_BIN" challenge --levels "$work/bad2.levels" --db "$db" 2>&1); rc=$?
is chal-1.14 "a hint on a CPU the scenario lacks is refused (exit 3)" "$rc" 3
has chal-1.15 "... saying so" "$out" "bad2.levels:1: level a: the hint names CPU5, but scenario classic has 2 CPUs"
sed 's/goal: bug/goal: sometimes/' "$work/bad2.levels" > "$work/bad3.levels"
out=$(USER=ann "$XS_BIN" challenge --levels "$work/bad3.levels" --db "$db" 2>&1); rc=$?
is chal-1.16 "an unknown goal is refused (exit 3)" "$rc" 3
has chal-1.17 "... with its line" "$out" "bad3.levels:5: unknown goal 'sometimes'"

# ---- won: the digit keys along the shipped 'race' schedule of classic/buggy ----
"$XS_BIN" list classic --db "$db" >/dev/null 2>&1   # imports the shipped schedules
race_id=$("$XS_BIN" list classic --db "$db" | awk '$2 == "classic" && $3 == "race" && $4 == "buggy" { print $1 }')
race=$("$XS_BIN" export "$race_id" --db "$db" | cut -d: -f7)
[ -n "$race" ] && [ "${#race}" -gt 20 ]; ok $? chal-2.0 "the shipped race schedule of classic/buggy is $race"
start ann corrupt
has chal-2.1 "the level opens with its task" "$(screen)" "You are the scheduler. CPU0 runs process A's read fault"
has chal-2.2 "... its goal" "$(screen)" "Goal: a run that ends in data corruption (buggy version)."
has chal-2.3 "... and the key bar says how to start" "$(screen)" " space start   q quit"
keys Space
wait_gone "(space starts)"; ok $? chal-2.4 "space closes the task"
has chal-2.4.1 "... and the key bar says the goal and the keys" "$(screen)" " goal: corruption  tries 0  0-7 run CPU  BS undo  i hint  x give up  q quit"
keys v
shows chal-2.5 "v is off: the version is the level's" "switching version is off; the level is classic on buggy"
prev=""; run=0; okrun=0
for cpu in $(echo "$race" | sed 's/./& /g'); do
	if [ "$cpu" = "$prev" ]; then run=$((run + 1)); else
		[ -n "$prev" ] && { step "$run" "$prev" || okrun=1; }
		prev=$cpu; run=1
	fi
done
step "$run" "$prev" || okrun=1
ok "$okrun" chal-2.6 "each digit of the race ran one step"
shows chal-2.7 "the race ends in corruption: the level is won" "You won: the run ended in data corruption."
explore=$("$XS_BIN" explore classic -v buggy --db "$work/explore.db" 2>&1)
short=$(printf '%s\n' "$explore" | sed -n 's/^shortest counterexample: corruption in \([0-9]*\) steps, \([0-9]*\) preemption.*/\1 steps (\2 preemption/p')
has chal-2.8 "the score names explore's shortest counterexample ($short)" "$(screen)" "explore's shortest: $short"
has chal-2.9 "... the student's own counts" "$(screen)" "Your schedule: ${#race} steps, 1 preemption."
has chal-2.10 "... and the race matches both: 3 stars" "$(screen)" "Score: 3 of 3 stars ***"
has chal-2.11 "the verdict line is under the box" "$(screen)" "VERDICT corruption"
is chal-2.12 "q quits with status 0" "$(quit_status)" 0

# ---- progress kept: the list and the level itself say it is done ----
out=$(USER=ann "$XS_BIN" challenge --db "$db" 2>&1)
has chal-3.1 "the second run lists the level as done, with its score" "$out" "corrupt  classic/buggy            corruption  done: won, 3 of 3 stars (${#race} steps, 1 preemption)"
has chal-3.2 "... and points at the next level" "$out" "1 of 6 done. Next: xipsandbox challenge fixed"
out=$(USER=bob "$XS_BIN" challenge --db "$db" 2>&1)
has chal-3.3 "progress is per player: bob has not done it" "$out" "corrupt  classic/buggy            corruption  new"
start ann corrupt
has chal-3.4 "opening the level again says it was won" "$(screen)" "You have done this level before: won, 3 of 3 stars."
is chal-3.5 "the database holds one row for ann's level, won" \
	"$(sqlite3 "$db" "SELECT player, level, outcome, stars, best_length FROM challenge_progress")" "ann|corrupt|won|3|${#race}"

# ---- the hint after two failed tries, at a moment of the student's own run ----
start cat corrupt
keys Space
wait_for "step 0 of 0"
keys i
shows chal-4.1 "i before any failed try: the hint is not due yet" "the hint comes after 2 failed tries (so far: 0)"
keys e
shows chal-4.2 "a run that ends ok is a failed try" "Not yet: this run ended ok, the goal is corruption."
has chal-4.3 "... counted in the key bar" "$(screen)" "tries 1"
end=$(screen | head -1 | sed 's/.*| step \([0-9]*\) of.*/\1/')
keys BSpace
wait_for "| step $((end - 1)) of"
keys e
wait_for "| step $end of $end"   # the key is handled, the run judged, before this is drawn
has chal-4.4 "the same run again does not count twice" "$(screen)" "tries 1"
! screen | grep -q "Hint (after"; ok $? chal-4.5 "... and brings no hint"
keys Home
wait_for "| step 0 of"
keys 1
wait_for "| step 1 of"
keys e
shows chal-4.6 "a second, different failed try brings the hint" "Hint (after 2 failed tries)"
trace=$("$XS_BIN" run classic --schedule "1 1 1 1 1 1 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0 0" --no-record --db "$db")
at=$(printf '%s\n' "$trace" | awk '$2 == "CPU0" && $3 == "get_xip_mem" && /ext2_get_block/ { print $1; exit }')
has chal-4.7 "... naming the step of that run where CPU0 ran the hint's site (step $at, per 'run')" "$(screen)" \
	"In your last try CPU0 ran get_xip_mem:block_lookup at step $at"
has chal-4.8 "... and what to do there" "$(screen)" "run CPU1's whole write, then let CPU0 finish."
keys Space
keys i
shows chal-4.9 "i shows it again" "Hint (after 2 failed tries)"
is chal-4.10 "the failed tries are kept" "$(sqlite3 "$db" "SELECT tries, outcome FROM challenge_progress WHERE player = 'cat'")" "2|open"

# ---- lost, proved: the fixed version given up, with explore's proof ----
start ann fixed
keys Space
wait_for "step 0 of 0"
step 5 0
keys x
shows chal-5.1 "x gives up on the fixed level" "You gave up, and rightly so."
has chal-5.2 "... and the screen shows that no schedule wins" "$(screen)" "No schedule can win this level."
explore=$("$XS_BIN" explore classic -v fixed --db "$work/explore.db" 2>&1)
n=$(printf '%s\n' "$explore" | sed -n 's/^executions: \([0-9]*\) run to their end.*/\1/p')
states=$(printf '%s\n' "$explore" | sed -n 's/^final states: \([0-9]*\) distinct.*/\1/p')
okv=$(printf '%s\n' "$explore" | awk '$1 == "ok" { print $2 }')
has chal-5.3 "... with the real search's executions ($n), distinct final states ($states) and verdicts (ok $okv), as explore prints them" \
	"$(screen)" "$n executions, $states distinct final states; verdicts: ok $okv."
[ -n "$n" ] && [ "$n" = "$okv" ]; ok $? chal-5.4 "... explore itself says every one of the $n executions is ok"
has chal-5.5 "... and which search it was" "$(screen)" "explore searched classic on fixed to the end. Its reduced search"
has chal-5.6 "... none in corruption" "$(screen)" "None ends in data corruption, whatever the scheduler does."
quit_status >/dev/null
out=$(USER=ann "$XS_BIN" challenge --db "$db" 2>&1)
has chal-5.7 "the list shows the fixed level done: proved" "$out" "fixed    classic/fixed            corruption  done: proved that no schedule wins"
start dan fixed
keys Space
wait_for "step 0 of 0"
keys e
shows chal-5.8 "finishing the fixed level without corruption ends it with the proof too" "The run ended without reaching the goal, and it could not have."

# ---- giving up where a schedule exists: explore's shortest is shown ----
start dan crash
keys Space
wait_for "step 0 of 0"
keys x
explore=$("$XS_BIN" explore threads-present -v buggy --db "$work/explore.db" 2>&1)
short=$(printf '%s\n' "$explore" | sed -n 's/^shortest counterexample: bug in \([0-9]*\) steps.*/\1/p')
shows chal-6.1 "x on a level that can be won shows explore's shortest winning schedule ($short steps)" \
	"You gave up. A schedule exists: explore's shortest, $short steps,"
fewest=$(printf '%s\n' "$explore" | sed -n 's/^fewest preemptions: bug in \([0-9]*\) steps, \([0-9]*\) preemption.*/(\2, in \1 steps)/p')
has chal-6.2 "... and, having fewer preemptions, explore's fewest-preemption one $fewest" "$(screen)" \
	"With fewer preemptions $fewest:"

# ---- an old database: upgraded, nothing else touched ----
old="$work/old.db"
cp "$XS_SRCDIR/tests/fixtures/schema2-c94cba6.sqlite" "$old"; chmod u+w "$old"
before=$(sqlite3 "$old" "SELECT id, choices, trace_hash, coalesce(name, '-') FROM schedules ORDER BY id")
USER=ann "$XS_BIN" challenge --db "$old" >/dev/null 2>&1; rc=$?
is chal-7.1 "the list works on a schema 2 database" "$rc" 0
is chal-7.2 "... which is now schema 7 (the latest) with an empty progress table" \
	"$(sqlite3 "$old" "PRAGMA user_version; SELECT count(*) FROM challenge_progress")" "7
0"
is chal-7.3 "... and keeps every schedule as it was" \
	"$(sqlite3 "$old" "SELECT id, choices, trace_hash, coalesce(name, '-') FROM schedules ORDER BY id")" "$before"

done_testing
