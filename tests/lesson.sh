# lesson.sh - every command docs/lesson.md tells a student to type works as
# written (lesson-*): it runs, and ends with a verdict, not with a usage,
# input or internal error.  play and demo need a terminal and are covered by
# tui.sh and demo.sh.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-lesson.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work"
bindir=$(dirname "$XS_BIN")

# Commands in code blocks (indented) and in backquotes.
grep -oE '\./xipsandbox [^`]*' "$XS_SRCDIR/docs/lesson.md" | sed 's/[[:space:]]*$//' | sort -u > "$work/cmds"
n=0
while IFS= read -r cmd; do
	case "$cmd" in
	"./xipsandbox play"*|"./xipsandbox demo"*) continue ;;
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
done_testing
