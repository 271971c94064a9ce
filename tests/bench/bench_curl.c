/* bench_curl.c - what the shim costs a libcurl program, measured in one run:
 * a curl_easy_perform rejected by an open breaker (no DNS, no socket), and a
 * small local HTTP transfer on a kept-alive connection through the shim
 * (breaker closed; no breaker) against the real curl_easy_perform on the
 * same handle, interleaved in rounds so that drift hits both alike.
 * Prints a table; asserts nothing about time.
 *
 * usage: bench_curl LIBCBREAKER.SO - re-executes itself with the library
 * preloaded and a configuration of its own. */
#define CURL_DISABLE_TYPECHECK 1

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REJECTS    200000
#define ROUNDS     60
#define PER_ROUND  100 /* transfers per round and variant */
#define CHILD_FLAG "CB_BENCH_CURL_CHILD"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_curl: %s\n", what);
	exit(1);
}

/* A loopback listener; returns its fd and port. */
static int listener(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		die("cannot listen on 127.0.0.1");
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Answers every request on every connection with a 2-byte 200, keeping
 * the connection open, one connection at a time. */
static void *serve(void *arg)
{
	int lfd = (int)(intptr_t)arg;
	static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		char buf[4096];
		size_t have = 0;
		ssize_t n;
		while ((n = read(c, buf + have, sizeof(buf) - 1 - have)) > 0) {
			have += (size_t)n;
			buf[have] = '\0';
			char *end;
			while ((end = strstr(buf, "\r\n\r\n"))) {
				if (write(c, reply, sizeof(reply) - 1) < 0)
					break;
				size_t used = (size_t)(end + 4 - buf);
				memmove(buf, end + 4, have - used);
				have -= used;
				buf[have] = '\0';
			}
			if (have == sizeof(buf) - 1)
				have = 0;
		}
		close(c);
	}
	return NULL;
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static CURL *handle(uint16_t port)
{
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)port);
	CURL *h = curl_easy_init();
	if (!h)
		die("curl_easy_init");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	return h;
}

typedef CURLcode (*perform_fn)(CURL *);

/* ns per transfer over `n` transfers; every one must succeed. */
static double transfers(perform_fn perform, CURL *h, int n)
{
	double t0 = now_ns();
	for (int i = 0; i < n; i++)
		if (perform(h) != CURLE_OK)
			die("a local transfer failed");
	return (now_ns() - t0) / n;
}

struct pair {
	double shim, real;
};

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), by_value);
	return v[n / 2];
}

/* Shim and real performs on the same handle in rounds, which goes first
 * alternating; the median round of each resists scheduler hiccups. */
static struct pair compare(perform_fn real, CURL *h)
{
	double shim[ROUNDS], direct[ROUNDS];
	transfers(curl_easy_perform, h, PER_ROUND); /* connect and warm up */
	for (int r = 0; r < ROUNDS; r++) {
		if (r % 2) {
			shim[r] = transfers(curl_easy_perform, h, PER_ROUND);
			direct[r] = transfers(real, h, PER_ROUND);
		} else {
			direct[r] = transfers(real, h, PER_ROUND);
			shim[r] = transfers(curl_easy_perform, h, PER_ROUND);
		}
	}
	struct pair p = {median(shim, ROUNDS), median(direct, ROUNDS)};
	return p;
}

/* Client and server threads on one CPU: each transfer then costs the same
 * two context switches, instead of landing bimodally (15 or 75 us here)
 * on whether the threads share a CPU, which hid the shim's sub-microsecond
 * cost in the noise. */
static void one_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int child(void)
{
	one_cpu();
	uint16_t ok_port, free_port, dead_port;
	int ok_fd = listener(&ok_port), free_fd = listener(&free_port);
	int dead_fd = listener(&dead_port);
	close(dead_fd); /* nothing listens there now: connects are refused */
	pthread_t t;
	pthread_create(&t, NULL, serve, (void *)(intptr_t)ok_fd);
	pthread_create(&t, NULL, serve, (void *)(intptr_t)free_fd);

	char cfg[] = "/tmp/bench_curl.XXXXXX";
	int fd = mkstemp(cfg);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		die("cannot write the configuration");
	fprintf(f,
	        "[global]\nstate_file = none\nsocket = off\nlog = off\n\n"
	        "[dead]\nhosts = 127.0.0.1:%u\nfailure_threshold = 1\nopen_timeout = 1h\n\n"
	        "[ok]\nhosts = 127.0.0.1:%u\n",
	        (unsigned)dead_port, (unsigned)ok_port);
	fclose(f);
	setenv("CBREAKER_CONFIG", cfg, 1);

	void *lib = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_NOLOAD);
	perform_fn real = NULL;
	void *sym = lib ? dlsym(lib, "curl_easy_perform") : NULL;
	memcpy(&real, &sym, sizeof(real));
	if (!real || real == curl_easy_perform)
		die("curl_easy_perform is not interposed (is the shim preloaded?)");

	/* One refused connect opens `dead`; then every perform is rejected. */
	CURL *dead = handle(dead_port);
	if (curl_easy_perform(dead) != CURLE_COULDNT_CONNECT)
		die("the dead port should refuse");
	double t0 = now_ns();
	for (int i = 0; i < REJECTS; i++)
		if (curl_easy_perform(dead) != CURLE_COULDNT_CONNECT)
			die("a transfer to the open breaker was not rejected");
	double rejected = (now_ns() - t0) / REJECTS;

	CURL *ok = handle(ok_port), *none = handle(free_port);
	struct pair guarded = compare(real, ok), unguarded = compare(real, none);
	unlink(cfg);

	printf("curl_easy_perform under libcbreaker.so (median of %d rounds x %d transfers, "
	       "interleaved)\n\n",
	       ROUNDS, PER_ROUND);
	printf("%-52s %12s\n", "case", "ns per call");
	printf("%-52s %12.0f\n", "rejected (breaker open; no DNS, no socket)", rejected);
	printf("%-52s %12.0f\n", "local transfer, breaker closed, through the shim", guarded.shim);
	printf("%-52s %12.0f\n", "  same handle, real curl_easy_perform", guarded.real);
	printf("%-52s %12.0f  (%+.1f%%)\n", "  shim overhead", guarded.shim - guarded.real,
	       100.0 * (guarded.shim - guarded.real) / guarded.real);
	printf("%-52s %12.0f\n", "local transfer, no breaker, through the shim", unguarded.shim);
	printf("%-52s %12.0f\n", "  same handle, real curl_easy_perform", unguarded.real);
	printf("%-52s %12.0f  (%+.1f%%)\n", "  shim overhead", unguarded.shim - unguarded.real,
	       100.0 * (unguarded.shim - unguarded.real) / unguarded.real);
	curl_easy_cleanup(dead);
	curl_easy_cleanup(ok);
	curl_easy_cleanup(none);
	return 0;
}

int main(int argc, char **argv)
{
	if (getenv(CHILD_FLAG))
		return child();
	if (argc != 2)
		die("usage: bench_curl LIBCBREAKER.SO");
	setenv(CHILD_FLAG, "1", 1);
	setenv("LD_PRELOAD", argv[1], 1);
	execv("/proc/self/exe", argv);
	die("cannot re-execute itself");
}
