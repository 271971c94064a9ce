/* bench_store.c - what the shared state costs: bytes per breaker, the file
 * size for 50, 1,000 and 10,000 breakers, and the time to create a state
 * file, to open and map an existing one, to open a private store, and to
 * find a slot by name. Files go to a fresh directory under /dev/shm (where
 * state_file = auto puts them too). Prints a table;
 * asserts nothing about time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "state/layout.h"
#include "state/store.h"

#define ROUNDS 200

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static struct cb_store *open_or_die(const struct cb_config *cfg)
{
	char warn[512];
	struct cb_store *st = cb_store_open(cfg, warn, sizeof(warn));
	if (!st || warn[0]) {
		fprintf(stderr, "bench_store: %s\n", st ? warn : "out of memory");
		exit(1);
	}
	return st;
}

/* Median microseconds of: create (unlink first) or open an existing file. */
static double time_open(struct cb_config *cfg, const char *path, int create)
{
	double t[ROUNDS];
	for (int i = 0; i < ROUNDS; i++) {
		if (create)
			unlink(path);
		double t0 = now_us();
		struct cb_store *st = open_or_die(cfg);
		t[i] = now_us() - t0;
		cb_store_close(st);
	}
	return median(t, ROUNDS);
}

static void row(const char *what, double value, const char *unit)
{
	printf("%-46s %12.1f %s\n", what, value, unit);
}

int main(void)
{
	char dir[] = "/dev/shm/cb-bench-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("bench_store: mkdtemp");
		return 1;
	}
	char path[256];
	snprintf(path, sizeof(path), "%s/bench.state", dir);
	static struct cb_config cfg;
	cfg.global.state_file_kind = CB_PATH_EXPLICIT;
	snprintf(cfg.global.state_file, sizeof(cfg.global.state_file), "%s", path);
	cfg.global.state_mode = 0600;

	printf("%-46s %12s\n", "store", "value");
	row("bytes per breaker (sizeof struct cb_slot)", (double)sizeof(struct cb_slot), "B");
	row("bytes per ring entry (256 entries)", (double)sizeof(struct cb_ring_entry), "B");
	static const size_t sizes[] = {50, 1000, 10000};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct cb_store_layout l;
		struct cb_config sized;
		memset(&sized, 0, sizeof(sized));
		sized.n_breakers = sizes[i];
		uint32_t cap = cb_store_capacity_for(&sized);
		cb_store_layout(cap, CB_STORE_RING, &l);
		char what[80];
		snprintf(what, sizeof(what), "file size, %zu breakers (capacity %u)", sizes[i],
		         cap);
		row(what, (double)l.total_size / 1024, "KiB");
	}

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		cfg.n_breakers = sizes[i];
		char what[80];
		snprintf(what, sizeof(what), "create a new file, %zu breakers", sizes[i]);
		row(what, time_open(&cfg, path, 1), "us");
		snprintf(what, sizeof(what), "open and map the existing file, %zu breakers",
		         sizes[i]);
		row(what, time_open(&cfg, path, 0), "us");
		unlink(path);
	}

	cfg.n_breakers = 50;
	cfg.global.state_file_kind = CB_PATH_NONE;
	row("open a private store (state_file = none), 50", time_open(&cfg, path, 0), "us");

	cfg.global.state_file_kind = CB_PATH_EXPLICIT;
	struct cb_store *st = open_or_die(&cfg);
	char name[50][32];
	for (int i = 0; i < 50; i++) {
		snprintf(name[i], sizeof(name[i]), "breaker-%d", i);
		cb_store_find(st, name[i], true);
	}
	const int finds = 1000000;
	double t0 = now_us();
	unsigned found = 0;
	for (int i = 0; i < finds; i++)
		found += cb_store_find(st, name[i % 50], false) != NULL;
	double per = (now_us() - t0) * 1e3 / finds;
	row("cb_store_find by name, 50 in use (reload path)", per, "ns");
	cb_store_close(st);
	unlink(path);
	rmdir(dir);
	return found == (unsigned)finds ? 0 : 1;
}
