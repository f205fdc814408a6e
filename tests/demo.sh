# demo.sh - the classroom demo and the quiz in a tmux pane (demo-*): the
# demo runs on its own at a fast pace, stops at each pause of
# scenarios/classic.demo with its narration, asks its questions, replays
# the interleaving on the fixed version and names the ingredient that
# stopped the race.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"
if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-demo.XXXXXX")
sock="$work/tmux.sock"
T() { tmux -S "$sock" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$work"' EXIT
screen() { T capture-pane -t xs -p 2>/dev/null; }
wait_for() {
	i=0
	while [ $i -lt 200 ]; do
		screen | tr -s ' ' | grep -qF -- "$1" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
shows() {
	if wait_for "$3"; then ok 0 "$1" "$2"; else
		ok 1 "$1" "$2"; echo "# the screen did not show: $3"; screen | sed 's/^/#   /'; fi
}
keys() { T send-keys -t xs "$@"; sleep 0.1; }

T -f /dev/null new-session -d -s xs -x 90 -y 30 \
	"'$XS_BIN' demo classic --pace 0.05 --db '$work/d.db'; echo \$? > '$work/exit'; sleep 60"
shows demo-1.1 "the demo starts on the buggy run and stops at the first pause" "the answer was -ENODATA"
has demo-1.2 "... having run by itself to step 5" "$(screen)" "step 5 of"
keys Space
shows demo-1.3 "second pause: B's write is about to clean up" "Now it must"
keys Space
shows demo-1.4 "a question: what did __xip_unmap remove?" "How many sparse ptes did it remove?"
keys a
shows demo-1.5 "a wrong answer is told so, with the explanation" "Not quite."
keys Space
shows demo-1.6 "the next question: which page will CPU0 map?" "Which page will it map for page 1?"
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
shows demo-2.3 "... and after the re-check" "The re-check finds the block"
keys Space
shows demo-2.4 "the end: which ingredient stopped the race" "without recheck corruption <- this ingredient stopped the race here"
has demo-2.5 "... the others alone would not have" "$(screen | tr -s ' ' ' ')" "without mutex ok"
keys q
i=0; while [ ! -f "$work/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is demo-2.6 "q ends the demo (exit 0)" "$(cat "$work/exit" 2>/dev/null)" "0"

T kill-server 2>/dev/null; sleep 0.5
T -f /dev/null new-session -d -s xs -x 90 -y 30 \
	"'$XS_BIN' play classic race --quiz --db '$work/d.db'; echo \$? > '$work/exit'; sleep 60"
shows demo-3.1 "play --quiz opens the classic race" "step 0 of"
keys e
shows demo-3.2 "running on stops at the first question" "How many sparse ptes did it remove?"
keys b
shows demo-3.3 "... and takes the answer" "Right."

T kill-server 2>/dev/null; sleep 0.5
T -f /dev/null new-session -d -s xs -x 90 -y 30 \
	"'$XS_BIN' demo classic --projector --no-quiz --pace 0.05 --db '$work/d.db'; sleep 60"
shows demo-4.1 "--projector runs the same demo" "the answer was -ENODATA"
keys Space
shows demo-4.2 "--no-quiz skips the questions: the next stop is a pause" "Now it must"

err=$("$XS_BIN" demo three-cpus --db "$work/d.db" </dev/null 2>&1); rc=$?
is demo-5.1 "demo without a terminal refuses" "$rc" 3
done_testing
