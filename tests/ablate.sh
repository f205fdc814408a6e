# ablate.sh - the fix taken apart on the classic scenario (ablate-*): every
# one of the 32 combinations of ingredients switched off is explored
# exhaustively, and its verdict asserted.  On classic, the re-check, the
# seqcount's write section and the waiting read_seqcount_begin are each
# indispensable; the mutex and the retry are not (one sparse fault only).
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"

out=$("$XS_BIN" ablate classic); rc=$?
is ablate-0 "ablate classic runs" "$rc" 0
rows=0
for mask in $(seq 0 31); do
	label=""
	i=0
	for name in mutex seqcount recheck retry seqwait; do
		if [ $((mask >> i & 1)) -eq 1 ]; then label="${label:+$label+}$name"; fi
		i=$((i + 1))
	done
	[ -z "$label" ] && label="(nothing: the seed's fix)"
	line=$(printf '%s\n' "$out" | grep -F -- "$label " | head -1)
	# bad when seqcount (2), recheck (4) or seqwait (16) is off
	if [ $((mask & 22)) -ne 0 ]; then want=corruption; else want=ok; fi
	case "$line" in
	"$label"*"$want"*) ok 0 "ablate-$mask" "without ${label}: $want" ; rows=$((rows + 1)) ;;
	*) ok 1 "ablate-$mask" "without ${label}: $want"; echo "#   got: $line" ;;
	esac
done
is ablate-rows "all 32 combinations were checked" "$rows" 32
has ablate-cex "each broken one comes with a counterexample to run" "$out" "xipsandbox run classic --version fixed --without recheck --schedule"
done_testing
