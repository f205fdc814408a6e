/*
 * tui.c - the terminal: the only file that includes curses.  It turns keys
 * into app_events, hands them to app.c, and paints the grid app.c draws:
 * one painter, colours looked up by role with a monochrome fallback (and
 * NO_COLOR honoured).  fatal() puts the terminal back first.
 */
#include "config.h"

#include <signal.h>
#include <time.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef HAVE_NCURSESW
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#else
#include <curses.h>
#include <term.h>
#endif

#include "tui.h"

static int tui_active;

static void tui_restore(void)
{
	if (tui_active) {
		endwin();
		tui_active = 0;
	}
}

static volatile sig_atomic_t tui_signalled;

static void on_signal(int sig)
{
	tui_signalled = sig;
}

/* Colour roles: foreground, background, and the attribute when colour is off. */
static const struct { short fg, bg; attr_t mono; } role_style[ROLE_COUNT] = {
	[ROLE_NORMAL] = { -1, -1, A_NORMAL },
	[ROLE_TITLE] = { COLOR_BLACK, COLOR_CYAN, A_REVERSE },
	[ROLE_DIM] = { COLOR_BLUE, -1, A_DIM },
	[ROLE_HEADING] = { COLOR_CYAN, -1, A_BOLD },
	[ROLE_CURRENT] = { COLOR_BLACK, COLOR_YELLOW, A_REVERSE },
	[ROLE_LAST] = { COLOR_GREEN, -1, A_BOLD },
	[ROLE_WAIT] = { COLOR_YELLOW, -1, A_BOLD },
	[ROLE_CHANGED] = { COLOR_BLACK, COLOR_GREEN, A_STANDOUT },
	[ROLE_BAD] = { COLOR_WHITE, COLOR_RED, A_REVERSE | A_BOLD },
	[ROLE_GOOD] = { COLOR_BLACK, COLOR_GREEN, A_BOLD },
	[ROLE_KEY] = { COLOR_YELLOW, -1, A_BOLD },
};

static int use_color;
static SCREEN *tui_screen;
static int projector;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void paint(const struct grid *g)
{
	for (int y = 0; y < g->h && y < LINES; y++) {
		move(y, 0);
		for (int x = 0; x < g->w && x < COLS; x++) {
			const struct grid_cell *c = &g->cells[y * g->w + x];
			attr_t a = use_color ? COLOR_PAIR(c->role + 1) : role_style[c->role].mono;
			if ((use_color && c->role == ROLE_HEADING) || projector)
				a |= A_BOLD; /* projectors wash thin strokes out */
			addch((chtype)(unsigned char)c->ch | a);
		}
	}
	refresh();
}

static int read_event(struct app_event *ev)
{
	int k = getch();

	ev->ch = 0;
	switch (k) {
	case ERR: return 0;
	case KEY_RESIZE: ev->key = APP_RESIZE; return 1;
	case KEY_RIGHT: ev->key = APP_RIGHT; return 1;
	case KEY_LEFT: ev->key = APP_LEFT; return 1;
	case KEY_UP: ev->key = APP_UP; return 1;
	case KEY_DOWN: ev->key = APP_DOWN; return 1;
	case KEY_HOME: ev->key = APP_HOME; return 1;
	case KEY_END: ev->key = APP_END; return 1;
	case KEY_ENTER: case '\n': case '\r': ev->key = APP_ENTER; return 1;
	case KEY_BACKSPACE: case 127: case 8: ev->key = APP_BACKSPACE; return 1;
	case 27: ev->key = APP_ESCAPE; return 1;
	default:
		if (k >= 0x20 && k < 0x7f) {
			ev->key = APP_CHAR;
			ev->ch = k;
			return 1;
		}
		return 0;
	}
}

int tui_signal(void)
{
	return (int)tui_signalled;
}

int tui_run(struct app *a, char **cause)
{
	struct grid *g;
	struct sigaction sa;

	tui_signalled = 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return util_errf(cause, "play needs a terminal; for a text trace use 'xipsandbox replay' (or 'run')");
	if (!getenv("TERM") || !*getenv("TERM"))
		return util_errf(cause, "TERM is not set: play cannot draw; set TERM (e.g. TERM=xterm-256color) or use 'xipsandbox replay'");
	/* newterm leaks its screen when the terminal is unknown (LeakSanitizer,
	 * B52): ask terminfo first, and free what it gives back */
	{
		int err = 0;
		if (setupterm(getenv("TERM"), STDOUT_FILENO, &err) != OK)
			return util_errf(cause, "the terminal '%s' is unknown to curses; set TERM to one it knows, or use "
					 "'xipsandbox replay'", getenv("TERM"));
		del_curterm(cur_term);
		cur_term = NULL;
	}
	if (!(tui_screen = newterm(NULL, stdout, stdin)))
		return util_errf(cause, "the terminal '%s' is unknown to curses; set TERM to one it knows, or use 'xipsandbox replay'",
				 getenv("TERM"));
	/* a terminal that cannot move the cursor (TERM=dumb) would show a blank screen */
	{
		const char *cup = tigetstr("cup");
		if (!cup || cup == (const char *)-1) {
			endwin();
			delscreen(tui_screen);
			tui_screen = NULL;
			return util_errf(cause, "the terminal '%s' cannot move the cursor, so play cannot draw on it; "
					 "set TERM to your terminal's (e.g. TERM=xterm-256color), or use 'xipsandbox replay'",
					 getenv("TERM"));
		}
	}
	tui_active = 1;
	util_set_fatal_hook(tui_restore);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	timeout(200); /* wake up to notice signals */
	use_color = has_colors() && !getenv("NO_COLOR");
	projector = a->projector;
	if (use_color) {
		start_color();
		use_default_colors();
		for (int r = 0; r < ROLE_COUNT; r++) {
			short fg = role_style[r].fg, bg = role_style[r].bg;
			if (projector && bg < 0) {
				/* high contrast: light text on black everywhere */
				bg = COLOR_BLACK;
				if (fg < 0 || fg == COLOR_BLUE)
					fg = COLOR_WHITE;
			}
			init_pair((short)(r + 1), fg, bg);
		}
		if (projector)
			bkgd(COLOR_PAIR(ROLE_NORMAL + 1));
	}
	g = grid_new(COLS, LINES);
	app_render(a, g);
	paint(g);
	{
	long last_tick = now_ms();
	while (!tui_signalled) {
		struct app_event ev;
		enum app_result r;

		timeout(a->autoplay ? 40 : 200);
		if (!read_event(&ev)) {
			if (a->autoplay && now_ms() - last_tick >= a->pace_ms) {
				last_tick = now_ms();
				if (app_tick(a) == APP_REDRAW) {
					app_render(a, g);
					paint(g);
				}
			}
			continue;
		}
		last_tick = now_ms();
		if (ev.key == APP_RESIZE && (g->w != COLS || g->h != LINES)) {
			grid_free(g);
			g = grid_new(COLS, LINES);
			clear();
		}
		r = app_handle(a, ev);
		if (r == APP_QUIT)
			break;
		if (r == APP_REDRAW) {
			app_render(a, g);
			paint(g);
		}
	}
	}
	grid_free(g);
	tui_restore();
	util_set_fatal_hook(NULL);
	return 0;
}
