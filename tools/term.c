/* term.c - terminal capabilities and fitting text to the terminal (see
 * term.h). Columns are counted per byte outside escape sequences, and per
 * UTF-8 sequence, so names and paths with accents do not cut early. */
#include "term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

bool cb_term_escapes(int fd)
{
	const char *term = getenv("TERM");
	return isatty(fd) && term && term[0] && strcmp(term, "dumb") != 0;
}

bool cb_term_color(int fd)
{
	const char *no = getenv("NO_COLOR");
	return cb_term_escapes(fd) && !(no && no[0]);
}

static unsigned env_number(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long n = v ? strtol(v, &end, 10) : 0;
	return n > 0 && n < 100000 && *end == '\0' ? (unsigned)n : 0;
}

void cb_term_size(int fd, unsigned *cols, unsigned *rows)
{
	struct winsize ws;
	*cols = env_number("COLUMNS");
	*rows = env_number("LINES");
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/* Length of the escape sequence at s ("\033[...X"), 0 if none. */
static size_t escape_len(const char *s)
{
	if (s[0] != '\033' || s[1] != '[')
		return 0;
	size_t i = 2;
	while (s[i] && (s[i] < 0x40 || s[i] > 0x7e))
		i++;
	return s[i] ? i + 1 : i;
}

/* One line (without its newline) cut to cols visible columns. */
static void fit_line(struct cb_buf *out, const char *s, size_t len, unsigned cols, bool erase)
{
	unsigned used = 0;
	bool painted = false, cut = false;
	for (size_t i = 0; i < len;) {
		size_t e = escape_len(s + i);
		if (e) {
			cb_buf_add(out, s + i, e);
			painted = strncmp(s + i, "\033[0m", e) != 0;
			i += e;
			continue;
		}
		size_t ch = 1;
		while (i + ch < len && ((unsigned char)s[i + ch] & 0xc0) == 0x80)
			ch++;
		if (cols && used == cols) {
			cut = true;
			break;
		}
		cb_buf_add(out, s + i, ch);
		used++;
		i += ch;
	}
	if (cut && painted)
		cb_buf_puts(out, "\033[0m");
	cb_buf_puts(out, erase ? "\033[K\n" : "\n");
}

void cb_term_fit(struct cb_buf *out, const char *text, unsigned cols, unsigned rows, bool erase)
{
	size_t total = 0;
	for (const char *p = text; *p; p++)
		total += *p == '\n';
	if (*text && text[strlen(text) - 1] != '\n')
		total++;
	size_t shown = 0;
	for (const char *p = text; *p && (!rows || shown < rows); shown++) {
		if (rows && shown + 1 == rows && total > rows) {
			char more[64];
			snprintf(more, sizeof(more), "... %zu more lines (enlarge the window)",
			         total - shown);
			fit_line(out, more, strlen(more), cols, erase);
			break;
		}
		size_t len = strcspn(p, "\n");
		fit_line(out, p, len, cols, erase);
		p += len + (p[len] == '\n');
	}
}
