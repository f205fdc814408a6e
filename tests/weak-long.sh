# weak-long.sh - the weak-memory searches too long for make check (make
# check-long): three-cpus on the fixed version under weak, searched in
# full (about 2.5 minutes and 40 million states here), gives the shortest
# counterexample docs/lesson.md section 9 states, and it replays; later
# stays ok in every schedule.  Exit status: the number of failed checks.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"

out=$("$XS_BIN" explore three-cpus --version fixed --memory-model weak --no-record --max-memory=4096 2>&1); rc=$?
is weak-long-1.1 "three-cpus fixed under weak: a bad verdict (exit 1)" "$rc" 1
hasnt weak-long-1.2 "... from a complete search (not stopped early, no state left unstored)" "$out" "stopped early"
hasnt weak-long-1.3 "... every state stored (the table did not fill)" "$out" "without being stored"
has weak-long-1.4 "... the shortest counterexample: corruption in 47 steps" "$out" "shortest counterexample: corruption in 47 steps"
has weak-long-1.5 "... among the 19 final states of tso" "$out" "final states: 19"
sched=$(printf '%s\n' "$out" | sed -n 's/^  schedule: //p')
out=$("$XS_BIN" run three-cpus --version fixed --memory-model weak --no-record --schedule "$sched" 2>&1)
has weak-long-1.6 "... which replays to corruption" "$out" "verdict: corruption"
out=$("$XS_BIN" explore three-cpus --version later --memory-model weak --no-record 2>&1); rc=$?
is weak-long-2.1 "three-cpus later under weak: ok in every execution (exit 0)" "$rc" 0
has weak-long-2.2 "... said so" "$out" "ok in every execution under weak"
done_testing
