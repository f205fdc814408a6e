#!/bin/sh
# bench-scale.sh - the explore issue's scale figures, old and new side by
# side in one run (make bench-scale; not part of make check).
#
# For 3, 4, 5 and 6 CPUs (two to five read-only MAP_SHARED readers of one
# hole and a writer: scenarios/three-cpus.scn, tests/scenarios/
# three-readers, four-readers, five-readers), fixed version, exhaustive:
#   replay      the release's search: reduced (source-DPOR), every
#               execution replayed from the start (--no-checkpoints)
#   checkpoint  the same search resumed from checkpoints (the default now)
#   stateful    --stateful: stateful DPOR (source-DPOR, sleep sets and a
#               table of visited states, each met again pruned after its
#               summary's races with the path)
#   plain       --stateful=plain: sleep sets and the table, every enabled
#               CPU (the stateful search before; 3 and 4 CPUs only)
# and, buggy version, the time to the first counterexample
# (--stop-at-first) of the default search and of --stateful.
#
# Each cell is seconds (wall, as explore reports it) and peak RSS; a search
# still running after XS_BENCH_TIMEOUT seconds (default 60) is stopped and
# shown as ">T".  Usage: tests/bench-scale.sh [XIPSANDBOX] [SRCDIR]
set -u
xs=${1:-./xipsandbox}
src=${2:-.}
limit=${XS_BENCH_TIMEOUT:-60}

# one search: prints "seconds rss_mib executions states matched" or ">T - - - -"
one() {
	out=$(mktemp)
	tm=$(mktemp)
	/usr/bin/time -f '%M' -o "$tm" timeout "$limit" "$xs" explore "$@" --no-record -q >"$out" 2>/dev/null
	rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo ">$limit - - - -"
	else
		secs=$(sed -n 's/^time: \([0-9.]*\) \(m*s\).*/\1 \2/p' "$out" | awk '{ print ($2 == "ms") ? $1 / 1000 : $1 }')
		ex=$(sed -n 's/^executions: \([0-9]*\) run.*/\1/p' "$out")
		st=$(sed -n 's/^states: \([0-9]*\) stored.*/\1/p' "$out")
		mt=$(sed -n 's/^executions: .*, \([0-9]*\) at a state met before.*/\1/p' "$out")
		rss=$(tail -n 1 "$tm" | awk '{ printf "%.0f", $1 / 1024 }')
		echo "$secs $rss $ex ${st:--} ${mt:--}"
	fi
	rm -f "$out" "$tm"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; timeout ${limit} s per search"
printf '%-5s %-9s %-26s %-24s %-40s %-30s %s\n' CPUs version "replay (release) s/MiB/execs" \
	"checkpoint s/MiB/execs" "stateful s/MiB/ends/states/matched" "plain s/MiB/ends/states" \
	"replay/checkpoint replay/stateful"
for n in 3 4 5 6; do
	case $n in
	3) scn=$src/scenarios/three-cpus.scn ;;
	4) scn=$src/tests/scenarios/three-readers.scn ;;
	5) scn=$src/tests/scenarios/four-readers.scn ;;
	6) scn=$src/tests/scenarios/five-readers.scn ;;
	esac
	set -- $(one "$scn" -v fixed --no-checkpoints); r_s=$1 r_m=$2 r_e=$3
	set -- $(one "$scn" -v fixed); c_s=$1 c_m=$2 c_e=$3
	set -- $(one "$scn" -v fixed --stateful); s_s=$1 s_m=$2 s_e=$3 s_n=$4 s_t=$5
	if [ $n -le 4 ]; then
		set -- $(one "$scn" -v fixed --stateful=plain); p_s=$1 p_m=$2 p_e=$3 p_n=$4
	else
		p_s="(not run)" p_m="" p_e="" p_n=""
	fi
	ratio=$(awk -v a="$r_s" -v b="$c_s" 'BEGIN { if (a ~ /^>/ || b ~ /^>/ || b == 0) print "-"; else printf "%.2f", a / b }')
	ratio2=$(awk -v a="$r_s" -v b="$s_s" 'BEGIN { if (a ~ /^>/ || b ~ /^>/ || b == 0) print "-"; else printf "%.2f", a / b }')
	printf '%-5s %-9s %-26s %-24s %-40s %-30s %s\n' "$n" fixed "$r_s/$r_m/$r_e" "$c_s/$c_m/$c_e" \
		"$s_s/$s_m/$s_e/$s_n/$s_t" "$p_s${p_m:+/$p_m/$p_e/$p_n}" "$ratio $ratio2"
	set -- $(one "$scn" -v buggy --stop-at-first --no-checkpoints); r_s=$1 r_m=$2 r_e=$3
	set -- $(one "$scn" -v buggy --stop-at-first); c_s=$1 c_m=$2 c_e=$3
	set -- $(one "$scn" -v buggy --stop-at-first --stateful); s_s=$1 s_m=$2 s_e=$3 s_n=$4
	ratio=$(awk -v a="$r_s" -v b="$c_s" 'BEGIN { if (a ~ /^>/ || b ~ /^>/ || b == 0) print "-"; else printf "%.2f", a / b }')
	printf '%-5s %-9s %-26s %-24s %-40s %-30s %s\n' "$n" "buggy 1st" "$r_s/$r_m/$r_e" "$c_s/$c_m/$c_e" \
		"$s_s/$s_m/$s_e/$s_n" "" "$ratio"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
