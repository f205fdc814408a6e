/*
 * view-int.h - the play screen's files share this (view.c draws the
 * screen, view_code.c a CPU's code pane); nothing else includes it.
 */
#ifndef XS_VIEW_INT_H
#define XS_VIEW_INT_H

#include "view.h"

/*
 * The code pane of CPU k in columns [x, x + w - 1), rows [y, y1): the
 * header naming the kernel file and function, then the listing of that
 * function around the statement the CPU runs next, shown whole (wrapped
 * when wide); in user mode, the process's operation and its MMU's access.
 */
void view_code_draw(const struct ksnap_cpu *k, int x, int w, int y, int y1, struct grid *g);

/* "__do_fault():  set_pte_at(mm, address, page_table, entry);": the function and the statement the CPU runs next, as the kernel reads (user mode: the process's operation). */
void view_code_statement(const struct ksnap_cpu *k, char *buf, size_t len);

#endif
