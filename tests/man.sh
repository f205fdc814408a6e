# man.sh - the man page renders without warnings and names every command (man-*).
. "${XS_SRCDIR:-.}/tests/lib.sh"
page="$XS_SRCDIR/docs/xipsandbox.1"
if ! command -v man >/dev/null 2>&1; then
	echo "1..0 # SKIP man is not installed"
	exit 0
fi
out=$(MANWIDTH=80 man --warnings -l "$page" 2>"${TMPDIR:-/tmp}/xs-man.$$"); rc=$?
err=$(cat "${TMPDIR:-/tmp}/xs-man.$$"); rm -f "${TMPDIR:-/tmp}/xs-man.$$"
is man-1.1 "man -l renders the page" "$rc" 0
is man-1.2 "... without a warning" "$err" ""
for c in play run replay list save export import bench; do
	has "man-2.$c" "the page documents '$c'" "$out" "$c"
done
help=$("$XS_BIN" --help)
for c in $(printf '%s\n' "$help" | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ { on = 0 }'); do
	has "man-3.$c" "every command of --help ('$c') is in the page" "$out" "$c"
done
done_testing
