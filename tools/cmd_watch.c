/* cmd_watch.c - `cbreaker watch`: the status table, redrawn every second
 * (and at once when the terminal is resized) until interrupted, from the
 * live server or the state file (whichever answers at each refresh);
 * with state_file = none, every live process's table under its pid.
 *
 * On a terminal each frame is drawn over the last from the top left, each
 * line erased to its end and the rest of the screen after it, in one
 * write: clearing the screen first would flicker. Lines are cut to the
 * terminal's width and the frame to its height, so nothing wraps and
 * scrolls the top away. On a pipe or with TERM=dumb, frames follow each
 * other with no escape codes at all. A reader that went away (a pipe)
 * ends it with status 0, as SIGPIPE would have, had it not been ignored. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "term.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	if (sig != SIGWINCH)
		stop = 1;
}

/* One table from the server into out (its error reply as a line of the
 * frame): 0; -1 when nobody serves the socket; 1 when it failed. */
static int ask_table(struct cb_client *c, bool color, struct cb_buf *out)
{
	char err[512];
	switch (cb_client_request(c, color ? "table --color" : "table", out)) {
	case CB_CLIENT_OK:
		if (cb_client_reply_error(out->data, err, sizeof(err))) {
			out->len = 0;
			cb_buf_printf(out, "error: %s\n", err);
		}
		return 0;
	case CB_CLIENT_OFFLINE:
		return -1;
	case CB_CLIENT_FAILED:
		break;
	}
	return 1;
}

struct each_frame {
	bool color;
	struct cb_buf *out;
	int shown;
};

/* One process's part of a frame, under its heading as `status` has it. */
static int frame_of_one(struct cb_client *c, int pid, void *ctx)
{
	struct each_frame *e = ctx;
	struct cb_buf table = {0};
	int rc = ask_table(c, e->color, &table);
	if (rc == 0)
		cb_buf_printf(e->out, "%s== pid %d (%s)\n%s", e->shown++ ? "\n" : "", pid,
		              c->socket, table.data ? table.data : "");
	else if (rc > 0)
		cb_buf_printf(e->out, "%s== pid %d (%s): no answer\n", e->shown++ ? "\n" : "", pid,
		              c->socket);
	cb_buf_free(&table);
	return rc;
}

/* state_file = none: every live process's table. */
static void frame_each(struct cb_client *c, bool color, struct cb_buf *out, char *src,
                       size_t srclen)
{
	struct each_frame e = {color, out, 0};
	cb_client_each_process(c, frame_of_one, &e, out);
	snprintf(src, srclen, "live, %d process%s of %s", e.shown, e.shown == 1 ? "" : "es",
	         c->socket_glob);
}

/* One frame's table into out, and where it came from into src. */
static void frame(struct cb_client *c, bool color, struct cb_buf *out, char *src, size_t srclen)
{
	if (c->socket_glob[0]) {
		frame_each(c, color, out, src, srclen);
		return;
	}
	switch (ask_table(c, color, out)) {
	case 0:
		snprintf(src, srclen, "live, %s", c->socket);
		return;
	case 1:
		snprintf(src, srclen, "no answer from %s", c->socket);
		return;
	}
	struct cb_client_view v;
	if (cb_client_view_open(c, &v) == 0) {
		cb_render_status_table(out, &v.page, NULL, color);
		snprintf(src, srclen, "no process serving; %s %s",
		         v.st ? "read from" : "no state yet at", c->state);
		cb_client_view_close(&v);
		return;
	}
	snprintf(src, srclen, "no process serving; cannot read %s", c->state);
}

int cb_cmd_watch(int argc, char **argv)
{
	struct cb_client c;
	int rc = cb_client_open_bare(&c, argc, argv);
	if (rc)
		return rc;
	c.quiet = true; /* the frame's header says it; stderr would spoil the screen */
	/* No SA_RESTART: a resize or Ctrl-C cuts the second's wait short. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	bool escapes = cb_term_escapes(STDOUT_FILENO);
	bool color = cb_term_color(STDOUT_FILENO);
	while (!stop) {
		struct cb_buf table = {0}, text = {0}, screen = {0};
		char src[PATH_MAX + 64] = "";
		frame(&c, color, &table, src, sizeof(src));
		time_t now = time(NULL);
		struct tm tm;
		char clock[16] = "";
		if (localtime_r(&now, &tm))
			strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
		cb_buf_printf(&text, "cbreaker watch  %s  %s  (%s; Ctrl-C quits)\n\n%s", clock,
		              c.cfg_path, src, table.data ? table.data : "");
		unsigned cols, rows;
		cb_term_size(STDOUT_FILENO, &cols, &rows);
		if (escapes)
			cb_buf_puts(&screen, "\033[H");
		cb_term_fit(&screen, text.data ? text.data : "", cols, escapes ? rows : 0, escapes);
		/* The frame's last line ends in a newline: the cursor sits below
		 * it, and a frame as high as the screen would scroll by one. */
		if (escapes && screen.len && rows)
			screen.data[--screen.len] = '\0';
		cb_buf_puts(&screen, escapes ? "\033[J" : "\n");
		bool gone = screen.failed || fputs(screen.data, stdout) < 0 ||
		            fflush(stdout) != 0 || ferror(stdout);
		cb_buf_free(&table);
		cb_buf_free(&text);
		cb_buf_free(&screen);
		if (gone)
			break;
		struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
		nanosleep(&ts, NULL);
	}
	if (escapes)
		fputs("\n", stdout);
	cb_client_close(&c);
	return 0;
}
