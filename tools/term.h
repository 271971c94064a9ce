/* term.h - what the tool may send to its standard output: colours and
 * cursor movement only on a terminal that understands them (not a pipe,
 * not TERM=dumb, colours never with NO_COLOR), and the terminal's size so
 * that `watch` draws inside it. */
#ifndef CB_TOOL_TERM_H
#define CB_TOOL_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "control/control.h"

/* fd is a terminal that takes escape codes: TERM set and not "dumb". */
bool cb_term_escapes(int fd);

/* Escape codes, and NO_COLOR unset or empty (https://no-color.org). */
bool cb_term_color(int fd);

/* The terminal's size (TIOCGWINSZ), else $COLUMNS / $LINES; 0 when
 * unknown (not a terminal and no variable). */
void cb_term_size(int fd, unsigned *cols, unsigned *rows);

/* Appends `text` to out with each line cut to `cols` visible columns (0:
 * no limit) and at most `rows` lines (0: no limit; the last one then says
 * how many were left out). ANSI colour sequences take no column; a cut
 * line that was coloured ends with a reset. With `erase`, every line ends
 * with "erase to end of line", so a redraw over an older frame leaves
 * nothing of it. */
void cb_term_fit(struct cb_buf *out, const char *text, unsigned cols, unsigned rows, bool erase);

#endif
