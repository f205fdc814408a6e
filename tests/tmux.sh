# tmux.sh - driving a full-screen xipsandbox in a tmux pane, for the
# screen tests (tui.sh, demo.sh, challenge.sh, view.sh): one tmux server
# per script on a socket in its own directory, the screen read with
# capture-pane, and every key paced by what the screen does, never by a
# fixed sleep (a slow CI machine then waits longer instead of failing, a
# fast one does not wait at all).
#
# Source it after lib.sh, then call tmux_init NAME.  It sets $work (a
# fresh directory, removed at exit with the server) and $sock.
# XS_TMUX_SQUEEZE=1 makes wait_for and shows match with runs of blanks
# squeezed to one (the demo's boxes pad words apart).

# tmux_init NAME: skip the whole script where tmux is missing
tmux_init() {
	if ! command -v tmux >/dev/null 2>&1; then
		echo "1..0 # SKIP tmux is not installed"
		exit 0
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/xs-$1.XXXXXX")
	sock="$work/tmux.sock"
	trap 'T kill-server 2>/dev/null; rm -rf "$work"' EXIT
}
T() { tmux -S "$sock" "$@"; }
screen() { T capture-pane -t xs -p 2>/dev/null; }
screen_matchable() {
	if [ "${XS_TMUX_SQUEEZE:-0}" = 1 ]; then screen | tr -s ' '; else screen; fi
}

# poll_until SECONDS COMMAND...: run COMMAND every 20 ms until it succeeds,
# for at most SECONDS of wall time (a capture can take 100 ms on a loaded
# machine: counting rounds would stretch the bound)
_ms() { date +%s%3N; }
poll_until() {
	_deadline=$(( $(_ms) + $1 * 1000 )); shift
	while :; do
		"$@" && return 0
		[ "$(_ms)" -lt "$_deadline" ] || return 1
		sleep 0.02
	done
}
_shows_text() { screen_matchable | grep -qF -- "$1"; }
_lacks_text() { ! screen_matchable | grep -qF -- "$1"; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT (20 s by default)
wait_for() { poll_until "${2:-20}" _shows_text "$1"; }
# wait_gone TEXT [SECONDS]: until the screen no longer shows TEXT
wait_gone() { poll_until "${2:-20}" _lacks_text "$1"; }

# settle [SCREEN]: until two captures 20 ms apart are the same, SCREEN
# being the last one taken (at most 2 s: a demo that runs on by itself may
# never hold still, and need not)
_same_twice() {
	sleep 0.02
	_now=$(screen)
	[ "$_now" = "$_last" ] && return 0
	_last=$_now; return 1
}
settle() { _last=${1-$(screen)}; poll_until 2 _same_twice; }

# keys KEY...: send the keys, wait until the screen has changed (at most
# 5 s; a key that changed nothing is said in a TAP comment), then until it
# holds still.  keys_same KEY...: for keys that must leave the screen as it
# is: send, then settle.
_changed() { _now=$(screen); [ "$_now" != "$_before" ]; }
keys() {
	_before=$(screen)
	T send-keys -t xs "$@"
	poll_until 5 _changed || echo "# keys $*: the screen did not change in 5 s"
	settle "$_now"
}
keys_same() { T send-keys -t xs "$@"; settle; }
# type_text TEXT: the characters of TEXT as keys (send-keys -l), then settle
type_text() {
	_before=$(screen)
	T send-keys -t xs -l "$1"
	poll_until 5 _changed
	settle "$_now"
}

# shows ID DESCRIPTION TEXT: a test that the screen comes to show TEXT
shows() {
	if wait_for "$3"; then ok 0 "$1" "$2"; else
		ok 1 "$1" "$2"; echo "# the screen did not show: $3"; screen | sed 's/^/#   /'; fi
}

# tmux_start W H COMMAND: COMMAND in a fresh WxH session named xs (the
# server before it gone first); COMMAND is a shell command line
_no_server() { ! T has-session -t xs 2>/dev/null; }
tmux_start() {
	T kill-server 2>/dev/null
	poll_until 5 _no_server
	T -f /dev/null new-session -d -s xs -x "$1" -y "$2" "$3"
}
# wait_file FILE [SECONDS]: until FILE exists (a program's exit status, say)
_exists() { [ -f "$1" ]; }
wait_file() { poll_until "${2:-5}" _exists "$1"; }
