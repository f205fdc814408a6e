# golden.sh - golden traces (golden-*): each tests/golden/NAME.args holds the
# arguments of one xipsandbox command, one per line; its output must equal
# NAME.expected byte for byte, and a second run must give the same trace
# hash.  After an intended change: sh tests/golden.sh --update
. "${XS_SRCDIR:-.}/tests/lib.sh"
dir="$XS_SRCDIR/tests/golden"
update=0
[ "${1:-}" = "--update" ] && update=1
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"

for args in "$dir"/*.args; do
	name=$(basename "$args" .args)
	set --
	while IFS= read -r line; do set -- "$@" "$line"; done < "$args"
	out=$("$XS_BIN" "$@" 2>/dev/null)  # stdout only: ASan may warn about swapcontext on stderr
	if [ $update -eq 1 ]; then
		printf '%s\n' "$out" > "$dir/$name.expected"
		echo "# updated $name.expected"
		continue
	fi
	printf '%s\n' "$out" > "golden-$name.out"
	if cmp -s "golden-$name.out" "$dir/$name.expected"; then
		ok 0 "golden-$name" "output equals $name.expected"
	else
		ok 1 "golden-$name" "output equals $name.expected"
		diff -u "$dir/$name.expected" "golden-$name.out" | head -40 | sed 's/^/# /'
	fi
	h1=$(printf '%s\n' "$out" | grep 'trace hash')
	h2=$("$XS_BIN" "$@" 2>/dev/null | grep 'trace hash')
	is "golden-$name-hash" "a second run gives the same trace hash" "$h2" "$h1"
	rm -f "golden-$name.out"
done
done_testing
