# hardening.sh - every kind of wrong input and hostile condition (hard-*):
# nothing a user types or loads may crash xipsandbox, hang it, or lose
# what they saved.  docs/reliability.md lists each case and this test's id.
#
#   hard-1.*  the bad-input corpus (tests/bad-input/cases): scenarios,
#             schedules, import lines and databases, each with its message
#   hard-2.*  output: a closed stdout, `list | head -1`, a full stdout
#   hard-3.*  signals: SIGINT, SIGTERM, SIGHUP during run, import, play
#             (tmux) and explore (its plan too), a hangup, and kill -9 before each file
#             change of a run (one that upgrades a schema 6 file too); the
#             terminal and the database survive
#   hard-4.*  resources: failing malloc (tests/failmalloc.c via LD_PRELOAD),
#             ulimit -v, ulimit -f (with and without SIGXFSZ), a full tmpfs
#             (when a mount namespace is allowed); the last two also while a
#             schema 6 file is upgraded
#   hard-5.*  determinism: one schedule replayed many times, one trace hash,
#             the same one as the golden trace (so on every build)
#   hard-6.*  bad input under valgrind (memory errors, definite leaks)
#   hard-7.*  the crashes fuzzing found (tests/fuzz/regressions), replayed
#             through the command line
#   hard-8.*  nothing saved is lost or silently changed (issue 17: 8.N is
#             its item N): --dot never writes over what it reads (8.1), a
#             failed recording keeps the old names (8.2), --db is a path,
#             never an SQLite URI (8.3), an import line is whole or refused (8.4)
#   hard-10.* trust boundaries (issue 17, items 9, 10, 12): escape sequences
#             (10.9), stored counterexamples replayed before they are
#             believed (10.10), a scenario is its name, text and file (10.12)
#   hard-11.* issue 17's smaller findings (B29-B41)
#   hard-12.* the hostile pass of 2026-12-03 (B49-B51: export, import from stdin)
#
# Known bugs not fixed yet are TAP TODO tests ("# TODO B<n>"): they are
# listed, with reproducers and fixes, in docs/reliability.md.  Remove the
# TODO when the fix lands (an unexpected pass fails make check on purpose).
#
# Needs: tmux (else the play tests skip), sqlite3 (integrity checks),
# valgrind (hard-6), a C compiler (the shim); each is skipped when missing.
# Environment: XS_HARD_RUNS (determinism runs, default 1000; 200 in a
# sanitizer build), CC (to build the shim; default cc).
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"
in="$XS_SRCDIR/tests/bad-input"
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-hard.XXXXXX")
sock="$work/tmux.sock"  # a new one for every play session (play_start)
nsock=0
# Only the test's own shell cleans up: a forked copy of it that a test
# signal kills before it execs must not (bash runs the EXIT trap there).
cleanup() {
	[ "$(exec sh -c 'echo $PPID')" = "$$" ] || return 0
	for s in "$work"/tmux*.sock; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
export XS_DB_BUSY_MS=2000
export XS_DB_WORK_MS=2000  # one statement's CPU time (B2), so the endless trigger stops soon

have() { command -v "$1" >/dev/null 2>&1; }
t_lap=$(date +%s)
lap() {  # lap WHAT: a TAP comment with the seconds since the last lap
	t_now=$(date +%s)
	echo "# $1: $((t_now - t_lap)) s"
	t_lap=$t_now
}
todo() {  # todo COND ID DESCRIPTION BUG: a known bug
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2: $3 # TODO $4"
	else
		echo "not ok $tap_n - $2: $3 # TODO $4"
	fi
}
# integrity DB: PRAGMA integrity_check says ok (0), or no sqlite3 (2)
integrity() {
	have sqlite3 || return 2
	[ "$(sqlite3 "$1" 'PRAGMA integrity_check' 2>&1)" = ok ]
}
ok_integrity() {  # ok_integrity ID DESCRIPTION DB
	integrity "$3"
	case $? in
	0) ok 0 "$1" "$2" ;;
	2) skip "$1" "$2" "the sqlite3 command-line tool is not installed" ;;
	*) ok 1 "$1" "$2"; sqlite3 "$3" 'PRAGMA integrity_check' 2>&1 | head -5 | sed 's/^/#   /' ;;
	esac
}
# crashed RC ERRFILE: the run crashed (a signal, fatal other than out of memory, a sanitizer)
crashed() {
	[ "$1" -ge 128 ] && [ "$1" -ne 141 ] && return 0
	grep -q -e 'runtime error' -e 'AddressSanitizer' -e 'LeakSanitizer' -e 'assertion failed' "$2" && return 0
	[ "$1" -eq 70 ] && ! grep -q 'out of memory' "$2" && return 0
	return 1
}
sanitized=0
grep -q -a -e __asan_init -e __ubsan_handle "$XS_BIN" && sanitized=1

# the fault-injection shim (tests/failmalloc.c): not in a sanitizer build,
# whose runtime replaces malloc itself
shim="$work/failmalloc.so" shim_why=
if [ $sanitized -eq 1 ]; then
	shim_why="a sanitizer build replaces malloc itself"
elif ! ${CC:-cc} -shared -fPIC -O2 -o "$shim" "$XS_SRCDIR/tests/failmalloc.c" 2>"$work/cc.err"; then
	shim_why="no C compiler to build tests/failmalloc.c"
fi

good="$work/good.db"
"$XS_BIN" list classic --db "$good" >/dev/null 2>&1
have sqlite3 && sqlite3 "$good" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1

# ---- hard-1: the bad-input corpus -------------------------------------------------------
head -c 2097152 /dev/zero | tr '\0' '#' > "$work/enormous.scn"
mkdir "$work/dir.scn" "$work/dir.db"
ln -s loop2.scn "$work/loop.scn"; ln -s loop.scn "$work/loop2.scn"
ln -s loop2.db "$work/loop.db"; ln -s loop.db "$work/loop2.db"
ln -s "$work/no/such/dir/x.db" "$work/dangling.db"
awk 'BEGIN { for (i = 0; i < 30000; i++) printf "%d ", i % 2 }' > "$work/long.sched"
if have sqlite3; then
	cp "$good" "$work/huge-blob.db"
	sqlite3 "$work/huge-blob.db" "UPDATE schedules SET description = zeroblob(20000000) WHERE id = 1;
		UPDATE schedules SET choices = substr(replace(hex(zeroblob(500000)), '0', '0 '), 1, 2000000) WHERE id = 2;"
fi

# quiet_run SECONDS ARGS...: xipsandbox ARGS in $work under timeout; a crash's
# "Segmentation fault" line goes to stderr with the rest, not into the TAP stream
quiet_run() {
	sh -c 'cd "$1" || exit 125; shift; "$@"; exit $?' sh "$work" timeout "$@"
}
trim() { printf '%s' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }
subst() { printf '%s' "$1" | sed "s|@IN@|$in|g; s|@W@|$work|g; s|@DB@|$work/case.db|g"; }

run_case() {  # run_case ID EXIT ARGS MESSAGE FLAGS
	id=$1 want=$2 args=$3 msg=$4 flags=$5
	db= sched= imp= stream=err limit=20 bug= same=0
	for f in $flags; do
		case $f in
		db=*) db=${f#db=} ;;
		sched=*) sched=${f#sched=} ;;
		imp=*) imp=${f#imp=} ;;
		out) stream=out ;;
		same) same=1 ;;
		timeout=*) limit=${f#timeout=} ;;
		todo=*) bug=${f#todo=} ;;
		esac
	done
	if [ -n "$db" ]; then
		cp "$in/databases/$db" "$work/case.db"
	else
		cp "$good" "$work/case.db"
	fi
	rm -f "$work/case.db-wal" "$work/case.db-shm"
	before=$(cksum < "$work/case.db")
	eval "set -- $(subst "$args")"
	case $sched in
	'') ;;
	@W@/*) set -- "$@" --schedule "$(cat "$work/${sched#@W@/}")" ;;
	*) set -- "$@" --schedule "$(cat "$in/schedules/$sched")" ;;
	esac
	[ -n "$imp" ] && set -- "$@" "$(cat "$in/imports/$imp")"
	quiet_run "$limit" "$XS_BIN" "$@" > "$work/out" 2> "$work/err" < /dev/null
	rc=$?
	why=
	if [ $rc -eq 124 ]; then
		why="it did not finish within $limit s (a hang)"
	elif crashed $rc "$work/err"; then
		why="it crashed (exit $rc)"
	elif [ "$rc" != "$want" ]; then
		why="exit status $rc, want $want"
	elif [ -n "$msg" ] && ! grep -q -F -e "$msg" "$work/$stream"; then
		why="the message is missing"
	elif [ $same -eq 1 ] && [ "$(cksum < "$work/case.db")" != "$before" ]; then
		why="the refused database was changed"
	fi
	if [ -n "$bug" ]; then
		todo "$([ -z "$why" ]; echo $?)" "hard-1.$id" "$args${sched:+ --schedule <$sched>}${imp:+ <$imp>}" "$bug"
	else
		ok "$([ -z "$why" ]; echo $?)" "hard-1.$id" "$args${sched:+ --schedule <$sched>}${imp:+ <$imp>}"
	fi
	if [ -n "$why" ]; then
		echo "#   $why; want: $msg"
		head -c 600 "$work/err" | sed 's/^/#   stderr: /'
	fi
}

set -f
while IFS='|' read -r c_id c_exit c_args c_msg c_flags; do
	case $c_id in '' | '#'*) continue ;; esac
	c_id=$(trim "$c_id"); c_flags=$(trim "$c_flags")
	case "$c_args $c_flags" in
	*huge-blob*) have sqlite3 || { skip "hard-1.$c_id" "$(trim "$c_args")" "no sqlite3 to make the database"; continue; } ;;
	esac
	run_case "$c_id" "$(trim "$c_exit")" "$(trim "$c_args")" "$(trim "$c_msg")" "$c_flags"
done < "$in/cases"
set +f

lap "hard-1 (bad-input corpus)"

# ---- hard-2: output ----------------------------------------------------------------------
big="$work/big.db"
cp "$good" "$big"
if have sqlite3; then
	# 1200 rows: more than a pipe holds, so `head -1` closes it under list's feet
	sqlite3 "$big" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
		INSERT INTO schedules (scenario_id, scenario_hash, version, choices, length, preemptions,
		verdict, trace_hash, origin) SELECT 1, '0123456789abcdef', 'buggy', '0 1', 2, 0, 'ok',
		'0123456789abcdef', 'user' FROM n;"
fi
sum=$(cksum < "$big")
"$XS_BIN" list --db "$big" 2> "$work/err" | head -1 > "$work/out"
is hard-2.1 "list | head -1: no error message" "$(no_asan_noise < "$work/err")" ""
is hard-2.2 "... the first line is the header" "$(cut -c1-9 "$work/out")" "   id  sc"
# (trap in a subshell would make bash run our EXIT trap there: sh -c instead)
sh -c 'trap "" PIPE; "$1" list --db "$2" | head -1 > /dev/null' sh "$XS_BIN" "$big" 2> "$work/err"
is hard-2.3 "... with SIGPIPE ignored (EPIPE instead): still no message" "$(no_asan_noise < "$work/err")" ""
is hard-2.4 "... and the database is unchanged" "$(cksum < "$big")" "$sum"

cp "$good" "$work/closed.db"
"$XS_BIN" run classic -q --db "$work/closed.db" >&- 2> "$work/err"; rc=$?
crashed $rc "$work/err"; [ $? -ne 0 ]; ok $? hard-2.5 "run with stdout closed does not crash (exit $rc)"
ok_integrity hard-2.6 "... and its database is consistent" "$work/closed.db"
"$XS_BIN" list --db "$work/closed.db" >&- 2>&-; rc=$?
[ $rc -lt 128 ]; ok $? hard-2.7 "list with stdout and stderr closed does not crash (exit $rc)"
"$XS_BIN" list --db "$work/closed.db" > /dev/null 2>&1; ok $? hard-2.8 "... and the database still opens"

if [ -w /dev/full ]; then
	"$XS_BIN" export 1 --db "$good" > /dev/full 2> "$work/err"; rc=$?
	ok "$([ $rc -ne 0 ] && grep -q 'No space left on device' "$work/err"; echo $?)" hard-2.9 \
		"export to a full disk (/dev/full) fails with a message (exit $rc)"
	"$XS_BIN" list --db "$good" > /dev/full 2> "$work/err"; rc=$?
	ok "$([ $rc -ne 0 ]; echo $?)" hard-2.10 "list to /dev/full fails (exit $rc)"
	# every way out that printed something checks it was written, the
	# paths ending in exit() (a command's --help) too
	bad=
	for args in "--help" "--version" "help" "run --help" "replay --help" "list --help" "save --help" \
		"export --help" "import --help" "play --help" "demo --help" "explore --help" "ablate --help"; do
		# shellcheck disable=SC2086
		"$XS_BIN" $args > /dev/full 2> "$work/err"; rc=$?
		[ $rc -eq 3 ] && grep -q 'cannot write the output: No space left on device' "$work/err" ||
			bad="$bad '$args' (exit $rc)"
	done
	is hard-2.11 "--help and --version of every command to /dev/full: exit 3 and the message" "$bad" ""
	"$XS_BIN" no-such-command > /dev/full 2> "$work/err"; rc=$?
	is hard-2.12 "a usage error with stdout on /dev/full keeps its exit status 2" "$rc" 2
else
	skip hard-2.9 "export to /dev/full" "no /dev/full"
	skip hard-2.10 "list to /dev/full" "no /dev/full"
fi

lap "hard-2 (output)"

# ---- hard-3: signals ------------------------------------------------------------------------
# 3.1: runs killed at random moments (INT, TERM, HUP in turn), some while recording.
# A background job of a script starts with SIGINT ignored: env gives it back.
dflt=
env --default-signal=INT true 2>/dev/null && dflt="env --default-signal=INT"
sig="$work/sig.db"
rm -f "$sig"
: > "$work/recorded"
i=0 killed=0
for delay in 0 0.001 0.002 0.003 0.004 0.005 0.006 0.008 0.01 0.012 0.015 0.02 0.03 0.05 0 0.002 0.004 0.007 0.009 0.011 0.013 0.018 0.025 0.04; do
	i=$((i + 1))
	case $((i % 3)) in 0) s=INT ;; 1) s=TERM ;; 2) s=HUP ;; esac
	[ $s = INT ] && [ -z "$dflt" ] && s=TERM
	$dflt "$XS_BIN" run classic -q --db "$sig" > "$work/out.$i" 2>/dev/null &
	pid=$!
	sleep "$delay"
	kill -s "$s" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ $? -gt 128 ] && killed=$((killed + 1))
	sed -n 's/^recorded as schedule \([0-9]*\).*/\1/p' "$work/out.$i" >> "$work/recorded" 2>/dev/null
done
echo "# $killed of 24 runs were killed by the signal, the others had finished"
ok_integrity hard-3.1 "24 runs killed by SIGINT/SIGTERM/SIGHUP at random moments: the database is consistent" "$sig"
"$XS_BIN" list --db "$sig" > "$work/list" 2>&1; rc=$?
ok $rc hard-3.2 "... it opens and lists"
lost=0
for id in $(cat "$work/recorded"); do
	awk -v id="$id" '$1 == id { f = 1 } END { exit !f }' "$work/list" || lost=$((lost + 1))
done
is hard-3.3 "... every run that said 'recorded as schedule N' is there ($(wc -l < "$work/recorded") of them)" "$lost" 0

# 3.4: an import session stopped by SIGTERM half-way
"$XS_BIN" export 1 --db "$good" > "$work/line" 2>/dev/null
line=$(cat "$work/line")
i=0; while [ $i -lt 400 ]; do echo "$line"; i=$((i + 1)); done > "$work/lines"
cp "$good" "$work/imp.db"
"$XS_BIN" import --db "$work/imp.db" < "$work/lines" > "$work/out" 2>/dev/null &
pid=$!
sleep 0.3
kill -s TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
ok_integrity hard-3.4 "import stopped by SIGTERM half-way: the database is consistent" "$work/imp.db"
n_said=$(grep -c '^imported schedule' "$work/out")
n_have=$("$XS_BIN" list --db "$work/imp.db" 2>/dev/null | awk '$8 == "user"' | wc -l)
[ "$n_have" -ge "$n_said" ]; ok $? hard-3.5 "... every line it said it imported is stored ($n_said said, $n_have stored)"

# 3.6..: play in tmux, stopped by Ctrl-C, SIGTERM, SIGHUP, and a closed terminal
if ! have tmux; then
	skip hard-3.6 "play and signals" "tmux is not installed"
elif ! have perl; then
	skip hard-3.6 "play and signals" "perl is not installed (it tells how play ended)"
else
	# wrap.pl PIDFILE COMMAND...: runs COMMAND in the foreground, writes its
	# pid, and prints how it ended: a shell's $? says 130 both for exit(130)
	# and for death by SIGINT, this tells them apart.  It ignores SIGINT
	# itself, so it lives to print when Ctrl-C reaches the whole group.
	cat > "$work/wrap.pl" <<'PERL'
$SIG{INT} = 'IGNORE';
my $pidfile = shift;
my $pid = fork;
die "fork: $!" unless defined $pid;
if ($pid == 0) { $SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV; exit 127; }
open(my $f, '>', $pidfile) or die "$pidfile: $!"; print $f "$pid\n"; close $f;
waitpid($pid, 0);
printf "EXIT=%d SIG=%d\n", $? >> 8, $? & 127;
PERL
	T() { tmux -S "$sock" "$@"; }
	screen() { T capture-pane -t xs -p; }
	wait_for() {  # wait_for TEXT: until the pane shows TEXT (at most ~5 s)
		j=0
		while [ $j -lt 100 ]; do
			screen | grep -qF -- "$1" && return 0
			sleep 0.05; j=$((j + 1))
		done
		return 1
	}
	wait_line() {  # wait_line REGEX: until a line of the pane matches (the typed command does not)
		j=0
		while [ $j -lt 100 ]; do
			screen | grep -qE -- "$1" && return 0
			sleep 0.05; j=$((j + 1))
		done
		return 1
	}
	pdb="$work/play.db"
	# play_start: an interactive shell in a pane, play started from it as a user would
	play_start() {
		T kill-server 2>/dev/null
		nsock=$((nsock + 1)); sock="$work/tmux$nsock.sock"
		rm -f "$work/pid" "$work/stty"
		T -f /dev/null new-session -d -s xs -x 80 -y 24 "env -u ENV PS1='READY\$ ' sh -i"
		wait_for 'READY$' || return 1
		T send-keys -t xs "perl $work/wrap.pl $work/pid $XS_BIN play classic race --db $pdb" Enter
		wait_for "step 0 of"
	}
	# after_signal ID WHAT SIGNAL-NUMBER: the shell is back, the terminal sane
	after_signal() {
		wait_line '^EXIT=[0-9]+ SIG=[0-9]+$'; ok $? "$1.1" "$2: play ends and the shell prompt comes back"
		T send-keys -t xs "stty -a > $work/stty; echo STTY=\$((40 + 2))" Enter
		wait_line '^STTY=42$'
		s=$(tr ' ;' '\n\n' < "$work/stty" | grep -x -e '-*icanon' -e '-*echo' -e '-*isig' -e '-*icrnl' -e '-*opost' | tr '\n' ' ')
		is "$1.2" "... the terminal modes are restored (stty: icanon echo isig icrnl opost)" "$s" "icrnl opost isig icanon echo "
		is "$1.3" "... the cursor is visible and the alternate screen is left" \
			"$(T display -p -t xs '#{cursor_flag} #{alternate_on}')" "1 0"
		how=$(screen | grep -E '^EXIT=[0-9]+ SIG=[0-9]+$' | tail -1)
		is "$1.4" "... and play dies by the signal, so its shell sees it (B5; not exit 128 + n)" "$how" "EXIT=0 SIG=$3"
	}
	if play_start; then
		T send-keys -t xs Space Space e s
		T send-keys -t xs -l "before-ctrl-c"
		T send-keys -t xs Enter
		wait_for "saved as schedule"
		T send-keys -t xs C-c
		after_signal hard-3.6 "Ctrl-C" 2
		"$XS_BIN" list classic --db "$pdb" 2>/dev/null | grep -q before-ctrl-c
		ok $? hard-3.7 "... the schedule saved just before Ctrl-C is in the database"
	else
		ok 1 hard-3.6 "play starts in tmux"; screen | sed 's/^/#   /'
	fi
	n=8
	for s in TERM HUP; do
		if play_start; then
			T send-keys -t xs Space Space Space
			kill -s $s "$(cat "$work/pid")"
			after_signal "hard-3.$n" "SIG$s" "$( [ $s = TERM ] && echo 15 || echo 1)"
		else
			ok 1 "hard-3.$n" "play starts in tmux"
		fi
		n=$((n + 1))
	done
	# a hangup for real: the terminal goes away
	if play_start; then
		pid=$(cat "$work/pid")
		T kill-server
		j=0; while kill -0 "$pid" 2>/dev/null && [ $j -lt 60 ]; do sleep 0.05; j=$((j + 1)); done
		kill -0 "$pid" 2>/dev/null; [ $? -ne 0 ]; ok $? hard-3.10 "the terminal closed under play: play exits (no orphan, no spinning)"
		kill -s KILL "$pid" 2>/dev/null
	else
		ok 1 hard-3.10 "play starts in tmux"
	fi
	ok_integrity hard-3.11 "after every signal the play database is consistent" "$pdb"
	# a 1x1 terminal, and back
	if play_start; then
		T resize-window -t xs -x 1 -y 1; sleep 0.3
		T send-keys -t xs Space e v '?' Escape
		T resize-window -t xs -x 80 -y 24
		wait_for "fixed | step 31 of 31"; ok $? hard-3.12 "a 1x1 terminal (tmux resize) and keys pressed there: play survives and redraws"
		T send-keys -t xs q
		wait_line '^EXIT=0 SIG=0$'; ok $? hard-3.13 "... and quits normally"
	else
		ok 1 hard-3.12 "play starts in tmux"
	fi
	T kill-server 2>/dev/null
fi
# 3.14, 3.17, 3.18, 3.20: explore stopped by Ctrl-C, SIGTERM and SIGHUP (each a
# clean stop), then run again, and resumed.  (tests/explore.sh checks that
# a resumed search gives the whole search's counts.)
if ! "$XS_BIN" explore --help > /dev/null 2>&1; then
	skip hard-3.14 "explore interrupted" "xipsandbox has no explore command"
else
	edb="$work/explore.db"
	rm -f "$edb"
	# (three-cpus --full runs far longer than the second we give it)
	$dflt "$XS_BIN" explore three-cpus --full -q --db "$edb" > "$work/out" 2> "$work/err" &
	pid=$!
	sleep 1
	kill -s INT "$pid"; wait "$pid" 2>/dev/null; rc=$?
	if [ -n "$dflt" ]; then
		[ $rc -eq 130 ] || [ $rc -eq 1 ]
		ok $? hard-3.14.1 "explore stopped by SIGINT: a clean stop, exit 130 (or 1 when it found something) (exit $rc)"
		has hard-3.14.2 "... it says the search is incomplete" "$(cat "$work/out")" "(the search is incomplete)"
		if have sqlite3; then
			is hard-3.14.3 "... and records the exploration as not complete" \
				"$(sqlite3 "$edb" "SELECT mode, complete FROM explorations ORDER BY id DESC LIMIT 1")" "full|0"
		fi
	else
		skip hard-3.14.1 "explore stopped by SIGINT" "env --default-signal is missing (coreutils < 8.31)"
	fi
	ok_integrity hard-3.14.4 "... the database is consistent" "$edb"
	for s in TERM HUP; do
		"$XS_BIN" explore three-cpus --full -q --db "$edb" > /dev/null 2>&1 &
		pid=$!
		sleep 0.5
		kill -s $s "$pid"; wait "$pid" 2>/dev/null
	done
	ok_integrity hard-3.17 "explore killed by SIGTERM, then by SIGHUP: the database is consistent" "$edb"
	"$XS_BIN" explore three-cpus -q --db "$edb" > "$work/out" 2>&1; rc=$?
	has hard-3.18 "... and an exploration run again afterwards completes (exit $rc)" "$(cat "$work/out")" "recorded: exploration"
	if have sqlite3; then
		last=$(sqlite3 "$edb" "SELECT id FROM explorations WHERE mode = 'full' AND complete = 0 ORDER BY id DESC LIMIT 1")
		"$XS_BIN" explore three-cpus --full --resume --limit 200 -q --db "$edb" > "$work/out" 2>&1
		has hard-3.20 "--resume continues the exploration the last signal stopped (number $last)" \
			"$(cat "$work/out")" "recorded: exploration $last in"
	fi
	# 3.21, 3.22 (B23): one signal while the units are planned stops explore
	# at once (planning four-readers into 100 000 units takes 8 to 13 s here;
	# it used to run to its end, then stop).  ms_since T0: milliseconds since.
	ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
	# wait_catching PID SIG: the pid of PID's child (timeout(1) runs xipsandbox)
	# once that child catches SIG, at most ~20 s; PID itself without /proc
	wait_catching() {
		n=0 c=
		case $2 in INT) bit=2 ;; TERM) bit=15 ;; *) bit=1 ;; esac
		while [ $n -lt 400 ]; do
			c=$(awk -v p="$1" '$4 == p { print $1; exit }' /proc/[0-9]*/stat 2>/dev/null)
			if [ -n "$c" ] && [ -r "/proc/$c/status" ]; then
				cgt=$(awk '/^SigCgt:/ { print $2 }' "/proc/$c/status")
				[ -n "$cgt" ] && [ $(( 0x$cgt >> (bit - 1) & 1 )) -eq 1 ] && { echo "$c"; return; }
			elif [ ! -d /proc/self ]; then
				sleep 1; echo "$1"; return
			fi
			sleep 0.05; n=$((n + 1))
		done
		echo "$1"
	}
	four="$XS_SRCDIR/tests/scenarios/four-readers.scn"
	for s in INT TERM; do
		id=hard-3.21; jobs=1; rec=--no-record
		[ $s = TERM ] && { id=hard-3.22; jobs=2; rec="--db $work/plan.db"; }
		[ $s = INT ] && [ -z "$dflt" ] && { skip $id "SIGINT while planning" "env --default-signal is missing"; continue; }
		t0=$(date +%s%N)
		$dflt timeout -k 5 25 "$XS_BIN" explore "$four" --units 100000 -q -j $jobs $rec > "$work/plan.out" 2> "$work/plan.err" &
		pid=$!
		# the signal goes to xipsandbox itself once it catches it (its
		# SigCgt in /proc), then half a second into the planning: a fixed
		# sleep sent it, on a loaded CI machine, before xipsandbox had
		# started (timeout(1) passed it on to a process that did not catch it yet)
		xpid=$(wait_catching "$pid" $s)
		sleep 0.5
		t0=$(date +%s%N)
		kill -s $s "$xpid"; wait "$pid"; rc=$?
		ms=$(ms_since "$t0")
		ok "$([ $rc -eq 130 ] && [ "$ms" -lt 2500 ]; echo $?)" $id.1 \
			"SIG$s half a second into planning 100 000 units (-j $jobs): explore stops within 2.5 s, exit 130 (exit $rc after $ms ms)"
		has $id.2 "... and says where it stopped" "$(cat "$work/plan.out")" "interrupted while planning the units"
		has $id.3 "... after the usual report" "$(cat "$work/plan.out")" "(interrupted: incomplete)"
	done
fi

# 3.15, 3.16: kill -9 just before each change to a file (write, fsync,
# truncate, unlink) of a run, one run per point: deterministic, every point
# of every transaction.  Afterwards the database must be consistent, open
# for the next command, and hold every schedule a finished run recorded.
# kill_sweep DB-TEMPLATE (empty: a new database): prints "POINTS BAD"
kill_sweep() {
	template=$1
	rm -f "$work/kw.db"*
	[ -n "$template" ] && cp "$template" "$work/kw.db"
	XS_FAILMALLOC_COUNT="$work/count" LD_PRELOAD="$shim" "$XS_BIN" run classic -q --db "$work/kw.db" > /dev/null 2>&1
	points=$(sed -n 2p "$work/count")
	bad=0 n=0
	while [ "$n" -le "${points:-0}" ]; do
		rm -f "$work/kw.db"*
		[ -n "$template" ] && cp "$template" "$work/kw.db"
		# (sh -c takes the shell's "Killed" line)
		sh -c 'XS_FAILMALLOC_KILL_WRITE=$1 LD_PRELOAD=$2 "$3" run classic -q --db "$4" > "$5" 2>&1; exit $?' \
			sh "$n" "$shim" "$XS_BIN" "$work/kw.db" "$work/kw.out" 2>/dev/null
		rc=$?
		if ! "$XS_BIN" list classic --db "$work/kw.db" > "$work/kw.list" 2> "$work/kw.err"; then
			bad=$((bad + 1)); echo "# killed before change $n: the next command fails: $(head -c 200 "$work/kw.err")"
		elif [ $rc -ne 137 ] && id=$(sed -n 's/^recorded as schedule \([0-9]*\).*/\1/p' "$work/kw.out") &&
			[ -n "$id" ] && ! awk -v id="$id" '$1 == id { f = 1 } END { exit !f }' "$work/kw.list"; then
			bad=$((bad + 1)); echo "# killed before change $n: schedule $id was recorded, and is lost"
		elif integrity "$work/kw.db"; [ $? -eq 1 ]; then
			bad=$((bad + 1)); echo "# killed before change $n: integrity_check fails"
		fi
		n=$((n + 1))
	done
	echo "$points $bad" > "$work/sweep"
}
if [ -n "$shim_why" ]; then
	skip hard-3.15 "kill -9 at every change to the database" "$shim_why"
else
	kill_sweep "$good" > "$work/sweep.log"
	read -r points bad < "$work/sweep"
	is hard-3.15 "kill -9 before each of the $points file changes of a run on an existing database: consistent, usable, nothing lost" "$bad" 0
	[ "$bad" -ne 0 ] && head -5 "$work/sweep.log"
	kill_sweep "" > "$work/sweep.log"
	read -r points bad < "$work/sweep"
	is hard-3.16 "... of the first run, which creates the database ($points changes; B11)" "$bad" 0
	[ "$bad" -ne 0 ] && head -3 "$work/sweep.log"
	# 3.16.1: the run that upgrades a schema 6 file (the release before's,
	# tests/fixtures/schema6-a7411e7.sqlite) to 7, killed before each change:
	# the file is schema 6 exactly as it was, or schema 7 with every row it had
	if have sqlite3; then
		cp "$XS_SRCDIR/tests/fixtures/schema6-a7411e7.sqlite" "$work/six.db"; chmod u+w "$work/six.db"
		sqlite3 "$work/six.db" .dump > "$work/six.dump"
		sed "s/IN ('buggy', 'fixed', 'later')/IN ('buggy', 'fixed', 'later', 'final')/" "$work/six.dump" |
			grep -v '^INSERT INTO sqlite_sequence ' | sort > "$work/seven.want"
		rm -f "$work/kw.db"*; cp "$work/six.db" "$work/kw.db"
		XS_FAILMALLOC_COUNT="$work/count" LD_PRELOAD="$shim" "$XS_BIN" run classic -q --db "$work/kw.db" > /dev/null 2>&1
		points=$(sed -n 2p "$work/count")
		bad=0 n=0 n6=0 n7=0
		while [ "$n" -le "${points:-0}" ]; do
			rm -f "$work/kw.db"*; cp "$work/six.db" "$work/kw.db"
			sh -c 'XS_FAILMALLOC_KILL_WRITE=$1 LD_PRELOAD=$2 "$3" run classic -q --db "$4" > /dev/null 2>&1; exit $?' \
				sh "$n" "$shim" "$XS_BIN" "$work/kw.db" 2>/dev/null
			case $(sqlite3 "$work/kw.db" 'PRAGMA user_version' 2>&1) in
			6)	n6=$((n6 + 1))
				sqlite3 "$work/kw.db" .dump > "$work/kw.dump"
				cmp -s "$work/kw.dump" "$work/six.dump" ||
					{ bad=$((bad + 1)); echo "# killed before change $n: schema 6, but not as it was"; } ;;
			7)	n7=$((n7 + 1))
				sqlite3 "$work/kw.db" .dump | sort > "$work/kw.dump"
				[ -z "$(comm -23 "$work/seven.want" "$work/kw.dump")" ] ||
					{ bad=$((bad + 1)); echo "# killed before change $n: schema 7 without all it had"; } ;;
			*)	bad=$((bad + 1)); echo "# killed before change $n: $(sqlite3 "$work/kw.db" 'PRAGMA user_version' 2>&1 | head -c 200)" ;;
			esac
			if ! "$XS_BIN" list classic --db "$work/kw.db" > /dev/null 2> "$work/kw.err"; then
				bad=$((bad + 1)); echo "# killed before change $n: the next command fails: $(head -c 200 "$work/kw.err")"
			elif integrity "$work/kw.db"; [ $? -eq 1 ]; then
				bad=$((bad + 1)); echo "# killed before change $n: integrity_check fails"
			fi
			n=$((n + 1))
		done > "$work/sweep.log"
		is hard-3.16.1 "... of the run that upgrades a schema 6 file ($points changes; $n6 times left schema 6 as it was, $n7 times schema 7 whole)" "$bad" 0
		[ "$bad" -ne 0 ] && head -5 "$work/sweep.log"
	else
		skip hard-3.16.1 "kill -9 during the upgrade of a schema 6 file" "the sqlite3 command-line tool is not installed"
	fi
fi
# 3.19: the same without the shim (so in sanitizer builds too): sqlite3 killed
# while it creates a database leaves a hot journal saying the file had 0 pages
if have sqlite3; then
	cj="$work/creation.db"
	rm -f "$cj" "$cj-journal"
	sh -c 'sqlite3 "$1" "PRAGMA cache_size = 2; BEGIN; CREATE TABLE t (x);
		WITH RECURSIVE c (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200)
		INSERT INTO t SELECT randomblob(1000) FROM c;" ".system kill -KILL \$PPID"' sh "$cj" > /dev/null 2>&1
	if [ -s "$cj-journal" ]; then
		sum=$(cksum < "$cj")
		XS_DB_FORCE_READONLY=1 "$XS_BIN" list --db "$cj" > /dev/null 2> "$work/err"; rc=$?
		ok "$([ $rc -eq 3 ] && grep -q 'has an unfinished transaction' "$work/err" &&
			[ "$(cksum < "$cj")" = "$sum" ]; echo $?)" hard-3.19.1 \
			"a database killed while it was created, not writable: refused, untouched (exit $rc)"
		"$XS_BIN" list --db "$cj" > "$work/out" 2> "$work/err"; rc=$?
		ok "$([ $rc -eq 0 ] && [ ! -e "$cj-journal" ]; echo $?)" hard-3.19.2 \
			"... writable: the creation is rolled back and the file set up (exit $rc)"
		[ $rc -ne 0 ] && head -3 "$work/err" | sed 's/^/#   /'
		ok_integrity hard-3.19.3 "... and it is consistent" "$cj"
	else
		skip hard-3.19 "a database killed while it was created" "sqlite3 left no journal"
	fi
fi

lap "hard-3 (signals)"

# ---- hard-4: resources ------------------------------------------------------------------------
if [ -n "$shim_why" ]; then
	skip hard-4.2 "failing malloc" "$shim_why"
else
	# fm MODE N ARGS...: run with allocation N failing (once) or N and later (all)
	fm() {
		m=$1 n=$2; shift 2
		XS_FAILMALLOC_AFTER=$n XS_FAILMALLOC_ONCE=$([ "$m" = once ] && echo 1) LD_PRELOAD="$shim" \
			timeout 20 "$XS_BIN" "$@" > /dev/null 2> "$work/err"
	}
	cp "$good" "$work/fm.db"
	XS_FAILMALLOC_COUNT="$work/count" LD_PRELOAD="$shim" "$XS_BIN" run classic -q --db "$work/fm.db" >/dev/null 2>&1
	total=$(sed -n 1p "$work/count" 2>/dev/null); total=${total:-0}
	bad=0 tried=0 oom=0
	for m in all once; do
		n=0
		while [ "$n" -le "$total" ]; do
			fm $m $n run classic -q --db "$work/fm.db"; rc=$?
			tried=$((tried + 1))
			case $rc in
			0 | 11) ;;
			70) grep -q 'xipsandbox: fatal: out of memory' "$work/err" && oom=$((oom + 1)) || bad=$((bad + 1)) ;;
			3) grep -q '^xipsandbox: ' "$work/err" || bad=$((bad + 1)) ;;
			*) bad=$((bad + 1)); echo "# allocation $n ($m) failing: exit $rc"; head -3 "$work/err" | sed 's/^/#   /' ;;
			esac
			if [ $n -lt 60 ]; then n=$((n + 1)); else n=$((n + 53)); fi
		done
	done
	is hard-4.2 "malloc failing at $tried points of 'run' ($total allocations): 'out of memory' (exit 70) or a message (exit 3), no crash" "$bad" 0
	[ $oom -gt 0 ]; ok $? hard-4.3 "... fatal() says 'out of memory' ($oom times)"
	ok_integrity hard-4.4 "... and the database is consistent" "$work/fm.db"
	"$XS_BIN" list --db "$work/fm.db" > /dev/null 2>&1; ok $? hard-4.5 "... and still opens"
	fm all 0 run classic -q --no-record
	ok "$(grep -q 'This is a bug' "$work/err"; [ $? -ne 0 ]; echo $?)" hard-4.6 \
		"out of memory is not called 'a bug in xipsandbox'"
fi
if [ $sanitized -eq 1 ]; then
	skip hard-4.7 "ulimit -v" "a sanitizer build reserves terabytes of address space"
else
	bad=0
	for v in 4000 6000 7000 8000 12000; do
		sh -c 'ulimit -v $1; "$2" run classic -q --db "$3"; exit $?' sh $v "$XS_BIN" "$work/fm.db" > /dev/null 2> "$work/err"; rc=$?
		case $rc in 0 | 3 | 11 | 70 | 127) ;; *) bad=$((bad + 1)); echo "# ulimit -v $v: exit $rc" ;; esac
		[ $rc -eq 70 ] && ! grep -q 'out of memory' "$work/err" && bad=$((bad + 1))
	done
	is hard-4.7 "ulimit -v 4000..12000 KiB: a clear error or a normal run, no crash" "$bad" 0
fi
# a file size limit: a database that must grow cannot
cp "$good" "$work/fsize.db"
sum=$(cksum < "$work/fsize.db")
sh -c 'ulimit -f 8; trap "" XFSZ; exec "$1" run classic -q --db "$2"' sh "$XS_BIN" "$work/fsize.db" > /dev/null 2> "$work/err"; rc=$?
is hard-4.8 "ulimit -f with SIGXFSZ ignored: exit 3" "$rc" 3
has hard-4.9 "... with a message naming the database" "$(cat "$work/err")" "$work/fsize.db: "
ok "$(grep -q -i -e 'full' -e 'too large' -e 'size limit' "$work/err"; echo $?)" hard-4.10 \
	"... that says the disk is full or the file too large, not only 'disk I/O error'"
is hard-4.11 "... and the database is unchanged" "$(cksum < "$work/fsize.db")" "$sum"
sh -c 'ulimit -f 8; "$1" run classic -q --db "$2"; exit $?' sh "$XS_BIN" "$work/fsize.db" > /dev/null 2>&1; rc=$?
ok_integrity hard-4.12 "killed by SIGXFSZ (exit $rc): the database is consistent" "$work/fsize.db"
# the upgrade of a schema 6 file (the release before's) that cannot grow: refused, the file as it was
six="$XS_SRCDIR/tests/fixtures/schema6-a7411e7.sqlite"
cp "$six" "$work/fsize6.db"; chmod u+w "$work/fsize6.db"
sum=$(cksum < "$work/fsize6.db")
sh -c 'ulimit -f 8; trap "" XFSZ; exec "$1" list classic --db "$2"' sh "$XS_BIN" "$work/fsize6.db" > /dev/null 2> "$work/err"; rc=$?
is hard-4.12.1 "ulimit -f while a schema 6 file is upgraded: exit 3" "$rc" 3
has hard-4.12.2 "... with a message naming it" "$(cat "$work/err")" "$work/fsize6.db: "
is hard-4.12.3 "... and the file is unchanged" "$(cksum < "$work/fsize6.db")" "$sum"
if have sqlite3; then
	is hard-4.12.4 "... still schema 6" "$(sqlite3 "$work/fsize6.db" 'PRAGMA user_version')" 6
fi
# a real full disk, when we may mount a small tmpfs in a private namespace
if have unshare && unshare -m true 2>/dev/null && unshare -m sh -c "mount -t tmpfs -o size=256k tmpfs '$work/dir.db'" 2>/dev/null; then
	cp "$good" "$work/full-before.db"
	unshare -m sh -c '
		d=$1; bin=$2
		mount -t tmpfs -o size=256k tmpfs "$d" || exit 9
		cp "$3" "$d/x.db"
		head -c 1000000 /dev/zero > "$d/filler" 2>/dev/null
		"$bin" run classic -q --db "$d/x.db" > /dev/null 2> "$4/full.err"; echo $? > "$4/full.rc"
		rm -f "$d/filler"
		sqlite3 "$d/x.db" "PRAGMA integrity_check" > "$4/full.check" 2>&1
		"$bin" list --db "$d/x.db" > /dev/null 2>&1; echo $? > "$4/full.list"
		cp "$5" "$d/six.db"
		head -c 1000000 /dev/zero > "$d/filler" 2>/dev/null
		cksum < "$d/six.db" > "$4/six.sum"
		"$bin" list classic --db "$d/six.db" > /dev/null 2> "$4/six.err"; echo $? > "$4/six.rc"
		cksum < "$d/six.db" > "$4/six.after"
		rm -f "$d/filler"
		sqlite3 "$d/six.db" "PRAGMA user_version" > "$4/six.version" 2>&1
	' sh "$work/dir.db" "$XS_BIN" "$work/full-before.db" "$work" "$six"
	is hard-4.13 "a full disk (tmpfs): run exits 3" "$(cat "$work/full.rc" 2>/dev/null)" 3
	ok "$(grep -q 'disk is full' "$work/full.err"; echo $?)" hard-4.14 "... saying the disk is full"
	if have sqlite3; then
		is hard-4.15 "... and once space is freed the database is consistent" "$(cat "$work/full.check")" ok
	else
		skip hard-4.15 "the database is consistent" "no sqlite3"
	fi
	is hard-4.16 "... and opens" "$(cat "$work/full.list")" 0
	is hard-4.17 "a full disk while a schema 6 file is upgraded: exit 3" "$(cat "$work/six.rc" 2>/dev/null)" 3
	ok "$(grep -q 'disk is full' "$work/six.err"; echo $?)" hard-4.18 "... saying the disk is full"
	is hard-4.19 "... and the file is unchanged" "$(cat "$work/six.after" 2>/dev/null)" "$(cat "$work/six.sum" 2>/dev/null)"
	if have sqlite3; then
		is hard-4.20 "... still schema 6" "$(cat "$work/six.version" 2>/dev/null)" 6
	fi
else
	skip hard-4.13 "a full disk (tmpfs)" "cannot mount a tmpfs here (not root, or no mount namespace)"
fi

lap "hard-4 (resources)"

# ---- hard-5: determinism ------------------------------------------------------------------------
want=$(sed -n 's/.*trace hash: \([0-9a-f]*\).*/\1/p' "$XS_SRCDIR/tests/golden/classic-buggy.expected")
runs=${XS_HARD_RUNS:-$([ $sanitized -eq 1 ] && echo 200 || echo 1000)}
i=0
: > "$work/hashes"
while [ $i -lt "$runs" ]; do
	"$XS_BIN" run classic --version buggy --expected --no-record -q 2>&1 | sed -n 's/.*trace hash: //p' >> "$work/hashes"
	i=$((i + 1))
done
is hard-5.1 "the race replayed $runs times: $runs hashes" "$(wc -l < "$work/hashes" | tr -d ' ')" "$runs"
is hard-5.2 "... all the same, the golden trace's ($want), on this build ($("$XS_BIN" --version | sed 's/.*backend: //; s/)//'))" \
	"$(sort -u "$work/hashes" | tr '\n' ' ')" "$want "

lap "hard-5 (determinism)"

# ---- hard-6: bad input under valgrind (memory errors, definite leaks) -----------------
if [ $sanitized -eq 1 ]; then
	skip hard-6.1 "bad input under valgrind" "a sanitizer build (valgrind cannot run it)"
elif ! have valgrind; then
	skip hard-6.1 "bad input under valgrind" "valgrind is not installed"
else
	cp "$in/databases/truncated-mid-page.sqlite" "$work/vg1.db"
	cp "$in/databases/wrong-columns.sqlite" "$work/vg2.db"
	cp "$good" "$work/vg3.db"
	n=0
	for args in "run $in/scenarios/nested-prot.scn --no-record" \
		"run classic --no-record --schedule cpu0_until" \
		"list --db $work/vg1.db" "run classic -q --db $work/vg2.db" \
		"import xs1:classic:buggy:-:0000000000000000:7 --db $work/vg3.db" \
		"run classic -q --name vg --db $work/vg3.db" "replay classic vg -q --db $work/vg3.db"; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			"$XS_BIN" $args > /dev/null 2> "$work/vg.err"
		rc=$?
		[ $rc -ne 99 ] && [ $rc -lt 128 ]; ok $? "hard-6.$n" "valgrind: xipsandbox $args (exit $rc)"
		[ $rc -eq 99 ] && grep '^==' "$work/vg.err" | head -8 | sed 's/^/#   /'
	done
fi
# a database whose shipped import fails after the scenario row was read
cp "$in/databases/sync-error-leak.sqlite" "$work/vg4.db"
if [ $sanitized -eq 1 ]; then
	"$XS_BIN" list classic --db "$work/vg4.db" > /dev/null 2> "$work/vg.err"; rc=$?
	ok "$(! grep -q LeakSanitizer "$work/vg.err"; echo $?)" hard-6.8 \
		"LeakSanitizer: a database whose shipped import fails leaks nothing (exit $rc; B14)"
elif have valgrind; then
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		"$XS_BIN" list classic --db "$work/vg4.db" > /dev/null 2> "$work/vg.err"; rc=$?
	ok "$([ $rc -ne 99 ]; echo $?)" hard-6.8 \
		"valgrind: a database whose shipped import fails leaks nothing (exit $rc; B14)"
	[ $rc -eq 99 ] && grep '^==' "$work/vg.err" | head -8 | sed 's/^/#   /'
fi
lap "hard-6 (valgrind)"

# ---- hard-7: what fuzzing found, through the command line ------------------------------------------
regs="$XS_SRCDIR/tests/fuzz/regressions"
n=0
for f in "$regs"/*/*; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	kind=$(basename "$(dirname "$f")")
	cp "$good" "$work/reg.db"
	case $kind in
	scenario) set -- run "$f" --no-record -q ;;
	run)
		sed '/^%%/,$d' "$f" > "$work/reg.scn"
		sed -n '/^%%/,$p' "$f" | sed '1d' | tr -d '\000' > "$work/reg.sched"
		set -- run "$work/reg.scn" --no-record -q --step-limit 2000
		[ -s "$work/reg.sched" ] && set -- "$@" --schedule "$(cat "$work/reg.sched")" ;;
	schedule) set -- run classic --no-record -q --schedule "$(tr -d '\000' < "$f")" ;;
	export) set -- import --db "$work/reg.db" "$(tr -d '\000\n' < "$f")" ;;
	store) cp "$f" "$work/reg.db"; set -- list --db "$work/reg.db" ;;
	*) continue ;;
	esac
	quiet_run 20 "$XS_BIN" "$@" > /dev/null 2> "$work/err"; rc=$?
	[ $rc -ne 124 ] && ! crashed $rc "$work/err"
	ok $? "hard-7.$n" "fuzz regression $kind/$(basename "$f") (exit $rc)"
done
[ $n -gt 0 ] || skip hard-7.0 "fuzz regressions" "none kept yet"
lap "hard-7 (fuzz regressions)"

# ---- hard-8: nothing saved is lost or silently changed (issue 17) ----------------------------
# explore_names DB: the explore rows' names, "id=name ..."
explore_names() {
	sqlite3 "$1" "SELECT group_concat(id || '=' || name, ' ') FROM schedules WHERE origin = 'explore' AND name IS NOT NULL"
}
# 8.1: --dot never writes over a file the program reads (the database and
# SQLite's files beside it, the scenario), even with --force; over another
# program's file only with --force; and whole or not at all (B16)
dd="$work/dot"
mkdir "$dd"
dot_explore() { "$XS_BIN" explore "$@" > "$work/out" 2> "$work/err"; }
"$XS_BIN" run classic -q --db "$dd/x.db" > /dev/null 2>&1
sum=$(cksum < "$dd/x.db")
dot_explore classic --version fixed -q --db "$dd/x.db" --dot "$dd/x.db"; rc=$?
is hard-8.1.1 "explore --db x.db --dot x.db: exit 3, and x.db is unchanged" "$rc $(cksum < "$dd/x.db")" "3 $sum"
has hard-8.1.2 "... saying it would write over the database" "$(cat "$work/err")" "is $dd/x.db, which this command reads"
ln -s x.db "$dd/link.dot"
dot_explore classic --version fixed -q --db "$dd/x.db" --dot "$dd/link.dot" --force; rc=$?
is hard-8.1.3 "... --dot through a symlink to it, with --force: exit 3, unchanged" "$rc $(cksum < "$dd/x.db")" "3 $sum"
dot_explore classic --version fixed -q --db "$dd/x.db" --dot "$dd/./x.db-journal" --force; rc=$?
is hard-8.1.4 "... --dot x.db-journal (SQLite's, not there in WAL mode), with --force: exit 3, none made" \
	"$rc $([ -e "$dd/x.db-journal" ]; echo $?)" "3 1"
cp "$XS_SRCDIR/scenarios/classic.scn" "$dd/four.scn"
sum=$(cksum < "$dd/four.scn")
dot_explore "$dd/four.scn" --version fixed -q --no-record --dot "$dd/four.scn" --force; rc=$?
is hard-8.1.5 "explore four.scn --dot four.scn --force: exit 3, the scenario unchanged" "$rc $(cksum < "$dd/four.scn")" "3 $sum"
echo "my notes" > "$dd/notes.txt"
dot_explore classic --version fixed -q --no-record --dot "$dd/notes.txt"; rc=$?
is hard-8.1.6 "--dot notes.txt (not a tree xipsandbox drew): exit 3, the file unchanged" "$rc $(cat "$dd/notes.txt")" "3 my notes"
has hard-8.1.7 "... saying how to replace it" "$(cat "$work/err")" "choose another file, or add --force to replace it"
dot_explore classic --version fixed -q --no-record --dot "$dd/notes.txt" --force; rc=$?
is hard-8.1.8 "... with --force: exit 0, and the file is the tree" "$rc $(head -1 "$dd/notes.txt")" "0 digraph explored {"
dot_explore classic --version fixed -q --no-record --dot "$dd/tree.dot"
ino=$(ls -i "$dd/tree.dot" | cut -d' ' -f1)
dot_explore classic --version fixed -q --no-record --dot "$dd/tree.dot"; rc=$?
is hard-8.1.9 "an earlier tree is replaced without --force (exit $rc)" "$rc $(head -1 "$dd/tree.dot")" "0 digraph explored {"
[ "$(ls -i "$dd/tree.dot" | cut -d' ' -f1)" != "$ino" ]
ok $? hard-8.1.10 "... through a new file renamed over it (another inode), so it is never half written"
is hard-8.1.11 "... and no temporary file is left beside it" "$(ls "$dd" | grep -c '^tree\.dot\.')" 0
"$XS_BIN" explore classic -q --no-record --force > /dev/null 2> "$work/err"; rc=$?
has hard-8.1.12 "--force without --dot is a usage error (exit $rc) that says so" "$rc $(no_asan_noise < "$work/err")" \
	"2 xipsandbox: explore: --force lets --dot replace a file; give --dot too"
# 8.2: a recording whose new rows cannot be added keeps the old counterexamples'
# names (B17).  A trigger that refuses explore's inserts stands for the full
# disk of the report (a 200 KiB tmpfs): deterministic, and no root needed.
if have sqlite3; then
	full_trigger="CREATE TRIGGER full BEFORE INSERT ON schedules WHEN NEW.origin = 'explore'
		BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"
	nm="$work/names.db"
	"$XS_BIN" explore classic --version buggy -q --db "$nm" > /dev/null 2>&1
	before=$(explore_names "$nm")
	sqlite3 "$nm" "$full_trigger"
	"$XS_BIN" explore classic --version buggy -q --db "$nm" > "$work/out" 2> "$work/err"; rc=$?
	is hard-8.2.1 "explore whose counterexamples cannot be added (the disk is full): exit 3" "$rc" 3
	has hard-8.2.2 "... saying why" "$(cat "$work/err")" "cannot record the schedule"
	is hard-8.2.3 "... and the old 'shortest' and 'fewest-preemptions' keep their names ($before)" \
		"$(explore_names "$nm")" "$before"
	has hard-8.2.4 "... so 'replay classic shortest' still finds it" \
		"$("$XS_BIN" replay classic shortest --version buggy -q --db "$nm" 2>&1)" "equals the one recorded for schedule"
	for k in 1 2; do
		"$XS_BIN" explore classic --version buggy -q --shard $k/2 --db "$work/shard$k.db" > /dev/null 2>&1
	done
	"$XS_BIN" merge --db "$work/merged.db" "$work/shard1.db" "$work/shard2.db" > /dev/null 2>&1
	before=$(explore_names "$work/merged.db")
	sqlite3 "$work/merged.db" "$full_trigger"
	"$XS_BIN" merge --db "$work/merged.db" "$work/shard1.db" "$work/shard2.db" > /dev/null 2> "$work/err"; rc=$?
	is hard-8.2.5 "merge whose counterexamples cannot be added: exit 3" "$rc" 3
	is hard-8.2.6 "... and the old names stay ($before)" "$(explore_names "$work/merged.db")" "$before"
	[ -n "$before" ]; ok $? hard-8.2.7 "... (the first explore and merge did name their counterexamples)"
else
	skip hard-8.2 "a failed recording keeps the old names" "the sqlite3 command-line tool is not installed"
fi
# 8.3: --db is a path, never an SQLite URI (B18): Debian's libsqlite3 reads
# "file:..." as a URI on every connection, which opened another file than the
# one checked.  Each runs in its own directory, where nothing else is made.
uri="$work/uri"
mkdir "$uri"
in_uri() { (cd "$uri" && "$XS_BIN" "$@"); }
cp "$in/databases/foreign.sqlite" "$uri/notes.db"
sum=$(cksum < "$uri/notes.db")
in_uri run classic -q --db file:notes.db > "$work/out" 2> "$work/err"; rc=$?
is hard-8.3.1 "run --db file:notes.db (notes.db another program's database): exit 3" "$rc" 3
is hard-8.3.2 "... and notes.db is unchanged (not switched to WAL)" "$(cksum < "$uri/notes.db")" "$sum"
has hard-8.3.3 "... the message says --db takes a path and which one" "$(cat "$work/err")" \
	"not an SQLite URI; give the path itself (--db notes.db)"
cp "$in/databases/damaged-freelist.sqlite" "$uri/dmg.db"
sum=$(cksum < "$uri/dmg.db")
in_uri run classic -q --db file:dmg.db > /dev/null 2>&1; rc=$?
is hard-8.3.4 "run --db file:dmg.db (a damaged file, B13): exit 3, its bytes unchanged" "$rc $(cksum < "$uri/dmg.db")" "3 $sum"
in_uri run classic -q --db :memory: > "$work/out" 2> "$work/err"; rc=$?
is hard-8.3.5 "run --db :memory:: exit 3" "$rc" 3
ok "$(! grep -q 'recorded as schedule' "$work/out"; echo $?)" hard-8.3.6 "... and it does not say it recorded anything"
has hard-8.3.7 "... saying what to do" "$(cat "$work/err")" "lose them when xipsandbox exits; give a file's path"
in_uri list --db "file:$uri/sub/real.db?mode=ro" > /dev/null 2> "$work/err"; rc=$?
is hard-8.3.8 "list --db 'file:DIR/sub/real.db?mode=ro': exit 3, no directory 'file:' made, nor DIR/sub" \
	"$rc $(ls "$uri" | grep -c '^file:') $([ -e "$uri/sub" ]; echo $?)" "3 0 1"
has hard-8.3.9 "... naming the path it meant" "$(cat "$work/err")" "(--db $uri/sub/real.db)"
in_uri run classic -q --db ./file:plain.db > /dev/null 2>&1
in_uri list classic --db file:plain.db > "$work/out" 2> "$work/err"; rc=$?
is hard-8.3.10 "a file really named 'file:plain.db' opens as that file (exit $rc), and plain.db is not made" \
	"$rc $(grep -c ' user$' "$work/out") $([ -e "$uri/plain.db" ]; echo $?)" "0 1 1"
# 8.4: an import line is whole or refused (B19).  export prints xs2 lines,
# which carry their number of choices and a check over the whole line: every
# line cut short, at any byte, is refused and stores nothing; so is one with a
# choice changed.  An xs1 line (printed before; no length, no check) is taken
# only when its choices bring the run exactly to its end: a cut one never does.
id=$("$XS_BIN" run classic -q --db "$work/imp8.db" \
	--schedule "cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end" 2>/dev/null |
	sed -n 's/^recorded as schedule \([0-9]*\).*/\1/p')
line=$("$XS_BIN" export "$id" --db "$work/imp8.db")
has hard-8.4.1 "export prints an xs2 line with its length" "$line" "xs2:classic:buggy:-:"
rows() { "$XS_BIN" list --db "$1" | grep -c ' user$'; }  # the user's schedules
"$XS_BIN" list --db "$work/imp8b.db" > /dev/null 2>&1
n0=$(rows "$work/imp8b.db")
bad=0 cut=0 k=1
while [ $k -lt ${#line} ]; do
	part=$(printf '%s' "$line" | cut -c1-$k)
	"$XS_BIN" import "$part" --db "$work/imp8b.db" > /dev/null 2>&1
	[ $? -eq 3 ] || { bad=$((bad + 1)); echo "#   accepted: $part"; }
	cut=$((cut + 1)) k=$((k + 1))
done
is hard-8.4.2 "each of the $cut cut-short copies of the line is refused (exit 3)" "$bad" 0
is hard-8.4.3 "... and none stored anything" "$(rows "$work/imp8b.db")" "$n0"
err=$("$XS_BIN" import "$(printf '%s' "$line" | sed 's/:\([0-9]*\):0/:\1:1/')" --db "$work/imp8b.db" 2>&1); rc=$?
has hard-8.4.4 "a line with its first choice changed is refused (exit $rc)" "$rc $err" \
	"3 xipsandbox: import, line 1: the schedule line was changed or cut short"
"$XS_BIN" import "$line" --db "$work/imp8b.db" > "$work/out" 2>&1; rc=$?
has hard-8.4.5 "the whole line imports as the same schedule (32 steps, corruption)" "$rc $(no_asan_noise < "$work/out")" \
	"0 imported schedule 13: classic buggy, 32 steps, verdict corruption"
err=$("$XS_BIN" import "xs1:classic:buggy:x1:578a51a43c4f3d39:0" --db "$work/imp8b.db" 2>&1); rc=$?
err=$(printf '%s\n' "$err" | no_asan_noise)
has hard-8.4.6 "the issue's cut xs1 line (one choice of 41) is refused (exit $rc), saying what to do" "$rc $err" \
	"3 xipsandbox: import, line 1: this xs1 line"
old=$(printf '%s' "$line" | sed 's/^xs2:\([^:]*:[^:]*:[^:]*:[^:]*\):[0-9]*:\([0-7]*\):.*/xs1:\1:\2/')
bad=0 k=$((${#old} - 40))
while [ $k -lt ${#old} ]; do
	"$XS_BIN" import "$(printf '%s' "$old" | cut -c1-$k)" --db "$work/imp8b.db" > /dev/null 2>&1
	[ $? -eq 3 ] || bad=$((bad + 1))
	k=$((k + 1))
done
is hard-8.4.7 "each xs1 line cut in its choices is refused" "$bad" 0
"$XS_BIN" import "$old" --db "$work/imp8b.db" > "$work/out" 2>&1; rc=$?
has hard-8.4.8 "a whole xs1 line ($old) still imports, as the same schedule" "$rc $(no_asan_noise < "$work/out")" \
	"0 imported schedule 14: classic buggy, 32 steps, verdict corruption"
is hard-8.4.9 "... and only the two whole lines were stored" "$(rows "$work/imp8b.db")" "$((n0 + 2))"
# 8.4.10: the xs3 line of a weak schedule (B53) keeps the rule: cut at any byte
# (a memory choice has a ':' of its own) or with its model changed, refused
"$XS_BIN" run classic -q --version fixed --memory-model weak --db "$work/imp8.db" \
	--schedule "0 0 0 0 0 0 0 1 1 1 1 1 1 1 1 flush0:xip_sparse_seq 1 1 1" > /dev/null 2>&1
wid=$("$XS_BIN" list classic --db "$work/imp8.db" | awk '/under weak$/ { print $1 }' | tail -1)
line=$("$XS_BIN" export "$wid" --db "$work/imp8.db")
has hard-8.4.10 "export of a weak schedule prints an xs3 line with the model" "$line" "xs3:classic:fixed:weak:-:"
weak_rows() { "$XS_BIN" list --db "$1" | grep -c 'under weak$'; }
bad=0 cut=0 k=1
while [ $k -lt ${#line} ]; do
	"$XS_BIN" import "$(printf '%s' "$line" | cut -c1-$k)" --db "$work/imp8b.db" > /dev/null 2>&1
	[ $? -eq 3 ] || { bad=$((bad + 1)); echo "#   accepted: $(printf '%s' "$line" | cut -c1-$k)"; }
	cut=$((cut + 1)) k=$((k + 1))
done
is hard-8.4.11 "each of the $cut cut-short copies of the xs3 line is refused (exit 3)" "$bad" 0
is hard-8.4.12 "... and none stored anything" "$(weak_rows "$work/imp8b.db")" 0
for edit in 's/:weak:/:tso:/' 's/:weak:/:sc:/' 's/^xs3/xs2/' 's/flush0/flush1/' 's/:35:/:34:/'; do
	"$XS_BIN" import "$(printf '%s' "$line" | sed "$edit")" --db "$work/imp8b.db" > /dev/null 2>&1; rc=$?
	is "hard-8.4.13.$edit" "an xs3 line edited with $edit is refused (exit 3)" "$rc" 3
done
"$XS_BIN" import "$line" --db "$work/imp8b.db" > "$work/out" 2>&1; rc=$?
has hard-8.4.14 "the whole xs3 line imports under weak (35 steps, corruption)" "$rc $(no_asan_noise < "$work/out")" \
	"0 imported schedule 15: classic fixed, 35 steps, verdict corruption, under weak"
# 8.8: a stored scenario name is never a path (B20): export --format svg/txt
# and merge take the scenario from the text the database keeps.
if have sqlite3; then
	e8="$work/names8.db"
	"$XS_BIN" run classic -q --db "$e8" > /dev/null 2>&1
	sqlite3 "$e8" "UPDATE scenarios SET name = '../../etc/passwd'"
	"$XS_BIN" export 13 --format svg --db "$e8" > "$work/out" 2> "$work/err"; rc=$?
	ok "$([ $rc -eq 3 ] && ! grep -q -e root -e 'passwd:1' "$work/out" "$work/err"; echo $?)" hard-8.8.1 \
		"export --format svg of a row whose scenario another program named '../../etc/passwd': exit 3 ($rc), /etc/passwd not read"
	has hard-8.8.2 "... saying the name is not a scenario name and what to do" "$(cat "$work/err")" \
		"scenario 1 is named '../../etc/passwd', which is not a scenario name"
	for k in 1 2; do
		"$XS_BIN" explore classic --version buggy -q --shard $k/2 --db "$work/sh8-$k.db" > /dev/null 2>&1
		sqlite3 "$work/sh8-$k.db" "UPDATE scenarios SET name = '../../etc/passwd'"
	done
	"$XS_BIN" merge --db "$work/merged8.db" "$work/sh8-1.db" "$work/sh8-2.db" > "$work/out" 2> "$work/err"; rc=$?
	ok "$([ $rc -eq 3 ] && ! grep -q -e root "$work/out" "$work/err"; echo $?)" hard-8.8.3 \
		"merge of shards whose scenario is named '../../etc/passwd': exit 3 ($rc), nothing read from that path"
else
	skip hard-8.8 "a stored scenario name is never a path" "the sqlite3 command-line tool is not installed"
fi
mkdir "$work/mine8"
cp "$XS_SRCDIR/scenarios/classic.scn" "$work/mine8/mine.scn"
id=$("$XS_BIN" run "$work/mine8/mine.scn" -q --db "$work/mine8.db" 2>/dev/null | sed -n 's/^recorded as schedule \([0-9]*\).*/\1/p')
rm "$work/mine8/mine.scn"
"$XS_BIN" export "$id" --format txt --db "$work/mine8.db" > "$work/out" 2> "$work/err"; rc=$?
has hard-8.8.4 "export --format txt of a schedule whose scenario file is gone uses the stored text (exit $rc)" \
	"$rc $(no_asan_noise < "$work/out")" "0 scenario: mine"
# 8.11: replay and list SCENARIO read a read-only database (B21): they
# opened it for writing, to import the shipped schedules, and refused it.
# XS_DB_FORCE_READONLY stands for chmod (which root, in CI, does not feel).
ro="$work/ro11.db"
"$XS_BIN" run classic -q --db "$ro" --schedule "cpu1 to end; cpu0 to end" > /dev/null 2>&1
have sqlite3 && sqlite3 "$ro" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null 2>&1
rm -f "$ro-wal" "$ro-shm"
sum=$(cksum < "$ro")
XS_DB_FORCE_READONLY=1 "$XS_BIN" replay classic race -q --db "$ro" > "$work/out" 2> "$work/err"; rc=$?
has hard-8.11.1 "replay on a read-only database: the race replays (exit $rc, corruption is 11)" "$rc $(no_asan_noise < "$work/out")" \
	"11 scenario: classic"
XS_DB_FORCE_READONLY=1 "$XS_BIN" list classic --db "$ro" > "$work/out" 2> "$work/err"; rc=$?
has hard-8.11.2 "list classic on a read-only database lists (exit $rc)" "$rc $(no_asan_noise < "$work/out")" "0    id  scenario"
XS_DB_FORCE_READONLY=1 "$XS_BIN" replay classic 13 --version fixed -q --db "$ro" > "$work/out" 2> "$work/err"; rc=$?
has hard-8.11.3 "a milestone schedule replayed on another version: run, not stored (exit $rc)" "$rc $(no_asan_noise < "$work/out")" \
	"0 replay: schedule 13 ('-') expanded for fixed"
has hard-8.11.4 "... saying why it is not stored" "$(cat "$work/out")" "replay: not stored: $ro is read-only"
XS_DB_FORCE_READONLY=1 "$XS_BIN" list three-cpus --db "$ro" > "$work/out" 2> "$work/err"; rc=$?
has hard-8.11.5 "list of a scenario the read-only database lacks: exit $rc, a note says what to do" "$rc $(no_asan_noise < "$work/err")" \
	"0 xipsandbox: note: $ro is read-only and has no scenario three-cpus yet"
is hard-8.11.6 "... and the database's bytes never changed" "$(cksum < "$ro")" "$sum"
XS_DB_FORCE_READONLY=1 "$XS_BIN" run classic -q --db "$ro" > /dev/null 2> "$work/err"; rc=$?
has hard-8.11.7 "a recording command is still refused (exit $rc)" "$rc $(no_asan_noise < "$work/err")" "3 xipsandbox: $ro: is read-only"
lap "hard-8 (nothing saved is lost)"

# ---- hard-10: trust boundaries (issue 17, items 9, 10, 12) ------------------------------------
# 10.9: escape sequences in a scenario's title or file name reached the
# terminal raw on the scenario: line of run and explore (B22): one
# sanitiser (util_shown) for every user-derived string printed.
esc=$(printf '\033')
mkdir -p "$work/esc10"
evil="$work/esc10/e${esc}[2Jx.scn"
{ printf 'title: evil %s[2J%s]0;pwned%s title\n' "$esc" "$esc" "$(printf '\007')"
  printf 'flash: 1 block\nfile: 1 page\nprocess A: open O_RDONLY, mmap MAP_SHARED PROT_READ\ncpu 0: A touch 0\n'; } > "$evil"
for cmd in "run" "explore" "ablate"; do
	"$XS_BIN" $cmd "$evil" --db "$work/esc10.db" > "$work/out" 2>&1
	if grep -q "$esc\|$(printf '\007')" "$work/out"; then bad=1; else bad=0; fi
	ok "$bad" "hard-10.9.$cmd" "$cmd: a scenario title and file name with escape sequences reach the terminal as \\x1B, never raw"
done
has hard-10.9.shown "... shown as \\x1B[2J" "$("$XS_BIN" run "$evil" --no-record -q 2>&1 | no_asan_noise | head -1)" 'e\x1B[2Jx: evil \x1B[2J\x1B]0;pwned\x07 title'
"$XS_BIN" list --db "$work/esc10.db" > "$work/out" 2>&1
if grep -q "$esc" "$work/out"; then bad=1; else bad=0; fi
ok "$bad" "hard-10.9.list" "list: the scenario's name is shown, not sent"
# 10.10: a stored unit's counterexample is replayed before it is believed
# (B26): one whose first choice another program changed was printed as
# found and proven minimal ("no bad schedule is shorter"), then blamed on
# "the engine is not deterministic"; on --resume the exploration row was
# then marked complete, with exit 0.
# tamper_units DB: the first choice of every counterexample in DB's units
# is another CPU (explore_unit_encode's layout: 8 fields, NKINDS verdicts,
# the states, then each counterexample's present, n, preemptions, verdict,
# state, found_at and its choices, one byte each); POSIX sh, sqlite3 only
tamper_units() {
	for u in $(sqlite3 "$1" 'SELECT rowid FROM exploration_units'); do
		hx=$(sqlite3 "$1" "SELECT hex(findings) FROM exploration_units WHERE rowid = $u")
		byte() { printf '%s' "$hx" | cut -c$(($1 * 2 + 1))-$(($1 * 2 + 2)); }
		nk=$((0x$(byte 56)))
		off=$((64 + 8 * nk))
		off=$((off + 8 + 8 * 0x$(byte $off)))
		[ "$(byte $off)" = 01 ] || continue
		ch=$((off + 48))
		[ "$(byte $ch)" = 00 ] && new=01 || new=00
		hx="$(printf '%s' "$hx" | cut -c1-$((ch * 2)))$new$(printf '%s' "$hx" | cut -c$((ch * 2 + 3))-)"
		sqlite3 "$1" "UPDATE exploration_units SET findings = X'$hx' WHERE rowid = $u"
	done
}
if have sqlite3; then
	for k in 1 2; do
		"$XS_BIN" explore classic --version buggy -q --shard $k/2 --db "$work/t10-$k.db" > /dev/null 2>&1
	done
	"$XS_BIN" merge --db "$work/t10-m0.db" "$work/t10-1.db" "$work/t10-2.db" > "$work/out" 2>&1; rc=$?
	is hard-10.10.1 "merge of two untouched shards of classic: exit 1 (corruption found)" "$rc" 1
	tamper_units "$work/t10-1.db"
	tamper_units "$work/t10-2.db"
	"$XS_BIN" merge --db "$work/t10-m.db" "$work/t10-1.db" "$work/t10-2.db" > "$work/out" 2> "$work/err"; rc=$?
	has hard-10.10.2 "merge of a shard whose counterexample was changed: exit 3, the unit called damaged" \
		"$rc $(no_asan_noise < "$work/err")" "3 xipsandbox: $work/t10-2.db: shard 2/2 (exploration 1), unit 1 is damaged"
	ok "$(! grep -q -e 'no bad schedule' -e 'not deterministic' "$work/out" "$work/err"; echo $?)" hard-10.10.3 \
		"... nothing printed as proven, nothing blamed on the engine"
	is hard-10.10.4 "... and nothing recorded in OUT" \
		"$(sqlite3 "$work/t10-m.db" 'SELECT count(*) FROM explorations' 2>/dev/null || echo 0)" 0
	"$XS_BIN" explore three-cpus --version buggy -q --db "$work/t10-r.db" --limit 700 > /dev/null 2>&1
	cp "$work/t10-r.db" "$work/t10-r0.db"
	"$XS_BIN" explore three-cpus --version buggy -q --db "$work/t10-r0.db" --resume > /dev/null 2>&1; rc=$?
	is hard-10.10.5 "explore --resume of an untouched exploration: exit 1 (corruption found)" "$rc" 1
	n10=$(sqlite3 "$work/t10-r.db" "SELECT count(*) FROM schedules WHERE origin = 'explore'")
	tamper_units "$work/t10-r.db"
	"$XS_BIN" explore three-cpus --version buggy --db "$work/t10-r.db" --resume > "$work/out" 2> "$work/err"; rc=$?
	has hard-10.10.6 "explore --resume of units whose counterexamples were changed: exit 3, called damaged" \
		"$rc $(no_asan_noise < "$work/err")" "3 xipsandbox: $work/t10-r.db: exploration 1, unit "
	has hard-10.10.7 "... saying what to do" "$(cat "$work/err")" "start a new search (without --resume)"
	ok "$(! grep -q -e 'no bad schedule' -e 'not deterministic' "$work/out" "$work/err"; echo $?)" hard-10.10.8 \
		"... nothing printed as proven, nothing blamed on the engine"
	is hard-10.10.9 "... and the exploration is not marked complete, no schedule recorded from it" \
		"$(sqlite3 "$work/t10-r.db" "SELECT complete FROM explorations; SELECT count(*) FROM schedules WHERE origin = 'explore'")" \
		"$(printf '0\n%s' "$n10")"
else
	skip hard-10.10 "a stored counterexample is replayed before it is believed" "the sqlite3 command-line tool is not installed"
fi
# 10.12: a scenario is its name and its text, read from one file (B27,
# B28): a local other/classic.scn replaced the shipped classic's row (the
# name was the identity), and a line exported from a scenario named 'a:b'
# did not import back.
sc12="$work/sc12"
mkdir -p "$sc12/other" "$sc12/mine"
db12="$sc12/x.db"
"$XS_BIN" run classic -q --db "$db12" > /dev/null 2>&1
sed 's/^title: .*/title: my own classic/' "$XS_SRCDIR/scenarios/classic.scn" > "$sc12/other/classic.scn"
row12() { sqlite3 "$db12" "SELECT title || ' ' || text_hash FROM scenarios WHERE name = '$1'" 2>/dev/null; }
before=$(row12 classic)
"$XS_BIN" run "$sc12/other/classic.scn" -q --db "$db12" > "$work/out" 2> "$work/err"; rc=$?
has hard-10.12.1 "run other/classic.scn (another text, the shipped name): exit 3, the clash named" \
	"$rc $(no_asan_noise < "$work/err")" "3 xipsandbox: $db12: scenario 'classic' is already there, read from "
has hard-10.12.2 "... saying what to do" "$(cat "$work/err")" "so it is another scenario: rename $sc12/other/classic.scn"
if have sqlite3; then
	is hard-10.12.3 "... and the shipped classic's row is unchanged" "$(row12 classic)" "$before"
	# a database from before schema 4 knows no file yet: the first one with the same text is taken
	sqlite3 "$db12" "UPDATE scenarios SET source = NULL"
	"$XS_BIN" list classic --db "$db12" > /dev/null 2>&1
	"$XS_BIN" run "$sc12/other/classic.scn" -q --db "$db12" > /dev/null 2>&1; rc=$?
	is hard-10.12.4 "a row whose file was not known yet learns it, and other/classic.scn is refused (exit $rc)" \
		"$rc $(row12 classic)" "3 $before"
else
	skip hard-10.12.3 "the shipped row unchanged" "the sqlite3 command-line tool is not installed"
fi
cp "$XS_SRCDIR/scenarios/classic.scn" "$sc12/mine/mine.scn"
"$XS_BIN" run "$sc12/mine/mine.scn" -q --db "$db12" > /dev/null 2>&1
echo "# edited" >> "$sc12/mine/mine.scn"
"$XS_BIN" run "$sc12/mine/mine.scn" -q --db "$db12" > "$work/out" 2> "$work/err"; rc=$?
is hard-10.12.5 "a user's scenario edited in place is the same scenario: it runs (exit $rc, corruption is 11)" "$rc" 11
cp "$XS_SRCDIR/scenarios/classic.scn" "$sc12/mine/a:b.scn"
id=$("$XS_BIN" run "$sc12/mine/a:b.scn" -q --db "$db12" 2>/dev/null | sed -n 's/^recorded as schedule \([0-9]*\).*/\1/p')
line=$("$XS_BIN" export "$id" --db "$db12" 2>/dev/null)
rm "$sc12/mine/a:b.scn"
"$XS_BIN" import "$line" --db "$db12" > "$work/out" 2> "$work/err"; rc=$?
has hard-10.12.6 "the line of a scenario named 'a:b' imports back from the text the database keeps (exit $rc)" \
	"$rc $(no_asan_noise < "$work/out")" "0 imported schedule"
"$XS_BIN" export "$id" --format txt --db "$db12" > "$work/out" 2> "$work/err"; rc=$?
has hard-10.12.7 "... and export --format txt draws it from the stored text (exit $rc)" "$rc $(head -1 "$work/out")" \
	"0 scenario: a:b"
"$XS_BIN" import "$line" --db "$sc12/fresh.db" > "$work/out" 2> "$work/err"; rc=$?
has hard-10.12.8 "... into a database without it: exit 3, saying where it looked" "$rc $(no_asan_noise < "$work/err")" \
	"3 xipsandbox: no scenario 'a:b': not a file, no a:b.scn in"
lap "hard-10 (trust boundaries)"

# ---- hard-11: the smaller findings of issue 17 -------------------------------------------------
s11="$work/s11"
mkdir -p "$s11"
# 11.1: a relative XDG_DATA_HOME with HOME unset said neither was set (B32)
env -u HOME XDG_DATA_HOME=rel "$XS_BIN" list > /dev/null 2> "$work/err"; rc=$?
has hard-11.1 "XDG_DATA_HOME=rel, HOME unset: exit 3, saying XDG_DATA_HOME is not absolute" "$rc $(no_asan_noise < "$work/err")" \
	"3 xipsandbox: cannot find a place for the schedule database: XDG_DATA_HOME is 'rel', which is not an absolute path"
# 11.2: the resume hint is a command a shell reads back (B33): a path with a blank and a quote
mkdir -p "$s11/it's here"
cp "$XS_SRCDIR/scenarios/three-cpus.scn" "$s11/it's here/my three.scn"
"$XS_BIN" explore "$s11/it's here/my three.scn" -q --limit 100 --db "$s11/it's here/x y.db" > "$work/out" 2>&1
hint=$(sed -n 's/^resume:   //p' "$work/out")
eval "set -- $hint"
shift   # xipsandbox
"$XS_BIN" "$@" > "$work/out" 2>&1; rc=$?
has hard-11.2 "the resume hint of a scenario and database with blanks and quotes runs as printed (exit $rc)" \
	"$rc $(no_asan_noise < "$work/out")" "1 scenario: my three"
has hard-11.3 "... and resumes the search" "$(cat "$work/out")" "resumed:  exploration 1:"
# 11.4: an id beyond long was clamped: save 99999999999999999999 renamed row 9223372036854775807 (B30)
if have sqlite3; then
	db11="$s11/ids.db"
	"$XS_BIN" run classic -q --db "$db11" > /dev/null 2>&1
	sqlite3 "$db11" "INSERT INTO schedules (id, scenario_id, scenario_hash, version, choices, length, preemptions,
		verdict, trace_hash, origin, name) SELECT 9223372036854775807, scenario_id, scenario_hash, version, choices,
		length, preemptions, verdict, trace_hash, origin, 'last' FROM schedules WHERE id = 13"
	"$XS_BIN" save 99999999999999999999 foo --db "$db11" > /dev/null 2> "$work/err"; rc=$?
	is hard-11.4 "save 99999999999999999999 foo: exit 3, and schedule 9223372036854775807 keeps its name" \
		"$rc $(sqlite3 "$db11" 'SELECT name FROM schedules WHERE id = 9223372036854775807')" "3 last"
	"$XS_BIN" replay classic 99999999999999999999 -q --db "$db11" > /dev/null 2> "$work/err"; rc=$?
	has hard-11.5 "replay classic 99999999999999999999: exit 3, no schedule of that number" "$rc $(no_asan_noise < "$work/err")" \
		"3 xipsandbox: no schedule 99999999999999999999 in"
else
	skip hard-11.4 "an id beyond long is no id" "the sqlite3 command-line tool is not installed"
fi
# 11.6: AUTOINCREMENT's last id taken was "the disk is full" (B34)
if have sqlite3; then
	sqlite3 "$db11" "UPDATE sqlite_sequence SET seq = 9223372036854775807 WHERE name = 'schedules'"
	"$XS_BIN" run classic -q --db "$db11" > /dev/null 2> "$work/err"; rc=$?
	has hard-11.6 "run when the schedule ids are used up: exit 3, saying so, not 'the disk is full'" "$rc $(no_asan_noise < "$work/err")" \
		"3 xipsandbox: $db11: cannot record the schedule: the schedule ids are used up"
fi
# 11.7: with ulimit -n 4, "unable to open database file" and no reason (B35)
if [ $sanitized -eq 0 ]; then
	(exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; ulimit -n 4 && exec "$XS_BIN" list --db "$good") > /dev/null 2> "$work/err"; rc=$?
	has hard-11.7 "list under ulimit -n 4: exit 3, naming the limit" "$rc $(no_asan_noise < "$work/err")" \
		"3 xipsandbox: $good: cannot read it: unable to open database file: Too many open files (a limit on open files, ulimit -n)"
else
	skip hard-11.7 "ulimit -n 4 names the limit" "a sanitizer runtime needs more descriptors"
fi
# 11.8: run --expected never checked the verdict the scenario's expect line names (B37)
sed 's/^expect buggy: corruption with/expect buggy: ok with/' "$XS_SRCDIR/scenarios/classic.scn" > "$s11/wrong-expect.scn"
"$XS_BIN" run "$s11/wrong-expect.scn" --expected --no-record -q > /dev/null 2> "$work/err"; rc=$?
has hard-11.8 "run --expected of a scenario whose expect line is wrong: exit 3, naming the line" "$rc $(no_asan_noise < "$work/err")" \
	"3 xipsandbox: $s11/wrong-expect.scn:23: the scenario expects ok on buggy with this schedule, but the run ended corruption"
"$XS_BIN" run classic --expected --no-record -q > /dev/null 2> "$work/err"; rc=$?
is hard-11.9 "... and classic's own (corruption on buggy) still exits with the verdict, silently" "$rc $(no_asan_noise < "$work/err")" "11 "
# 11.10: import from standard input split lines at 64 KiB (B38): a 70 KB comment, then a line
line=$("$XS_BIN" export 1 --db "$good" 2>/dev/null)
{ printf '#'; head -c 70000 /dev/zero | tr '\0' x; printf '\n%s\n' "$line"; } |
	"$XS_BIN" import --name long-comment --db "$s11/imp.db" > "$work/out" 2> "$work/err"; rc=$?
has hard-11.10 "import: a 70 KB comment line, then a schedule line: the line imports (exit $rc)" "$rc $(no_asan_noise < "$work/out")" \
	"0 imported schedule"
# 11.11: merge opened its output only after folding (and printing) everything (B40)
for k in 1 2; do
	"$XS_BIN" explore three-cpus --version buggy -q --shard $k/2 --db "$s11/m$k.db" > /dev/null 2>&1
done
echo "my notes" > "$s11/notes.txt"
"$XS_BIN" merge --db "$s11/notes.txt" "$s11/m1.db" "$s11/m2.db" > "$work/out" 2> "$work/err"; rc=$?
is hard-11.11 "merge into a file that is not a database: exit 3 before any search is folded or printed" \
	"$rc $(wc -c < "$work/out" | tr -d ' ') $(cat "$s11/notes.txt")" "3 0 my notes"
# 11.12: shards split by other --units were "in none of the databases given" (B39)
"$XS_BIN" explore three-cpus --version buggy -q --shard 2/2 --units 16 --db "$s11/m2u.db" > /dev/null 2>&1
"$XS_BIN" merge --db "$s11/mu.db" "$s11/m1.db" "$s11/m2u.db" > "$work/out" 2> "$work/err"; rc=$?
has hard-11.12 "merge of shards split by other --units: exit 3, saying so" "$rc $(no_asan_noise < "$work/err")" \
	"3 xipsandbox: $s11/m2u.db: shard 2/2 (exploration 1) was split otherwise than shard 1/2 in $s11/m1.db"
has hard-11.13 "... and what to do" "$(cat "$work/err")" "the shards of one search need the same --units and --step-limit"
# 11.14: an unfinished exploration, maybe another process's running now, was "stopped" (B41)
"$XS_BIN" explore three-cpus --version buggy -q --limit 100 --db "$s11/run.db" > /dev/null 2>&1
"$XS_BIN" explore three-cpus --version buggy -q --db "$s11/run.db" > /dev/null 2> "$work/err"
has hard-11.14 "a new search beside an unfinished one calls it unfinished, maybe running, not stopped" "$(cat "$work/err")" \
	"explore: note: exploration 1 of this search is unfinished (1 of 67 units recorded: it stopped, or another xipsandbox is still running it)"
# 11.15: the shard rule is explore_unit_mine's, in merge too: a unit moved to another shard's number is refused
if have sqlite3; then
	cp "$s11/m1.db" "$s11/m1x.db"
	sqlite3 "$s11/m1x.db" "UPDATE exploration_units SET unit = 1 WHERE unit = 0"
	"$XS_BIN" merge --db "$s11/mx.db" "$s11/m1x.db" "$s11/m2.db" > /dev/null 2> "$work/err"; rc=$?
	has hard-11.15 "merge of a shard holding another shard's unit: exit 3, named" "$rc $(no_asan_noise < "$work/err")" \
		"3 xipsandbox: $s11/m1x.db: shard 1/2 (exploration 1) holds unit 1, which is not one of its units"
fi
lap "hard-11 (smaller findings)"

# ---- hard-12: the fresh hostile pass of 2026-12-03 (B49-B51) -----------------------------
s12="$work/s12"
mkdir -p "$s12"
# 12.1-12.2: import from a stream that never ends a line read for ever, to skip the rest of it (B50)
quiet_run 10 "$XS_BIN" import --db "$s12/imp.db" < /dev/zero > "$work/out" 2> "$work/err"; rc=$?
has hard-12.1 "import < /dev/zero: exit 3 at once, binary data named (was a hang)" "$rc $(no_asan_noise < "$work/err")" \
	"3 xipsandbox: import, line 1: binary data (a NUL byte): standard input is not schedule lines"
yes x | tr -d '\n' | quiet_run 10 "$XS_BIN" import --db "$s12/imp.db" > "$work/out" 2> "$work/err"; rc=$?
has hard-12.2 "import of an endless line without NUL bytes: exit 3 at 16 MiB (was a hang)" "$rc $(no_asan_noise < "$work/err")" \
	"3 xipsandbox: import, line 1: longer than 16 MiB: not a schedule line"
# 12.3: a byte order mark before the first line (a Windows editor's file) was "not a schedule line" (B51)
"$XS_BIN" run classic -q --db "$s12/src.db" > /dev/null 2>&1
line=$("$XS_BIN" export 13 --db "$s12/src.db" 2>/dev/null)
printf '\357\273\277%s\r\n' "$line" > "$s12/bom.txt"
"$XS_BIN" import --name from-notepad --db "$s12/imp.db" < "$s12/bom.txt" > "$work/out" 2> "$work/err"; rc=$?
has hard-12.3 "import of a file with a UTF-8 byte order mark and CRLF: the line imports (exit $rc)" \
	"$rc $(no_asan_noise < "$work/out")" "0 imported schedule"
# 12.4-12.5: export printed a name another program wrote raw into the line: ESC to the terminal, a line import refuses (B49)
if have sqlite3; then
	cp "$good" "$s12/nm.db"
	"$XS_BIN" run classic -q --db "$s12/nm.db" > /dev/null 2>&1
	sqlite3 "$s12/nm.db" "PRAGMA ignore_check_constraints = 1; UPDATE schedules SET name = char(27) || '[2Jx' WHERE id = 13"
	"$XS_BIN" export 13 --db "$s12/nm.db" > "$work/out" 2> "$work/err"; rc=$?
	is hard-12.4 "export of a schedule whose name another program set to an escape sequence: exit 3, nothing printed" \
		"$rc $(wc -c < "$work/out" | tr -d ' ')" "3 0"
	has hard-12.5 "... naming the row, the name shown escaped, and what to do" "$(no_asan_noise < "$work/err")" \
		"schedule 13 is named '\\x1B[2Jx', which is not a schedule name (another program changed it?); nothing was printed: name it again with 'xipsandbox save 13 NAME'"
else
	skip hard-12.4 "export of a tampered name" "the sqlite3 command-line tool is not installed"
fi
lap "hard-12 (hostile pass 2026-12-03)"

done_testing
