/* bench_connect.c - what the shim costs connect(), measured in one run:
 *   (a) no shim: a blocking loopback connect the kernel refuses;
 *   (b) shim loaded, destination matching no breaker, refused by the kernel:
 *       a near miss (127.0.0.2, in the /16 of the breaker's 127.0.0.1, which
 *       defeats the matcher's first filter) and a far miss (127.1.0.1, in
 *       another /16, like most unrelated traffic);
 *   (c) shim loaded, destination whose breaker is open: rejected without
 *       connecting (the socket was made by socket(), so its type is known
 *       without a system call);
 *   (d) non-blocking sockets, socket() + connect() + close() each: the
 *       kernel's refusal of a closed port without the shim, and the shim's
 *       rejection made to look like it (EINPROGRESS, shut down, recorded).
 * (a) runs in this process; (b) and (c) in a copy of it re-executed with the
 * library preloaded and a configuration of its own. Then the user-space
 * instructions (b) adds to (a), counted by callgrind (deterministic) as the
 * difference between two runs that differ only in going through the shim.
 * Prints a table; asserts nothing about time.
 *
 * usage: bench_connect LIBCBREAKER.SO */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS     15
#define PER_ROUND  4000
#define COUNT_RUNS 20000 /* connects per callgrind run */
#define CHILD_FLAG "CB_BENCH_CONNECT_CHILD"

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_connect: %s\n", what);
	exit(1);
}

/* 127.0.0.1 + host: the breaker covers 127.0.0.1 only. All of 127/8 is
 * local, so every host here is refused by the kernel without traffic. */
#define NEAR_MISS 1       /* 127.0.0.2 */
#define FAR_MISS  0x10000 /* 127.1.0.1 */
static struct sockaddr_in loopback_host(int port, int host)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK + (uint32_t)host);
	return a;
}

static struct sockaddr_in loopback(int port)
{
	return loopback_host(port, 0);
}

/* A loopback port nobody listens on. */
static int refused_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0)
		die("cannot find a free port");
	close(s);
	return ntohs(a.sin_port);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median over rounds of ns per connect() to port; a refused socket can be
 * connected again, so one socket serves every call. */
static double measure(connect_fn fn, int port, int host, int expect)
{
	struct sockaddr_in a = loopback_host(port, host);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	double per[ROUNDS];
	if (s < 0)
		die("socket");
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		for (int i = 0; i < PER_ROUND; i++)
			if (fn(s, (struct sockaddr *)&a, sizeof(a)) != -1 || errno != expect)
				die("unexpected connect result");
		per[r] = (now_ns() - t0) / PER_ROUND;
	}
	close(s);
	qsort(per, ROUNDS, sizeof(per[0]), cmp_double);
	return per[ROUNDS / 2];
}

/* Median over rounds of ns per socket + non-blocking connect + close. */
static double measure_nonblocking(int port)
{
	struct sockaddr_in a = loopback(port);
	double per[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		for (int i = 0; i < PER_ROUND / 4; i++) {
			int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) != -1 ||
			    errno != EINPROGRESS)
				die("unexpected non-blocking connect result");
			close(s);
		}
		per[r] = (now_ns() - t0) / (PER_ROUND / 4);
	}
	qsort(per, ROUNDS, sizeof(per[0]), cmp_double);
	return per[ROUNDS / 2];
}

/* libc's own connect, even with the shim preloaded in front of it. */
static connect_fn libc_connect(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	connect_fn fn = libc ? (connect_fn)dlsym(libc, "connect") : NULL;
	if (!fn)
		die("cannot find libc's connect");
	return fn;
}

/* Child: "time UNMATCHED OPEN" prints (b) near, (b) far and (c);
 * "count plain|shim PORT HOST" makes COUNT_RUNS connects for callgrind. */
static int child(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "count") == 0) {
		connect_fn fn = strcmp(argv[2], "plain") == 0 ? libc_connect() : connect;
		struct sockaddr_in a = loopback_host(atoi(argv[3]), atoi(argv[4]));
		int s = socket(AF_INET, SOCK_STREAM, 0);
		for (int i = 0; i < COUNT_RUNS; i++)
			fn(s, (struct sockaddr *)&a, sizeof(a));
		return 0;
	}
	int unmatched = atoi(argv[2]), open = atoi(argv[3]);
	/* Open the breaker: failure_threshold = 1. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(open);
	connect(s, (struct sockaddr *)&a, sizeof(a));
	close(s);
	printf("%.1f %.1f %.1f %.1f\n", measure(connect, unmatched, NEAR_MISS, ECONNREFUSED),
	       measure(connect, unmatched, FAR_MISS, ECONNREFUSED),
	       measure(connect, open, 0, EHOSTUNREACH), measure_nonblocking(open));
	return 0;
}

static void run_child(const char *self, const char *lib, const char *cfg, char *const args[],
                      const char *out, const char *tool_prefix)
{
	char cmd[4096];
	int n = snprintf(cmd, sizeof(cmd), "%s=1 LD_PRELOAD='%s' CBREAKER_CONFIG='%s' %s '%s'",
	                 CHILD_FLAG, lib, cfg, tool_prefix, self);
	for (int i = 0; args[i] && n > 0 && (size_t)n < sizeof(cmd); i++)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " %s", args[i]);
	if (n <= 0 || (size_t)n + strlen(out) + 8 >= sizeof(cmd))
		die("command too long");
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " %s", out);
	if (system(cmd) != 0)
		die("child run failed");
}

/* Instructions callgrind collected, from its log file. */
static double collected(const char *log)
{
	FILE *f = fopen(log, "r");
	char line[512];
	double v = -1;
	while (f && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "Collected :");
		if (p)
			v = strtod(p + strlen("Collected :"), NULL);
	}
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	if (getenv(CHILD_FLAG))
		return child(argc, argv);
	if (argc != 2)
		die("usage: bench_connect LIBCBREAKER.SO");
	char self[4096];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0)
		die("cannot find myself");
	self[sl] = '\0';

	int unmatched = refused_port(), open = refused_port();
	char dir[] = "/tmp/cbbench.XXXXXX";
	if (!mkdtemp(dir))
		die("mkdtemp");
	char cfg[256], out[256], log[256];
	snprintf(cfg, sizeof(cfg), "%s/c.ini", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(log, sizeof(log), "%s/cg.log", dir);
	FILE *f = fopen(cfg, "w");
	if (!f)
		die("cannot write the configuration");
	fprintf(f,
	        "[global]\nstate_file = none\nsocket = off\nlog = off\n\n"
	        "[svc]\nhosts = 127.0.0.1:%d\nfailure_threshold = 1\nopen_timeout = 1h\n"
	        "reject_errno = EHOSTUNREACH\n",
	        open);
	fclose(f);

	double plain = measure(connect, unmatched, NEAR_MISS, ECONNREFUSED);
	char ports[2][16];
	snprintf(ports[0], sizeof(ports[0]), "%d", unmatched);
	snprintf(ports[1], sizeof(ports[1]), "%d", open);
	char *timeargs[] = {"time", ports[0], ports[1], ">", NULL};
	run_child(self, argv[1], cfg, timeargs, out, "");
	double bnear = 0, bfar = 0, c = 0, dshim = 0;
	double dplain = measure_nonblocking(unmatched);
	f = fopen(out, "r");
	if (!f || fscanf(f, "%lf %lf %lf %lf", &bnear, &bfar, &c, &dshim) != 4)
		die("no result from the child");
	fclose(f);
	double plain2 = measure(connect, unmatched, NEAR_MISS, ECONNREFUSED);
	if (plain2 < plain)
		plain = plain2;

	double extra[2] = {-1, -1};
	if (system("valgrind --version >/dev/null 2>&1") == 0) {
		char vg[512], hosts[2][16];
		snprintf(vg, sizeof(vg),
		         "valgrind --tool=callgrind --callgrind-out-file=/dev/null 2>%s", log);
		snprintf(hosts[0], sizeof(hosts[0]), "%d", NEAR_MISS);
		snprintf(hosts[1], sizeof(hosts[1]), "%d", FAR_MISS);
		for (int k = 0; k < 2; k++) {
			char *plainargs[] = {"count", "plain", ports[0], hosts[k], ">", NULL};
			char *shimargs[] = {"count", "shim", ports[0], hosts[k], ">", NULL};
			run_child(self, argv[1], cfg, plainargs, "/dev/null", vg);
			double ip = collected(log);
			run_child(self, argv[1], cfg, shimargs, "/dev/null", vg);
			double is = collected(log);
			if (ip > 0 && is > 0)
				extra[k] = (is - ip) / COUNT_RUNS;
		}
	}
	char rm[300];
	snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
	if (system(rm) != 0)
		fprintf(stderr, "bench_connect: could not remove %s\n", dir);

	printf("bench_connect: connect() on loopback, median of %d rounds x %d calls\n", ROUNDS,
	       PER_ROUND);
	printf("  %-46s %10s %10s\n", "case", "ns/call", "vs (a)");
	printf("  %-46s %10.1f %9.2fx\n", "(a) no shim, 127.0.0.2 refused by the kernel", plain,
	       1.0);
	printf("  %-46s %10.1f %9.2fx\n", "(b) shim, 127.0.0.2 no breaker (near miss)", bnear,
	       bnear / plain);
	printf("  %-46s %10.1f %9.2fx\n", "(b) shim, 127.1.0.1 no breaker (far miss)", bfar,
	       bfar / plain);
	printf("  %-46s %10.1f %9.2f%%\n", "(c) shim, breaker open: rejected", c,
	       100.0 * c / plain);
	printf("  %-46s %10.1f %9.2fx\n", "(d) no shim, non-blocking, kernel refusal", dplain, 1.0);
	printf("  %-46s %10.1f %9.2fx\n", "(d) shim, non-blocking, rejected as refused", dshim,
	       dshim / dplain);
	printf("  %-46s\n", "    (d) is socket() + connect() + close() per call");
	if (extra[0] >= 0 && extra[1] >= 0)
		printf("  user-space instructions added by the shim to (b) (callgrind): "
		       "near miss %.0f, far miss %.0f per call\n",
		       extra[0], extra[1]);
	else
		printf("  user-space instructions: valgrind not available\n");
	return 0;
}
