# demo.sh - the classroom demo and the quiz in a tmux pane (demo-*): the
# demo runs on its own at a fast pace, stops at each pause of
# scenarios/classic.demo with its narration, asks its questions, replays
# the interleaving on the fixed version and names the ingredient that
# stopped the race.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"
. "$XS_SRCDIR/tests/tmux.sh"
tmux_init demo
XS_TMUX_SQUEEZE=1

tmux_start 90 30 \
	"'$XS_BIN' demo classic --pace 0.05 --db '$work/d.db'; echo \$? > '$work/exit'; sleep 60"
shows demo-1.1 "the demo starts on the buggy run and stops at the first pause" "the answer was"
has demo-1.2 "... having run by itself to step 5" "$(screen)" "step 5 of"
keys Space
shows demo-1.3 "second pause: B's write is about to clean up" "Now it must"
keys Space
shows demo-1.4 "a question, before the scan runs: how many will __xip_unmap remove?" "How many will it remove?"
has demo-1.4.1 "... at step 13, the unmap not run yet" "$(screen)" "step 13 of"
hasnt demo-1.4.2 "... no narration of the pending step while the question is open" "$(screen)" "finds no sparse page"
has demo-1.4.3 "... the narration says it waits for the answer" "$(screen | tr -s ' ')" "Answer the question first"
has demo-1.4.4 "... and the key bar says which keys are awaited" "$(screen | tail -1)" "press a or b: your answer"
keys a
shows demo-1.5 "a wrong answer is told so, with the explanation" "Not quite."
has demo-1.5.1 "... the explanation is shown whole, to its last word" "$(screen | tr -s ' ')" "ever run it again."
has demo-1.5.2 "... the question stays above it" "$(screen)" "How many will it remove?"
keys Space
shows demo-1.6 "the next question, before the fault installs its pte: which page?" "Which page will it map?"
is demo-1.6.1 "... while the pte is still empty" "$(screen | grep -c "ptes A.*p1:-$")" 1
keys b
shows demo-1.7 "the right answer is told so" "Right."
keys Space
shows demo-1.8 "the pause where the damage is done" "over: nothing will ever remove"
keys Space
shows demo-1.9 "the buggy run ends with its verdict" "The buggy version: corruption."
keys Space
shows demo-2.1 "the same interleaving replays on fixed, first pause" "The same interleaving on the fixed"
keys Space
shows demo-2.2 "the fixed replay pauses after B's write" "But CPU0"
keys Space
shows demo-2.2.1 "in fixed, a question before the re-check" "answer this time?"
keys b
shows demo-2.2.2 "... answered" "Right."
keys Space
shows demo-2.3 "... and after the re-check" "The re-check finds the block"
keys Space
shows demo-2.4 "the end: which ingredient stopped the race" "without recheck corruption <- it stopped the race here"
has demo-2.5 "... the others alone would not have" "$(screen | tr -s ' ' ' ')" "without mutex ok"
has demo-2.5.1 "... and the score of the quiz" "$(screen)" "Quiz: 2 of 3 right."
keys q
wait_file "$work/exit"
is demo-2.6 "q ends the demo (exit 0)" "$(cat "$work/exit" 2>/dev/null)" "0"

rm -f "$work/exit"
tmux_start 90 30 \
	"'$XS_BIN' play classic race --quiz --db '$work/d.db'; echo \$? > '$work/exit'; sleep 60"
shows demo-3.1 "play --quiz opens the classic race" "step 0 of"
keys e
shows demo-3.2 "running on stops at the first question" "How many will it remove?"
hasnt demo-3.2.1 "... before the scan's narration" "$(screen)" "finds no sparse page"
keys b
shows demo-3.3 "... and takes the answer" "Right."
keys Space
keys Space
shows demo-3.4 "the step after the question shows what it asked about" "finds no sparse page"
keys e
shows demo-3.5 "the next question stops the run to the end" "Which page will it map?"
keys a
keys Space
keys e
shows demo-3.6 "the end of the run gives the score" "Quiz: 1 of 2 right."

rm -f "$work/exit"
tmux_start 90 30 \
	"'$XS_BIN' demo classic --projector --no-quiz --pace 0.05 --db '$work/d.db'; sleep 60"
shows demo-4.1 "--projector runs the same demo" "the answer was"
keys Space
shows demo-4.2 "--no-quiz skips the questions: the next stop is a pause" "Now it must"
has demo-4.3 "... the projector says in words that the race window is open" "$(screen)" "RACE WINDOW OPEN since step 5"
has demo-4.4 "... the pause's text sits under the race page's state, not over it" "$(screen)" "page 1 of the file:"
has demo-4.5 "... and under A's pte for that page" "$(screen)" "A's pte for page 1:"

err=$("$XS_BIN" demo three-cpus --db "$work/d.db" </dev/null 2>&1); rc=$?
is demo-5.1 "demo without a terminal refuses" "$rc" 3
done_testing
