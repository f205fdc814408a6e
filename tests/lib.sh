# lib.sh - TAP helpers for the end-to-end shell tests.
# Sourced by tests/*.sh; XS_BIN and XS_SRCDIR come from make check.
: "${XS_BIN:=./xipsandbox}"
: "${XS_SRCDIR:=.}"
tap_n=0
tap_failed=0

ok() {  # ok COND-EXIT-STATUS ID DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2: $3"
	else
		echo "not ok $tap_n - $2: $3"
		tap_failed=$((tap_failed + 1))
	fi
}

# skip ID DESCRIPTION REASON: a check this build or machine cannot make
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1: $2 # SKIP $3"
}

# has ID DESCRIPTION TEXT NEEDLE: TEXT contains NEEDLE
has() {
	case "$3" in
	*"$4"*) ok 0 "$1" "$2" ;;
	*) ok 1 "$1" "$2"; printf '#   got: %s\n#  want it to contain: %s\n' "$3" "$4" | sed 's/^/# /' ;;
	esac
}

# hasnt ID DESCRIPTION TEXT NEEDLE: TEXT does not contain NEEDLE
hasnt() {
	case "$3" in
	*"$4"*) ok 1 "$1" "$2"; printf '#   got: %s\n#  want it not to contain: %s\n' "$3" "$4" | sed 's/^/# /' ;;
	*) ok 0 "$1" "$2" ;;
	esac
}

# is ID DESCRIPTION GOT WANT
is() {
	if [ "$3" = "$4" ]; then ok 0 "$1" "$2"; else
		ok 1 "$1" "$2"; printf '#   got: %s\n#  want: %s\n' "$3" "$4"; fi
}

# Drop the one line AddressSanitizer prints about swapcontext in the
# ucontext + sanitizer build (the switches are annotated; it is noise).
no_asan_noise() {
	grep -v "ASan doesn't fully support makecontext/swapcontext" || true
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
