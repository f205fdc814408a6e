# cli.sh - end-to-end tests of the command line (cli-*).
. "${XS_SRCDIR:-.}/tests/lib.sh"

out=$("$XS_BIN" --help); rc=$?
is cli-1.1 "--help exits 0" "$rc" 0
has cli-1.2 "--help lists the commands" "$out" "Commands:"

out=$("$XS_BIN" --version); rc=$?
is cli-1.3 "--version exits 0" "$rc" 0
has cli-1.4 "--version names the program and version" "$out" "xipsandbox 0.1.0"

err=$("$XS_BIN" frobnicate 2>&1 >/dev/null); rc=$?
is cli-1.5 "an unknown command is a usage error (exit 2)" "$rc" 2
has cli-1.6 "... which names the command" "$err" "unknown command 'frobnicate'"
has cli-1.7 "... and says what to do next" "$err" "Try 'xipsandbox --help'"

err=$("$XS_BIN" 2>&1 >/dev/null); rc=$?
is cli-1.8 "no command is a usage error" "$rc" 2

out=$("$XS_BIN" bench 0.05); rc=$?
is cli-2.1 "bench runs" "$rc" 0
has cli-2.2 "bench reports steps per second" "$out" "steps per second"

err=$("$XS_BIN" bench abc 2>&1 >/dev/null); rc=$?
is cli-2.3 "bench rejects a bad duration" "$rc" 2
has cli-2.4 "... naming it" "$err" "'abc' is not a number of seconds"

done_testing
