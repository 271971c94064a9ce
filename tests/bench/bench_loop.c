/* bench_loop.c - the work that tests/bench/budget.py measures, N times, with
 * or without the shim preloaded (the driver decides): each mode is one loop
 * of the calls a budget row is about, so that running it for two values of
 * N and subtracting cancels start-up (README "Performance").
 *
 *   bench_loop connect HOST PORT N          blocking connects, kernel-refused or rejected
 *   bench_loop nonblock HOST PORT N         non-blocking connect, poll, SO_ERROR
 *   bench_loop accept N                     connect + accept + close to a listener of our own
 *   bench_loop curl URL N                   curl_easy_perform on one handle (keep-alive)
 *   bench_loop curlnew URL N                the same, a new connection each time
 *   bench_loop threads HOST PORT N T        T threads, N rejected connects each: prints calls/s per
 * thread bench_loop rss HOST PORT                one connect, then prints VmRSS in kB
 *
 * Prints nothing else on success (except threads and rss); exits 1 when a
 * call does not behave as the row assumes. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "bench_loop: %s (errno %d)\n", what, errno);
	exit(1);
}

static struct sockaddr_in address(const char *host, int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		die("bad address");
	return a;
}

static void connects(const struct sockaddr_in *a, long n)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket");
	for (long i = 0; i < n; i++)
		if (connect(s, (const struct sockaddr *)a, sizeof(*a)) == 0)
			die("a connect succeeded");
	close(s);
}

static void nonblocking(const struct sockaddr_in *a, long n)
{
	for (long i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s < 0)
			die("socket");
		if (connect(s, (const struct sockaddr *)a, sizeof(*a)) != 0 &&
		    errno == EINPROGRESS) {
			struct pollfd p = {.fd = s, .events = POLLOUT};
			if (poll(&p, 1, 1000) != 1)
				die("poll");
			int err = 0;
			socklen_t len = sizeof(err);
			getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err == 0)
				die("a connect succeeded");
		}
		close(s);
	}
}

static void accepts(long n)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = address("127.0.0.1", 0);
	socklen_t len = sizeof(a);
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 64) != 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) != 0)
		die("listener");
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) != 0)
			die("connect to our listener");
		int s = accept(l, NULL, NULL);
		if (s < 0)
			die("accept");
		close(c);
		close(s);
	}
	close(l);
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static void transfers(const char *url, long n, int fresh)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *h = curl_easy_init();
	if (!h)
		die("curl_easy_init");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	if (fresh)
		curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	for (long i = 0; i < n; i++)
		if (curl_easy_perform(h) != CURLE_OK)
			die("a transfer failed");
	curl_easy_cleanup(h);
}

struct worker {
	struct sockaddr_in a;
	long n;
	double per_s;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	double t0 = now_s();
	connects(&w->a, w->n);
	w->per_s = (double)w->n / (now_s() - t0);
	return NULL;
}

/* Each thread's own destination port follows the first: with one breaker
 * per port the threads share nothing, with one breaker over all they share
 * its slot. */
static void threads(const char *host, int port, long n, int t)
{
	pthread_t id[16];
	struct worker w[16];
	if (t < 1 || t > 16)
		die("1 to 16 threads");
	for (int i = 0; i < t; i++) {
		w[i].a = address(host, port + i);
		w[i].n = n;
		if (pthread_create(&id[i], NULL, work, &w[i]) != 0)
			die("pthread_create");
	}
	double sum = 0;
	for (int i = 0; i < t; i++) {
		pthread_join(id[i], NULL);
		sum += w[i].per_s;
	}
	printf("%.0f\n", sum / t);
}

static void rss(const struct sockaddr_in *a)
{
	connects(a, 1);
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			printf("%ld\n", strtol(line + 6, NULL, 10));
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "connect") == 0 && argc == 5) {
		struct sockaddr_in a = address(argv[2], atoi(argv[3]));
		connects(&a, atol(argv[4]));
	} else if (strcmp(mode, "nonblock") == 0 && argc == 5) {
		struct sockaddr_in a = address(argv[2], atoi(argv[3]));
		nonblocking(&a, atol(argv[4]));
	} else if (strcmp(mode, "accept") == 0 && argc == 3) {
		accepts(atol(argv[2]));
	} else if ((strcmp(mode, "curl") == 0 || strcmp(mode, "curlnew") == 0) && argc == 4) {
		transfers(argv[2], atol(argv[3]), strcmp(mode, "curlnew") == 0);
	} else if (strcmp(mode, "threads") == 0 && argc == 6) {
		threads(argv[2], atoi(argv[3]), atol(argv[4]), atoi(argv[5]));
	} else if (strcmp(mode, "rss") == 0 && argc == 4) {
		struct sockaddr_in a = address(argv[2], atoi(argv[3]));
		rss(&a);
	} else {
		fprintf(stderr, "usage: see the top of tests/bench/bench_loop.c\n");
		return 2;
	}
	return 0;
}
