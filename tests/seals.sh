# seals.sh - the sealed dependencies of docs/style.md, enforced (seal-*):
#
#   sqlite3 (its header, its functions) only in src/store*.c and src/store-int.h
#   curses (<curses.h>, <ncurses.h>, <ncursesw/...>, <term.h>) only in src/tui.c
#   <ucontext.h> and the context calls only in src/coro.c
#   src/kernel/ includes neither sqlite3 nor curses (a case of the above,
#   checked on its own so that its message says so)
#
# Comments and string literals are not code: a message may say "sqlite3"
# (cli_common.c tells the user which sqlite3 command to type).  seal-0
# first checks the checker: a tree with one planted break of each seal
# must fail every rule.
. "${XS_SRCDIR:-.}/tests/lib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-seals.XXXXXX")
trap 'rm -rf "$work"' EXIT

# code FILE: the file without /* */ and // comments and string literals
code() {
	sed -e 's/"\([^"\\]\|\\.\)*"/""/g' -e 's://.*$::' "$1" |
		awk '{ while (1) { if (c) { i = index($0, "*/"); if (!i) { $0 = ""; break } $0 = substr($0, i + 2); c = 0 }
		       i = index($0, "/*"); if (!i) break; j = index(substr($0, i + 2), "*/");
		       if (j) { $0 = substr($0, 1, i - 1) " " substr($0, i + j + 3) } else { $0 = substr($0, 1, i - 1); c = 1; break } }
		       print }'
}
# breaks ROOT PATTERN ALLOWED-REGEX: files under ROOT/src whose code matches PATTERN, outside ALLOWED
breaks() {
	find "$1/src" -name '*.[ch]' | sort | while read -r f; do
		rel=${f#"$1"/}
		printf '%s\n' "$rel" | grep -q -E "$3" && continue
		code "$f" | grep -q -E "$2" && echo "$rel"
	done
}
sqlite_pat='#[[:space:]]*include[[:space:]]*[<"]sqlite3\.h|\bsqlite3_[a-z_]+|\bsqlite3[[:space:]]*\*'
curses_pat='#[[:space:]]*include[[:space:]]*[<"](n?curses(w)?(/[a-z]+)?\.h|ncursesw/|term\.h)|\b(initscr|endwin|wrefresh|newwin|mvwaddstr|getch)[[:space:]]*\('
ucontext_pat='#[[:space:]]*include[[:space:]]*<ucontext\.h>|\b(getcontext|makecontext|swapcontext|setcontext)[[:space:]]*\('
sqlite_ok='^src/store[^/]*\.c$|^src/store-int\.h$'
curses_ok='^src/tui\.c$'
ucontext_ok='^src/coro\.c$'
kernel_pat="$sqlite_pat|$curses_pat"
kernel_ok='^src/[^k]|^src/k[^e]|^src/kernel[^/]'   # everything outside src/kernel/

# seal-0: the checker finds a planted break of each seal (and not a comment or a string)
fake="$work/fake"
mkdir -p "$fake/src/kernel"
printf '#include <sqlite3.h>\n' > "$fake/src/report.c"
printf 'static void f(void) { initscr(); }\n' > "$fake/src/view.c"
printf '#include <ucontext.h>\n' > "$fake/src/sched.c"
printf '#include <curses.h>\n' > "$fake/src/kernel/fault.c"
printf '/* sqlite3_open, initscr(), <ucontext.h> */\nconst char *m = "use sqlite3_open and initscr()";\n' > "$fake/src/cli_common.c"
is seal-0.1 "the checker finds sqlite3 planted outside the store" "$(breaks "$fake" "$sqlite_pat" "$sqlite_ok" | tr '\n' ' ')" "src/report.c "
is seal-0.2 "... curses outside tui.c" "$(breaks "$fake" "$curses_pat" "$curses_ok" | tr '\n' ' ')" "src/kernel/fault.c src/view.c "
is seal-0.3 "... ucontext outside coro.c" "$(breaks "$fake" "$ucontext_pat" "$ucontext_ok" | tr '\n' ' ')" "src/sched.c "
is seal-0.4 "... and either in the kernel" "$(breaks "$fake" "$kernel_pat" "$kernel_ok" | tr '\n' ' ')" "src/kernel/fault.c "

# the real tree
is seal-1 "sqlite3 only in src/store*.c and src/store-int.h" "$(breaks "$XS_SRCDIR" "$sqlite_pat" "$sqlite_ok" | tr '\n' ' ')" ""
is seal-2 "curses only in src/tui.c" "$(breaks "$XS_SRCDIR" "$curses_pat" "$curses_ok" | tr '\n' ' ')" ""
is seal-3 "ucontext only in src/coro.c" "$(breaks "$XS_SRCDIR" "$ucontext_pat" "$ucontext_ok" | tr '\n' ' ')" ""
is seal-4 "src/kernel/ includes neither sqlite3 nor curses" "$(breaks "$XS_SRCDIR" "$kernel_pat" "$kernel_ok" | tr '\n' ' ')" ""
n=$(find "$XS_SRCDIR/src" -name '*.[ch]' | wc -l)
[ "$n" -ge 50 ]
ok $? seal-5 "... over the whole source tree ($n files)"
done_testing
