# lesson.sh - every command docs/lesson.md tells a student to type works as
# written (lesson-*): it runs, and ends with a verdict, not with a usage,
# input or internal error.  play, demo and a challenge level need a terminal
# and are covered by tui.sh, demo.sh and challenge.sh.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-lesson.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work"
bindir=$(dirname "$XS_BIN")
# the lesson's commands are typed at the top of the project: its test scenarios are there
ln -s "$XS_SRCDIR/tests" "$work/tests"

# Commands in code blocks (indented) and in backquotes.
grep -oE '\./xipsandbox [^`]*' "$XS_SRCDIR/docs/lesson.md" | sed 's/[[:space:]]*$//' | sort -u > "$work/cmds"
n=0
while IFS= read -r cmd; do
	case "$cmd" in
	"./xipsandbox play"*|"./xipsandbox demo"*|"./xipsandbox challenge "[a-z]*) continue ;;
	esac
	n=$((n + 1))
	(cd "$work" && PATH="$bindir:$PATH" eval "${cmd#./}" >/dev/null 2>"$work/err")
	rc=$?
	case $rc in
	0|1|1[1-5]) ok 0 "lesson-$n" "works as written (exit $rc): $cmd" ;;
	*) ok 1 "lesson-$n" "works as written (exit $rc): $cmd"; sed 's/^/#   /' "$work/err" ;;
	esac
done < "$work/cmds"
[ $n -ge 10 ]; ok $? lesson-count "the lesson has at least 10 commands to check ($n)"
out=$(cd "$work" && PATH="$bindir:$PATH" xipsandbox run classic --version buggy --no-record -q --schedule "cpu1 until get_xip_mem=-ENODATA; cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end")
has lesson-answer-1 "the answer to exercise 1 does corrupt the buggy version" "$out" "verdict: corruption"

# What the lesson says each command prints.  `says ID CLAIM WANT CMD`: the
# command is in the lesson as written, and its output holds WANT.
lesson="$XS_SRCDIR/docs/lesson.md"
says() {
	id=$1 claim=$2 want=$3 cmd=$4
	if ! grep -qF -- "$cmd" "$lesson"; then
		ok 1 "$id" "$claim (the lesson no longer has: $cmd)"
		return
	fi
	got=$(cd "$work" && PATH="$bindir:$PATH" eval "${cmd#./}" 2>&1)
	has "$id" "$claim" "$got" "$want"
}
race='"cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end"'
says lesson-says-2 "section 2: the race on buggy is data corruption" "verdict: corruption" \
	"./xipsandbox run classic --version buggy --schedule $race"
says lesson-says-2.1 "... process A sees zeros while read() returns NEWDATA!" 'but read() of the file gives "NEWDATA!"' \
	"./xipsandbox run classic --version buggy --schedule $race"
says lesson-says-3 "section 3: the same interleaving on fixed is ok" "verdict: ok" \
	"./xipsandbox run classic --version fixed --schedule $race"
says lesson-says-4 "section 4: without the re-check it is corruption again" "verdict: corruption" \
	"./xipsandbox run classic --version fixed --without recheck --schedule $race"
says lesson-says-5 "section 5: with the pre-2.6.25 seqcount, corruption" "verdict: corruption" \
	'./xipsandbox run classic --version fixed --without livelock-fix --schedule "cpu0 until get_xip_mem=-ENODATA; cpu0 to xip_sparse_page; cpu1 to end; cpu0 to end"'
says lesson-says-5.1 "section 5: ... one preemption is enough" "corruption in 34 steps, 1 preemption" \
	"./xipsandbox explore classic --version fixed --without livelock-fix"
says lesson-says-5.2 "section 5: with the sparse page allocated first, every schedule is ok" "result: every schedule of fixed is ok" \
	"./xipsandbox explore tests/scenarios/sparse-allocated.scn --version fixed --without livelock-fix"
out=$(cd "$work" && PATH="$bindir:$PATH" xipsandbox explore tests/scenarios/sparse-allocated.scn --version fixed --without livelock-fix,retry --no-record)
has lesson-says-5.3 "section 5: ... and without the retry as well it corrupts again" "$out" "  corruption "
says lesson-says-4.2 "section 4: --lock-debug stops three-cpus without the mutex with a BUG" "verdict: bug" \
	'./xipsandbox run three-cpus --version fixed --without mutex --lock-debug --schedule "0 0 0 0 0 0 2 2 2 2 2 2"'
out=$(cd "$work" && PATH="$bindir:$PATH" xipsandbox explore three-cpus --version fixed --without mutex --no-record)
claim=$(tr '\n' ' ' < "$lesson" | tr -s ' ' | grep -o 'explore counts [0-9]* corruptions and [0-9]* leaks among [0-9]* executions')
got=$(printf '%s\n' "$out" | awk '/^executions:/ { n = $2 } $1 == "corruption" { c = $2 } $1 == "leak" { l = $2 }
	END { printf "explore counts %s corruptions and %s leaks among %s executions", c, l, n }')
is lesson-says-4.3 "section 4: the counts of three-cpus without the mutex are explore's" "$claim" "$got"
says lesson-says-6.1 "section 6: two threads on one present page: fixed crashes (BUG)" "verdict: bug" \
	"./xipsandbox run threads-present --version fixed --expected"
says lesson-says-6.2 "section 6: the allocation race on fixed loses a block" "verdict: leak" \
	"./xipsandbox run alloc-race --version fixed --expected"
says lesson-says-7.1 "section 7: explore finds the corruption on buggy" "corruption" \
	"./xipsandbox explore classic --version buggy"
says lesson-says-7.2 "section 7: explore finds nothing bad on fixed" "result: every schedule of fixed is ok" \
	"./xipsandbox explore classic --version fixed"
says lesson-says-ex2 "exercise 2: three-cpus on fixed, every verdict ok" "result: every schedule of fixed is ok" \
	"./xipsandbox explore three-cpus --version fixed"
says lesson-says-6.3 "section 6: the truncate race on later maps a freed block" "verdict: corruption" \
	"./xipsandbox run truncate --version later --schedule race"
says lesson-says-6.4 "... which truncate took from the file and freed" "which truncate took from the file and freed" \
	"./xipsandbox run truncate --version later --schedule race"
says lesson-says-6.5 "section 6: on final the same schedule is ok (SIGBUS)" "verdict: ok" \
	"./xipsandbox run truncate --version final --schedule race"
says lesson-says-6.6 "section 6: explore finds nothing bad on final" "result: every schedule of final is ok" \
	"./xipsandbox explore truncate --version final"
out=$(cd "$work" && PATH="$bindir:$PATH" xipsandbox run tests/scenarios/truncate-extend.scn --version final --expected --no-record)
has lesson-says-6.7 "section 6: the fix's own hole: truncate and extend corrupt final" "$out" "verdict: corruption"
# section 4 shows ablate's table: it is what ablate prints, line for line
table=$(awk '/^    \.\/xipsandbox ablate --single/ { f = 1 } f && /^```$/ { n++; if (n == 2) exit; next } f && n == 1' "$lesson")
is lesson-says-4.1 "section 4: the ablate table in the lesson is what ablate --single prints" \
	"$(cd "$work" && PATH="$bindir:$PATH" xipsandbox ablate --single)" "$table"
# exercise 3's answer: the retry's row is the fix's own row on every shipped scenario
all=$(cd "$work" && PATH="$bindir:$PATH" xipsandbox ablate --all --single | grep -v '^    ')
fix=$(printf '%s\n' "$all" | grep '^(nothing' | sed 's/^(nothing: the seed.s fix) *//; s/([0-9]* runs)//g')
retry=$(printf '%s\n' "$all" | grep '^retry ' | sed 's/^retry *//; s/([0-9]* runs)//g')
is lesson-says-ex3 "exercise 3: without the retry every shipped scenario's verdict is the fix's" "$retry" "$fix"
is lesson-says-ex3.1 "... on all eleven shipped scenarios" "$(printf '%s\n' "$all" | head -1 | wc -w)" 13
# Section 9, weak memory: each claim as the lesson states it, per model.
says lesson-says-9.1 "section 9: fixed corrupts classic under tso in 34 steps" "shortest counterexample: corruption in 34 steps" \
	"./xipsandbox explore classic --version fixed --memory-model tso"
says lesson-says-9.2 "section 9: ... and under weak" "shortest counterexample: corruption in 34 steps" \
	"./xipsandbox explore classic --version fixed --memory-model weak"
tsosched='"0 0 0 0 0 0 0 0 0 0 0 0 1 1 1 1 1 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0 1 1"'
says lesson-says-9.3 "section 9: the tso counterexample replays to corruption" "verdict: corruption" \
	"./xipsandbox run classic --version fixed --memory-model tso --no-record --schedule $tsosched"
says lesson-says-9.4 "section 9: ... CPU1 reads the count as 0 at step 21" "   21  CPU1  __xip_unmap                  read_seqcount_begin(&xip_sparse_seq) -> 0 (even)" \
	"./xipsandbox run classic --version fixed --memory-model tso --no-record --schedule $tsosched"
out=$(cd "$work" && PATH="$bindir:$PATH" xipsandbox run classic --version fixed --no-record --schedule "0 0 0 0 0 0 0 0 0 0 0 0 1 1 1 1 1 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0 1 1" 2>&1)
has lesson-says-9.5 "section 9: under sc the same choices cannot be followed: the count is odd at step 21" "$out" "step 21: CPU1 cannot run: CPU1 spins in read_seqcount_begin"
says lesson-says-9.6 "section 9: smp_mb for write_seqcount_begin's smp_wmb makes every tso schedule ok" "verdict:  ok in every execution under tso" \
	"./xipsandbox explore classic --version fixed --memory-model tso --mb-barrier wmb-begin"
says lesson-says-9.7 "section 9: ... not every weak one" "shortest counterexample: corruption" \
	"./xipsandbox explore classic --version fixed --memory-model weak --mb-barrier wmb-begin"
says lesson-says-9.8 "section 9: with the second smp_mb every weak schedule is ok" "verdict:  ok in every execution under weak" \
	"./xipsandbox explore classic --version fixed --memory-model weak --mb-barrier wmb-begin --mb-barrier before-begin"
says lesson-says-9.9 "section 9: later is ok in every weak schedule of classic" "verdict:  ok in every execution under weak" \
	"./xipsandbox explore classic --version later --memory-model weak"
says lesson-says-9.10 "section 9: three-cpus fixed under weak, first counterexample: corruption in 68 steps" "a counterexample: corruption in 68 steps" \
	"./xipsandbox explore three-cpus --version fixed --memory-model weak --first"
done_testing
