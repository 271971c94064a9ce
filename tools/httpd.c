/* httpd.c - see httpd.h. One client at a time, each bounded: the request
 * (at most REQUEST_MAX bytes, headers included) must arrive within
 * REQUEST_MS, the reply is sent with a send timeout, then the connection
 * is closed. A client that connects and says nothing holds the next one
 * back REQUEST_MS at most; a scraper waits that long anyway. Only GET and
 * HEAD of the one path: the server can show the breakers, never change
 * them. */
#include "httpd.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/base.h"

#define REQUEST_MAX 8192
#define REQUEST_MS  2000
#define SEND_MS     5000

/* A listening socket for `where`, or -1 after printing why not. */
static int open_listener(const char *where)
{
	char host[256] = "127.0.0.1", port[16];
	const char *colon = strrchr(where, ':');
	if (!colon) {
		snprintf(port, sizeof(port), "%s", where);
	} else {
		const char *h = where, *end = colon;
		if (*h == '[' && end > h && end[-1] == ']') {
			h++;
			end--;
		}
		if ((size_t)(end - h) >= sizeof(host) || end == h) {
			fprintf(stderr, "cbreaker metrics: bad address \"%s\"\n", where);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(end - h), h);
		snprintf(port, sizeof(port), "%s", colon + 1);
	}
	char *bad;
	long p = strtol(port, &bad, 10);
	if (!port[0] || *bad || p < 0 || p > 65535) {
		fprintf(stderr, "cbreaker metrics: bad port in \"%s\"\n", where);
		return -1;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		fprintf(stderr, "cbreaker metrics: %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
		fprintf(stderr, "cbreaker metrics: cannot listen on %s: %s\n", where,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Says where it listens: the port the kernel picked, for port 0. */
static void announce(int fd, const char *path)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], port[NI_MAXSERV];
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port, sizeof(port),
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	bool v6 = ss.ss_family == AF_INET6;
	fprintf(stderr, "cbreaker metrics: serving http://%s%s%s:%s%s\n", v6 ? "[" : "", host,
	        v6 ? "]" : "", port, path);
}

/* Reads the request head (up to the blank line) within the deadline; its
 * length, or -1 when too slow, too large or cut. */
static ssize_t read_request(int fd, char *buf, size_t len)
{
	size_t got = 0;
	int64_t deadline = cb_now_ms() + REQUEST_MS;
	while (got + 1 < len) {
		int64_t left = deadline - cb_now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (ssize_t)got;
	}
	return -1;
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

static void reply(int fd, const char *status, const char *type, const char *body, bool head)
{
	char hdr[256];
	size_t len = body ? strlen(body) : 0;
	int n = snprintf(hdr, sizeof(hdr),
	                 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n",
	                 status, type, len);
	send_all(fd, hdr, (size_t)n);
	if (!head && len)
		send_all(fd, body, len);
}

static void serve_one(int fd, const char *path, cb_httpd_page page, void *ctx)
{
	static char req[REQUEST_MAX];
	struct timeval tv = {.tv_sec = SEND_MS / 1000, .tv_usec = 0};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (read_request(fd, req, sizeof(req)) < 0) {
		reply(fd, "400 Bad Request", "text/plain", "bad, slow or too large request\n",
		      false);
		return;
	}
	char method[8], target[256];
	if (sscanf(req, "%7s %255s HTTP/1.%*c", method, target) != 2) {
		reply(fd, "400 Bad Request", "text/plain", "bad request line\n", false);
		return;
	}
	bool head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		reply(fd, "405 Method Not Allowed", "text/plain", "only GET and HEAD\n", false);
		return;
	}
	size_t plen = strcspn(target, "?");
	if (plen != strlen(path) || strncmp(target, path, plen) != 0) {
		char body[320];
		snprintf(body, sizeof(body), "not found; the metrics are at %s\n", path);
		reply(fd, "404 Not Found", "text/plain", body, head);
		return;
	}
	struct cb_buf out = {0};
	int rc = page(ctx, &out);
	if (rc || out.failed)
		reply(fd, "503 Service Unavailable", "text/plain",
		      out.data && !out.failed ? out.data : "cannot read the breakers\n", head);
	else
		reply(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", out.data, head);
	cb_buf_free(&out);
}

int cb_httpd_serve(const char *where, const char *path, cb_httpd_page page, void *ctx,
                   volatile sig_atomic_t *stop)
{
	int lfd = open_listener(where);
	if (lfd < 0)
		return 1;
	announce(lfd, path);
	while (!*stop) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		if (poll(&p, 1, 500) <= 0)
			continue;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve_one(fd, path, page, ctx);
		close(fd);
	}
	close(lfd);
	return 0;
}
