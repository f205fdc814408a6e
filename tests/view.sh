# view.sh - the code pane as a person sees it in a terminal (view-5.*):
# xipsandbox play steps the classic race to its end in tmux at 120x40,
# buggy and then fixed (v).  At every step no screen line may show the
# sandbox's instrumentation, and the statement the next step runs (its
# CPU's line marked '>', with the rows it wraps onto, each but the last
# ending in '\') must be on the screen whole: the code of that step's
# `what`, as `xipsandbox run` prints it, and not cut ('~').  Skipped (TAP
# skip) only where tmux is missing.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"

. "$XS_SRCDIR/tests/tmux.sh"
tmux_init view
db="$work/play.db"

W=120 H=40 CW=60   # two CPUs: each column is 60 wide, its pane text in [x0 + 2, x0 + 58]
race="cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end"
tokens='KREAD|KWRITE|KENTER|KRETURN|READ_SPARSE_PAGE|WRITE_SPARSE_PAGE|sched_point|SCHED_SITE|SCHED_OP_|WITHOUT\(|W->|sched_note'

# The trace of the race in version $1: "STEP CPU WHAT" a line, WHAT without
# its value and without a "where: " prefix (the code the step runs).
trace() {
	"$XS_BIN" run classic --version "$1" --schedule "$race" --no-record --db "$db" |
		sed -n 's/^ *\([0-9][0-9]*\)  CPU\([0-9]\)  [^ ]*  *\(.*\)$/\1 \2 \3/p' |
		sed -e 's/ -> .*$//' -e 's/^\([0-9]* [0-9]\) [A-Za-z_][A-Za-z0-9_]*\(([^()]*)\)\{0,1\}: /\1 /'
}

# marked X0: the statement marked '>' in the column at X0, spaces out;
# "CUT" when its rows end in the cut mark, "" when nothing is marked.
marked() {
	awk -v x0="$1" -v cw="$CW" '
	{ row = substr($0, x0 + 1, cw - 1) }
	!found && substr(row, 1, 1) == ">" { found = 1 }
	found {
		text = substr(row, 3, cw - 3); sub(/ +$/, "", text)
		if (text ~ /~$/) { print "CUT"; exit }
		if (length(text) == cw - 3 && substr(text, length(text)) == "\\") {
			acc = acc substr(text, 1, length(text) - 1); next
		}
		acc = acc text; gsub(/ /, "", acc); print acc; exit
	}'
}

# walk VERSION ID: step the race to the end, checking every screen
walk() {
	v=$1 id=$2
	trace "$v" > "$work/trace"
	n=$(wc -l < "$work/trace")
	bad_tokens=0 bad_stmt=0 k=0
	while :; do
		s=$(screen)
		printf '%s\n' "$s" > "$work/$v-$k"
		if printf '%s\n' "$s" | grep -Eq "$tokens"; then
			bad_tokens=$((bad_tokens + 1))
			[ $bad_tokens -le 2 ] && { echo "# $v step $k: a line shows instrumentation:"
				printf '%s\n' "$s" | grep -E "$tokens" | sed 's/^/#   /'; }
		fi
		[ $k -ge "$n" ] && break
		line=$(sed -n "$((k + 1))p" "$work/trace")
		cpu=$(printf "%s\n" "$line" | cut -d' ' -f2)
		want=$(printf "%s\n" "$line" | cut -d' ' -f3- | tr -d ' ')
		got=$(printf '%s\n' "$s" | marked $((cpu * CW)))
		case "$got" in
		CUT|"") ok=1 ;;
		*"$want"*) ok=0 ;;
		*) ok=1 ;;
		esac
		if [ $ok -ne 0 ]; then
			bad_stmt=$((bad_stmt + 1))
			[ $bad_stmt -le 2 ] && { echo "# $v step $k: CPU$cpu's marked statement is '$got', want '$want'"
				printf '%s\n' "$s" | sed 's/^/#   |/'; }
		fi
		T send-keys -t xs Space
		k=$((k + 1))
		wait_for "$v | step $k of $n" || { echo "# $v: the screen did not reach step $k of $n"; break; }
	done
	[ $k -eq "$n" ] && [ $bad_tokens -eq 0 ]
	ok $? "$id.1" "$v: stepping the race to its end ($k of $n steps), no screen line shows instrumentation"
	[ $k -eq "$n" ] && [ $bad_stmt -eq 0 ]
	ok $? "$id.2" "$v: at every step the next statement is marked and shown whole ($bad_stmt screens wrong)"
}

tmux_start $W $H "'$XS_BIN' play classic race --db '$db'; sleep 60"
if wait_for "buggy | step 0 of"; then
	walk buggy view-5
	T send-keys -t xs v
	wait_for "fixed | step" && T send-keys -t xs Home
	if wait_for "fixed | step 0 of"; then
		walk fixed view-6
	else
		ok 1 view-6.0 "v switches to fixed"
	fi
	has view-7.1 "buggy step 17: the pane header names the kernel file and the function" \
		"$(cat "$work/buggy-17")" "mm/filemap_xip.c (buggy): xip_sparse_page()"
	has view-7.2 "step 0: user mode shows what the process does" \
		"$(cat "$work/buggy-0")" "A: load from page 1 of the mapping"
else
	ok 1 view-5.0 "play opens the classic race at ${W}x$H"
	screen | sed 's/^/#   /'
fi

done_testing
