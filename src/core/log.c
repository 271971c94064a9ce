/* log.c - cbreaker's own messages: where they go (stderr, syslog, a file,
 * nowhere), their level, and the wording of a state change. Messages are
 * rare (state changes, configuration trouble), so each one may format and
 * write; none is written per call below debug.
 *
 * Syslog lines are sent to /dev/log by hand rather than with syslog(3):
 * openlog() would change the program's own ident, and without it every
 * line carried the program's name ("curl: cbreaker: ..."), so
 * `journalctl -t cbreaker` found nothing. The program's name goes in the
 * message instead. Log files get a UTC timestamp; stderr does not (the
 * journal or the terminal has its own). */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_dest = CB_LOG_TO_STDERR;
static _Atomic int log_level = CB_LOG_INFO;
/* A path rather than a descriptor: daemons close every descriptor they did
 * not open, and a kept descriptor could then be reused for one of theirs. */
static char log_path[PATH_MAX];

void cb_log_configure(const struct cb_global_config *g)
{
	if (g->log_dest == CB_LOG_TO_FILE)
		snprintf(log_path, sizeof(log_path), "%s", g->log_path);
	atomic_store(&log_level, g->log_level);
	atomic_store(&log_dest, g->log_dest);
}

static int syslog_priority(enum cb_log_level level)
{
	switch (level) {
	case CB_LOG_ERROR:
		return LOG_ERR;
	case CB_LOG_WARN:
		return LOG_WARNING;
	case CB_LOG_INFO:
		return LOG_INFO;
	case CB_LOG_DEBUG:
		break;
	}
	return LOG_DEBUG;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* A program started with stderr closed gets descriptor 2 for its first
 * socket: a line written there would land inside its own TCP connection.
 * A Unix socket is fine (systemd gives services the journal that way). */
static bool stderr_is_usable(void)
{
	struct stat sb;
	if (fstat(STDERR_FILENO, &sb) != 0)
		return false;
	if (!S_ISSOCK(sb.st_mode))
		return true;
	int domain = 0;
	socklen_t len = sizeof(domain);
	return getsockopt(STDERR_FILENO, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	       domain == AF_UNIX;
}

/* "2026-12-01T21:40:00.123Z " */
static void format_stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* One datagram to the local syslog socket: "<pri>cbreaker[pid]: prog: msg".
 * No timestamp: the receiver stamps it (journald and rsyslog both do), and
 * localtime_r could take the time-zone lock from inside a signal handler.
 * Lost when nothing listens, as syslog(3) would lose it. */
static void send_syslog(enum cb_log_level level, const char *msg)
{
	char line[1200];
	int n = snprintf(line, sizeof(line), "<%d>cbreaker[%d]: %s: %s",
	                 LOG_USER | syslog_priority(level), (int)getpid(),
	                 program_invocation_short_name, msg);
	if (n <= 0)
		return;
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, MSG_NOSIGNAL,
	       (const struct sockaddr *)&sa, sizeof(sa));
	close(fd);
}

void cb_log(enum cb_log_level level, const char *fmt, ...)
{
	int dest = atomic_load_explicit(&log_dest, memory_order_relaxed);
	if (dest == CB_LOG_TO_OFF ||
	    (int)level > atomic_load_explicit(&log_level, memory_order_relaxed))
		return;
	CB_KEEP_ERRNO;
	char raw[1024], msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Messages quote the configuration and the state file: their bytes
	 * must not reach a terminal or a log reader raw. */
	cb_text_escape(msg, sizeof(msg), raw);

	if (dest == CB_LOG_TO_SYSLOG) {
		send_syslog(level, msg);
		return;
	}
	char stamp[64] = "";
	if (dest == CB_LOG_TO_FILE)
		format_stamp(stamp, sizeof(stamp));
	char line[1100];
	int n = snprintf(line, sizeof(line), "%scbreaker[%d]: %s\n", stamp, (int)getpid(), msg);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (dest == CB_LOG_TO_FILE) {
		int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
		if (fd >= 0) {
			write_all(fd, line, (size_t)n);
			close(fd);
		}
	} else if (stderr_is_usable()) {
		write_all(STDERR_FILENO, line, (size_t)n);
	}
}

void cb_log_format_error(char *buf, size_t len, uint32_t error)
{
	int value = CB_ERROR_VALUE(error);
	const char *name = NULL;
	switch (CB_ERROR_KIND(error)) {
	case CB_ERR_ERRNO:
		name = cb_errno_name(value);
		if (name)
			snprintf(buf, len, "%s", name);
		else
			snprintf(buf, len, "errno %d", value);
		return;
	case CB_ERR_CURL:
		name = cb_curlcode_name(value);
		if (name)
			snprintf(buf, len, "%s", name);
		else
			snprintf(buf, len, "CURLcode %d", value);
		return;
	case CB_ERR_HTTP:
		snprintf(buf, len, "HTTP %d", value);
		return;
	case CB_ERR_NONE:
		break;
	}
	snprintf(buf, len, "%s", "");
}

/* "30s", "250ms", "1.5s", "2m30s": how long, for people. */
static void format_duration(char *buf, size_t len, uint64_t ms)
{
	if (ms < 1000)
		snprintf(buf, len, "%llums", (unsigned long long)ms);
	else if (ms < 10000 && ms % 1000 != 0)
		snprintf(buf, len, "%.1fs", (double)ms / 1000.0);
	else if (ms < 120000)
		snprintf(buf, len, "%llus", (unsigned long long)((ms + 500) / 1000));
	else
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(ms / 60000),
		         (unsigned long long)(ms % 60000 / 1000));
}

/* "; last ECONNREFUSED 10.0.0.7:443", or "" when nothing is known. */
static void format_last(char *buf, size_t len, const struct cb_transition *tr)
{
	char err[64];
	cb_log_format_error(err, sizeof(err), tr->last_error);
	if (!err[0]) {
		buf[0] = '\0';
		return;
	}
	if (tr->last_address[0])
		snprintf(buf, len, "; last %s %s", err, tr->last_address);
	else
		snprintf(buf, len, "; last %s", err);
}

void cb_log_format_transition(char *buf, size_t len, const char *breaker,
                              const struct cb_transition *tr)
{
	char why[200], last[160], retry[48] = "";
	format_last(last, sizeof(last), tr);
	switch (tr->cause) {
	case CB_CAUSE_CONSECUTIVE_FAILURES:
		snprintf(why, sizeof(why), "%u consecutive failures%s", tr->count, last);
		break;
	case CB_CAUSE_FAILURE_RATE:
		snprintf(why, sizeof(why), "failure rate %u%% over %u calls%s", tr->rate, tr->count,
		         last);
		break;
	case CB_CAUSE_SLOW_RATE:
		snprintf(why, sizeof(why), "slow-call rate %u%% over %u calls", tr->rate,
		         tr->count);
		break;
	case CB_CAUSE_OPEN_TIMEOUT_ELAPSED:
		snprintf(why, sizeof(why), "open time elapsed; letting probes through");
		break;
	case CB_CAUSE_PROBE_FAILED:
		snprintf(why, sizeof(why), "probe failed%s", last);
		break;
	case CB_CAUSE_PROBES_SUCCEEDED:
		snprintf(why, sizeof(why), "%u %s succeeded", tr->count,
		         tr->count == 1 ? "probe" : "probes");
		break;
	case CB_CAUSE_OPERATOR:
		snprintf(why, sizeof(why), "operator, uid %u", tr->uid);
		break;
	case CB_CAUSE_FLEET:
		snprintf(why, sizeof(why), "other hosts of the fleet report it open");
		break;
	case CB_CAUSE_NONE:
		snprintf(why, sizeof(why), "unknown cause");
		break;
	}
	if (tr->to == CB_OPEN) {
		char d[32];
		format_duration(d, sizeof(d), tr->retry_in_ms);
		snprintf(retry, sizeof(retry), "; retry in %s", d);
	}
	snprintf(buf, len, "%s: %s -> %s (%s)%s", breaker, cb_state_name(tr->from),
	         cb_state_name(tr->to), why, retry);
}

void cb_log_transition(const char *breaker, const struct cb_transition *tr)
{
	char line[512];
	cb_log_format_transition(line, sizeof(line), breaker, tr);
	cb_log(tr->to == CB_OPEN || tr->to == CB_FORCED_OPEN ? CB_LOG_WARN : CB_LOG_INFO, "%s",
	       line);
}
