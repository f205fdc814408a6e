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

# issue 16: explore under tso/weak records its counterexample with its model
sc_short=$(sqlite3 "$db" "SELECT id || ' ' || memory_model FROM schedules WHERE name = 'shortest' AND version = 'buggy'")
out=$(X explore classic --version buggy --memory-model tso 2>&1); rc=$?
has db-13.1 "explore --memory-model tso records its shortest counterexample as 'shortest-tso'" "$out" "'shortest-tso' (the shortest counterexample under tso)"
is db-13.1.1 "... and exits 1, as explore does when a bad verdict is found (explore --help)" "$rc" 1
has db-13.2 "... and the exploration" "$out" "recorded: exploration"
is db-13.3 "... sc's 'shortest' of the same scenario and version is left as it was" \
	"$(sqlite3 "$db" "SELECT id || ' ' || memory_model FROM schedules WHERE name = 'shortest' AND version = 'buggy'")" "$sc_short"
is db-13.4 "... the row is an explore row under tso" \
	"$(sqlite3 "$db" "SELECT origin, memory_model, verdict FROM schedules WHERE name = 'shortest-tso'")" "explore|tso|corruption"
out=$(X replay classic shortest-tso --version buggy 2>&1); rc=$?
has db-13.5 "replay of shortest-tso runs it under tso: the same trace hash" "$out" "equals the one recorded for schedule"
has db-13.6 "... and names the model" "$out" "memory:   tso"
out=$(X explore classic --version fixed --memory-model weak --first 2>&1); rc=$?
has db-13.7 "stopped by --first: saved under a name that does not claim shortest" "$out" "'counterexample-weak' (a counterexample under weak, not known to be the shortest"
is db-13.8 "... and no 'shortest-weak' yet" "$(sqlite3 "$db" "SELECT count(*) FROM schedules WHERE name = 'shortest-weak'")" 0
is db-13.9 "... its exploration is recorded incomplete" \
	"$(sqlite3 "$db" "SELECT mode, complete, bounds FROM explorations ORDER BY id DESC LIMIT 1")" "memory-weak|0|first"
out=$(X explore classic --version fixed --memory-model weak 2>&1); rc=$?
has db-13.10 "a complete weak search saves 'shortest-weak'" "$out" "'shortest-weak' (the shortest counterexample under weak)"
is db-13.11 "... its exploration is complete" \
	"$(sqlite3 "$db" "SELECT mode, complete FROM explorations ORDER BY id DESC LIMIT 1")" "memory-weak|1"
first=$(sqlite3 "$db" "SELECT id FROM schedules WHERE name = 'shortest-weak'")
out=$(X replay classic shortest-weak --version fixed -q 2>&1); rc=$?
is db-13.12 "replay classic shortest-weak --version fixed: the corruption code (fixed is ok under sc)" "$rc" 11
has db-13.13 "... the same run" "$out" "equals the one recorded for schedule $first"
X explore classic --version fixed --memory-model weak >/dev/null 2>&1
is db-13.14 "a second complete search takes the name from the first explore row, which stays" \
	"$(sqlite3 "$db" "SELECT count(*), sum(name = 'shortest-weak'), sum(id = $first AND name IS NULL) FROM schedules WHERE memory_model = 'weak' AND origin = 'explore'")" "3|1|1"
n0=$(sqlite3 "$db" "SELECT count(*) FROM schedules")
e0=$(sqlite3 "$db" "SELECT count(*) FROM explorations")
"$XS_BIN" explore classic --version fixed --memory-model weak --no-record >/dev/null 2>&1
is db-13.15 "--no-record records nothing" "$(sqlite3 "$db" "SELECT count(*) FROM schedules") $(sqlite3 "$db" "SELECT count(*) FROM explorations")" "$n0 $e0"
err=$(X explore classic --memory-model weak --no-record 2>&1); rc=$?
is db-13.16 "--db with --no-record: usage error (exit 2)" "$rc" 2
err=$(X explore classic --version fixed --memory-model weak --drop-barrier rmb-retry 2>&1); rc=$?
is db-13.17 "--db with a barrier what-if: usage error (exit 2)" "$rc" 2
has db-13.18 "... saying it is not recorded" "$err" "is a what-if and is not recorded"
"$XS_BIN" explore classic --version fixed --memory-model weak --drop-barrier rmb-retry >/dev/null 2>&1
is db-13.19 "a barrier what-if without --db records nothing" "$(sqlite3 "$db" "SELECT count(*) FROM schedules") $(sqlite3 "$db" "SELECT count(*) FROM explorations")" "$n0 $e0"
printf 'not a database\n' > "$work/text2.db"
err=$("$XS_BIN" explore classic --memory-model weak --db "$work/text2.db" 2>&1); rc=$?
is db-13.20 "a bad --db is refused before the search (exit 3)" "$rc" 3
has db-13.21 "... pointing at --no-record" "$err" "--no-record"

# issue 16 / B53: export and import keep the model
wid=$(sqlite3 "$db" "SELECT id FROM schedules WHERE name = 'weak-flush'")
line=$(X export "$wid"); rc=$?
has db-14.1 "export of a weak schedule writes an xs3 line naming the model" "$line" "xs3:classic:fixed:weak:weak-flush:"
has db-14.2 "... its flush set off by commas, its length in steps" "$line" ":35:000000011111111,flush0:xip_sparse_seq,1111000000000000000:"
db4="$work/d.db"
out=$("$XS_BIN" import "$line" --db "$db4" 2>&1); rc=$?
is db-14.3 "the xs3 line imports (exit 0)" "$rc" 0
has db-14.4 "... under weak" "$out" "verdict corruption, under weak"
is db-14.5 "... the row is weak, with the same choices" \
	"$(sqlite3 "$db4" "SELECT memory_model, choices FROM schedules WHERE name = 'weak-flush'")" \
	"$(sqlite3 "$db" "SELECT memory_model, choices FROM schedules WHERE name = 'weak-flush'")"
out=$("$XS_BIN" replay classic weak-flush --db "$db4" -q 2>&1)
has db-14.6 "... and replays to the trace recorded where it was exported from" "$out" \
	"trace hash $(sqlite3 "$db" "SELECT trace_hash FROM schedules WHERE name = 'weak-flush'") equals"
sid=$(sqlite3 "$db" "SELECT id FROM schedules WHERE name = 'shortest-weak'")
line=$(X export "$sid")
has db-14.7 "a weak schedule of CPUs only exports as xs3 too" "$line" "xs3:classic:fixed:weak:shortest-weak:"
out=$("$XS_BIN" import "$line" --db "$db4" 2>&1); rc=$?
is db-14.8 "... and imports under weak with its verdict (exit 0; under sc it was refused, the choices do not apply)" "$rc" 0
is db-14.9 "... stored weak, corruption" "$(sqlite3 "$db4" "SELECT memory_model, verdict FROM schedules WHERE name = 'shortest-weak'")" "weak|corruption"
out=$("$XS_BIN" import "$line" --db "$db4" 2>&1); rc=$?
has db-14.10 "importing it again: already there" "$out" "already there"
bad=$(printf '%s' "$line" | sed 's/:weak:/:tso:/')
err=$("$XS_BIN" import "$bad" --db "$db4" 2>&1); rc=$?
is db-14.11 "an xs3 line whose model was changed is refused (exit 3)" "$rc" 3
has db-14.12 "... by its check" "$err" "was changed or cut short"
err=$("$XS_BIN" import "${line%:*}" --db "$db4" 2>&1); rc=$?
has db-14.13 "an xs3 line without its check is refused" "$err" "import, line 1:"
sline=$(X export "$id")
has db-14.14 "an sc schedule still exports as xs2, as before" "$sline" "xs2:classic:buggy:my-name:"
out=$(X export "$wid" --format txt)
has db-14.15 "export --format txt of a weak schedule runs it under weak" "$out" "memory:   weak"
has db-14.16 "... to its verdict" "$out" "verdict: corruption"
out=$(X export "$wid" --format svg); rc=$?
is db-14.17 "export --format svg of a weak schedule (exit 0)" "$rc" 0
has db-14.18 "... names the model" "$out" "memory model weak"

# issue 16: list names a model that is not sc
out=$(X list classic)
has db-15.1 "list names the model of a weak schedule" "$(printf '%s\n' "$out" | grep weak-flush)" "user  under weak"
hasnt db-15.2 "... and says nothing for an sc one" "$(printf '%s\n' "$out" | grep write-first-mine)" "under"

# issue 15: schema 7 records the fourth version, final (it was shown, never recorded)
out=$(X run classic --version final --name final-mine); rc=$?
is db-16.1 "run --version final records (exit 0: ok)" "$rc" 0
has db-16.2 "... and says under which id and name" "$out" "('final-mine')"
fid=$(printf '%s\n' "$out" | sed -n 's/^recorded as schedule \([0-9]*\).*/\1/p')
fhash=$(printf '%s\n' "$out" | sed -n 's/.*trace hash: \([0-9a-f]*\).*/\1/p')
is db-16.3 "... its row says final, with the run's trace hash" \
	"$(sqlite3 "$db" "SELECT version, origin, verdict, trace_hash FROM schedules WHERE id = ${fid:-0}")" "final|user|ok|$fhash"
out=$(X replay classic final-mine --version final -q); rc=$?
has db-16.4 "replay of it: the same trace hash" "$out" "trace hash $fhash equals the one recorded for schedule $fid"
out=$(X replay classic final-mine -q); rc=$?
is db-16.5 "... replay by name alone finds it on final (exit 0)" "$rc" 0
fline=$(X export "$fid")
has db-16.6 "export writes an xs2 line of final" "$fline" "xs2:classic:final:final-mine:"
steps=$(sqlite3 "$db" "SELECT length FROM schedules WHERE id = ${fid:-0}")
has db-16.7 "... whose LENGTH is the row's $steps steps" "$fline" ":$steps:"
db6="$work/f.db"
out=$("$XS_BIN" import "$fline" --db "$db6" 2>&1); rc=$?
is db-16.8 "the final line imports into another database (exit 0)" "$rc" 0
has db-16.9 "... run there on final" "$out" "classic final final-mine, $steps steps, verdict ok"
is db-16.10 "... the same version, name, choices, length and trace hash" \
	"$(sqlite3 "$db6" "SELECT version, name, choices, length, trace_hash FROM schedules WHERE name = 'final-mine'")" \
	"$(sqlite3 "$db" "SELECT version, name, choices, length, trace_hash FROM schedules WHERE id = ${fid:-0}")"
iid=$(sqlite3 "$db6" "SELECT id FROM schedules WHERE name = 'final-mine'")
is db-16.11 "... and it exports there to the same line" "$("$XS_BIN" export "${iid:-0}" --db "$db6")" "$fline"
out=$("$XS_BIN" import "$fline" --db "$db6" 2>&1); rc=$?
has db-16.12 "importing it again: already there" "$out" "already there"
err=$("$XS_BIN" import "$(printf '%s' "$fline" | sed 's/:final:/:later:/')" --db "$db6" 2>&1); rc=$?
is db-16.13 "a final line whose version was changed is refused (exit 3)" "$rc" 3
has db-16.14 "... by its check" "$err" "was changed or cut short"
body=${fline%:*} sum=${fline##*:}
err=$("$XS_BIN" import "${body%?}:$sum" --db "$db6" 2>&1); rc=$?
has db-16.15 "a final line with a choice cut off is refused by its check" "$err" "was changed or cut short"
xs1=$(printf '%s' "$body" | sed 's/^xs2:/xs1:/; s/:final-mine:/:-:/; s/:'"$steps"':/:/')
out=$("$XS_BIN" import "$xs1" --db "$work/g.db" 2>&1); rc=$?
is db-16.16 "an xs1 line (no length, no check) of final imports (exit 0)" "$rc" 0
is db-16.17 "... stored on final with the same trace hash" \
	"$(sqlite3 "$work/g.db" "SELECT version, trace_hash FROM schedules WHERE origin = 'user'")" "final|$fhash"
out=$(X run classic --version final --memory-model weak --name final-weak -q); rc=$?
wfid=$(printf '%s\n' "$out" | sed -n 's/^recorded as schedule \([0-9]*\).*/\1/p')
wline=$(X export "${wfid:-0}")
has db-16.18 "a final run under weak is recorded and exports as xs3" "$wline" "xs3:classic:final:weak:final-weak:"
out=$("$XS_BIN" import "$wline" --db "$db6" 2>&1); rc=$?
is db-16.19 "... which imports (exit 0)" "$rc" 0
is db-16.20 "... final under weak, with the same trace hash" \
	"$(sqlite3 "$db6" "SELECT version, memory_model, trace_hash FROM schedules WHERE name = 'final-weak'")" \
	"$(sqlite3 "$db" "SELECT version, memory_model, trace_hash FROM schedules WHERE name = 'final-weak'")"
e0=$(sqlite3 "$db" "SELECT count(*) FROM explorations")
out=$(X explore truncate --version final); rc=$?
is db-16.21 "explore --version final with --db: exit 0 (every schedule ok; it was a usage error)" "$rc" 0
has db-16.22 "... and records the exploration" "$out" "recorded: exploration"
is db-16.23 "... of final" "$(sqlite3 "$db" "SELECT count(*), max(version) FROM explorations WHERE id > $e0")" "1|final"
tx="$XS_SRCDIR/tests/scenarios/truncate-extend.scn"
out=$(X explore "$tx" --version final); rc=$?
is db-16.24 "explore finds final's own hole (truncate-extend): exit 1" "$rc" 1
has db-16.25 "... and records its shortest counterexample" "$out" "'shortest' (shortest)"
out=$(X replay "$tx" shortest --version final -q); rc=$?
is db-16.26 "... which replays: the corruption code" "$rc" 11
has db-16.27 "... the same run" "$out" "equals the one recorded for schedule"
out=$(X explore truncate --version final --memory-model tso); rc=$?
has db-16.28 "explore --memory-model tso on final records its search" "$out" "recorded: exploration"
is db-16.29 "... as memory-tso of final" \
	"$(sqlite3 "$db" "SELECT version, mode FROM explorations ORDER BY id DESC LIMIT 1")" "final|memory-tso"

# schema 6 -> 7: a file the release before wrote (tests/fixtures/schema6-a7411e7.sqlite:
# shipped, user, weak and explore rows, explorations with units, a challenge
# row, schedule 30 deleted, so the sequence is ahead of the highest id)
# keeps every row, value, rowid, the sequence and every root page; only the
# CHECK of the three version columns admits final.
snapshot() {  # snapshot DB SQL-EXPR-FOR-sqlite_master.sql
	sqlite3 -readonly "$1" ".mode quote" \
		"SELECT rowid, * FROM scenarios ORDER BY rowid" "SELECT rowid, * FROM schedules ORDER BY rowid" \
		"SELECT rowid, * FROM explorations ORDER BY rowid" "SELECT rowid, * FROM exploration_units ORDER BY rowid" \
		"SELECT rowid, * FROM challenge_progress ORDER BY rowid" "SELECT * FROM sqlite_sequence ORDER BY name" \
		"SELECT type, name, tbl_name, rootpage, $2 FROM sqlite_master ORDER BY rowid"
}
old6="$work/old6.db"
cp "$XS_SRCDIR/tests/fixtures/schema6-a7411e7.sqlite" "$old6"; chmod u+w "$old6"
before=$(snapshot "$old6" "replace(sql, 'IN (''buggy'', ''fixed'', ''later'')', 'IN (''buggy'', ''fixed'', ''later'', ''final'')')")
sum6=$(cksum < "$old6")
err=$(XS_DB_FORCE_READONLY=1 "$XS_BIN" list --db "$old6" 2>&1); rc=$?
is db-17.1 "a read-only schema 6 file is not upgraded by a reading command (exit 3)" "$rc" 3
has db-17.2 "... which says so" "$err" "is read-only and not set up yet (schema 6; xipsandbox needs 7)"
is db-17.3 "... and leaves it byte for byte" "$(cksum < "$old6")" "$sum6"
out=$("$XS_BIN" list --db "$old6" 2>&1); rc=$?
is db-17.4 "list opens the writable schema 6 file (exit 0)" "$rc" 0
is db-17.5 "... which is now schema 7, and passes integrity_check" \
	"$(sqlite3 "$old6" "PRAGMA user_version; PRAGMA integrity_check")" "7
ok"
after=$(snapshot "$old6" sql)
is db-17.6 "... every row, value, rowid, the sequence, every index and root page kept; the CHECKs admit final" \
	"$after" "$before"
if [ "$after" != "$before" ]; then
	printf '%s\n' "$before" > "$work/before6"; printf '%s\n' "$after" > "$work/after6"
	diff "$work/before6" "$work/after6" | head -10 | sed 's/^/# /'
fi
is db-17.7 "... the three version CHECKs say final" \
	"$(sqlite3 "$old6" "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%''later'', ''final'')%'")" 3
out=$("$XS_BIN" run classic --version final -q --db "$old6"); rc=$?
has db-17.8 "run --version final on it records schedule 31 (30 was deleted: its id is not given again)" "$out" \
	"recorded as schedule 31 in"
for i in 13 14 28; do
	out=$("$XS_BIN" replay classic "$i" -q --db "$old6" 2>&1)
	has "db-17.9.$i" "... its schedule $i replays to its recorded hash" "$out" "equals the one recorded for schedule $i"
done
# db-18 (B54): a run the step limit stopped is stored as it ran, and runs so again
sdb="$work/limit.db"
S() { "$XS_BIN" "$@" --db "$sdb"; }
out=$(S run classic --version fixed --step-limit 20 --name cut20 -q 2>&1)
has db-18.1 "run --step-limit 20 records the run the limit stopped" "$out" "recorded as schedule"
out=$(S replay classic cut20 --version fixed 2>&1); rc=$?
has db-18.2 "... replay stops it there again: the same trace hash (was DIVERGENCE: it ran on to an ok end)" "$out" "equals the one recorded"
line=$(S export "$(sqlite3 "$sdb" "SELECT id FROM schedules WHERE name = 'cut20'")")
"$XS_BIN" import "$line" --db "$work/limit2.db" > /dev/null 2>&1
is db-18.3 "... its export line imports as the same 20 steps and verdict (was 31 steps, ok)" \
	"$(sqlite3 "$work/limit2.db" "SELECT length, verdict FROM schedules WHERE name = 'cut20'")" "20|step-limit"
out=$(S explore classic --version fixed --step-limit 20 2>&1); rc=$?
hasnt db-18.4 "explore --step-limit 20 saves its counterexamples (was: 'the engine is not deterministic')" "$out" "not deterministic"
has db-18.5 "... as 'shortest'" "$out" "'shortest' (shortest)"
out=$(S replay classic shortest --version fixed 2>&1)
has db-18.6 "... which replays to the same end" "$out" "equals the one recorded"
out=$(S explore classic --version fixed --memory-model weak --step-limit 20 2>&1)
has db-18.7 "explore --memory-model weak --step-limit 20 saves its counterexample too" "$out" "'shortest-weak'"
# a length another program wrote (100 million: a trace of 2.4 GB) is not taken for the limit,
# which only a row's own choices can say: under a 1 GB address space the replay still runs
if grep -q -a -e __asan_init -e __ubsan_handle "$XS_BIN"; then
	skip db-18.8 "a tampered length under ulimit -v" "a sanitizer build reserves its shadow memory"
else
	sqlite3 "$sdb" "UPDATE schedules SET length = 100000000 WHERE name = 'cut20'"
	out=$( (ulimit -v 1000000; timeout 60 "$XS_BIN" replay classic cut20 --version fixed --db "$sdb") 2>&1); rc=$?
	is db-18.8 "a step-limit row whose length another program changed asks for no such limit: it replays as a divergence (exit 4)" "$rc" 4
fi

done_testing
