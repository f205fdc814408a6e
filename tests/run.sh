# run.sh - end-to-end tests of `xipsandbox run` (run-*).
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"

out=$("$XS_BIN" run classic --version buggy --schedule "cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end"); rc=$?
is run-1.1 "the racy schedule on buggy exits 11 (corruption)" "$rc" 11
has run-1.2 "... and prints the corruption verdict with process, page and bytes" "$out" \
	'verdict: corruption: process A sees zeros at page 1 through mapping A (MAP_SHARED), but read() of the file gives "NEWDATA!"'
has run-1.3 "... one line per step, with the function and what it does" "$out" "CPU0  get_xip_mem                  ext2_get_block"
has run-1.4 "... the results of the operations" "$out" "A touch 1                    saw zeros"

out=$("$XS_BIN" run classic --version fixed --schedule "cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end"); rc=$?
is run-1.5 "the same interleaving on fixed exits 0" "$rc" 0
has run-1.6 "... with the fixed version's printk on the console" "$out" "console:"

out=$("$XS_BIN" run "$XS_SRCDIR/scenarios/threads-present.scn" -e -q); rc=$?
is run-1.7 "a scenario by path; a kernel BUG exits 12" "$rc" 12
has run-1.8 "... naming the BUG_ON" "$out" "BUG_ON(err)"

"$XS_BIN" run alloc-race -e -q >/dev/null; rc=$?
is run-1.9 "a bookkeeping error exits 14" "$rc" 14

out=$("$XS_BIN" run classic -q --step-limit 5); rc=$?
is run-1.10 "the step limit exits 15" "$rc" 15
has run-1.11 "... and says so" "$out" "verdict: step-limit"

out=$("$XS_BIN" run classic -q); rc=$?
# Round robin switches CPU at every step, which opens the race window.
is run-1.12 "no schedule: round robin, which breaks buggy too" "$rc" 11
has run-1.13 "... which alternates CPUs" "$out" "schedule: 0 1 0 1"

err=$("$XS_BIN" run nosuch 2>&1); rc=$?
is run-2.1 "an unknown scenario is bad input (exit 3)" "$rc" 3
has run-2.2 "... and the message says where it looked" "$err" "no scenario 'nosuch'"

err=$("$XS_BIN" run classic --version bugy 2>&1); rc=$?
is run-2.3 "an unknown version is a usage error" "$rc" 2
has run-2.4 "... naming the choices" "$err" "unknown version 'bugy' (expected buggy, fixed, later or final)"

err=$("$XS_BIN" run classic --schedule "cpu0 until" 2>&1); rc=$?
is run-2.5 "bad schedule text exits 3" "$rc" 3
has run-2.6 "... with the column" "$err" "schedule, column 11: expected a function name after 'until'"

err=$("$XS_BIN" run classic --schedule "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0" 2>&1); rc=$?
is run-2.7 "a schedule naming a finished CPU exits 3" "$rc" 3
has run-2.8 "... naming the step and the CPU" "$err" "CPU0 cannot run: CPU0 has finished its task"

err=$("$XS_BIN" run classic --schedule "cpu0 until get_xip_mem=-EWHAT" 2>&1); rc=$?
has run-2.9 "an unknown milestone value is named" "$err" "unknown value '-EWHAT'"

err=$("$XS_BIN" run 2>&1); rc=$?
is run-2.10 "run without a scenario is a usage error" "$rc" 2

out=$("$XS_BIN" run --help); rc=$?
is run-2.11 "run --help exits 0" "$rc" 0
has run-2.12 "... and documents the exit codes" "$out" "11 corruption"

for s in classic three-cpus private-reader shared-writable first-sparse threads-present alloc-race device-full sparse-oom late-mmap; do
	"$XS_BIN" run "$s" -q >/dev/null 2>&1; rc=$?
	case $rc in 0|1[1-5]) ok 0 "run-3.$s" "$s runs round robin to a verdict (exit $rc)" ;;
	*) ok 1 "run-3.$s" "$s runs round robin to a verdict (exit $rc)" ;; esac
done

# a shipped schedule's name is taken where schedule text is (issue 13: it was refused)
out=$("$XS_BIN" run classic --version buggy --schedule race --no-record 2>&1); rc=$?
is run-4.1 "run classic --schedule race: the shipped race, corruption (exit 11)" "$rc" 11
has run-4.2 "... the same run as its milestones give" "$out" "$("$XS_BIN" run classic --version buggy --no-record --schedule "cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end" | grep 'trace hash')"
out=$("$XS_BIN" run classic --schedule nosuch --no-record 2>&1); rc=$?
is run-4.3 "a name the scenario has not: exit 3" "$rc" 3
has run-4.4 "... naming the names it has" "$out" "has no named schedule 'nosuch' (it has: race,"

done_testing
