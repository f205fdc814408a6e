# stable-ids.sh - what a step is does not depend on where it stands in the
# source (stable-*).  tests/xipsandbox-moved is this program built from
# copies of the simulated kernel whose every line moved (tests/move-lines.sh).
# It must give the same golden traces, the same trace hashes for every
# shipped named schedule on every version, and replay a database that this
# build recorded, and one that the release before stable ids recorded
# (tests/fixtures/schema2-c94cba6.sqlite), without a divergence.
. "${XS_SRCDIR:-.}/tests/lib.sh"
: "${XS_MOVED_BIN:=./tests/xipsandbox-moved}"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-stable.XXXXXX")
trap 'rm -rf "$work"' EXIT

# the copies really moved: the same site ids, and (nearly) every line elsewhere
"$XS_BIN" sites | cut -f1,2 | sort > "$work/sites"
"$XS_MOVED_BIN" sites | cut -f1,2 | sort > "$work/sites-moved"
cut -f1 "$work/sites" > "$work/ids"
cut -f1 "$work/sites-moved" > "$work/ids-moved"
is stable-1.1 "the moved build has the same site ids" "$(cmp -s "$work/ids" "$work/ids-moved" && echo same)" same
nsites=$(wc -l < "$work/sites" | tr -d ' ')
nsame=$(comm -12 "$work/sites" "$work/sites-moved" | wc -l | tr -d ' ')
ok "$([ "$nsites" -gt 100 ] && [ "$nsame" -eq 0 ] && echo 0 || echo 1)" stable-1.2 \
	"... and every one of its $nsites sites is on another line ($nsame on the same)"

# golden traces: byte for byte the same from the moved build
gold=$(XS_BIN="$XS_MOVED_BIN" sh "$XS_SRCDIR/tests/golden.sh" 2>&1)
nok=$(printf '%s\n' "$gold" | grep -c '^ok ')
nbad=$(printf '%s\n' "$gold" | grep -c '^not ok ')
ok "$([ "$nok" -gt 10 ] && [ "$nbad" -eq 0 ] && echo 0 || echo 1)" stable-2.1 \
	"the golden traces hold on the moved build ($nok ok, $nbad not ok)"
[ "$nbad" -eq 0 ] || printf '%s\n' "$gold" | grep -A6 '^not ok' | sed 's/^/# /' | head -40

# every shipped named schedule, every version: recorded by this build, replayed by the moved one
db="$work/shipped.db"
n=0 same=0
for sched in "$XS_SRCDIR"/scenarios/*.sched; do
	scn=$(basename "$sched" .sched)
	"$XS_BIN" list "$scn" --db "$db" > "$work/list" 2>&1 || { ok 1 stable-3.0 "list $scn"; cat "$work/list"; continue; }
	for id in $(awk '$8 == "shipped" {print $1}' "$work/list"); do
		n=$((n + 1))
		out=$("$XS_MOVED_BIN" replay "$scn" "$id" --db "$db" -q 2>&1)
		case "$out" in
		*"equals the one recorded"*) same=$((same + 1)) ;;
		*) printf '# %s schedule %s on the moved build:\n' "$scn" "$id"; printf '%s\n' "$out" | tail -3 | sed 's/^/#   /' ;;
		esac
	done
done
ok "$([ "$n" -ge 18 ] && [ "$same" -eq "$n" ] && echo 0 || echo 1)" stable-3.1 \
	"every shipped named schedule on every version replays on the moved build with its stored hash ($same of $n)"

# a database of the release before stable ids (schema 2, hashes with lines)
fixture="$XS_SRCDIR/tests/fixtures/schema2-c94cba6.sqlite"
for bin in "$XS_BIN" "$XS_MOVED_BIN"; do
	name=$([ "$bin" = "$XS_BIN" ] && echo build || echo moved)
	old="$work/old-$name.db"
	cp "$fixture" "$old"
	chmod u+w "$old"
	before=$(sqlite3 "$old" "SELECT id, scenario_id, version, choices, verdict, trace_hash, origin, coalesce(name, '-') FROM schedules ORDER BY id")
	rows=0 diverged=0 other=0
	for row in $(sqlite3 "$old" "SELECT s.id || ':' || c.name FROM schedules s JOIN scenarios c ON c.id = s.scenario_id ORDER BY s.id"); do
		id=${row%%:*} scn=${row#*:}
		rows=$((rows + 1))
		out=$("$bin" replay "$scn" "$id" --db "$old" -q 2>&1)
		case "$out" in
		*"DIVERGENCE"*) diverged=$((diverged + 1)); printf '# %s\n' "$(printf '%s\n' "$out" | tail -1)" ;;
		*"equals the one recorded"*) ;;
		*) other=$((other + 1)); printf '# %s %s: %s\n' "$scn" "$id" "$(printf '%s\n' "$out" | tail -1)" ;;
		esac
	done
	after=$(sqlite3 "$old" "SELECT id, scenario_id, version, choices, verdict, trace_hash, origin, coalesce(name, '-') FROM schedules ORDER BY id")
	ok "$([ "$rows" -ge 50 ] && [ "$diverged" -eq 0 ] && [ "$other" -eq 0 ] && echo 0 || echo 1)" "stable-4.1-$name" \
		"the c94cba6 database replays on the $name build without a divergence ($rows rows, $diverged diverged, $other otherwise)"
	is "stable-4.2-$name" "... and keeps every row, name and hash it had" "$after" "$before"
	is "stable-4.3-$name" "... its schema is now 7 (the latest), its old rows marked trace format 1" \
		"$(sqlite3 "$old" "PRAGMA user_version; SELECT count(*) FROM schedules WHERE trace_format <> 1")" "7
0"
	is "stable-4.4-$name" "... and every old row reads as run under sc (schema 6's memory_model)" \
		"$(sqlite3 "$old" "SELECT count(*) FROM schedules WHERE memory_model <> 'sc'")" "0"
	is "stable-4.5-$name" "... and its three version CHECKs admit final (schema 7)" \
		"$(sqlite3 "$old" "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%''later'', ''final'')%'")" "3"
done

# a real change of behaviour is still a divergence: a format-1 row whose choices were altered
old="$work/old-build.db"
sqlite3 "$old" "UPDATE schedules SET trace_hash = '0123456789abcdef' WHERE id = 16"
out=$("$XS_BIN" replay classic 16 --db "$old" -q 2>&1); status=$?
has stable-5.1 "an old row whose run no longer gives its hash is reported as a divergence" "$out" "DIVERGENCE"
is stable-5.2 "... with exit status 4" "$status" 4
done_testing
