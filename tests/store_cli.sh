# store_cli.sh - the database through the command line (db-*): record,
# replay with the trace hash check, list, save, export/import, versions,
# and bad databases left untouched.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-db.XXXXXX")
trap 'rm -rf "$work"' EXIT
db="$work/a.db"
X() { "$XS_BIN" "$@" --db "$db"; }

out=$(X list classic); rc=$?
is db-1.1 "list imports the shipped schedules on first use" "$rc" 0
has db-1.2 "... one row per version of 'race'" "$out" "race           buggy"
has db-1.3 "... with their verdicts" "$out" "corruption shipped"

for v in buggy fixed later; do
	out=$(X replay classic race --version $v -q); rc=$?
	has "db-2.$v" "replay of 'race' on $v matches the recorded trace hash" "$out" "equals the one recorded"
done
out=$(X replay classic race -q); rc=$?
is db-2.4 "replay of the buggy race exits with the corruption code" "$rc" 11

out=$(X run classic --schedule "0 0 0 0 0 1 1 1 1 1 1 1 1 1 1 1" --name write-first-mine -q); rc=$?
is db-3.1 "run records what it ran (an exact schedule; buggy: corruption)" "$rc" 11
has db-3.2 "... and says under which id" "$out" "recorded as schedule"
id=$(printf '%s\n' "$out" | sed -n 's/^recorded as schedule \([0-9]*\).*/\1/p')
out=$(X replay classic "$id" -q)
has db-3.3 "replay by id matches" "$out" "equals the one recorded for schedule $id"
out=$(X replay classic write-first-mine -q)
has db-3.4 "replay by name matches" "$out" "equals the one recorded for schedule $id"

out=$(X replay classic "$id" --version fixed -q); rc=$?
has db-4.1 "an exact schedule replayed on another version names where they part" "$out" "versions part at step"
has db-4.2 "... and what each version does there" "$out" "fixed  CPU"
out=$(X run classic --schedule "cpu1 to end; cpu0 to end" --name ms -q)
mid=$(printf '%s\n' "$out" | sed -n 's/^recorded as schedule \([0-9]*\).*/\1/p')
out=$(X replay classic "$mid" --version later -q)
has db-4.3 "a milestone schedule replayed on another version is expanded there" "$out" "expanded for later from: cpu1 to end; cpu0 to end"

line=$(X export "$id"); rc=$?
is db-5.1 "export prints one line" "$rc" 0
has db-5.2 "... in the xs2 form" "$line" "xs2:classic:buggy:write-first-mine:"
db2="$work/b.db"
out=$("$XS_BIN" import "$line" --db "$db2"); rc=$?
is db-5.3 "import on another database succeeds" "$rc" 0
has db-5.4 "... runs it there and stores the verdict found" "$out" "verdict corruption"
out=$("$XS_BIN" list classic --db "$db2")
has db-5.5 "... and list shows it" "$out" "write-first-mine"
err=$("$XS_BIN" import "xs1:classic:buggy:-:0000000000000000:0000000000000000000000000000000000000000000000" --db "$db2" 2>&1); rc=$?
is db-5.6 "an import whose choices do not apply fails (exit 3)" "$rc" 3
has db-5.7 "... saying why" "$err" "do not apply"
err=$("$XS_BIN" import "hello" --db "$db2" 2>&1); rc=$?
has db-5.8 "a line that is not a schedule is named as such" "$err" "not a schedule line"

out=$(X save "$id" my-name); rc=$?
is db-6.1 "save names a schedule" "$rc" 0
err=$(X save 1 my-name 2>&1); rc=$?
is db-6.2 "a name already used for the same version is refused" "$rc" 3

printf 'this is not a database, just text\n' > "$work/text.db"
sum1=$(cksum < "$work/text.db")
err=$("$XS_BIN" list --db "$work/text.db" 2>&1); rc=$?
is db-7.1 "a file that is not a database is refused (exit 3)" "$rc" 3
has db-7.2 "... with a message naming it" "$err" "$work/text.db"
is db-7.3 "... and its bytes are unchanged" "$(cksum < "$work/text.db")" "$sum1"
err=$("$XS_BIN" run classic -q --db "$work/text.db" 2>&1); rc=$?
has db-7.4 "run with a bad database says how to run without it" "$err" "--no-record"
mkdir "$work/dir.db"
err=$("$XS_BIN" list --db "$work/dir.db" 2>&1); rc=$?
is db-7.5 "a directory as database is refused" "$rc" 3

race=$(X list classic | awk '$3 == "race" && $4 == "buggy" { print $1 }')
X export "$race" --format svg > "$work/race.svg"; rc=$?
is db-8.1 "export --format svg draws the race" "$rc" 0
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout "$work/race.svg" 2>"$work/xmllint.err"; ok $? db-8.2 "the SVG is well-formed XML (xmllint)"
else
	echo "ok $((tap_n = tap_n + 1)) - db-8.2 # SKIP xmllint is not installed"
fi
steps=$(X list classic | awk '$3 == "race" && $4 == "buggy" { print $5 }')
is db-8.3 "the SVG has one row per step ($steps)" "$(grep -c 'class="step"' "$work/race.svg")" "$steps"
has db-8.4 "... and marks the step that made the damage permanent" "$(cat "$work/race.svg")" "made it permanent"
out=$(X export "$race" --format txt)
has db-8.5 "export --format txt gives the transcript" "$out" "verdict: corruption"

# A .sched that grows a name a user already gave their own schedule.
mkdir "$work/scn"
cp "$XS_SRCDIR/scenarios/classic.scn" "$work/scn/mine.scn"
printf 'schedule race: cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end\n' > "$work/scn/mine.sched"
db3="$work/c.db"
"$XS_BIN" run "$work/scn/mine.scn" --schedule "cpu1 to end; cpu0 to end" --name serial --db "$db3" -q >/dev/null
printf 'schedule serial: cpu0 to end; cpu1 to end\n' >> "$work/scn/mine.sched"
err=$("$XS_BIN" list "$work/scn/mine.scn" --db "$db3" 2>&1); rc=$?
is db-9.1 "a shipped name that a user's schedule already has does not break the scenario" "$rc" 0
has db-9.2 "... the user keeps the name and is told" "$err" "the shipped one is stored without the name"
out=$("$XS_BIN" replay "$work/scn/mine.scn" serial -q --db "$db3" 2>/dev/null)
has db-9.3 "... and 'serial' still replays the user's schedule" "$out" "schedule: 1 1 1"

out=$(X explore classic --version buggy); rc=$?
is db-10.1 "explore on buggy exits 1 (a bad verdict found)" "$rc" 1
has db-10.2 "... and records the exploration" "$out" "recorded: exploration"
if command -v sqlite3 >/dev/null 2>&1; then
	row=$(sqlite3 "$db" "SELECT version, mode, complete, verdicts FROM explorations ORDER BY id DESC LIMIT 1")
	is db-10.3 "the explorations table holds what was searched and found" "$row" "buggy|reduced|1|ok=5 corruption=2"
	is db-10.4 "sqlite3 .schema shows the documented tables" "$(sqlite3 "$db" .tables | tr -s ' ' '\n' | grep -c -E '^(scenarios|schedules|explorations)$')" "3"
fi
out=$(X replay classic shortest -q); rc=$?
has db-10.5 "replay opens explore's shortest counterexample by name" "$out" "equals the one recorded"

# importing a shipped schedule into another database is idempotent (issue 13):
# it is already there, under its name, with the same choices
line=$(X export 1 | tail -1)
other="$work/other.db"
out=$("$XS_BIN" import "$line" --db "$other" 2>&1); rc=$?
is db-11.1 "import \$(export 1) of the shipped race into another database: exit 0 (it was 'name already used')" "$rc" 0
has db-11.2 "... saying it is already there" "$out" "already there: schedule 1, classic buggy race, the same 32 steps; nothing imported"
is db-11.3 "... and nothing was added" "$("$XS_BIN" list classic --db "$other" | grep -c race)" "$(X list classic | grep -c race)"
mine=$(X run classic --version buggy -q --schedule "cpu1 until get_xip_mem=-ENODATA; cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end" | sed -n 's/^recorded as schedule \([0-9]*\).*/\1/p')
out=$("$XS_BIN" import "$(X export "$mine" | tail -1)" --name race --db "$other" 2>&1); rc=$?
is db-11.4 "another schedule under a name the database already gives: still refused (exit 3)" "$rc" 3
has db-11.5 "... because the name is taken" "$out" "schedule name 'race' is already used by schedule 1"

# schema 6: a schedule keeps its memory model; replay runs it under that model
wsched="0 0 0 0 0 0 0 1 1 1 1 1 1 1 1 flush0:xip_sparse_seq 1 1 1"
out=$(X run classic --version fixed --memory-model weak -q --schedule "$wsched" --name weak-flush 2>&1); rc=$?
is db-12.1 "a weak run with a flush step is recorded (exit 11: corruption)" "$rc" 11
has db-12.2 "... and recorded" "$out" "('weak-flush')"
is db-12.3 "... its row says weak and names the flush" \
	"$(sqlite3 "$db" "SELECT memory_model, substr(choices, 1, length('$wsched')) FROM schedules WHERE name = 'weak-flush'")" "weak|$wsched"
out=$(X replay classic weak-flush 2>&1)
has db-12.4 "replay runs it under weak: the same trace hash" "$out" "equals the one recorded for schedule"
has db-12.5 "... and the report names the model" "$out" "memory:   weak"
out=$(X replay classic weak-flush --version later 2>&1); rc=$?
is db-12.6 "replay of a weak schedule on another version: refused (exit 3)" "$rc" 3
has db-12.7 "... saying why" "$out" "it replays on that version only"
is db-12.8 "every sc row still says sc" "$(sqlite3 "$db" "SELECT count(*) FROM schedules WHERE memory_model NOT IN ('sc', 'weak')")" 0

done_testing
