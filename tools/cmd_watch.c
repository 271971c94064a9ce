/* cmd_watch.c - `cbreaker watch`: the status table, cleared and redrawn
 * every second until interrupted, from the live server or the state file
 * (whichever answers at each refresh). A reader that went away (a pipe)
 * ends it with status 0, as SIGPIPE would have, had it not been ignored. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One frame's table into out, and where it came from into src. */
static void frame(struct cb_client *c, bool color, struct cb_buf *out, char *src, size_t srclen)
{
	char err[512];
	switch (cb_client_request(c, color ? "table --color" : "table", out)) {
	case CB_CLIENT_OK:
		if (cb_client_reply_error(out->data, err, sizeof(err))) {
			out->len = 0;
			cb_buf_printf(out, "error: %s\n", err);
		}
		snprintf(src, srclen, "live, %s", c->socket);
		return;
	case CB_CLIENT_OFFLINE:
		break;
	case CB_CLIENT_FAILED:
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
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	const char *no = getenv("NO_COLOR");
	bool color = isatty(STDOUT_FILENO) && !(no && no[0]);
	while (!stop) {
		struct cb_buf out = {0};
		char src[PATH_MAX + 64] = "";
		frame(&c, color, &out, src, sizeof(src));
		time_t now = time(NULL);
		struct tm tm;
		char clock[16] = "";
		if (localtime_r(&now, &tm))
			strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
		/* Home and clear, then the whole frame in one write. */
		printf("\033[H\033[2Jcbreaker watch  %s  %s  (%s; Ctrl-C quits)\n\n%s", clock,
		       c.cfg_path, src, out.data ? out.data : "");
		bool gone = fflush(stdout) != 0 || ferror(stdout);
		cb_buf_free(&out);
		if (gone)
			break;
		struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
		nanosleep(&ts, NULL);
	}
	cb_client_close(&c);
	return 0;
}
