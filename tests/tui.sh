# tui.sh - the play screen as a person sees it (tui-*): xipsandbox play runs
# in a tmux pane; keys are sent with send-keys and the screen is read with
# capture-pane.  Skipped (TAP skip) only where tmux is missing.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"

. "$XS_SRCDIR/tests/tmux.sh"
tmux_init tui
db="$work/play.db"

# start W H ARGS...: play in a fresh session; its exit status lands in $work/exit
start() {
	w=$1; h=$2; shift 2
	rm -f "$work/exit"
	tmux_start "$w" "$h" "'$XS_BIN' play $* --db '$db'; echo \$? > '$work/exit'; sleep 60"
	wait_for "step 0 of"
}

start 80 24 classic race
s=$(screen)
has tui-1.1 "the classic race opens on the 'race' schedule" "$s" "schedule ('race'): |0000"
has tui-1.2 "... at step 0, buggy" "$s" "buggy | step 0 of"
has tui-1.3 "... with both CPUs' operations" "$s" "CPU1 : B write 1"
has tui-1.4 "... the sparse page not allocated yet" "$s" "__xip_sparse_page: NULL"

keys Space Space Space Space Space
shows tui-2.1 "five steps later CPU0's fault has found the hole" "step 5 of"
has tui-2.2 "... and the narration says so" "$(screen)" "flash block: it is a hole"
has tui-2.3 "... the next line CPU0 runs is highlighted (marked >)" "$(screen | grep -c '^> ')" "1"
before=$(screen)
keys Right
shows tui-2.4.0 "Right moves on to step 6 (the screen changed)" "step 6 of"
[ "$(screen)" != "$before" ]; ok $? tui-2.4.1 "... so the screen differs from step 5's"
keys BSpace
shows tui-2.4.2 "Backspace comes back to step 5" "step 5 of"
after=$(screen)
is tui-2.4 "a step forward and back gives the identical screen" "$after" "$before"
keys Left
shows tui-2.5 "Left goes back one step" "step 4 of"
keys l
shows tui-2.6 "l steps forward" "step 5 of"
keys h
shows tui-2.7 "h steps back" "step 4 of"
keys l
shows tui-2.8 "l again" "step 5 of"

keys e
shows tui-3.1 "e runs to the end: the corruption verdict in buggy" "VERDICT corruption"
has tui-3.2 "... A's pte for page 1 maps the sparse page, marked stale" "$(screen)" "p1:SPARSE!"
keys v
shows tui-3.3 "v at the end switches to fixed at the same moment: its end" "fixed | step 31 of 31"
has tui-3.3.1 "... saying where the versions part" "$(screen | tr -s ' ')" "the versions part at step 14"
keys Home
shows tui-3.3.2 "Home: fixed at step 0" "fixed | step 0 of"
keys 0 0 0 0 0 0 0
shows tui-3.4 "in fixed, CPU0 runs (keys 0): it takes xip_sparse_mutex and the seqcount turns odd" "xip_sparse_seq=1(odd)"
keys End
shows tui-3.5 "End runs to the end: fixed is ok" "VERDICT ok"
has tui-3.6 "... A ran first, so it saw zeros before B's write" "$(screen)" "finished: saw zeros"
keys Home
shows tui-3.7 "Home goes back to step 0" "fixed | step 0 of"
keys v
shows tui-3.8 "v again: later" "later | step 0 of"
keys v
shows tui-3.8.1 "v again: final (2015's truncate fix)" "final | step 0 of"
keys v
shows tui-3.9 "and again: back to buggy" "buggy | step 0 of"

keys 1
shows tui-4.1 "1 runs CPU1 first: the schedule forks" "step 1 of 1"
keys n 0
shows tui-4.2 "n then 0 stops where CPU0 would run next (nothing left: a message)" "no more steps of CPU0"
keys g 3 Enter
shows tui-4.3 "g 3 Enter: go to step 3 (only 1 step exists: it stops at 1)" "step 1 of 1"
keys e
shows tui-4.4 "the forked run (write first) ends ok" "VERDICT ok"
keys s
type_text "my-run"
keys Enter
shows tui-4.5 "s saves the schedule under a name" "saved as schedule"
keys L
shows tui-4.6 "L lists the stored schedules, with the new one" "my-run"
keys Escape
keys '?'
shows tui-4.7 "? shows the help overlay" "switch version: buggy, fixed, later"
has tui-4.8 "... listing the keys" "$(screen)" "n then 0 .. 7"
keys x
keys q
wait_file "$work/exit"
is tui-4.9 "q quits; the exit status is the verdict of the run watched to its end (ok: 0)" "$(cat "$work/exit" 2>/dev/null)" "0"

start 80 24 classic race
keys e
shows tui-5.1 "buggy to the end" "VERDICT corruption"
keys q
wait_file "$work/exit"
is tui-5.2 "quitting after a corrupt run exits 11" "$(cat "$work/exit" 2>/dev/null)" "11"

start 80 24 classic race
T resize-window -t xs -x 60 -y 15
shows tui-6.1 "a 60x15 terminal gets the too-small message" "the terminal is too small"
has tui-6.2 "... naming the sizes" "$(screen)" "It is 60x15; play needs 80x24"
T resize-window -t xs -x 10 -y 5
shows tui-6.2.1 "a 10x5 terminal: 'too small' on a row of its own" "too small"
is tui-6.2.2 "... and the sizes, the way out and the quit key each on their own row, none over another" \
	"$(screen | sed -n 1,4p | tr '\n' '/')" "too small/10x5<80x24/enlarge it/q quits/"
T resize-window -t xs -x 120 -y 40
shows tui-6.3 "resizing to 120x40 redraws the full screen" "buggy | step 0 of"
w=$(screen | head -1 | wc -c); [ "$w" -gt 110 ]; ok $? tui-6.4 "... using the width (title row $w wide)"
has tui-6.5 "... and the scenario's title, which did not fit at 80 columns" "$(screen | head -1)" "classic: The classic race"

start 80 24 classic race --without recheck
keys v
shows tui-8.1 "play --without recheck: v shows the fix taken apart" "fixed without recheck | step 0 of"
keys e
shows tui-8.2 "... and on the race it corrupts again" "VERDICT corruption"
keys v
shows tui-8.3 "... v goes on to later, at the same moment" "later | step"
has tui-8.4 "... the end of the race on later too" "$(screen)" "VERDICT"

# v keeps the moment (issue 13): where the versions run the same steps, the same step
start 80 24 classic race
keys Space Space Space Space Space
shows tui-9.1 "buggy at step 5: CPU0 has found the hole" "buggy | step 5 of"
keys v
shows tui-9.2 "v: fixed at the same step 5, not back at 0" "fixed | step 5 of"
has tui-9.3 "... and it says the versions are the same up to there" "$(screen | tr -s ' ')" "at the same step 5"
keys Space Space Space Space Space Space Space Space Space Space Space Space Space Space Space
shows tui-9.4 "in fixed, on to step 20: the re-check" "fixed | step 20 of"
keys v
shows tui-9.5 "v at fixed step 20 (past where they part): later, same moment" "later | step"
keys v
shows tui-9.5.1 "v again: final" "final | step"
keys v
shows tui-9.6 "v again: buggy" "buggy | step"
hasnt tui-9.7 "... never silently back at step 0" "$(screen)" "buggy | step 0 of"
# the legend, the race window without colour, the terms
start 80 24 classic race
has tui-9.9 "the legend of the signs is on the screen" "$(screen)" "[ ]race window"
keys Space Space Space Space Space Space
shows tui-9.10 "the race window is bracketed, visible without colour" "schedule ('race'): 0000[01]|"
keys t
shows tui-9.11 "t shows the terms a student needs" "one shared page of zeros"
keys Space
# a fork is labelled as such
keys Home
keys 1
shows tui-9.12 "a digit that differs from the schedule forks it: the label says where" "schedule ('race', changed at step 1)"

# a save error is shown whole at 80 columns, its reason to the end (it was cut after the path)
start 80 24 classic race
keys s
keys r a c e Enter
shows tui-10.1 "saving under a used name: refused" "not saved:"
has tui-10.2 "... the whole reason on screen, to its last word" "$(screen | tr '\n' ' ' | tr -s ' ')" "is already used by schedule 1 of scenario classic (buggy)"

# TERM=dumb cannot move the cursor: a clear refusal, not a blank screen
if command -v script >/dev/null 2>&1; then
	out=$(TERM=dumb script -qec "'$XS_BIN' play classic --db '$db'" /dev/null < /dev/null 2>&1); rc=$?
	is tui-7.3 "TERM=dumb play refuses (exit 3) instead of a blank screen" "$rc" 3
	has tui-7.4 "... saying why and what to do" "$out" "cannot move the cursor, so play cannot draw on it"
	# an unknown TERM: refused, and curses' screen is not leaked (LeakSanitizer made it exit 1: B52)
	out=$(TERM=no-such-term script -qec "'$XS_BIN' play classic --db '$db'" /dev/null < /dev/null 2>&1); rc=$?
	is tui-7.5 "TERM=no-such-term play refuses (exit 3), nothing leaked" "$rc" 3
	has tui-7.6 "... naming the terminal" "$out" "the terminal 'no-such-term' is unknown to curses"
fi
err=$(echo | "$XS_BIN" play classic --db "$db" 2>&1); rc=$?
is tui-7.1 "play without a terminal refuses (exit 3)" "$rc" 3
has tui-7.2 "... and points at replay" "$err" "xipsandbox replay classic race"

start 80 24 classic race
T resize-window -t xs -x 1 -y 1
settle
T resize-window -t xs -x 80 -y 24
shows tui-7.7 "a 1x1 terminal does not crash it: back at 80x24 it draws again" "buggy | step 0 of"

tmux_start 80 24 "NO_COLOR=1 '$XS_BIN' play classic race --db '$db'; sleep 60"
shows tui-7.8 "NO_COLOR: the monochrome screen works the same" "buggy | step 0 of"

# issue 16: a schedule stored under weak plays under weak; another model asked for is refused
"$XS_BIN" run classic --version fixed --memory-model weak -q --db "$db" --name weak-flush \
	--schedule "0 0 0 0 0 0 0 1 1 1 1 1 1 1 1 flush0:xip_sparse_seq 1 1 1" >/dev/null 2>&1
start 120 40 classic weak-flush
s=$(screen)
has tui-11.1 "play of a weak schedule opens it under weak: the store buffers are drawn" "$s" "store buffer"
has tui-11.2 "... and the status line says it plays under its model" "$(screen | tr '\n' ' ' | tr -s ' ')" "recorded under weak and plays under it"
keys e
shows tui-11.3 "... to its end: corruption (fixed is ok under sc)" "corruption"
rm -f "$work/exit"
tmux_start 120 40 "'$XS_BIN' play classic weak-flush --memory-model sc --db '$db' 2>'$work/err'; echo \$? > '$work/exit'; sleep 60"
wait_file "$work/exit"
is tui-11.4 "play of a weak schedule with --memory-model sc: a usage error (exit 2)" "$(cat "$work/exit" 2>/dev/null)" 2
has tui-11.5 "... naming the schedule and its model" "$(cat "$work/err")" "schedule 'weak-flush' was recorded under --memory-model weak and plays under it only"

# issue 15: s saves a run of final too (schema 7; it was refused: "not saved")
start 80 24 classic --version final
keys e
shows tui-12.1 "play on final runs to its end" "final | step"
keys s
type_text "final-play"
keys Enter
shows tui-12.2 "s saves it" "saved as schedule"
is tui-12.3 "... as a row of final" "$(sqlite3 "$db" "SELECT version, origin FROM schedules WHERE name = 'final-play'")" "final|user"

done_testing
