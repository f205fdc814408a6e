/*
 * tui.h - run the play screen on the terminal until the user quits.
 */
#ifndef XS_TUI_H
#define XS_TUI_H

#include "app.h"

/* Returns -1 with *cause when there is no usable terminal. */
int tui_run(struct app *a, char **cause);

/* The signal (SIGINT, SIGTERM, SIGHUP) that ended the last tui_run, or 0. */
int tui_signal(void);

#endif
